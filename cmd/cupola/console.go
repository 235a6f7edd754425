package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/cupola-auth/cupola/message"
)

// consoleSender is the development mode's message.EmailSender and
// message.SMSSender: it prints each message on stdout instead of
// delivering it, so codes can be read from the terminal.
type consoleSender struct {
	mu  sync.Mutex
	out io.Writer
}

var (
	_ message.EmailSender = (*consoleSender)(nil)
	_ message.SMSSender   = (*consoleSender)(nil)
)

func newConsoleSender(out io.Writer) *consoleSender { return &consoleSender{out: out} }

// SendEmail prints the email's recipient, subject and text body. A message
// a real sender would refuse is refused here too.
func (c *consoleSender) SendEmail(ctx context.Context, m message.Email) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &message.DeliveryError{Op: "console", Err: err}
	}
	return c.print(fmt.Sprintf("──── email to %s ────\nSubject: %s\n\n%s\n────────────\n", m.To, m.Subject, printable(m.Text)))
}

// SendSMS prints the text message.
func (c *consoleSender) SendSMS(ctx context.Context, m message.SMS) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &message.DeliveryError{Op: "console", Err: err}
	}
	return c.print(fmt.Sprintf("──── SMS to %s ────\n%s\n────────────\n", m.To, printable(m.Text)))
}

func (c *consoleSender) print(s string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.out, s); err != nil {
		return &message.DeliveryError{Op: "console", Err: err}
	}
	return nil
}

// printable keeps a message body from driving the terminal: control
// characters other than line breaks and tabs (escape sequences) become
// U+FFFD. Bodies carry user-chosen text such as usernames.
func printable(s string) string {
	s = strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r < 0xa0) {
			return '\uFFFD'
		}
		return r
	}, s)
}
