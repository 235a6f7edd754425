// Package sqlite is the embedded default store.Store: every pool's users,
// clients, codes, sessions, refresh tokens, signing keys and lockout
// counters in one SQLite file, through the pure-Go modernc.org/sqlite
// driver (no cgo).
//
// It is built for many concurrent sign-ins on one machine. The database
// runs in WAL mode with synchronous=FULL, so a committed write survives a
// power cut, and readers never wait for the writer. All writes go through a
// single connection in short BEGIN IMMEDIATE transactions (queued in
// database/sql, not spinning on SQLITE_BUSY), and every atomic operation
// of the contract (create-if-absent, compare-and-swap, consume-once,
// rotate-or-detect-reuse, the lockout counter) is one such transaction.
// Lookups run on a small pool of read-only connections. Unique keys
// (username, aliases, token hashes) are enforced by the database itself.
//
// The schema is created and upgraded by numbered migrations embedded in
// the binary and recorded in the schema_migrations table; Open applies
// the pending ones and refuses a database written by a newer version.
// Expired codes, sessions and refresh families read as absent; call
// DeleteExpired now and then to reclaim their space.
//
//	s, err := sqlite.Open(ctx, "/var/lib/cupola/cupola.db",
//		sqlite.WithLogger(logger),
//		sqlite.WithBusyTimeout(5*time.Second))
//	if err != nil {
//		return err
//	}
//	defer s.Close()
//	u, err := s.GetUserByUsername(ctx, poolID, "alice")
package sqlite
