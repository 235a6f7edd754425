package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/cupola-auth/cupola/store"
)

const providerColumns = `name, type, details, attribute_mapping, identifiers, version, created_at, updated_at`

func scanProvider(r rowScanner, poolID string) (store.IdentityProvider, error) {
	p := store.IdentityProvider{PoolID: poolID}
	var (
		mapping, ids string
		cr, upd      sql.NullInt64
	)
	if err := r.Scan(&p.Name, &p.Type, &p.Details, &mapping, &ids, &p.Version, &cr, &upd); err != nil {
		return store.IdentityProvider{}, err
	}
	if err := json.Unmarshal([]byte(mapping), &p.AttributeMapping); err != nil {
		return store.IdentityProvider{}, fmt.Errorf("decode attribute mapping: %w", err)
	}
	if err := json.Unmarshal([]byte(ids), &p.Identifiers); err != nil {
		return store.IdentityProvider{}, fmt.Errorf("decode identifiers: %w", err)
	}
	p.CreatedAt, p.UpdatedAt = fromMicros(cr), fromMicros(upd)
	return p, nil
}

// normProvider is p as it reads back, with its mapping and identifiers
// encoded.
func normProvider(p store.IdentityProvider) (out store.IdentityProvider, mapping, ids string, err error) {
	p.Details = slices.Clone(p.Details)
	p.AttributeMapping = maps.Clone(p.AttributeMapping)
	p.Identifiers = slices.Clone(p.Identifiers)
	p.CreatedAt, p.UpdatedAt = normTime(p.CreatedAt), normTime(p.UpdatedAt)
	m, err := json.Marshal(p.AttributeMapping)
	if err != nil {
		return p, "", "", err
	}
	i, err := json.Marshal(p.Identifiers)
	if err != nil {
		return p, "", "", err
	}
	return p, string(m), string(i), nil
}

// putIdentifiers gives the provider its identifiers' rows; a row another
// provider holds is ExistsError "idp_identifier".
func putIdentifiers(ctx context.Context, tx execer, p store.IdentityProvider) error {
	for _, id := range p.Identifiers {
		_, err := tx.ExecContext(ctx, `INSERT INTO idp_identifiers (pool_id, identifier, name) VALUES (?, ?, ?)`, p.PoolID, id, p.Name)
		if isUniqueViolation(err) {
			return &store.ExistsError{Key: "idp_identifier"}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// CreateIdentityProvider implements store.IdentityProviders in one write
// transaction, so a refused identifier leaves no provider behind.
func (s *Store) CreateIdentityProvider(ctx context.Context, p store.IdentityProvider) (store.IdentityProvider, error) {
	const op = "sqlite: create identity provider"
	if err := p.Check(); err != nil {
		return store.IdentityProvider{}, fmt.Errorf("%s: %w: %s", op, store.ErrInvalid, err)
	}
	p.Version = 1
	p, mapping, ids, err := normProvider(p)
	if err != nil {
		return store.IdentityProvider{}, fmt.Errorf("%s: %w", op, err)
	}
	err = s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO identity_providers (pool_id, `+providerColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.PoolID, p.Name, p.Type, p.Details, mapping, ids, p.Version, toMicros(p.CreatedAt), toMicros(p.UpdatedAt))
		if isUniqueViolation(err) {
			return &store.ExistsError{Key: "provider"}
		}
		if err != nil {
			return err
		}
		return putIdentifiers(ctx, tx, p)
	})
	if err != nil {
		return store.IdentityProvider{}, fmt.Errorf("%s: %w", op, err)
	}
	return p, nil
}

// GetIdentityProvider implements store.IdentityProviders.
func (s *Store) GetIdentityProvider(ctx context.Context, poolID, name string) (store.IdentityProvider, error) {
	p, err := scanProvider(s.reader.QueryRowContext(ctx, `SELECT `+providerColumns+` FROM identity_providers
		WHERE pool_id = ? AND name = ?`, poolID, name), poolID)
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.IdentityProvider{}, fmt.Errorf("sqlite: get identity provider: %w", err)
	}
	return p, nil
}

// GetIdentityProviderByIdentifier implements store.IdentityProviders.
func (s *Store) GetIdentityProviderByIdentifier(ctx context.Context, poolID, identifier string) (store.IdentityProvider, error) {
	p, err := scanProvider(s.reader.QueryRowContext(ctx, `SELECT `+providerColumns+` FROM identity_providers
		WHERE pool_id = ? AND name = (SELECT name FROM idp_identifiers WHERE pool_id = ? AND identifier = ?)`,
		poolID, poolID, identifier), poolID)
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.IdentityProvider{}, fmt.Errorf("sqlite: get identity provider by identifier: %w", err)
	}
	return p, nil
}

// UpdateIdentityProvider implements store.IdentityProviders as a
// compare-and-swap on Version; the identifiers' rows are replaced in the
// same transaction.
func (s *Store) UpdateIdentityProvider(ctx context.Context, p store.IdentityProvider) (store.IdentityProvider, error) {
	const op = "sqlite: update identity provider"
	if err := p.Check(); err != nil {
		return store.IdentityProvider{}, fmt.Errorf("%s: %w: %s", op, store.ErrInvalid, err)
	}
	p, mapping, ids, err := normProvider(p)
	if err != nil {
		return store.IdentityProvider{}, fmt.Errorf("%s: %w", op, err)
	}
	// The version to compare is read before the write runs: the
	// committer may run it twice (commit.go), and p.Version changes.
	want := p.Version
	err = s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		var (
			version int64
			created sql.NullInt64
		)
		err := tx.QueryRowContext(ctx, `SELECT version, created_at FROM identity_providers WHERE pool_id = ? AND name = ?`,
			p.PoolID, p.Name).Scan(&version, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if version != want {
			return store.ErrConflict
		}
		p.Version, p.CreatedAt = version+1, fromMicros(created)
		if _, err := tx.ExecContext(ctx, `UPDATE identity_providers SET type = ?, details = ?, attribute_mapping = ?,
			identifiers = ?, version = ?, updated_at = ? WHERE pool_id = ? AND name = ?`,
			p.Type, p.Details, mapping, ids, p.Version, toMicros(p.UpdatedAt), p.PoolID, p.Name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM idp_identifiers WHERE pool_id = ? AND name = ?`, p.PoolID, p.Name); err != nil {
			return err
		}
		return putIdentifiers(ctx, tx, p)
	})
	if err != nil {
		return store.IdentityProvider{}, fmt.Errorf("%s: %w", op, err)
	}
	return p, nil
}

// DeleteIdentityProvider implements store.IdentityProviders; the
// identifiers go with the provider (ON DELETE CASCADE).
func (s *Store) DeleteIdentityProvider(ctx context.Context, poolID, name string) error {
	res, err := s.writeExec(ctx, `DELETE FROM identity_providers WHERE pool_id = ? AND name = ?`, poolID, name)
	if err != nil {
		return fmt.Errorf("sqlite: delete identity provider: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: delete identity provider: %w", err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: delete identity provider: %w", store.ErrNotFound)
	}
	return nil
}

// ListIdentityProviders implements store.IdentityProviders.
func (s *Store) ListIdentityProviders(ctx context.Context, poolID, after string, limit int) ([]store.IdentityProvider, error) {
	if poolID == "" || limit <= 0 {
		return nil, fmt.Errorf("sqlite: list identity providers: %w: pool id and a positive limit are needed", store.ErrInvalid)
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT `+providerColumns+` FROM identity_providers
		WHERE pool_id = ? AND name > ? ORDER BY name LIMIT ?`, poolID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list identity providers: %w", err)
	}
	defer rows.Close()
	var out []store.IdentityProvider
	for rows.Next() {
		p, err := scanProvider(rows, poolID)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list identity providers: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list identity providers: %w", err)
	}
	return out, nil
}
