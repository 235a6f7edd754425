package message

import (
	"context"
	"sync"
)

// Outbox is an in-memory [EmailSender] and [SMSSender] for tests and
// examples. It validates messages exactly as a real sender does, so a test
// against an Outbox catches the messages production would refuse. It is
// safe for concurrent use; the zero value is ready to use.
type Outbox struct {
	mu     sync.Mutex
	emails []Email
	sms    []SMS
}

// NewOutbox returns an empty Outbox.
func NewOutbox() *Outbox { return &Outbox{} }

// SendEmail records m. It refuses an invalid message with [ErrInvalidMessage]
// and a done context with [ErrDelivery].
func (o *Outbox) SendEmail(ctx context.Context, m Email) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &DeliveryError{Op: "send", Err: err}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.emails = append(o.emails, m)
	return nil
}

// SendSMS records m. It refuses an invalid message with [ErrInvalidMessage]
// and a done context with [ErrDelivery].
func (o *Outbox) SendSMS(ctx context.Context, m SMS) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &DeliveryError{Op: "send", Err: err}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sms = append(o.sms, m)
	return nil
}

// Emails returns a copy of the recorded emails in send order.
func (o *Outbox) Emails() []Email {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Email(nil), o.emails...)
}

// SMS returns a copy of the recorded text messages in send order.
func (o *Outbox) SMS() []SMS {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]SMS(nil), o.sms...)
}

// LastEmail returns the most recent email sent to the address to. Addresses
// match on the bare address, case-insensitively, so "Alice <a@x.com>"
// matches "A@X.com".
func (o *Outbox) LastEmail(to string) (Email, bool) {
	key := addressKey(to)
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.emails) - 1; i >= 0; i-- {
		if addressKey(o.emails[i].To) == key {
			return o.emails[i], true
		}
	}
	return Email{}, false
}

// LastSMS returns the most recent text message sent to the number to.
func (o *Outbox) LastSMS(to string) (SMS, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.sms) - 1; i >= 0; i-- {
		if o.sms[i].To == to {
			return o.sms[i], true
		}
	}
	return SMS{}, false
}

// Reset forgets every recorded message.
func (o *Outbox) Reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.emails = nil
	o.sms = nil
}
