// Package storetest is the conformance suite of store.Store: the contract
// of package store in executable form. Every implementation (store/memory,
// store/sqlite, store/postgres) runs it from its own tests, and a behaviour
// the suite does not check is not guaranteed.
//
// The suite covers each method's documented results and errors, pool
// isolation, and the atomic operations under many goroutines released at
// once: one winner among concurrent creates of one username, alias, group
// name or resource-server identifier, one consumer of a code or auth
// session, no lost update through compare-and-swap retry loops, one winner
// among concurrent rotations of a refresh token (the family then revoked),
// no attempt counted past the lockout threshold, one membership from many
// concurrent adds, no membership left by an add racing the delete of its
// user or group, and one search entry per user after racing updates.
//
// ListUsers is checked against the specification applied in the test
// (store.SearchKey of every user, ordered by key then sub), paged to the
// end with every page size from 1 up, each page continuing after the last
// user of the previous one, over many users sharing one key.
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
//     ClearAttempts and RevokeSubjectFamilies of an unknown key succeed;
//   - group names and resource-server identifiers are compared as bytes
//     (case-sensitive) and may be reused in another pool; an empty name,
//     identifier or pool ID is store.ErrInvalid; UpdateGroup and
//     UpdateResourceServer keep CreatedAt, and an update keeps the group's
//     memberships; Scopes keep their order, and nil and empty are alike;
//   - a page of ListGroups, ListUsersInGroup or ListUsers is short only
//     at the end (userpool asks for limit+1 to learn whether more follow);
//     a limit that is not positive is store.ErrInvalid for ListGroups,
//     ListUsersInGroup and ListUsers; a ListUsers limit above the cap
//     (even math.MaxInt) is no error;
//   - RemoveUserFromGroup of an unknown user or group is store.ErrNotFound
//     even when there is nothing to remove; ListGroupsForUser of an unknown
//     sub is an empty list; a group or user deleted and created again under
//     the same name or sub has no membership;
//   - a ListUsers page starts strictly after the pair (AfterKey, AfterSub)
//     compared key first: AfterKey with an empty AfterSub still lists the
//     users whose key is AfterKey, and the cursor need not be a user that
//     exists (the one a page ended with may be deleted before the next);
//   - search keys and prefixes compare bytes: no case folding (the status
//     keys "CONFIRMED", "Enabled"… included; userpool folds what Cognito
//     folds), and a prefix need not end on a UTF-8 character boundary; an
//     attribute value that is empty is no value;
//   - a lookup key, cursor or prefix that is not storable text (invalid
//     UTF-8 or a NUL byte) may be refused with store.ErrInvalid, but never
//     answered wrongly;
//   - a failed CreateUser or UpdateUser leaves the search index unchanged.
package storetest
