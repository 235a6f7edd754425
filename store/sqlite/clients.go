package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/cupola-auth/cupola/store"
)

const clientColumns = `id, name, secret, settings, version, created_at, updated_at`

func scanClient(r rowScanner, poolID string) (store.Client, error) {
	c := store.Client{PoolID: poolID}
	var (
		settings string
		cr, upd  sql.NullInt64
	)
	if err := r.Scan(&c.ID, &c.Name, &c.Secret, &settings, &c.Version, &cr, &upd); err != nil {
		return store.Client{}, err
	}
	if err := json.Unmarshal([]byte(settings), &c.Settings); err != nil {
		return store.Client{}, fmt.Errorf("decode settings: %w", err)
	}
	c.CreatedAt = fromMicros(cr)
	c.UpdatedAt = fromMicros(upd)
	return c, nil
}

func validClient(c store.Client) error {
	if c.PoolID == "" || c.ID == "" {
		return fmt.Errorf("%w: client needs pool id and id", store.ErrInvalid)
	}
	return nil
}

func normClient(c store.Client) store.Client {
	c.Secret = slices.Clone(c.Secret)
	c.CreatedAt = normTime(c.CreatedAt)
	c.UpdatedAt = normTime(c.UpdatedAt)
	return c
}

// CreateClient implements store.Clients.
func (s *Store) CreateClient(ctx context.Context, c store.Client) (store.Client, error) {
	if err := validClient(c); err != nil {
		return store.Client{}, fmt.Errorf("sqlite: create client: %w", err)
	}
	c.Version = 1
	c = normClient(c)
	settings, err := json.Marshal(c.Settings)
	if err != nil {
		return store.Client{}, fmt.Errorf("sqlite: create client: encode settings: %w", err)
	}
	err = s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO clients (pool_id, `+clientColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.PoolID, c.ID, c.Name, c.Secret, string(settings), c.Version, toMicros(c.CreatedAt), toMicros(c.UpdatedAt))
		if isUniqueViolation(err) {
			return &store.ExistsError{Key: "id"}
		}
		return err
	})
	if err != nil {
		return store.Client{}, fmt.Errorf("sqlite: create client: %w", err)
	}
	return c, nil
}

// GetClient implements store.Clients.
func (s *Store) GetClient(ctx context.Context, poolID, id string) (store.Client, error) {
	row := s.reader.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM clients WHERE pool_id = ? AND id = ?`, poolID, id)
	c, err := scanClient(row, poolID)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Client{}, fmt.Errorf("sqlite: get client: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Client{}, fmt.Errorf("sqlite: get client: %w", err)
	}
	return c, nil
}

// UpdateClient implements store.Clients as a compare-and-swap on Version.
func (s *Store) UpdateClient(ctx context.Context, c store.Client) (store.Client, error) {
	if err := validClient(c); err != nil {
		return store.Client{}, fmt.Errorf("sqlite: update client: %w", err)
	}
	c = normClient(c)
	settings, err := json.Marshal(c.Settings)
	if err != nil {
		return store.Client{}, fmt.Errorf("sqlite: update client: encode settings: %w", err)
	}
	// The version to compare is read before the write runs: the
	// committer may run it twice (commit.go), and c.Version changes.
	want := c.Version
	err = s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		var (
			version int64
			created sql.NullInt64
		)
		err := tx.QueryRowContext(ctx, `SELECT version, created_at FROM clients WHERE pool_id = ? AND id = ?`,
			c.PoolID, c.ID).Scan(&version, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if version != want {
			return store.ErrConflict
		}
		c.Version = version + 1
		c.CreatedAt = fromMicros(created)
		_, err = tx.ExecContext(ctx, `UPDATE clients SET name = ?, secret = ?, settings = ?, version = ?, updated_at = ?
			WHERE pool_id = ? AND id = ?`,
			c.Name, c.Secret, string(settings), c.Version, toMicros(c.UpdatedAt), c.PoolID, c.ID)
		return err
	})
	if err != nil {
		return store.Client{}, fmt.Errorf("sqlite: update client: %w", err)
	}
	return c, nil
}

// DeleteClient implements store.Clients. An unknown client is ErrNotFound.
func (s *Store) DeleteClient(ctx context.Context, poolID, id string) error {
	res, err := s.writeExec(ctx, `DELETE FROM clients WHERE pool_id = ? AND id = ?`, poolID, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete client: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: delete client: %w", err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: delete client: %w", store.ErrNotFound)
	}
	return nil
}

// ListClients implements store.Clients.
func (s *Store) ListClients(ctx context.Context, poolID string) ([]store.Client, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+clientColumns+` FROM clients WHERE pool_id = ? ORDER BY id`, poolID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list clients: %w", err)
	}
	defer rows.Close()
	var out []store.Client
	for rows.Next() {
		c, err := scanClient(rows, poolID)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list clients: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list clients: %w", err)
	}
	return out, nil
}
