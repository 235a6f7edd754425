package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cupola-auth/cupola/store"
)

// userSelect reads a user with its aliases folded into one jsonb object
// (NULL when it has none), so every lookup is one round trip. GetUser*,
// ListUsers and ListUsersInGroup all read users through it and scanUser.
const userSelect = `SELECT u.pool_id, u.sub, u.username, u.username_key, u.status, u.enabled,
	u.attributes, u.password_hash, u.srp_salt, u.srp_verifier, u.password_temporary,
	u.password_expires_at, u.password_changed_at, u.mfa, u.version, u.created_at, u.updated_at,
	(SELECT jsonb_object_agg(a.kind, a.value) FROM user_aliases a
	  WHERE a.pool_id = u.pool_id AND a.sub = u.sub)
FROM users u`

func scanUser(row pgx.Row) (store.User, error) {
	var (
		u                    store.User
		status               string
		attrs, aliases, mfa  []byte
		pwExpires, pwChanged pgtype.Timestamptz
		createdAt, updatedAt pgtype.Timestamptz
	)
	err := row.Scan(&u.PoolID, &u.Sub, &u.Username, &u.UsernameKey, &status, &u.Enabled,
		&attrs, &u.Password.Hash, &u.Password.SRPSalt, &u.Password.SRPVerifier, &u.Password.Temporary,
		&pwExpires, &pwChanged, &mfa, &u.Version, &createdAt, &updatedAt, &aliases)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.User{}, store.ErrNotFound
	}
	if err != nil {
		return store.User{}, err
	}
	u.Status = store.UserStatus(status)
	u.Password.ExpiresAt, u.Password.ChangedAt = fromTS(pwExpires), fromTS(pwChanged)
	u.CreatedAt, u.UpdatedAt = fromTS(createdAt), fromTS(updatedAt)
	if attrs != nil {
		if err := json.Unmarshal(attrs, &u.Attributes); err != nil {
			return store.User{}, err
		}
	}
	if aliases != nil {
		if err := json.Unmarshal(aliases, &u.Aliases); err != nil {
			return store.User{}, err
		}
	}
	if err := json.Unmarshal(mfa, &u.MFA); err != nil {
		return store.User{}, fmt.Errorf("decode mfa of %s: %w", u.Sub, err)
	}
	return u, nil
}

// GetUser returns the user with that sub, or store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, poolID, sub string) (store.User, error) {
	if !storable(poolID, sub) {
		return store.User{}, store.ErrNotFound
	}
	u, err := scanUser(s.pool.QueryRow(ctx, userSelect+` WHERE u.pool_id = $1 AND u.sub = $2`, poolID, sub))
	return u, wrap("get user", err)
}

// GetUserByUsername looks a user up by normalized username key.
func (s *Store) GetUserByUsername(ctx context.Context, poolID, usernameKey string) (store.User, error) {
	if !storable(poolID, usernameKey) {
		return store.User{}, store.ErrNotFound
	}
	u, err := scanUser(s.pool.QueryRow(ctx, userSelect+` WHERE u.pool_id = $1 AND u.username_key = $2`, poolID, usernameKey))
	return u, wrap("get user by username", err)
}

// GetUserByAlias looks a user up by alias kind and normalized value.
func (s *Store) GetUserByAlias(ctx context.Context, poolID, kind, value string) (store.User, error) {
	if !storable(poolID, kind, value) {
		return store.User{}, store.ErrNotFound
	}
	u, err := scanUser(s.pool.QueryRow(ctx, userSelect+`
	JOIN user_aliases k ON k.pool_id = u.pool_id AND k.sub = u.sub
	WHERE k.pool_id = $1 AND k.kind = $2 AND k.value = $3`, poolID, kind, value))
	return u, wrap("get user by alias", err)
}

func validUser(op string, u store.User) error {
	switch {
	case u.PoolID == "":
		return invalid(op, "pool id is empty")
	case u.Sub == "":
		return invalid(op, "sub is empty")
	case u.UsernameKey == "":
		return invalid(op, "username key is empty")
	}
	for kind, value := range u.Aliases {
		if kind == "" || value == "" {
			return invalid(op, "alias kind or value is empty")
		}
	}
	for name, value := range u.Attributes {
		if !validUTF8(name, value) {
			return invalid(op, "attribute "+name+" is not valid UTF-8")
		}
	}
	if !validUTF8(u.MFA.TOTPDeviceName, u.MFA.Preferred) {
		return invalid(op, "mfa is not valid UTF-8")
	}
	return nil
}

// normUser is u as it reads back: times rounded, maps and byte slices
// copied.
func normUser(u store.User) store.User {
	u.Attributes = maps.Clone(u.Attributes)
	u.Aliases = maps.Clone(u.Aliases)
	u.MFA = normMFA(u.MFA)
	u.Password.ExpiresAt, u.Password.ChangedAt = norm(u.Password.ExpiresAt), norm(u.Password.ChangedAt)
	u.CreatedAt, u.UpdatedAt = norm(u.CreatedAt), norm(u.UpdatedAt)
	return u
}

// attributesJSON is the jsonb value for attributes: NULL for a nil map, so
// that nil and empty read back as they were given.
func attributesJSON(m map[string]string) (any, error) {
	if m == nil {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// normMFA is m as it reads back from its JSON document: an empty secret
// or recovery-code list is omitted, so it reads back nil; a recovery code
// reads back nil when nil (JSON null) and non-nil when empty ("").
func normMFA(m store.MFA) store.MFA {
	if len(m.TOTPSecret) == 0 {
		m.TOTPSecret = nil
	} else {
		m.TOTPSecret = slices.Clone(m.TOTPSecret)
	}
	if len(m.RecoveryCodes) == 0 {
		m.RecoveryCodes = nil
		return m
	}
	codes := make([][]byte, len(m.RecoveryCodes))
	for i, c := range m.RecoveryCodes {
		if c != nil {
			codes[i] = slices.Clone(c)
		}
	}
	m.RecoveryCodes = codes
	return m
}

// mfaJSON is the jsonb value for the mfa column: '{}' for the zero MFA.
func mfaJSON(m store.MFA) (string, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// aliasArrays returns the aliases as parallel kind and value arrays,
// sorted by kind: every transaction inserts them in one order, so two of
// them never wait on each other's aliases in a cycle.
func aliasArrays(m map[string]string) (kinds, values []string) {
	kinds = slices.Sorted(maps.Keys(m))
	values = make([]string, len(kinds))
	for i, k := range kinds {
		values[i] = m[k]
	}
	return kinds, values
}

// takenAlias reports the first kind of want missing from got: the alias
// another user holds.
func takenAlias(want []string, rows pgx.Rows) error {
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, k := range want {
		if !slices.Contains(got, k) {
			return &store.ExistsError{Key: k}
		}
	}
	return nil
}

// CreateUser stores a new user with Version 1, and its search keys in the
// same statement. A taken username key or alias is an *store.ExistsError
// naming it, and nothing is stored.
func (s *Store) CreateUser(ctx context.Context, u store.User) (store.User, error) {
	const op = "create user"
	if err := validUser(op, u); err != nil {
		return store.User{}, err
	}
	u = normUser(u)
	u.Version = 1
	attrs, err := attributesJSON(u.Attributes)
	if err != nil {
		return store.User{}, wrap(op, err)
	}
	mfa, err := mfaJSON(u.MFA)
	if err != nil {
		return store.User{}, wrap(op, err)
	}
	insert := func(db execer) error { return insertUserRow(ctx, db, u, attrs, mfa) }
	if len(u.Aliases) == 0 {
		// One statement is atomic on its own.
		if err := insert(s.pool); err != nil {
			return store.User{}, wrap(op, err)
		}
		return u, nil
	}
	err = s.inTx(ctx, op, func(tx pgx.Tx) (error, error) {
		if err := insert(tx); err != nil {
			return nil, err
		}
		return nil, insertUserAliases(ctx, tx, u)
	})
	if err != nil {
		return store.User{}, wrap(op, err)
	}
	return u, nil
}

// insertUserRow stores a new user (normalized, Version set) and its
// search keys in one statement; attrs and mfa are its jsonb columns. A
// taken username key or sub is an *store.ExistsError.
func insertUserRow(ctx context.Context, db execer, u store.User, attrs any, mfa string) error {
	searchAttrs, searchKeys := searchRows(u)
	_, err := db.Exec(ctx, `WITH u AS (INSERT INTO users (pool_id, sub, username, username_key, status, enabled,
		attributes, password_hash, srp_salt, srp_verifier, password_temporary,
		password_expires_at, password_changed_at, version, created_at, updated_at, mfa)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $19)
		RETURNING pool_id, sub)
		`+insertSearch,
		u.PoolID, u.Sub, u.Username, u.UsernameKey, string(u.Status), u.Enabled,
		attrs, u.Password.Hash, u.Password.SRPSalt, u.Password.SRPVerifier, u.Password.Temporary,
		ts(u.Password.ExpiresAt), ts(u.Password.ChangedAt), u.Version, ts(u.CreatedAt), ts(u.UpdatedAt),
		searchAttrs, searchKeys, mfa)
	return asExists(err)
}

// insertUserAliases stores the aliases of a user tx has just inserted; a
// taken one is an *store.ExistsError naming its kind (and tx must then be
// rolled back).
func insertUserAliases(ctx context.Context, tx pgx.Tx, u store.User) error {
	kinds, values := aliasArrays(u.Aliases)
	rows, err := tx.Query(ctx, `INSERT INTO user_aliases (pool_id, kind, value, sub)
		SELECT $1, k, v, $2 FROM unnest($3::text[], $4::text[]) AS t(k, v)
		ON CONFLICT DO NOTHING
		RETURNING kind`, u.PoolID, u.Sub, kinds, values)
	if err != nil {
		return err
	}
	return takenAlias(kinds, rows)
}

// UpdateUser replaces the user, with its MFA document, aliases and search
// keys, if u.Version is the stored version, and returns it with
// Version+1. The version check and the write are one UPDATE, so of
// concurrent updates from one read (two requests accepting one TOTP step)
// exactly one wins. A stale version is store.ErrConflict, a taken
// username key or alias an *store.ExistsError, a missing user
// store.ErrNotFound. Sub, PoolID and CreatedAt keep their stored values.
func (s *Store) UpdateUser(ctx context.Context, u store.User) (store.User, error) {
	const op = "update user"
	if err := validUser(op, u); err != nil {
		return store.User{}, err
	}
	u = normUser(u)
	attrs, err := attributesJSON(u.Attributes)
	if err != nil {
		return store.User{}, wrap(op, err)
	}
	mfa, err := mfaJSON(u.MFA)
	if err != nil {
		return store.User{}, wrap(op, err)
	}
	kinds, values := aliasArrays(u.Aliases)
	err = s.inTx(ctx, op, func(tx pgx.Tx) (error, error) {
		var createdAt pgtype.Timestamptz
		err := tx.QueryRow(ctx, `UPDATE users SET username = $3, username_key = $4, status = $5,
			enabled = $6, attributes = $7, password_hash = $8, srp_salt = $9, srp_verifier = $10,
			password_temporary = $11, password_expires_at = $12, password_changed_at = $13,
			updated_at = $14, mfa = $16, version = version + 1
			WHERE pool_id = $1 AND sub = $2 AND version = $15
			RETURNING created_at`,
			u.PoolID, u.Sub, u.Username, u.UsernameKey, string(u.Status), u.Enabled,
			attrs, u.Password.Hash, u.Password.SRPSalt, u.Password.SRPVerifier, u.Password.Temporary,
			ts(u.Password.ExpiresAt), ts(u.Password.ChangedAt), ts(u.UpdatedAt), u.Version, mfa).Scan(&createdAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, missingOrStale(ctx, tx, `SELECT true FROM users WHERE pool_id = $1 AND sub = $2`, u.PoolID, u.Sub)
		}
		if err != nil {
			return nil, asExists(err)
		}
		u.CreatedAt = fromTS(createdAt)
		if err := putSearch(ctx, tx, u); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_aliases
			WHERE pool_id = $1 AND sub = $2
			  AND (kind, value) NOT IN (SELECT k, v FROM unnest($3::text[], $4::text[]) AS t(k, v))`,
			u.PoolID, u.Sub, kinds, values); err != nil {
			return nil, err
		}
		if len(kinds) == 0 {
			return nil, nil
		}
		// An alias the user already holds conflicts with itself: the
		// no-op update returns it; one held by another user returns nothing.
		rows, err := tx.Query(ctx, `INSERT INTO user_aliases AS a (pool_id, kind, value, sub)
			SELECT $1, k, v, $2 FROM unnest($3::text[], $4::text[]) AS t(k, v)
			ON CONFLICT (pool_id, kind, value) DO UPDATE SET sub = excluded.sub
			WHERE a.sub = excluded.sub
			RETURNING kind`, u.PoolID, u.Sub, kinds, values)
		if err != nil {
			return nil, err
		}
		return nil, takenAlias(kinds, rows)
	})
	if err != nil {
		return store.User{}, wrap(op, err)
	}
	u.Version++
	return u, nil
}

// missingOrStale tells apart the two reasons a compare-and-swap update
// matched no row: the record is gone, or its version moved on.
func missingOrStale(ctx context.Context, db querier, query string, args ...any) error {
	var found bool
	err := db.QueryRow(ctx, query, args...).Scan(&found)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	if err != nil {
		return err
	}
	return store.ErrConflict
}

// DeleteUser removes the user with its aliases, search keys, group
// memberships, devices and auth events (by foreign-key cascade), codes,
// auth sessions,
// refresh-token families (and their tokens) and lockout state, in one
// statement.
func (s *Store) DeleteUser(ctx context.Context, poolID, sub string) error {
	if !storable(poolID, sub) {
		return store.ErrNotFound
	}
	var n int
	err := s.pool.QueryRow(ctx, `WITH
		u AS (DELETE FROM users WHERE pool_id = $1 AND sub = $2 RETURNING 1),
		c AS (DELETE FROM codes WHERE pool_id = $1 AND subject = $2),
		a AS (DELETE FROM auth_sessions WHERE pool_id = $1 AND subject = $2),
		f AS (DELETE FROM refresh_families WHERE pool_id = $1 AND subject = $2),
		l AS (DELETE FROM lockouts WHERE pool_id = $1 AND key = $2)
		SELECT count(*) FROM u`, poolID, sub).Scan(&n)
	if err != nil {
		return wrap("delete user", err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}
