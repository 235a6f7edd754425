// Package store defines what a Cupola user pool persists and the atomic
// operations it relies on. Implementations live in sub-packages named after
// what they wrap: store/memory (tests, examples), store/sqlite (the
// embedded default) and store/postgres (several instances sharing one
// pool). store/storetest is the conformance suite all of them pass.
//
// The package holds plain records and interfaces only; it imports nothing
// else of the project. Callers normalize keys (usernames, aliases) and hash
// secrets before they reach a store: a store compares bytes, it never
// interprets them.
//
//	s := memory.New()
//	u, err := s.CreateUser(ctx, store.User{PoolID: "p", Sub: sub, Username: "alice", UsernameKey: "alice"})
//	if errors.Is(err, store.ErrExists) { /* taken */ }
package store
