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

const clientSelect = `SELECT pool_id, id, name, secret, settings, version, created_at, updated_at FROM clients`

func scanClient(row pgx.Row) (store.Client, error) {
	var (
		c                    store.Client
		settings             []byte
		createdAt, updatedAt pgtype.Timestamptz
	)
	err := row.Scan(&c.PoolID, &c.ID, &c.Name, &c.Secret, &settings, &c.Version, &createdAt, &updatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Client{}, store.ErrNotFound
	}
	if err != nil {
		return store.Client{}, err
	}
	if err := json.Unmarshal(settings, &c.Settings); err != nil {
		return store.Client{}, err
	}
	c.CreatedAt, c.UpdatedAt = fromTS(createdAt), fromTS(updatedAt)
	return c, nil
}

func validClient(op string, c store.Client) error {
	switch {
	case c.PoolID == "":
		return invalid(op, "pool id is empty")
	case c.ID == "":
		return invalid(op, "client id is empty")
	}
	st := c.Settings
	for _, list := range [][]string{st.ExplicitAuthFlows, st.ReadAttributes, st.WriteAttributes,
		st.CallbackURLs, st.LogoutURLs, st.AllowedOAuthFlows, st.AllowedOAuthScopes} {
		if !validUTF8(list...) {
			return invalid(op, "settings are not valid UTF-8")
		}
	}
	return nil
}

// normClient is c as it reads back: times rounded, slices copied.
func normClient(c store.Client) store.Client {
	if c.Secret != nil {
		c.Secret = slices.Clone(c.Secret)
	}
	st := &c.Settings
	st.ExplicitAuthFlows = slices.Clone(st.ExplicitAuthFlows)
	st.ReadAttributes = slices.Clone(st.ReadAttributes)
	st.WriteAttributes = slices.Clone(st.WriteAttributes)
	st.CallbackURLs = slices.Clone(st.CallbackURLs)
	st.LogoutURLs = slices.Clone(st.LogoutURLs)
	st.AllowedOAuthFlows = slices.Clone(st.AllowedOAuthFlows)
	st.AllowedOAuthScopes = slices.Clone(st.AllowedOAuthScopes)
	c.CreatedAt, c.UpdatedAt = norm(c.CreatedAt), norm(c.UpdatedAt)
	return c
}

// CreateClient stores a new client with Version 1, or returns an
// *store.ExistsError with Key "id".
func (s *Store) CreateClient(ctx context.Context, c store.Client) (store.Client, error) {
	const op = "create client"
	if err := validClient(op, c); err != nil {
		return store.Client{}, err
	}
	c = normClient(c)
	c.Version = 1
	settings, err := json.Marshal(c.Settings)
	if err != nil {
		return store.Client{}, wrap(op, err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO clients (pool_id, id, name, secret, settings, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.PoolID, c.ID, c.Name, c.Secret, string(settings), c.Version, ts(c.CreatedAt), ts(c.UpdatedAt))
	if err != nil {
		return store.Client{}, wrap(op, asExists(err))
	}
	return c, nil
}

// GetClient returns the client with that ID, or store.ErrNotFound.
func (s *Store) GetClient(ctx context.Context, poolID, id string) (store.Client, error) {
	if !storable(poolID, id) {
		return store.Client{}, store.ErrNotFound
	}
	c, err := scanClient(s.pool.QueryRow(ctx, clientSelect+` WHERE pool_id = $1 AND id = $2`, poolID, id))
	return c, wrap("get client", err)
}

// UpdateClient replaces the client if c.Version is the stored version, and
// returns it with Version+1: store.ErrConflict when stale,
// store.ErrNotFound when absent. CreatedAt keeps its stored value.
func (s *Store) UpdateClient(ctx context.Context, c store.Client) (store.Client, error) {
	const op = "update client"
	if err := validClient(op, c); err != nil {
		return store.Client{}, err
	}
	c = normClient(c)
	settings, err := json.Marshal(c.Settings)
	if err != nil {
		return store.Client{}, wrap(op, err)
	}
	var createdAt pgtype.Timestamptz
	err = s.pool.QueryRow(ctx, `UPDATE clients SET name = $3, secret = $4, settings = $5,
		updated_at = $6, version = version + 1
		WHERE pool_id = $1 AND id = $2 AND version = $7
		RETURNING created_at`,
		c.PoolID, c.ID, c.Name, c.Secret, string(settings), ts(c.UpdatedAt), c.Version).Scan(&createdAt)
	if errors.Is(err, pgx.ErrNoRows) {
		// The version check and this lookup are two statements: a client
		// deleted in between reads as missing, which is also true.
		var found bool
		err = s.pool.QueryRow(ctx, `SELECT true FROM clients WHERE pool_id = $1 AND id = $2`, c.PoolID, c.ID).Scan(&found)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.Client{}, store.ErrNotFound
		}
		if err == nil {
			return store.Client{}, store.ErrConflict
		}
	}
	if err != nil {
		return store.Client{}, wrap(op, err)
	}
	c.CreatedAt = fromTS(createdAt)
	c.Version++
	return c, nil
}

// DeleteClient removes a client (unknown: store.ErrNotFound).
func (s *Store) DeleteClient(ctx context.Context, poolID, id string) error {
	if !storable(poolID, id) {
		return store.ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM clients WHERE pool_id = $1 AND id = $2`, poolID, id)
	if err != nil {
		return wrap("delete client", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// ListClients returns the pool's clients ordered by ID.
func (s *Store) ListClients(ctx context.Context, poolID string) ([]store.Client, error) {
	if !storable(poolID) {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, clientSelect+` WHERE pool_id = $1 ORDER BY id`, poolID)
	if err != nil {
		return nil, wrap("list clients", err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Client, error) { return scanClient(r) })
	return cs, wrap("list clients", err)
}
