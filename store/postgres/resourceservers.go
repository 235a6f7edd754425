package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cupola-auth/cupola/store"
)

const resourceServerSelect = `SELECT pool_id, identifier, name, scopes, version, created_at, updated_at
	FROM resource_servers`

func scanResourceServer(row pgx.Row) (store.ResourceServer, error) {
	var (
		r                    store.ResourceServer
		scopes               []byte
		createdAt, updatedAt pgtype.Timestamptz
	)
	err := row.Scan(&r.PoolID, &r.Identifier, &r.Name, &scopes, &r.Version, &createdAt, &updatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ResourceServer{}, store.ErrNotFound
	}
	if err != nil {
		return store.ResourceServer{}, err
	}
	if scopes != nil {
		if err := json.Unmarshal(scopes, &r.Scopes); err != nil {
			return store.ResourceServer{}, err
		}
	}
	r.CreatedAt, r.UpdatedAt = fromTS(createdAt), fromTS(updatedAt)
	return r, nil
}

func validResourceServer(op string, r store.ResourceServer) error {
	switch {
	case r.PoolID == "":
		return invalid(op, "pool id is empty")
	case r.Identifier == "":
		return invalid(op, "identifier is empty")
	}
	for _, sc := range r.Scopes {
		if !validUTF8(sc.Name, sc.Description) {
			return invalid(op, "scope "+sc.Name+" is not valid UTF-8")
		}
	}
	return nil
}

// normResourceServer is r as it reads back: times rounded, scopes copied.
func normResourceServer(r store.ResourceServer) store.ResourceServer {
	r.Scopes = slices.Clone(r.Scopes)
	r.CreatedAt, r.UpdatedAt = norm(r.CreatedAt), norm(r.UpdatedAt)
	return r
}

// scopesJSON is the jsonb value for scopes: NULL for a nil slice, so that
// nil and empty read back as they were given.
func scopesJSON(scopes []store.ResourceScope) (any, error) {
	if scopes == nil {
		return nil, nil
	}
	b, err := json.Marshal(scopes)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// CreateResourceServer stores a new resource server with Version 1, or
// returns an *store.ExistsError with Key "identifier".
func (s *Store) CreateResourceServer(ctx context.Context, r store.ResourceServer) (store.ResourceServer, error) {
	const op = "create resource server"
	if err := validResourceServer(op, r); err != nil {
		return store.ResourceServer{}, err
	}
	r = normResourceServer(r)
	r.Version = 1
	scopes, err := scopesJSON(r.Scopes)
	if err != nil {
		return store.ResourceServer{}, wrap(op, err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO resource_servers (pool_id, identifier, name, scopes, version,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		r.PoolID, r.Identifier, r.Name, scopes, r.Version, ts(r.CreatedAt), ts(r.UpdatedAt))
	if err != nil {
		return store.ResourceServer{}, wrap(op, asExists(err))
	}
	return r, nil
}

// GetResourceServer returns the resource server with that identifier, or
// store.ErrNotFound.
func (s *Store) GetResourceServer(ctx context.Context, poolID, identifier string) (store.ResourceServer, error) {
	if !storable(poolID, identifier) {
		return store.ResourceServer{}, store.ErrNotFound
	}
	r, err := scanResourceServer(s.pool.QueryRow(ctx, resourceServerSelect+` WHERE pool_id = $1 AND identifier = $2`,
		poolID, identifier))
	return r, wrap("get resource server", err)
}

// UpdateResourceServer replaces the resource server if r.Version is the
// stored version, and returns it with Version+1: store.ErrConflict when
// stale, store.ErrNotFound when absent. CreatedAt keeps its stored value.
func (s *Store) UpdateResourceServer(ctx context.Context, r store.ResourceServer) (store.ResourceServer, error) {
	const op = "update resource server"
	if err := validResourceServer(op, r); err != nil {
		return store.ResourceServer{}, err
	}
	if !storable(r.PoolID, r.Identifier) {
		return store.ResourceServer{}, store.ErrNotFound
	}
	r = normResourceServer(r)
	scopes, err := scopesJSON(r.Scopes)
	if err != nil {
		return store.ResourceServer{}, wrap(op, err)
	}
	var createdAt pgtype.Timestamptz
	err = s.pool.QueryRow(ctx, `UPDATE resource_servers SET name = $3, scopes = $4,
		updated_at = $5, version = version + 1
		WHERE pool_id = $1 AND identifier = $2 AND version = $6
		RETURNING created_at`,
		r.PoolID, r.Identifier, r.Name, scopes, ts(r.UpdatedAt), r.Version).Scan(&createdAt)
	if errors.Is(err, pgx.ErrNoRows) {
		// Two statements: a server deleted in between reads as missing,
		// which is also true.
		err = missingOrStale(ctx, s.pool, `SELECT true FROM resource_servers WHERE pool_id = $1 AND identifier = $2`,
			r.PoolID, r.Identifier)
	}
	if err != nil {
		return store.ResourceServer{}, wrap(op, err)
	}
	r.CreatedAt = fromTS(createdAt)
	r.Version++
	return r, nil
}

// DeleteResourceServer removes a resource server (unknown:
// store.ErrNotFound).
func (s *Store) DeleteResourceServer(ctx context.Context, poolID, identifier string) error {
	if !storable(poolID, identifier) {
		return store.ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM resource_servers WHERE pool_id = $1 AND identifier = $2`, poolID, identifier)
	if err != nil {
		return wrap("delete resource server", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// ListResourceServers returns the pool's resource servers ordered by
// identifier (bytewise).
func (s *Store) ListResourceServers(ctx context.Context, poolID string) ([]store.ResourceServer, error) {
	if !storable(poolID) {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, resourceServerSelect+` WHERE pool_id = $1 ORDER BY identifier`, poolID)
	if err != nil {
		return nil, wrap("list resource servers", err)
	}
	rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ResourceServer, error) {
		return scanResourceServer(r)
	})
	return rs, wrap("list resource servers", err)
}
