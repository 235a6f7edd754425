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
// cannot be sent or queued is logged, never an error. Notices go to
// EmailSender and SMSSender only; the CustomMessage trigger and custom
// senders, whose events Cognito defines for codes, do not see them. It
// reports whether the notice was sent or queued.
func (p *UserPool) notify(ctx context.Context, u store.User, kind message.Kind) (queued bool) {
	ctx = context.WithoutCancel(ctx)
	var attr string
	switch {
	case p.verified(u, "email") && p.cfg.EmailSender != nil:
		attr = "email"
	case p.verified(u, "phone_number") && p.cfg.SMSSender != nil:
		attr = "phone_number"
	default:
		return false // nowhere to send it
	}
	m, err := p.prepare(ctx, u, kind, attr, u.Attributes[attr], message.Data{Username: u.Username, PoolName: p.cfg.Name})
	if err == nil {
		err = p.post(ctx, m, p.now().Add(noticeValidity))
	}
	if err != nil {
		p.log.WarnContext(ctx, "security notice not sent", "kind", string(kind), "sub", u.Sub, "err", err)
		return false
	}
	return true
}
