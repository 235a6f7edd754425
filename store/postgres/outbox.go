package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cupola-auth/cupola/store"
)

// EnqueueDelivery implements store.Outbox.
func (s *Store) EnqueueDelivery(ctx context.Context, d store.Delivery) error {
	const op = "enqueue delivery"
	if err := d.Check(); err != nil {
		return invalid(op, err.Error())
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO outbox (pool_id, id, payload, attempts, due_at, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		d.PoolID, d.ID, d.Payload, d.Attempts, ts(d.DueAt), ts(d.ExpiresAt), ts(d.CreatedAt))
	return wrap(op, asExists(err))
}

// ClaimDeliveries implements store.Outbox in one statement: the subquery
// locks the due rows it picks with FOR UPDATE SKIP LOCKED, so instances
// claiming at the same moment take disjoint rows instead of waiting for
// each other, and the UPDATE moves them past the lease.
func (s *Store) ClaimDeliveries(ctx context.Context, poolID string, now time.Time, lease time.Duration, limit int) ([]store.Delivery, error) {
	const op = "claim deliveries"
	if err := store.CheckClaim(poolID, lease, limit); err != nil {
		return nil, invalid(op, err.Error())
	}
	if !storable(poolID) {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `UPDATE outbox SET attempts = attempts + 1, due_at = $1
		WHERE pool_id = $2 AND id IN (SELECT id FROM outbox WHERE pool_id = $2 AND due_at <= $3 AND expires_at > $3
			ORDER BY due_at LIMIT $4 FOR UPDATE SKIP LOCKED)
		RETURNING id, payload, attempts, due_at, expires_at, created_at`,
		ts(now.Add(lease)), poolID, ts(now), limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Delivery, error) {
		d := store.Delivery{PoolID: poolID}
		var due, exp, cr pgtype.Timestamptz
		err := r.Scan(&d.ID, &d.Payload, &d.Attempts, &due, &exp, &cr)
		d.DueAt, d.ExpiresAt, d.CreatedAt = fromTS(due), fromTS(exp), fromTS(cr)
		return d, err
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// DeleteDelivery implements store.Outbox.
func (s *Store) DeleteDelivery(ctx context.Context, poolID, id string) error {
	const op = "delete delivery"
	if !storable(poolID, id) {
		return store.ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM outbox WHERE pool_id = $1 AND id = $2`, poolID, id)
	if err != nil {
		return wrap(op, err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}
