// Package postgres is a store.Store kept in PostgreSQL, for deployments
// where several instances of an application share one user pool.
//
// Open connects with pgx, checks the connection and migrates the schema;
// New does the same on a pgxpool.Pool the caller already has. Migrations
// are numbered SQL files embedded in the binary, applied in one
// transaction under a PostgreSQL advisory lock and recorded in
// schema_migrations, so instances starting together take turns and a
// schema newer than the build is refused (ErrSchemaTooNew).
//
// Every table is keyed by pool ID. Uniqueness of usernames and aliases is
// enforced by unique indexes, so it holds across instances; the atomic
// operations of store.Store are single statements (compare-and-swap
// updates, DELETE … RETURNING for single-use sessions) or short
// transactions that lock the one row they decide on (a code, a
// refresh-token family, a lockout counter). Times are kept to the
// microsecond and returned in UTC.
//
// A user's MFA state (store.MFA) is one jsonb document in its row, so the
// compare-and-swap on Version covers it: of two requests accepting one
// TOTP code from the same read, one update wins. Group memberships,
// aliases, search keys and devices hang off their user (and a membership
// off its group) by foreign keys that cascade on delete and lock the
// referenced row, so none outlives a concurrent delete.
// ListUsers answers from user_search, one row per user and search
// attribute holding store.SearchKey's value as bytes, written in the same
// statement or transaction as the user: a page is an index range, so it
// costs the same in a pool of a thousand users or a million. Keys and
// cursors are compared bytewise, including ones PostgreSQL text could not
// hold (a NUL byte, invalid UTF-8).
//
//	s, err := postgres.Open(ctx, "postgres://cupola:secret@db:5432/cupola?sslmode=verify-full",
//		postgres.WithLogger(logger))
//	if err != nil {
//		return err
//	}
//	defer s.Close()
//	u, err := s.CreateUser(ctx, store.User{PoolID: "pool", Sub: sub, Username: "alice", UsernameKey: "alice"})
//
// Tests find their database through the postgrestest sub-package.
package postgres
