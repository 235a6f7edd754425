package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cupola-auth/cupola/store"
)

const webAuthnSelect = `SELECT pool_id, credential_id, subject, public_key, attestation_type, attestation_format, aaguid,
	sign_count, clone_warning, transports, user_verified, backup_eligible, backup_state, name, rp_id, created_at, last_used_at
	FROM webauthn_credentials`

func scanWebAuthn(row pgx.Row) (store.WebAuthnCredential, error) {
	var (
		c                 store.WebAuthnCredential
		count             int64
		created, lastUsed pgtype.Timestamptz
	)
	err := row.Scan(&c.PoolID, &c.ID, &c.Subject, &c.PublicKey, &c.AttestationType, &c.AttestationFormat, &c.AAGUID,
		&count, &c.CloneWarning, &c.Transports, &c.UserVerified, &c.BackupEligible, &c.BackupState, &c.Name, &c.RelyingPartyID,
		&created, &lastUsed)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.WebAuthnCredential{}, store.ErrNotFound
	}
	if err != nil {
		return store.WebAuthnCredential{}, err
	}
	if len(c.AAGUID) == 0 {
		c.AAGUID = nil
	}
	if len(c.Transports) == 0 {
		c.Transports = nil
	}
	c.SignCount = uint32(count)
	c.CreatedAt, c.LastUsedAt = fromTS(created), fromTS(lastUsed)
	return c, nil
}

// CreateWebAuthnCredential implements store.WebAuthnCredentials. The
// user's row is locked before its passkeys are counted, so concurrent
// creates for one user take turns and the limit holds.
func (s *Store) CreateWebAuthnCredential(ctx context.Context, c store.WebAuthnCredential, max int) error {
	const op = "create webauthn credential"
	if err := c.Check(); err != nil {
		return invalid(op, err.Error())
	}
	if !storable(c.PoolID, c.Subject, c.Name, c.RelyingPartyID, c.AttestationType, c.AttestationFormat) || !storable(c.Transports...) {
		return invalid(op, "a text field is not valid UTF-8 or holds a NUL byte")
	}
	return wrap(op, s.inTx(ctx, op, func(tx pgx.Tx) (error, error) {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM users WHERE pool_id = $1 AND sub = $2 FOR UPDATE`, c.PoolID, c.Subject).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound, nil
		}
		if err != nil {
			return nil, err
		}
		if max > 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM webauthn_credentials WHERE pool_id = $1 AND subject = $2`,
				c.PoolID, c.Subject).Scan(&n); err != nil {
				return nil, err
			}
			if n >= max {
				return store.ErrLimit, nil
			}
		}
		var aaguid []byte
		if len(c.AAGUID) > 0 {
			aaguid = c.AAGUID
		}
		_, err = tx.Exec(ctx, `INSERT INTO webauthn_credentials (pool_id, credential_id, subject, public_key, attestation_type,
			attestation_format, aaguid, sign_count, clone_warning, transports, user_verified, backup_eligible, backup_state, name,
			rp_id, created_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			c.PoolID, c.ID, c.Subject, c.PublicKey, c.AttestationType, c.AttestationFormat, aaguid, int64(c.SignCount),
			c.CloneWarning, c.Transports, c.UserVerified, c.BackupEligible, c.BackupState, c.Name, c.RelyingPartyID,
			ts(norm(c.CreatedAt)), ts(norm(c.LastUsedAt)))
		// A refused INSERT aborts the transaction: roll back with it.
		return nil, asExists(err)
	}))
}

// GetWebAuthnCredential implements store.WebAuthnCredentials.
func (s *Store) GetWebAuthnCredential(ctx context.Context, poolID string, id []byte) (store.WebAuthnCredential, error) {
	if !storable(poolID) {
		return store.WebAuthnCredential{}, store.ErrNotFound
	}
	c, err := scanWebAuthn(s.pool.QueryRow(ctx, webAuthnSelect+` WHERE pool_id = $1 AND credential_id = $2`, poolID, id))
	return c, wrap("get webauthn credential", err)
}

// ListWebAuthnCredentials implements store.WebAuthnCredentials, walking
// webauthn_credentials_by_user.
func (s *Store) ListWebAuthnCredentials(ctx context.Context, poolID, subject string, afterID []byte, limit int) ([]store.WebAuthnCredential, error) {
	const op = "list webauthn credentials"
	if !storable(poolID, subject) {
		return nil, nil
	}
	if afterID == nil {
		afterID = []byte{}
	}
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, err := s.pool.Query(ctx, webAuthnSelect+` WHERE pool_id = $1 AND subject = $2 AND credential_id > $3
		ORDER BY credential_id LIMIT $4`, poolID, subject, afterID, lim)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	var out []store.WebAuthnCredential
	for rows.Next() {
		c, err := scanWebAuthn(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, c)
	}
	return out, wrap(op, rows.Err())
}

// UseWebAuthnCredential implements store.WebAuthnCredentials with one
// conditional UPDATE; when it changes no row, a second read tells a
// missing credential from a refused counter.
func (s *Store) UseWebAuthnCredential(ctx context.Context, poolID string, id []byte, u store.WebAuthnUse) error {
	const op = "use webauthn credential"
	if !storable(poolID) {
		return store.ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `UPDATE webauthn_credentials SET sign_count = $3, backup_state = $4, last_used_at = $5
		WHERE pool_id = $1 AND credential_id = $2 AND NOT clone_warning AND (sign_count < $3 OR ($3 = 0 AND sign_count = 0))`,
		poolID, id, int64(u.SignCount), u.BackupState, ts(norm(u.At)))
	if err != nil {
		return wrap(op, err)
	}
	if tag.RowsAffected() > 0 {
		return nil
	}
	var one int
	err = s.pool.QueryRow(ctx, `SELECT 1 FROM webauthn_credentials WHERE pool_id = $1 AND credential_id = $2`, poolID, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	if err != nil {
		return wrap(op, err)
	}
	return store.ErrConflict
}

// FlagWebAuthnCredential implements store.WebAuthnCredentials.
func (s *Store) FlagWebAuthnCredential(ctx context.Context, poolID string, id []byte) error {
	if !storable(poolID) {
		return store.ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `UPDATE webauthn_credentials SET clone_warning = true WHERE pool_id = $1 AND credential_id = $2`, poolID, id)
	if err != nil {
		return wrap("flag webauthn credential", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// DeleteWebAuthnCredential implements store.WebAuthnCredentials.
func (s *Store) DeleteWebAuthnCredential(ctx context.Context, poolID, subject string, id []byte) error {
	if !storable(poolID, subject) {
		return store.ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM webauthn_credentials WHERE pool_id = $1 AND subject = $2 AND credential_id = $3`,
		poolID, subject, id)
	if err != nil {
		return wrap("delete webauthn credential", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}
