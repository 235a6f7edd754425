package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cupola-auth/cupola/store"
)

// BeginAttempt registers a sign-in attempt on key before the credential is
// checked, as p.Decide rules, in a transaction that holds the key's row
// locked from the read to the write, so parallel guesses are counted one
// after another.
func (s *Store) BeginAttempt(ctx context.Context, poolID, key string, now time.Time, p store.LockoutPolicy) (store.Attempt, error) {
	const op = "begin attempt"
	switch {
	case poolID == "":
		return store.Attempt{}, invalid(op, "pool id is empty")
	case key == "":
		return store.Attempt{}, invalid(op, "key is empty")
	}
	var out store.Attempt
	err := s.inTx(ctx, op, func(tx pgx.Tx) (error, error) {
		// The row is inserted by a key's first attempt; losing that race to
		// a concurrent first attempt means going round once more to lock it.
		for range 3 {
			var (
				prev              store.LockoutState
				last, lockedUntil pgtype.Timestamptz
			)
			err := tx.QueryRow(ctx, `SELECT failures, last_attempt, locked_until FROM lockouts
				WHERE pool_id = $1 AND key = $2 FOR UPDATE`, poolID, key).Scan(&prev.Failures, &last, &lockedUntil)
			found := !errors.Is(err, pgx.ErrNoRows)
			if found && err != nil {
				return nil, err
			}
			prev.LastAttempt, prev.LockedUntil = fromTS(last), fromTS(lockedUntil)
			next, a := p.Decide(prev, now)
			out = a
			out.LockedUntil = norm(a.LockedUntil)
			if !a.Allowed {
				return nil, nil
			}
			if found {
				_, err = tx.Exec(ctx, `UPDATE lockouts SET failures = $3, last_attempt = $4, locked_until = $5
					WHERE pool_id = $1 AND key = $2`, poolID, key, next.Failures, ts(next.LastAttempt), ts(next.LockedUntil))
				return nil, err
			}
			tag, err := tx.Exec(ctx, `INSERT INTO lockouts (pool_id, key, failures, last_attempt, locked_until)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
				poolID, key, next.Failures, ts(next.LastAttempt), ts(next.LockedUntil))
			if err != nil {
				return nil, err
			}
			if tag.RowsAffected() == 1 {
				return nil, nil
			}
			// A concurrent first attempt inserted the row: lock it.
		}
		return nil, errors.New("lockout row keeps disappearing")
	})
	if err != nil {
		return store.Attempt{}, wrap(op, err)
	}
	return out, nil
}

// PeekAttempt reports what BeginAttempt would decide, changing nothing.
func (s *Store) PeekAttempt(ctx context.Context, poolID, key string, now time.Time, p store.LockoutPolicy) (store.Attempt, error) {
	const op = "peek attempt"
	switch {
	case poolID == "":
		return store.Attempt{}, invalid(op, "pool id is empty")
	case key == "":
		return store.Attempt{}, invalid(op, "key is empty")
	}
	var (
		prev              store.LockoutState
		last, lockedUntil pgtype.Timestamptz
	)
	err := s.pool.QueryRow(ctx, `SELECT failures, last_attempt, locked_until FROM lockouts WHERE pool_id = $1 AND key = $2`,
		poolID, key).Scan(&prev.Failures, &last, &lockedUntil)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return store.Attempt{}, wrap(op, err)
	}
	prev.LastAttempt, prev.LockedUntil = fromTS(last), fromTS(lockedUntil)
	_, a := p.Decide(prev, now)
	a.LockedUntil = norm(a.LockedUntil)
	return a, nil
}

// ClearAttempts forgets the keys' counts after a success, in one DELETE.
func (s *Store) ClearAttempts(ctx context.Context, poolID string, keys ...string) error {
	keep := make([]string, 0, len(keys))
	for _, k := range keys {
		if storable(poolID, k) {
			keep = append(keep, k)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM lockouts WHERE pool_id = $1 AND key = ANY($2)`, poolID, keep)
	return wrap("clear attempts", err)
}
