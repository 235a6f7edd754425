package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
)

// Each Cleanup statement must be able to find its rows through an index on
// (pool_id, time) and delete them by ctid, not by walking the table. The
// test tables are tiny, so sequential scans are priced out to ask the
// planner what it can do rather than what it prefers at this size.
func TestCleanupCanPickRowsFromAnIndex(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, postgrestest.FreshSchemaDSN(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	now := time.Date(2031, time.March, 14, 15, 0, 0, 0, time.UTC)
	p := store.CleanupParams{Now: now, IdleBefore: now.Add(-time.Hour), KeepFailures: 100, Limit: 500}
	wantIndex := map[string]string{
		"auth sessions": "auth_sessions_pool_expires_idx",
		"codes":         "codes_pool_expires_idx",
		"lockouts":      "lockouts_pool_locked_until_idx",
	}
	for _, st := range cleanupSteps("p", p) {
		t.Run(st.what, func(t *testing.T) {
			var plan []string
			err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
					return err
				}
				rows, err := tx.Query(ctx, "EXPLAIN "+st.query, append(st.args, p.Limit)...)
				if err != nil {
					return err
				}
				plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
				return err
			})
			if err != nil {
				t.Fatalf("explain: %v", err)
			}
			joined := strings.Join(plan, "\n")
			if !strings.Contains(joined, "Tid Scan") {
				t.Errorf("the delete does not go by ctid:\n%s", joined)
			}
			if !strings.Contains(joined, wantIndex[st.what]) {
				t.Errorf("the rows are not picked from %s:\n%s", wantIndex[st.what], joined)
			}
		})
	}
}
