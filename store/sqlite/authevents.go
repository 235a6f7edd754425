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

const eventColumns = `id, type, response, created_at, risk_decision, risk_level,
	compromised_credentials_detected, challenge_responses, ip_address, device_name, city, country,
	timezone, feedback, feedback_provider, feedback_at, feedback_token, device_key`

func scanEvent(r rowScanner, poolID, subject string) (store.AuthEvent, error) {
	e := store.AuthEvent{PoolID: poolID, Subject: subject}
	var (
		compromised int64
		challenges  string
		cr, fbAt    sql.NullInt64
	)
	if err := r.Scan(&e.ID, &e.Type, &e.Response, &cr, &e.RiskDecision, &e.RiskLevel,
		&compromised, &challenges, &e.IPAddress, &e.DeviceName, &e.City, &e.Country,
		&e.Timezone, &e.Feedback, &e.FeedbackProvider, &fbAt, &e.FeedbackToken, &e.DeviceKey); err != nil {
		return store.AuthEvent{}, err
	}
	e.CompromisedCredentialsDetected = compromised != 0
	if err := json.Unmarshal([]byte(challenges), &e.ChallengeResponses); err != nil {
		return store.AuthEvent{}, fmt.Errorf("decode challenge responses: %w", err)
	}
	e.CreatedAt, e.FeedbackAt = fromMicros(cr), fromMicros(fbAt)
	return e, nil
}

// PutAuthEvent implements store.AuthEvents with one INSERT. The row
// references its user, so an event of an unknown subject is refused by the
// database itself, even against a concurrent DeleteUser.
func (s *Store) PutAuthEvent(ctx context.Context, e store.AuthEvent) error {
	const op = "sqlite: put auth event"
	if err := e.Check(); err != nil {
		return fmt.Errorf("%s: %w: %s", op, store.ErrInvalid, err)
	}
	challenges, err := json.Marshal(e.ChallengeResponses)
	if err != nil {
		return fmt.Errorf("%s: encode challenge responses: %w", op, err)
	}
	err = s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO auth_events (pool_id, subject, `+eventColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.PoolID, e.Subject, e.ID, e.Type, e.Response, toMicros(e.CreatedAt), e.RiskDecision, e.RiskLevel,
			boolInt(e.CompromisedCredentialsDetected), string(challenges), e.IPAddress, e.DeviceName, e.City, e.Country,
			e.Timezone, e.Feedback, e.FeedbackProvider, toMicros(e.FeedbackAt), e.FeedbackToken, e.DeviceKey)
		switch {
		case isPrimaryKeyViolation(err):
			return &store.ExistsError{Key: "id"}
		case isForeignKeyViolation(err):
			return store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// ListAuthEvents implements store.AuthEvents as one range scan of the
// (pool_id, subject, created_at DESC, id DESC) index, the cursor a row
// value. A limit below 1 is ErrInvalid; an unknown user has no events.
func (s *Store) ListAuthEvents(ctx context.Context, poolID, subject string, beforeTime time.Time, beforeID string, limit int) ([]store.AuthEvent, error) {
	const op = "sqlite: list auth events"
	if limit <= 0 {
		return nil, fmt.Errorf("%s: %w: limit %d must be positive", op, store.ErrInvalid, limit)
	}
	query, args := `SELECT `+eventColumns+` FROM auth_events WHERE pool_id = ? AND subject = ?`, []any{poolID, subject}
	if beforeID != "" {
		query += ` AND (created_at, id) < (?, ?)`
		args = append(args, toMicros(beforeTime), beforeID)
	}
	rows, err := s.reader.QueryContext(ctx, query+` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	var out []store.AuthEvent
	for rows.Next() {
		e, err := scanEvent(rows, poolID, subject)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// GetAuthEvent implements store.AuthEvents.
func (s *Store) GetAuthEvent(ctx context.Context, poolID, subject, id string) (store.AuthEvent, error) {
	e, err := scanEvent(s.reader.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM auth_events
		WHERE pool_id = ? AND subject = ? AND id = ?`, poolID, subject, id), poolID, subject)
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.AuthEvent{}, fmt.Errorf("sqlite: get auth event: %w", err)
	}
	return e, nil
}

// SetAuthEventFeedback implements store.AuthEvents in one write
// transaction: the token is read and compared (in constant time, in Go)
// and the feedback written with the token cleared, with no other write in
// between on the single writer. A mismatch rolls back, changing nothing.
func (s *Store) SetAuthEventFeedback(ctx context.Context, poolID, subject, id string, f store.AuthEventFeedback) (store.AuthEvent, error) {
	var out store.AuthEvent
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		var token []byte
		err := tx.QueryRowContext(ctx, `SELECT feedback_token FROM auth_events WHERE pool_id = ? AND subject = ? AND id = ?`,
			poolID, subject, id).Scan(&token)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if !store.FeedbackTokenMatches(token, f.Token) {
			return store.ErrCodeMismatch
		}
		out, err = scanEvent(tx.QueryRowContext(ctx, `UPDATE auth_events
			SET feedback = ?, feedback_provider = ?, feedback_at = ?, feedback_token = NULL
			WHERE pool_id = ? AND id = ?
			RETURNING `+eventColumns, f.Value, f.Provider, toMicros(f.At), poolID, id), poolID, subject)
		return err
	})
	if err != nil {
		return store.AuthEvent{}, fmt.Errorf("sqlite: set auth event feedback: %w", err)
	}
	return out, nil
}
