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
// checked, in a transaction that holds the key's row locked, so parallel
// guesses are counted one after another: a locked key is refused and
// nothing changes; otherwise the count (reset after p.ResetAfter without
// attempts) goes up by one and the key is locked for p.LockFor(count).
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
				failures          int
				last, lockedUntil pgtype.Timestamptz
			)
			err := tx.QueryRow(ctx, `SELECT failures, last_attempt, locked_until FROM lockouts
				WHERE pool_id = $1 AND key = $2 FOR UPDATE`, poolID, key).Scan(&failures, &last, &lockedUntil)
			if errors.Is(err, pgx.ErrNoRows) {
				out = store.Attempt{Allowed: true, Failures: 1, LockedUntil: norm(now.Add(p.LockFor(1)))}
				tag, err := tx.Exec(ctx, `INSERT INTO lockouts (pool_id, key, failures, last_attempt, locked_until)
					VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
					poolID, key, out.Failures, ts(now), ts(out.LockedUntil))
				if err != nil {
					return nil, err
				}
				if tag.RowsAffected() == 1 {
					return nil, nil
				}
				continue // a concurrent first attempt inserted the row: lock it
			}
			if err != nil {
				return nil, err
			}
			if lockedUntil.Valid && now.Before(lockedUntil.Time) {
				out = store.Attempt{Allowed: false, Failures: failures, LockedUntil: fromTS(lockedUntil)}
				return nil, nil
			}
			if last.Valid && now.Sub(last.Time) > p.ResetAfter {
				failures = 0
			}
			failures++
			out = store.Attempt{Allowed: true, Failures: failures, LockedUntil: norm(now.Add(p.LockFor(failures)))}
			_, err = tx.Exec(ctx, `UPDATE lockouts SET failures = $3, last_attempt = $4, locked_until = $5
				WHERE pool_id = $1 AND key = $2`, poolID, key, failures, ts(now), ts(out.LockedUntil))
			return nil, err
		}
		return nil, errors.New("lockout row keeps disappearing")
	})
	if err != nil {
		return store.Attempt{}, wrap(op, err)
	}
	return out, nil
}

// ClearAttempts forgets the key's count after a success.
func (s *Store) ClearAttempts(ctx context.Context, poolID, key string) error {
	if !storable(poolID, key) {
		return nil
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM lockouts WHERE pool_id = $1 AND key = $2`, poolID, key)
	return wrap("clear attempts", err)
}
