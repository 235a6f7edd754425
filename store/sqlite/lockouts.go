package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// BeginAttempt implements store.Lockouts. The counter is read and written
// in one write transaction, so parallel attempts are each counted.
func (s *Store) BeginAttempt(ctx context.Context, poolID, key string, now time.Time, p store.LockoutPolicy) (store.Attempt, error) {
	if poolID == "" || key == "" {
		return store.Attempt{}, fmt.Errorf("sqlite: begin attempt: %w: needs pool id and key", store.ErrInvalid)
	}
	var a store.Attempt
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var (
			failures      int
			last, lockEnd sql.NullInt64
		)
		err := tx.QueryRowContext(ctx, `SELECT failures, last_attempt, locked_until FROM lockouts WHERE pool_id = ? AND key = ?`,
			poolID, key).Scan(&failures, &last, &lockEnd)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			failures = 0
		case err != nil:
			return err
		default:
			if lu := fromMicros(lockEnd); now.Before(lu) {
				a = store.Attempt{Allowed: false, Failures: failures, LockedUntil: lu}
				return nil
			}
			if now.Sub(fromMicros(last)) > p.ResetAfter {
				failures = 0
			}
		}
		failures++
		a = store.Attempt{Allowed: true, Failures: failures, LockedUntil: normTime(now.Add(p.LockFor(failures)))}
		_, err = tx.ExecContext(ctx, `INSERT INTO lockouts (pool_id, key, failures, last_attempt, locked_until)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (pool_id, key) DO UPDATE SET failures = excluded.failures,
				last_attempt = excluded.last_attempt, locked_until = excluded.locked_until`,
			poolID, key, failures, toMicros(now), toMicros(a.LockedUntil))
		return err
	})
	if err != nil {
		return store.Attempt{}, fmt.Errorf("sqlite: begin attempt: %w", err)
	}
	return a, nil
}

// ClearAttempts implements store.Lockouts. An unknown key is not an error.
func (s *Store) ClearAttempts(ctx context.Context, poolID, key string) error {
	if _, err := s.writer.ExecContext(ctx, `DELETE FROM lockouts WHERE pool_id = ? AND key = ?`, poolID, key); err != nil {
		return fmt.Errorf("sqlite: clear attempts: %w", err)
	}
	return nil
}
