package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// EnqueueDelivery implements store.Outbox.
func (s *Store) EnqueueDelivery(ctx context.Context, d store.Delivery) error {
	if err := d.Check(); err != nil {
		return fmt.Errorf("sqlite: enqueue delivery: %w: %s", store.ErrInvalid, err)
	}
	_, err := s.writeExec(ctx, `INSERT INTO outbox (pool_id, id, payload, attempts, due_at, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		d.PoolID, d.ID, d.Payload, d.Attempts, toMicros(d.DueAt), toMicros(d.ExpiresAt), toMicros(d.CreatedAt))
	if isUniqueViolation(err) {
		return &store.ExistsError{Key: "delivery"}
	}
	if err != nil {
		return fmt.Errorf("sqlite: enqueue delivery: %w", err)
	}
	return nil
}

// ClaimDeliveries implements store.Outbox: one write transaction picks the
// due rows from the (pool_id, due_at) index and moves their due time past
// the lease; the single writer makes the claim atomic.
func (s *Store) ClaimDeliveries(ctx context.Context, poolID string, now time.Time, lease time.Duration, limit int) ([]store.Delivery, error) {
	if err := store.CheckClaim(poolID, lease, limit); err != nil {
		return nil, fmt.Errorf("sqlite: claim deliveries: %w: %s", store.ErrInvalid, err)
	}
	var out []store.Delivery
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET attempts = attempts + 1, due_at = ?
			WHERE pool_id = ? AND id IN (SELECT id FROM outbox WHERE pool_id = ? AND due_at <= ? AND expires_at > ?
				ORDER BY due_at LIMIT ?)
			RETURNING id, payload, attempts, due_at, expires_at, created_at`,
			toMicros(now.Add(lease)), poolID, poolID, toMicros(now), toMicros(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d := store.Delivery{PoolID: poolID}
			var due, exp, cr sql.NullInt64
			if err := rows.Scan(&d.ID, &d.Payload, &d.Attempts, &due, &exp, &cr); err != nil {
				return err
			}
			d.DueAt, d.ExpiresAt, d.CreatedAt = fromMicros(due), fromMicros(exp), fromMicros(cr)
			out = append(out, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim deliveries: %w", err)
	}
	return out, nil
}

// DeleteDelivery implements store.Outbox.
func (s *Store) DeleteDelivery(ctx context.Context, poolID, id string) error {
	res, err := s.writeExec(ctx, `DELETE FROM outbox WHERE pool_id = ? AND id = ?`, poolID, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete delivery: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: delete delivery: %w", err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: delete delivery: %w", store.ErrNotFound)
	}
	return nil
}
