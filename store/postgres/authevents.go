package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cupola-auth/cupola/store"
)

const eventColumns = `pool_id, subject, id, type, response, created_at, risk_decision, risk_level,
	compromised_credentials_detected, challenge_responses, ip_address, device_name, city, country,
	timezone, feedback, feedback_provider, feedback_at, feedback_token, device_key`

func scanEvent(row pgx.Row) (store.AuthEvent, error) {
	var (
		e          store.AuthEvent
		challenges []byte
		cr, fbAt   pgtype.Timestamptz
	)
	err := row.Scan(&e.PoolID, &e.Subject, &e.ID, &e.Type, &e.Response, &cr, &e.RiskDecision, &e.RiskLevel,
		&e.CompromisedCredentialsDetected, &challenges, &e.IPAddress, &e.DeviceName, &e.City, &e.Country,
		&e.Timezone, &e.Feedback, &e.FeedbackProvider, &fbAt, &e.FeedbackToken, &e.DeviceKey)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.AuthEvent{}, store.ErrNotFound
	}
	if err != nil {
		return store.AuthEvent{}, err
	}
	if challenges != nil {
		if err := json.Unmarshal(challenges, &e.ChallengeResponses); err != nil {
			return store.AuthEvent{}, err
		}
	}
	e.CreatedAt, e.FeedbackAt = fromTS(cr), fromTS(fbAt)
	return e, nil
}

func validEvent(op string, e store.AuthEvent) error {
	if err := e.Check(); err != nil {
		return invalid(op, err.Error())
	}
	if !storable(e.PoolID, e.Subject, e.ID, e.Type, e.Response, e.RiskDecision, e.RiskLevel,
		e.IPAddress, e.DeviceName, e.DeviceKey, e.City, e.Country, e.Timezone, e.Feedback, e.FeedbackProvider) {
		return invalid(op, "a field is not valid UTF-8 or holds a NUL byte")
	}
	for k, v := range e.ChallengeResponses {
		if !storable(k, v) {
			return invalid(op, "a challenge response is not valid UTF-8 or holds a NUL byte")
		}
	}
	return nil
}

// PutAuthEvent implements store.AuthEvents with one INSERT. The foreign
// key to users decides, in the one statement, that the user exists: an
// unknown subject is store.ErrNotFound.
func (s *Store) PutAuthEvent(ctx context.Context, e store.AuthEvent) error {
	const op = "put auth event"
	if err := validEvent(op, e); err != nil {
		return err
	}
	challenges, err := jsonOrNull(e.ChallengeResponses, e.ChallengeResponses == nil)
	if err != nil {
		return wrap(op, err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO auth_events (`+eventColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
		e.PoolID, e.Subject, e.ID, e.Type, e.Response, ts(e.CreatedAt), e.RiskDecision, e.RiskLevel,
		e.CompromisedCredentialsDetected, challenges, e.IPAddress, e.DeviceName, e.City, e.Country,
		e.Timezone, e.Feedback, e.FeedbackProvider, ts(e.FeedbackAt), e.FeedbackToken, e.DeviceKey)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == codeForeignKeyViolation {
		return store.ErrNotFound
	}
	return wrap(op, asExists(err))
}

// ListAuthEvents implements store.AuthEvents as one range scan of the
// (pool_id, subject, created_at DESC, id DESC) index, the cursor a row
// comparison. An unknown user has no events; a limit <= 0, or a cursor ID
// PostgreSQL cannot hold, is store.ErrInvalid.
func (s *Store) ListAuthEvents(ctx context.Context, poolID, subject string, beforeTime time.Time, beforeID string, limit int) ([]store.AuthEvent, error) {
	const op = "list auth events"
	if limit <= 0 {
		return nil, invalid(op, "limit must be positive")
	}
	if !storable(beforeID) {
		return nil, invalid(op, "the cursor ID is not valid UTF-8 or holds a NUL byte")
	}
	if !storable(poolID, subject) {
		return nil, nil
	}
	query, args := `SELECT `+eventColumns+` FROM auth_events WHERE pool_id = $1 AND subject = $2`, []any{poolID, subject, limit}
	if beforeID != "" {
		query += ` AND (created_at, id) < ($4, $5)`
		args = append(args, ts(beforeTime), beforeID)
	}
	rows, err := s.pool.Query(ctx, query+` ORDER BY created_at DESC, id DESC LIMIT $3`, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.AuthEvent, error) { return scanEvent(r) })
	return es, wrap(op, err)
}

// GetAuthEvent implements store.AuthEvents: an event of another user or
// pool is store.ErrNotFound.
func (s *Store) GetAuthEvent(ctx context.Context, poolID, subject, id string) (store.AuthEvent, error) {
	if !storable(poolID, subject, id) {
		return store.AuthEvent{}, store.ErrNotFound
	}
	e, err := scanEvent(s.pool.QueryRow(ctx, `SELECT `+eventColumns+` FROM auth_events
		WHERE pool_id = $1 AND subject = $2 AND id = $3`, poolID, subject, id))
	return e, wrap("get auth event", err)
}

// SetAuthEventFeedback implements store.AuthEvents in one transaction: the
// event's row is locked (SELECT … FOR UPDATE), its token compared in
// constant time in Go, and the feedback written with the token cleared.
// Concurrent calls queue on the row lock, so only the first sees the
// token; a mismatch rolls back, changing nothing.
func (s *Store) SetAuthEventFeedback(ctx context.Context, poolID, subject, id string, f store.AuthEventFeedback) (store.AuthEvent, error) {
	const op = "set auth event feedback"
	if !storable(poolID, subject, id) {
		return store.AuthEvent{}, store.ErrNotFound
	}
	if !storable(f.Value, f.Provider) {
		return store.AuthEvent{}, invalid(op, "the feedback is not valid UTF-8 or holds a NUL byte")
	}
	var out store.AuthEvent
	err := s.inTx(ctx, op, func(tx pgx.Tx) (error, error) {
		var token []byte
		err := tx.QueryRow(ctx, `SELECT feedback_token FROM auth_events
			WHERE pool_id = $1 AND subject = $2 AND id = $3 FOR UPDATE`, poolID, subject, id).Scan(&token)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, store.ErrNotFound
		}
		if err != nil {
			return nil, err
		}
		if !store.FeedbackTokenMatches(token, f.Token) {
			return nil, store.ErrCodeMismatch
		}
		out, err = scanEvent(tx.QueryRow(ctx, `UPDATE auth_events
			SET feedback = $3, feedback_provider = $4, feedback_at = $5, feedback_token = NULL
			WHERE pool_id = $1 AND id = $2
			RETURNING `+eventColumns, poolID, id, f.Value, f.Provider, ts(f.At)))
		return nil, err
	})
	if err != nil {
		return store.AuthEvent{}, wrap(op, err)
	}
	return out, nil
}
