// Package storetest is the conformance suite of store.Store: the contract
// of package store in executable form. Every implementation (store/memory,
// store/sqlite, store/postgres) runs it from its own tests, and a behaviour
// the suite does not check is not guaranteed.
//
// The suite covers each method's documented results and errors, pool
// isolation, and the atomic operations under many goroutines released at
// once: one winner among concurrent creates of one username or alias, one
// consumer of a code or auth session, no lost update through
// compare-and-swap retry loops, one winner among concurrent rotations of a
// refresh token (the family then revoked), and no attempt counted past the
// lockout threshold.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "cupola.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Stores must keep times to at least the microsecond and may return them in
// UTC; the suite only uses whole microseconds and compares instants. Its
// reading of points the interface comments leave open:
//
//   - a code, auth session or refresh family has expired when now is not
//     before its ExpiresAt; a zero ExpiresAt, an empty key, an empty hash or
//     an empty alias kind or value is store.ErrInvalid;
//   - a lockout count resets when now is more than ResetAfter after the last
//     counted attempt; an attempt refused by a lock reports the LockedUntil
//     in force;
//   - revoking a revoked family keeps its first RevokedAt; FamilyByToken
//     still finds the tokens of a revoked or expired family; a rotated token
//     within grace of a revoked family is ErrRevoked;
//   - a username key or alias may be reused in another pool; UpdateUser
//     enforces the uniqueness of a changed username key as it does aliases;
//   - DeleteClient and RevokeFamily of an unknown ID are store.ErrNotFound;
//     ClearAttempts and RevokeSubjectFamilies of an unknown key succeed.
package storetest
