package message_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/message"
)

func TestEmailValidate(t *testing.T) {
	tests := []struct {
		name  string
		m     message.Email
		valid bool
	}{
		{"a bare address is valid", message.Email{To: "alice@example.com", Text: "x"}, true},
		{"a named address is valid", message.Email{To: "Zoë <zoe+tag@mail.example.org>", Text: "x"}, true},
		{"a single-label domain is valid", message.Email{To: "root@localhost", Text: "x"}, true},
		{"an empty subject is valid", message.Email{To: "a@example.com", Subject: "", Text: "x"}, true},
		{"a tab in the subject is valid", message.Email{To: "a@example.com", Subject: "a\tb", Text: "x"}, true},
		{"an empty address is refused", message.Email{Text: "x"}, false},
		{"a domain literal is refused", message.Email{To: "a@[127.0.0.1]", Text: "x"}, false},
		{"a local part with consecutive dots is refused", message.Email{To: `"a..b"@example.com`, Text: "x"}, false},
		{"a domain label with a leading hyphen is refused", message.Email{To: "a@-example.com", Text: "x"}, false},
		{"a 65-byte local part is refused", message.Email{To: strings.Repeat("a", 65) + "@example.com", Text: "x"}, false},
		{"a group is refused", message.Email{To: "team: a@example.com, b@example.com;", Text: "x"}, false},
		{"an oversized body is refused", message.Email{To: "a@example.com", Text: strings.Repeat("x", message.MaxBodyBytes+1)}, false},
		{"invalid UTF-8 in the HTML is refused", message.Email{To: "a@example.com", Text: "x", HTML: "\xc3"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Validate()
			if tt.valid && err != nil {
				t.Errorf("Validate: %v", err)
			}
			if !tt.valid && !errors.Is(err, message.ErrInvalidMessage) {
				t.Errorf("Validate = %v, want ErrInvalidMessage", err)
			}
		})
	}
}

func TestSMSValidate(t *testing.T) {
	tests := []struct {
		name  string
		m     message.SMS
		valid bool
	}{
		{"an E.164 number is valid", message.SMS{To: "+14155550100", Text: "x"}, true},
		{"a 15-digit number is valid", message.SMS{To: "+123456789012345", Text: "x"}, true},
		{"a 16-digit number is refused", message.SMS{To: "+1234567890123456", Text: "x"}, false},
		{"a number without + is refused", message.SMS{To: "14155550100", Text: "x"}, false},
		{"a number starting with 0 is refused", message.SMS{To: "+0155550100", Text: "x"}, false},
		{"a number with spaces is refused", message.SMS{To: "+1 415 555 0100", Text: "x"}, false},
		{"a line break after the number is refused", message.SMS{To: "+14155550100\n", Text: "x"}, false},
		{"an empty text is refused", message.SMS{To: "+14155550100"}, false},
		{"an overlong text is refused", message.SMS{To: "+14155550100", Text: strings.Repeat("é", message.MaxSMSRunes+1)}, false},
		{"a text of exactly the limit is valid", message.SMS{To: "+14155550100", Text: strings.Repeat("é", message.MaxSMSRunes)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Validate()
			if tt.valid && err != nil {
				t.Errorf("Validate: %v", err)
			}
			if !tt.valid && !errors.Is(err, message.ErrInvalidMessage) {
				t.Errorf("Validate = %v, want ErrInvalidMessage", err)
			}
		})
	}
}

func TestErrorsNameTheirCause(t *testing.T) {
	err := message.Email{To: "a@example.com", Subject: "x\nBcc: y"}.Validate()
	var me *message.MessageError
	if !errors.As(err, &me) || me.Field != "Subject" || !errors.Is(err, message.ErrHeaderInjection) {
		t.Fatalf("err = %#v", err)
	}
	if got, want := err.Error(), "invalid message: subject: line break in header field"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	de := &message.DeliveryError{Op: "rcpt", Code: 550, Err: errors.New("no such user")}
	if !errors.Is(de, message.ErrDelivery) || !de.Permanent() {
		t.Errorf("DeliveryError %v does not match ErrDelivery or is not permanent", de)
	}
	if got, want := de.Error(), "delivery failed: rcpt: no such user"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
