package message

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Email is one message to one recipient.
type Email struct {
	To      string // one address: "a@example.com" or "Name <a@example.com>"
	Subject string
	Text    string // plain-text body, required
	HTML    string // optional HTML body; the message becomes multipart/alternative when set
}

// SMS is one text message to one phone number.
type SMS struct {
	To   string // E.164, such as "+14155550100"
	Text string
}

// EmailSender delivers an email. Implementations validate the message and
// return an error matching [ErrInvalidMessage] when it is refused before any
// delivery attempt, or [ErrDelivery] when delivery failed.
type EmailSender interface {
	SendEmail(ctx context.Context, m Email) error
}

// SMSSender delivers a text message, with the same error contract as
// [EmailSender].
type SMSSender interface {
	SendSMS(ctx context.Context, m SMS) error
}

// Limits on what a message may hold. Verification messages are short; the
// limits keep a runaway template from producing an unbounded message.
const (
	MaxSubjectBytes = 900     // encoded subjects stay under the 998-octet line limit once folded
	MaxBodyBytes    = 2 << 20 // Text and HTML together
	MaxSMSRunes     = 1600    // ten concatenated segments
)

var (
	// ErrInvalidMessage is matched by every refusal of a message before a
	// delivery attempt: bad address, header injection, empty body.
	ErrInvalidMessage = errors.New("invalid message")
	// ErrHeaderInjection is matched when a header field (address, subject)
	// contains a CR or LF. Errors matching it also match [ErrInvalidMessage].
	ErrHeaderInjection = errors.New("line break in header field")
	// ErrDelivery is matched by every failure to hand a valid message over
	// to the transport. See [DeliveryError].
	ErrDelivery = errors.New("delivery failed")
	// ErrInvalidConfig is matched when a sender's configuration is refused.
	ErrInvalidConfig = errors.New("invalid sender config")
)

// MessageError reports which field of a message was refused and why. It
// matches [ErrInvalidMessage] and its reason (for example
// [ErrHeaderInjection]) with errors.Is.
type MessageError struct {
	Field string // "To", "Subject", "Text", "HTML"
	Err   error  // the reason
}

// Error implements error.
func (e *MessageError) Error() string {
	return fmt.Sprintf("%v: %s: %v", ErrInvalidMessage, strings.ToLower(e.Field), e.Err)
}

// Unwrap returns [ErrInvalidMessage] and the reason.
func (e *MessageError) Unwrap() []error { return []error{ErrInvalidMessage, e.Err} }

// DeliveryError reports a failed delivery attempt. It matches [ErrDelivery]
// and its cause with errors.Is, so a cancelled or expired context is
// matched by context.Canceled or context.DeadlineExceeded.
type DeliveryError struct {
	Op   string // the step that failed: "dial", "starttls", "hello", "auth", "mail", "rcpt", "data"…
	Code int    // the SMTP reply code when the server refused, else 0
	Err  error  // the cause
}

// Error implements error.
func (e *DeliveryError) Error() string {
	return fmt.Sprintf("%v: %s: %v", ErrDelivery, e.Op, e.Err)
}

// Unwrap returns [ErrDelivery] and the cause.
func (e *DeliveryError) Unwrap() []error { return []error{ErrDelivery, e.Err} }

// Permanent reports whether the server refused with a 5xx reply, so that
// sending the same message again would fail again.
func (e *DeliveryError) Permanent() bool { return e.Code >= 500 && e.Code < 600 }

// Validate reports whether the email can be sent: To is one valid ASCII
// address, no header field holds a line break, Text is not blank and every
// part is valid UTF-8 within the size limits. The error is a [*MessageError].
func (m Email) Validate() error {
	_, err := m.validate()
	return err
}

func (m Email) validate() (mail.Address, error) {
	to, err := parseAddress(m.To)
	if err != nil {
		return mail.Address{}, &MessageError{Field: "To", Err: err}
	}
	if err := checkHeaderText(m.Subject); err != nil {
		return mail.Address{}, &MessageError{Field: "Subject", Err: err}
	}
	if len(m.Subject) > MaxSubjectBytes {
		return mail.Address{}, &MessageError{Field: "Subject", Err: fmt.Errorf("longer than %d bytes", MaxSubjectBytes)}
	}
	if strings.TrimSpace(m.Text) == "" {
		return mail.Address{}, &MessageError{Field: "Text", Err: errors.New("empty body")}
	}
	if !utf8.ValidString(m.Text) {
		return mail.Address{}, &MessageError{Field: "Text", Err: errors.New("not valid utf-8")}
	}
	if !utf8.ValidString(m.HTML) {
		return mail.Address{}, &MessageError{Field: "HTML", Err: errors.New("not valid utf-8")}
	}
	if len(m.Text)+len(m.HTML) > MaxBodyBytes {
		return mail.Address{}, &MessageError{Field: "Text", Err: fmt.Errorf("body longer than %d bytes", MaxBodyBytes)}
	}
	return *to, nil
}

// Validate reports whether the text message can be sent: To is an E.164
// number ("+" then 2 to 15 digits, the first not 0) and Text is non-blank
// valid UTF-8 of at most [MaxSMSRunes] characters.
func (m SMS) Validate() error {
	if !isE164(m.To) {
		return &MessageError{Field: "To", Err: errors.New("not an e.164 phone number")}
	}
	if strings.TrimSpace(m.Text) == "" {
		return &MessageError{Field: "Text", Err: errors.New("empty body")}
	}
	if !utf8.ValidString(m.Text) {
		return &MessageError{Field: "Text", Err: errors.New("not valid utf-8")}
	}
	if utf8.RuneCountInString(m.Text) > MaxSMSRunes {
		return &MessageError{Field: "Text", Err: fmt.Errorf("longer than %d characters", MaxSMSRunes)}
	}
	return nil
}

func isE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkHeaderText refuses line breaks (header injection), other control
// characters and invalid UTF-8 in a header value.
func checkHeaderText(s string) error {
	if strings.ContainsAny(s, "\r\n") {
		return ErrHeaderInjection
	}
	if !utf8.ValidString(s) {
		return errors.New("not valid utf-8")
	}
	for _, r := range s {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return fmt.Errorf("control character %U", r)
		}
	}
	return nil
}

// parseAddress parses one address with net/mail and then holds its
// addr-spec to the dot-atom form. net/mail unquotes quoted local parts, so
// `"a> SIZE=1"@x` would come back as `a> SIZE=1@x` and inject parameters into
// the SMTP envelope; the strict check makes the address safe to place
// between angle brackets in MAIL FROM and RCPT TO.
func parseAddress(s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, ErrHeaderInjection
	}
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty address")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("parse address: %w", err)
	}
	if err := checkAddrSpec(a.Address); err != nil {
		return nil, err
	}
	if err := checkHeaderText(a.Name); err != nil {
		return nil, fmt.Errorf("display name: %w", err)
	}
	return a, nil
}

func checkAddrSpec(s string) error {
	if len(s) > 254 {
		return errors.New("address longer than 254 bytes")
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return errors.New("address without @")
	}
	local, domain := s[:at], s[at+1:]
	if len(local) == 0 || len(local) > 64 {
		return errors.New("local part must have 1 to 64 bytes")
	}
	for _, atom := range strings.Split(local, ".") {
		if atom == "" {
			return errors.New("local part is not a dot-atom")
		}
		for i := 0; i < len(atom); i++ {
			if !isAtext(atom[i]) {
				return fmt.Errorf("local part has unsupported character %q", atom[i])
			}
		}
	}
	if len(domain) == 0 || len(domain) > 253 {
		return errors.New("domain must have 1 to 253 bytes")
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || len(label) > 63 {
			return errors.New("domain label must have 1 to 63 bytes")
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return errors.New("domain label starts or ends with a hyphen")
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("domain has unsupported character %q", c)
			}
		}
	}
	return nil
}

// isAtext reports whether c is an RFC 5322 atext character (ASCII only).
func isAtext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// addressKey is how Outbox matches recipients: the bare address, lower-cased.
func addressKey(s string) string {
	if a, err := mail.ParseAddress(s); err == nil {
		return strings.ToLower(a.Address)
	}
	return strings.ToLower(strings.TrimSpace(s))
}
