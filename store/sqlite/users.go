package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/cupola-auth/cupola/store"
)

// userColumns0002 are the users columns of schema versions 1 and 2. The Go
// step of migration 0002 reads them and nothing newer: it runs before
// later migrations have added their columns.
const userColumns0002 = `u.sub, u.username, u.username_key, u.status, u.enabled, u.attributes, u.aliases,
	u.password_hash, u.srp_salt, u.srp_verifier, u.password_temporary, u.password_expires_at,
	u.password_changed_at, u.version, u.created_at, u.updated_at`

// userColumns are every users column, in the order scanUser reads them.
const userColumns = userColumns0002 + `, u.mfa`

type rowScanner interface{ Scan(dest ...any) error }

// scanUser reads a row of userColumns.
func scanUser(r rowScanner, poolID string) (store.User, error) {
	var mfa string
	u, err := scanUser0002(r, poolID, &mfa)
	if err != nil {
		return store.User{}, err
	}
	if u.MFA, err = decodeMFA(mfa); err != nil {
		return store.User{}, err
	}
	return u, nil
}

// scanUser0002 reads a row of userColumns0002 followed by the columns that
// extra receives.
func scanUser0002(r rowScanner, poolID string, extra ...any) (store.User, error) {
	u := store.User{PoolID: poolID}
	var (
		status                        string
		enabled, temporary            int64
		attrs, aliases                string
		pwExpires, pwChanged, cr, upd sql.NullInt64
	)
	dest := []any{&u.Sub, &u.Username, &u.UsernameKey, &status, &enabled, &attrs, &aliases,
		&u.Password.Hash, &u.Password.SRPSalt, &u.Password.SRPVerifier, &temporary, &pwExpires,
		&pwChanged, &u.Version, &cr, &upd}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return store.User{}, err
	}
	u.Status = store.UserStatus(status)
	u.Enabled = enabled != 0
	u.Password.Temporary = temporary != 0
	u.Password.ExpiresAt = fromMicros(pwExpires)
	u.Password.ChangedAt = fromMicros(pwChanged)
	u.CreatedAt = fromMicros(cr)
	u.UpdatedAt = fromMicros(upd)
	if err := json.Unmarshal([]byte(attrs), &u.Attributes); err != nil {
		return store.User{}, fmt.Errorf("decode attributes: %w", err)
	}
	if err := json.Unmarshal([]byte(aliases), &u.Aliases); err != nil {
		return store.User{}, fmt.Errorf("decode aliases: %w", err)
	}
	return u, nil
}

func validUser(u store.User) error {
	if u.PoolID == "" || u.Sub == "" || u.UsernameKey == "" {
		return fmt.Errorf("%w: user needs pool id, sub and username key", store.ErrInvalid)
	}
	for kind, value := range u.Aliases {
		if kind == "" || value == "" {
			return fmt.Errorf("%w: alias with empty kind or value", store.ErrInvalid)
		}
	}
	// The alias and search rows are removed as derived from the JSON
	// stored in the users row, and JSON holds only UTF-8: a name or value
	// that is not would come back changed (U+FFFD) and miss its rows.
	for _, m := range []map[string]string{u.Aliases, u.Attributes} {
		for k, v := range m {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return fmt.Errorf("%w: an attribute or alias is not valid UTF-8", store.ErrInvalid)
			}
		}
	}
	return nil
}

// userDocs are the JSON columns of a user row.
type userDocs struct {
	attrs, aliases, mfa string
}

// encodeUser returns u as it reads back (times in UTC at microsecond
// precision, maps and MFA byte slices copied, the MFA document as decoded)
// and its JSON columns.
func encodeUser(u store.User) (store.User, userDocs, error) {
	u.Password.ExpiresAt = normTime(u.Password.ExpiresAt)
	u.Password.ChangedAt = normTime(u.Password.ChangedAt)
	u.CreatedAt = normTime(u.CreatedAt)
	u.UpdatedAt = normTime(u.UpdatedAt)
	u.Attributes = maps.Clone(u.Attributes)
	u.Aliases = maps.Clone(u.Aliases)
	a, err := json.Marshal(u.Attributes)
	if err != nil {
		return store.User{}, userDocs{}, fmt.Errorf("encode attributes: %w", err)
	}
	b, err := json.Marshal(u.Aliases)
	if err != nil {
		return store.User{}, userDocs{}, fmt.Errorf("encode aliases: %w", err)
	}
	mfa, err := encodeMFA(u.MFA)
	if err != nil {
		return store.User{}, userDocs{}, err
	}
	// Decoding what is stored gives fresh slices, and exactly what a read
	// returns (an empty RecoveryCodes comes back nil, as from GetUser).
	if u.MFA, err = decodeMFA(mfa); err != nil {
		return store.User{}, userDocs{}, err
	}
	return u, userDocs{attrs: string(a), aliases: string(b), mfa: mfa}, nil
}

// encodeMFA is the users.mfa column of m: its JSON document, or the empty
// string for the zero MFA (which is what users stored before migration
// 0003 hold).
func encodeMFA(m store.MFA) (string, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode mfa: %w", err)
	}
	if string(b) == "{}" {
		return "", nil
	}
	return string(b), nil
}

// decodeMFA reads a users.mfa column; the empty string is the zero MFA.
func decodeMFA(s string) (store.MFA, error) {
	var m store.MFA
	if s == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return store.MFA{}, fmt.Errorf("decode mfa: %w", err)
	}
	return m, nil
}

// storedUser reads a user as stored, inside a write transaction: the
// version UpdateUser compares, and the user its alias and search rows were
// derived from, which UpdateUser and DeleteUser remove by primary key.
func storedUser(ctx context.Context, tx execer, poolID, sub string) (store.User, error) {
	row := tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.pool_id = ? AND u.sub = ?`, poolID, sub)
	u, err := scanUser(row, poolID)
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, store.ErrNotFound
	}
	if err != nil {
		return store.User{}, fmt.Errorf("read stored user: %w", err)
	}
	return u, nil
}

// deleteAliasSQL removes one user_aliases row by its primary key; the sub
// makes sure it is the user's own.
const deleteAliasSQL = `DELETE FROM user_aliases WHERE pool_id = ? AND kind = ? AND value = ? AND sub = ?`

// deleteAliases removes the user_aliases rows of u, a user as stored.
func deleteAliases(ctx context.Context, tx execer, u store.User) error {
	for kind, value := range u.Aliases {
		if _, err := tx.ExecContext(ctx, deleteAliasSQL, u.PoolID, kind, value, u.Sub); err != nil {
			return fmt.Errorf("unindex alias: %w", err)
		}
	}
	return nil
}

// insertAliases stores u's aliases in a fixed order; a taken alias is an
// *ExistsError naming its kind.
func insertAliases(ctx context.Context, tx execer, u store.User) error {
	for _, kind := range slices.Sorted(maps.Keys(u.Aliases)) {
		_, err := tx.ExecContext(ctx, insertAliasSQL, u.PoolID, kind, u.Aliases[kind], u.Sub)
		if isUniqueViolation(err) {
			return &store.ExistsError{Key: kind}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// CreateUser implements store.Users. The username key and aliases are
// unique in the database itself, so concurrent creates cannot both win.
func (s *Store) CreateUser(ctx context.Context, u store.User) (store.User, error) {
	if err := validUser(u); err != nil {
		return store.User{}, fmt.Errorf("sqlite: create user: %w", err)
	}
	u.Version = 1
	u, docs, err := encodeUser(u)
	if err != nil {
		return store.User{}, fmt.Errorf("sqlite: create user: %w", err)
	}
	err = s.writeTx(ctx, func(ctx context.Context, tx *wtx) error { return insertUser(ctx, tx, u, docs) })
	if err != nil {
		return store.User{}, fmt.Errorf("sqlite: create user: %w", err)
	}
	return u, nil
}

// insertUser stores a new user (u and docs as encodeUser returns them)
// with its aliases and search keys.
func insertUser(ctx context.Context, tx execer, u store.User, docs userDocs) error {
	_, err := tx.ExecContext(ctx, insertUserSQL,
		u.PoolID, u.Sub, u.Username, u.UsernameKey, string(u.Status), boolInt(u.Enabled),
		docs.attrs, docs.aliases, u.Password.Hash, u.Password.SRPSalt, u.Password.SRPVerifier,
		boolInt(u.Password.Temporary), toMicros(u.Password.ExpiresAt), toMicros(u.Password.ChangedAt),
		u.Version, toMicros(u.CreatedAt), toMicros(u.UpdatedAt), docs.mfa)
	switch {
	case isPrimaryKeyViolation(err):
		return &store.ExistsError{Key: "sub"}
	case isUniqueViolation(err):
		return &store.ExistsError{Key: "username"}
	case err != nil:
		return err
	}
	if err := insertAliases(ctx, tx, u); err != nil {
		return err
	}
	return insertSearch(ctx, tx, u)
}

// GetUser implements store.Users.
func (s *Store) GetUser(ctx context.Context, poolID, sub string) (store.User, error) {
	row := s.reader.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.pool_id = ? AND u.sub = ?`, poolID, sub)
	return s.readUser(row, poolID, "get user")
}

// GetUserByUsername implements store.Users.
func (s *Store) GetUserByUsername(ctx context.Context, poolID, usernameKey string) (store.User, error) {
	row := s.reader.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.pool_id = ? AND u.username_key = ?`, poolID, usernameKey)
	return s.readUser(row, poolID, "get user by username")
}

// GetUserByAlias implements store.Users.
func (s *Store) GetUserByAlias(ctx context.Context, poolID, kind, value string) (store.User, error) {
	row := s.reader.QueryRowContext(ctx, `SELECT `+userColumns+` FROM user_aliases a
		JOIN users u ON u.pool_id = a.pool_id AND u.sub = a.sub
		WHERE a.pool_id = ? AND a.kind = ? AND a.value = ?`, poolID, kind, value)
	return s.readUser(row, poolID, "get user by alias")
}

func (s *Store) readUser(row *sql.Row, poolID, op string) (store.User, error) {
	u, err := scanUser(row, poolID)
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return u, nil
}

// UpdateUser implements store.Users as a compare-and-swap on Version inside
// one write transaction. The MFA document is part of the swapped row, so of
// two updates made from one read (two requests accepting the same TOTP
// step) only one succeeds.
func (s *Store) UpdateUser(ctx context.Context, u store.User) (store.User, error) {
	if err := validUser(u); err != nil {
		return store.User{}, fmt.Errorf("sqlite: update user: %w", err)
	}
	u, docs, err := encodeUser(u)
	if err != nil {
		return store.User{}, fmt.Errorf("sqlite: update user: %w", err)
	}
	// The version to compare is read before the write runs: the
	// committer may run it twice (commit.go), and u.Version changes.
	want := u.Version
	err = s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		old, err := storedUser(ctx, tx, u.PoolID, u.Sub)
		if err != nil {
			return err
		}
		if old.Version != want {
			return store.ErrConflict
		}
		u.Version = old.Version + 1
		u.CreatedAt = old.CreatedAt
		_, err = tx.ExecContext(ctx, `UPDATE users SET username = ?, username_key = ?, status = ?, enabled = ?,
			attributes = ?, aliases = ?, password_hash = ?, srp_salt = ?, srp_verifier = ?, password_temporary = ?,
			password_expires_at = ?, password_changed_at = ?, version = ?, updated_at = ?, mfa = ?
			WHERE pool_id = ? AND sub = ?`,
			u.Username, u.UsernameKey, string(u.Status), boolInt(u.Enabled), docs.attrs, docs.aliases,
			u.Password.Hash, u.Password.SRPSalt, u.Password.SRPVerifier, boolInt(u.Password.Temporary),
			toMicros(u.Password.ExpiresAt), toMicros(u.Password.ChangedAt), u.Version, toMicros(u.UpdatedAt),
			docs.mfa, u.PoolID, u.Sub)
		if isUniqueViolation(err) {
			return &store.ExistsError{Key: "username"}
		}
		if err != nil {
			return err
		}
		if !maps.Equal(old.Aliases, u.Aliases) {
			if err := deleteAliases(ctx, tx, old); err != nil {
				return err
			}
			if err := insertAliases(ctx, tx, u); err != nil {
				return err
			}
		}
		return syncSearch(ctx, tx, old, u)
	})
	if err != nil {
		return store.User{}, fmt.Errorf("sqlite: update user: %w", err)
	}
	return u, nil
}

// DeleteUser implements store.Users: the user, its aliases, search keys,
// group memberships, devices, auth events, codes, auth sessions,
// refresh-token families (with their tokens) and the lockout state keyed
// by its sub go in one transaction. The aliases and search keys are
// removed as derived from the stored user (they have no index by sub),
// so a row whose JSON no longer decodes cannot be deleted (an error, and
// nothing changes); memberships, devices and auth events go by
// foreign-key cascade.
func (s *Store) DeleteUser(ctx context.Context, poolID, sub string) error {
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		old, err := storedUser(ctx, tx, poolID, sub)
		if err != nil {
			return err
		}
		if err := deleteAliases(ctx, tx, old); err != nil {
			return err
		}
		if err := deleteSearch(ctx, tx, old); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE pool_id = ? AND sub = ?`, poolID, sub); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM codes WHERE pool_id = ? AND subject = ?`,
			`DELETE FROM auth_sessions WHERE pool_id = ? AND subject = ?`,
			`DELETE FROM refresh_families WHERE pool_id = ? AND subject = ?`,
			`DELETE FROM lockouts WHERE pool_id = ? AND key = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, poolID, sub); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete user: %w", err)
	}
	return nil
}
