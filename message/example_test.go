package message_test

import (
	"context"
	"fmt"

	"github.com/cupola-auth/cupola/message"
)

// A user pool renders a sign-up code with its templates and sends it; in
// tests the Outbox stands in for SMTP and shows what was sent.
func Example() {
	ctx := context.Background()
	out := message.NewOutbox()
	templates := message.DefaultTemplates()
	templates[message.KindSignUp] = message.Template{
		EmailSubject: "Welcome to {poolname}",
		EmailText:    "Hello {username}, your code is {####}.",
	}
	if err := templates.Validate(); err != nil {
		fmt.Println(err)
		return
	}

	data := message.Data{Code: "123456", Username: "alice", PoolName: "Acme"}
	email, err := templates.Email(message.KindSignUp, "alice@example.com", data)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := out.SendEmail(ctx, email); err != nil {
		fmt.Println(err)
		return
	}
	sms, err := templates.SMS(message.KindForgotPassword, "+14155550100", data)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := out.SendSMS(ctx, sms); err != nil {
		fmt.Println(err)
		return
	}

	last, _ := out.LastEmail("alice@example.com")
	fmt.Println(last.Subject)
	fmt.Println(last.Text)
	text, _ := out.LastSMS("+14155550100")
	fmt.Println(text.Text)
	// Output:
	// Welcome to Acme
	// Hello alice, your code is 123456.
	// Your password reset code is 123456.
}

// NewSMTPSender refuses to send credentials in clear text to a remote host.
func ExampleNewSMTPSender() {
	_, err := message.NewSMTPSender(message.SMTPConfig{
		Addr:     "smtp.example.com:25",
		From:     "Acme <no-reply@example.com>",
		Username: "mailer",
		Password: "secret",
		TLS:      message.TLSNone,
	})
	fmt.Println(err)
	// Output:
	// invalid sender config: plain auth needs tls or a loopback server, not "smtp.example.com"
}
