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

const webAuthnColumns = `credential_id, subject, public_key, attestation_type, attestation_format, aaguid, sign_count,
	clone_warning, transports, user_verified, backup_eligible, backup_state, name, rp_id, created_at, last_used_at`

func scanWebAuthn(r rowScanner, poolID string) (store.WebAuthnCredential, error) {
	c := store.WebAuthnCredential{PoolID: poolID}
	var (
		transports        string
		count             int64
		created, lastUsed sql.NullInt64
	)
	if err := r.Scan(&c.ID, &c.Subject, &c.PublicKey, &c.AttestationType, &c.AttestationFormat, &c.AAGUID, &count,
		&c.CloneWarning, &transports, &c.UserVerified, &c.BackupEligible, &c.BackupState, &c.Name, &c.RelyingPartyID,
		&created, &lastUsed); err != nil {
		return store.WebAuthnCredential{}, err
	}
	if err := json.Unmarshal([]byte(transports), &c.Transports); err != nil {
		return store.WebAuthnCredential{}, fmt.Errorf("transports: %w", err)
	}
	if len(c.AAGUID) == 0 {
		c.AAGUID = nil
	}
	c.SignCount = uint32(count)
	c.CreatedAt, c.LastUsedAt = fromMicros(created), fromMicros(lastUsed)
	return c, nil
}

// CreateWebAuthnCredential implements store.WebAuthnCredentials: the
// count and the insert share one write transaction, which SQLite's single
// writer serializes, so the limit holds.
func (s *Store) CreateWebAuthnCredential(ctx context.Context, c store.WebAuthnCredential, max int) error {
	const op = "sqlite: create webauthn credential"
	if err := c.Check(); err != nil {
		return fmt.Errorf("%s: %w: %s", op, store.ErrInvalid, err)
	}
	transports, err := json.Marshal(c.Transports)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	err = s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE pool_id = ? AND sub = ?`, c.PoolID, c.Subject).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		if max > 0 {
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM webauthn_credentials WHERE pool_id = ? AND subject = ?`,
				c.PoolID, c.Subject).Scan(&n); err != nil {
				return err
			}
			if n >= max {
				return store.ErrLimit
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO webauthn_credentials (`+webAuthnColumns+`, pool_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			slices.Clone(c.ID), c.Subject, c.PublicKey, c.AttestationType, c.AttestationFormat, nilIfEmpty(c.AAGUID), int64(c.SignCount),
			c.CloneWarning, string(transports), c.UserVerified, c.BackupEligible, c.BackupState, c.Name, c.RelyingPartyID,
			toMicros(normTime(c.CreatedAt)), toMicros(normTime(c.LastUsedAt)), c.PoolID)
		if isUniqueViolation(err) {
			return &store.ExistsError{Key: "credential"}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// GetWebAuthnCredential implements store.WebAuthnCredentials.
func (s *Store) GetWebAuthnCredential(ctx context.Context, poolID string, id []byte) (store.WebAuthnCredential, error) {
	c, err := scanWebAuthn(s.reader.QueryRowContext(ctx, `SELECT `+webAuthnColumns+` FROM webauthn_credentials
		WHERE pool_id = ? AND credential_id = ?`, poolID, id), poolID)
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.WebAuthnCredential{}, fmt.Errorf("sqlite: get webauthn credential: %w", err)
	}
	return c, nil
}

// ListWebAuthnCredentials implements store.WebAuthnCredentials, walking
// the (pool, subject, credential ID) index.
func (s *Store) ListWebAuthnCredentials(ctx context.Context, poolID, subject string, afterID []byte, limit int) ([]store.WebAuthnCredential, error) {
	const op = "sqlite: list webauthn credentials"
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	if afterID == nil {
		afterID = []byte{}
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT `+webAuthnColumns+` FROM webauthn_credentials
		WHERE pool_id = ? AND subject = ? AND credential_id > ? ORDER BY credential_id LIMIT ?`, poolID, subject, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	var out []store.WebAuthnCredential
	for rows.Next() {
		c, err := scanWebAuthn(rows, poolID)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// UseWebAuthnCredential implements store.WebAuthnCredentials with one
// conditional UPDATE: the counter moves forward (or both are 0) or
// nothing changes.
func (s *Store) UseWebAuthnCredential(ctx context.Context, poolID string, id []byte, u store.WebAuthnUse) error {
	const op = "sqlite: use webauthn credential"
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webauthn_credentials SET sign_count = ?, backup_state = ?, last_used_at = ?
			WHERE pool_id = ? AND credential_id = ? AND clone_warning = 0 AND (sign_count < ? OR (? = 0 AND sign_count = 0))`,
			int64(u.SignCount), u.BackupState, toMicros(normTime(u.At)), poolID, id, int64(u.SignCount), int64(u.SignCount))
		if err != nil {
			return err
		}
		return s.changedOrWhy(ctx, tx, res, poolID, id)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// changedOrWhy turns an UPDATE that changed no row into ErrNotFound (no
// such credential) or ErrConflict (its condition did not hold).
func (s *Store) changedOrWhy(ctx context.Context, tx execer, res sql.Result, poolID string, id []byte) error {
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	var one int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM webauthn_credentials WHERE pool_id = ? AND credential_id = ?`, poolID, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if err != nil {
		return err
	}
	return store.ErrConflict
}

// FlagWebAuthnCredential implements store.WebAuthnCredentials.
func (s *Store) FlagWebAuthnCredential(ctx context.Context, poolID string, id []byte) error {
	res, err := s.writeExec(ctx, `UPDATE webauthn_credentials SET clone_warning = 1 WHERE pool_id = ? AND credential_id = ?`, poolID, id)
	if err != nil {
		return fmt.Errorf("sqlite: flag webauthn credential: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: flag webauthn credential: %w", err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: flag webauthn credential: %w", store.ErrNotFound)
	}
	return nil
}

// DeleteWebAuthnCredential implements store.WebAuthnCredentials.
func (s *Store) DeleteWebAuthnCredential(ctx context.Context, poolID, subject string, id []byte) error {
	res, err := s.writeExec(ctx, `DELETE FROM webauthn_credentials WHERE pool_id = ? AND subject = ? AND credential_id = ?`,
		poolID, subject, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete webauthn credential: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: delete webauthn credential: %w", err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: delete webauthn credential: %w", store.ErrNotFound)
	}
	return nil
}
