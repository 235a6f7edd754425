package trigger

// PreSignUpEvent is the event of the PreSignUp trigger, invoked before a user
// is created by SignUp, AdminCreateUser or a first federated sign-in.
type PreSignUpEvent struct {
	Common
	// Request describes the user about to be created.
	Request PreSignUpRequest `json:"request"`
	// Response is what the trigger may change.
	Response PreSignUpResponse `json:"response"`
}

// PreSignUpRequest is the request part of [PreSignUpEvent].
type PreSignUpRequest struct {
	// UserAttributes are the attributes the user is being created with.
	UserAttributes map[string]string `json:"userAttributes"`
	// ValidationData is the caller's ValidationData, never stored.
	ValidationData map[string]string `json:"validationData"`
	// ClientMetadata is the caller's ClientMetadata.
	ClientMetadata map[string]string `json:"clientMetadata"`
}

// PreSignUpResponse is the response part of [PreSignUpEvent].
type PreSignUpResponse struct {
	// AutoConfirmUser confirms the user without a code.
	AutoConfirmUser bool `json:"autoConfirmUser"`
	// AutoVerifyEmail marks the email address verified.
	AutoVerifyEmail bool `json:"autoVerifyEmail"`
	// AutoVerifyPhone marks the phone number verified.
	AutoVerifyPhone bool `json:"autoVerifyPhone"`
}

func (e *PreSignUpEvent) cloneEvent() any {
	c := *e
	c.Request.UserAttributes = cloneStrings(e.Request.UserAttributes)
	c.Request.ValidationData = cloneStrings(e.Request.ValidationData)
	c.Request.ClientMetadata = cloneStrings(e.Request.ClientMetadata)
	return &c
}

func (e *PreSignUpEvent) responsePtr() any { return &e.Response }

func (e *PreSignUpEvent) takeResponse(from any) {
	if f, ok := from.(*PreSignUpEvent); ok {
		e.Response = f.Response
	}
}

// PostConfirmationEvent is the event of the PostConfirmation trigger, invoked
// after a user's sign-up or forgotten password is confirmed.
type PostConfirmationEvent struct {
	Common
	// Request describes the confirmed user.
	Request PostConfirmationRequest `json:"request"`
	// Response is empty: the trigger is for side effects.
	Response PostConfirmationResponse `json:"response"`
}

// PostConfirmationRequest is the request part of [PostConfirmationEvent].
type PostConfirmationRequest struct {
	// UserAttributes are the user's attributes after confirmation.
	UserAttributes map[string]string `json:"userAttributes"`
	// ClientMetadata is the caller's ClientMetadata.
	ClientMetadata map[string]string `json:"clientMetadata"`
}

// PostConfirmationResponse is the (empty) response part of
// [PostConfirmationEvent].
type PostConfirmationResponse struct{}

func (e *PostConfirmationEvent) cloneEvent() any {
	c := *e
	c.Request.UserAttributes = cloneStrings(e.Request.UserAttributes)
	c.Request.ClientMetadata = cloneStrings(e.Request.ClientMetadata)
	return &c
}

func (e *PostConfirmationEvent) responsePtr() any { return &e.Response }

func (e *PostConfirmationEvent) takeResponse(from any) {
	if f, ok := from.(*PostConfirmationEvent); ok {
		e.Response = f.Response
	}
}
