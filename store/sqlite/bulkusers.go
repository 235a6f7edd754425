package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cupola-auth/cupola/store"
)

const (
	insertUserSQL = `INSERT INTO users (pool_id, sub, username, username_key, status, enabled,
		attributes, aliases, password_hash, srp_salt, srp_verifier, password_temporary, password_expires_at,
		password_changed_at, version, created_at, updated_at, mfa)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	insertAliasSQL = `INSERT INTO user_aliases (pool_id, kind, value, sub) VALUES (?, ?, ?, ?)`
)

// searchChunk is how many user_search rows one INSERT of CreateUsers
// carries (four variables each, far below SQLite's limit).
const searchChunk = 250

// bulkUser is one user of a CreateUsers batch that passed validation.
type bulkUser struct {
	i    int // index in the batch
	u    store.User
	docs userDocs
}

// CreateUsers implements store.Users in one BEGIN IMMEDIATE transaction,
// so a batch costs one commit (one fsync) instead of one per user.
//
// The transaction holds the database's write lock from its first
// statement, so nothing else can write between a check and an insert:
// users are inserted one by one, in batch order, with statements prepared
// once per batch, and the unique indexes decide. A user whose username key
// or sub is taken fails its INSERT, which SQLite undoes on its own (a
// constraint error aborts the statement, not the transaction). A user whose
// alias is taken has had its row inserted already; it is deleted again
// with the aliases inserted before the taken one, which is cheaper on the
// common path than a savepoint around every user. Earlier users of the
// batch are in the tables by then, so duplicates within the batch resolve
// as in order. The search keys of the created users are inserted at the
// end, many rows a statement.
func (s *Store) CreateUsers(ctx context.Context, users []store.User) ([]error, error) {
	const op = "sqlite: create users"
	if len(users) > store.MaxCreateUsers {
		return nil, fmt.Errorf("%s: %w: %d users, more than %d", op, store.ErrInvalid, len(users), store.MaxCreateUsers)
	}
	outcomes := make([]error, len(users))
	batch := make([]bulkUser, 0, len(users))
	for i, u := range users {
		if err := validUser(u); err != nil {
			outcomes[i] = fmt.Errorf("%s: %w", op, err)
			continue
		}
		u.Version = 1
		u, docs, err := encodeUser(u)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		batch = append(batch, bulkUser{i: i, u: u, docs: docs})
	}
	if len(batch) == 0 {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		return outcomes, nil
	}
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		ins, err := newBulkInserter(ctx, tx)
		if err != nil {
			return err
		}
		defer ins.close()
		created := make([]store.User, 0, len(batch))
		for _, b := range batch {
			outcome, err := ins.insert(ctx, b.u, b.docs)
			if err != nil {
				return err
			}
			if outcomes[b.i] = outcome; outcome == nil {
				created = append(created, b.u)
			}
		}
		return insertSearchRows(ctx, tx, created)
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return outcomes, nil
}

// bulkInserter holds the statements CreateUsers runs for every user.
type bulkInserter struct {
	user, alias, dropAlias, dropUser *sql.Stmt
}

func newBulkInserter(ctx context.Context, tx *wtx) (*bulkInserter, error) {
	b := &bulkInserter{}
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&b.user, insertUserSQL},
		{&b.alias, insertAliasSQL},
		{&b.dropAlias, deleteAliasSQL},
		{&b.dropUser, `DELETE FROM users WHERE pool_id = ? AND sub = ?`},
	} {
		stmt, err := tx.PrepareContext(ctx, p.query)
		if err != nil {
			b.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*p.stmt = stmt
	}
	return b, nil
}

func (b *bulkInserter) close() {
	for _, s := range []*sql.Stmt{b.user, b.alias, b.dropAlias, b.dropUser} {
		if s != nil {
			_ = s.Close()
		}
	}
}

// insert stores one user and its aliases (not its search keys). outcome
// is nil or the *store.ExistsError of a taken key, in which case nothing
// of the user is left; err is a failure that ends the batch.
func (b *bulkInserter) insert(ctx context.Context, u store.User, docs userDocs) (outcome, err error) {
	_, err = b.user.ExecContext(ctx, u.PoolID, u.Sub, u.Username, u.UsernameKey, string(u.Status), boolInt(u.Enabled),
		docs.attrs, docs.aliases, u.Password.Hash, u.Password.SRPSalt, u.Password.SRPVerifier,
		boolInt(u.Password.Temporary), toMicros(u.Password.ExpiresAt), toMicros(u.Password.ChangedAt),
		u.Version, toMicros(u.CreatedAt), toMicros(u.UpdatedAt), docs.mfa)
	switch {
	case isPrimaryKeyViolation(err):
		return &store.ExistsError{Key: "sub"}, nil
	case isUniqueViolation(err):
		return &store.ExistsError{Key: "username"}, nil
	case err != nil:
		return nil, err
	}
	kinds := slices.Sorted(maps.Keys(u.Aliases))
	for i, kind := range kinds {
		_, err := b.alias.ExecContext(ctx, u.PoolID, kind, u.Aliases[kind], u.Sub)
		if err == nil {
			continue
		}
		if !isUniqueViolation(err) {
			return nil, err
		}
		for _, done := range kinds[:i] {
			if _, err := b.dropAlias.ExecContext(ctx, u.PoolID, done, u.Aliases[done], u.Sub); err != nil {
				return nil, err
			}
		}
		if _, err := b.dropUser.ExecContext(ctx, u.PoolID, u.Sub); err != nil {
			return nil, err
		}
		return &store.ExistsError{Key: kind}, nil
	}
	return nil, nil
}

// insertSearchRows adds the user_search rows of users just created,
// searchChunk rows a statement, in primary-key order so that consecutive
// rows land on the same pages.
func insertSearchRows(ctx context.Context, tx execer, users []store.User) error {
	type searchRow struct{ pool, attr, key, sub string }
	attrs := indexedAttributes()
	rows := make([]searchRow, 0, len(users)*len(attrs))
	for _, u := range users {
		for _, attr := range attrs {
			if k, ok := store.SearchKey(u, attr); ok {
				rows = append(rows, searchRow{u.PoolID, attr, k, u.Sub})
			}
		}
	}
	slices.SortFunc(rows, func(a, b searchRow) int {
		return cmp.Or(strings.Compare(a.pool, b.pool), strings.Compare(a.attr, b.attr),
			strings.Compare(a.key, b.key), strings.Compare(a.sub, b.sub))
	})
	args := make([]any, 0, 4*searchChunk)
	for chunk := range slices.Chunk(rows, searchChunk) {
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r.pool, r.attr, r.key, r.sub)
		}
		q := `INSERT INTO user_search (pool_id, attr, key, sub) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", len(chunk)), ", ")
		if _, err := unkept(tx).ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("index users: %w", err)
		}
	}
	return nil
}
