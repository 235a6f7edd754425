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
		name     string
		policy   store.LockoutPolicy
		prev     store.LockoutState
		now      time.Time
		wantNext store.LockoutState
		want     store.Attempt
	}{
		{
			name:     "the first attempt on a key is allowed and counted",
			policy:   policy,
			now:      at(0),
			wantNext: store.LockoutState{Failures: 1, LastAttempt: at(0), LockedUntil: at(0)},
			want:     store.Attempt{Allowed: true, Failures: 1, LockedUntil: at(0)},
		},
		{
			name:     "an attempt below the threshold is counted without a lock",
			policy:   policy,
			prev:     store.LockoutState{Failures: 1, LastAttempt: at(0), LockedUntil: at(0)},
			now:      at(time.Second),
			wantNext: store.LockoutState{Failures: 2, LastAttempt: at(time.Second), LockedUntil: at(time.Second)},
			want:     store.Attempt{Allowed: true, Failures: 2, LockedUntil: at(time.Second)},
		},
		{
			name:     "the attempt that reaches the threshold locks the key for Base",
			policy:   policy,
			prev:     store.LockoutState{Failures: 2, LastAttempt: at(time.Second), LockedUntil: at(time.Second)},
			now:      at(2 * time.Second),
			wantNext: store.LockoutState{Failures: 3, LastAttempt: at(2 * time.Second), LockedUntil: at(2*time.Second + time.Minute)},
			want:     store.Attempt{Allowed: true, Failures: 3, LockedUntil: at(2*time.Second + time.Minute)},
		},
		{
			name:     "an attempt before the end of the lock is refused and changes nothing",
			policy:   policy,
			prev:     store.LockoutState{Failures: 3, LastAttempt: at(0), LockedUntil: at(time.Minute)},
			now:      at(time.Minute - time.Microsecond),
			wantNext: store.LockoutState{Failures: 3, LastAttempt: at(0), LockedUntil: at(time.Minute)},
			want:     store.Attempt{Allowed: false, Failures: 3, LockedUntil: at(time.Minute)},
		},
		{
			name:     "an attempt at the end of the lock is allowed and doubles the lock",
			policy:   policy,
			prev:     store.LockoutState{Failures: 3, LastAttempt: at(0), LockedUntil: at(time.Minute)},
			now:      at(time.Minute),
			wantNext: store.LockoutState{Failures: 4, LastAttempt: at(time.Minute), LockedUntil: at(3 * time.Minute)},
			want:     store.Attempt{Allowed: true, Failures: 4, LockedUntil: at(3 * time.Minute)},
		},
		{
			name:     "the lock stops doubling at Max",
			policy:   policy,
			prev:     store.LockoutState{Failures: 6, LastAttempt: at(0), LockedUntil: at(8 * time.Minute)},
			now:      at(8 * time.Minute),
			wantNext: store.LockoutState{Failures: 7, LastAttempt: at(8 * time.Minute), LockedUntil: at(18 * time.Minute)},
			want:     store.Attempt{Allowed: true, Failures: 7, LockedUntil: at(18 * time.Minute)},
		},
		{
			name:     "an attempt exactly ResetAfter after the last one keeps the count",
			policy:   policy,
			prev:     store.LockoutState{Failures: 2, LastAttempt: at(0), LockedUntil: at(0)},
			now:      at(time.Hour),
			wantNext: store.LockoutState{Failures: 3, LastAttempt: at(time.Hour), LockedUntil: at(time.Hour + time.Minute)},
			want:     store.Attempt{Allowed: true, Failures: 3, LockedUntil: at(time.Hour + time.Minute)},
		},
		{
			name:     "an attempt more than ResetAfter after the last one restarts the count",
			policy:   policy,
			prev:     store.LockoutState{Failures: 2, LastAttempt: at(0), LockedUntil: at(0)},
			now:      at(time.Hour + time.Microsecond),
			wantNext: store.LockoutState{Failures: 1, LastAttempt: at(time.Hour + time.Microsecond), LockedUntil: at(time.Hour + time.Microsecond)},
			want:     store.Attempt{Allowed: true, Failures: 1, LockedUntil: at(time.Hour + time.Microsecond)},
		},
		{
			name:     "an expired lock past ResetAfter restarts the count without a lock",
			policy:   policy,
			prev:     store.LockoutState{Failures: 5, LastAttempt: at(0), LockedUntil: at(4 * time.Minute)},
			now:      at(2 * time.Hour),
			wantNext: store.LockoutState{Failures: 1, LastAttempt: at(2 * time.Hour), LockedUntil: at(2 * time.Hour)},
			want:     store.Attempt{Allowed: true, Failures: 1, LockedUntil: at(2 * time.Hour)},
		},
		{
			name:     "a state without a last attempt starts the count afresh",
			policy:   policy,
			prev:     store.LockoutState{Failures: 2},
			now:      at(0),
			wantNext: store.LockoutState{Failures: 1, LastAttempt: at(0), LockedUntil: at(0)},
			want:     store.Attempt{Allowed: true, Failures: 1, LockedUntil: at(0)},
		},
		{
			name:     "a policy without a threshold counts but never locks",
			policy:   store.LockoutPolicy{ResetAfter: time.Hour},
			prev:     store.LockoutState{Failures: 9, LastAttempt: at(0), LockedUntil: at(0)},
			now:      at(0),
			wantNext: store.LockoutState{Failures: 10, LastAttempt: at(0), LockedUntil: at(0)},
			want:     store.Attempt{Allowed: true, Failures: 10, LockedUntil: at(0)},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next, a := tc.policy.Decide(tc.prev, tc.now)
			if !sameState(next, tc.wantNext) {
				t.Errorf("next = %+v, want %+v", next, tc.wantNext)
			}
			if a.Allowed != tc.want.Allowed || a.Failures != tc.want.Failures || !a.LockedUntil.Equal(tc.want.LockedUntil) {
				t.Errorf("attempt = %+v, want %+v", a, tc.want)
			}
		})
	}
}

func sameState(a, b store.LockoutState) bool {
	return a.Failures == b.Failures && a.LastAttempt.Equal(b.LastAttempt) && a.LockedUntil.Equal(b.LockedUntil)
}
