package sqlite

import (
	"context"
	"fmt"
	"time"
)

// deleteBatch bounds each DeleteExpired transaction so that sign-ins
// queued behind the writer wait for a few milliseconds at most.
const deleteBatch = 500

// DeleteExpired removes the codes, auth sessions and refresh-token families
// (with their tokens) of every pool that expired at or before now, and
// returns how many records it removed. The contract's lookups already
// treat such records as absent; this only reclaims their space, in small
// transactions, so it is safe to call periodically on a live store.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	queries := []string{
		`DELETE FROM codes WHERE (pool_id, subject, purpose) IN
			(SELECT pool_id, subject, purpose FROM codes WHERE expires_at <= ? LIMIT ?)`,
		`DELETE FROM auth_sessions WHERE rowid IN
			(SELECT rowid FROM auth_sessions WHERE expires_at <= ? LIMIT ?)`,
		`DELETE FROM refresh_families WHERE rowid IN
			(SELECT rowid FROM refresh_families WHERE expires_at <= ? LIMIT ?)`,
	}
	var total int64
	for _, q := range queries {
		for {
			var n int64
			err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
				res, err := tx.ExecContext(ctx, q, toMicros(now), deleteBatch)
				if err != nil {
					return err
				}
				n, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return total, fmt.Errorf("sqlite: delete expired: %w", err)
			}
			total += n
			if n < deleteBatch {
				break
			}
		}
	}
	return total, nil
}
