// Package memory is a store.Store kept in process memory: for tests,
// examples and single-process demos where nothing must survive a restart.
// It passes the same conformance suite (store/storetest) as the SQLite and
// PostgreSQL stores, so code tested against it behaves the same on them.
//
// Every method takes one mutex, so the atomic operations of the contract
// (create-if-absent, compare-and-swap, consume-once, rotate-or-detect-reuse,
// attempt counting) hold trivially. Records are deep-copied on the way in
// and out, code hashes are compared in constant time, and times are kept
// exactly as given. ListUsers scans the pool's users and sorts the matches
// by (store.SearchKey, sub): its cost grows with the pool, which a test
// store can afford; the SQL stores answer it from an index. ListDevices
// and DeleteUser likewise scan every device of the store.
//
//	s := memory.New()
//	u, err := s.CreateUser(ctx, store.User{PoolID: "p", Sub: sub, Username: "alice", UsernameKey: "alice"})
//	if errors.Is(err, store.ErrExists) {
//		// the username is taken
//	}
//	u.Attributes = map[string]string{"name": "Alice"}
//	u, err = s.UpdateUser(ctx, u) // store.ErrConflict if someone else updated first
package memory
