package userpool

import "context"

// The limits a pool keeps in the store, so several instances enforce one
// limit: the lockout on credential checks (Config.Lockout) and the throttle
// on codes sent and custom-auth initiations (Config.CodeSendLimit). Keys
// are a user's sub, or unknownKey(login) for a login that names no user,
// so unknown users are limited exactly as known ones.

// countAttempt counts an answer to a credential check (a password, a
// code, a custom challenge) toward the account lockout before the answer
// is checked, so parallel guesses cannot outrun the count. A locked
// account is refused. complete clears the count when a sign-in succeeds.
func (p *UserPool) countAttempt(ctx context.Context, key string) error {
	att, err := p.store.BeginAttempt(ctx, p.cfg.ID, key, p.now(), p.cfg.Lockout)
	if err != nil {
		return internalErr("lockout", err)
	}
	if !att.Allowed {
		return newErr(CodeNotAuthorized, msgAttemptsExceeded)
	}
	return nil
}

// refuseLocked refuses a step that checks no credential (and so counts
// nothing) for a locked account.
func (p *UserPool) refuseLocked(ctx context.Context, key string) error {
	att, err := p.store.PeekAttempt(ctx, p.cfg.ID, key, p.now(), p.cfg.Lockout)
	if err != nil {
		return internalErr("lockout", err)
	}
	if !att.Allowed {
		return newErr(CodeNotAuthorized, msgAttemptsExceeded)
	}
	return nil
}

// throttle counts one use of a limited action (key names the action and
// the user, such as "send:"+sub) and refuses it past Config.CodeSendLimit.
func (p *UserPool) throttle(ctx context.Context, key string) error {
	att, err := p.store.BeginAttempt(ctx, p.cfg.ID, key, p.now(), p.cfg.CodeSendLimit)
	if err != nil {
		return internalErr("throttle", err)
	}
	if !att.Allowed {
		return newErr(CodeLimitExceeded, msgLimit)
	}
	return nil
}
