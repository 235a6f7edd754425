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

const resourceServerColumns = `identifier, name, scopes, version, created_at, updated_at`

func scanResourceServer(r rowScanner, poolID string) (store.ResourceServer, error) {
	rs := store.ResourceServer{PoolID: poolID}
	var (
		scopes  string
		cr, upd sql.NullInt64
	)
	if err := r.Scan(&rs.Identifier, &rs.Name, &scopes, &rs.Version, &cr, &upd); err != nil {
		return store.ResourceServer{}, err
	}
	if err := json.Unmarshal([]byte(scopes), &rs.Scopes); err != nil {
		return store.ResourceServer{}, fmt.Errorf("decode scopes: %w", err)
	}
	rs.CreatedAt = fromMicros(cr)
	rs.UpdatedAt = fromMicros(upd)
	return rs, nil
}

func validResourceServer(rs store.ResourceServer) error {
	if rs.PoolID == "" || rs.Identifier == "" {
		return fmt.Errorf("%w: resource server needs pool id and identifier", store.ErrInvalid)
	}
	return nil
}

// normResourceServer is rs as it reads back, and its scopes encoded.
func normResourceServer(rs store.ResourceServer) (store.ResourceServer, string, error) {
	rs.Scopes = slices.Clone(rs.Scopes)
	rs.CreatedAt = normTime(rs.CreatedAt)
	rs.UpdatedAt = normTime(rs.UpdatedAt)
	b, err := json.Marshal(rs.Scopes)
	if err != nil {
		return store.ResourceServer{}, "", fmt.Errorf("encode scopes: %w", err)
	}
	return rs, string(b), nil
}

// CreateResourceServer implements store.ResourceServers. A taken
// identifier is an *ExistsError with Key "identifier".
func (s *Store) CreateResourceServer(ctx context.Context, rs store.ResourceServer) (store.ResourceServer, error) {
	if err := validResourceServer(rs); err != nil {
		return store.ResourceServer{}, fmt.Errorf("sqlite: create resource server: %w", err)
	}
	rs.Version = 1
	rs, scopes, err := normResourceServer(rs)
	if err != nil {
		return store.ResourceServer{}, fmt.Errorf("sqlite: create resource server: %w", err)
	}
	_, err = s.writeExec(ctx, `INSERT INTO resource_servers (pool_id, `+resourceServerColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		rs.PoolID, rs.Identifier, rs.Name, scopes, rs.Version, toMicros(rs.CreatedAt), toMicros(rs.UpdatedAt))
	if isUniqueViolation(err) {
		err = &store.ExistsError{Key: "identifier"}
	}
	if err != nil {
		return store.ResourceServer{}, fmt.Errorf("sqlite: create resource server: %w", err)
	}
	return rs, nil
}

// GetResourceServer implements store.ResourceServers.
func (s *Store) GetResourceServer(ctx context.Context, poolID, identifier string) (store.ResourceServer, error) {
	row := s.reader.QueryRowContext(ctx, `SELECT `+resourceServerColumns+` FROM resource_servers
		WHERE pool_id = ? AND identifier = ?`, poolID, identifier)
	rs, err := scanResourceServer(row, poolID)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ResourceServer{}, fmt.Errorf("sqlite: get resource server: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.ResourceServer{}, fmt.Errorf("sqlite: get resource server: %w", err)
	}
	return rs, nil
}

// UpdateResourceServer implements store.ResourceServers as a
// compare-and-swap on Version.
func (s *Store) UpdateResourceServer(ctx context.Context, rs store.ResourceServer) (store.ResourceServer, error) {
	if err := validResourceServer(rs); err != nil {
		return store.ResourceServer{}, fmt.Errorf("sqlite: update resource server: %w", err)
	}
	rs, scopes, err := normResourceServer(rs)
	if err != nil {
		return store.ResourceServer{}, fmt.Errorf("sqlite: update resource server: %w", err)
	}
	// The version to compare is read before the write runs: the
	// committer may run it twice (commit.go), and rs.Version changes.
	want := rs.Version
	err = s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		var (
			version int64
			created sql.NullInt64
		)
		err := tx.QueryRowContext(ctx, `SELECT version, created_at FROM resource_servers WHERE pool_id = ? AND identifier = ?`,
			rs.PoolID, rs.Identifier).Scan(&version, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if version != want {
			return store.ErrConflict
		}
		rs.Version = version + 1
		rs.CreatedAt = fromMicros(created)
		_, err = tx.ExecContext(ctx, `UPDATE resource_servers SET name = ?, scopes = ?, version = ?, updated_at = ?
			WHERE pool_id = ? AND identifier = ?`,
			rs.Name, scopes, rs.Version, toMicros(rs.UpdatedAt), rs.PoolID, rs.Identifier)
		return err
	})
	if err != nil {
		return store.ResourceServer{}, fmt.Errorf("sqlite: update resource server: %w", err)
	}
	return rs, nil
}

// DeleteResourceServer implements store.ResourceServers. An unknown
// identifier is ErrNotFound.
func (s *Store) DeleteResourceServer(ctx context.Context, poolID, identifier string) error {
	res, err := s.writeExec(ctx, `DELETE FROM resource_servers WHERE pool_id = ? AND identifier = ?`, poolID, identifier)
	if err != nil {
		return fmt.Errorf("sqlite: delete resource server: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: delete resource server: %w", err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: delete resource server: %w", store.ErrNotFound)
	}
	return nil
}

// ListResourceServers implements store.ResourceServers.
func (s *Store) ListResourceServers(ctx context.Context, poolID string) ([]store.ResourceServer, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+resourceServerColumns+` FROM resource_servers
		WHERE pool_id = ? ORDER BY identifier`, poolID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list resource servers: %w", err)
	}
	defer rows.Close()
	var out []store.ResourceServer
	for rows.Next() {
		rs, err := scanResourceServer(rows, poolID)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list resource servers: %w", err)
		}
		out = append(out, rs)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list resource servers: %w", err)
	}
	return out, nil
}
