package userpool_test

import (
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

// Policies whose ResetAfter and HardLimit differ, so a Cleanup that judged
// counters by the wrong one would delete one it must keep.
var (
	cleanupLockout = store.LockoutPolicy{Threshold: 3, Base: time.Minute, Max: 10 * time.Minute, ResetAfter: 15 * time.Minute, HardLimit: 5}
	cleanupSends   = store.LockoutPolicy{Threshold: 5, Base: time.Hour, Max: time.Hour, ResetAfter: time.Hour}
)

func newCleanupEnv(t *testing.T) *env {
	return newFastEnv(t, func(c *userpool.Config) {
		c.Lockout = cleanupLockout
		c.CodeSendLimit = cleanupSends
	})
}

// storedFailures is the count the store keeps for key: zero when it has no
// row. The policy it peeks with never refuses and never resets.
func (e *env) storedFailures(key string) int {
	e.t.Helper()
	a, err := e.store.PeekAttempt(e.ctx, e.cfg.ID, key, e.clock.Now(), store.LockoutPolicy{ResetAfter: 100 * 365 * 24 * time.Hour})
	if err != nil {
		e.t.Fatalf("PeekAttempt(%s): %v", key, err)
	}
	return a.Failures - 1
}

// count runs n attempts on key at the instant under policy p.
func (e *env) count(key string, at time.Time, p store.LockoutPolicy, n int) {
	e.t.Helper()
	for range n {
		if a, err := e.store.BeginAttempt(e.ctx, e.cfg.ID, key, at, p); err != nil || !a.Allowed {
			e.t.Fatalf("BeginAttempt(%s) = %+v, %v", key, a, err)
		}
	}
}

func TestCleanupForgetsWhatNoPolicyOfThePoolStillNeeds(t *testing.T) {
	e := newCleanupEnv(t)
	now := e.clock.Now()
	// Quiet for 30 minutes: past the lockout's ResetAfter, not the sends'.
	e.count("unknown:ghost", now.Add(-2*time.Hour), cleanupLockout, 2)
	e.count("send:recent", now.Add(-30*time.Minute), cleanupSends, 1)
	e.count("unknown:recent", now.Add(-30*time.Minute), cleanupLockout, 2)
	// At the hard limit, long ago: each attempt waits for the lock to end.
	e.count("sub-hard", now.Add(-5*time.Hour), cleanupLockout, 3)
	e.count("sub-hard", now.Add(-5*time.Hour+time.Minute), cleanupLockout, 1)
	e.count("sub-hard", now.Add(-5*time.Hour+3*time.Minute), cleanupLockout, 1)
	codes := map[string]time.Time{"expired": now.Add(-time.Second), "live": now.Add(time.Minute)}
	for purpose, exp := range codes {
		if err := e.store.PutCode(e.ctx, store.Code{PoolID: e.cfg.ID, Subject: "sub", Purpose: purpose, Hash: []byte(purpose), ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
		if err := e.store.PutAuthSession(e.ctx, store.AuthSession{PoolID: e.cfg.ID, ID: purpose, ClientID: webClient, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}

	out, err := e.pool.Cleanup(e.ctx, userpool.CleanupInput{})
	if err != nil {
		t.Fatalf("Cleanup: %v", err)
	}
	if out.Removed != 3 || out.More {
		t.Fatalf("Cleanup = %+v, want 3 removed and no more", out)
	}
	for key, want := range map[string]int{"unknown:ghost": 0, "send:recent": 1, "unknown:recent": 2, "sub-hard": 5} {
		if got := e.storedFailures(key); got != want {
			t.Errorf("%s: %d failures stored after Cleanup, want %d", key, got, want)
		}
	}
	earlier := now.Add(-time.Hour) // before any of them expired
	for purpose := range codes {
		_, cerr := e.store.ConsumeCode(e.ctx, e.cfg.ID, "sub", purpose, []byte(purpose), earlier, 5)
		_, serr := e.store.ConsumeAuthSession(e.ctx, e.cfg.ID, purpose, webClient, earlier)
		if kept := purpose == "live"; (cerr == nil) != kept || (serr == nil) != kept {
			t.Errorf("%s code and session after Cleanup: %v, %v; want kept %v", purpose, cerr, serr, kept)
		}
	}
}

// An account locked for good by the hard limit stays locked through any
// number of cleanups, however long it has been left alone.
func TestCleanupKeepsAHardLockedAccountLocked(t *testing.T) {
	e := newCleanupEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	for failure := 1; failure <= cleanupLockout.HardLimit; failure++ {
		e.wantOutcome("alice", wrongPW, incorrect)
		e.clock.Advance(cleanupLockout.LockFor(failure))
	}
	e.clock.Advance(30 * 24 * time.Hour)
	if _, err := e.pool.Cleanup(e.ctx, userpool.CleanupInput{}); err != nil {
		t.Fatalf("Cleanup: %v", err)
	}
	e.wantOutcome("alice", goodPW, attemptsExceeded)
}

func TestCleanupLimit(t *testing.T) {
	e := newCleanupEnv(t)
	for _, key := range []string{"unknown:a", "unknown:b", "unknown:c"} {
		e.count(key, e.clock.Now().Add(-2*time.Hour), cleanupLockout, 1)
	}
	var got []userpool.CleanupOutput
	for range 3 {
		out, err := e.pool.Cleanup(e.ctx, userpool.CleanupInput{Limit: 2})
		if err != nil {
			t.Fatalf("Cleanup: %v", err)
		}
		got = append(got, *out)
	}
	want := []userpool.CleanupOutput{{Removed: 2, More: true}, {Removed: 1}, {}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("three Cleanup calls with Limit 2 = %+v, want %+v", got, want)
	}
	for _, limit := range []int{-1, 10_001} {
		_, err := e.pool.Cleanup(e.ctx, userpool.CleanupInput{Limit: limit})
		wantCode(t, err, userpool.CodeInvalidParameter)
	}
}
