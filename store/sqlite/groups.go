package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cupola-auth/cupola/store"
)

const groupColumns = `g.name, g.description, g.role_arn, g.precedence, g.version, g.created_at, g.updated_at`

func scanGroup(r rowScanner, poolID string) (store.Group, error) {
	g := store.Group{PoolID: poolID}
	var cr, upd sql.NullInt64
	if err := r.Scan(&g.Name, &g.Description, &g.RoleArn, &g.Precedence, &g.Version, &cr, &upd); err != nil {
		return store.Group{}, err
	}
	g.CreatedAt = fromMicros(cr)
	g.UpdatedAt = fromMicros(upd)
	return g, nil
}

func validGroup(g store.Group) error {
	if g.PoolID == "" || g.Name == "" {
		return fmt.Errorf("%w: group needs pool id and name", store.ErrInvalid)
	}
	return nil
}

func normGroup(g store.Group) store.Group {
	g.CreatedAt = normTime(g.CreatedAt)
	g.UpdatedAt = normTime(g.UpdatedAt)
	return g
}

// CreateGroup implements store.Groups. A taken name is an *ExistsError
// with Key "group".
func (s *Store) CreateGroup(ctx context.Context, g store.Group) (store.Group, error) {
	if err := validGroup(g); err != nil {
		return store.Group{}, fmt.Errorf("sqlite: create group: %w", err)
	}
	g.Version = 1
	g = normGroup(g)
	_, err := s.writeExec(ctx, `INSERT INTO groups (pool_id, name, description, role_arn, precedence, version,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		g.PoolID, g.Name, g.Description, g.RoleArn, g.Precedence, g.Version, toMicros(g.CreatedAt), toMicros(g.UpdatedAt))
	if isUniqueViolation(err) {
		err = &store.ExistsError{Key: "group"}
	}
	if err != nil {
		return store.Group{}, fmt.Errorf("sqlite: create group: %w", err)
	}
	return g, nil
}

// GetGroup implements store.Groups.
func (s *Store) GetGroup(ctx context.Context, poolID, name string) (store.Group, error) {
	row := s.reader.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups g WHERE g.pool_id = ? AND g.name = ?`, poolID, name)
	g, err := scanGroup(row, poolID)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Group{}, fmt.Errorf("sqlite: get group: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Group{}, fmt.Errorf("sqlite: get group: %w", err)
	}
	return g, nil
}

// UpdateGroup implements store.Groups as a compare-and-swap on Version.
func (s *Store) UpdateGroup(ctx context.Context, g store.Group) (store.Group, error) {
	if err := validGroup(g); err != nil {
		return store.Group{}, fmt.Errorf("sqlite: update group: %w", err)
	}
	g = normGroup(g)
	// The version to compare is read before the write runs: the
	// committer may run it twice (commit.go), and g.Version changes.
	want := g.Version
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		var (
			version int64
			created sql.NullInt64
		)
		err := tx.QueryRowContext(ctx, `SELECT version, created_at FROM groups WHERE pool_id = ? AND name = ?`,
			g.PoolID, g.Name).Scan(&version, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if version != want {
			return store.ErrConflict
		}
		g.Version = version + 1
		g.CreatedAt = fromMicros(created)
		_, err = tx.ExecContext(ctx, `UPDATE groups SET description = ?, role_arn = ?, precedence = ?, version = ?,
			updated_at = ? WHERE pool_id = ? AND name = ?`,
			g.Description, g.RoleArn, g.Precedence, g.Version, toMicros(g.UpdatedAt), g.PoolID, g.Name)
		return err
	})
	if err != nil {
		return store.Group{}, fmt.Errorf("sqlite: update group: %w", err)
	}
	return g, nil
}

// DeleteGroup implements store.Groups. The memberships go by foreign-key
// cascade in the same statement. An unknown group is ErrNotFound.
func (s *Store) DeleteGroup(ctx context.Context, poolID, name string) error {
	res, err := s.writeExec(ctx, `DELETE FROM groups WHERE pool_id = ? AND name = ?`, poolID, name)
	if err != nil {
		return fmt.Errorf("sqlite: delete group: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: delete group: %w", err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: delete group: %w", store.ErrNotFound)
	}
	return nil
}

// ListGroups implements store.Groups. A limit below 1 is ErrInvalid.
func (s *Store) ListGroups(ctx context.Context, poolID, after string, limit int) ([]store.Group, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("sqlite: list groups: %w: limit %d must be positive", store.ErrInvalid, limit)
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT `+groupColumns+` FROM groups g
		WHERE g.pool_id = ? AND g.name > ? ORDER BY g.name LIMIT ?`, poolID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list groups: %w", err)
	}
	out, err := collectGroups(rows, poolID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list groups: %w", err)
	}
	return out, nil
}

func collectGroups(rows *sql.Rows, poolID string) ([]store.Group, error) {
	defer rows.Close()
	var out []store.Group
	for rows.Next() {
		g, err := scanGroup(rows, poolID)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// userAndGroupExist reports ErrNotFound unless both the user and the group
// exist.
func userAndGroupExist(ctx context.Context, tx execer, poolID, sub, group string) error {
	var user, grp bool
	err := tx.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM users WHERE pool_id = ? AND sub = ?),
		EXISTS (SELECT 1 FROM groups WHERE pool_id = ? AND name = ?)`,
		poolID, sub, poolID, group).Scan(&user, &grp)
	switch {
	case err != nil:
		return err
	case !user:
		return fmt.Errorf("user: %w", store.ErrNotFound)
	case !grp:
		return fmt.Errorf("group: %w", store.ErrNotFound)
	}
	return nil
}

// AddUserToGroup implements store.Groups. Adding a member again changes
// nothing.
func (s *Store) AddUserToGroup(ctx context.Context, poolID, sub, group string) error {
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		if err := userAndGroupExist(ctx, tx, poolID, sub, group); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO group_members (pool_id, group_name, sub) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`, poolID, group, sub)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: add user to group: %w", err)
	}
	return nil
}

// RemoveUserFromGroup implements store.Groups. Removing a user that is not
// a member changes nothing.
func (s *Store) RemoveUserFromGroup(ctx context.Context, poolID, sub, group string) error {
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		if err := userAndGroupExist(ctx, tx, poolID, sub, group); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM group_members WHERE pool_id = ? AND group_name = ? AND sub = ?`,
			poolID, group, sub)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: remove user from group: %w", err)
	}
	return nil
}

// ListGroupsForUser implements store.Groups. An unknown user has no
// groups.
func (s *Store) ListGroupsForUser(ctx context.Context, poolID, sub string) ([]store.Group, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+groupColumns+` FROM group_members m
		JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name
		WHERE m.pool_id = ? AND m.sub = ? ORDER BY m.group_name`, poolID, sub)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list groups for user: %w", err)
	}
	out, err := collectGroups(rows, poolID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list groups for user: %w", err)
	}
	return out, nil
}

// ListUsersInGroup implements store.Groups. The group check and the page
// are read in one transaction, so they see the same snapshot.
func (s *Store) ListUsersInGroup(ctx context.Context, poolID, group, afterSub string, limit int) ([]store.User, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("sqlite: list users in group: %w: limit %d must be positive", store.ErrInvalid, limit)
	}
	tx, err := s.reader.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list users in group: begin: %w", err)
	}
	defer tx.Rollback()
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM groups WHERE pool_id = ? AND name = ?)`,
		poolID, group).Scan(&exists); err != nil {
		return nil, fmt.Errorf("sqlite: list users in group: %w", err)
	}
	if !exists {
		return nil, fmt.Errorf("sqlite: list users in group: %w", store.ErrNotFound)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+userColumns+` FROM group_members m
		JOIN users u ON u.pool_id = m.pool_id AND u.sub = m.sub
		WHERE m.pool_id = ? AND m.group_name = ? AND m.sub > ? ORDER BY m.sub LIMIT ?`,
		poolID, group, afterSub, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list users in group: %w", err)
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		u, err := scanUser(rows, poolID)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list users in group: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list users in group: %w", err)
	}
	return out, nil
}
