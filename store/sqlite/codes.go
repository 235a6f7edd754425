package sqlite

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// PutCode implements store.Codes: the code is stored with no attempts
// counted, replacing any earlier code of the same subject and purpose.
func (s *Store) PutCode(ctx context.Context, c store.Code) error {
	if c.PoolID == "" || c.Subject == "" || c.Purpose == "" || len(c.Hash) == 0 || c.ExpiresAt.IsZero() {
		return fmt.Errorf("sqlite: put code: %w: code needs pool id, subject, purpose, hash and expiry", store.ErrInvalid)
	}
	_, err := s.writeExec(ctx, `INSERT INTO codes (pool_id, subject, purpose, hash, value, attempts, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (pool_id, subject, purpose) DO UPDATE SET hash = excluded.hash, value = excluded.value,
			attempts = excluded.attempts, expires_at = excluded.expires_at, created_at = excluded.created_at`,
		c.PoolID, c.Subject, c.Purpose, c.Hash, c.Value, 0, toMicros(c.ExpiresAt), toMicros(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlite: put code: %w", err)
	}
	return nil
}

// ConsumeCode implements store.Codes. The row is read and then deleted or
// updated inside one write transaction, so of concurrent callers presenting
// the right hash exactly one sees it; the comparison is constant-time.
func (s *Store) ConsumeCode(ctx context.Context, poolID, subject, purpose string, hash []byte, now time.Time, maxAttempts int) (store.Code, error) {
	var (
		out     store.Code
		outcome error
	)
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		c := store.Code{PoolID: poolID, Subject: subject, Purpose: purpose}
		var exp, cr sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT hash, value, attempts, expires_at, created_at FROM codes
			WHERE pool_id = ? AND subject = ? AND purpose = ?`, poolID, subject, purpose).
			Scan(&c.Hash, &c.Value, &c.Attempts, &exp, &cr)
		if errors.Is(err, sql.ErrNoRows) {
			outcome = store.ErrNotFound
			return nil
		}
		if err != nil {
			return err
		}
		c.ExpiresAt = fromMicros(exp)
		c.CreatedAt = fromMicros(cr)
		const del = `DELETE FROM codes WHERE pool_id = ? AND subject = ? AND purpose = ?`
		switch {
		case expired(c.ExpiresAt, now):
			outcome = store.ErrNotFound
			_, err = tx.ExecContext(ctx, del, poolID, subject, purpose)
		case len(hash) > 0 && subtle.ConstantTimeCompare(c.Hash, hash) == 1:
			out = c
			out.Hash = slices.Clone(c.Hash)
			_, err = tx.ExecContext(ctx, del, poolID, subject, purpose)
		default:
			outcome = store.ErrCodeMismatch
			if c.Attempts+1 >= maxAttempts {
				_, err = tx.ExecContext(ctx, del, poolID, subject, purpose)
			} else {
				_, err = tx.ExecContext(ctx, `UPDATE codes SET attempts = attempts + 1
					WHERE pool_id = ? AND subject = ? AND purpose = ?`, poolID, subject, purpose)
			}
		}
		return err
	})
	if err != nil {
		return store.Code{}, fmt.Errorf("sqlite: consume code: %w", err)
	}
	if outcome != nil {
		return store.Code{}, fmt.Errorf("sqlite: consume code: %w", outcome)
	}
	return out, nil
}
