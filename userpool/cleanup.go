package userpool

import (
	"context"
	"fmt"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// Cleanup batch sizes. Each batch is a few short write transactions; a
// large one would hold SQLite's single writer while sign-ins queue.
const (
	defaultCleanupLimit = 500
	maxCleanupLimit     = 10_000
)

// CleanupInput is Cleanup's request.
type CleanupInput struct {
	// Limit is the most records one call removes; zero means 500, and more
	// than 10000 is refused.
	Limit int
}

// CleanupOutput is Cleanup's answer.
type CleanupOutput struct {
	// Removed is how many records the call deleted.
	Removed int
	// More is true when the call removed as many as it was allowed to:
	// there may be more left, and the caller may call again at once.
	More bool
}

// Cleanup deletes a bounded batch of the pool's records that can no
// longer change any answer, so that storage does not grow without bound
// under traffic nobody authenticates: challenge sessions (decoys for
// unknown users included) and one-time codes that have expired, and
// lockout and throttle counters (unknown usernames, codes sent, custom
// challenges) that every policy of the pool would start from zero again.
// Counters at the lockout's HardLimit are kept: they stay locked until a
// password reset. Refresh-token families are kept too, since the access
// tokens of a family are checked against it.
//
// Cognito has no such operation; servers call it periodically (cmd/cupola
// serve does every ten minutes), repeating it while More is set. Several
// instances may call it at once.
func (p *UserPool) Cleanup(ctx context.Context, in CleanupInput) (*CleanupOutput, error) {
	limit := in.Limit
	if limit == 0 {
		limit = defaultCleanupLimit
	}
	if limit < 0 || limit > maxCleanupLimit {
		return nil, invalidParam(fmt.Sprintf("Limit must be 1-%d", maxCleanupLimit))
	}
	now := p.now()
	n, err := p.store.Cleanup(ctx, p.cfg.ID, store.CleanupParams{
		Now:          now,
		IdleBefore:   now.Add(-p.longestQuiet()),
		KeepFailures: p.keepFailures(),
		EventsBefore: now.Add(-p.cfg.AuthEventRetention),
		Limit:        limit,
	})
	if err != nil {
		return nil, internalErr(fmt.Sprintf("cleanup (%d removed before the error)", n), err)
	}
	return &CleanupOutput{Removed: n, More: n == limit}, nil
}

// keepFailures is the smallest HardLimit among the pool's policies (zero
// when none has one). The store cannot tell which policy a counter belongs
// to, so it keeps every counter that has reached any of them: a counter
// under a higher or no hard limit is then kept until its next attempt
// restarts its count, which is harmless; a hard-locked one deleted would
// be unlocked.
func (p *UserPool) keepFailures() int {
	keep := 0
	for _, l := range p.limitPolicies() {
		if l.HardLimit > 0 && (keep == 0 || l.HardLimit < keep) {
			keep = l.HardLimit
		}
	}
	return keep
}

// limitPolicies are every policy the pool's counters follow (lockout.go):
// a counter is forgotten only when each of them would forget it.
func (p *UserPool) limitPolicies() []store.LockoutPolicy {
	v := p.cfg.CodeValidity // code guesses are counted for a code's life
	return []store.LockoutPolicy{p.cfg.Lockout, p.cfg.AccountLockout, p.cfg.SourceLockout, p.cfg.CodeSendLimit,
		{ResetAfter: v}}
}

// longestQuiet is the longest quiet time any of the pool's counters needs
// before it starts from zero.
func (p *UserPool) longestQuiet() time.Duration {
	var d time.Duration
	for _, l := range p.limitPolicies() {
		d = max(d, l.ResetAfter)
	}
	return d
}
