package postgres

import (
	"context"
	"errors"
	"slices"
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
	as, err := s.BeginAttempts(ctx, poolID, now, store.AttemptKey{Key: key, Policy: p})
	if err != nil {
		return store.Attempt{}, err
	}
	return as[0], nil
}

// BeginAttempts implements store.Lockouts in one transaction, the keys'
// rows locked in the order given.
func (s *Store) BeginAttempts(ctx context.Context, poolID string, now time.Time, keys ...store.AttemptKey) ([]store.Attempt, error) {
	const op = "begin attempt"
	switch {
	case poolID == "":
		return nil, invalid(op, "pool id is empty")
	case slices.ContainsFunc(keys, func(k store.AttemptKey) bool { return k.Key == "" }):
		return nil, invalid(op, "key is empty")
	}
	var out []store.Attempt
	err := s.inTx(ctx, op, func(tx pgx.Tx) (error, error) {
		out = make([]store.Attempt, 0, len(keys)) // a retried transaction starts afresh
		for _, k := range keys {
			a, err := beginAttempt(ctx, tx, poolID, now, k)
			if err != nil {
				return nil, err
			}
			if out = append(out, a); !a.Allowed {
				return nil, nil
			}
		}
		return nil, nil
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// beginAttempt decides an attempt on one key within tx, the key's row
// locked from the read to the write, and stores its next state unless
// the attempt was refused or the key is only peeked at.
func beginAttempt(ctx context.Context, tx pgx.Tx, poolID string, now time.Time, k store.AttemptKey) (store.Attempt, error) {
	lock := " FOR UPDATE"
	if k.Peek {
		lock = ""
	}
	// The row is inserted by a key's first attempt; losing that race to
	// a concurrent first attempt means going round once more to lock it.
	for range 3 {
		var (
			prev              store.LockoutState
			last, lockedUntil pgtype.Timestamptz
		)
		err := tx.QueryRow(ctx, `SELECT failures, last_attempt, locked_until FROM lockouts
			WHERE pool_id = $1 AND key = $2`+lock, poolID, k.Key).Scan(&prev.Failures, &last, &lockedUntil)
		found := !errors.Is(err, pgx.ErrNoRows)
		if found && err != nil {
			return store.Attempt{}, err
		}
		prev.LastAttempt, prev.LockedUntil = fromTS(last), fromTS(lockedUntil)
		next, a := k.Policy.Decide(prev, now)
		a.LockedUntil = norm(a.LockedUntil)
		if !a.Allowed || k.Peek {
			return a, nil
		}
		if found {
			_, err = tx.Exec(ctx, `UPDATE lockouts SET failures = $3, last_attempt = $4, locked_until = $5
				WHERE pool_id = $1 AND key = $2`, poolID, k.Key, next.Failures, ts(next.LastAttempt), ts(next.LockedUntil))
			return a, err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO lockouts (pool_id, key, failures, last_attempt, locked_until)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
			poolID, k.Key, next.Failures, ts(next.LastAttempt), ts(next.LockedUntil))
		if err != nil {
			return store.Attempt{}, err
		}
		if tag.RowsAffected() == 1 {
			return a, nil
		}
		// A concurrent first attempt inserted the row: lock it.
	}
	return store.Attempt{}, errors.New("lockout row keeps disappearing")
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
