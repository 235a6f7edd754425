package message

import (
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
)

// Kind is why a message is sent. The values are Cognito's CustomMessage
// trigger sources without their "CustomMessage_" prefix.
type Kind string

// The kinds of message a user pool sends.
const (
	KindSignUp              Kind = "SignUp"              // confirm a new account
	KindResendCode          Kind = "ResendCode"          // confirmation code sent again
	KindForgotPassword      Kind = "ForgotPassword"      // password reset code
	KindUpdateUserAttribute Kind = "UpdateUserAttribute" // verify a changed email or phone
	KindVerifyUserAttribute Kind = "VerifyUserAttribute" // verify an email or phone on request
	KindAdminCreateUser     Kind = "AdminCreateUser"     // invitation with a temporary password
	KindAuthentication      Kind = "Authentication"      // sign-in (MFA or passwordless) code

	// Security notices, Cupola's addition: they carry no code and tell the
	// user of a change to their account, so a change they did not make
	// does not go unnoticed.
	KindPasswordChanged Kind = "PasswordChanged" // the password was changed or reset
	KindMFAChanged      Kind = "MFAChanged"      // a second factor was added, replaced or removed
	KindRecoveryCodes   Kind = "RecoveryCodes"   // new MFA recovery codes replaced the old ones
	KindAccountExists   Kind = "AccountExists"   // someone tried to sign up again with this account's name or address

	// Risk notices (Cognito's threat-protection emails): a risky sign-in
	// was blocked, asked for a second factor, or let through. They carry
	// the "this was me" / "this wasn't me" links.
	KindRiskBlock    Kind = "RiskBlock"
	KindRiskMFA      Kind = "RiskMfa"
	KindRiskNoAction Kind = "RiskNoAction"
)

// Notice reports whether k is a security notice: a message with no code
// (its templates need no {####}), which the CustomMessage trigger and
// custom senders do not see.
func (k Kind) Notice() bool {
	switch k {
	case KindPasswordChanged, KindMFAChanged, KindRecoveryCodes, KindAccountExists, KindRiskBlock, KindRiskMFA, KindRiskNoAction:
		return true
	}
	return false
}

// Kinds returns every Kind, in a stable order.
func Kinds() []Kind {
	return []Kind{
		KindSignUp, KindResendCode, KindForgotPassword, KindUpdateUserAttribute,
		KindVerifyUserAttribute, KindAdminCreateUser, KindAuthentication,
		KindPasswordChanged, KindMFAChanged, KindRecoveryCodes, KindAccountExists,
		KindRiskBlock, KindRiskMFA, KindRiskNoAction,
	}
}

// Placeholders recognised in templates, as in Cognito. PlaceholderPoolName
// is Cupola's addition.
const (
	PlaceholderCode     = "{####}"     // the code, or the temporary password for AdminCreateUser
	PlaceholderUsername = "{username}" // the user's username
	PlaceholderPoolName = "{poolname}" // the pool's display name

	// In risk notices, as Cognito's NotifyEmail templates spell them.
	PlaceholderIPAddress   = "{ip-address}"
	PlaceholderCity        = "{city}"
	PlaceholderCountry     = "{country}"
	PlaceholderLoginTime   = "{login-time}"
	PlaceholderDeviceName  = "{device-name}"
	PlaceholderValidLink   = "{one-click-link-valid}"
	PlaceholderInvalidLink = "{one-click-link-invalid}"
)

// ErrInvalidTemplate is matched when a template is refused, by
// [Templates.Validate] or when rendering.
var ErrInvalidTemplate = errors.New("invalid message template")

// Template is the text of one kind of message. An empty EmailSubject,
// EmailText or SMSText falls back to the default for its kind; an empty
// EmailHTML means a plain-text email.
type Template struct {
	EmailSubject string
	EmailText    string // must contain {####}
	EmailHTML    string // optional; must contain {####}; substituted values are HTML-escaped
	SMSText      string // must contain {####}
}

// Templates holds a pool's templates by kind. A nil Templates renders the
// defaults.
type Templates map[Kind]Template

// Data is what a template's placeholders are filled with.
type Data struct {
	Code     string // replaces {####}
	Username string // replaces {username}
	PoolName string // replaces {poolname}
	// Risk notices: where and when the sign-in came from, and the two
	// feedback links.
	IPAddress, City, Country, LoginTime, DeviceName string
	ValidLink, InvalidLink                          string
}

// DefaultTemplates returns plain English templates for every Kind. The
// caller owns the map and may change it.
func DefaultTemplates() Templates {
	t := make(Templates, len(Kinds()))
	for _, k := range Kinds() {
		t[k], _ = defaultTemplate(k)
	}
	return t
}

func defaultTemplate(k Kind) (Template, bool) {
	verify := Template{
		EmailSubject: "Your verification code",
		EmailText:    "Your verification code is {####}.",
		SMSText:      "Your verification code is {####}.",
	}
	switch k {
	case KindSignUp, KindResendCode:
		return verify, true
	case KindUpdateUserAttribute, KindVerifyUserAttribute:
		return Template{
			EmailSubject: "Verify your contact details",
			EmailText:    "Your verification code is {####}.",
			SMSText:      "Your verification code is {####}.",
		}, true
	case KindForgotPassword:
		return Template{
			EmailSubject: "Your password reset code",
			EmailText:    "Your password reset code is {####}.\n\nIf you did not ask to reset your password, you can ignore this message.",
			SMSText:      "Your password reset code is {####}.",
		}, true
	case KindAdminCreateUser:
		return Template{
			EmailSubject: "Your temporary password",
			EmailText:    "Your username is {username} and temporary password is {####}.",
			SMSText:      "Your username is {username} and temporary password is {####}.",
		}, true
	case KindAuthentication:
		return Template{
			EmailSubject: "Your sign-in code",
			EmailText:    "Your sign-in code is {####}.",
			SMSText:      "Your sign-in code is {####}.",
		}, true
	case KindPasswordChanged:
		return notice("Your password was changed",
			"The password of your {poolname} account {username} was just changed. If you did not change it, reset it now and contact support."), true
	case KindMFAChanged:
		return notice("Your sign-in settings changed",
			"The second sign-in step of your {poolname} account {username} was just changed. If you did not change it, contact support now."), true
	case KindAccountExists:
		return notice("You already have an account",
			"Someone just tried to sign up for {poolname} with your account {username}'s name or address. If it was you, sign in, or reset your password if you forgot it; if not, you can ignore this message."), true
	case KindRiskBlock:
		return notice("We blocked a sign-in to your account",
			"We blocked a sign-in to your {poolname} account {username} at {login-time} from {ip-address} ({city} {country}, {device-name}) because it looked risky.\n\nIf it was you: {one-click-link-valid}\nIf it was not you, your password is known to someone else; reset it now: {one-click-link-invalid}"), true
	case KindRiskMFA:
		return notice("A sign-in to your account needed an extra step",
			"A sign-in to your {poolname} account {username} at {login-time} from {ip-address} ({city} {country}, {device-name}) looked unusual, so we asked for a second step.\n\nIf it was you: {one-click-link-valid}\nIf it was not you, reset your password now: {one-click-link-invalid}"), true
	case KindRiskNoAction:
		return notice("New sign-in to your account",
			"Your {poolname} account {username} was signed in to at {login-time} from {ip-address} ({city} {country}, {device-name}).\n\nIf it was you: {one-click-link-valid}\nIf it was not you, sign out everywhere and reset your password: {one-click-link-invalid}"), true
	case KindRecoveryCodes:
		return notice("New recovery codes",
			"New recovery codes were just created for your {poolname} account {username}; the old ones no longer work. If you did not create them, contact support now."), true
	}
	return Template{}, false
}

func notice(subject, text string) Template {
	return Template{EmailSubject: subject, EmailText: text, SMSText: text}
}

// Validate checks every template: its kind is known; each non-empty
// EmailText, EmailHTML and SMSText of a kind that carries a code contains
// {####} (and {username} for AdminCreateUser, as Cognito requires of
// invitations); EmailSubject holds
// no line break. All problems are reported, joined, each matching
// [ErrInvalidTemplate].
func (t Templates) Validate() error {
	kinds := make([]Kind, 0, len(t))
	for k := range t {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	var errs []error
	for _, k := range kinds {
		if _, ok := defaultTemplate(k); !ok {
			errs = append(errs, fmt.Errorf("%w: unknown kind %q", ErrInvalidTemplate, k))
			continue
		}
		errs = append(errs, t[k].check(k, false)...)
	}
	return errors.Join(errs...)
}

// check returns the template's problems. When complete is set, empty text
// fields are problems too (a resolved template must be sendable).
func (tpl Template) check(k Kind, complete bool) []error {
	var errs []error
	if err := checkHeaderText(tpl.EmailSubject); err != nil {
		errs = append(errs, fmt.Errorf("%w: %s: email subject: %w", ErrInvalidTemplate, k, err))
	}
	required := []string{PlaceholderCode}
	if k.Notice() {
		required = nil
	}
	if k == KindAdminCreateUser {
		required = append(required, PlaceholderUsername)
	}
	for _, f := range []struct{ name, text string }{
		{"email text", tpl.EmailText},
		{"email html", tpl.EmailHTML},
		{"sms text", tpl.SMSText},
	} {
		if f.text == "" {
			if complete && f.name != "email html" {
				errs = append(errs, fmt.Errorf("%w: %s: %s is empty", ErrInvalidTemplate, k, f.name))
			}
			continue
		}
		for _, p := range required {
			if !strings.Contains(f.text, p) {
				errs = append(errs, fmt.Errorf("%w: %s: %s lacks %s", ErrInvalidTemplate, k, f.name, p))
			}
		}
	}
	return errs
}

// resolve merges the pool's template for k over the default field by field
// and checks the result.
func (t Templates) resolve(k Kind) (Template, error) {
	tpl, ok := defaultTemplate(k)
	if !ok {
		return Template{}, fmt.Errorf("%w: unknown kind %q", ErrInvalidTemplate, k)
	}
	own := t[k]
	if own.EmailSubject != "" {
		tpl.EmailSubject = own.EmailSubject
	}
	if own.EmailText != "" {
		tpl.EmailText = own.EmailText
	}
	tpl.EmailHTML = own.EmailHTML
	if own.SMSText != "" {
		tpl.SMSText = own.SMSText
	}
	if errs := tpl.check(k, true); len(errs) > 0 {
		return Template{}, errors.Join(errs...)
	}
	return tpl, nil
}

// Email renders the email of kind k to the address to. A kind absent from t
// uses its default; a kind that is not one of [Kinds] is refused with
// [ErrInvalidTemplate]. Placeholders are replaced in one pass, so a value that
// itself contains "{####}" is not expanded again; values are HTML-escaped in
// EmailHTML. The result is checked with [Email.Validate]: a username with a
// line break in a subject is refused as header injection.
func (t Templates) Email(kind Kind, to string, d Data) (Email, error) {
	tpl, err := t.resolve(kind)
	if err != nil {
		return Email{}, err
	}
	if d.Code == "" && !kind.Notice() {
		return Email{}, &MessageError{Field: "Text", Err: errors.New("empty code")}
	}
	r := d.replacer(func(s string) string { return s })
	m := Email{
		To:      to,
		Subject: r.Replace(tpl.EmailSubject),
		Text:    r.Replace(tpl.EmailText),
	}
	if tpl.EmailHTML != "" {
		m.HTML = d.replacer(html.EscapeString).Replace(tpl.EmailHTML)
	}
	if err := m.Validate(); err != nil {
		return Email{}, err
	}
	return m, nil
}

// SMS renders the text message of kind k to the number to, with the same
// rules as [Templates.Email].
func (t Templates) SMS(kind Kind, to string, d Data) (SMS, error) {
	tpl, err := t.resolve(kind)
	if err != nil {
		return SMS{}, err
	}
	if d.Code == "" && !kind.Notice() {
		return SMS{}, &MessageError{Field: "Text", Err: errors.New("empty code")}
	}
	m := SMS{To: to, Text: d.replacer(func(s string) string { return s }).Replace(tpl.SMSText)}
	if err := m.Validate(); err != nil {
		return SMS{}, err
	}
	return m, nil
}

// replacer substitutes all placeholders in a single left-to-right pass:
// strings.Replacer never rescans replaced text.
func (d Data) replacer(escape func(string) string) *strings.Replacer {
	return strings.NewReplacer(
		PlaceholderCode, escape(d.Code),
		PlaceholderUsername, escape(d.Username),
		PlaceholderPoolName, escape(d.PoolName),
		PlaceholderIPAddress, escape(d.IPAddress),
		PlaceholderCity, escape(d.City),
		PlaceholderCountry, escape(d.Country),
		PlaceholderLoginTime, escape(d.LoginTime),
		PlaceholderDeviceName, escape(d.DeviceName),
		PlaceholderValidLink, escape(d.ValidLink),
		PlaceholderInvalidLink, escape(d.InvalidLink),
	)
}
