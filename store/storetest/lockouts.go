package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// wantAttempt runs BeginAttempt and checks its outcome.
func wantAttempt(t *testing.T, st store.Store, pool, key string, now time.Time, p store.LockoutPolicy, allowed bool, failures int, lockedUntil time.Time) {
	t.Helper()
	what := fmt.Sprintf("BeginAttempt at epoch+%v", now.Sub(epoch))
	a, err := st.BeginAttempt(t.Context(), pool, key, now, p)
	wantOK(t, what, err)
	if a.Allowed != allowed {
		t.Fatalf("%s: Allowed = %v, want %v (%+v)", what, a.Allowed, allowed, a)
	}
	if allowed && a.Failures != failures {
		t.Fatalf("%s: Failures = %d, want %d", what, a.Failures, failures)
	}
	wantTime(t, what+": LockedUntil", a.LockedUntil, lockedUntil)
}

// lockoutPolicy locks at the third failure and doubles from a minute, so
// a test reaches the lock and its growth in a few attempts.
var lockoutPolicy = store.LockoutPolicy{Threshold: 3, Base: time.Minute, Max: 10 * time.Minute, ResetAfter: time.Hour}

var lockoutTests = []conformanceTest{
	{"attempts are counted until the threshold locks the key", testLockoutThreshold},
	{"a locked key refuses attempts and counts nothing", testLockoutLockedKey},
	{"each failure past the threshold doubles the lock up to the maximum", testLockoutDoubling},
	{"the count resets once the last attempt is older than ResetAfter", testLockoutReset},
	{"clearing attempts forgets the count and the lock", testLockoutClear},
	{"keys are counted apart", testLockoutKeysApart},
	{"a policy without threshold never locks", testLockoutNoThreshold},
	{"peeking tells a locked key from an open one and counts nothing", testLockoutPeek},
	{"attempts stamped out of order below the threshold are all counted", testLockoutSkewedClocks},
	{"a key at the hard limit stays locked until cleared", testLockoutHardLimit},
	{"several keys in one call count as one call each would", testLockoutSeveralKeys},
	{"several keys in one call stop at the first that refuses", testLockoutSeveralKeysStop},
	{"several keys with one empty count nothing", testLockoutSeveralKeysInvalid},
}

// beginAttempts runs BeginAttempts and returns its outcomes.
func beginAttempts(t *testing.T, st store.Store, pool string, now time.Time, keys ...store.AttemptKey) []store.Attempt {
	t.Helper()
	as, err := st.BeginAttempts(t.Context(), pool, now, keys...)
	wantOK(t, "BeginAttempts", err)
	return as
}

func testLockoutSeveralKeys(t *testing.T, st store.Store, pool string) {
	wide := store.LockoutPolicy{Threshold: 10, Base: time.Minute, Max: time.Hour, ResetAfter: time.Hour}
	keys := []store.AttemptKey{{Key: "acct@src", Policy: lockoutPolicy}, {Key: "all:acct", Policy: wide}, {Key: "src:src", Policy: lockoutPolicy, Peek: true}}
	for i := range 3 {
		as := beginAttempts(t, st, pool, at(0), keys...)
		if len(as) != 3 || !as[0].Allowed || !as[1].Allowed || !as[2].Allowed {
			t.Fatalf("attempt %d: %+v, want three allowed outcomes", i+1, as)
		}
		if as[0].Failures != i+1 || as[1].Failures != i+1 || as[2].Failures != 1 {
			t.Fatalf("attempt %d counted %d, %d and %d (peeked) failures, want %d, %d and 1", i+1, as[0].Failures, as[1].Failures, as[2].Failures, i+1, i+1)
		}
		wantTime(t, "the first key's lock", as[0].LockedUntil, at(lockoutPolicy.LockFor(i+1)))
	}
	// Each key holds what BeginAttempt alone would have left; the peeked
	// key holds nothing.
	wantAttempt(t, st, pool, "all:acct", at(time.Second), wide, true, 4, at(time.Second))
	wantAttempt(t, st, pool, "src:src", at(time.Second), lockoutPolicy, true, 1, at(time.Second))
	wantAttempt(t, st, pool, "acct@src", at(time.Second), lockoutPolicy, false, 0, at(time.Minute))
}

func testLockoutSeveralKeysStop(t *testing.T, st store.Store, pool string) {
	for i := range 3 {
		wantAttempt(t, st, pool, "locked", at(0), lockoutPolicy, true, i+1, at(lockoutPolicy.LockFor(i+1)))
	}
	as := beginAttempts(t, st, pool, at(time.Second), store.AttemptKey{Key: "first", Policy: lockoutPolicy},
		store.AttemptKey{Key: "locked", Policy: lockoutPolicy}, store.AttemptKey{Key: "after", Policy: lockoutPolicy})
	if len(as) != 2 || !as[0].Allowed || as[1].Allowed {
		t.Fatalf("outcomes %+v, want the first key allowed and the locked one refused", as)
	}
	wantTime(t, "the refusing key's lock", as[1].LockedUntil, at(time.Minute))
	wantAttempt(t, st, pool, "first", at(2*time.Second), lockoutPolicy, true, 2, at(2*time.Second))
	wantAttempt(t, st, pool, "after", at(2*time.Second), lockoutPolicy, true, 1, at(2*time.Second))
	// A locked key that is only peeked at refuses too, and stays as it was.
	as = beginAttempts(t, st, pool, at(3*time.Second), store.AttemptKey{Key: "locked", Policy: lockoutPolicy, Peek: true})
	if len(as) != 1 || as[0].Allowed {
		t.Fatalf("peek of a locked key: %+v", as)
	}
	wantAttempt(t, st, pool, "locked", at(time.Minute), lockoutPolicy, true, 4, at(time.Minute+2*time.Minute))
}

func testLockoutSeveralKeysInvalid(t *testing.T, st store.Store, pool string) {
	_, err := st.BeginAttempts(t.Context(), pool, at(0), store.AttemptKey{Key: "k", Policy: lockoutPolicy}, store.AttemptKey{Policy: lockoutPolicy})
	wantErr(t, "BeginAttempts with an empty key", err, store.ErrInvalid)
	_, err = st.BeginAttempts(t.Context(), "", at(0), store.AttemptKey{Key: "k", Policy: lockoutPolicy})
	wantErr(t, "BeginAttempts without a pool", err, store.ErrInvalid)
	wantAttempt(t, st, pool, "k", at(0), lockoutPolicy, true, 1, at(0))
}

// testLockoutSkewedClocks: instances whose clocks differ, or whose writes
// commit out of timestamp order, must not lock a key below the threshold.
func testLockoutSkewedClocks(t *testing.T, st store.Store, pool string) {
	wantAttempt(t, st, pool, "k", at(10*time.Second), lockoutPolicy, true, 1, at(10*time.Second))
	wantAttempt(t, st, pool, "k", at(9*time.Second), lockoutPolicy, true, 2, at(9*time.Second))
	wantAttempt(t, st, pool, "k", at(8*time.Second), lockoutPolicy, true, 3, at(8*time.Second+time.Minute))
	wantAttempt(t, st, pool, "k", at(11*time.Second), lockoutPolicy, false, 0, at(8*time.Second+time.Minute))
}

func testLockoutHardLimit(t *testing.T, st store.Store, pool string) {
	p := lockoutPolicy
	p.HardLimit = 4
	now := at(0)
	for i := range 4 {
		a, err := st.BeginAttempt(t.Context(), pool, "k", now, p)
		wantOK(t, "BeginAttempt", err)
		if !a.Allowed || a.Failures != i+1 {
			t.Fatalf("attempt %d = %+v", i+1, a)
		}
		now = a.LockedUntil
	}
	wantAttempt(t, st, pool, "k", now.Add(24*time.Hour), p, false, 0, now)
	wantOK(t, "ClearAttempts", st.ClearAttempts(t.Context(), pool, "k"))
	wantAttempt(t, st, pool, "k", now.Add(24*time.Hour), p, true, 1, now.Add(24*time.Hour))
}

func testLockoutPeek(t *testing.T, st store.Store, pool string) {
	peek := func(now time.Time, allowed bool, failures int) {
		t.Helper()
		a, err := st.PeekAttempt(t.Context(), pool, "k", now, lockoutPolicy)
		wantOK(t, "PeekAttempt", err)
		if a.Allowed != allowed || (allowed && a.Failures != failures) {
			t.Fatalf("PeekAttempt at epoch+%v = %+v, want allowed %v with %d failures", now.Sub(epoch), a, allowed, failures)
		}
	}
	peek(at(0), true, 1) // a key never attempted
	peek(at(0), true, 1) // and peeking did not count
	for i := range 3 {
		wantAttempt(t, st, pool, "k", at(0), lockoutPolicy, true, i+1, at(lockoutPolicy.LockFor(i+1)))
	}
	peek(at(time.Second), false, 0)
	peek(at(time.Minute), true, 4)
	// Peeking left the lock and the count as they were.
	wantAttempt(t, st, pool, "k", at(time.Second), lockoutPolicy, false, 0, at(time.Minute))
	wantAttempt(t, st, pool, "k", at(time.Minute), lockoutPolicy, true, 4, at(3*time.Minute))
	if _, err := st.PeekAttempt(t.Context(), pool, "", at(0), lockoutPolicy); err == nil {
		t.Fatal("PeekAttempt with an empty key succeeded")
	}
}

func testLockoutThreshold(t *testing.T, st store.Store, pool string) {
	wantAttempt(t, st, pool, "k", at(0), lockoutPolicy, true, 1, at(0))
	wantAttempt(t, st, pool, "k", at(time.Second).In(elsewhere), lockoutPolicy, true, 2, at(time.Second))
	wantAttempt(t, st, pool, "k", at(2*time.Second), lockoutPolicy, true, 3, at(2*time.Second+time.Minute))
}

func testLockoutLockedKey(t *testing.T, st store.Store, pool string) {
	for i := range 3 {
		wantAttempt(t, st, pool, "k", at(0), lockoutPolicy, true, i+1, at(lockoutPolicy.LockFor(i+1)))
	}
	for _, d := range []time.Duration{0, time.Second, time.Minute - time.Microsecond} {
		wantAttempt(t, st, pool, "k", at(d).In(elsewhere), lockoutPolicy, false, 0, at(time.Minute))
	}
	wantAttempt(t, st, pool, "k", at(time.Minute), lockoutPolicy, true, 4, at(time.Minute+2*time.Minute))
}

func testLockoutDoubling(t *testing.T, st store.Store, pool string) {
	now := at(0)
	for i := range 3 {
		wantAttempt(t, st, pool, "k", now, lockoutPolicy, true, i+1, now.Add(lockoutPolicy.LockFor(i+1)))
	}
	now = now.Add(time.Minute)
	for _, step := range []struct {
		failures int
		lock     time.Duration
	}{{4, 2 * time.Minute}, {5, 4 * time.Minute}, {6, 8 * time.Minute}, {7, 10 * time.Minute}, {8, 10 * time.Minute}} {
		wantAttempt(t, st, pool, "k", now, lockoutPolicy, true, step.failures, now.Add(step.lock))
		now = now.Add(step.lock)
	}
}

func testLockoutReset(t *testing.T, st store.Store, pool string) {
	p := store.LockoutPolicy{Threshold: 5, Base: time.Minute, Max: time.Hour, ResetAfter: 10 * time.Minute}
	wantAttempt(t, st, pool, "k", at(0), p, true, 1, at(0))
	wantAttempt(t, st, pool, "k", at(time.Minute), p, true, 2, at(time.Minute))
	wantAttempt(t, st, pool, "k", at(11*time.Minute), p, true, 3, at(11*time.Minute))
	wantAttempt(t, st, pool, "k", at(21*time.Minute+time.Microsecond).In(elsewhere), p, true, 1, at(21*time.Minute+time.Microsecond))
}

func testLockoutClear(t *testing.T, st store.Store, pool string) {
	for i := range 3 {
		wantAttempt(t, st, pool, "k", at(0), lockoutPolicy, true, i+1, at(lockoutPolicy.LockFor(i+1)))
	}
	wantOK(t, "ClearAttempts", st.ClearAttempts(t.Context(), pool, "k"))
	wantAttempt(t, st, pool, "k", at(time.Second), lockoutPolicy, true, 1, at(time.Second))
	wantOK(t, "ClearAttempts of an unknown key", st.ClearAttempts(t.Context(), pool, "unknown"))
	// Several keys in one call, an unknown one among them; others stay.
	for _, k := range []string{"a", "b", "c"} {
		wantAttempt(t, st, pool, k, at(0), lockoutPolicy, true, 1, at(0))
	}
	wantOK(t, "ClearAttempts of several keys", st.ClearAttempts(t.Context(), pool, "a", "unknown", "b"))
	wantAttempt(t, st, pool, "a", at(time.Second), lockoutPolicy, true, 1, at(time.Second))
	wantAttempt(t, st, pool, "b", at(time.Second), lockoutPolicy, true, 1, at(time.Second))
	wantAttempt(t, st, pool, "c", at(time.Second), lockoutPolicy, true, 2, at(time.Second+lockoutPolicy.LockFor(2)))
	wantOK(t, "ClearAttempts of no key", st.ClearAttempts(t.Context(), pool))
}

func testLockoutKeysApart(t *testing.T, st store.Store, pool string) {
	for i := range 3 {
		wantAttempt(t, st, pool, "alice", at(0), lockoutPolicy, true, i+1, at(lockoutPolicy.LockFor(i+1)))
	}
	wantAttempt(t, st, pool, "bob", at(0), lockoutPolicy, true, 1, at(0))
	wantAttempt(t, st, pool, "alice", at(0), lockoutPolicy, false, 0, at(time.Minute))
}

func testLockoutNoThreshold(t *testing.T, st store.Store, pool string) {
	p := store.LockoutPolicy{ResetAfter: time.Hour}
	for i := range 10 {
		wantAttempt(t, st, pool, "k", at(0), p, true, i+1, at(0))
	}
}
