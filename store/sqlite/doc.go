// Package sqlite is the embedded default store.Store: every pool's users
// (with their MFA state), devices, groups, clients, resource servers,
// codes, sessions, refresh tokens, signing keys and lockout counters in one
// SQLite file, through the pure-Go modernc.org/sqlite driver (no cgo).
//
// It is built for many concurrent sign-ins on one machine. The database
// runs in WAL mode with synchronous=FULL, so an acknowledged write
// survives a power cut (one its caller marked store.DeferSync once the
// next durable write is acknowledged), and readers never wait for the
// writer. All writes go through a
// single connection in short BEGIN IMMEDIATE transactions, queued to one
// committer goroutine (not spinning on SQLITE_BUSY) that runs the writes
// queued behind a commit together, each in a savepoint, under one commit
// and one fsync (commit.go) — a batch of writes marked store.DeferSync
// only commits without one, the next durable commit's fsync carrying it;
// the writer keeps its statements prepared (writestmts.go). Every atomic
// operation of the contract (create-if-absent, compare-and-swap,
// consume-once, rotate-or-detect-reuse, the lockout counter) is one such
// transaction.
// Lookups run on a small pool of read-only connections. Unique keys
// (username, aliases, token hashes, group names, resource-server
// identifiers) are enforced by the database itself.
//
// ListUsers never scans the pool: every user write also maintains, in the
// same transaction, a user_search table holding each user's
// store.SearchKey per search attribute but the sub, whose primary key
// (pool_id, attr, key, sub) answers an exact or prefix search (a bytewise
// key range, never LIKE) as one range scan, so a page costs the same in a
// pool of a thousand users as in one of a million; a search by sub, whose
// key is the sub, is a range scan of the users primary key instead.
// user_search and user_aliases (the unique aliases) are derived from the
// users row and have no index by sub (migration 0012): a write removes the
// rows of the user's old version by primary key, which spares a bulk
// import two random B-tree inserts per row for an index only updates and
// deletions would read. Deleting a user or a group removes its
// memberships by foreign-key cascade, and deleting a user its devices.
//
// A user's MFA state is one JSON document in the users row, so the
// compare-and-swap of UpdateUser covers it (a TOTP step is accepted once);
// the empty document, which users stored before migration 0003 have, is
// the zero MFA.
//
// The schema is created and upgraded by numbered migrations embedded in
// the binary and recorded in the schema_migrations table; Open applies
// the pending ones and refuses a database written by a newer version. A
// migration may be completed by a Go step in the same transaction (0002
// indexes the users already stored for ListUsers); a step reads only the
// columns of its own schema version.
// Expired codes, sessions and refresh families read as absent; call
// DeleteExpired now and then to reclaim their space, or Cleanup
// (store.Cleaner), which works one pool in bounded batches, forgets idle
// lockout keys too, and keeps refresh families.
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
