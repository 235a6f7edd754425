package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cupola-auth/cupola/store"
)

// maxTxAttempts bounds how often a transaction that lost a deadlock or a
// serialization conflict is run again.
const maxTxAttempts = 5

// execer and querier are what a pool and a transaction have in common.
type (
	execer interface {
		Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	}
	querier interface {
		QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	}
)

// txFunc is one transaction's work. A non-nil err rolls the transaction
// back. Otherwise it commits and outcome is what the operation returns:
// some outcomes are errors that must still commit (a counted code
// mismatch, a family revoked for token reuse).
type txFunc func(tx pgx.Tx) (outcome error, err error)

// inTx runs fn in a READ COMMITTED transaction; fn locks the rows it
// decides on with SELECT … FOR UPDATE. A deadlock or serialization failure
// runs fn again, a bounded number of times.
func (s *Store) inTx(ctx context.Context, op string, fn txFunc) error {
	for attempt := 1; ; attempt++ {
		outcome, err := s.tryTx(ctx, fn)
		if err == nil {
			return outcome
		}
		if !retryable(err) || attempt >= maxTxAttempts {
			return err
		}
		s.log.DebugContext(ctx, "retrying transaction", "op", op, "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("postgres: %s: %w", op, ctx.Err())
		case <-time.After(time.Duration(attempt) * 2 * time.Millisecond):
		}
	}
}

func (s *Store) tryTx(ctx context.Context, fn txFunc) (error, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	outcome, err := fn(tx)
	if err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	return outcome, nil
}

// SQLSTATE codes the store reacts to.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeBadEncoding          = "22021" // invalid UTF-8, or a NUL byte, in text
	codeUntranslatable       = "22P05" // \u0000 in jsonb
	codeTooLarge             = "54000" // a key too long for its index
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == codeSerializationFailure || pe.Code == codeDeadlockDetected)
}

// existsKey names the key store.ExistsError reports for a unique
// constraint of the schema.
func existsKey(constraint string) string {
	switch constraint {
	case "users_username_key":
		return "username"
	case "users_pkey":
		return "sub"
	case "refresh_tokens_pkey":
		return "token"
	case "groups_pkey":
		return "group"
	case "resource_servers_pkey":
		return "identifier"
	case "outbox_pkey":
		return "delivery"
	case "identity_providers_pkey":
		return "provider"
	case "idp_identifiers_pkey":
		return "idp_identifier"
	case "auth_events_pkey":
		return "id"
	case "webauthn_credentials_pkey":
		return "credential"
	case "settings_pkey":
		return "setting"
	default: // client, session and family IDs
		return "id"
	}
}

// asExists turns a unique violation into a *store.ExistsError naming the
// key; other errors come back unchanged.
func asExists(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != codeUniqueViolation {
		return err
	}
	return &store.ExistsError{Key: existsKey(pe.ConstraintName)}
}

// wrap gives a database error the operation's name. Store sentinels and
// ExistsErrors pass through as they are, so callers match them directly;
// a value PostgreSQL cannot keep (a NUL byte, invalid UTF-8, a key too
// long to index) is store.ErrInvalid.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, errTimeRange) {
		return invalid(op, errTimeRange.Error())
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == codeBadEncoding || pe.Code == codeUntranslatable || pe.Code == codeTooLarge) {
		return invalid(op, pe.Message)
	}
	var ee *store.ExistsError
	if errors.As(err, &ee) || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) ||
		errors.Is(err, store.ErrCodeMismatch) || errors.Is(err, store.ErrRevoked) ||
		errors.Is(err, store.ErrTokenReuse) || errors.Is(err, store.ErrInvalid) {
		return err
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// storable reports whether PostgreSQL can hold every one of keys in a
// text column: valid UTF-8 without NUL bytes. A lookup by a key it cannot
// hold finds nothing, and says so without asking the database.
func storable(keys ...string) bool {
	for _, k := range keys {
		if !utf8.ValidString(k) || strings.IndexByte(k, 0) >= 0 {
			return false
		}
	}
	return true
}

// validUTF8 reports whether every string is valid UTF-8: encoding/json
// would otherwise replace the bad bytes silently in a jsonb column.
func validUTF8(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// invalid builds an error matching store.ErrInvalid that says what is wrong.
func invalid(op, what string) error {
	return fmt.Errorf("postgres: %s: %s: %w", op, what, store.ErrInvalid)
}
