package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cupola-auth/cupola/store"
)

const groupSelect = `SELECT g.pool_id, g.name, g.description, g.role_arn, g.precedence, g.version,
	g.created_at, g.updated_at FROM groups g`

func scanGroup(row pgx.Row) (store.Group, error) {
	var (
		g                    store.Group
		createdAt, updatedAt pgtype.Timestamptz
	)
	err := row.Scan(&g.PoolID, &g.Name, &g.Description, &g.RoleArn, &g.Precedence, &g.Version, &createdAt, &updatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Group{}, store.ErrNotFound
	}
	if err != nil {
		return store.Group{}, err
	}
	g.CreatedAt, g.UpdatedAt = fromTS(createdAt), fromTS(updatedAt)
	return g, nil
}

func collectGroups(rows pgx.Rows, err error) ([]store.Group, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Group, error) { return scanGroup(r) })
}

func validGroup(op string, g store.Group) error {
	switch {
	case g.PoolID == "":
		return invalid(op, "pool id is empty")
	case g.Name == "":
		return invalid(op, "group name is empty")
	}
	return nil
}

// CreateGroup stores a new group with Version 1, or returns an
// *store.ExistsError with Key "group".
func (s *Store) CreateGroup(ctx context.Context, g store.Group) (store.Group, error) {
	const op = "create group"
	if err := validGroup(op, g); err != nil {
		return store.Group{}, err
	}
	g.Version = 1
	g.CreatedAt, g.UpdatedAt = norm(g.CreatedAt), norm(g.UpdatedAt)
	_, err := s.pool.Exec(ctx, `INSERT INTO groups (pool_id, name, description, role_arn, precedence,
		version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		g.PoolID, g.Name, g.Description, g.RoleArn, g.Precedence, g.Version, ts(g.CreatedAt), ts(g.UpdatedAt))
	if err != nil {
		return store.Group{}, wrap(op, asExists(err))
	}
	return g, nil
}

// GetGroup returns the group with that name (case-sensitive), or
// store.ErrNotFound.
func (s *Store) GetGroup(ctx context.Context, poolID, name string) (store.Group, error) {
	if !storable(poolID, name) {
		return store.Group{}, store.ErrNotFound
	}
	g, err := scanGroup(s.pool.QueryRow(ctx, groupSelect+` WHERE g.pool_id = $1 AND g.name = $2`, poolID, name))
	return g, wrap("get group", err)
}

// UpdateGroup replaces the group if g.Version is the stored version, and
// returns it with Version+1: store.ErrConflict when stale,
// store.ErrNotFound when absent. CreatedAt keeps its stored value.
func (s *Store) UpdateGroup(ctx context.Context, g store.Group) (store.Group, error) {
	const op = "update group"
	if err := validGroup(op, g); err != nil {
		return store.Group{}, err
	}
	if !storable(g.PoolID, g.Name) {
		return store.Group{}, store.ErrNotFound
	}
	g.UpdatedAt = norm(g.UpdatedAt)
	var createdAt pgtype.Timestamptz
	err := s.pool.QueryRow(ctx, `UPDATE groups SET description = $3, role_arn = $4, precedence = $5,
		updated_at = $6, version = version + 1
		WHERE pool_id = $1 AND name = $2 AND version = $7
		RETURNING created_at`,
		g.PoolID, g.Name, g.Description, g.RoleArn, g.Precedence, ts(g.UpdatedAt), g.Version).Scan(&createdAt)
	if errors.Is(err, pgx.ErrNoRows) {
		// Two statements: a group deleted in between reads as missing,
		// which is also true.
		err = missingOrStale(ctx, s.pool, `SELECT true FROM groups WHERE pool_id = $1 AND name = $2`, g.PoolID, g.Name)
	}
	if err != nil {
		return store.Group{}, wrap(op, err)
	}
	g.CreatedAt = fromTS(createdAt)
	g.Version++
	return g, nil
}

// DeleteGroup removes the group and, by foreign-key cascade, its
// memberships (unknown: store.ErrNotFound).
func (s *Store) DeleteGroup(ctx context.Context, poolID, name string) error {
	if !storable(poolID, name) {
		return store.ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM groups WHERE pool_id = $1 AND name = $2`, poolID, name)
	if err != nil {
		return wrap("delete group", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// ListGroups returns at most limit groups ordered by name (bytewise),
// starting after the name after. A limit <= 0 is store.ErrInvalid.
func (s *Store) ListGroups(ctx context.Context, poolID, after string, limit int) ([]store.Group, error) {
	const op = "list groups"
	if limit <= 0 {
		return nil, invalid(op, "limit must be positive")
	}
	if !storable(poolID) {
		return nil, nil
	}
	floor, exact := seekAfter(after)
	gs, err := collectGroups(s.pool.Query(ctx, groupSelect+`
		WHERE g.pool_id = $1 AND g.name >= $2 AND convert_to(g.name, 'UTF8') > $3
		ORDER BY g.name
		LIMIT $4`, poolID, floor, exact, limit))
	return gs, wrap(op, err)
}

// AddUserToGroup makes the user a member of the group; already a member
// is not an error, an unknown user or group is store.ErrNotFound. The
// foreign keys decide that in the one statement, holding both rows while
// it inserts.
func (s *Store) AddUserToGroup(ctx context.Context, poolID, sub, group string) error {
	if !storable(poolID, sub, group) {
		return store.ErrNotFound
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO group_members (pool_id, group_name, sub) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, poolID, group, sub)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == codeForeignKeyViolation {
		return store.ErrNotFound
	}
	return wrap("add user to group", err)
}

// RemoveUserFromGroup ends a membership; not a member is not an error, an
// unknown user or group is store.ErrNotFound.
func (s *Store) RemoveUserFromGroup(ctx context.Context, poolID, sub, group string) error {
	if !storable(poolID, sub, group) {
		return store.ErrNotFound
	}
	var known bool
	err := s.pool.QueryRow(ctx, `WITH gone AS (
			DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2 AND sub = $3)
		SELECT EXISTS (SELECT 1 FROM groups WHERE pool_id = $1 AND name = $2)
		   AND EXISTS (SELECT 1 FROM users WHERE pool_id = $1 AND sub = $3)`,
		poolID, group, sub).Scan(&known)
	if err != nil {
		return wrap("remove user from group", err)
	}
	if !known {
		return store.ErrNotFound
	}
	return nil
}

// ListGroupsForUser returns every group of the user ordered by name: none
// for an unknown user.
func (s *Store) ListGroupsForUser(ctx context.Context, poolID, sub string) ([]store.Group, error) {
	if !storable(poolID, sub) {
		return nil, nil
	}
	gs, err := collectGroups(s.pool.Query(ctx, groupSelect+`
		JOIN group_members m ON m.pool_id = g.pool_id AND m.group_name = g.name
		WHERE m.pool_id = $1 AND m.sub = $2
		ORDER BY g.name`, poolID, sub))
	return gs, wrap("list groups for user", err)
}

// ListUsersInGroup returns at most limit members ordered by sub, starting
// after afterSub. An unknown group is store.ErrNotFound, a limit <= 0
// store.ErrInvalid.
func (s *Store) ListUsersInGroup(ctx context.Context, poolID, group, afterSub string, limit int) ([]store.User, error) {
	const op = "list users in group"
	if limit <= 0 {
		return nil, invalid(op, "limit must be positive")
	}
	if !storable(poolID, group) {
		return nil, store.ErrNotFound
	}
	floor, exact := seekAfter(afterSub)
	rows, err := s.pool.Query(ctx, userSelect+`
		JOIN group_members m ON m.pool_id = u.pool_id AND m.sub = u.sub
		WHERE m.pool_id = $1 AND m.group_name = $2 AND m.sub >= $3 AND convert_to(m.sub, 'UTF8') > $4
		ORDER BY m.sub
		LIMIT $5`, poolID, group, floor, exact, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	us, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.User, error) { return scanUser(r) })
	if err != nil {
		return nil, wrap(op, err)
	}
	if len(us) > 0 {
		return us, nil
	}
	// An empty page: is there a group? A group deleted since the first
	// statement reads as missing, which is also true.
	var found bool
	err = s.pool.QueryRow(ctx, `SELECT true FROM groups WHERE pool_id = $1 AND name = $2`, poolID, group).Scan(&found)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return us, wrap(op, err)
}
