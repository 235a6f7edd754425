package userpool

import (
	"context"
	"net/netip"

	"github.com/cupola-auth/cupola/store"
)

// The limits a pool keeps in the store, so several instances enforce one
// limit: the lockout on credential checks and the throttle on codes sent
// and custom-auth initiations (Config.CodeSendLimit). An account is a
// user's sub, or unknownKey(login) for a login that names no user, so
// unknown users are limited exactly as known ones.
//
// A credential check counts on up to three keys, each with its policy:
//
//	account@source   Config.Lockout: the account as tried from one source
//	                 (the account alone when the source is unknown)
//	all:account      Config.AccountLockout: the account from every source,
//	                 with the hard limit that needs a password reset
//	src:source       Config.SourceLockout: one source across accounts
//
// So a stranger who keeps failing from one network locks only that
// network out of the account; the owner, from another, still signs in.
// Many sources spraying one account meet the account-wide limit, and one
// source spraying many accounts meets its own.
//
// The account keys count every check before it is made, so parallel
// guesses cannot outrun them, and a completed sign-in clears them. The
// source key counts failures only (countSourceFailure, after the check):
// it is never cleared — one right password must not wash a sprayer's
// record — so counting successes too would lock out an office whose
// users all sign in from one NAT address.

// source is where a request comes from, as a lockout dimension: an IPv4
// address, or the /64 of an IPv6 address (one host's usual share). ""
// when the caller did not say, or said something that is no address.
func source(ip string) string {
	if pfx, err := netip.ParsePrefix(ip); err == nil && pfx.Addr().Is6() && pfx.Bits() == 64 {
		return pfx.Masked().String() // a source already (carried in a session)
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ""
	}
	return p.String()
}

// sourceOf is the lockout source of an optional UserContextData.
func sourceOf(d *UserContextData) string {
	if d == nil {
		return ""
	}
	return source(d.IPAddress)
}

// lockoutKey is one key a credential check counts on, with its policy.
type lockoutKey struct {
	key    string
	policy store.LockoutPolicy
	scope  string // scopeAccountSource, scopeAccount or scopeSource (metrics.go)
}

// lockoutKeys lists the keys a credential check on account from source
// counts on, most specific first.
func (p *UserPool) lockoutKeys(account, from string) []lockoutKey {
	if from == "" {
		return []lockoutKey{{account, p.cfg.Lockout, scopeAccountSource}, {"all:" + account, p.cfg.AccountLockout, scopeAccount}}
	}
	return []lockoutKey{{account + "@" + from, p.cfg.Lockout, scopeAccountSource}, {"all:" + account, p.cfg.AccountLockout, scopeAccount},
		{"src:" + from, p.cfg.SourceLockout, scopeSource}}
}

// countAttempt counts an answer to a credential check (a password, a
// code, a custom challenge) toward the account's lockout before the
// answer is checked, so parallel guesses cannot outrun the count, and
// refuses it when a key is locked — the source key included, which it
// only looks at (see countSourceFailure). A locked key refuses it; the
// keys before it have counted it, as the attempt it was. complete clears
// the account's keys when a sign-in succeeds.
func (p *UserPool) countAttempt(ctx context.Context, account, from string) error {
	keys := p.lockoutKeys(account, from)
	ask := make([]store.AttemptKey, len(keys))
	for i, k := range keys {
		ask[i] = store.AttemptKey{Key: k.key, Policy: k.policy, Peek: k.scope == scopeSource}
	}
	atts, err := p.store.BeginAttempts(ctx, p.cfg.ID, p.now(), ask...)
	if err != nil {
		return internalErr("lockout", err)
	}
	for i, att := range atts {
		if !att.Allowed {
			return newErr(CodeNotAuthorized, msgAttemptsExceeded)
		}
		if k := keys[i]; k.scope != scopeSource && k.policy.LockFor(att.Failures) > 0 {
			// This attempt locks the key if it fails (success clears it).
			p.lockout(ctx, k.scope)
		}
	}
	return nil
}

// countSourceFailure counts a failed credential check against its source
// (SourceLockout). It runs after the check: a store error is logged, not
// returned, as the caller's answer (a refusal) stands either way.
func (p *UserPool) countSourceFailure(ctx context.Context, from string) {
	if from == "" {
		return
	}
	att, err := p.store.BeginAttempt(context.WithoutCancel(ctx), p.cfg.ID, "src:"+from, p.now(), p.cfg.SourceLockout)
	if err != nil {
		p.log.WarnContext(ctx, "source failure not counted", "err", err)
		return
	}
	if att.Allowed && p.cfg.SourceLockout.LockFor(att.Failures) > 0 {
		p.lockout(ctx, scopeSource)
	}
}

// refuseLocked refuses a step that checks no credential (and so counts
// nothing) for an account locked from this source.
func (p *UserPool) refuseLocked(ctx context.Context, account, from string) error {
	for _, k := range p.lockoutKeys(account, from) {
		att, err := p.store.PeekAttempt(ctx, p.cfg.ID, k.key, p.now(), k.policy)
		if err != nil {
			return internalErr("lockout", err)
		}
		if !att.Allowed {
			return newErr(CodeNotAuthorized, msgAttemptsExceeded)
		}
	}
	return nil
}

// clearAttempts forgets the account's failures after it proved itself
// from source: its count from there and its count from everywhere. A
// source's count across accounts stays (one good password must not wash
// a sprayer's record), and so do other sources' counts on this account.
func (p *UserPool) clearAttempts(ctx context.Context, account, from string) error {
	// Most specific first, the order countAttempt counts them in: the
	// store locks them in this order, as it does for an attempt.
	keys := []string{account, "all:" + account}
	if from != "" {
		keys = []string{account + "@" + from, account, "all:" + account}
	}
	if err := p.store.ClearAttempts(ctx, p.cfg.ID, keys...); err != nil {
		return internalErr("lockout", err)
	}
	return nil
}

// throttle counts one use of a limited action (action names it, such as
// "send:") for account asked from source, and refuses it past
// Config.CodeSendLimit from that source (an unknown source is one more
// source), or past four times that from all sources together: a stranger
// asking for codes cannot starve the owner, and nobody can flood the
// owner's mailbox.
func (p *UserPool) throttle(ctx context.Context, action, account, from string) error {
	wide := p.cfg.CodeSendLimit
	wide.Threshold = min(100, 4*wide.Threshold)
	atts, err := p.store.BeginAttempts(ctx, p.cfg.ID, p.now(), store.AttemptKey{Key: action + account + "@" + from, Policy: p.cfg.CodeSendLimit},
		store.AttemptKey{Key: action + account, Policy: wide})
	if err != nil {
		return internalErr("throttle", err)
	}
	for _, att := range atts {
		if !att.Allowed {
			return newErr(CodeLimitExceeded, msgLimit)
		}
	}
	return nil
}

// guessCode counts a guess at a code (purpose names it) from a known
// source, and refuses one past maxCodeAttempts from there: a stranger's
// guesses cannot kill the owner's code, which tolerates maxCodeAttempts
// from each of four sources (see consumeCode).
func (p *UserPool) guessCode(ctx context.Context, sub, purpose, from string) error {
	v := p.cfg.CodeValidity
	att, err := p.store.BeginAttempt(ctx, p.cfg.ID, "guess:"+sub+"|"+purpose+"@"+from, p.now(),
		store.LockoutPolicy{Threshold: maxCodeAttempts, Base: v, Max: v, ResetAfter: v})
	if err != nil {
		return internalErr("code guesses", err)
	}
	if !att.Allowed {
		return newErr(CodeLimitExceeded, "Attempt limit exceeded, please try after some time.")
	}
	return nil
}
