package trigger

// PreAuthenticationEvent is the event of the PreAuthentication trigger,
// invoked before a sign-in is checked. Returning an error denies the sign-in.
type PreAuthenticationEvent struct {
	Common
	// Request describes the user signing in.
	Request PreAuthenticationRequest `json:"request"`
	// Response is empty: the trigger allows by returning nil.
	Response PreAuthenticationResponse `json:"response"`
}

// PreAuthenticationRequest is the request part of [PreAuthenticationEvent].
type PreAuthenticationRequest struct {
	// UserAttributes are the user's attributes (empty when UserNotFound).
	UserAttributes map[string]string `json:"userAttributes"`
	// ValidationData is the caller's ValidationData.
	ValidationData map[string]string `json:"validationData"`
	// ClientMetadata is the caller's ClientMetadata.
	ClientMetadata map[string]string `json:"clientMetadata"`
	// UserNotFound is true when the user does not exist and the app client
	// prevents user-existence errors.
	UserNotFound bool `json:"userNotFound"`
}

// PreAuthenticationResponse is the (empty) response part of
// [PreAuthenticationEvent].
type PreAuthenticationResponse struct{}

func (e *PreAuthenticationEvent) cloneEvent() any {
	c := *e
	c.Request.UserAttributes = cloneStrings(e.Request.UserAttributes)
	c.Request.ValidationData = cloneStrings(e.Request.ValidationData)
	c.Request.ClientMetadata = cloneStrings(e.Request.ClientMetadata)
	return &c
}

func (e *PreAuthenticationEvent) responsePtr() any { return &e.Response }

func (e *PreAuthenticationEvent) takeResponse(from any) {
	if f, ok := from.(*PreAuthenticationEvent); ok {
		e.Response = f.Response
	}
}

// PostAuthenticationEvent is the event of the PostAuthentication trigger,
// invoked after a successful sign-in, before tokens are returned.
type PostAuthenticationEvent struct {
	Common
	// Request describes the user who signed in.
	Request PostAuthenticationRequest `json:"request"`
	// Response is empty: the trigger is for side effects.
	Response PostAuthenticationResponse `json:"response"`
}

// PostAuthenticationRequest is the request part of [PostAuthenticationEvent].
type PostAuthenticationRequest struct {
	// UserAttributes are the user's attributes.
	UserAttributes map[string]string `json:"userAttributes"`
	// NewDeviceUsed is true when the sign-in came from a device not seen
	// before.
	NewDeviceUsed bool `json:"newDeviceUsed"`
	// ClientMetadata is the caller's ClientMetadata.
	ClientMetadata map[string]string `json:"clientMetadata"`
}

// PostAuthenticationResponse is the (empty) response part of
// [PostAuthenticationEvent].
type PostAuthenticationResponse struct{}

func (e *PostAuthenticationEvent) cloneEvent() any {
	c := *e
	c.Request.UserAttributes = cloneStrings(e.Request.UserAttributes)
	c.Request.ClientMetadata = cloneStrings(e.Request.ClientMetadata)
	return &c
}

func (e *PostAuthenticationEvent) responsePtr() any { return &e.Response }

func (e *PostAuthenticationEvent) takeResponse(from any) {
	if f, ok := from.(*PostAuthenticationEvent); ok {
		e.Response = f.Response
	}
}
