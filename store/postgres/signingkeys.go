package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cupola-auth/cupola/store"
)

// PutSigningKey inserts or replaces the key with that ID.
func (s *Store) PutSigningKey(ctx context.Context, k store.SigningKey) error {
	const op = "put signing key"
	switch {
	case k.PoolID == "":
		return invalid(op, "pool id is empty")
	case k.ID == "":
		return invalid(op, "key id is empty")
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO signing_keys (pool_id, id, algorithm, private, published, active, retired, expires)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (pool_id, id) DO UPDATE SET algorithm = excluded.algorithm, private = excluded.private,
			published = excluded.published, active = excluded.active,
			retired = excluded.retired, expires = excluded.expires`,
		k.PoolID, k.ID, k.Algorithm, k.Private, ts(k.Published), ts(k.Active), ts(k.Retired), ts(k.Expires))
	return wrap(op, err)
}

// ListSigningKeys returns the pool's keys ordered by Published, then ID
// (an unset Published, the zero time, first).
func (s *Store) ListSigningKeys(ctx context.Context, poolID string) ([]store.SigningKey, error) {
	if !storable(poolID) {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT pool_id, id, algorithm, private, published, active, retired, expires
		FROM signing_keys WHERE pool_id = $1 ORDER BY published ASC NULLS FIRST, id`, poolID)
	if err != nil {
		return nil, wrap("list signing keys", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.SigningKey, error) {
		var (
			k                                  store.SigningKey
			published, active, retired, expire pgtype.Timestamptz
		)
		if err := r.Scan(&k.PoolID, &k.ID, &k.Algorithm, &k.Private, &published, &active, &retired, &expire); err != nil {
			return store.SigningKey{}, err
		}
		k.Published, k.Active, k.Retired, k.Expires = fromTS(published), fromTS(active), fromTS(retired), fromTS(expire)
		return k, nil
	})
	return keys, wrap("list signing keys", err)
}

// DeleteSigningKey removes a key (unknown: store.ErrNotFound).
func (s *Store) DeleteSigningKey(ctx context.Context, poolID, id string) error {
	if !storable(poolID, id) {
		return store.ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM signing_keys WHERE pool_id = $1 AND id = $2`, poolID, id)
	if err != nil {
		return wrap("delete signing key", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}
