package storetest

import (
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

var poolTests = []conformanceTest{
	{"one username and alias may exist in two pools", testPoolsShareNoKeys},
	{"a record of one pool is not found from another", testPoolsRecordsApart},
}

func testPoolsShareNoKeys(t *testing.T, st store.Store, poolA string) {
	poolB := randomID(t, "pool-")
	ctx := t.Context()
	a := newUser(t, poolA)
	a.Aliases = map[string]string{"email": "shared@example.com"}
	b := newUser(t, poolB)
	b.Username, b.UsernameKey, b.Aliases = a.Username, a.UsernameKey, a.Aliases
	createUser(t, st, a)
	createUser(t, st, b)
	for _, u := range []store.User{a, b} {
		got, err := st.GetUserByUsername(ctx, u.PoolID, u.UsernameKey)
		wantOK(t, "GetUserByUsername", err)
		if got.Sub != u.Sub || got.PoolID != u.PoolID {
			t.Errorf("GetUserByUsername in %s returned %s of %s", u.PoolID, got.Sub, got.PoolID)
		}
		got, err = st.GetUserByAlias(ctx, u.PoolID, "email", "shared@example.com")
		wantOK(t, "GetUserByAlias", err)
		if got.Sub != u.Sub {
			t.Errorf("GetUserByAlias in %s returned %s", u.PoolID, got.Sub)
		}
	}
}

func testPoolsRecordsApart(t *testing.T, st store.Store, poolA string) {
	poolB := randomID(t, "pool-")
	ctx := t.Context()

	u := newUser(t, poolA)
	u.Aliases = map[string]string{"email": "a@example.com"}
	u = createUser(t, st, u)
	c, err := st.CreateClient(ctx, fullClient(poolA, "client-a"))
	wantOK(t, "CreateClient", err)
	code := putCode(t, st, poolA, u.Sub, "signup")
	as := putSession(t, st, poolA, u.Sub)
	fam, tok := createFamily(t, st, poolA, u.Sub)
	key := signingKey(poolA, "key-a", at(0))
	wantOK(t, "PutSigningKey", st.PutSigningKey(ctx, key))
	lock := store.LockoutPolicy{Threshold: 1, Base: time.Hour, Max: time.Hour, ResetAfter: time.Hour}
	wantAttempt(t, st, poolA, u.Sub, at(0), lock, true, 1, at(time.Hour))

	_, err = st.GetUser(ctx, poolB, u.Sub)
	wantErr(t, "GetUser", err, store.ErrNotFound)
	_, err = st.GetUserByUsername(ctx, poolB, u.UsernameKey)
	wantErr(t, "GetUserByUsername", err, store.ErrNotFound)
	_, err = st.GetUserByAlias(ctx, poolB, "email", "a@example.com")
	wantErr(t, "GetUserByAlias", err, store.ErrNotFound)
	moved := u
	moved.PoolID = poolB
	_, err = st.UpdateUser(ctx, moved)
	wantErr(t, "UpdateUser", err, store.ErrNotFound)
	wantErr(t, "DeleteUser", st.DeleteUser(ctx, poolB, u.Sub), store.ErrNotFound)

	_, err = st.GetClient(ctx, poolB, c.ID)
	wantErr(t, "GetClient", err, store.ErrNotFound)
	movedClient := c
	movedClient.PoolID = poolB
	_, err = st.UpdateClient(ctx, movedClient)
	wantErr(t, "UpdateClient", err, store.ErrNotFound)
	wantErr(t, "DeleteClient", st.DeleteClient(ctx, poolB, c.ID), store.ErrNotFound)
	clients, err := st.ListClients(ctx, poolB)
	wantOK(t, "ListClients", err)
	if len(clients) != 0 {
		t.Errorf("ListClients of another pool returned %d clients", len(clients))
	}

	_, err = st.ConsumeCode(ctx, poolB, u.Sub, code.Purpose, randomHash(t), at(0), 1)
	wantErr(t, "ConsumeCode with a wrong hash", err, store.ErrNotFound)
	_, err = st.ConsumeCode(ctx, poolB, u.Sub, code.Purpose, code.Hash, at(0), 1)
	wantErr(t, "ConsumeCode", err, store.ErrNotFound)
	_, err = st.ConsumeAuthSession(ctx, poolB, as.ID, as.ClientID, at(0))
	wantErr(t, "ConsumeAuthSession", err, store.ErrNotFound)

	_, err = st.GetFamily(ctx, poolB, fam.ID)
	wantErr(t, "GetFamily", err, store.ErrNotFound)
	_, _, err = st.FamilyByToken(ctx, poolB, tok)
	wantErr(t, "FamilyByToken", err, store.ErrNotFound)
	_, err = st.RotateRefresh(ctx, poolB, tok, randomHash(t), at(0), 0)
	wantErr(t, "RotateRefresh", err, store.ErrNotFound)
	wantErr(t, "RevokeFamily", st.RevokeFamily(ctx, poolB, fam.ID, at(0)), store.ErrNotFound)
	wantOK(t, "RevokeSubjectFamilies", st.RevokeSubjectFamilies(ctx, poolB, u.Sub, at(0)))

	keys, err := st.ListSigningKeys(ctx, poolB)
	wantOK(t, "ListSigningKeys", err)
	if len(keys) != 0 {
		t.Errorf("ListSigningKeys of another pool returned %d keys", len(keys))
	}
	wantErr(t, "DeleteSigningKey", st.DeleteSigningKey(ctx, poolB, key.ID), store.ErrNotFound)

	wantAttempt(t, st, poolB, u.Sub, at(time.Second), lock, true, 1, at(time.Second+time.Hour))
	wantOK(t, "ClearAttempts", st.ClearAttempts(ctx, poolB, u.Sub))

	// Pool A kept everything.
	got, err := st.GetUser(ctx, poolA, u.Sub)
	wantOK(t, "GetUser in the owning pool", err)
	wantSame(t, "GetUser in the owning pool", got, u, normUser)
	_, err = st.GetClient(ctx, poolA, c.ID)
	wantOK(t, "GetClient in the owning pool", err)
	gotCode, err := st.ConsumeCode(ctx, poolA, u.Sub, code.Purpose, code.Hash, at(0), 1)
	wantOK(t, "ConsumeCode in the owning pool", err)
	if gotCode.Attempts != 0 {
		t.Errorf("Attempts = %d: another pool's guesses were counted", gotCode.Attempts)
	}
	_, err = st.ConsumeAuthSession(ctx, poolA, as.ID, as.ClientID, at(0))
	wantOK(t, "ConsumeAuthSession in the owning pool", err)
	_, err = st.RotateRefresh(ctx, poolA, tok, randomHash(t), at(time.Second), 0)
	wantOK(t, "RotateRefresh in the owning pool", err)
	keys, err = st.ListSigningKeys(ctx, poolA)
	wantOK(t, "ListSigningKeys in the owning pool", err)
	if len(keys) != 1 {
		t.Errorf("ListSigningKeys in the owning pool returned %d keys, want 1", len(keys))
	}
	wantAttempt(t, st, poolA, u.Sub, at(time.Second), lock, false, 0, at(time.Hour))
}

var poolAdminTests = []conformanceTest{
	{"groups and memberships of one pool are not seen from another", testPoolsGroupsApart},
	{"resource servers of one pool are not seen from another", testPoolsResourceServersApart},
	{"ListUsers lists only the pool's users", testPoolsListUsersApart},
}

func testPoolsGroupsApart(t *testing.T, st store.Store, poolA string) {
	poolB := randomID(t, "pool-")
	ctx := t.Context()
	g := createGroup(t, st, poolA, "admins")
	u := createUser(t, st, newUser(t, poolA))
	addToGroup(t, st, poolA, u.Sub, g.Name)
	other := createUser(t, st, newUser(t, poolB)) // a user of B, for membership calls

	_, err := st.GetGroup(ctx, poolB, g.Name)
	wantErr(t, "GetGroup", err, store.ErrNotFound)
	moved := g
	moved.PoolID = poolB
	_, err = st.UpdateGroup(ctx, moved)
	wantErr(t, "UpdateGroup", err, store.ErrNotFound)
	wantErr(t, "DeleteGroup", st.DeleteGroup(ctx, poolB, g.Name), store.ErrNotFound)
	list, err := st.ListGroups(ctx, poolB, "", 10)
	wantOK(t, "ListGroups", err)
	if len(list) != 0 {
		t.Errorf("ListGroups of another pool returned %q", groupNames(list))
	}
	wantErr(t, "AddUserToGroup of A's user to A's group", st.AddUserToGroup(ctx, poolB, u.Sub, g.Name), store.ErrNotFound)
	wantErr(t, "AddUserToGroup of B's user to A's group", st.AddUserToGroup(ctx, poolB, other.Sub, g.Name), store.ErrNotFound)
	wantErr(t, "RemoveUserFromGroup", st.RemoveUserFromGroup(ctx, poolB, u.Sub, g.Name), store.ErrNotFound)
	wantGroupsOf(t, st, poolB, u.Sub)
	_, err = st.ListUsersInGroup(ctx, poolB, g.Name, "", 10)
	wantErr(t, "ListUsersInGroup", err, store.ErrNotFound)

	// The same name in B is another group with its own members.
	createGroup(t, st, poolB, g.Name)
	wantMembers(t, st, poolB, g.Name)
	wantErr(t, "AddUserToGroup of A's user to B's group", st.AddUserToGroup(ctx, poolB, u.Sub, g.Name), store.ErrNotFound)
	addToGroup(t, st, poolB, other.Sub, g.Name)
	wantErr(t, "AddUserToGroup of B's user in A", st.AddUserToGroup(ctx, poolA, other.Sub, g.Name), store.ErrNotFound)
	wantMembers(t, st, poolB, g.Name, other.Sub)
	wantGroupsOf(t, st, poolA, other.Sub)
	wantOK(t, "DeleteGroup in B", st.DeleteGroup(ctx, poolB, g.Name))

	// Pool A kept everything.
	got, err := st.GetGroup(ctx, poolA, g.Name)
	wantOK(t, "GetGroup in the owning pool", err)
	wantSame(t, "GetGroup in the owning pool", got, g, normGroup)
	wantMembers(t, st, poolA, g.Name, u.Sub)
	wantGroupsOf(t, st, poolA, u.Sub, g.Name)
}

func testPoolsResourceServersApart(t *testing.T, st store.Store, poolA string) {
	poolB := randomID(t, "pool-")
	ctx := t.Context()
	r := createServer(t, st, poolA, "api")

	_, err := st.GetResourceServer(ctx, poolB, r.Identifier)
	wantErr(t, "GetResourceServer", err, store.ErrNotFound)
	moved := r
	moved.PoolID = poolB
	_, err = st.UpdateResourceServer(ctx, moved)
	wantErr(t, "UpdateResourceServer", err, store.ErrNotFound)
	wantErr(t, "DeleteResourceServer", st.DeleteResourceServer(ctx, poolB, r.Identifier), store.ErrNotFound)
	list, err := st.ListResourceServers(ctx, poolB)
	wantOK(t, "ListResourceServers", err)
	if len(list) != 0 {
		t.Errorf("ListResourceServers of another pool returned %q", identifiers(list))
	}

	b := newServer(poolB, r.Identifier)
	b.Name = "B's"
	_, err = st.CreateResourceServer(ctx, b)
	wantOK(t, "CreateResourceServer of the same identifier in B", err)
	wantOK(t, "DeleteResourceServer in B", st.DeleteResourceServer(ctx, poolB, r.Identifier))

	got, err := st.GetResourceServer(ctx, poolA, r.Identifier)
	wantOK(t, "GetResourceServer in the owning pool", err)
	wantSame(t, "GetResourceServer in the owning pool", got, r, normServer)
}

func testPoolsListUsersApart(t *testing.T, st store.Store, poolA string) {
	poolB := randomID(t, "pool-")
	poolC := randomID(t, "pool-") // empty
	var a, b []store.User
	for i := range 4 {
		u := userWith(t, poolA, "email", "shared@example.com")
		u.Status = []store.UserStatus{store.StatusConfirmed, store.StatusUnconfirmed}[i%2]
		a = append(a, createUser(t, st, u))
		v := userWith(t, poolB, "email", "shared@example.com")
		v.Username, v.UsernameKey = u.Username, u.UsernameKey
		v.Status = u.Status
		b = append(b, createUser(t, st, v))
	}
	for _, q := range []store.UserQuery{
		{},
		{Attribute: store.SearchEmail, Value: "shared@example.com"},
		{Attribute: store.SearchEmail, Prefix: true},
		{Attribute: store.SearchStatus, Value: "CONFIRMED"},
		{Attribute: store.SearchEnabled, Prefix: true},
		{Attribute: store.SearchUsername, Value: a[0].Username},
		{Attribute: store.SearchSub, Value: b[0].Sub},
	} {
		q.Limit = 3
		wantListed(t, st, poolA, a, q)
		wantListed(t, st, poolB, b, q)
		if got := listUsers(t, st, poolC, q); len(got) != 0 {
			t.Errorf("ListUsers(%+v) of an empty pool = %q", q, subs(got))
		}
	}
	wantOK(t, "DeleteUser in B", st.DeleteUser(t.Context(), poolB, b[0].Sub))
	wantListed(t, st, poolA, a, store.UserQuery{Attribute: store.SearchEmail, Prefix: true, Limit: 10})
}
