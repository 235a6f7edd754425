package postgres

import (
	"context"
	"fmt"
	"math"

	"github.com/cupola-auth/cupola/store"
)

// cleanupStep is one DELETE of Cleanup; its last parameter, the LIMIT, is
// appended when it runs.
type cleanupStep struct {
	what  string
	query string
	args  []any
}

// cleanupSteps are Cleanup's statements: the contract's expiry and
// p.Forgets, written in SQL. PostgreSQL has no DELETE … LIMIT, so each
// deletes the rows (by ctid, a TID scan) that a LIMITed subquery picks,
// from an index on (pool_id, time) (migration 0004) when few of the rows
// qualify. A picked row may be rewritten before the delete reaches it (a
// code put again, an attempt counted): READ COMMITTED then re-checks the
// newest version against the outer WHERE, where a TID scan's ctid
// condition is not to be relied on, so the conditions are repeated there
// and a row is only deleted in a state Cleanup may delete.
// A lockout row's lock never ends before its last attempt
// (LockoutPolicy.Decide), so the index on locked_until bounds the walk;
// p.Check makes IdleBefore at most Now, so a lock that ended before
// IdleBefore has ended at Now. A row with NULL times (only a zero now
// writes one) is kept, which is always safe. Auth events go only when
// p.EventsBefore sets a retention cutoff, picked from their
// (pool_id, created_at) index (migration 0007).
func cleanupSteps(poolID string, p store.CleanupParams) []cleanupStep {
	// Without a hard limit no count is high enough to keep a key.
	keepFailures := p.KeepFailures
	if keepFailures == 0 || keepFailures > math.MaxInt32 {
		keepFailures = math.MaxInt32
	}
	steps := []cleanupStep{
		{"auth sessions", `DELETE FROM auth_sessions WHERE ctid = ANY(ARRAY(
				SELECT ctid FROM auth_sessions WHERE pool_id = $1 AND expires_at <= $2 LIMIT $3))
			AND pool_id = $1 AND expires_at <= $2`,
			[]any{poolID, ts(p.Now)}},
		{"codes", `DELETE FROM codes WHERE ctid = ANY(ARRAY(
				SELECT ctid FROM codes WHERE pool_id = $1 AND expires_at <= $2 LIMIT $3))
			AND pool_id = $1 AND expires_at <= $2`,
			[]any{poolID, ts(p.Now)}},
		{"outbox", `DELETE FROM outbox WHERE ctid = ANY(ARRAY(
				SELECT ctid FROM outbox WHERE pool_id = $1 AND expires_at <= $2 LIMIT $3))
			AND pool_id = $1 AND expires_at <= $2`,
			[]any{poolID, ts(p.Now)}},
		{"lockouts", `DELETE FROM lockouts WHERE ctid = ANY(ARRAY(
				SELECT ctid FROM lockouts WHERE pool_id = $1 AND locked_until < $2
					AND last_attempt < $2 AND failures < $3 LIMIT $4))
			AND pool_id = $1 AND locked_until < $2 AND last_attempt < $2 AND failures < $3`,
			[]any{poolID, ts(p.IdleBefore), keepFailures}},
	}
	if !p.EventsBefore.IsZero() {
		steps = append(steps, cleanupStep{"auth events", `DELETE FROM auth_events WHERE ctid = ANY(ARRAY(
				SELECT ctid FROM auth_events WHERE pool_id = $1 AND created_at < $2 LIMIT $3))
			AND pool_id = $1 AND created_at < $2`,
			[]any{poolID, ts(p.EventsBefore)}})
	}
	return steps
}

// Cleanup implements store.Cleaner with one DELETE per kind, each a
// transaction of its own, so no row lock is held longer than one bounded
// statement.
func (s *Store) Cleanup(ctx context.Context, poolID string, p store.CleanupParams) (int, error) {
	const op = "cleanup"
	if poolID == "" {
		return 0, invalid(op, "pool id is empty")
	}
	if err := p.Check(); err != nil {
		return 0, invalid(op, err.Error())
	}
	if !storable(poolID) {
		return 0, nil // no row can have this pool ID
	}
	removed := 0
	for _, st := range cleanupSteps(poolID, p) {
		if removed == p.Limit {
			break
		}
		tag, err := s.pool.Exec(ctx, st.query, append(st.args, p.Limit-removed)...)
		if err != nil {
			return removed, wrap(fmt.Sprintf("%s: %s", op, st.what), err)
		}
		removed += int(tag.RowsAffected())
	}
	return removed, nil
}
