package postgres

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cupola-auth/cupola/store"
)

func validCode(op string, c store.Code) error {
	switch {
	case c.PoolID == "":
		return invalid(op, "pool id is empty")
	case c.Subject == "":
		return invalid(op, "subject is empty")
	case c.Purpose == "":
		return invalid(op, "purpose is empty")
	case len(c.Hash) == 0:
		return invalid(op, "hash is empty")
	case c.ExpiresAt.IsZero():
		return invalid(op, "expiry is missing")
	}
	return nil
}

// PutCode stores the code with no attempts counted, replacing any code of
// the same subject and purpose.
func (s *Store) PutCode(ctx context.Context, c store.Code) error {
	const op = "put code"
	if err := validCode(op, c); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO codes (pool_id, subject, purpose, hash, value, attempts, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (pool_id, subject, purpose) DO UPDATE SET hash = excluded.hash,
			value = excluded.value, attempts = excluded.attempts,
			expires_at = excluded.expires_at, created_at = excluded.created_at`,
		c.PoolID, c.Subject, c.Purpose, c.Hash, c.Value, 0, ts(c.ExpiresAt), ts(c.CreatedAt))
	return wrap(op, err)
}

// ConsumeCode checks a presented code hash against the stored one, in a
// transaction that holds the code row locked, so that of concurrent
// callers exactly one consumes a code and every mismatch is counted:
// absent or expired is store.ErrNotFound (an expired code is deleted); a
// match deletes and returns the code; a mismatch counts an attempt,
// deletes the code once maxAttempts is reached, and is
// store.ErrCodeMismatch.
func (s *Store) ConsumeCode(ctx context.Context, poolID, subject, purpose string, hash []byte, now time.Time, maxAttempts int) (store.Code, error) {
	const op = "consume code"
	if !storable(poolID, subject, purpose) {
		return store.Code{}, store.ErrNotFound
	}
	var code store.Code
	err := s.inTx(ctx, op, func(tx pgx.Tx) (error, error) {
		c := store.Code{PoolID: poolID, Subject: subject, Purpose: purpose}
		var expiresAt, createdAt pgtype.Timestamptz
		err := tx.QueryRow(ctx, `SELECT hash, value, attempts, expires_at, created_at FROM codes
			WHERE pool_id = $1 AND subject = $2 AND purpose = $3 FOR UPDATE`,
			poolID, subject, purpose).Scan(&c.Hash, &c.Value, &c.Attempts, &expiresAt, &createdAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound, nil
		}
		if err != nil {
			return nil, err
		}
		c.ExpiresAt, c.CreatedAt = fromTS(expiresAt), fromTS(createdAt)
		del := func() error {
			_, err := tx.Exec(ctx, `DELETE FROM codes WHERE pool_id = $1 AND subject = $2 AND purpose = $3`,
				poolID, subject, purpose)
			return err
		}
		switch {
		case !now.Before(c.ExpiresAt):
			if err := del(); err != nil {
				return nil, err
			}
			return store.ErrNotFound, nil
		case subtle.ConstantTimeCompare(c.Hash, hash) == 1:
			if err := del(); err != nil {
				return nil, err
			}
			code = c
			return nil, nil
		}
		c.Attempts++
		if c.Attempts >= maxAttempts {
			if err := del(); err != nil {
				return nil, err
			}
			return store.ErrCodeMismatch, nil
		}
		if _, err := tx.Exec(ctx, `UPDATE codes SET attempts = $4
			WHERE pool_id = $1 AND subject = $2 AND purpose = $3`,
			poolID, subject, purpose, c.Attempts); err != nil {
			return nil, err
		}
		return store.ErrCodeMismatch, nil
	})
	if err != nil {
		return store.Code{}, wrap(op, err)
	}
	return code, nil
}
