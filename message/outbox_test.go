package message_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cupola-auth/cupola/message"
)

func TestOutboxKeepsMessagesInSendOrder(t *testing.T) {
	o := message.NewOutbox()
	ctx := t.Context()
	for i := range 3 {
		if err := o.SendEmail(ctx, message.Email{To: "a@example.com", Subject: "s", Text: fmt.Sprint("email ", i)}); err != nil {
			t.Fatal(err)
		}
		if err := o.SendSMS(ctx, message.SMS{To: "+14155550100", Text: fmt.Sprint("sms ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	emails, sms := o.Emails(), o.SMS()
	if len(emails) != 3 || len(sms) != 3 {
		t.Fatalf("got %d emails and %d sms, want 3 and 3", len(emails), len(sms))
	}
	for i := range 3 {
		if emails[i].Text != fmt.Sprint("email ", i) || sms[i].Text != fmt.Sprint("sms ", i) {
			t.Errorf("message %d out of order: %q, %q", i, emails[i].Text, sms[i].Text)
		}
	}
}

func TestOutboxReturnsCopies(t *testing.T) {
	o := message.NewOutbox()
	if err := o.SendEmail(t.Context(), message.Email{To: "a@example.com", Text: "original"}); err != nil {
		t.Fatal(err)
	}
	o.Emails()[0].Text = "changed"
	if got := o.Emails()[0].Text; got != "original" {
		t.Errorf("changing the returned slice changed the outbox: %q", got)
	}
}

func TestOutboxLastMessage(t *testing.T) {
	o := message.NewOutbox()
	ctx := t.Context()
	send := func(to, text string) {
		t.Helper()
		if err := o.SendEmail(ctx, message.Email{To: to, Subject: "s", Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	send("alice@example.com", "first")
	send("bob@example.com", "for bob")
	send("Alice <alice@example.com>", "second")

	tests := []struct {
		name   string
		to     string
		want   string
		wantOK bool
	}{
		{"the latest email to a recipient is returned", "alice@example.com", "second", true},
		{"addresses match case-insensitively", "ALICE@Example.com", "second", true},
		{"a display name does not prevent a match", "A. <alice@example.com>", "second", true},
		{"another recipient has their own last email", "bob@example.com", "for bob", true},
		{"an unknown recipient has none", "carol@example.com", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := o.LastEmail(tt.to)
			if ok != tt.wantOK || m.Text != tt.want {
				t.Errorf("LastEmail(%q) = %q, %v; want %q, %v", tt.to, m.Text, ok, tt.want, tt.wantOK)
			}
		})
	}

	for _, m := range []message.SMS{{To: "+14155550100", Text: "one"}, {To: "+14155550199", Text: "other"}, {To: "+14155550100", Text: "two"}} {
		if err := o.SendSMS(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if m, ok := o.LastSMS("+14155550100"); !ok || m.Text != "two" {
		t.Errorf("LastSMS = %q, %v; want two, true", m.Text, ok)
	}
	if _, ok := o.LastSMS("+14155550111"); ok {
		t.Error("LastSMS found a message for a number never texted")
	}

	o.Reset()
	if len(o.Emails()) != 0 || len(o.SMS()) != 0 {
		t.Error("Reset left messages behind")
	}
	if _, ok := o.LastEmail("alice@example.com"); ok {
		t.Error("LastEmail found a message after Reset")
	}
}

func TestOutboxRefusesWhatARealSenderRefuses(t *testing.T) {
	o := message.NewOutbox()
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name string
		send func() error
		want error
	}{
		{"an email with header injection is refused", func() error {
			return o.SendEmail(t.Context(), message.Email{To: "a@example.com", Subject: "x\r\nBcc: b@example.com", Text: "x"})
		}, message.ErrHeaderInjection},
		{"an email with an empty body is refused", func() error {
			return o.SendEmail(t.Context(), message.Email{To: "a@example.com"})
		}, message.ErrInvalidMessage},
		{"an sms to a non-E.164 number is refused", func() error {
			return o.SendSMS(t.Context(), message.SMS{To: "0612345678", Text: "x"})
		}, message.ErrInvalidMessage},
		{"an email under a cancelled context is not delivered", func() error {
			return o.SendEmail(cancelled, message.Email{To: "a@example.com", Text: "x"})
		}, context.Canceled},
		{"an sms under a cancelled context is not delivered", func() error {
			return o.SendSMS(cancelled, message.SMS{To: "+14155550100", Text: "x"})
		}, message.ErrDelivery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.send(); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if len(o.Emails()) != 0 || len(o.SMS()) != 0 {
		t.Error("a refused message was recorded")
	}
}

func TestOutboxIsSafeForConcurrentUse(t *testing.T) {
	o := message.NewOutbox()
	const workers, each = 8, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			to := fmt.Sprintf("user%d@example.com", w)
			for i := range each {
				if err := o.SendEmail(t.Context(), message.Email{To: to, Subject: "s", Text: fmt.Sprint(i)}); err != nil {
					t.Error(err)
				}
				if err := o.SendSMS(t.Context(), message.SMS{To: fmt.Sprintf("+1415555%04d", w), Text: fmt.Sprint(i)}); err != nil {
					t.Error(err)
				}
				o.LastEmail(to)
				o.Emails()
				o.SMS()
			}
		})
	}
	wg.Wait()
	if n := len(o.Emails()); n != workers*each {
		t.Errorf("%d emails recorded, want %d", n, workers*each)
	}
	if n := len(o.SMS()); n != workers*each {
		t.Errorf("%d sms recorded, want %d", n, workers*each)
	}
	// Each sender's messages keep their own order.
	next := map[string]int{}
	for _, m := range o.Emails() {
		if m.Text != fmt.Sprint(next[m.To]) {
			t.Fatalf("email to %s: got %q, want %d", m.To, m.Text, next[m.To])
		}
		next[m.To]++
	}
	for w := range workers {
		to := fmt.Sprintf("user%d@example.com", w)
		if m, ok := o.LastEmail(to); !ok || m.Text != fmt.Sprint(each-1) {
			t.Errorf("LastEmail(%s) = %q, %v", to, m.Text, ok)
		}
	}
}
