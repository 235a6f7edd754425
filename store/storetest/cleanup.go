package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

var cleanupTests = []conformanceTest{
	{"expired sessions are removed and live ones kept", testCleanupSessions},
	{"expired codes are removed and live ones kept", testCleanupCodes},
	{"idle unlocked lockout keys are forgotten and the others kept", testCleanupLockouts},
	{"refresh families are kept even when expired", testCleanupKeepsFamilies},
	{"other pools are untouched", testCleanupOtherPools},
	{"the limit bounds each call and repeated calls finish the job", testCleanupLimit},
	{"a code put again while Cleanup runs survives it", testCleanupRacesPutCode},
	{"malformed parameters are invalid", testCleanupMalformed},
}

// cleanupNow is the instant the cleanup tests judge records at; keys
// quiet since before cleanupIdle are forgettable.
var (
	cleanupNow  = at(3 * time.Hour)
	cleanupIdle = at(2 * time.Hour)
)

// cleanupPolicy is what the lockout keys of the cleanup tests are counted
// with: its ResetAfter is cleanupNow-cleanupIdle and its HardLimit is the
// KeepFailures of cleanupParams.
var cleanupPolicy = store.LockoutPolicy{Threshold: 3, Base: time.Minute, Max: 10 * time.Minute, ResetAfter: time.Hour, HardLimit: 5}

func cleanupParams(limit int) store.CleanupParams {
	return store.CleanupParams{Now: cleanupNow.In(elsewhere), IdleBefore: cleanupIdle.In(elsewhere),
		KeepFailures: cleanupPolicy.HardLimit, Limit: limit}
}

// cleanup runs Cleanup and checks how many records it says it removed.
func cleanup(t *testing.T, st store.Store, pool string, p store.CleanupParams, want int) {
	t.Helper()
	n, err := st.Cleanup(t.Context(), pool, p)
	wantOK(t, "Cleanup", err)
	if n != want {
		t.Fatalf("Cleanup removed %d records, want %d", n, want)
	}
}

// sessionKept reports whether the session is still stored, consuming it:
// it is presented at epoch, before any test session expires.
func sessionKept(t *testing.T, st store.Store, as store.AuthSession) bool {
	t.Helper()
	_, err := st.ConsumeAuthSession(t.Context(), as.PoolID, as.ID, as.ClientID, at(0))
	if err != nil && !isNotFound(err) {
		t.Fatalf("ConsumeAuthSession: %v", err)
	}
	return err == nil
}

// codeKept reports whether the code is still stored, consuming it: it is
// presented at epoch, before any test code expires.
func codeKept(t *testing.T, st store.Store, c store.Code) bool {
	t.Helper()
	_, err := st.ConsumeCode(t.Context(), c.PoolID, c.Subject, c.Purpose, c.Hash, at(0), 5)
	if err != nil && !isNotFound(err) {
		t.Fatalf("ConsumeCode: %v", err)
	}
	return err == nil
}

func isNotFound(err error) bool { return is(store.ErrNotFound)(err) }

// observer reads a key's stored count without being refused or resetting
// it: no threshold, no hard limit, and a ResetAfter longer than any test.
var observer = store.LockoutPolicy{ResetAfter: 100 * 365 * 24 * time.Hour}

// failuresKept is the count stored for key: zero when it has no row.
func failuresKept(t *testing.T, st store.Store, pool, key string) int {
	t.Helper()
	a, err := st.PeekAttempt(t.Context(), pool, key, cleanupNow, observer)
	wantOK(t, "PeekAttempt", err)
	return a.Failures - 1
}

// expiringSession stores a session of sub expiring at exp.
func expiringSession(t *testing.T, st store.Store, pool, sub string, exp time.Time) store.AuthSession {
	t.Helper()
	as := store.AuthSession{PoolID: pool, ID: randomID(t, "as-"), Subject: sub, ClientID: "client-1",
		Challenge: "SMS_MFA", ExpiresAt: exp, CreatedAt: at(0)}
	wantOK(t, "PutAuthSession", st.PutAuthSession(t.Context(), as))
	return as
}

// expiringCode stores a code of sub expiring at exp.
func expiringCode(t *testing.T, st store.Store, pool, sub string, exp time.Time) store.Code {
	t.Helper()
	c := store.Code{PoolID: pool, Subject: sub, Purpose: randomID(t, "purpose-"), Hash: randomHash(t),
		ExpiresAt: exp, CreatedAt: at(0)}
	wantOK(t, "PutCode", st.PutCode(t.Context(), c))
	return c
}

// attempts counts n attempts on key at now under cleanupPolicy, each
// allowed.
func attempts(t *testing.T, st store.Store, pool, key string, now time.Time, n int) {
	t.Helper()
	for range n {
		a, err := st.BeginAttempt(t.Context(), pool, key, now, cleanupPolicy)
		wantOK(t, "BeginAttempt", err)
		if !a.Allowed {
			t.Fatalf("attempt on %s at epoch+%v refused", key, now.Sub(epoch))
		}
	}
}

// idleKey gives key two failures long before cleanupIdle: a key Cleanup
// forgets.
func idleKey(t *testing.T, st store.Store, pool, key string) {
	t.Helper()
	attempts(t, st, pool, key, at(0), 2)
}

// wantExpiredRemoved stores records of one kind through put, two that
// have expired at cleanupNow (one exactly at its ExpiresAt) and two that
// have not, runs Cleanup and checks with kept which of them are left.
func wantExpiredRemoved[T any](t *testing.T, st store.Store, pool string, put func(exp time.Time) T, kept func(T) bool) {
	t.Helper()
	expiries := []time.Time{at(time.Minute), cleanupNow.In(elsewhere), cleanupNow.Add(time.Microsecond), cleanupNow.Add(time.Hour)}
	var records []T
	for _, exp := range expiries {
		records = append(records, put(exp))
	}
	cleanup(t, st, pool, cleanupParams(100), 2)
	for i, r := range records {
		if want := !expiries[i].After(cleanupNow); kept(r) == want {
			t.Errorf("record expiring at epoch+%v: removed %v, want %v", expiries[i].Sub(epoch), !want, want)
		}
	}
}

func testCleanupSessions(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	wantExpiredRemoved(t, st, pool,
		func(exp time.Time) store.AuthSession { return expiringSession(t, st, pool, sub, exp) },
		func(as store.AuthSession) bool { return sessionKept(t, st, as) })
}

func testCleanupCodes(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	wantExpiredRemoved(t, st, pool,
		func(exp time.Time) store.Code { return expiringCode(t, st, pool, sub, exp) },
		func(c store.Code) bool { return codeKept(t, st, c) })
}

func testCleanupLockouts(t *testing.T, st store.Store, pool string) {
	// Each key's history under cleanupPolicy, and the count it must keep
	// (zero: forgotten).
	keys := []struct {
		key  string
		make func(key string)
		want int
	}{
		{"unknown:idle below the threshold", func(k string) { idleKey(t, st, pool, k) }, 0},
		{"unknown:idle since a lock ended long ago", func(k string) { attempts(t, st, pool, k, at(0), 3) }, 0},
		{"send:quiet since exactly IdleBefore", func(k string) { attempts(t, st, pool, k, cleanupIdle, 1) }, 1},
		{"custom:attempted recently", func(k string) { attempts(t, st, pool, k, cleanupNow.Add(-30*time.Minute), 2) }, 2},
		{"locked at now", func(k string) { attempts(t, st, pool, k, cleanupNow.Add(-30*time.Second), 3) }, 3},
		{"whose lock ended after IdleBefore", func(k string) {
			attempts(t, st, pool, k, cleanupIdle.Add(-30*time.Second), 3) // locked until IdleBefore+30s
		}, 3},
		{"at the hard limit long ago", func(k string) {
			// Each attempt after the third waits for the lock to end.
			attempts(t, st, pool, k, at(0), 3)
			attempts(t, st, pool, k, at(time.Minute), 1)
			attempts(t, st, pool, k, at(3*time.Minute), 1)
		}, 5},
	}
	for _, k := range keys {
		k.make(k.key)
	}
	cleanup(t, st, pool, cleanupParams(100), 2)
	for _, k := range keys {
		if got := failuresKept(t, st, pool, k.key); got != k.want {
			t.Errorf("key %q: %d failures stored after Cleanup, want %d", k.key, got, k.want)
		}
	}
	// The hard-limited key is still refused, as before Cleanup.
	wantAttempt(t, st, pool, "at the hard limit long ago", cleanupNow.Add(time.Hour), cleanupPolicy, false, 0, at(7*time.Minute))
}

func testCleanupKeepsFamilies(t *testing.T, st store.Store, pool string) {
	f := store.RefreshFamily{PoolID: pool, ID: randomID(t, "fam-"), Subject: createSubject(t, st, pool),
		ClientID: "client-1", CreatedAt: at(0), ExpiresAt: at(time.Hour)}
	wantOK(t, "CreateFamily", st.CreateFamily(t.Context(), f, randomHash(t)))
	wantOK(t, "RevokeFamily", st.RevokeFamily(t.Context(), pool, f.ID, at(time.Minute)))
	cleanup(t, st, pool, cleanupParams(100), 0)
	_, err := st.GetFamily(t.Context(), pool, f.ID)
	wantOK(t, "GetFamily after Cleanup", err)
}

func testCleanupOtherPools(t *testing.T, st store.Store, pool string) {
	other := randomID(t, "pool-")
	sub, otherSub := createSubject(t, st, pool), createSubject(t, st, other)
	expiringSession(t, st, pool, sub, at(time.Minute))
	expiringCode(t, st, pool, sub, at(time.Minute))
	idleKey(t, st, pool, "k")
	as := expiringSession(t, st, other, otherSub, at(time.Minute))
	c := expiringCode(t, st, other, otherSub, at(time.Minute))
	idleKey(t, st, other, "k")

	cleanup(t, st, pool, cleanupParams(100), 3)
	if got := failuresKept(t, st, other, "k"); got != 2 {
		t.Errorf("the other pool's key has %d failures stored, want 2", got)
	}
	if !sessionKept(t, st, as) {
		t.Error("the other pool's session was removed")
	}
	if !codeKept(t, st, c) {
		t.Error("the other pool's code was removed")
	}
}

func testCleanupLimit(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	var sessions []store.AuthSession
	var codes []store.Code
	for i := range 4 {
		sessions = append(sessions, expiringSession(t, st, pool, sub, at(time.Minute)))
		if i < 3 {
			codes = append(codes, expiringCode(t, st, pool, sub, at(time.Minute)))
			idleKey(t, st, pool, fmt.Sprintf("unknown:%d", i))
		}
	}
	liveSession := expiringSession(t, st, pool, sub, cleanupNow.Add(time.Hour))
	liveCode := expiringCode(t, st, pool, sub, cleanupNow.Add(time.Hour))
	attempts(t, st, pool, "recent", cleanupNow, 1)

	// Ten records may go: a call removes the limit while that many are
	// left, and fewer only once nothing is.
	var got []int
	for range 6 {
		n, err := st.Cleanup(t.Context(), pool, cleanupParams(3))
		wantOK(t, "Cleanup", err)
		got = append(got, n)
		if n < 3 {
			break
		}
	}
	if want := []int{3, 3, 3, 1}; !slices.Equal(got, want) {
		t.Fatalf("Cleanup calls with limit 3 removed %v records, want %v", got, want)
	}
	cleanup(t, st, pool, cleanupParams(3), 0)
	for _, as := range sessions {
		if sessionKept(t, st, as) {
			t.Error("an expired session is still stored")
		}
	}
	for i, c := range codes {
		if codeKept(t, st, c) {
			t.Error("an expired code is still stored")
		}
		if n := failuresKept(t, st, pool, fmt.Sprintf("unknown:%d", i)); n != 0 {
			t.Errorf("an idle key has %d failures stored", n)
		}
	}
	if !sessionKept(t, st, liveSession) || !codeKept(t, st, liveCode) || failuresKept(t, st, pool, "recent") != 1 {
		t.Error("a live record was removed")
	}
}

// testCleanupRacesPutCode: a code put again between Cleanup choosing the
// expired code and deleting it is a live code and must stay.
func testCleanupRacesPutCode(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	for round := range 10 {
		old := expiringCode(t, st, pool, sub, at(time.Minute))
		fresh := old
		fresh.Hash = randomHash(t)
		fresh.ExpiresAt = cleanupNow.Add(time.Hour)
		errs := race(2, func(i int) error {
			if i == 0 {
				return st.PutCode(t.Context(), fresh)
			}
			_, err := st.Cleanup(t.Context(), pool, cleanupParams(10))
			return err
		})
		tally(t, "PutCode racing Cleanup", errs, 2, func(error) bool { return false })
		if !codeKept(t, st, fresh) {
			t.Fatalf("round %d: the code put again was removed", round)
		}
	}
}

func testCleanupMalformed(t *testing.T, st store.Store, pool string) {
	good := cleanupParams(10)
	for _, tc := range []struct {
		what string
		pool string
		edit func(*store.CleanupParams)
	}{
		{"an empty pool id", "", func(*store.CleanupParams) {}},
		{"a zero limit", pool, func(p *store.CleanupParams) { p.Limit = 0 }},
		{"a negative limit", pool, func(p *store.CleanupParams) { p.Limit = -1 }},
		{"a zero now", pool, func(p *store.CleanupParams) { p.Now = time.Time{} }},
		{"a zero idle-before", pool, func(p *store.CleanupParams) { p.IdleBefore = time.Time{} }},
		{"idle-before after now", pool, func(p *store.CleanupParams) { p.IdleBefore = p.Now.Add(time.Second) }},
		{"negative keep-failures", pool, func(p *store.CleanupParams) { p.KeepFailures = -1 }},
	} {
		p := good
		tc.edit(&p)
		n, err := st.Cleanup(t.Context(), tc.pool, p)
		wantErr(t, "Cleanup with "+tc.what, err, store.ErrInvalid)
		if n != 0 {
			t.Errorf("Cleanup with %s removed %d records", tc.what, n)
		}
	}
}
