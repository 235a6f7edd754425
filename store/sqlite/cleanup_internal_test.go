package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// Each Cleanup statement runs on the single writer, so it must find its
// rows through an index on (pool_id, time), not by walking the pool.
func TestCleanupPicksRowsFromAnIndex(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "cupola.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2031, time.March, 14, 15, 0, 0, 0, time.UTC)
	p := store.CleanupParams{Now: now, IdleBefore: now.Add(-time.Hour), EventsBefore: now.Add(-90 * 24 * time.Hour),
		KeepFailures: 100, Limit: 500}
	wantIndex := map[string]string{
		"auth events":   "auth_events_by_pool_creation",
		"auth sessions": "auth_sessions_by_pool_expiry",
		"codes":         "codes_by_pool_expiry",
		"lockouts":      "lockouts_by_pool_lock_end",
		"outbox":        "outbox_by_pool_expiry",
	}
	check := func(t *testing.T) {
		steps := cleanupSteps("p", p)
		if len(steps) != len(wantIndex) {
			t.Fatalf("Cleanup has %d steps, want %d: one for each kind of wantIndex", len(steps), len(wantIndex))
		}
		for _, st := range steps {
			t.Run(st.what, func(t *testing.T) {
				plan := queryPlan(t, s.writer, st.query, append(st.args, p.Limit))
				joined := strings.Join(plan, "; ")
				if !strings.Contains(joined, wantIndex[st.what]+" (pool_id=? AND ") {
					t.Errorf("plan does not pick rows from %s by pool and time: %q", wantIndex[st.what], plan)
				}
				for _, step := range plan {
					if strings.HasPrefix(step, "SCAN ") {
						t.Errorf("plan step %q walks a table; plan: %q", step, plan)
					}
				}
			})
		}
	}
	t.Run("without statistics", check)
	if _, err := s.writer.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	t.Run("after ANALYZE", check)
}

// A database written by the 0003 schema is upgraded with the cleanup
// indexes, and Cleanup then removes what that schema stored.
func TestUpgradeFrom0003CleansUpWhatItStored(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "cupola.db")
	db := rawDB(t, path)
	fsys, steps := embeddedUpTo(t, 3)
	if err := migrate(ctx, db, fsys, steps, discard); err != nil {
		t.Fatalf("migrate to 0003: %v", err)
	}
	now := time.Date(2031, time.March, 14, 15, 0, 0, 0, time.UTC)
	old, recent := toMicros(now.Add(-2*time.Hour)), toMicros(now.Add(-time.Minute))
	for _, q := range []struct {
		query string
		args  []any
	}{
		{`INSERT INTO users (pool_id, sub, username, username_key, status, enabled, attributes, aliases,
			password_hash, srp_salt, srp_verifier, password_temporary, version, mfa)
			VALUES ('p', 'sub', 'u', 'u', 'CONFIRMED', 1, 'null', 'null', '', '', '', 0, 1, '')`, nil},
		{`INSERT INTO auth_sessions (pool_id, id, subject, client_id, challenge, expires_at)
			VALUES ('p', 'expired', 'sub', 'c', 'SMS_MFA', ?), ('p', 'live', 'sub', 'c', 'SMS_MFA', ?)`,
			[]any{old, toMicros(now.Add(time.Minute))}},
		{`INSERT INTO codes (pool_id, subject, purpose, hash, value, attempts, expires_at)
			VALUES ('p', 'sub', 'signup', x'01', '', 0, ?), ('p', 'sub', 'forgot_password', x'02', '', 0, ?)`,
			[]any{old, toMicros(now.Add(time.Minute))}},
		{`INSERT INTO lockouts (pool_id, key, failures, last_attempt, locked_until)
			VALUES ('p', 'unknown:idle', 2, ?, ?), ('p', 'recent', 2, ?, ?), ('p', 'hard', 100, ?, ?)`,
			[]any{old, old, recent, recent, old, old}},
	} {
		if _, err := db.ExecContext(ctx, q.query, q.args...); err != nil {
			t.Fatalf("write as 0003 did: %v", err)
		}
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open (upgrade): %v", err)
	}
	defer s.Close()
	if got := versions(t, s.reader.DB); got[len(got)-1] < 4 {
		t.Fatalf("versions after the upgrade = %v, want 4 or later", got)
	}
	n, err := s.Cleanup(ctx, "p", store.CleanupParams{Now: now, IdleBefore: now.Add(-time.Hour), KeepFailures: 100, Limit: 10})
	if err != nil || n != 3 {
		t.Fatalf("Cleanup = %d, %v; want 3 records removed", n, err)
	}
	for _, q := range []struct {
		table string
		want  string
	}{
		{"auth_sessions", "live"},
		{"codes", "forgot_password"},
		{"lockouts", "hard,recent"},
	} {
		col := map[string]string{"auth_sessions": "id", "codes": "purpose", "lockouts": "key"}[q.table]
		var got string
		if err := s.reader.QueryRowContext(ctx, `SELECT group_concat(`+col+`, ',') FROM (SELECT `+col+` FROM `+q.table+` ORDER BY 1)`).
			Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != q.want {
			t.Errorf("%s left after Cleanup: %q, want %q", q.table, got, q.want)
		}
	}
}
