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
// user or group, one search entry per user after racing updates, one
// winner among concurrent updates of a user's TOTPLastStep from one read
// (each TOTP step accepted once), one whole device from concurrent puts of
// one key, no device left by a put racing the delete of its user, and one
// winner among concurrent feedbacks presenting one auth event's token, and
// one winner among concurrent creates of one setting or updates of one
// setting from one read.
//
// A user's MFA is checked field by field through every read that returns
// users (GetUser, GetUserByUsername, GetUserByAlias, ListUsers,
// ListUsersInGroup) after CreateUser and after UpdateUser, with secrets
// and recovery codes that are not UTF-8 and a TOTPLastStep beyond what a
// float64 holds exactly.
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
//   - a failed CreateUser or UpdateUser leaves the search index unchanged;
//   - a user's MFA is one value: UpdateUser replaces all of it (a field
//     left zero is cleared, nothing is merged), a user created without one
//     reads back with the zero MFA, and nil and empty are alike for
//     TOTPSecret, RecoveryCodes and each recovery code; RecoveryCodes keep
//     their order and duplicates; the compare-and-swap on Version covers
//     MFA as every other field;
//   - PutDevice of a known (PoolID, Subject, Key) replaces every field,
//     CreatedAt included, and keeps nothing of the old device; an empty
//     pool ID, subject or key is store.ErrInvalid; a subject that is not a
//     user of the pool is store.ErrNotFound, and so is a put that loses a
//     race with the delete of its user;
//   - device keys compare as bytes (case-sensitive, no prefix match);
//     ListDevices lists keys strictly greater than afterKey, which need
//     not be a key, and a page is short only at the end; a limit that is
//     not positive is store.ErrInvalid, math.MaxInt is no error; an
//     unknown user has an empty list; GetDevice and DeleteDevice of an
//     empty key are store.ErrNotFound or store.ErrInvalid;
//   - nil and empty are alike for a device's Verifier and Attributes; an
//     attribute whose value is empty is kept; a user's devices survive
//     UpdateUser (a rename included) and go with DeleteUser, so a sub
//     created again starts with none;
//   - an auth event's ID is unique in its pool across users (a duplicate
//     is an ExistsError naming "id", whoever's it is); nil and empty are
//     alike for ChallengeResponses and FeedbackToken; an event of a
//     subject that is not a user of the pool is store.ErrNotFound; events
//     go with DeleteUser, so a sub created again starts with none;
//   - ListAuthEvents lists the events strictly after the pair (beforeTime,
//     beforeID) in its newest-first order, which need not be an event;
//     IDs compare as bytes; a limit that is not positive is
//     store.ErrInvalid; an unknown user has an empty list; GetAuthEvent and
//     SetAuthEventFeedback of another user's event are store.ErrNotFound;
//   - successful feedback clears the token, whether it was given with it or
//     by an administrator without one; a token presented to an event whose
//     token is empty (never set or used) is store.ErrCodeMismatch; an
//     administrator may give feedback again;
//   - Cleanup removes events created strictly before EventsBefore and
//     counts them within Limit; the zero EventsBefore removes none;
//   - a setting's kind and scope compare as bytes (case-sensitive), the
//     empty scope (pool-wide) included; ListSettings orders by scope in
//     byte order, so the pool-wide setting comes first, and an empty pool
//     ID or kind is store.ErrInvalid; the bounds of store.Setting.Check
//     are inclusive; a setting's version read in one pool means nothing in
//     another; Cleanup never removes settings.
package storetest
