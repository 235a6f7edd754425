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
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var (
			prev          store.LockoutState
			last, lockEnd sql.NullInt64
		)
		err := tx.QueryRowContext(ctx, `SELECT failures, last_attempt, locked_until FROM lockouts WHERE pool_id = ? AND key = ?`,
			poolID, key).Scan(&prev.Failures, &last, &lockEnd)
		// A key without a row has never been attempted: the zero state.
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		prev.LastAttempt, prev.LockedUntil = fromMicros(last), fromMicros(lockEnd)
		var next store.LockoutState
		next, a = p.Decide(prev, now)
		a.LockedUntil = normTime(a.LockedUntil)
		if !a.Allowed {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO lockouts (pool_id, key, failures, last_attempt, locked_until)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (pool_id, key) DO UPDATE SET failures = excluded.failures,
				last_attempt = excluded.last_attempt, locked_until = excluded.locked_until`,
			poolID, key, next.Failures, toMicros(next.LastAttempt), toMicros(next.LockedUntil))
		return err
	})
	if err != nil {
		return store.Attempt{}, fmt.Errorf("sqlite: begin attempt: %w", err)
	}
	return a, nil
}

// PeekAttempt implements store.Lockouts with one read, off the writer.
func (s *Store) PeekAttempt(ctx context.Context, poolID, key string, now time.Time, p store.LockoutPolicy) (store.Attempt, error) {
	if poolID == "" || key == "" {
		return store.Attempt{}, fmt.Errorf("sqlite: peek attempt: %w: needs pool id and key", store.ErrInvalid)
	}
	var (
		prev          store.LockoutState
		last, lockEnd sql.NullInt64
	)
	err := s.reader.QueryRowContext(ctx, `SELECT failures, last_attempt, locked_until FROM lockouts WHERE pool_id = ? AND key = ?`,
		poolID, key).Scan(&prev.Failures, &last, &lockEnd)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return store.Attempt{}, fmt.Errorf("sqlite: peek attempt: %w", err)
	}
	prev.LastAttempt, prev.LockedUntil = fromMicros(last), fromMicros(lockEnd)
	_, a := p.Decide(prev, now)
	a.LockedUntil = normTime(a.LockedUntil)
	return a, nil
}

// ClearAttempts implements store.Lockouts in one write. An unknown key is
// not an error.
func (s *Store) ClearAttempts(ctx context.Context, poolID string, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, key := range keys {
			if _, err := tx.ExecContext(ctx, `DELETE FROM lockouts WHERE pool_id = ? AND key = ?`, poolID, key); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: clear attempts: %w", err)
	}
	return nil
}
