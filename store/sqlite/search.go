package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cupola-auth/cupola/store"
)

// maxListUsers caps a ListUsers page.
const maxListUsers = 1000

// errEmptyPage is listUsersQuery's answer when no user can follow the
// cursor (an exact match whose AfterKey is past the value).
var errEmptyPage = errors.New("empty page")

// indexedAttributes are the search attributes user_search holds: all but
// the sub, whose key is the sub itself, which the users primary key
// (pool_id, sub) orders already (migration 0012).
func indexedAttributes() []string {
	return slices.DeleteFunc(store.SearchAttributes(), func(attr string) bool { return attr == store.SearchSub })
}

// searchKeys returns the user's store.SearchKey for every indexed attribute
// it has one for: the user_search rows it has.
func searchKeys(u store.User) map[string]string {
	keys := make(map[string]string, len(store.SearchAttributes()))
	for _, attr := range indexedAttributes() {
		if k, ok := store.SearchKey(u, attr); ok {
			keys[attr] = k
		}
	}
	return keys
}

// insertSearch adds the user_search rows of a user that has none yet.
func insertSearch(ctx context.Context, tx execer, u store.User) error {
	keys := searchKeys(u)
	for _, attr := range indexedAttributes() {
		k, ok := keys[attr]
		if !ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_search (pool_id, attr, key, sub) VALUES (?, ?, ?, ?)`,
			u.PoolID, attr, k, u.Sub); err != nil {
			return fmt.Errorf("index user: %w", err)
		}
	}
	return nil
}

// syncSearch brings the user_search rows of a stored user, old, in line
// with its new version u, touching only the attributes whose key changed.
// The rows to remove are derived from old as insertSearch derived them:
// user_search has no index by sub to find them (migration 0012).
func syncSearch(ctx context.Context, tx execer, old, u store.User) error {
	was, keys := searchKeys(old), searchKeys(u)
	for _, attr := range indexedAttributes() {
		before, had := was[attr]
		now, has := keys[attr]
		if had == has && before == now {
			continue
		}
		if had {
			if err := deleteSearchRow(ctx, tx, old, attr, before); err != nil {
				return err
			}
		}
		if has {
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_search (pool_id, attr, key, sub) VALUES (?, ?, ?, ?)`,
				u.PoolID, attr, now, u.Sub); err != nil {
				return fmt.Errorf("index user: %w", err)
			}
		}
	}
	return nil
}

// deleteSearch removes the user_search rows of u, a user as stored.
func deleteSearch(ctx context.Context, tx execer, u store.User) error {
	for attr, key := range searchKeys(u) {
		if err := deleteSearchRow(ctx, tx, u, attr, key); err != nil {
			return err
		}
	}
	return nil
}

// deleteSearchRow removes one user_search row of u by its primary key.
func deleteSearchRow(ctx context.Context, tx execer, u store.User, attr, key string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_search WHERE pool_id = ? AND attr = ? AND key = ? AND sub = ?`,
		u.PoolID, attr, key, u.Sub); err != nil {
		return fmt.Errorf("unindex user: %w", err)
	}
	return nil
}

// backfillBatch is how many users backfillUserSearch reads at a time.
const backfillBatch = 500

// backfillUserSearch is the Go step of migration 0002: it indexes every
// user already stored, computing the keys with store.SearchKey as every
// write does. It reads the users columns of schema version 2 only, since
// later migrations have not run yet when it does.
func backfillUserSearch(ctx context.Context, tx *sql.Tx) error {
	var afterPool, afterSub string
	for {
		rows, err := tx.QueryContext(ctx, `SELECT u.pool_id, `+userColumns0002+` FROM users u
			WHERE (u.pool_id, u.sub) > (?, ?) ORDER BY u.pool_id, u.sub LIMIT ?`, afterPool, afterSub, backfillBatch)
		if err != nil {
			return fmt.Errorf("backfill user_search: %w", err)
		}
		var batch []store.User
		for rows.Next() {
			var pool string
			u, err := scanUser0002(prefixScanner{rows, &pool}, "")
			if err != nil {
				rows.Close()
				return fmt.Errorf("backfill user_search: %w", err)
			}
			u.PoolID = pool
			batch = append(batch, u)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("backfill user_search: %w", err)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("backfill user_search: %w", err)
		}
		for _, u := range batch {
			if err := insertSearch(ctx, tx, u); err != nil {
				return fmt.Errorf("backfill user_search: %w", err)
			}
		}
		if len(batch) < backfillBatch {
			return nil
		}
		last := batch[len(batch)-1]
		afterPool, afterSub = last.PoolID, last.Sub
	}
}

// prefixScanner scans one leading column into first, then the rest with r.
type prefixScanner struct {
	r     rowScanner
	first *string
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.r.Scan(append([]any{p.first}, dest...)...)
}

// prefixEnd returns the least string greater than every string that has
// prefix p, bytewise: p with its last byte below 0xFF incremented and what
// follows dropped. ok is false when there is none (p is empty or all 0xFF).
func prefixEnd(p string) (end string, ok bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xFF {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// listUsersQuery builds the statement of ListUsers. With an attribute it
// is a range scan of user_search's primary key (pool_id, attr, key, sub)
// joined to users by their primary key; without one, or for the sub, a
// range scan of the users primary key (pool_id, sub).
func listUsersQuery(poolID string, q store.UserQuery) (string, []any, error) {
	if q.Limit <= 0 {
		return "", nil, fmt.Errorf("%w: limit %d must be positive", store.ErrInvalid, q.Limit)
	}
	limit := min(q.Limit, maxListUsers)
	switch {
	case q.Attribute == "":
		return `SELECT ` + userColumns + ` FROM users u WHERE u.pool_id = ? AND u.sub > ? ORDER BY u.sub LIMIT ?`,
			[]any{poolID, q.AfterSub, limit}, nil
	case q.Attribute == store.SearchSub:
		return subQuery(poolID, q, limit)
	case !slices.Contains(store.SearchAttributes(), q.Attribute):
		return "", nil, fmt.Errorf("%w: %q is not a search attribute", store.ErrInvalid, q.Attribute)
	}
	var b strings.Builder
	b.WriteString(`SELECT ` + userColumns + ` FROM user_search s
		JOIN users u ON u.pool_id = s.pool_id AND u.sub = s.sub
		WHERE s.pool_id = ? AND s.attr = ?`)
	args := []any{poolID, q.Attribute}
	cursor := q.AfterKey != "" || q.AfterSub != ""
	switch {
	case !q.Prefix && cursor && q.AfterKey > q.Value:
		return "", nil, errEmptyPage
	case !q.Prefix && cursor && q.AfterKey == q.Value:
		b.WriteString(` AND s.key = ? AND s.sub > ?`)
		args = append(args, q.Value, q.AfterSub)
	case !q.Prefix:
		b.WriteString(` AND s.key = ?`)
		args = append(args, q.Value)
	default:
		// One lower bound, the greater, so that the range scan starts
		// at the cursor rather than at the first key of the prefix.
		if cursor && q.AfterKey >= q.Value {
			b.WriteString(` AND (s.key, s.sub) > (?, ?)`)
			args = append(args, q.AfterKey, q.AfterSub)
		} else {
			b.WriteString(` AND s.key >= ?`)
			args = append(args, q.Value)
		}
		if end, ok := prefixEnd(q.Value); ok {
			b.WriteString(` AND s.key < ?`)
			args = append(args, end)
		}
	}
	b.WriteString(` ORDER BY s.key, s.sub LIMIT ?`)
	args = append(args, limit)
	return b.String(), args, nil
}

// subQuery is listUsersQuery for the sub, whose key is the sub itself: a
// range of the users primary key. A user (sub, sub) is after the cursor
// (AfterKey, AfterSub) when sub > AfterKey, or sub = AfterKey > AfterSub.
func subQuery(poolID string, q store.UserQuery, limit int) (string, []any, error) {
	var b strings.Builder
	b.WriteString(`SELECT ` + userColumns + ` FROM users u WHERE u.pool_id = ?`)
	args := []any{poolID}
	cursor := q.AfterKey != "" || q.AfterSub != ""
	switch {
	case !q.Prefix && cursor && (q.AfterKey > q.Value || q.AfterKey == q.Value && q.AfterSub >= q.Value):
		return "", nil, errEmptyPage
	case !q.Prefix:
		b.WriteString(` AND u.sub = ?`)
		args = append(args, q.Value)
	default:
		switch {
		case cursor && q.AfterKey >= q.Value && q.AfterKey > q.AfterSub:
			b.WriteString(` AND u.sub >= ?`) // AfterKey itself is after the cursor
			args = append(args, q.AfterKey)
		case cursor && q.AfterKey >= q.Value:
			b.WriteString(` AND u.sub > ?`)
			args = append(args, q.AfterKey)
		default:
			b.WriteString(` AND u.sub >= ?`)
			args = append(args, q.Value)
		}
		if end, ok := prefixEnd(q.Value); ok {
			b.WriteString(` AND u.sub < ?`)
			args = append(args, end)
		}
	}
	b.WriteString(` ORDER BY u.sub LIMIT ?`)
	args = append(args, limit)
	return b.String(), args, nil
}

// ListUsers implements store.UserSearch from the user_search index, or
// the users primary key for the sub (listUsersQuery): its cost grows with
// the page, not with the pool.
func (s *Store) ListUsers(ctx context.Context, poolID string, q store.UserQuery) ([]store.User, error) {
	query, args, err := listUsersQuery(poolID, q)
	if errors.Is(err, errEmptyPage) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: list users: %w", err)
	}
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list users: %w", err)
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		u, err := scanUser(rows, poolID)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list users: %w", err)
	}
	return out, nil
}
