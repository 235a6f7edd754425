package trigger

// Event versions Cognito puts in [Common.Version].
const (
	// Version1 is the version of every event except the V2 pre token
	// generation event.
	Version1 = "1"
	// Version2 is the version of [PreTokenGenerationV2Event].
	Version2 = "2"
)

// Common is the envelope every trigger event starts with. Its fields are
// inlined into the event JSON next to "request" and "response", exactly as in
// the Lambda event Cognito sends.
type Common struct {
	// Version is the event version: "1", or "2" for the V2 pre token
	// generation event.
	Version string `json:"version"`
	// TriggerSource says which operation invoked the trigger, for example
	// [TriggerPreSignUpSignUp].
	TriggerSource string `json:"triggerSource"`
	// Region is the pool's region (Cognito's form, kept for Lambda handlers
	// that read it).
	Region string `json:"region"`
	// UserPoolID is the ID of the user pool.
	UserPoolID string `json:"userPoolId"`
	// UserName is the user's username (for an unknown user: the name given).
	UserName string `json:"userName"`
	// CallerContext identifies the calling app client.
	CallerContext CallerContext `json:"callerContext"`
}

// CallerContext identifies who called the operation that invoked the
// trigger.
type CallerContext struct {
	// AWSSDKVersion is the caller's SDK version string, as reported by the
	// caller; informational only.
	AWSSDKVersion string `json:"awsSdkVersion"`
	// ClientID is the app client ID the operation was called with.
	ClientID string `json:"clientId"`
}

// event is implemented by every event type of this package. Invoke uses it
// to hand a trigger a private copy of the event and to adopt only the
// response part of the result; HTTP uses it to decode only the response part
// of what an endpoint sends back.
type event interface {
	// cloneEvent returns a deep copy of the event, of the receiver's type.
	cloneEvent() any
	// responsePtr returns a pointer to the event's Response field.
	responsePtr() any
	// takeResponse sets the receiver's Response to from's (from has the
	// receiver's type).
	takeResponse(from any)
}

var (
	_ event = (*PreSignUpEvent)(nil)
	_ event = (*PostConfirmationEvent)(nil)
	_ event = (*PreAuthenticationEvent)(nil)
	_ event = (*PostAuthenticationEvent)(nil)
	_ event = (*PreTokenGenerationEvent)(nil)
	_ event = (*PreTokenGenerationV2Event)(nil)
	_ event = (*MigrateUserEvent)(nil)
	_ event = (*CustomMessageEvent)(nil)
	_ event = (*CustomEmailSenderEvent)(nil)
	_ event = (*CustomSMSSenderEvent)(nil)
	_ event = (*DefineAuthChallengeEvent)(nil)
	_ event = (*CreateAuthChallengeEvent)(nil)
	_ event = (*VerifyAuthChallengeResponseEvent)(nil)
)
