package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
)

// cleanupSeeds insert $2 rows of one pool, named by $1 and a number, whose
// times are all $3: the rows a Cleanup step judges.
var cleanupSeeds = map[string]string{
	"auth sessions": `INSERT INTO auth_sessions (pool_id, id, subject, client_id, challenge, expires_at)
		SELECT 'p', $1 || i, 'sub', 'c', 'SMS_MFA', $3 FROM generate_series(1, $2::int) i`,
	"codes": `INSERT INTO codes (pool_id, subject, purpose, hash, value, attempts, expires_at)
		SELECT 'p', $1 || i, 'signup', '\x01', '', 0, $3 FROM generate_series(1, $2::int) i`,
	"outbox": `INSERT INTO outbox (pool_id, id, payload, attempts, due_at, expires_at)
		SELECT 'p', $1 || i, '\x01', 0, $3, $3 FROM generate_series(1, $2::int) i`,
	"lockouts": `INSERT INTO lockouts (pool_id, key, failures, last_attempt, locked_until)
		SELECT 'p', $1 || i, 2, $3, $3 FROM generate_series(1, $2::int) i`,
	// Events reference their user, so the seed makes it first.
	"auth events": `WITH u AS (INSERT INTO users (pool_id, sub, username, username_key, status, enabled,
			password_hash, srp_salt, srp_verifier, password_temporary, version)
			VALUES ('p', $1 || 'sub', 'u', $1 || 'u', 'CONFIRMED', true, '', '', '', false, 1) RETURNING sub)
		INSERT INTO auth_events (pool_id, subject, id, type, response, created_at, risk_decision, risk_level,
			compromised_credentials_detected, ip_address, device_name, city, country, timezone, feedback, feedback_provider)
		SELECT 'p', u.sub, $1 || i, 'SignIn', 'Pass', $3, 'NoRisk', 'Low', false, '', '', '', '', '', '', ''
		FROM u, generate_series(1, $2::int) i`,
}

// Each Cleanup statement deletes by ctid what its subquery picks, and the
// subquery reads an index on (pool_id, time) when few of many rows may go,
// both with a backlog to remove and with little among many live rows.
func TestCleanupPlansDeleteByCtidAndPickFromAnIndex(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2031, time.March, 14, 15, 0, 0, 0, time.UTC)
	p := store.CleanupParams{Now: now, IdleBefore: now.Add(-time.Hour), EventsBefore: now.Add(-time.Hour),
		KeepFailures: 100, Limit: 500}
	old, live := now.Add(-3*time.Hour), now.Add(time.Hour)
	wantIndex := map[string]string{
		"auth events":   "auth_events_pool_created_idx",
		"auth sessions": "auth_sessions_pool_expires_idx",
		"codes":         "codes_pool_expires_idx",
		"lockouts":      "lockouts_pool_locked_until_idx",
		"outbox":        "outbox_pool_expires_idx",
	}
	for _, tc := range []struct {
		name          string
		removable     int
		live          int
		wantIndexPick bool
	}{
		{"a backlog to remove", 20_000, 200, false},
		{"a few to remove among many live rows", 50, 20_000, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(ctx, postgrestest.FreshSchemaDSN(t))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			steps := cleanupSteps("p", p)
			if len(steps) != len(wantIndex) {
				t.Fatalf("Cleanup has %d steps, want %d: one for each kind of wantIndex", len(steps), len(wantIndex))
			}
			for _, st := range steps {
				table := strings.ReplaceAll(st.what, " ", "_")
				for _, seed := range []struct {
					prefix string
					n      int
					at     time.Time
				}{{"old-", tc.removable, old}, {"live-", tc.live, live}} {
					if _, err := s.pool.Exec(ctx, cleanupSeeds[st.what], seed.prefix, seed.n, seed.at); err != nil {
						t.Fatalf("seed %s: %v", table, err)
					}
				}
				if _, err := s.pool.Exec(ctx, "ANALYZE "+table); err != nil {
					t.Fatal(err)
				}
				rows, err := s.pool.Query(ctx, "EXPLAIN "+st.query, append(st.args, p.Limit)...)
				if err != nil {
					t.Fatalf("explain %s: %v", st.what, err)
				}
				plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					t.Fatalf("explain %s: %v", st.what, err)
				}
				joined := strings.Join(plan, "\n")
				if !strings.Contains(joined, "Tid Scan on "+table) {
					t.Errorf("%s: the delete does not go by ctid:\n%s", st.what, joined)
				}
				if tc.wantIndexPick && !strings.Contains(joined, wantIndex[st.what]) {
					t.Errorf("%s: the rows are not picked from %s:\n%s", st.what, wantIndex[st.what], joined)
				}
			}
		})
	}
}
