package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cupola-auth/cupola/store"
)

// PutSigningKey implements store.SigningKeys.
func (s *Store) PutSigningKey(ctx context.Context, k store.SigningKey) error {
	if k.PoolID == "" || k.ID == "" {
		return fmt.Errorf("sqlite: put signing key: %w: key needs pool id and id", store.ErrInvalid)
	}
	_, err := s.writeExec(ctx, `INSERT INTO signing_keys (pool_id, id, algorithm, private, published, active, retired, expires)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (pool_id, id) DO UPDATE SET algorithm = excluded.algorithm, private = excluded.private,
			published = excluded.published, active = excluded.active, retired = excluded.retired, expires = excluded.expires`,
		k.PoolID, k.ID, k.Algorithm, k.Private, toMicros(k.Published), toMicros(k.Active), toMicros(k.Retired), toMicros(k.Expires))
	if err != nil {
		return fmt.Errorf("sqlite: put signing key: %w", err)
	}
	return nil
}

// ListSigningKeys implements store.SigningKeys. The zero Published time
// sorts first.
func (s *Store) ListSigningKeys(ctx context.Context, poolID string) ([]store.SigningKey, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT id, algorithm, private, published, active, retired, expires
		FROM signing_keys WHERE pool_id = ? ORDER BY published IS NOT NULL, published, id`, poolID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list signing keys: %w", err)
	}
	defer rows.Close()
	var out []store.SigningKey
	for rows.Next() {
		k := store.SigningKey{PoolID: poolID}
		var pub, act, ret, exp sql.NullInt64
		if err := rows.Scan(&k.ID, &k.Algorithm, &k.Private, &pub, &act, &ret, &exp); err != nil {
			return nil, fmt.Errorf("sqlite: list signing keys: %w", err)
		}
		k.Published, k.Active, k.Retired, k.Expires = fromMicros(pub), fromMicros(act), fromMicros(ret), fromMicros(exp)
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list signing keys: %w", err)
	}
	return out, nil
}

// DeleteSigningKey implements store.SigningKeys.
func (s *Store) DeleteSigningKey(ctx context.Context, poolID, id string) error {
	res, err := s.writeExec(ctx, `DELETE FROM signing_keys WHERE pool_id = ? AND id = ?`, poolID, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete signing key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: delete signing key: %w", err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: delete signing key: %w", store.ErrNotFound)
	}
	return nil
}
