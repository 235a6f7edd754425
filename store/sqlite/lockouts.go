package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// BeginAttempt implements store.Lockouts. The counter is read and written
// in one write transaction, so parallel attempts are each counted.
func (s *Store) BeginAttempt(ctx context.Context, poolID, key string, now time.Time, p store.LockoutPolicy) (store.Attempt, error) {
	as, err := s.BeginAttempts(ctx, poolID, now, store.AttemptKey{Key: key, Policy: p})
	if err != nil {
		return store.Attempt{}, err
	}
	return as[0], nil
}

// BeginAttempts implements store.Lockouts in one write transaction.
func (s *Store) BeginAttempts(ctx context.Context, poolID string, now time.Time, keys ...store.AttemptKey) ([]store.Attempt, error) {
	if poolID == "" || slices.ContainsFunc(keys, func(k store.AttemptKey) bool { return k.Key == "" }) {
		return nil, fmt.Errorf("sqlite: begin attempt: %w: needs pool id and keys", store.ErrInvalid)
	}
	var out []store.Attempt
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		out = make([]store.Attempt, 0, len(keys)) // a batch rerun starts afresh
		for _, k := range keys {
			a, err := beginAttempt(ctx, tx, poolID, now, k)
			if err != nil {
				return err
			}
			if out = append(out, a); !a.Allowed {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin attempt: %w", err)
	}
	return out, nil
}

// beginAttempt decides an attempt on one key within a write transaction
// and stores the key's next state unless the attempt was refused or the
// key is only peeked at.
func beginAttempt(ctx context.Context, tx execer, poolID string, now time.Time, k store.AttemptKey) (store.Attempt, error) {
	var (
		prev          store.LockoutState
		last, lockEnd sql.NullInt64
	)
	err := tx.QueryRowContext(ctx, `SELECT failures, last_attempt, locked_until FROM lockouts WHERE pool_id = ? AND key = ?`,
		poolID, k.Key).Scan(&prev.Failures, &last, &lockEnd)
	// A key without a row has never been attempted: the zero state.
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return store.Attempt{}, err
	}
	prev.LastAttempt, prev.LockedUntil = fromMicros(last), fromMicros(lockEnd)
	next, a := k.Policy.Decide(prev, now)
	a.LockedUntil = normTime(a.LockedUntil)
	if !a.Allowed || k.Peek {
		return a, nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO lockouts (pool_id, key, failures, last_attempt, locked_until)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (pool_id, key) DO UPDATE SET failures = excluded.failures,
			last_attempt = excluded.last_attempt, locked_until = excluded.locked_until`,
		poolID, k.Key, next.Failures, toMicros(next.LastAttempt), toMicros(next.LockedUntil))
	return a, err
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
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
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
