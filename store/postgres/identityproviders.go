package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cupola-auth/cupola/store"
)

const providerSelect = `SELECT pool_id, name, type, details, attribute_mapping, identifiers, version, created_at, updated_at
	FROM identity_providers`

func scanProvider(row pgx.Row) (store.IdentityProvider, error) {
	var (
		p            store.IdentityProvider
		mapping, ids []byte
		created, upd pgtype.Timestamptz
	)
	err := row.Scan(&p.PoolID, &p.Name, &p.Type, &p.Details, &mapping, &ids, &p.Version, &created, &upd)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.IdentityProvider{}, store.ErrNotFound
	}
	if err != nil {
		return store.IdentityProvider{}, err
	}
	if mapping != nil {
		if err := json.Unmarshal(mapping, &p.AttributeMapping); err != nil {
			return store.IdentityProvider{}, err
		}
	}
	if ids != nil {
		if err := json.Unmarshal(ids, &p.Identifiers); err != nil {
			return store.IdentityProvider{}, err
		}
	}
	p.CreatedAt, p.UpdatedAt = fromTS(created), fromTS(upd)
	return p, nil
}

// jsonOrNull is v as a jsonb parameter: NULL for a nil map or slice, so
// that nil and empty read back as they were given.
func jsonOrNull(v any, isNil bool) (any, error) {
	if isNil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func validProvider(op string, p store.IdentityProvider) error {
	if err := p.Check(); err != nil {
		return invalid(op, err.Error())
	}
	if !storable(p.PoolID, p.Name, p.Type) || !storable(p.Identifiers...) {
		return invalid(op, "a name, type or identifier is not valid UTF-8 or holds a NUL byte")
	}
	for k, v := range p.AttributeMapping {
		if !storable(k, v) {
			return invalid(op, "an attribute mapping is not valid UTF-8 or holds a NUL byte")
		}
	}
	return nil
}

// providerArgs normalizes p as it reads back and returns its jsonb values.
func providerArgs(p store.IdentityProvider) (store.IdentityProvider, any, any, error) {
	p.Details = slices.Clone(p.Details)
	p.AttributeMapping = maps.Clone(p.AttributeMapping)
	p.Identifiers = slices.Clone(p.Identifiers)
	p.CreatedAt, p.UpdatedAt = norm(p.CreatedAt), norm(p.UpdatedAt)
	mapping, err := jsonOrNull(p.AttributeMapping, p.AttributeMapping == nil)
	if err != nil {
		return p, nil, nil, err
	}
	ids, err := jsonOrNull(p.Identifiers, p.Identifiers == nil)
	return p, mapping, ids, err
}

// insertIdentifiers gives the provider its identifiers' rows; one another
// provider holds violates idp_identifiers_pkey, which asExists names.
func insertIdentifiers(ctx context.Context, tx pgx.Tx, p store.IdentityProvider) error {
	for _, id := range p.Identifiers {
		if _, err := tx.Exec(ctx, `INSERT INTO idp_identifiers (pool_id, identifier, name) VALUES ($1, $2, $3)`,
			p.PoolID, id, p.Name); err != nil {
			return asExists(err)
		}
	}
	return nil
}

// CreateIdentityProvider implements store.IdentityProviders in one
// transaction, so a refused identifier leaves no provider behind.
func (s *Store) CreateIdentityProvider(ctx context.Context, p store.IdentityProvider) (store.IdentityProvider, error) {
	const op = "create identity provider"
	if err := validProvider(op, p); err != nil {
		return store.IdentityProvider{}, err
	}
	p.Version = 1
	p, mapping, ids, err := providerArgs(p)
	if err != nil {
		return store.IdentityProvider{}, wrap(op, err)
	}
	err = s.inTx(ctx, op, func(tx pgx.Tx) (error, error) {
		if _, err := tx.Exec(ctx, `INSERT INTO identity_providers (pool_id, name, type, details, attribute_mapping,
			identifiers, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			p.PoolID, p.Name, p.Type, p.Details, mapping, ids, p.Version, ts(p.CreatedAt), ts(p.UpdatedAt)); err != nil {
			return nil, asExists(err)
		}
		return nil, insertIdentifiers(ctx, tx, p)
	})
	if err != nil {
		return store.IdentityProvider{}, wrap(op, err)
	}
	return p, nil
}

// GetIdentityProvider implements store.IdentityProviders.
func (s *Store) GetIdentityProvider(ctx context.Context, poolID, name string) (store.IdentityProvider, error) {
	if !storable(poolID, name) {
		return store.IdentityProvider{}, store.ErrNotFound
	}
	p, err := scanProvider(s.pool.QueryRow(ctx, providerSelect+` WHERE pool_id = $1 AND name = $2`, poolID, name))
	return p, wrap("get identity provider", err)
}

// GetIdentityProviderByIdentifier implements store.IdentityProviders.
func (s *Store) GetIdentityProviderByIdentifier(ctx context.Context, poolID, identifier string) (store.IdentityProvider, error) {
	if !storable(poolID, identifier) {
		return store.IdentityProvider{}, store.ErrNotFound
	}
	p, err := scanProvider(s.pool.QueryRow(ctx, providerSelect+` WHERE pool_id = $1 AND name =
		(SELECT name FROM idp_identifiers WHERE pool_id = $1 AND identifier = $2)`, poolID, identifier))
	return p, wrap("get identity provider by identifier", err)
}

// UpdateIdentityProvider implements store.IdentityProviders: the row is
// locked, its version compared, and the identifiers' rows replaced, in one
// transaction.
func (s *Store) UpdateIdentityProvider(ctx context.Context, p store.IdentityProvider) (store.IdentityProvider, error) {
	const op = "update identity provider"
	if err := validProvider(op, p); err != nil {
		return store.IdentityProvider{}, err
	}
	p, mapping, ids, err := providerArgs(p)
	if err != nil {
		return store.IdentityProvider{}, wrap(op, err)
	}
	err = s.inTx(ctx, op, func(tx pgx.Tx) (error, error) {
		var (
			version int64
			created pgtype.Timestamptz
		)
		err := tx.QueryRow(ctx, `SELECT version, created_at FROM identity_providers WHERE pool_id = $1 AND name = $2 FOR UPDATE`,
			p.PoolID, p.Name).Scan(&version, &created)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, store.ErrNotFound
		}
		if err != nil {
			return nil, err
		}
		if version != p.Version {
			return nil, store.ErrConflict
		}
		p.Version, p.CreatedAt = version+1, fromTS(created)
		if _, err := tx.Exec(ctx, `UPDATE identity_providers SET type = $3, details = $4, attribute_mapping = $5,
			identifiers = $6, version = $7, updated_at = $8 WHERE pool_id = $1 AND name = $2`,
			p.PoolID, p.Name, p.Type, p.Details, mapping, ids, p.Version, ts(p.UpdatedAt)); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM idp_identifiers WHERE pool_id = $1 AND name = $2`, p.PoolID, p.Name); err != nil {
			return nil, err
		}
		return nil, insertIdentifiers(ctx, tx, p)
	})
	if err != nil {
		return store.IdentityProvider{}, wrap(op, err)
	}
	return p, nil
}

// DeleteIdentityProvider implements store.IdentityProviders; the
// identifiers go with it (ON DELETE CASCADE).
func (s *Store) DeleteIdentityProvider(ctx context.Context, poolID, name string) error {
	if !storable(poolID, name) {
		return store.ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM identity_providers WHERE pool_id = $1 AND name = $2`, poolID, name)
	if err != nil {
		return wrap("delete identity provider", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// ListIdentityProviders implements store.IdentityProviders.
func (s *Store) ListIdentityProviders(ctx context.Context, poolID, after string, limit int) ([]store.IdentityProvider, error) {
	const op = "list identity providers"
	if poolID == "" || limit <= 0 {
		return nil, invalid(op, "pool id and a positive limit are needed")
	}
	if !storable(poolID, after) {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, providerSelect+` WHERE pool_id = $1 AND name > $2 ORDER BY name LIMIT $3`, poolID, after, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.IdentityProvider, error) { return scanProvider(r) })
	return out, wrap(op, err)
}
