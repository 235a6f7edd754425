package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cupola-auth/cupola/store"
)

// PutAuthSession stores a new session; an existing ID is an
// *store.ExistsError with Key "id".
func (s *Store) PutAuthSession(ctx context.Context, a store.AuthSession) error {
	const op = "put auth session"
	switch {
	case a.PoolID == "":
		return invalid(op, "pool id is empty")
	case a.ID == "":
		return invalid(op, "session id is empty")
	case a.ExpiresAt.IsZero():
		return invalid(op, "expiry is missing")
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO auth_sessions (pool_id, id, subject, client_id, challenge, data, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		a.PoolID, a.ID, a.Subject, a.ClientID, a.Challenge, a.Data, ts(a.ExpiresAt), ts(a.CreatedAt))
	return wrap(op, asExists(err))
}

// ConsumeAuthSession deletes the session of clientID and returns it, in
// one statement: of concurrent callers exactly one gets it. Expired at now
// or absent is store.ErrNotFound (an expired session is deleted too).
func (s *Store) ConsumeAuthSession(ctx context.Context, poolID, id, clientID string, now time.Time) (store.AuthSession, error) {
	if !storable(poolID, id, clientID) {
		return store.AuthSession{}, store.ErrNotFound
	}
	a := store.AuthSession{PoolID: poolID, ID: id}
	var expiresAt, createdAt pgtype.Timestamptz
	err := s.pool.QueryRow(ctx, `DELETE FROM auth_sessions WHERE pool_id = $1 AND id = $2 AND client_id = $3
		RETURNING subject, client_id, challenge, data, expires_at, created_at`, poolID, id, clientID).
		Scan(&a.Subject, &a.ClientID, &a.Challenge, &a.Data, &expiresAt, &createdAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.AuthSession{}, store.ErrNotFound
	}
	if err != nil {
		return store.AuthSession{}, wrap("consume auth session", err)
	}
	a.ExpiresAt, a.CreatedAt = fromTS(expiresAt), fromTS(createdAt)
	if !now.Before(a.ExpiresAt) {
		return store.AuthSession{}, store.ErrNotFound
	}
	return a, nil
}

// RedeemAuthSession implements store.AuthSessions in one statement: the
// DELETE … RETURNING of ConsumeAuthSession feeds the INSERT of next, so
// the two happen together or not at all (a taken next.ID fails the whole
// statement), and of concurrent callers only the one whose DELETE found
// the row inserts anything.
func (s *Store) RedeemAuthSession(ctx context.Context, poolID, id, clientID string, now time.Time, next store.AuthSession) (store.AuthSession, error) {
	const op = "redeem auth session"
	switch {
	case next.PoolID != poolID || next.ID == "" || next.ID == id || next.ExpiresAt.IsZero():
		return store.AuthSession{}, invalid(op, "the next session needs the pool's id, an id of its own and an expiry")
	case !storable(poolID, id, clientID):
		return store.AuthSession{}, store.ErrNotFound
	}
	a := store.AuthSession{PoolID: poolID, ID: id}
	var expiresAt, createdAt pgtype.Timestamptz
	err := s.queryRowWrite(ctx, `WITH gone AS (
			DELETE FROM auth_sessions WHERE pool_id = $1 AND id = $2 AND client_id = $3
			RETURNING subject, client_id, challenge, data, expires_at, created_at),
		put AS (
			INSERT INTO auth_sessions (pool_id, id, subject, client_id, challenge, data, expires_at, created_at)
			SELECT $1, $5, $6, $7, $8, $9, $10, $11 FROM gone WHERE gone.expires_at > $4)
		SELECT subject, client_id, challenge, data, expires_at, created_at FROM gone`,
		poolID, id, clientID, ts(now), next.ID, next.Subject, next.ClientID, next.Challenge, next.Data, ts(next.ExpiresAt), ts(next.CreatedAt)).
		Scan(&a.Subject, &a.ClientID, &a.Challenge, &a.Data, &expiresAt, &createdAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.AuthSession{}, store.ErrNotFound
	}
	if err != nil {
		return store.AuthSession{}, wrap(op, asExists(err))
	}
	a.ExpiresAt, a.CreatedAt = fromTS(expiresAt), fromTS(createdAt)
	if !now.Before(a.ExpiresAt) {
		return store.AuthSession{}, store.ErrNotFound
	}
	return a, nil
}
