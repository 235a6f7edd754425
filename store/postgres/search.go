package postgres

import (
	"bytes"
	"context"
	"slices"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/cupola-auth/cupola/store"
)

// maxListUsers caps a ListUsers page.
const maxListUsers = 1000

// searchHeadLen is the longest key user_search_key_idx holds: an index
// entry must fit in a third of a page. Longer keys are indexed by their
// first searchHeadLen bytes in user_search_long_key_idx. The partial
// indexes of 0002_groups_search.sql spell the same number, and the
// predicates and expression below must spell theirs exactly for the
// planner to use them (TestSearchIndexSpelling checks).
const searchHeadLen = 1024

const (
	shortKey = "length(s.key) <= 1024"
	longKey  = "length(s.key) > 1024"
	keyHead  = "substring(s.key FROM 1 FOR 1024)"
)

// searchRows returns the user's store.SearchKey for every search
// attribute it has one for, as parallel arrays for unnest.
func searchRows(u store.User) (attrs []string, keys [][]byte) {
	for _, attr := range store.SearchAttributes() {
		if k, ok := store.SearchKey(u, attr); ok {
			attrs = append(attrs, attr)
			keys = append(keys, bytesOf(k))
		}
	}
	return attrs, keys
}

// insertSearch ends the statement that stores a new user: it stores the
// user_search rows of the user the CTE u inserted, $17 and $18 being
// searchRows.
const insertSearch = `INSERT INTO user_search (pool_id, sub, attr, key)
	SELECT u.pool_id, u.sub, k.attr, k.key
	FROM u, unnest($17::text[], $18::bytea[]) AS k(attr, key)`

// putSearch brings the user's user_search rows up to date in tx, which has
// just updated (and so locked) the user's row. Unchanged rows are left
// alone, so an update that changes no key writes no index entry.
func putSearch(ctx context.Context, tx pgx.Tx, u store.User) error {
	attrs, keys := searchRows(u)
	_, err := tx.Exec(ctx, `WITH gone AS (
			DELETE FROM user_search WHERE pool_id = $1 AND sub = $2 AND attr <> ALL($3::text[]))
		INSERT INTO user_search AS s (pool_id, sub, attr, key)
		SELECT $1, $2, k.attr, k.key FROM unnest($3::text[], $4::bytea[]) AS k(attr, key)
		ON CONFLICT (pool_id, sub, attr) DO UPDATE SET key = excluded.key
		WHERE s.key <> excluded.key`,
		u.PoolID, u.Sub, attrs, keys)
	return err
}

// ListUsers returns at most q.Limit users (capped at 1000) matching q,
// ordered by (store.SearchKey, Sub) bytewise, or by Sub without an
// attribute. It reads index ranges as long as the page: user_search's
// indexes for an attribute, the users primary key without one.
func (s *Store) ListUsers(ctx context.Context, poolID string, q store.UserQuery) ([]store.User, error) {
	const op = "list users"
	sql, args, err := listUsersQuery(poolID, q)
	if err != nil {
		return nil, err
	}
	if !storable(poolID) {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	us, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.User, error) { return scanUser(r) })
	return us, wrap(op, err)
}

// listUsersQuery builds ListUsers' statement, or says why q is invalid.
//
// With an attribute it reads two pages off user_search and keeps the
// first q.Limit rows of both: one from user_search_key_idx, in (key, sub)
// order from the first row that can match to the last; one from
// user_search_long_key_idx, ordered by (head, key, sub), which is an
// incremental sort of rows with equal heads: only keys longer than
// searchHeadLen, sharing their first searchHeadLen bytes, cost one. Only
// the page's rows are joined to users.
func listUsersQuery(poolID string, q store.UserQuery) (string, []any, error) {
	const op = "list users"
	if q.Limit <= 0 {
		return "", nil, invalid(op, "limit must be positive")
	}
	limit := min(q.Limit, maxListUsers)
	afterFloor, afterSub := seekAfter(q.AfterSub)
	if q.Attribute == "" {
		return userSelect + `
			WHERE u.pool_id = $1 AND u.sub >= $2 AND convert_to(u.sub, 'UTF8') > $3
			ORDER BY u.sub
			LIMIT $4`, []any{poolID, afterFloor, afterSub, limit}, nil
	}
	if !slices.Contains(store.SearchAttributes(), q.Attribute) {
		return "", nil, invalid(op, "attribute "+q.Attribute+" is not searchable")
	}
	// Matching keys are those in [lo, hi): a prefix and the prefix with
	// its last byte incremented, or the value and the value followed by
	// a NUL byte (the least longer key).
	lo := bytesOf(q.Value)
	hi := append(bytesOf(q.Value), 0)
	if q.Prefix {
		hi = prefixEnd(lo)
	}
	after := bytesOf(q.AfterKey)
	// Every row of the page is at or after (lo, "") and (after,
	// afterFloor): the scan of short keys starts at the later of the two,
	// the one lower bound the index descends to. (btree would pick either
	// of two bounds it cannot compare, and the planner makes index scans
	// of comparisons it can, so the exact test that a row with key after
	// has a sub greater than afterSub is written as one it cannot.) The
	// scan of long keys starts at the later of the two heads.
	startKey, startSub := lo, ""
	if c := bytes.Compare(after, lo); c > 0 || c == 0 && afterFloor > startSub {
		startKey, startSub = after, afterFloor
	}
	startHead := head(lo)
	if h := head(after); bytes.Compare(h, startHead) > 0 {
		startHead = h
	}
	return userSelect + `
		JOIN (SELECT m.sub, m.key FROM (
			(SELECT s.sub, s.key FROM user_search s
			WHERE s.pool_id = $1 AND s.attr = $2 AND ` + shortKey + `
			  AND (s.key, s.sub) >= ($3, $4) AND s.key < $5
			  AND (s.key <> $7 OR convert_to(s.sub, 'UTF8') > $8)
			ORDER BY s.key, s.sub
			LIMIT $9)
			UNION ALL
			(SELECT s.sub, s.key FROM user_search s
			WHERE s.pool_id = $1 AND s.attr = $2 AND ` + longKey + `
			  AND ` + keyHead + ` >= $6 AND ` + keyHead + ` < $5
			  AND s.key >= $3 AND s.key < $5
			  AND (s.key <> $7 OR convert_to(s.sub, 'UTF8') > $8)
			ORDER BY ` + keyHead + `, s.key, s.sub
			LIMIT $9)
		) m ORDER BY m.key, m.sub LIMIT $9) p ON p.sub = u.sub
		WHERE u.pool_id = $1
		ORDER BY p.key, p.sub`,
		[]any{poolID, q.Attribute, startKey, startSub, hi, startHead, after, afterSub, limit}, nil
}

// head is the part of a long search key user_search_long_key_idx holds.
func head(key []byte) []byte {
	return key[:min(len(key), searchHeadLen)]
}

// prefixEnd is the least byte string greater than every string with
// prefix p: p with trailing 0xFF bytes dropped and its last byte
// incremented. When there is none (p is empty or all 0xFF) it is a single
// 0xFF byte, greater than every key: keys are UTF-8, which never holds
// that byte.
func prefixEnd(p []byte) []byte {
	n := len(p)
	for n > 0 && p[n-1] == 0xff {
		n--
	}
	if n == 0 {
		return []byte{0xff}
	}
	end := slices.Clone(p[:n])
	end[n-1]++
	return end
}

// bytesOf is s as a byte slice that is never nil: pgx binds a nil slice
// as NULL.
func bytesOf(s string) []byte {
	b := make([]byte, len(s))
	copy(b, s)
	return b
}

// seekAfter splits "a text column > after, bytewise" into what PostgreSQL
// can bind whatever after holds: floor, the longest prefix of after that a
// text column can hold (every text greater than after is at least that),
// for the index bound, and after's bytes for the exact comparison with
// convert_to(column, 'UTF8').
func seekAfter(after string) (floor string, exact []byte) {
	end := 0
	for end < len(after) {
		r, n := utf8.DecodeRuneInString(after[end:])
		if r == 0 || r == utf8.RuneError && n <= 1 {
			break
		}
		end += n
	}
	return after[:end], bytesOf(after)
}
