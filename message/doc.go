// Package message delivers a user pool's email and SMS: verification codes,
// password-reset codes, invitations and sign-in codes.
//
// It has three parts:
//
//   - [EmailSender] and [SMSSender], the interfaces a user pool sends
//     through, with [Email] and [SMS] values that validate themselves
//     (one safe address, no header injection, a non-empty body);
//   - [Templates], Cognito-style per-pool texts with the {####} (code) and
//     {username} placeholders and English defaults for every [Kind];
//   - two senders: [SMTPSender], which builds standards-correct MIME
//     messages and submits them over STARTTLS or implicit TLS, and [Outbox],
//     an in-memory sender for tests and examples.
//
// Errors match [ErrInvalidMessage] (refused before any delivery attempt,
// [ErrHeaderInjection] among them) or [ErrDelivery] (the transport failed)
// with errors.Is.
//
//	out := message.NewOutbox()
//	m, err := message.DefaultTemplates().Email(message.KindSignUp, "alice@example.com",
//		message.Data{Code: "123456", Username: "alice"})
//	if err != nil { /* invalid address or template */ }
//	err = out.SendEmail(ctx, m)
//	last, _ := out.LastEmail("alice@example.com") // last.Text == "Your verification code is 123456."
//
// In production, replace the Outbox with an SMTP sender:
//
//	s, err := message.NewSMTPSender(message.SMTPConfig{
//		Addr: "smtp.example.com:587", From: "Example <no-reply@example.com>",
//		Username: "no-reply", Password: secret, // sent only inside TLS
//	})
package message
