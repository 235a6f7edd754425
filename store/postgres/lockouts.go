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

// BeginAttempts implements store.Lockouts in one transaction, the rows of
// the counted keys locked in the order given (peeked keys are read, not
// locked).
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
//
// A key without a row is inserted with the decided state in one upsert
// whose ON CONFLICT branch, when a concurrent attempt inserted the row
// first, locks and returns that row instead (xmax = 0 tells an inserted
// row from a locked one); the state is then decided again from it. No
// interleaving of attempts and clears can make the row vanish between
// the two.
func beginAttempt(ctx context.Context, tx pgx.Tx, poolID string, now time.Time, k store.AttemptKey) (store.Attempt, error) {
	lock := " FOR UPDATE"
	if k.Peek {
		lock = ""
	}
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
	if !found && a.Allowed && !k.Peek {
		var inserted bool
		err := tx.QueryRow(ctx, `INSERT INTO lockouts (pool_id, key, failures, last_attempt, locked_until)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (pool_id, key) DO UPDATE SET key = lockouts.key
			RETURNING xmax = 0, failures, last_attempt, locked_until`,
			poolID, k.Key, next.Failures, ts(next.LastAttempt), ts(next.LockedUntil)).Scan(&inserted, &prev.Failures, &last, &lockedUntil)
		if err != nil || inserted {
			a.LockedUntil = norm(a.LockedUntil)
			return a, err
		}
		// A concurrent first attempt inserted the row: it is locked now.
		found = true
		prev.LastAttempt, prev.LockedUntil = fromTS(last), fromTS(lockedUntil)
		next, a = k.Policy.Decide(prev, now)
	}
	a.LockedUntil = norm(a.LockedUntil)
	if !a.Allowed || k.Peek || !found {
		return a, nil
	}
	_, err = tx.Exec(ctx, `UPDATE lockouts SET failures = $3, last_attempt = $4, locked_until = $5
		WHERE pool_id = $1 AND key = $2`, poolID, k.Key, next.Failures, ts(next.LastAttempt), ts(next.LockedUntil))
	return a, err
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

// ClearAttempts forgets the keys' counts after a success, in one DELETE
// that locks the rows in the order the keys are given. BeginAttempts locks
// its keys in its own order, most specific first, and a clear given the
// same keys in the same order never waits on it the other way round (a
// DELETE of key = ANY(…) alone locks in index order, which deadlocked with
// a concurrent attempt on the same account). A deadlock or serialization
// failure, still possible with a caller using another order, runs the
// statement again.
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
	for attempt := 1; ; attempt++ {
		_, err := s.execWrite(ctx, `DELETE FROM lockouts WHERE pool_id = $1 AND key IN (
			SELECT key FROM lockouts WHERE pool_id = $1 AND key = ANY($2)
			ORDER BY array_position($2, key) FOR UPDATE)`, poolID, keep)
		if err == nil || !retryable(err) || attempt >= maxTxAttempts {
			return wrap("clear attempts", err)
		}
		s.log.DebugContext(ctx, "retrying clear attempts", "attempt", attempt, "err", err)
	}
}
