package userpool

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/trigger"
)

// runTrigger runs one trigger under the caller's context with the pool's
// trigger deadline and maps its outcome to Cognito's errors: an error the
// trigger returns is UserLambdaValidationException "<Name> failed with
// error <msg>."; a panic or a timeout is UnexpectedLambdaException. A nil
// trigger does nothing.
func runTrigger[E any](ctx context.Context, p *UserPool, name string, fn func(context.Context, *E) error, ev *E) error {
	if fn == nil {
		return nil
	}
	err := trigger.Invoke(ctx, p.cfg.Triggers.Timeout, fn, ev)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, trigger.ErrPanic):
		p.log.ErrorContext(ctx, "trigger panicked", "trigger", name, "err", err)
		return &Error{Code: CodeUnexpectedLambda, Message: name + " failed due to an unexpected error.", Err: err}
	case errors.Is(err, trigger.ErrInvalidResponse):
		return &Error{Code: CodeInvalidLambdaResponse, Message: name + " returned an invalid response.", Err: err}
	case errors.Is(err, trigger.ErrUnavailable):
		return &Error{Code: CodeUnexpectedLambda, Message: name + " failed: the trigger endpoint is unavailable.", Err: err}
	case errors.Is(err, trigger.ErrTimeout):
		p.log.WarnContext(ctx, "trigger timed out", "trigger", name)
		return &Error{Code: CodeUnexpectedLambda, Message: name + " failed with error Task timed out.", Err: err}
	default:
		return &Error{Code: CodeUserLambdaValidation, Message: fmt.Sprintf("%s failed with error %s.", name, sanitizeTriggerMessage(err.Error())), Err: err}
	}
}

// sanitizeTriggerMessage bounds what of a trigger's error reaches callers.
func sanitizeTriggerMessage(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > 512 {
		s = s[:512]
	}
	return strings.TrimSuffix(s, ".")
}

// triggerCommon is the envelope of every event.
func (p *UserPool) triggerCommon(source, username, clientID string) trigger.Common {
	region := p.cfg.Region
	if region == "" {
		region = "local"
	}
	return trigger.Common{Version: "1", TriggerSource: source, Region: region, UserPoolID: p.cfg.ID, UserName: username,
		CallerContext: trigger.CallerContext{AWSSDKVersion: "cupola", ClientID: clientID}}
}

// eventAttributes is what triggers see of a user: the attributes and sub,
// never secrets.
func eventAttributes(u store.User) map[string]string {
	out := userAttrs(u)
	if u.Sub != "" {
		out["sub"] = u.Sub
	}
	out["cognito:user_status"] = string(u.Status)
	return out
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func attributeMap(attrs []Attribute) map[string]string {
	out := make(map[string]string, len(attrs))
	for _, a := range attrs {
		out[a.Name] = a.Value
	}
	return out
}

// messageSources maps a message kind to the suffix of Cognito's trigger
// sources (CustomMessage_SignUp, CustomEmailSender_SignUp…).
var messageSources = map[message.Kind]string{
	message.KindSignUp:              "SignUp",
	message.KindResendCode:          "ResendCode",
	message.KindForgotPassword:      "ForgotPassword",
	message.KindUpdateUserAttribute: "UpdateUserAttribute",
	message.KindVerifyUserAttribute: "VerifyUserAttribute",
	message.KindAdminCreateUser:     "AdminCreateUser",
	message.KindAuthentication:      "Authentication",
}

// customMessage returns the templates for one message: the pool's, or the
// CustomMessage trigger's answer. The trigger sees the placeholders, never
// the code, and its texts must keep {####}.
func (p *UserPool) customMessage(ctx context.Context, u store.User, kind message.Kind, data message.Data) (message.Templates, error) {
	fn := p.cfg.Triggers.CustomMessage
	if fn == nil {
		return p.cfg.Messages, nil
	}
	ev := &trigger.CustomMessageEvent{Common: p.triggerCommon("CustomMessage_"+messageSources[kind], u.Username, "")}
	ev.Request.UserAttributes = eventAttributes(u)
	ev.Request.CodeParameter = message.PlaceholderCode
	ev.Request.UsernameParameter = message.PlaceholderUsername
	ev.Request.ClientMetadata = map[string]string{}
	if err := runTrigger(ctx, p, "CustomMessage", fn, ev); err != nil {
		return nil, err
	}
	r := ev.Response
	if r.EmailMessage == "" && r.SMSMessage == "" && r.EmailSubject == "" {
		return p.cfg.Messages, nil
	}
	tpl := message.Templates{}
	for k, v := range p.cfg.Messages {
		tpl[k] = v
	}
	t := tpl[kind]
	if r.EmailSubject != "" {
		t.EmailSubject = r.EmailSubject
	}
	if r.EmailMessage != "" {
		t.EmailText, t.EmailHTML = r.EmailMessage, ""
	}
	if r.SMSMessage != "" {
		t.SMSText = r.SMSMessage
	}
	tpl[kind] = t
	if err := tpl.Validate(); err != nil {
		return nil, &Error{Code: CodeInvalidLambdaResponse, Message: "CustomMessage returned a message without the code parameter.", Err: err}
	}
	return tpl, nil
}

// customSender hands a code to the CustomEmailSender / CustomSMSSender
// trigger. In-process there is no KMS envelope: the code never leaves the
// process, so it is given to the Go func as it is.
func (p *UserPool) customSender(ctx context.Context, u store.User, kind message.Kind, name, code string) error {
	source := name + "_" + messageSources[kind]
	if name == "CustomEmailSender" {
		ev := &trigger.CustomEmailSenderEvent{Common: p.triggerCommon(source, u.Username, "")}
		ev.Request.Type, ev.Request.Code, ev.Request.UserAttributes, ev.Request.ClientMetadata = trigger.CustomEmailSenderRequestV1, code, eventAttributes(u), map[string]string{}
		return runTrigger(ctx, p, name, p.cfg.Triggers.CustomEmailSender, ev)
	}
	ev := &trigger.CustomSMSSenderEvent{Common: p.triggerCommon(source, u.Username, "")}
	ev.Request.Type, ev.Request.Code, ev.Request.UserAttributes, ev.Request.ClientMetadata = trigger.CustomSMSSenderRequestV1, code, eventAttributes(u), map[string]string{}
	return runTrigger(ctx, p, name, p.cfg.Triggers.CustomSMSSender, ev)
}

// postConfirmation runs after a confirmation committed. Its failure is
// reported, but the confirmation stands, as in Cognito.
func (p *UserPool) postConfirmation(ctx context.Context, source string, u store.User, clientID string, meta map[string]string) error {
	ev := &trigger.PostConfirmationEvent{Common: p.triggerCommon(source, u.Username, clientID)}
	ev.Request.UserAttributes, ev.Request.ClientMetadata = eventAttributes(u), nonNil(meta)
	return runTrigger(ctx, p, "PostConfirmation", p.cfg.Triggers.PostConfirmation, ev)
}

// preAuthentication may refuse a sign-in before the credential is
// checked. userNotFound is set for unknown users when existence errors are
// prevented.
func (p *UserPool) preAuthentication(ctx context.Context, u store.User, login, clientID string, known bool, validation, meta map[string]string) error {
	if p.cfg.Triggers.PreAuthentication == nil {
		return nil
	}
	name := u.Username
	if !known {
		name = login
	}
	ev := &trigger.PreAuthenticationEvent{Common: p.triggerCommon("PreAuthentication_Authentication", name, clientID)}
	ev.Request.UserAttributes, ev.Request.ValidationData, ev.Request.ClientMetadata = map[string]string{}, nonNil(validation), nonNil(meta)
	if known {
		ev.Request.UserAttributes = eventAttributes(u)
	}
	ev.Request.UserNotFound = !known
	return runTrigger(ctx, p, "PreAuthentication", p.cfg.Triggers.PreAuthentication, ev)
}

// postAuthentication runs after a successful sign-in.
func (p *UserPool) postAuthentication(ctx context.Context, u store.User, clientID string, newDevice bool) error {
	ev := &trigger.PostAuthenticationEvent{Common: p.triggerCommon("PostAuthentication_Authentication", u.Username, clientID)}
	ev.Request.UserAttributes, ev.Request.NewDeviceUsed, ev.Request.ClientMetadata = eventAttributes(u), newDevice, map[string]string{}
	return runTrigger(ctx, p, "PostAuthentication", p.cfg.Triggers.PostAuthentication, ev)
}

// preSignUp runs the PreSignUp trigger before anything is written. It may
// refuse the sign-up, or (for SignUp, not AdminCreateUser) confirm the user
// and mark their email or phone verified. It returns the status to store.
func (p *UserPool) preSignUp(ctx context.Context, source, username, clientID string, attrs map[string]string, validation []Attribute, meta map[string]string) (store.UserStatus, error) {
	status := store.StatusUnconfirmed
	if source == "PreSignUp_AdminCreateUser" {
		status = store.StatusForceChangePassword
	}
	fn := p.cfg.Triggers.PreSignUp
	if fn == nil {
		return status, nil
	}
	ev := &trigger.PreSignUpEvent{Common: p.triggerCommon(source, username, clientID)}
	ev.Request.UserAttributes = make(map[string]string, len(attrs))
	for k, v := range attrs {
		ev.Request.UserAttributes[k] = v
	}
	ev.Request.ValidationData, ev.Request.ClientMetadata = attributeMap(validation), nonNil(meta)
	if err := runTrigger(ctx, p, "PreSignUp", fn, ev); err != nil {
		return status, err
	}
	if source != "PreSignUp_SignUp" {
		return status, nil
	}
	r := ev.Response
	if (r.AutoVerifyEmail || r.AutoVerifyPhone) && !r.AutoConfirmUser {
		return status, newErr(CodeInvalidLambdaResponse, "PreSignUp may auto-verify only when it also auto-confirms the user.")
	}
	if r.AutoVerifyEmail && attrs["email"] != "" {
		attrs["email_verified"] = "true"
	}
	if r.AutoVerifyPhone && attrs["phone_number"] != "" {
		attrs["phone_number_verified"] = "true"
	}
	if r.AutoConfirmUser {
		status = store.StatusConfirmed
	}
	return status, nil
}
