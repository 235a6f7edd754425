package trigger

// Challenge names seen in [ChallengeResult.ChallengeName] and returned in
// [DefineAuthChallengeResponse.ChallengeName].
const (
	// ChallengeCustom is a challenge created by CreateAuthChallenge.
	ChallengeCustom = "CUSTOM_CHALLENGE"
	// ChallengePasswordVerifier is the password step of CUSTOM_AUTH.
	ChallengePasswordVerifier = "PASSWORD_VERIFIER"
	// ChallengeSRPA is the SRP step of CUSTOM_AUTH.
	ChallengeSRPA = "SRP_A"
)

// ChallengeResult is one finished round of a custom authentication, as kept
// in the session history.
type ChallengeResult struct {
	// ChallengeName is the challenge that was answered, for example
	// [ChallengeCustom] or [ChallengePasswordVerifier].
	ChallengeName string `json:"challengeName"`
	// ChallengeResult says whether the answer was correct.
	ChallengeResult bool `json:"challengeResult"`
	// ChallengeMetadata is what CreateAuthChallenge returned as
	// ChallengeMetadata for this round.
	ChallengeMetadata string `json:"challengeMetadata"`
}

// DefineAuthChallengeEvent is the event of the DefineAuthChallenge trigger,
// invoked at the start of CUSTOM_AUTH and after every answer to decide what
// happens next.
type DefineAuthChallengeEvent struct {
	Common
	// Request carries the rounds so far.
	Request DefineAuthChallengeRequest `json:"request"`
	// Response is the decision.
	Response DefineAuthChallengeResponse `json:"response"`
}

// DefineAuthChallengeRequest is the request part of
// [DefineAuthChallengeEvent].
type DefineAuthChallengeRequest struct {
	// UserAttributes are the user's attributes.
	UserAttributes map[string]string `json:"userAttributes"`
	// Session is the history of rounds, oldest first.
	Session []ChallengeResult `json:"session"`
	// ClientMetadata is the caller's ClientMetadata.
	ClientMetadata map[string]string `json:"clientMetadata"`
	// UserNotFound is true when the user does not exist and the app client
	// prevents user-existence errors.
	UserNotFound bool `json:"userNotFound"`
}

// DefineAuthChallengeResponse is the response part of
// [DefineAuthChallengeEvent]. Exactly one outcome applies: IssueTokens,
// FailAuthentication, or a next ChallengeName.
type DefineAuthChallengeResponse struct {
	// ChallengeName is the next challenge: [ChallengeCustom],
	// [ChallengePasswordVerifier] or [ChallengeSRPA].
	ChallengeName string `json:"challengeName"`
	// IssueTokens ends the flow successfully.
	IssueTokens bool `json:"issueTokens"`
	// FailAuthentication ends the flow with NotAuthorized.
	FailAuthentication bool `json:"failAuthentication"`
}

func (e *DefineAuthChallengeEvent) cloneEvent() any {
	c := *e
	c.Request.UserAttributes = cloneStrings(e.Request.UserAttributes)
	c.Request.Session = cloneSession(e.Request.Session)
	c.Request.ClientMetadata = cloneStrings(e.Request.ClientMetadata)
	return &c
}

func (e *DefineAuthChallengeEvent) responsePtr() any { return &e.Response }

func (e *DefineAuthChallengeEvent) takeResponse(from any) {
	if f, ok := from.(*DefineAuthChallengeEvent); ok {
		e.Response = f.Response
	}
}

// CreateAuthChallengeEvent is the event of the CreateAuthChallenge trigger,
// invoked when DefineAuthChallenge asks for a [ChallengeCustom] round.
type CreateAuthChallengeEvent struct {
	Common
	// Request carries the challenge to create and the rounds so far.
	Request CreateAuthChallengeRequest `json:"request"`
	// Response is the challenge.
	Response CreateAuthChallengeResponse `json:"response"`
}

// CreateAuthChallengeRequest is the request part of
// [CreateAuthChallengeEvent].
type CreateAuthChallengeRequest struct {
	// UserAttributes are the user's attributes.
	UserAttributes map[string]string `json:"userAttributes"`
	// ChallengeName is the challenge DefineAuthChallenge chose.
	ChallengeName string `json:"challengeName"`
	// Session is the history of rounds, oldest first.
	Session []ChallengeResult `json:"session"`
	// ClientMetadata is the caller's ClientMetadata.
	ClientMetadata map[string]string `json:"clientMetadata"`
	// UserNotFound is true when the user does not exist and the app client
	// prevents user-existence errors.
	UserNotFound bool `json:"userNotFound"`
}

// CreateAuthChallengeResponse is the response part of
// [CreateAuthChallengeEvent].
type CreateAuthChallengeResponse struct {
	// PublicChallengeParameters are returned to the client as
	// ChallengeParameters.
	PublicChallengeParameters map[string]string `json:"publicChallengeParameters"`
	// PrivateChallengeParameters stay on the server and are handed to
	// VerifyAuthChallengeResponse (typically the expected answer). Secret:
	// the response formats itself with their values redacted.
	PrivateChallengeParameters map[string]string `json:"privateChallengeParameters"`
	// ChallengeMetadata is recorded in this round's [ChallengeResult].
	ChallengeMetadata string `json:"challengeMetadata"`
}

func (e *CreateAuthChallengeEvent) cloneEvent() any {
	c := *e
	c.Request.UserAttributes = cloneStrings(e.Request.UserAttributes)
	c.Request.Session = cloneSession(e.Request.Session)
	c.Request.ClientMetadata = cloneStrings(e.Request.ClientMetadata)
	c.Response.PublicChallengeParameters = cloneStrings(e.Response.PublicChallengeParameters)
	c.Response.PrivateChallengeParameters = cloneStrings(e.Response.PrivateChallengeParameters)
	return &c
}

func (e *CreateAuthChallengeEvent) responsePtr() any { return &e.Response }

func (e *CreateAuthChallengeEvent) takeResponse(from any) {
	if f, ok := from.(*CreateAuthChallengeEvent); ok {
		e.Response = f.Response
	}
}

// VerifyAuthChallengeResponseEvent is the event of the
// VerifyAuthChallengeResponse trigger, invoked with the client's answer to a
// [ChallengeCustom] round.
type VerifyAuthChallengeResponseEvent struct {
	Common
	// Request carries the answer and what to check it against.
	Request VerifyAuthChallengeResponseRequest `json:"request"`
	// Response is the verdict.
	Response VerifyAuthChallengeResponseResponse `json:"response"`
}

// VerifyAuthChallengeResponseRequest is the request part of
// [VerifyAuthChallengeResponseEvent].
type VerifyAuthChallengeResponseRequest struct {
	// UserAttributes are the user's attributes.
	UserAttributes map[string]string `json:"userAttributes"`
	// PrivateChallengeParameters are what CreateAuthChallenge returned as
	// private parameters. Secret: redacted when the request is formatted.
	PrivateChallengeParameters map[string]string `json:"privateChallengeParameters"`
	// ChallengeAnswer is the client's answer. Secret: redacted when the
	// request is formatted.
	ChallengeAnswer string `json:"challengeAnswer"`
	// ClientMetadata is the caller's ClientMetadata.
	ClientMetadata map[string]string `json:"clientMetadata"`
	// UserNotFound is true when the user does not exist and the app client
	// prevents user-existence errors.
	UserNotFound bool `json:"userNotFound"`
}

// VerifyAuthChallengeResponseResponse is the response part of
// [VerifyAuthChallengeResponseEvent].
type VerifyAuthChallengeResponseResponse struct {
	// AnswerCorrect says whether the answer was correct.
	AnswerCorrect bool `json:"answerCorrect"`
}

func (e *VerifyAuthChallengeResponseEvent) cloneEvent() any {
	c := *e
	c.Request.UserAttributes = cloneStrings(e.Request.UserAttributes)
	c.Request.PrivateChallengeParameters = cloneStrings(e.Request.PrivateChallengeParameters)
	c.Request.ClientMetadata = cloneStrings(e.Request.ClientMetadata)
	return &c
}

func (e *VerifyAuthChallengeResponseEvent) responsePtr() any { return &e.Response }

func (e *VerifyAuthChallengeResponseEvent) takeResponse(from any) {
	if f, ok := from.(*VerifyAuthChallengeResponseEvent); ok {
		e.Response = f.Response
	}
}
