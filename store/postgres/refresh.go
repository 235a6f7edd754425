package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cupola-auth/cupola/store"
)

const familyColumns = `f.pool_id, f.id, f.subject, f.client_id, f.scopes, f.auth_time, f.device_key,
	f.created_at, f.expires_at, f.revoked_at`

// scanFamily reads familyColumns, then any extra destinations.
func scanFamily(row pgx.Row, extra ...any) (store.RefreshFamily, error) {
	var (
		f                                       store.RefreshFamily
		authTime, createdAt, expiresAt, revoked pgtype.Timestamptz
	)
	dest := append([]any{&f.PoolID, &f.ID, &f.Subject, &f.ClientID, &f.Scopes, &authTime, &f.DeviceKey,
		&createdAt, &expiresAt, &revoked}, extra...)
	err := row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.RefreshFamily{}, store.ErrNotFound
	}
	if err != nil {
		return store.RefreshFamily{}, err
	}
	f.AuthTime, f.CreatedAt = fromTS(authTime), fromTS(createdAt)
	f.ExpiresAt, f.RevokedAt = fromTS(expiresAt), fromTS(revoked)
	return f, nil
}

// CreateFamily stores a family and its first, current token in one
// statement. A taken family ID is an *store.ExistsError with Key "id", a
// taken token hash one with Key "token".
func (s *Store) CreateFamily(ctx context.Context, f store.RefreshFamily, tokenHash []byte) error {
	const op = "create refresh family"
	switch {
	case f.PoolID == "":
		return invalid(op, "pool id is empty")
	case f.ID == "":
		return invalid(op, "family id is empty")
	case len(tokenHash) == 0:
		return invalid(op, "token hash is empty")
	case f.ExpiresAt.IsZero():
		return invalid(op, "expiry is missing")
	}
	_, err := s.pool.Exec(ctx, `WITH f AS (
		INSERT INTO refresh_families (pool_id, id, subject, client_id, scopes, auth_time, device_key,
			created_at, expires_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		RETURNING pool_id, id)
		INSERT INTO refresh_tokens (pool_id, hash, family_id) SELECT pool_id, $11, id FROM f`,
		f.PoolID, f.ID, f.Subject, f.ClientID, f.Scopes, ts(f.AuthTime), f.DeviceKey,
		ts(f.CreatedAt), ts(f.ExpiresAt), ts(f.RevokedAt), tokenHash)
	return wrap(op, asExists(err))
}

// GetFamily returns a family by ID, revoked or not.
func (s *Store) GetFamily(ctx context.Context, poolID, id string) (store.RefreshFamily, error) {
	if !storable(poolID, id) {
		return store.RefreshFamily{}, store.ErrNotFound
	}
	f, err := scanFamily(s.pool.QueryRow(ctx, `SELECT `+familyColumns+` FROM refresh_families f
		WHERE f.pool_id = $1 AND f.id = $2`, poolID, id))
	return f, wrap("get refresh family", err)
}

// FamilyByToken returns the family a token hash belongs to and whether the
// token is its current one. An unknown hash is store.ErrNotFound.
func (s *Store) FamilyByToken(ctx context.Context, poolID string, tokenHash []byte) (store.RefreshFamily, bool, error) {
	if !storable(poolID) {
		return store.RefreshFamily{}, false, store.ErrNotFound
	}
	var current bool
	f, err := scanFamily(s.pool.QueryRow(ctx, `SELECT `+familyColumns+`, t.rotated_at IS NULL
		FROM refresh_tokens t JOIN refresh_families f ON f.pool_id = t.pool_id AND f.id = t.family_id
		WHERE t.pool_id = $1 AND t.hash = $2`, poolID, tokenHash), &current)
	if err != nil {
		return store.RefreshFamily{}, false, wrap("family by token", err)
	}
	return f, current, nil
}

// RotateRefresh replaces the family's current token by next, in a
// transaction that holds the family row locked, so concurrent rotations of
// one family take turns and each sees the last one's result. A token
// rotated within grace rotates again (a client retry); one rotated earlier
// revokes the family and is store.ErrTokenReuse. A revoked family is
// store.ErrRevoked; an expired or unknown one store.ErrNotFound.
func (s *Store) RotateRefresh(ctx context.Context, poolID string, presented, next []byte, now time.Time, grace time.Duration) (store.RefreshFamily, error) {
	const op = "rotate refresh token"
	if len(next) == 0 {
		return store.RefreshFamily{}, invalid(op, "next token hash is empty")
	}
	if !storable(poolID) {
		return store.RefreshFamily{}, store.ErrNotFound
	}
	var fam store.RefreshFamily
	err := s.inTx(ctx, op, func(tx pgx.Tx) (error, error) {
		// family_id never changes, so locking the family by the token's
		// family_id locks the right row; the token's state is read after
		// the lock, when every earlier rotation has committed.
		f, err := scanFamily(tx.QueryRow(ctx, `SELECT `+familyColumns+` FROM refresh_families f
			WHERE f.pool_id = $1
			  AND f.id = (SELECT family_id FROM refresh_tokens WHERE pool_id = $1 AND hash = $2)
			FOR UPDATE`, poolID, presented))
		if errors.Is(err, store.ErrNotFound) {
			return store.ErrNotFound, nil
		}
		if err != nil {
			return nil, err
		}
		var rotatedAt pgtype.Timestamptz
		err = tx.QueryRow(ctx, `SELECT rotated_at FROM refresh_tokens WHERE pool_id = $1 AND hash = $2`,
			poolID, presented).Scan(&rotatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound, nil
		}
		if err != nil {
			return nil, err
		}
		switch {
		case !f.RevokedAt.IsZero():
			return store.ErrRevoked, nil
		case !now.Before(f.ExpiresAt):
			return store.ErrNotFound, nil
		case rotatedAt.Valid && (grace <= 0 || now.Sub(rotatedAt.Time) >= grace):
			f.RevokedAt = norm(now)
			if _, err := tx.Exec(ctx, `UPDATE refresh_families SET revoked_at = $3 WHERE pool_id = $1 AND id = $2`,
				poolID, f.ID, ts(now)); err != nil {
				return nil, err
			}
			return store.ErrTokenReuse, nil
		}
		if _, err := tx.Exec(ctx, `UPDATE refresh_tokens SET rotated_at = $3
			WHERE pool_id = $1 AND family_id = $2 AND rotated_at IS NULL`, poolID, f.ID, ts(now)); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO refresh_tokens (pool_id, hash, family_id) VALUES ($1, $2, $3)`,
			poolID, next, f.ID); err != nil {
			return nil, asExists(err)
		}
		fam = f
		return nil, nil
	})
	if err != nil {
		return store.RefreshFamily{}, wrap(op, err)
	}
	return fam, nil
}

// RevokeFamily marks one family revoked at now; a family already revoked
// keeps its first revocation time. Unknown: store.ErrNotFound.
func (s *Store) RevokeFamily(ctx context.Context, poolID, id string, now time.Time) error {
	if !storable(poolID, id) {
		return store.ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `UPDATE refresh_families SET revoked_at = coalesce(revoked_at, $3)
		WHERE pool_id = $1 AND id = $2`, poolID, id, ts(now))
	if err != nil {
		return wrap("revoke refresh family", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// RevokeSubjectFamilies revokes every live family of a user at now.
func (s *Store) RevokeSubjectFamilies(ctx context.Context, poolID, subject string, now time.Time) error {
	if !storable(poolID, subject) {
		return nil
	}
	_, err := s.pool.Exec(ctx, `UPDATE refresh_families SET revoked_at = $3
		WHERE pool_id = $1 AND subject = $2 AND revoked_at IS NULL`, poolID, subject, ts(now))
	return wrap("revoke subject families", err)
}
