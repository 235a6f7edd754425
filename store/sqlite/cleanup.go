package sqlite

import (
	"context"
	"fmt"

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
// p.Forgets, written in SQL. SQLite's DELETE … LIMIT needs a compile
// option, so each deletes the keys a LIMITed subquery picks; the subquery
// walks an index on (pool_id, time) (migrations 0004, 0005 and 0007), so
// it visits little besides the rows it deletes. Auth events go only when
// p.EventsBefore sets a retention cutoff. A lockout row's lock never ends before its
// last attempt (LockoutPolicy.Decide), so the index on locked_until
// bounds the walk, and last_attempt is checked on the rows it finds;
// p.Check makes IdleBefore at most Now, so a lock that ended before
// IdleBefore has ended at Now. A row with NULL times (only a zero now
// writes one) is kept, which is always safe.
func cleanupSteps(poolID string, p store.CleanupParams) []cleanupStep {
	// Without a hard limit no count is high enough to keep a key.
	keepFailures := int64(p.KeepFailures)
	if keepFailures == 0 {
		keepFailures = 1 << 62
	}
	now, idle := toMicros(p.Now), toMicros(p.IdleBefore)
	steps := []cleanupStep{
		{"auth sessions", `DELETE FROM auth_sessions WHERE rowid IN
			(SELECT rowid FROM auth_sessions WHERE pool_id = ? AND expires_at <= ? LIMIT ?)`,
			[]any{poolID, now}},
		{"codes", `DELETE FROM codes WHERE pool_id = ? AND (subject, purpose) IN
			(SELECT subject, purpose FROM codes WHERE pool_id = ? AND expires_at <= ? LIMIT ?)`,
			[]any{poolID, poolID, now}},
		{"outbox", `DELETE FROM outbox WHERE pool_id = ? AND id IN
			(SELECT id FROM outbox WHERE pool_id = ? AND expires_at <= ? LIMIT ?)`,
			[]any{poolID, poolID, now}},
		{"lockouts", `DELETE FROM lockouts WHERE pool_id = ? AND key IN
			(SELECT key FROM lockouts WHERE pool_id = ? AND locked_until < ?
				AND last_attempt < ? AND failures < ? LIMIT ?)`,
			[]any{poolID, poolID, idle, idle, keepFailures}},
	}
	if !p.EventsBefore.IsZero() {
		steps = append(steps, cleanupStep{"auth events", `DELETE FROM auth_events WHERE rowid IN
			(SELECT rowid FROM auth_events WHERE pool_id = ? AND created_at < ? LIMIT ?)`,
			[]any{poolID, toMicros(p.EventsBefore)}})
	}
	return steps
}

// Cleanup implements store.Cleaner with one DELETE per kind, each its own
// short write transaction on the writer, so sign-ins queued behind it wait
// for one bounded statement at most. A statement is atomic on the single
// writer: a row rewritten after its subquery picked it cannot be deleted.
func (s *Store) Cleanup(ctx context.Context, poolID string, p store.CleanupParams) (int, error) {
	if poolID == "" {
		return 0, fmt.Errorf("sqlite: cleanup: %w: pool id missing", store.ErrInvalid)
	}
	if err := p.Check(); err != nil {
		return 0, fmt.Errorf("sqlite: cleanup: %w: %s", store.ErrInvalid, err)
	}
	removed := 0
	for _, st := range cleanupSteps(poolID, p) {
		if removed == p.Limit {
			break
		}
		res, err := s.writeExec(ctx, st.query, append(st.args, p.Limit-removed)...)
		if err != nil {
			return removed, fmt.Errorf("sqlite: cleanup: %s: %w", st.what, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return removed, fmt.Errorf("sqlite: cleanup: %s: %w", st.what, err)
		}
		removed += int(n)
	}
	return removed, nil
}
