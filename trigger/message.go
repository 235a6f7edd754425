package trigger

// Values of [CustomEmailSenderRequest.Type] and [CustomSMSSenderRequest.Type].
const (
	// CustomEmailSenderRequestV1 is the request type of the custom email
	// sender event.
	CustomEmailSenderRequestV1 = "customEmailSenderRequestV1"
	// CustomSMSSenderRequestV1 is the request type of the custom SMS sender
	// event.
	CustomSMSSenderRequestV1 = "customSMSSenderRequestV1"
)

// CustomMessageEvent is the event of the CustomMessage trigger, invoked
// before the pool sends an email or SMS message with a code, so the trigger
// can write the text.
type CustomMessageEvent struct {
	Common
	// Request carries the placeholders to put in the message.
	Request CustomMessageRequest `json:"request"`
	// Response is the message text; empty fields keep the pool's template.
	Response CustomMessageResponse `json:"response"`
}

// CustomMessageRequest is the request part of [CustomMessageEvent].
type CustomMessageRequest struct {
	// UserAttributes are the user's attributes.
	UserAttributes map[string]string `json:"userAttributes"`
	// CodeParameter is the placeholder (typically "{####}") that the pool
	// replaces with the code; the message must contain it.
	CodeParameter string `json:"codeParameter"`
	// UsernameParameter is the placeholder (typically "{username}") for the
	// username, set for AdminCreateUser.
	UsernameParameter string `json:"usernameParameter"`
	// LinkParameter is the placeholder for a verification link, when the
	// pool sends links.
	LinkParameter string `json:"linkParameter"`
	// ClientMetadata is the caller's ClientMetadata.
	ClientMetadata map[string]string `json:"clientMetadata"`
}

// CustomMessageResponse is the response part of [CustomMessageEvent].
type CustomMessageResponse struct {
	// SMSMessage is the SMS text; it must contain CodeParameter.
	SMSMessage string `json:"smsMessage"`
	// EmailMessage is the email body; it must contain CodeParameter (or
	// LinkParameter).
	EmailMessage string `json:"emailMessage"`
	// EmailSubject is the email subject.
	EmailSubject string `json:"emailSubject"`
}

func (e *CustomMessageEvent) cloneEvent() any {
	c := *e
	c.Request.UserAttributes = cloneStrings(e.Request.UserAttributes)
	c.Request.ClientMetadata = cloneStrings(e.Request.ClientMetadata)
	return &c
}

func (e *CustomMessageEvent) responsePtr() any { return &e.Response }

func (e *CustomMessageEvent) takeResponse(from any) {
	if f, ok := from.(*CustomMessageEvent); ok {
		e.Response = f.Response
	}
}

// CustomEmailSenderEvent is the event of the custom email sender trigger,
// which replaces the pool's email delivery: the trigger sends the message.
//
// Request.Code is the plaintext code or temporary password. Cognito encrypts
// it with a KMS key because its event leaves Cognito for another service and
// its logs; a Go trigger runs inside the process that made the code, so an
// envelope whose key that same process holds would protect nothing. The code
// is still a secret: the event formats itself with it redacted, and an HTTP
// trigger (see [HTTP]) sends it only in the signed request body, over TLS
// unless the endpoint is a loopback address or [HTTPOptions.AllowHTTP] is set.
type CustomEmailSenderEvent struct {
	Common
	// Request carries what to send.
	Request CustomEmailSenderRequest `json:"request"`
	// Response is empty: the trigger delivers the message.
	Response CustomEmailSenderResponse `json:"response"`
}

// CustomEmailSenderRequest is the request part of [CustomEmailSenderEvent].
type CustomEmailSenderRequest struct {
	// Type is [CustomEmailSenderRequestV1].
	Type string `json:"type"`
	// Code is the plaintext code or temporary password to deliver; empty for
	// notifications. Secret: never log it.
	Code string `json:"code"`
	// ClientMetadata is the caller's ClientMetadata.
	ClientMetadata map[string]string `json:"clientMetadata"`
	// UserAttributes are the user's attributes, including the address to
	// send to.
	UserAttributes map[string]string `json:"userAttributes"`
}

// CustomEmailSenderResponse is the (empty) response part of
// [CustomEmailSenderEvent].
type CustomEmailSenderResponse struct{}

func (e *CustomEmailSenderEvent) cloneEvent() any {
	c := *e
	c.Request.ClientMetadata = cloneStrings(e.Request.ClientMetadata)
	c.Request.UserAttributes = cloneStrings(e.Request.UserAttributes)
	return &c
}

func (e *CustomEmailSenderEvent) responsePtr() any { return &e.Response }

func (e *CustomEmailSenderEvent) takeResponse(from any) {
	if f, ok := from.(*CustomEmailSenderEvent); ok {
		e.Response = f.Response
	}
}

// CustomSMSSenderEvent is the event of the custom SMS sender trigger, which
// replaces the pool's SMS delivery: the trigger sends the message. The code
// is plaintext, for the reasons given at [CustomEmailSenderEvent].
type CustomSMSSenderEvent struct {
	Common
	// Request carries what to send.
	Request CustomSMSSenderRequest `json:"request"`
	// Response is empty: the trigger delivers the message.
	Response CustomSMSSenderResponse `json:"response"`
}

// CustomSMSSenderRequest is the request part of [CustomSMSSenderEvent].
type CustomSMSSenderRequest struct {
	// Type is [CustomSMSSenderRequestV1].
	Type string `json:"type"`
	// Code is the plaintext code or temporary password to deliver; empty for
	// notifications. Secret: never log it.
	Code string `json:"code"`
	// ClientMetadata is the caller's ClientMetadata.
	ClientMetadata map[string]string `json:"clientMetadata"`
	// UserAttributes are the user's attributes, including the number to
	// send to.
	UserAttributes map[string]string `json:"userAttributes"`
}

// CustomSMSSenderResponse is the (empty) response part of
// [CustomSMSSenderEvent].
type CustomSMSSenderResponse struct{}

func (e *CustomSMSSenderEvent) cloneEvent() any {
	c := *e
	c.Request.ClientMetadata = cloneStrings(e.Request.ClientMetadata)
	c.Request.UserAttributes = cloneStrings(e.Request.UserAttributes)
	return &c
}

func (e *CustomSMSSenderEvent) responsePtr() any { return &e.Response }

func (e *CustomSMSSenderEvent) takeResponse(from any) {
	if f, ok := from.(*CustomSMSSenderEvent); ok {
		e.Response = f.Response
	}
}
