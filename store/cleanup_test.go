package store_test

import (
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// Forgets must only let go of keys whose next attempt every policy in use
// decides as that of a key never attempted: that is what makes deleting
// the row invisible.
func TestCleanupForgetsOnlyWhatDecideWouldForget(t *testing.T) {
	t0 := time.Date(2031, time.March, 14, 15, 9, 26, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	signIn := store.LockoutPolicy{Threshold: 3, Base: time.Minute, Max: 10 * time.Minute, ResetAfter: 15 * time.Minute, HardLimit: 5}
	send := store.LockoutPolicy{Threshold: 5, Base: time.Hour, Max: time.Hour, ResetAfter: time.Hour}
	now := at(24 * time.Hour)
	params := store.CleanupParams{Now: now, IdleBefore: now.Add(-time.Hour), KeepFailures: 5, Limit: 10}

	for _, tc := range []struct {
		name    string
		state   store.LockoutState
		forgets bool
	}{
		{"a key quiet for longer than every ResetAfter is forgotten",
			store.LockoutState{Failures: 2, LastAttempt: at(0), LockedUntil: at(0)}, true},
		{"a key whose lock ended long ago is forgotten",
			store.LockoutState{Failures: 4, LastAttempt: at(0), LockedUntil: at(time.Hour)}, true},
		{"the zero state is forgotten",
			store.LockoutState{}, true},
		{"a key attempted at IdleBefore is kept",
			store.LockoutState{Failures: 1, LastAttempt: params.IdleBefore, LockedUntil: params.IdleBefore}, false},
		{"a key attempted recently is kept",
			store.LockoutState{Failures: 1, LastAttempt: now.Add(-time.Minute), LockedUntil: now.Add(-time.Minute)}, false},
		{"a key whose lock ended after IdleBefore is kept",
			store.LockoutState{Failures: 3, LastAttempt: at(0), LockedUntil: now.Add(-time.Minute)}, false},
		{"a locked key is kept",
			store.LockoutState{Failures: 3, LastAttempt: now.Add(-time.Second), LockedUntil: now.Add(time.Minute)}, false},
		{"a key at the hard limit is kept however old",
			store.LockoutState{Failures: 5, LastAttempt: at(0), LockedUntil: at(time.Minute)}, false},
		{"a key past the hard limit is kept however old",
			store.LockoutState{Failures: 9, LastAttempt: at(0), LockedUntil: at(time.Minute)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := params.Forgets(tc.state); got != tc.forgets {
				t.Fatalf("Forgets(%+v) = %v, want %v", tc.state, got, tc.forgets)
			}
			if !tc.forgets {
				return
			}
			for _, p := range []store.LockoutPolicy{signIn, send} {
				for _, later := range []time.Duration{0, time.Microsecond, time.Hour} {
					gotNext, gotA := p.Decide(tc.state, now.Add(later))
					wantNext, wantA := p.Decide(store.LockoutState{}, now.Add(later))
					if gotNext != wantNext || gotA != wantA {
						t.Errorf("policy %+v at now+%v: Decide = %+v, %+v; for a key never attempted %+v, %+v",
							p, later, gotNext, gotA, wantNext, wantA)
					}
				}
			}
		})
	}
}

func TestCleanupParamsCheck(t *testing.T) {
	now := time.Date(2031, time.March, 14, 15, 9, 26, 0, time.UTC)
	good := store.CleanupParams{Now: now, IdleBefore: now.Add(-time.Hour), KeepFailures: 100, Limit: 1}
	if err := good.Check(); err != nil {
		t.Fatalf("Check(%+v) = %v", good, err)
	}
	for _, cutoff := range []time.Time{now, now.Add(-24 * time.Hour)} {
		p := good
		p.EventsBefore = cutoff
		if err := p.Check(); err != nil {
			t.Fatalf("Check with events-before %v = %v", cutoff, err)
		}
	}
	for _, tc := range []struct {
		name string
		edit func(*store.CleanupParams)
	}{
		{"a missing now is refused", func(p *store.CleanupParams) { p.Now = time.Time{} }},
		{"a missing idle-before is refused", func(p *store.CleanupParams) { p.IdleBefore = time.Time{} }},
		{"idle-before after now is refused", func(p *store.CleanupParams) { p.IdleBefore = now.Add(time.Second) }},
		{"events-before after now is refused", func(p *store.CleanupParams) { p.EventsBefore = now.Add(time.Second) }},
		{"negative keep-failures is refused", func(p *store.CleanupParams) { p.KeepFailures = -1 }},
		{"a zero limit is refused", func(p *store.CleanupParams) { p.Limit = 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := good
			tc.edit(&p)
			if err := p.Check(); err == nil {
				t.Fatalf("Check(%+v) = nil", p)
			}
		})
	}
}
