package store_test

import (
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

func TestLockoutPolicyDecide(t *testing.T) {
	t0 := time.Date(2031, time.March, 14, 15, 9, 26, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	policy := store.LockoutPolicy{Threshold: 3, Base: time.Minute, Max: 10 * time.Minute, ResetAfter: time.Hour}

	for _, tc := range []struct {
		name    string
		policy  store.LockoutPolicy
		prev    store.LockoutState
		now     time.Time
		want    store.LockoutState
		allowed bool
	}{
		{
			name:    "the first attempt on a key is allowed and counted",
			policy:  policy,
			now:     at(0),
			want:    store.LockoutState{Failures: 1, LastAttempt: at(0), LockedUntil: at(0)},
			allowed: true,
		},
		{
			name:    "an attempt below the threshold is counted without a lock",
			policy:  policy,
			prev:    store.LockoutState{Failures: 1, LastAttempt: at(0), LockedUntil: at(0)},
			now:     at(time.Second),
			want:    store.LockoutState{Failures: 2, LastAttempt: at(time.Second), LockedUntil: at(time.Second)},
			allowed: true,
		},
		{
			name:    "the attempt that reaches the threshold locks the key for Base",
			policy:  policy,
			prev:    store.LockoutState{Failures: 2, LastAttempt: at(time.Second), LockedUntil: at(time.Second)},
			now:     at(2 * time.Second),
			want:    store.LockoutState{Failures: 3, LastAttempt: at(2 * time.Second), LockedUntil: at(2*time.Second + time.Minute)},
			allowed: true,
		},
		{
			name:    "an attempt before the end of the lock is refused and changes nothing",
			policy:  policy,
			prev:    store.LockoutState{Failures: 3, LastAttempt: at(0), LockedUntil: at(time.Minute)},
			now:     at(time.Minute - time.Microsecond),
			want:    store.LockoutState{Failures: 3, LastAttempt: at(0), LockedUntil: at(time.Minute)},
			allowed: false,
		},
		{
			name:    "an attempt at the end of the lock is allowed and doubles the lock",
			policy:  policy,
			prev:    store.LockoutState{Failures: 3, LastAttempt: at(0), LockedUntil: at(time.Minute)},
			now:     at(time.Minute),
			want:    store.LockoutState{Failures: 4, LastAttempt: at(time.Minute), LockedUntil: at(3 * time.Minute)},
			allowed: true,
		},
		{
			name:    "the lock stops doubling at Max",
			policy:  policy,
			prev:    store.LockoutState{Failures: 6, LastAttempt: at(0), LockedUntil: at(8 * time.Minute)},
			now:     at(8 * time.Minute),
			want:    store.LockoutState{Failures: 7, LastAttempt: at(8 * time.Minute), LockedUntil: at(18 * time.Minute)},
			allowed: true,
		},
		{
			name:    "an attempt exactly ResetAfter after the last one keeps the count",
			policy:  policy,
			prev:    store.LockoutState{Failures: 2, LastAttempt: at(0), LockedUntil: at(0)},
			now:     at(time.Hour),
			want:    store.LockoutState{Failures: 3, LastAttempt: at(time.Hour), LockedUntil: at(time.Hour + time.Minute)},
			allowed: true,
		},
		{
			name:    "an attempt more than ResetAfter after the last one restarts the count",
			policy:  policy,
			prev:    store.LockoutState{Failures: 2, LastAttempt: at(0), LockedUntil: at(0)},
			now:     at(time.Hour + time.Microsecond),
			want:    store.LockoutState{Failures: 1, LastAttempt: at(time.Hour + time.Microsecond), LockedUntil: at(time.Hour + time.Microsecond)},
			allowed: true,
		},
		{
			name:    "an expired lock past ResetAfter restarts the count without a lock",
			policy:  policy,
			prev:    store.LockoutState{Failures: 5, LastAttempt: at(0), LockedUntil: at(4 * time.Minute)},
			now:     at(2 * time.Hour),
			want:    store.LockoutState{Failures: 1, LastAttempt: at(2 * time.Hour), LockedUntil: at(2 * time.Hour)},
			allowed: true,
		},
		{
			name:    "a state without a last attempt starts the count afresh",
			policy:  policy,
			prev:    store.LockoutState{Failures: 2},
			now:     at(0),
			want:    store.LockoutState{Failures: 1, LastAttempt: at(0), LockedUntil: at(0)},
			allowed: true,
		},
		{
			name:    "the quiet period that resets the count starts when the lock ends",
			policy:  store.LockoutPolicy{Threshold: 3, Base: time.Minute, Max: time.Hour, ResetAfter: 15 * time.Minute},
			prev:    store.LockoutState{Failures: 8, LastAttempt: at(0), LockedUntil: at(40 * time.Minute)},
			now:     at(50 * time.Minute),
			want:    store.LockoutState{Failures: 9, LastAttempt: at(50 * time.Minute), LockedUntil: at(50*time.Minute + time.Hour)},
			allowed: true,
		},
		{
			name:    "a key at the hard limit stays locked after its lock ended",
			policy:  store.LockoutPolicy{Threshold: 3, Base: time.Minute, Max: time.Hour, ResetAfter: 15 * time.Minute, HardLimit: 10},
			prev:    store.LockoutState{Failures: 10, LastAttempt: at(0), LockedUntil: at(time.Hour)},
			now:     at(30 * 24 * time.Hour),
			want:    store.LockoutState{Failures: 10, LastAttempt: at(0), LockedUntil: at(time.Hour)},
			allowed: false,
		},
		{
			name:    "an attempt stamped before the last one still counts below the threshold",
			policy:  policy,
			prev:    store.LockoutState{Failures: 1, LastAttempt: at(10 * time.Second), LockedUntil: at(10 * time.Second)},
			now:     at(9 * time.Second),
			want:    store.LockoutState{Failures: 2, LastAttempt: at(9 * time.Second), LockedUntil: at(9 * time.Second)},
			allowed: true,
		},
		{
			name:    "a policy without a threshold counts but never locks",
			policy:  store.LockoutPolicy{ResetAfter: time.Hour},
			prev:    store.LockoutState{Failures: 9, LastAttempt: at(0), LockedUntil: at(0)},
			now:     at(0),
			want:    store.LockoutState{Failures: 10, LastAttempt: at(0), LockedUntil: at(0)},
			allowed: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next, a := tc.policy.Decide(tc.prev, tc.now)
			if next.Failures != tc.want.Failures || !next.LastAttempt.Equal(tc.want.LastAttempt) || !next.LockedUntil.Equal(tc.want.LockedUntil) {
				t.Errorf("next = %+v, want %+v", next, tc.want)
			}
			// The caller learns the count and lock in force either way.
			if a.Allowed != tc.allowed || a.Failures != tc.want.Failures || !a.LockedUntil.Equal(tc.want.LockedUntil) {
				t.Errorf("attempt = %+v, want Allowed %v, Failures %d, LockedUntil %v", a, tc.allowed, tc.want.Failures, tc.want.LockedUntil)
			}
		})
	}
}
