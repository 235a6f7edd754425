package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/message"
)

func TestConsoleSender(t *testing.T) {
	tests := []struct {
		name    string
		send    func(*consoleSender) error
		want    []string
		notWant string
		wantErr error
	}{
		{"an email is printed with its recipient, subject and body",
			func(c *consoleSender) error {
				return c.SendEmail(context.Background(), message.Email{To: "a@example.com", Subject: "Your code", Text: "Your code is 123456\n"})
			}, []string{"email to a@example.com", "Subject: Your code", "Your code is 123456"}, "", nil},
		{"a text message is printed with its number",
			func(c *consoleSender) error {
				return c.SendSMS(context.Background(), message.SMS{To: "+14155550100", Text: "Code 654321"})
			}, []string{"SMS to +14155550100", "Code 654321"}, "", nil},
		{"terminal escape sequences in a body are neutralised",
			func(c *consoleSender) error {
				return c.SendEmail(context.Background(), message.Email{To: "a@example.com", Subject: "Hi", Text: "name \x1b]0;owned\x07 end"})
			}, []string{"name \uFFFD]0;owned\uFFFD end"}, "\x1b", nil},
		{"a message a real sender would refuse is refused",
			func(c *consoleSender) error {
				return c.SendEmail(context.Background(), message.Email{To: "a@example.com\r\nBcc: b@example.com", Subject: "x", Text: "x"})
			}, nil, "Bcc", message.ErrInvalidMessage},
		{"a cancelled context is a delivery error",
			func(c *consoleSender) error {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return c.SendEmail(ctx, message.Email{To: "a@example.com", Subject: "x", Text: "x"})
			}, nil, "email to", message.ErrDelivery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out lockedBuffer
			err := tt.send(newConsoleSender(&out))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if tt.notWant != "" && strings.Contains(out.String(), tt.notWant) {
				t.Errorf("output holds %q:\n%q", tt.notWant, out.String())
			}
		})
	}
}
