package userpool

import (
	"context"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store"
)

// notify tells a user of a change to their account (a security notice:
// password changed, second factor changed, new recovery codes) at their
// verified email, else their verified phone, so a change they did not make
// does not go unnoticed. The change has happened already: a notice that
// cannot be sent is logged, never an error. Notices go to EmailSender and
// SMSSender only; the CustomMessage trigger and custom senders, whose
// events Cognito defines for codes, do not see them.
func (p *UserPool) notify(ctx context.Context, u store.User, kind message.Kind) {
	ctx = context.WithoutCancel(ctx)
	data := message.Data{Username: u.Username, PoolName: p.cfg.Name}
	var err error
	switch {
	case p.verified(u, "email") && p.cfg.EmailSender != nil:
		var m message.Email
		if m, err = p.cfg.Messages.Email(kind, u.Attributes["email"], data); err == nil {
			err = p.cfg.EmailSender.SendEmail(ctx, m)
		}
	case p.verified(u, "phone_number") && p.cfg.SMSSender != nil:
		var m message.SMS
		if m, err = p.cfg.Messages.SMS(kind, u.Attributes["phone_number"], data); err == nil {
			err = p.cfg.SMSSender.SendSMS(ctx, m)
		}
	default:
		return // nowhere to send it
	}
	if err != nil {
		p.log.WarnContext(ctx, "security notice not sent", "kind", string(kind), "sub", u.Sub, "err", err)
	}
}
