package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// PutAuthSession implements store.AuthSessions.
func (s *Store) PutAuthSession(ctx context.Context, a store.AuthSession) error {
	if a.PoolID == "" || a.ID == "" || a.ExpiresAt.IsZero() {
		return fmt.Errorf("sqlite: put auth session: %w: session needs pool id, id and expiry", store.ErrInvalid)
	}
	_, err := s.writeExec(ctx, `INSERT INTO auth_sessions (pool_id, id, subject, client_id, challenge, data, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.PoolID, a.ID, a.Subject, a.ClientID, a.Challenge, a.Data, toMicros(a.ExpiresAt), toMicros(a.CreatedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("sqlite: put auth session: %w", &store.ExistsError{Key: "id"})
	}
	if err != nil {
		return fmt.Errorf("sqlite: put auth session: %w", err)
	}
	return nil
}

// ConsumeAuthSession implements store.AuthSessions with one DELETE …
// RETURNING: whoever deletes the row has it, and an expired row is deleted
// on the way to ErrNotFound.
func (s *Store) ConsumeAuthSession(ctx context.Context, poolID, id, clientID string, now time.Time) (store.AuthSession, error) {
	a := store.AuthSession{PoolID: poolID, ID: id}
	var exp, cr sql.NullInt64
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		return tx.QueryRowContext(ctx, `DELETE FROM auth_sessions WHERE pool_id = ? AND id = ? AND client_id = ?
			RETURNING subject, client_id, challenge, data, expires_at, created_at`, poolID, id, clientID).
			Scan(&a.Subject, &a.ClientID, &a.Challenge, &a.Data, &exp, &cr)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return store.AuthSession{}, fmt.Errorf("sqlite: consume auth session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.AuthSession{}, fmt.Errorf("sqlite: consume auth session: %w", err)
	}
	a.ExpiresAt = fromMicros(exp)
	a.CreatedAt = fromMicros(cr)
	if expired(a.ExpiresAt, now) {
		return store.AuthSession{}, fmt.Errorf("sqlite: consume auth session: %w", store.ErrNotFound)
	}
	return a, nil
}

// RedeemAuthSession implements store.AuthSessions in one write
// transaction: the DELETE … RETURNING of ConsumeAuthSession, then the
// INSERT of next, undone together when the INSERT fails.
func (s *Store) RedeemAuthSession(ctx context.Context, poolID, id, clientID string, now time.Time, next store.AuthSession) (store.AuthSession, error) {
	const op = "sqlite: redeem auth session"
	if next.PoolID != poolID || next.ID == "" || next.ID == id || next.ExpiresAt.IsZero() {
		return store.AuthSession{}, fmt.Errorf("%s: %w: the next session needs the pool's id, an id of its own and an expiry", op, store.ErrInvalid)
	}
	var (
		a       store.AuthSession
		exp, cr sql.NullInt64
		gone    bool
	)
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		a, gone = store.AuthSession{PoolID: poolID, ID: id}, false // a batch rerun starts afresh
		err := tx.QueryRowContext(ctx, `DELETE FROM auth_sessions WHERE pool_id = ? AND id = ? AND client_id = ?
			RETURNING subject, client_id, challenge, data, expires_at, created_at`, poolID, id, clientID).
			Scan(&a.Subject, &a.ClientID, &a.Challenge, &a.Data, &exp, &cr)
		if err != nil {
			return err
		}
		a.ExpiresAt, a.CreatedAt = fromMicros(exp), fromMicros(cr)
		if gone = expired(a.ExpiresAt, now); gone {
			return nil // the expired session goes, and nothing takes its place
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO auth_sessions (pool_id, id, subject, client_id, challenge, data, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			next.PoolID, next.ID, next.Subject, next.ClientID, next.Challenge, next.Data, toMicros(next.ExpiresAt), toMicros(next.CreatedAt))
		if isUniqueViolation(err) {
			return &store.ExistsError{Key: "id"}
		}
		return err
	})
	switch {
	case errors.Is(err, sql.ErrNoRows) || err == nil && gone:
		return store.AuthSession{}, fmt.Errorf("%s: %w", op, store.ErrNotFound)
	case err != nil:
		return store.AuthSession{}, fmt.Errorf("%s: %w", op, err)
	}
	return a, nil
}
