package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

var userTests = []conformanceTest{
	{"create stores version 1 and every field round trips", testUserCreateRoundTrips},
	{"zero times and empty maps round trip", testUserZeroValues},
	{"a missing user is not found by any key", testUserMissing},
	{"a duplicate username is an ExistsError naming username and stores nothing", testUserDuplicateUsername},
	{"a duplicate alias is an ExistsError naming the alias kind and stores nothing", testUserDuplicateAlias},
	{"one value under two alias kinds is no conflict", testUserAliasKindsApart},
	{"update stores the record with the next version and keeps CreatedAt", testUserUpdate},
	{"update with a stale version is a conflict and changes nothing", testUserUpdateStaleVersion},
	{"update of a missing user is not found", testUserUpdateMissing},
	{"an alias change frees the old alias and claims the new", testUserAliasChange},
	{"update to a taken alias is an ExistsError and changes nothing", testUserUpdateTakenAlias},
	{"update to a taken username key is an ExistsError naming username", testUserUpdateTakenUsername},
	{"delete removes the user and frees its username and aliases", testUserDelete},
	{"delete removes everything keyed by the sub and nothing else", testUserDeleteCascades},
	{"records handed in or returned share no memory with the store", testUserRecordsCopied},
	{"malformed users are invalid", testUserMalformed},
	{"a cancelled context is refused", testUserCancelledContext},
}

func testUserCreateRoundTrips(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	u := newUser(t, pool)
	u.Username = "Alice"
	u.Status = store.StatusForceChangePassword
	u.Attributes = map[string]string{
		"email":          "alice@example.com",
		"email_verified": "true",
		"custom:team":    "Blue ünïcode ✓",
		"name":           "",
	}
	u.Aliases = map[string]string{
		"email":              "alice@example.com",
		"phone_number":       "+15555550100",
		"preferred_username": "al",
	}
	u.Password = store.PasswordCredential{
		Hash:        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		SRPSalt:     "salt",
		SRPVerifier: "verifier",
		Temporary:   true,
		ExpiresAt:   at(7 * 24 * time.Hour).In(elsewhere),
		ChangedAt:   at(-time.Hour),
	}
	u.Version = 42
	u.CreatedAt = at(-2 * time.Hour).In(elsewhere)
	u.UpdatedAt = at(-time.Minute)

	want := u
	want.Version = 1
	got, err := st.CreateUser(ctx, u)
	wantOK(t, "CreateUser", err)
	wantSame(t, "CreateUser result", got, want, normUser)

	got, err = st.GetUser(ctx, pool, u.Sub)
	wantOK(t, "GetUser", err)
	wantSame(t, "GetUser", got, want, normUser)
	got, err = st.GetUserByUsername(ctx, pool, u.UsernameKey)
	wantOK(t, "GetUserByUsername", err)
	wantSame(t, "GetUserByUsername", got, want, normUser)
	for kind, value := range u.Aliases {
		got, err = st.GetUserByAlias(ctx, pool, kind, value)
		wantOK(t, "GetUserByAlias "+kind, err)
		wantSame(t, "GetUserByAlias "+kind, got, want, normUser)
	}
}

func testUserZeroValues(t *testing.T, st store.Store, pool string) {
	u := store.User{PoolID: pool, Sub: randomID(t, "sub-"), Username: "b", UsernameKey: "b", Status: store.StatusUnconfirmed}
	createUser(t, st, u)
	got, err := st.GetUser(t.Context(), pool, u.Sub)
	wantOK(t, "GetUser", err)
	u.Version = 1
	wantSame(t, "GetUser", got, u, normUser)
	for what, tm := range map[string]time.Time{
		"Password.ExpiresAt": got.Password.ExpiresAt,
		"Password.ChangedAt": got.Password.ChangedAt,
		"CreatedAt":          got.CreatedAt,
		"UpdatedAt":          got.UpdatedAt,
	} {
		if !tm.IsZero() {
			t.Errorf("%s = %v, want the zero time", what, tm)
		}
	}
	if got.Enabled {
		t.Error("Enabled = true, want false")
	}
}

func testUserMissing(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	_, err := st.GetUser(ctx, pool, "no-such-sub")
	wantErr(t, "GetUser", err, store.ErrNotFound)
	_, err = st.GetUserByUsername(ctx, pool, "nobody")
	wantErr(t, "GetUserByUsername", err, store.ErrNotFound)
	_, err = st.GetUserByAlias(ctx, pool, "email", "nobody@example.com")
	wantErr(t, "GetUserByAlias", err, store.ErrNotFound)
}

func testUserDuplicateUsername(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	first := newUser(t, pool)
	createUser(t, st, first)

	dup := newUser(t, pool)
	dup.Username, dup.UsernameKey = first.Username, first.UsernameKey
	dup.Aliases = map[string]string{"email": "dup@example.com"}
	_, err := st.CreateUser(ctx, dup)
	wantExists(t, "CreateUser with a taken username", err, "username")

	_, err = st.GetUser(ctx, pool, dup.Sub)
	wantErr(t, "GetUser of the failed create", err, store.ErrNotFound)
	_, err = st.GetUserByAlias(ctx, pool, "email", "dup@example.com")
	wantErr(t, "GetUserByAlias of the failed create", err, store.ErrNotFound)
	got, err := st.GetUserByUsername(ctx, pool, first.UsernameKey)
	wantOK(t, "GetUserByUsername", err)
	if got.Sub != first.Sub {
		t.Errorf("username belongs to %s, want the first user %s", got.Sub, first.Sub)
	}

	other := newUser(t, pool)
	other.Aliases = map[string]string{"email": "dup@example.com"}
	createUser(t, st, other) // the alias of the failed create was never claimed
}

func testUserDuplicateAlias(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	first := newUser(t, pool)
	first.Aliases = map[string]string{"phone_number": "+15555550101"}
	createUser(t, st, first)

	dup := newUser(t, pool)
	dup.Aliases = map[string]string{"phone_number": "+15555550101", "email": "free@example.com"}
	_, err := st.CreateUser(ctx, dup)
	wantExists(t, "CreateUser with a taken alias", err, "phone_number")

	_, err = st.GetUserByUsername(ctx, pool, dup.UsernameKey)
	wantErr(t, "GetUserByUsername of the failed create", err, store.ErrNotFound)
	_, err = st.GetUserByAlias(ctx, pool, "email", "free@example.com")
	wantErr(t, "GetUserByAlias of the failed create", err, store.ErrNotFound)
	got, err := st.GetUserByAlias(ctx, pool, "phone_number", "+15555550101")
	wantOK(t, "GetUserByAlias", err)
	if got.Sub != first.Sub {
		t.Errorf("alias belongs to %s, want the first user %s", got.Sub, first.Sub)
	}

	dup.Aliases = map[string]string{"email": "free@example.com"}
	createUser(t, st, dup) // its username and email were never claimed
}

func testUserAliasKindsApart(t *testing.T, st store.Store, pool string) {
	a := newUser(t, pool)
	a.Aliases = map[string]string{"email": "same"}
	createUser(t, st, a)
	b := newUser(t, pool)
	b.Aliases = map[string]string{"preferred_username": "same"}
	createUser(t, st, b)
	got, err := st.GetUserByAlias(t.Context(), pool, "preferred_username", "same")
	wantOK(t, "GetUserByAlias", err)
	if got.Sub != b.Sub {
		t.Errorf("GetUserByAlias returned %s, want %s", got.Sub, b.Sub)
	}
}

func testUserUpdate(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	u := newUser(t, pool)
	u.Attributes = map[string]string{"email": "a@example.com", "name": "A"}
	u = createUser(t, st, u)

	u.Status = store.StatusResetRequired
	u.Enabled = false
	u.Username = "renamed"
	u.Attributes = map[string]string{"email": "a@example.com", "custom:n": "1"}
	u.Password = store.PasswordCredential{Hash: "new-hash", ChangedAt: at(time.Hour)}
	u.UpdatedAt = at(time.Hour).In(elsewhere)
	want := u
	want.Version = 2
	u.CreatedAt = at(99 * time.Hour) // must be ignored

	got, err := st.UpdateUser(ctx, u)
	wantOK(t, "UpdateUser", err)
	wantSame(t, "UpdateUser result", got, want, normUser)
	got, err = st.GetUser(ctx, pool, u.Sub)
	wantOK(t, "GetUser", err)
	wantSame(t, "GetUser after update", got, want, normUser)

	got, err = st.UpdateUser(ctx, got)
	wantOK(t, "second UpdateUser", err)
	if got.Version != 3 {
		t.Errorf("Version after second update = %d, want 3", got.Version)
	}
}

func testUserUpdateStaleVersion(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	u := createUser(t, st, newUser(t, pool))
	fresh := u
	fresh.Attributes = map[string]string{"n": "fresh"}
	fresh, err := st.UpdateUser(ctx, fresh)
	wantOK(t, "UpdateUser", err)

	stale := u // Version 1
	stale.Attributes = map[string]string{"n": "stale"}
	stale.Aliases = map[string]string{"email": "stale@example.com"}
	_, err = st.UpdateUser(ctx, stale)
	wantErr(t, "UpdateUser with version 1", err, store.ErrConflict)
	future := fresh
	future.Version = 7
	_, err = st.UpdateUser(ctx, future)
	wantErr(t, "UpdateUser with a version from the future", err, store.ErrConflict)

	got, err := st.GetUser(ctx, pool, u.Sub)
	wantOK(t, "GetUser", err)
	wantSame(t, "GetUser after conflicts", got, fresh, normUser)
	_, err = st.GetUserByAlias(ctx, pool, "email", "stale@example.com")
	wantErr(t, "GetUserByAlias of the stale update", err, store.ErrNotFound)
}

func testUserUpdateMissing(t *testing.T, st store.Store, pool string) {
	u := newUser(t, pool)
	u.Version = 1
	_, err := st.UpdateUser(t.Context(), u)
	wantErr(t, "UpdateUser", err, store.ErrNotFound)
	_, err = st.GetUserByUsername(t.Context(), pool, u.UsernameKey)
	wantErr(t, "GetUserByUsername", err, store.ErrNotFound)
}

func testUserAliasChange(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	u := newUser(t, pool)
	u.Aliases = map[string]string{"email": "old@example.com", "phone_number": "+15555550102"}
	u = createUser(t, st, u)

	u.Aliases = map[string]string{"email": "new@example.com"}
	u, err := st.UpdateUser(ctx, u)
	wantOK(t, "UpdateUser", err)
	got, err := st.GetUserByAlias(ctx, pool, "email", "new@example.com")
	wantOK(t, "GetUserByAlias of the new email", err)
	if got.Sub != u.Sub {
		t.Errorf("new email belongs to %s, want %s", got.Sub, u.Sub)
	}
	_, err = st.GetUserByAlias(ctx, pool, "email", "old@example.com")
	wantErr(t, "GetUserByAlias of the old email", err, store.ErrNotFound)
	_, err = st.GetUserByAlias(ctx, pool, "phone_number", "+15555550102")
	wantErr(t, "GetUserByAlias of the removed phone", err, store.ErrNotFound)

	other := newUser(t, pool)
	other.Aliases = map[string]string{"email": "old@example.com", "phone_number": "+15555550102"}
	createUser(t, st, other) // both freed aliases can be claimed again

	u.Aliases = nil
	_, err = st.UpdateUser(ctx, u)
	wantOK(t, "UpdateUser removing every alias", err)
	_, err = st.GetUserByAlias(ctx, pool, "email", "new@example.com")
	wantErr(t, "GetUserByAlias after removing every alias", err, store.ErrNotFound)
}

func testUserUpdateTakenAlias(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	holder := newUser(t, pool)
	holder.Aliases = map[string]string{"email": "taken@example.com"}
	createUser(t, st, holder)
	u := newUser(t, pool)
	u.Aliases = map[string]string{"email": "mine@example.com"}
	u = createUser(t, st, u)

	changed := u
	changed.Attributes = map[string]string{"n": "changed"}
	changed.Aliases = map[string]string{"email": "taken@example.com"}
	_, err := st.UpdateUser(ctx, changed)
	wantExists(t, "UpdateUser to a taken email", err, "email")

	got, err := st.GetUser(ctx, pool, u.Sub)
	wantOK(t, "GetUser", err)
	wantSame(t, "GetUser after the failed update", got, u, normUser)
	got, err = st.GetUserByAlias(ctx, pool, "email", "taken@example.com")
	wantOK(t, "GetUserByAlias", err)
	if got.Sub != holder.Sub {
		t.Errorf("taken email belongs to %s, want %s", got.Sub, holder.Sub)
	}
	_, err = st.GetUserByAlias(ctx, pool, "email", "mine@example.com")
	wantOK(t, "GetUserByAlias of the kept email", err)
}

func testUserUpdateTakenUsername(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	holder := createUser(t, st, newUser(t, pool))
	u := createUser(t, st, newUser(t, pool))
	changed := u
	changed.Username, changed.UsernameKey = holder.Username, holder.UsernameKey
	_, err := st.UpdateUser(ctx, changed)
	wantExists(t, "UpdateUser to a taken username", err, "username")
	got, err := st.GetUserByUsername(ctx, pool, u.UsernameKey)
	wantOK(t, "GetUserByUsername of the kept username", err)
	wantSame(t, "GetUserByUsername", got, u, normUser)
}

func testUserDelete(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	u := newUser(t, pool)
	u.Aliases = map[string]string{"email": "gone@example.com"}
	createUser(t, st, u)

	wantOK(t, "DeleteUser", st.DeleteUser(ctx, pool, u.Sub))
	_, err := st.GetUser(ctx, pool, u.Sub)
	wantErr(t, "GetUser", err, store.ErrNotFound)
	_, err = st.GetUserByUsername(ctx, pool, u.UsernameKey)
	wantErr(t, "GetUserByUsername", err, store.ErrNotFound)
	_, err = st.GetUserByAlias(ctx, pool, "email", "gone@example.com")
	wantErr(t, "GetUserByAlias", err, store.ErrNotFound)
	wantErr(t, "second DeleteUser", st.DeleteUser(ctx, pool, u.Sub), store.ErrNotFound)

	again := newUser(t, pool)
	again.Username, again.UsernameKey = u.Username, u.UsernameKey
	again.Aliases = u.Aliases
	createUser(t, st, again)
}

func testUserDeleteCascades(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	doomed := createSubject(t, st, pool)
	kept := createSubject(t, st, pool)
	policy := store.LockoutPolicy{Threshold: 1, Base: time.Hour, Max: time.Hour, ResetAfter: time.Hour}
	hashes := map[string][]byte{}
	for _, sub := range []string{doomed, kept} {
		wantOK(t, "PutCode", st.PutCode(ctx, store.Code{PoolID: pool, Subject: sub, Purpose: "signup", Hash: []byte("h-" + sub), ExpiresAt: at(time.Hour)}))
		wantOK(t, "PutAuthSession", st.PutAuthSession(ctx, store.AuthSession{PoolID: pool, ID: "as-" + sub, Subject: sub, ExpiresAt: at(time.Hour)}))
		hashes[sub] = randomHash(t)
		wantOK(t, "CreateFamily", st.CreateFamily(ctx, store.RefreshFamily{PoolID: pool, ID: "fam-" + sub, Subject: sub, ExpiresAt: at(time.Hour)}, hashes[sub]))
		a, err := st.BeginAttempt(ctx, pool, sub, at(0), policy)
		wantOK(t, "BeginAttempt", err)
		if !a.LockedUntil.After(at(0)) {
			t.Fatalf("BeginAttempt with threshold 1 did not lock: %+v", a)
		}
	}

	wantOK(t, "DeleteUser", st.DeleteUser(ctx, pool, doomed))

	_, err := st.ConsumeCode(ctx, pool, doomed, "signup", []byte("h-"+doomed), at(0), 5)
	wantErr(t, "ConsumeCode of the deleted user", err, store.ErrNotFound)
	_, err = st.ConsumeAuthSession(ctx, pool, "as-"+doomed, "", at(0))
	wantErr(t, "ConsumeAuthSession of the deleted user", err, store.ErrNotFound)
	_, err = st.GetFamily(ctx, pool, "fam-"+doomed)
	wantErr(t, "GetFamily of the deleted user", err, store.ErrNotFound)
	_, _, err = st.FamilyByToken(ctx, pool, hashes[doomed])
	wantErr(t, "FamilyByToken of the deleted user", err, store.ErrNotFound)
	_, err = st.RotateRefresh(ctx, pool, hashes[doomed], randomHash(t), at(0), 0)
	wantErr(t, "RotateRefresh of the deleted user", err, store.ErrNotFound)
	a, err := st.BeginAttempt(ctx, pool, doomed, at(time.Second), policy)
	wantOK(t, "BeginAttempt of the deleted user", err)
	if !a.Allowed || a.Failures != 1 {
		t.Errorf("BeginAttempt after delete = %+v, want allowed with 1 failure", a)
	}

	_, err = st.ConsumeCode(ctx, pool, kept, "signup", []byte("h-"+kept), at(0), 5)
	wantOK(t, "ConsumeCode of the other user", err)
	_, err = st.ConsumeAuthSession(ctx, pool, "as-"+kept, "", at(0))
	wantOK(t, "ConsumeAuthSession of the other user", err)
	_, current, err := st.FamilyByToken(ctx, pool, hashes[kept])
	wantOK(t, "FamilyByToken of the other user", err)
	if !current {
		t.Error("the other user's token is no longer current")
	}
	a, err = st.BeginAttempt(ctx, pool, kept, at(time.Second), policy)
	wantOK(t, "BeginAttempt of the other user", err)
	if a.Allowed {
		t.Errorf("the other user's lockout was cleared: %+v", a)
	}
}

func testUserRecordsCopied(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	u := newUser(t, pool)
	u.Attributes = map[string]string{"name": "A"}
	u.Aliases = map[string]string{"email": "a@example.com"}
	created, err := st.CreateUser(ctx, u)
	wantOK(t, "CreateUser", err)
	u.Attributes["name"] = "changed by caller"
	u.Aliases["email"] = "changed@example.com"
	created.Attributes["name"] = "changed through result"
	got, err := st.GetUser(ctx, pool, u.Sub)
	wantOK(t, "GetUser", err)
	got.Attributes["name"] = "changed through get"
	got, err = st.GetUser(ctx, pool, u.Sub)
	wantOK(t, "GetUser", err)
	if got.Attributes["name"] != "A" || got.Aliases["email"] != "a@example.com" {
		t.Errorf("stored user changed through caller maps: %+v", got)
	}
}

func testUserMalformed(t *testing.T, st store.Store, pool string) {
	for _, tc := range []struct {
		name   string
		modify func(*store.User)
	}{
		{"pool id missing", func(u *store.User) { u.PoolID = "" }},
		{"sub missing", func(u *store.User) { u.Sub = "" }},
		{"username key missing", func(u *store.User) { u.UsernameKey = "" }},
		{"alias value empty", func(u *store.User) { u.Aliases = map[string]string{"email": ""} }},
	} {
		u := newUser(t, pool)
		tc.modify(&u)
		_, err := st.CreateUser(t.Context(), u)
		wantErr(t, "CreateUser with "+tc.name, err, store.ErrInvalid)
	}
}

func testUserCancelledContext(t *testing.T, st store.Store, pool string) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	u := newUser(t, pool)
	_, err := st.CreateUser(ctx, u)
	wantErr(t, "CreateUser", err, context.Canceled)
	_, err = st.GetUser(t.Context(), pool, u.Sub)
	wantErr(t, "GetUser", err, store.ErrNotFound)
}
