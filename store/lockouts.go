package store

import (
	"context"
	"time"
)

// LockoutPolicy is Cognito's sign-in lockout, capped: after Threshold
// failures the key is locked for Base, doubling with each further failure
// up to Max; the count resets once the key has been quiet (no attempt, no
// lock) for ResetAfter. After HardLimit failures without a reset the key
// stays locked until ClearAttempts (a password reset, an administrator):
// waiting out each lock no longer buys guesses without end.
type LockoutPolicy struct {
	Threshold  int
	Base       time.Duration
	Max        time.Duration
	ResetAfter time.Duration
	// HardLimit is the most failures a key may collect; zero means no cap.
	HardLimit int
}

// LockFor is how long the key is locked once it has this many failures.
func (p LockoutPolicy) LockFor(failures int) time.Duration {
	if p.Threshold <= 0 || failures < p.Threshold {
		return 0
	}
	d := p.Base
	for i := p.Threshold; i < failures; i++ {
		d *= 2
		if d >= p.Max || d <= 0 {
			return p.Max
		}
	}
	if d > p.Max {
		return p.Max
	}
	return d
}

// Attempt is the outcome of Lockouts.BeginAttempt for one key.
type Attempt struct {
	// Allowed is false when the key was locked: nothing was counted.
	Allowed bool
	// Failures is the count including this attempt (when allowed).
	Failures    int
	LockedUntil time.Time
}

// LockoutState is what a store keeps for one lockout key between
// attempts. The zero value is a key with no attempt on record (never
// attempted, or cleared).
type LockoutState struct {
	// Failures is the count of attempts since the count last reset.
	Failures int
	// LastAttempt is the time of the last counted attempt.
	LastAttempt time.Time
	// LockedUntil is the end of the lock: an attempt before it is refused.
	LockedUntil time.Time
}

// Decide is the decision BeginAttempt makes for an attempt on a key at
// now, given the key's stored state prev. It is the one place the
// lockout rules live, so the stores only differ in how they read and
// write the state atomically: each reads prev (the zero LockoutState when
// it has none), calls Decide, and stores next when a.Allowed, all within
// one atomic section, so parallel attempts are decided one after another.
//
// The attempt is refused when the key has reached p.HardLimit, or has
// reached p.Threshold and now is before prev.LockedUntil: a.Allowed is
// false, a reports the stored count and lock, and next is prev (there is
// nothing to write). Otherwise the count restarts from zero when the key
// has been quiet (since the later of its last attempt and the end of its
// lock) for more than p.ResetAfter, goes up by one, and next records now
// as the last attempt and now+p.LockFor(count) as the end of the lock.
func (p LockoutPolicy) Decide(prev LockoutState, now time.Time) (next LockoutState, a Attempt) {
	refuse := Attempt{Allowed: false, Failures: prev.Failures, LockedUntil: prev.LockedUntil}
	if p.HardLimit > 0 && prev.Failures >= p.HardLimit {
		return prev, refuse
	}
	// Only a key at the threshold is locked. Below it LockedUntil is the
	// last attempt's time, and an attempt stamped earlier that commits
	// later (clocks of several instances, a slow writer) must still count.
	if p.Threshold > 0 && prev.Failures >= p.Threshold && now.Before(prev.LockedUntil) {
		return prev, refuse
	}
	next.Failures = prev.Failures
	quietSince := prev.LastAttempt
	if prev.LockedUntil.After(quietSince) {
		quietSince = prev.LockedUntil // a lock is not quiet time
	}
	if now.Sub(quietSince) > p.ResetAfter {
		next.Failures = 0
	}
	next.Failures++
	next.LastAttempt = now
	next.LockedUntil = now.Add(p.LockFor(next.Failures))
	return next, Attempt{Allowed: true, Failures: next.Failures, LockedUntil: next.LockedUntil}
}

// AttemptKey is one key of a BeginAttempts call, with its policy.
type AttemptKey struct {
	Key    string
	Policy LockoutPolicy
	// Peek only looks at the key, as PeekAttempt does: a locked key
	// refuses the attempt, but nothing is counted on it.
	Peek bool
}

// Lockouts keeps sign-in attempt counters, shared by every instance that
// uses the store.
type Lockouts interface {
	// BeginAttempt atomically registers an attempt on key before the
	// credential is checked, so parallel guesses cannot outrun the count:
	// it decides the attempt with p.Decide from the key's stored state,
	// stores the next state when the attempt is allowed and returns the
	// outcome. A locked key is refused and nothing changes; otherwise the
	// count (reset after p.ResetAfter of quiet) goes up by one and the key
	// is locked until now+p.LockFor(count).
	BeginAttempt(ctx context.Context, poolID, key string, now time.Time, p LockoutPolicy) (Attempt, error)
	// BeginAttempts is BeginAttempt (PeekAttempt for a Peek key) on each
	// key in order, in one atomic write: one credential check counted on
	// all the keys it counts on at the cost of one. The first key that
	// refuses the attempt ends it, and the keys before it keep their
	// count, as separate calls would leave them. It returns the outcomes
	// of the keys it reached: one per key when the attempt is allowed,
	// the refusing key's last when not. A missing pool ID or key is
	// store.ErrInvalid and nothing is counted.
	BeginAttempts(ctx context.Context, poolID string, now time.Time, keys ...AttemptKey) ([]Attempt, error)
	// PeekAttempt reports what BeginAttempt would decide for an attempt on
	// key at now, changing nothing: a flow that checks no credential yet
	// (a custom-auth initiation, a code sent) refuses a locked key
	// without counting against it.
	PeekAttempt(ctx context.Context, poolID, key string, now time.Time, p LockoutPolicy) (Attempt, error)
	// ClearAttempts forgets the keys' counts after a success, all of them
	// in one write. An unknown key is not an error. Give the keys in the
	// order BeginAttempts is given them: a store that locks rows takes
	// them in that order, so a clear and an attempt never wait on each
	// other in a cycle.
	ClearAttempts(ctx context.Context, poolID string, keys ...string) error
}
