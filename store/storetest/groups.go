package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// newGroup returns a group of the pool with every field set.
func newGroup(pool, name string) store.Group {
	return store.Group{
		PoolID:      pool,
		Name:        name,
		Description: "the " + name + " group ✓",
		RoleArn:     "arn:aws:iam::123456789012:role/" + name,
		Precedence:  3,
		Version:     9,
		CreatedAt:   at(-time.Hour).In(elsewhere),
		UpdatedAt:   at(0),
	}
}

// createGroup stores newGroup(pool, name) and fails the test if it cannot.
func createGroup(t *testing.T, st store.Store, pool, name string) store.Group {
	t.Helper()
	g, err := st.CreateGroup(t.Context(), newGroup(pool, name))
	if err != nil {
		t.Fatalf("CreateGroup(%s): %v", name, err)
	}
	return g
}

// addToGroup makes sub a member of group and fails the test if it cannot.
func addToGroup(t *testing.T, st store.Store, pool, sub, group string) {
	t.Helper()
	if err := st.AddUserToGroup(t.Context(), pool, sub, group); err != nil {
		t.Fatalf("AddUserToGroup(%s, %s): %v", sub, group, err)
	}
}

// wantGroupsOf checks the names of ListGroupsForUser(pool, sub).
func wantGroupsOf(t *testing.T, st store.Store, pool, sub string, want ...string) {
	t.Helper()
	gs, err := st.ListGroupsForUser(t.Context(), pool, sub)
	wantOK(t, "ListGroupsForUser", err)
	if got := groupNames(gs); !equalStrings(got, want) {
		t.Errorf("ListGroupsForUser(%s) = %q, want %q", sub, got, want)
	}
}

// wantMembers checks the subs of ListUsersInGroup(pool, group, "", 1000).
func wantMembers(t *testing.T, st store.Store, pool, group string, want ...string) {
	t.Helper()
	us, err := st.ListUsersInGroup(t.Context(), pool, group, "", 1000)
	wantOK(t, "ListUsersInGroup", err)
	if got := subs(us); !equalStrings(got, want) {
		t.Errorf("ListUsersInGroup(%s) = %q, want %q", group, got, want)
	}
}

func groupNames(gs []store.Group) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Name)
	}
	return out
}

func subs(us []store.User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Sub)
	}
	return out
}

// sortedSubs returns the subs of users in byte order.
func sortedSubs(us ...store.User) []string {
	out := subs(us)
	sortStrings(out)
	return out
}

func normGroup(g store.Group) store.Group {
	g.CreatedAt = normTime(g.CreatedAt)
	g.UpdatedAt = normTime(g.UpdatedAt)
	return g
}

var groupTests = []conformanceTest{
	{"create stores version 1 and every field round trips", testGroupCreateRoundTrips},
	{"a duplicate name is an ExistsError naming group and changes nothing", testGroupDuplicateName},
	{"names differing only in case are different groups", testGroupNamesCaseSensitive},
	{"a missing group is not found", testGroupMissing},
	{"update is compare-and-swap on version and keeps CreatedAt", testGroupUpdateCompareAndSwap},
	{"update keeps the memberships", testGroupUpdateKeepsMemberships},
	{"list returns groups in byte order a page at a time", testGroupList},
	{"a list limit that is not positive is invalid", testGroupListLimit},
	{"adding a member is idempotent and removing a non-member is no error", testGroupMembershipIdempotent},
	{"an unknown user cannot be added or removed", testGroupMembershipUnknownUser},
	{"groups of a user are listed in byte order with their records", testGroupsOfUser},
	{"members are listed by sub a page at a time with their records", testGroupMembers},
	{"delete removes the group and its memberships", testGroupDelete},
	{"deleting a user ends its memberships", testGroupUserDeleted},
	{"malformed groups are invalid", testGroupMalformed},
	{"a cancelled context is refused", testGroupCancelledContext},
}

func testGroupCreateRoundTrips(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	for _, g := range []store.Group{
		newGroup(pool, "admins"),
		{PoolID: pool, Name: "bare", Precedence: -1},
		{PoolID: pool, Name: "zero precedence", Precedence: 0, Description: "d"},
		{PoolID: pool, Name: "Ünïcode ✓ group", Precedence: 1 << 30},
	} {
		want := g
		want.Version = 1
		got, err := st.CreateGroup(ctx, g)
		wantOK(t, "CreateGroup "+g.Name, err)
		wantSame(t, "CreateGroup "+g.Name+" result", got, want, normGroup)
		got, err = st.GetGroup(ctx, pool, g.Name)
		wantOK(t, "GetGroup "+g.Name, err)
		wantSame(t, "GetGroup "+g.Name, got, want, normGroup)
	}
}

func testGroupDuplicateName(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	first := createGroup(t, st, pool, "admins")
	dup := newGroup(pool, "admins")
	dup.Description = "impostor"
	_, err := st.CreateGroup(ctx, dup)
	wantExists(t, "second CreateGroup", err, "group")
	got, err := st.GetGroup(ctx, pool, "admins")
	wantOK(t, "GetGroup", err)
	wantSame(t, "GetGroup", got, first, normGroup)
}

func testGroupNamesCaseSensitive(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	lower := createGroup(t, st, pool, "admins")
	upper := newGroup(pool, "Admins")
	upper.Description = "upper"
	upper, err := st.CreateGroup(ctx, upper)
	wantOK(t, "CreateGroup Admins", err)
	got, err := st.GetGroup(ctx, pool, "admins")
	wantOK(t, "GetGroup admins", err)
	wantSame(t, "GetGroup admins", got, lower, normGroup)
	got, err = st.GetGroup(ctx, pool, "Admins")
	wantOK(t, "GetGroup Admins", err)
	wantSame(t, "GetGroup Admins", got, upper, normGroup)
	_, err = st.GetGroup(ctx, pool, "ADMINS")
	wantErr(t, "GetGroup ADMINS", err, store.ErrNotFound)
}

func testGroupMissing(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	sub := createSubject(t, st, pool)
	_, err := st.GetGroup(ctx, pool, "nope")
	wantErr(t, "GetGroup", err, store.ErrNotFound)
	_, err = st.UpdateGroup(ctx, store.Group{PoolID: pool, Name: "nope", Version: 1})
	wantErr(t, "UpdateGroup", err, store.ErrNotFound)
	wantErr(t, "DeleteGroup", st.DeleteGroup(ctx, pool, "nope"), store.ErrNotFound)
	wantErr(t, "AddUserToGroup", st.AddUserToGroup(ctx, pool, sub, "nope"), store.ErrNotFound)
	wantErr(t, "RemoveUserFromGroup", st.RemoveUserFromGroup(ctx, pool, sub, "nope"), store.ErrNotFound)
	_, err = st.ListUsersInGroup(ctx, pool, "nope", "", 10)
	wantErr(t, "ListUsersInGroup", err, store.ErrNotFound)
	wantGroupsOf(t, st, pool, sub)
}

func testGroupUpdateCompareAndSwap(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	g := createGroup(t, st, pool, "admins")

	next := g
	next.Description = ""
	next.RoleArn = "arn:aws:iam::123456789012:role/other"
	next.Precedence = -1
	next.UpdatedAt = at(time.Hour).In(elsewhere)
	want := next
	want.Version = 2
	next.CreatedAt = at(99 * time.Hour) // must be ignored
	got, err := st.UpdateGroup(ctx, next)
	wantOK(t, "UpdateGroup", err)
	wantSame(t, "UpdateGroup result", got, want, normGroup)
	got, err = st.GetGroup(ctx, pool, g.Name)
	wantOK(t, "GetGroup", err)
	wantSame(t, "GetGroup after update", got, want, normGroup)

	stale := g // Version 1
	stale.Description = "stale"
	_, err = st.UpdateGroup(ctx, stale)
	wantErr(t, "UpdateGroup with version 1", err, store.ErrConflict)
	future := want
	future.Version = 7
	_, err = st.UpdateGroup(ctx, future)
	wantErr(t, "UpdateGroup with a version from the future", err, store.ErrConflict)
	got, err = st.GetGroup(ctx, pool, g.Name)
	wantOK(t, "GetGroup", err)
	wantSame(t, "GetGroup after conflicts", got, want, normGroup)

	got, err = st.UpdateGroup(ctx, got)
	wantOK(t, "second UpdateGroup", err)
	if got.Version != 3 {
		t.Errorf("Version after second update = %d, want 3", got.Version)
	}
}

func testGroupUpdateKeepsMemberships(t *testing.T, st store.Store, pool string) {
	g := createGroup(t, st, pool, "admins")
	sub := createSubject(t, st, pool)
	addToGroup(t, st, pool, sub, g.Name)
	g.Description = "changed"
	_, err := st.UpdateGroup(t.Context(), g)
	wantOK(t, "UpdateGroup", err)
	wantMembers(t, st, pool, g.Name, sub)
	gs, err := st.ListGroupsForUser(t.Context(), pool, sub)
	wantOK(t, "ListGroupsForUser", err)
	if len(gs) != 1 || gs[0].Description != "changed" || gs[0].Version != 2 {
		t.Errorf("ListGroupsForUser after update = %+v, want the updated group", gs)
	}
}

func testGroupList(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	list, err := st.ListGroups(ctx, pool, "", 10)
	wantOK(t, "ListGroups of an empty pool", err)
	if len(list) != 0 {
		t.Fatalf("ListGroups of an empty pool returned %d groups", len(list))
	}
	names := []string{"b", "a", "B", "é", "z", "a b", "ab", "Z", "_", "0", "aa"}
	for _, n := range names {
		createGroup(t, st, pool, n)
	}
	all := []string{"0", "B", "Z", "_", "a", "a b", "aa", "ab", "b", "z", "é"}

	list, err = st.ListGroups(ctx, pool, "", 100)
	wantOK(t, "ListGroups", err)
	if got := groupNames(list); !equalStrings(got, all) {
		t.Fatalf("ListGroups = %q, want %q (byte order)", got, all)
	}
	for _, g := range list {
		wantSame(t, "listed group "+g.Name, g, func() store.Group { w := newGroup(pool, g.Name); w.Version = 1; return w }(), normGroup)
	}

	for _, limit := range []int{1, 2, 3, 4, len(all), len(all) + 1} {
		var got []string
		after := ""
		for range len(all) + 1 {
			page, err := st.ListGroups(ctx, pool, after, limit)
			wantOK(t, "ListGroups page", err)
			if len(page) > limit {
				t.Fatalf("ListGroups(limit %d) returned %d groups", limit, len(page))
			}
			if rest := len(all) - len(got); len(page) != min(limit, rest) {
				t.Fatalf("ListGroups(after %q, limit %d) returned %d groups with %d left: a page is short only at the end", after, limit, len(page), rest)
			}
			if len(page) == 0 {
				break
			}
			got = append(got, groupNames(page)...)
			after = page[len(page)-1].Name
		}
		if !equalStrings(got, all) {
			t.Errorf("pages of %d = %q, want %q", limit, got, all)
		}
	}

	for _, tc := range []struct {
		after string
		want  []string
	}{
		{"a", []string{"a b", "aa", "ab"}}, // strictly after, not a prefix filter
		{"a0", []string{"aa", "ab", "b"}},  // after a name that does not exist
		{"Zzz", []string{"_", "a", "a b"}}, // upper case sorts first
		{"z", []string{"é"}},               // non-ASCII sorts last
		{"é", nil},                         // the last name
		{"\xff", nil},                      // after everything
		{"\x00", []string{"0", "B", "Z"}},  // before everything
		{"a\xff", []string{"b", "z", "é"}}, // a high byte ends a's names
		{"\u00e9\u0000", nil},              // just after é
		{"\u00e8", []string{"é"}},          // just before é
		{"A", []string{"B", "Z", "_"}},     // between cases
		{"0", []string{"B", "Z", "_"}},     // equal to the first name
		{"_", []string{"a", "a b", "aa"}},  // punctuation between cases
		{"ab", []string{"b", "z", "é"}},    // equal to a middle name
		{"a b", []string{"aa", "ab", "b"}}, // a name with a space
	} {
		page, err := st.ListGroups(ctx, pool, tc.after, 3)
		if !storableText(tc.after) {
			// A store that cannot hold the cursor may refuse it.
			if err != nil {
				wantErr(t, "ListGroups after "+tc.after, err, store.ErrInvalid)
				continue
			}
		}
		wantOK(t, "ListGroups after "+tc.after, err)
		if got := groupNames(page); !equalStrings(got, tc.want) {
			t.Errorf("ListGroups(after %q, 3) = %q, want %q", tc.after, got, tc.want)
		}
	}
}

func testGroupListLimit(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	createGroup(t, st, pool, "g")
	for _, limit := range []int{0, -1} {
		_, err := st.ListGroups(ctx, pool, "", limit)
		wantErr(t, "ListGroups with a limit of "+itoa(limit), err, store.ErrInvalid)
		_, err = st.ListUsersInGroup(ctx, pool, "g", "", limit)
		wantErr(t, "ListUsersInGroup with a limit of "+itoa(limit), err, store.ErrInvalid)
	}
}

func testGroupMembershipIdempotent(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	g := createGroup(t, st, pool, "g")
	sub := createSubject(t, st, pool)
	other := createSubject(t, st, pool)
	wantMembers(t, st, pool, g.Name)

	addToGroup(t, st, pool, sub, g.Name)
	addToGroup(t, st, pool, sub, g.Name)
	wantMembers(t, st, pool, g.Name, sub)
	wantGroupsOf(t, st, pool, sub, g.Name)

	wantOK(t, "RemoveUserFromGroup of a non-member", st.RemoveUserFromGroup(ctx, pool, other, g.Name))
	wantMembers(t, st, pool, g.Name, sub)
	wantOK(t, "RemoveUserFromGroup", st.RemoveUserFromGroup(ctx, pool, sub, g.Name))
	wantMembers(t, st, pool, g.Name)
	wantGroupsOf(t, st, pool, sub)
	wantOK(t, "second RemoveUserFromGroup", st.RemoveUserFromGroup(ctx, pool, sub, g.Name))

	addToGroup(t, st, pool, sub, g.Name)
	wantMembers(t, st, pool, g.Name, sub)
}

func testGroupMembershipUnknownUser(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	g := createGroup(t, st, pool, "g")
	wantErr(t, "AddUserToGroup", st.AddUserToGroup(ctx, pool, "no-such-sub", g.Name), store.ErrNotFound)
	wantErr(t, "RemoveUserFromGroup", st.RemoveUserFromGroup(ctx, pool, "no-such-sub", g.Name), store.ErrNotFound)
	wantErr(t, "AddUserToGroup of neither", st.AddUserToGroup(ctx, pool, "no-such-sub", "no-such-group"), store.ErrNotFound)
	wantMembers(t, st, pool, g.Name)
}

func testGroupsOfUser(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	other := createSubject(t, st, pool)
	for _, n := range []string{"b", "a", "B", "é", "unjoined"} {
		createGroup(t, st, pool, n)
	}
	for _, n := range []string{"é", "b", "a", "B"} {
		addToGroup(t, st, pool, sub, n)
	}
	addToGroup(t, st, pool, other, "unjoined")
	gs, err := st.ListGroupsForUser(t.Context(), pool, sub)
	wantOK(t, "ListGroupsForUser", err)
	if got, want := groupNames(gs), []string{"B", "a", "b", "é"}; !equalStrings(got, want) {
		t.Fatalf("ListGroupsForUser = %q, want %q", got, want)
	}
	for _, g := range gs {
		want := newGroup(pool, g.Name)
		want.Version = 1
		wantSame(t, "listed group "+g.Name, g, want, normGroup)
	}
	wantGroupsOf(t, st, pool, "no-such-sub")
}

func testGroupMembers(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	g := createGroup(t, st, pool, "g")
	createGroup(t, st, pool, "other")
	var members []store.User
	for i := range 9 {
		u := newUser(t, pool)
		u.Attributes = map[string]string{"email": itoa(i) + "@example.com"}
		u = createUser(t, st, u)
		if i%3 == 2 {
			addToGroup(t, st, pool, u.Sub, "other") // not a member of g
			continue
		}
		members = append(members, u)
		addToGroup(t, st, pool, u.Sub, g.Name)
	}
	want := sortedSubs(members...)
	bySub := map[string]store.User{}
	for _, u := range members {
		bySub[u.Sub] = u
	}

	for _, limit := range []int{1, 2, 4, len(want), 100} {
		var got []string
		after := ""
		for range len(want) + 1 {
			page, err := st.ListUsersInGroup(ctx, pool, g.Name, after, limit)
			wantOK(t, "ListUsersInGroup", err)
			if len(page) > limit {
				t.Fatalf("ListUsersInGroup(limit %d) returned %d users", limit, len(page))
			}
			if rest := len(want) - len(got); len(page) != min(limit, rest) {
				t.Fatalf("ListUsersInGroup(after %q, limit %d) returned %d users with %d left: a page is short only at the end", after, limit, len(page), rest)
			}
			if len(page) == 0 {
				break
			}
			for _, u := range page {
				wantSame(t, "listed member", u, bySub[u.Sub], normUser)
			}
			got = append(got, subs(page)...)
			after = page[len(page)-1].Sub
		}
		if !equalStrings(got, want) {
			t.Errorf("pages of %d = %q, want %q", limit, got, want)
		}
	}

	page, err := st.ListUsersInGroup(ctx, pool, g.Name, want[2][:len(want[2])-1], 100)
	wantOK(t, "ListUsersInGroup after a prefix of a sub", err)
	if got := subs(page); !equalStrings(got, want[2:]) {
		t.Errorf("ListUsersInGroup after a prefix of the third sub = %q, want %q", got, want[2:])
	}
	page, err = st.ListUsersInGroup(ctx, pool, g.Name, want[len(want)-1], 100)
	wantOK(t, "ListUsersInGroup after the last sub", err)
	if len(page) != 0 {
		t.Errorf("ListUsersInGroup after the last sub returned %q", subs(page))
	}
}

func testGroupDelete(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	createGroup(t, st, pool, "gone")
	createGroup(t, st, pool, "kept")
	sub := createSubject(t, st, pool)
	addToGroup(t, st, pool, sub, "gone")
	addToGroup(t, st, pool, sub, "kept")

	wantOK(t, "DeleteGroup", st.DeleteGroup(ctx, pool, "gone"))
	_, err := st.GetGroup(ctx, pool, "gone")
	wantErr(t, "GetGroup", err, store.ErrNotFound)
	wantErr(t, "second DeleteGroup", st.DeleteGroup(ctx, pool, "gone"), store.ErrNotFound)
	_, err = st.ListUsersInGroup(ctx, pool, "gone", "", 10)
	wantErr(t, "ListUsersInGroup of the deleted group", err, store.ErrNotFound)
	wantErr(t, "AddUserToGroup to the deleted group", st.AddUserToGroup(ctx, pool, sub, "gone"), store.ErrNotFound)
	wantGroupsOf(t, st, pool, sub, "kept")
	list, err := st.ListGroups(ctx, pool, "", 10)
	wantOK(t, "ListGroups", err)
	if got := groupNames(list); !equalStrings(got, []string{"kept"}) {
		t.Errorf("ListGroups after delete = %q, want only kept", got)
	}

	createGroup(t, st, pool, "gone")
	wantMembers(t, st, pool, "gone") // no membership survived into the new group
	wantGroupsOf(t, st, pool, sub, "kept")
	wantMembers(t, st, pool, "kept", sub)
}

func testGroupUserDeleted(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	createGroup(t, st, pool, "a")
	createGroup(t, st, pool, "b")
	doomed := createUser(t, st, newUser(t, pool))
	kept := createSubject(t, st, pool)
	for _, g := range []string{"a", "b"} {
		addToGroup(t, st, pool, doomed.Sub, g)
		addToGroup(t, st, pool, kept, g)
	}

	wantOK(t, "DeleteUser", st.DeleteUser(ctx, pool, doomed.Sub))
	wantMembers(t, st, pool, "a", kept)
	wantMembers(t, st, pool, "b", kept)
	wantGroupsOf(t, st, pool, doomed.Sub)
	wantGroupsOf(t, st, pool, kept, "a", "b")
	wantErr(t, "AddUserToGroup of the deleted user", st.AddUserToGroup(ctx, pool, doomed.Sub, "a"), store.ErrNotFound)
	wantErr(t, "RemoveUserFromGroup of the deleted user", st.RemoveUserFromGroup(ctx, pool, doomed.Sub, "a"), store.ErrNotFound)

	again := doomed
	again.Version = 0
	createUser(t, st, again) // the same sub, a new user
	wantGroupsOf(t, st, pool, doomed.Sub)
	wantMembers(t, st, pool, "a", kept)
}

func testGroupMalformed(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	_, err := st.CreateGroup(ctx, store.Group{PoolID: pool})
	wantErr(t, "CreateGroup without a name", err, store.ErrInvalid)
	_, err = st.CreateGroup(ctx, store.Group{Name: "g"})
	wantErr(t, "CreateGroup without pool id", err, store.ErrInvalid)
	createGroup(t, st, pool, "g")
	_, err = st.UpdateGroup(ctx, store.Group{PoolID: pool, Version: 1})
	wantErr(t, "UpdateGroup without a name", err, store.ErrInvalid)
}

func testGroupCancelledContext(t *testing.T, st store.Store, pool string) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := st.CreateGroup(ctx, newGroup(pool, "g"))
	wantErr(t, "CreateGroup", err, context.Canceled)
	_, err = st.GetGroup(t.Context(), pool, "g")
	wantErr(t, "GetGroup", err, store.ErrNotFound)
}
