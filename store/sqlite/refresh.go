package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cupola-auth/cupola/store"
)

const familyColumns = `f.id, f.subject, f.client_id, f.scopes, f.auth_time, f.device_key, f.created_at, f.expires_at, f.revoked_at`

func scanFamily(r rowScanner, poolID string, extra ...any) (store.RefreshFamily, error) {
	f := store.RefreshFamily{PoolID: poolID}
	var (
		scopes                 string
		auth, cr, exp, revoked sql.NullInt64
	)
	dest := append([]any{&f.ID, &f.Subject, &f.ClientID, &scopes, &auth, &f.DeviceKey, &cr, &exp, &revoked}, extra...)
	if err := r.Scan(dest...); err != nil {
		return store.RefreshFamily{}, err
	}
	if err := json.Unmarshal([]byte(scopes), &f.Scopes); err != nil {
		return store.RefreshFamily{}, fmt.Errorf("decode scopes: %w", err)
	}
	f.AuthTime = fromMicros(auth)
	f.CreatedAt = fromMicros(cr)
	f.ExpiresAt = fromMicros(exp)
	f.RevokedAt = fromMicros(revoked)
	return f, nil
}

// CreateFamily implements store.RefreshTokens.
func (s *Store) CreateFamily(ctx context.Context, f store.RefreshFamily, tokenHash []byte) error {
	if f.PoolID == "" || f.ID == "" || len(tokenHash) == 0 || f.ExpiresAt.IsZero() {
		return fmt.Errorf("sqlite: create family: %w: family needs pool id, id, expiry and token hash", store.ErrInvalid)
	}
	scopes, err := json.Marshal(f.Scopes)
	if err != nil {
		return fmt.Errorf("sqlite: create family: encode scopes: %w", err)
	}
	err = s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO refresh_families (pool_id, id, subject, client_id, scopes, auth_time,
			device_key, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.PoolID, f.ID, f.Subject, f.ClientID, string(scopes), toMicros(f.AuthTime), f.DeviceKey,
			toMicros(f.CreatedAt), toMicros(f.ExpiresAt), toMicros(f.RevokedAt))
		if isUniqueViolation(err) {
			return &store.ExistsError{Key: "id"}
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO refresh_tokens (pool_id, hash, family_id, rotated_at) VALUES (?, ?, ?, NULL)`,
			f.PoolID, tokenHash, f.ID)
		if isUniqueViolation(err) {
			return &store.ExistsError{Key: "token"}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: create family: %w", err)
	}
	return nil
}

// GetFamily implements store.RefreshTokens.
func (s *Store) GetFamily(ctx context.Context, poolID, id string) (store.RefreshFamily, error) {
	row := s.reader.QueryRowContext(ctx, `SELECT `+familyColumns+` FROM refresh_families f WHERE f.pool_id = ? AND f.id = ?`, poolID, id)
	f, err := scanFamily(row, poolID)
	if errors.Is(err, sql.ErrNoRows) {
		return store.RefreshFamily{}, fmt.Errorf("sqlite: get family: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.RefreshFamily{}, fmt.Errorf("sqlite: get family: %w", err)
	}
	return f, nil
}

// FamilyByToken implements store.RefreshTokens.
func (s *Store) FamilyByToken(ctx context.Context, poolID string, tokenHash []byte) (store.RefreshFamily, bool, error) {
	row := s.reader.QueryRowContext(ctx, `SELECT `+familyColumns+`, t.rotated_at IS NULL FROM refresh_tokens t
		JOIN refresh_families f ON f.pool_id = t.pool_id AND f.id = t.family_id
		WHERE t.pool_id = ? AND t.hash = ?`, poolID, tokenHash)
	var current bool
	f, err := scanFamily(row, poolID, &current)
	if errors.Is(err, sql.ErrNoRows) {
		return store.RefreshFamily{}, false, fmt.Errorf("sqlite: family by token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.RefreshFamily{}, false, fmt.Errorf("sqlite: family by token: %w", err)
	}
	return f, current, nil
}

// RotateRefresh implements store.RefreshTokens. The token row and its
// family are read and changed in one write transaction; a detected reuse
// commits the revocation before ErrTokenReuse is returned.
func (s *Store) RotateRefresh(ctx context.Context, poolID string, presented, next []byte, now time.Time, grace time.Duration) (store.RefreshFamily, error) {
	if len(next) == 0 || now.IsZero() {
		return store.RefreshFamily{}, fmt.Errorf("sqlite: rotate refresh: %w: empty next token hash or zero time", store.ErrInvalid)
	}
	var (
		out     store.RefreshFamily
		outcome error
	)
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		var rotated sql.NullInt64
		row := tx.QueryRowContext(ctx, `SELECT `+familyColumns+`, t.rotated_at FROM refresh_tokens t
			JOIN refresh_families f ON f.pool_id = t.pool_id AND f.id = t.family_id
			WHERE t.pool_id = ? AND t.hash = ?`, poolID, presented)
		f, err := scanFamily(row, poolID, &rotated)
		if errors.Is(err, sql.ErrNoRows) {
			outcome = store.ErrNotFound
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case !f.RevokedAt.IsZero():
			outcome = store.ErrRevoked
			return nil
		case expired(f.ExpiresAt, now):
			outcome = store.ErrNotFound
			return nil
		}
		nowMicros := toMicros(now)
		if rotated.Valid && (grace <= 0 || now.Sub(fromMicros(rotated)) >= grace) {
			if _, err := tx.ExecContext(ctx, `UPDATE refresh_families SET revoked_at = ? WHERE pool_id = ? AND id = ?`,
				nowMicros, poolID, f.ID); err != nil {
				return err
			}
			outcome = store.ErrTokenReuse
			return nil
		}
		// Presented is current, or a retry within grace: whichever token is
		// current now becomes rotated, and next takes its place.
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET rotated_at = ?
			WHERE pool_id = ? AND family_id = ? AND rotated_at IS NULL`, nowMicros, poolID, f.ID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO refresh_tokens (pool_id, hash, family_id, rotated_at) VALUES (?, ?, ?, NULL)`,
			poolID, next, f.ID)
		if isUniqueViolation(err) {
			return &store.ExistsError{Key: "token"}
		}
		if err != nil {
			return err
		}
		out = f
		return nil
	})
	if err != nil {
		return store.RefreshFamily{}, fmt.Errorf("sqlite: rotate refresh: %w", err)
	}
	if outcome != nil {
		return store.RefreshFamily{}, fmt.Errorf("sqlite: rotate refresh: %w", outcome)
	}
	return out, nil
}

// RevokeFamily implements store.RefreshTokens. Revoking twice keeps the
// first revocation time.
func (s *Store) RevokeFamily(ctx context.Context, poolID, id string, now time.Time) error {
	if now.IsZero() {
		return fmt.Errorf("sqlite: revoke family: %w: zero time", store.ErrInvalid)
	}
	res, err := s.writeExec(ctx, `UPDATE refresh_families SET revoked_at = COALESCE(revoked_at, ?)
		WHERE pool_id = ? AND id = ?`, toMicros(now), poolID, id)
	if err != nil {
		return fmt.Errorf("sqlite: revoke family: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: revoke family: %w", err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: revoke family: %w", store.ErrNotFound)
	}
	return nil
}

// RevokeSubjectFamilies implements store.RefreshTokens.
func (s *Store) RevokeSubjectFamilies(ctx context.Context, poolID, subject string, now time.Time) error {
	if now.IsZero() {
		return fmt.Errorf("sqlite: revoke subject families: %w: zero time", store.ErrInvalid)
	}
	_, err := s.writeExec(ctx, `UPDATE refresh_families SET revoked_at = ?
		WHERE pool_id = ? AND subject = ? AND revoked_at IS NULL`, toMicros(now), poolID, subject)
	if err != nil {
		return fmt.Errorf("sqlite: revoke subject families: %w", err)
	}
	return nil
}
