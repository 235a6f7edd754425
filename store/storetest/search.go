package storetest

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/store"
)

// userWith returns a new user of the pool whose attribute attr is value.
func userWith(t *testing.T, pool, attr, value string) store.User {
	t.Helper()
	u := newUser(t, pool)
	u.Attributes = map[string]string{attr: value}
	return u
}

// listUsers calls ListUsers and fails the test on an error or an
// oversized page.
func listUsers(t *testing.T, st store.Store, pool string, q store.UserQuery) []store.User {
	t.Helper()
	page, err := st.ListUsers(t.Context(), pool, q)
	if err != nil {
		t.Fatalf("ListUsers(%+v): %v", q, err)
	}
	if len(page) > q.Limit {
		t.Fatalf("ListUsers(%+v) returned %d users, more than the limit", q, len(page))
	}
	return page
}

// listAll runs q to the end a page of q.Limit at a time, each page
// continuing after the last user of the previous one as a caller would,
// and returns every user seen. Only the last page may be short.
func listAll(t *testing.T, st store.Store, pool string, q store.UserQuery) []store.User {
	t.Helper()
	var all []store.User
	short := false
	for range 10_000 {
		page := listUsers(t, st, pool, q)
		if len(page) == 0 {
			return all
		}
		if short {
			t.Errorf("ListUsers(%+v) found more users after a short page: callers take a short page for the last", q)
		}
		short = len(page) < q.Limit
		all = append(all, page...)
		last := page[len(page)-1]
		q.AfterSub = last.Sub
		if q.Attribute != "" {
			key, ok := store.SearchKey(last, q.Attribute)
			if !ok {
				t.Fatalf("ListUsers(%+v) listed %s, which has no %s", q, last.Sub, q.Attribute)
			}
			q.AfterKey = key
		}
	}
	t.Fatalf("ListUsers(%+v) did not reach an empty page", q)
	return nil
}

// expectUsers is the specification of ListUsers applied to users: the
// "key/sub" of each user q selects, in order, ignoring q.Limit.
func expectUsers(users []store.User, q store.UserQuery) []string {
	type hit struct{ key, sub string }
	var hits []hit
	for _, u := range users {
		if q.Attribute == "" {
			if u.Sub > q.AfterSub {
				hits = append(hits, hit{"", u.Sub})
			}
			continue
		}
		key, ok := store.SearchKey(u, q.Attribute)
		switch {
		case !ok:
		case q.Prefix && !strings.HasPrefix(key, q.Value):
		case !q.Prefix && key != q.Value:
		case key < q.AfterKey || key == q.AfterKey && u.Sub <= q.AfterSub:
		default:
			hits = append(hits, hit{key, u.Sub})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.sub, b.sub))
	})
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.key + "/" + h.sub
	}
	return out
}

// keyed returns the "key/sub" of each listed user for attr.
func keyed(us []store.User, attr string) []string {
	out := make([]string, len(us))
	for i, u := range us {
		key, _ := store.SearchKey(u, attr)
		if attr == "" {
			key = ""
		}
		out[i] = key + "/" + u.Sub
	}
	return out
}

// keys returns the key of each listed user for attr.
func keys(us []store.User, attr string) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i], _ = store.SearchKey(u, attr)
	}
	return out
}

// wantListed checks that ListUsers, run to the end in pages of limit,
// lists exactly what the specification selects from users, in order, and
// that every listed record is the stored user.
func wantListed(t *testing.T, st store.Store, pool string, users []store.User, q store.UserQuery) {
	t.Helper()
	got := listAll(t, st, pool, q)
	if g, w := keyed(got, q.Attribute), expectUsers(users, q); !equalStrings(g, w) {
		t.Errorf("ListUsers(%+v) pages:\n got %q\nwant %q", q, g, w)
	}
	bySub := map[string]store.User{}
	for _, u := range users {
		bySub[u.Sub] = u
	}
	for _, u := range got {
		wantSame(t, "listed user", u, bySub[u.Sub], normUser)
	}
}

var userSearchTests = []conformanceTest{
	{"every search attribute finds the user under its key", testSearchEveryAttribute},
	{"each user status is its own key", testSearchStatus},
	{"users without a value for the attribute never match", testSearchNoValue},
	{"an attribute that is not searchable or a limit that is not positive is invalid", testSearchInvalidQuery},
	{"an exact search compares bytes: case, accents and longer values are other keys", testSearchExactBytes},
	{"a prefix search matches bytes", testSearchPrefixBytes},
	{"pages continue exactly after the previous page across many users sharing a key", testSearchPagesSharingAKey},
	{"a page starts strictly after its cursor", testSearchCursor},
	{"a search by sub pages like any other attribute", testSearchSubCursor},
	{"without an attribute every user is listed by sub and AfterKey is ignored", testSearchWithoutAttribute},
	{"a limit above the cap is no error", testSearchLimitAboveCap},
	{"an update is found under its new keys only", testSearchAfterUpdate},
	{"a failed create or update indexes nothing", testSearchFailedWrites},
	{"a deleted user is not listed", testSearchDeletedUser},
	{"listed users share no memory with the store", testSearchResultsCopied},
	{"a cancelled context is refused", testSearchCancelledContext},
}

func testSearchEveryAttribute(t *testing.T, st store.Store, pool string) {
	u := newUser(t, pool)
	u.Username, u.UsernameKey = "Alice Smith "+u.Sub, "alice smith "+u.Sub
	u.Status = store.StatusForceChangePassword
	u.Enabled = false
	u.Attributes = map[string]string{
		"email":              "alice@example.com",
		"phone_number":       "+15555550100",
		"name":               "Alice Smith",
		"given_name":         "Alice",
		"family_name":        "Smith",
		"preferred_username": "ally",
		"email_verified":     "true",
		"custom:team":        "blue",
	}
	u = createUser(t, st, u)
	other := newUser(t, pool)
	other.Attributes = map[string]string{
		"email":              "bob@example.com",
		"phone_number":       "+15555550101",
		"name":               "Bob Jones",
		"given_name":         "Bob",
		"family_name":        "Jones",
		"preferred_username": "bobby",
		"email_verified":     "true",
		"custom:team":        "blue",
	}
	other = createUser(t, st, other)

	wantKeys := map[string]string{
		store.SearchUsername:          u.Username, // as given, not the normalized key
		store.SearchSub:               u.Sub,
		store.SearchStatus:            "FORCE_CHANGE_PASSWORD",
		store.SearchEnabled:           "Disabled",
		store.SearchEmail:             "alice@example.com",
		store.SearchPhoneNumber:       "+15555550100",
		store.SearchName:              "Alice Smith",
		store.SearchGivenName:         "Alice",
		store.SearchFamilyName:        "Smith",
		store.SearchPreferredUsername: "ally",
	}
	for _, attr := range store.SearchAttributes() {
		key, ok := wantKeys[attr]
		if !ok {
			t.Errorf("search attribute %q is not covered by the suite", attr)
			continue
		}
		if got, ok := store.SearchKey(u, attr); !ok || got != key {
			t.Errorf("store.SearchKey(%s) = %q, %v; want %q", attr, got, ok, key)
		}
		for _, prefix := range []bool{false, true} {
			got := listUsers(t, st, pool, store.UserQuery{Attribute: attr, Value: key, Prefix: prefix, Limit: 10})
			if len(got) != 1 || got[0].Sub != u.Sub {
				t.Errorf("ListUsers(%s = %q, prefix %v) = %q, want only %s", attr, key, prefix, subs(got), u.Sub)
				continue
			}
			wantSame(t, "ListUsers by "+attr, got[0], u, normUser)
		}
	}
	for attr, value := range map[string]string{
		store.SearchUsername: u.UsernameKey, // the normalized key is not the username
		store.SearchStatus:   "force_change_password",
		store.SearchEnabled:  "disabled",
		store.SearchEmail:    "ALICE@example.com",
		store.SearchName:     "alice smith",
	} {
		if got := listUsers(t, st, pool, store.UserQuery{Attribute: attr, Value: value, Limit: 10}); len(got) != 0 {
			t.Errorf("ListUsers(%s = %q) = %q, want nobody: keys compare bytes", attr, value, subs(got))
		}
	}
	got := listUsers(t, st, pool, store.UserQuery{Attribute: store.SearchEnabled, Value: "Enabled", Limit: 10})
	if len(got) != 1 || got[0].Sub != other.Sub {
		t.Errorf("ListUsers(status = Enabled) = %q, want only %s", subs(got), other.Sub)
	}
	got = listUsers(t, st, pool, store.UserQuery{Attribute: store.SearchStatus, Value: "CONFIRMED", Limit: 10})
	if len(got) != 1 || got[0].Sub != other.Sub {
		t.Errorf("ListUsers(cognito:user_status = CONFIRMED) = %q, want only %s", subs(got), other.Sub)
	}
}

func testSearchStatus(t *testing.T, st store.Store, pool string) {
	var users []store.User
	for _, status := range []store.UserStatus{store.StatusUnconfirmed, store.StatusConfirmed, store.StatusForceChangePassword,
		store.StatusResetRequired, store.StatusExternalProvider, store.StatusConfirmed} {
		u := newUser(t, pool)
		u.Status = status
		users = append(users, createUser(t, st, u))
	}
	for _, v := range []string{"UNCONFIRMED", "CONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED", "EXTERNAL_PROVIDER", "CONF"} {
		wantListed(t, st, pool, users, store.UserQuery{Attribute: store.SearchStatus, Value: v, Limit: 10})
	}
	for _, v := range []string{"", "CONF", "UN", "RESET_REQUIRED"} {
		wantListed(t, st, pool, users, store.UserQuery{Attribute: store.SearchStatus, Value: v, Prefix: true, Limit: 10})
	}
}

func testSearchNoValue(t *testing.T, st store.Store, pool string) {
	with := createUser(t, st, userWith(t, pool, "email", "a@example.com"))
	createUser(t, st, userWith(t, pool, "email", ""))
	createUser(t, st, userWith(t, pool, "phone_number", "+15555550100"))
	createUser(t, st, newUser(t, pool))
	got := listUsers(t, st, pool, store.UserQuery{Attribute: store.SearchEmail, Prefix: true, Limit: 10})
	if len(got) != 1 || got[0].Sub != with.Sub {
		t.Errorf("ListUsers(email ^= \"\") = %q, want only the user with an email %s", subs(got), with.Sub)
	}
	got = listUsers(t, st, pool, store.UserQuery{Attribute: store.SearchEmail, Limit: 10})
	if len(got) != 0 {
		t.Errorf("ListUsers(email = \"\") = %q, want nobody", subs(got))
	}
	got = listUsers(t, st, pool, store.UserQuery{Attribute: store.SearchGivenName, Prefix: true, Limit: 10})
	if len(got) != 0 {
		t.Errorf("ListUsers(given_name ^= \"\") = %q, want nobody", subs(got))
	}
}

func testSearchInvalidQuery(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	createUser(t, st, userWith(t, pool, "custom:team", "blue"))
	for _, attr := range []string{"custom:team", "email_verified", "Email", "EMAIL", " email", "email ", "cognito:username", "address", "status "} {
		_, err := st.ListUsers(ctx, pool, store.UserQuery{Attribute: attr, Value: "blue", Limit: 10})
		wantErr(t, "ListUsers by "+attr, err, store.ErrInvalid)
		_, err = st.ListUsers(ctx, pool, store.UserQuery{Attribute: attr, Prefix: true, Limit: 10})
		wantErr(t, "ListUsers by a prefix of "+attr, err, store.ErrInvalid)
	}
	for _, limit := range []int{0, -1, math.MinInt} {
		_, err := st.ListUsers(ctx, pool, store.UserQuery{Limit: limit})
		wantErr(t, "ListUsers of everyone with a limit of "+itoa(limit), err, store.ErrInvalid)
		_, err = st.ListUsers(ctx, pool, store.UserQuery{Attribute: store.SearchEmail, Value: "a", Prefix: true, Limit: limit})
		wantErr(t, "ListUsers by email with a limit of "+itoa(limit), err, store.ErrInvalid)
	}
}

func testSearchExactBytes(t *testing.T, st store.Store, pool string) {
	var users []store.User
	for _, v := range []string{"bob@example.com", "Bob@example.com", "BOB@EXAMPLE.COM", "bob@example.co", "bob@example.com.au", "böb@example.com", "bob@example.com "} {
		users = append(users, createUser(t, st, userWith(t, pool, "email", v)))
	}
	users = append(users, createUser(t, st, userWith(t, pool, "email", "bob@example.com"))) // a second user with one key
	for _, v := range []string{"bob@example.com", "Bob@example.com", "BOB@EXAMPLE.COM", "böb@example.com", "bob@example.co", "bob@example", "nobody"} {
		wantListed(t, st, pool, users, store.UserQuery{Attribute: store.SearchEmail, Value: v, Limit: 10})
	}
	if got := listUsers(t, st, pool, store.UserQuery{Attribute: store.SearchEmail, Value: "bob@example.com", Limit: 10}); len(got) != 2 {
		t.Errorf("ListUsers(email = bob@example.com) listed %d users, want the 2 with that exact email", len(got))
	}
}

func testSearchPrefixBytes(t *testing.T, st store.Store, pool string) {
	values := []string{
		"a", "ab", "abc", "abd", "ac", "b", "B", "Ab", "a b", "a\x7f", "a\u00ff", "ab",
		"¿", "¿Qué", "À", "¾", "é", "éa", "ê", "e", "\U0010FFFF", "\U0010FFFFz", "\uFFFD", "z", "~",
	}
	var users []store.User
	for _, v := range values {
		users = append(users, createUser(t, st, userWith(t, pool, "name", v)))
	}
	users = append(users, createUser(t, st, userWith(t, pool, "email", "no-name@example.com")))
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", nil}, // checked against every value below
		{"a", []string{"a", "a b", "ab", "ab", "abc", "abd", "ac", "a\x7f", "a\u00ff"}},
		{"ab", []string{"ab", "ab", "abc", "abd"}},
		{"abc", []string{"abc"}}, // a whole value
		{"abcd", nil},            // longer than every value
		{"A", []string{"Ab"}},
		{"B", []string{"B"}},
		{"a\x7f", []string{"a\x7f"}},
		{"¿", []string{"¿", "¿Qué"}},                          // C2 BF: the next byte string C2 C0 is not UTF-8
		{"é", []string{"é", "éa"}},                            // not ê, the next code point
		{"e", []string{"e"}},                                  // not é
		{"\U0010FFFF", []string{"\U0010FFFF", "\U0010FFFFz"}}, // the highest code point
		{"\uFFFD", []string{"\uFFFD"}},
		{"~", []string{"~"}},
		{"z", []string{"z"}},
		{"a\xff", nil},                          // last byte 0xFF: nothing sorts between a\xff and b
		{"\xff", nil},                           // no UTF-8 text starts with 0xFF
		{"\xc3", []string{"À", "é", "éa", "ê"}}, // a bytewise prefix need not be UTF-8
	} {
		q := store.UserQuery{Attribute: store.SearchName, Value: tc.prefix, Prefix: true, Limit: 100}
		got, err := st.ListUsers(t.Context(), pool, q)
		if err != nil && !storableText(tc.prefix) {
			wantErr(t, "ListUsers(name ^= "+tc.prefix+") of text a store may not hold", err, store.ErrInvalid)
			continue
		}
		wantOK(t, "ListUsers(name ^= "+tc.prefix+")", err)
		want := tc.want
		if tc.prefix == "" {
			want = slices.Clone(values)
			sortStrings(want)
		}
		if g := keys(got, store.SearchName); !equalStrings(g, want) {
			t.Errorf("ListUsers(name ^= %q) = %q, want %q", tc.prefix, g, want)
		}
		if g, w := keyed(got, store.SearchName), expectUsers(users, q); !equalStrings(g, w) {
			t.Errorf("ListUsers(name ^= %q) = %q, want %q (key, then sub)", tc.prefix, g, w)
		}
		for _, limit := range []int{1, 2, 3} {
			q.Limit = limit
			wantListed(t, st, pool, users, q)
		}
	}
}

func testSearchPagesSharingAKey(t *testing.T, st store.Store, pool string) {
	var users []store.User
	for i := range 40 {
		u := newUser(t, pool)
		switch {
		case i%4 == 0:
			u.Status = store.StatusUnconfirmed
		case i%4 == 1:
			u.Status = store.StatusForceChangePassword
			u.Enabled = false
		}
		u.Attributes = map[string]string{"family_name": []string{"Smith", "Smith", "Smith", "Smithson", "Jones"}[i%5]}
		if i%7 == 0 {
			u.Attributes["given_name"] = "Ann"
		}
		users = append(users, createUser(t, st, u))
	}
	queries := []store.UserQuery{
		{},
		{Attribute: store.SearchStatus, Value: "CONFIRMED"},
		{Attribute: store.SearchStatus, Prefix: true},
		{Attribute: store.SearchEnabled, Value: "Enabled"},
		{Attribute: store.SearchEnabled, Prefix: true},
		{Attribute: store.SearchFamilyName, Value: "Smith"},
		{Attribute: store.SearchFamilyName, Value: "Smith", Prefix: true},
		{Attribute: store.SearchFamilyName, Prefix: true},
		{Attribute: store.SearchGivenName, Value: "Ann"},
		{Attribute: store.SearchSub, Value: users[3].Sub},
		{Attribute: store.SearchSub, Prefix: true},
		{Attribute: store.SearchUsername, Value: "user-", Prefix: true},
	}
	for _, q := range queries {
		for _, limit := range []int{1, 3, 7, 40, 1000} {
			q.Limit = limit
			wantListed(t, st, pool, users, q)
		}
	}
}

// The sub is its own key, so a cursor (AfterKey, AfterSub) of a sub
// search is usually a pair of equal subs, but it is any pair of strings:
// a store that answers sub searches from its users' primary key must
// still start strictly after the pair, key first.
func testSearchSubCursor(t *testing.T, st store.Store, pool string) {
	var users []store.User
	for range 6 {
		users = append(users, createUser(t, st, newUser(t, pool)))
	}
	slices.SortFunc(users, func(x, y store.User) int { return strings.Compare(x.Sub, y.Sub) })
	s1, s3 := users[1].Sub, users[3].Sub
	for _, q := range []store.UserQuery{
		{Prefix: true},
		{Prefix: true, AfterKey: s1, AfterSub: s1},
		{Prefix: true, AfterKey: s1},                         // s1 itself is after (s1, "")
		{Prefix: true, AfterKey: s1, AfterSub: "\U0010FFFF"}, // but not after (s1, max)
		{Prefix: true, AfterSub: s3},                         // after ("", s3): everyone
		{Prefix: true, AfterKey: s1[:4]},
		{Prefix: true, Value: s3[:1], AfterKey: s1, AfterSub: s1},
		{Value: s3},
		{Value: s3, AfterKey: s3},
		{Value: s3, AfterKey: s3, AfterSub: s3},
		{Value: s3, AfterKey: s1, AfterSub: s3},
		{Value: s1, AfterKey: s3},
		{Value: "no-such-sub"},
	} {
		q.Attribute, q.Limit = store.SearchSub, 100
		got := listUsers(t, st, pool, q)
		if g, w := keyed(got, q.Attribute), expectUsers(users, q); !equalStrings(g, w) {
			t.Errorf("ListUsers(%+v):\n got %q\nwant %q", q, g, w)
		}
	}
	wantListed(t, st, pool, users, store.UserQuery{Attribute: store.SearchSub, Prefix: true, Limit: 2})
}

func testSearchCursor(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	var users []store.User
	for _, v := range []string{"a", "a", "a", "b", "b", "c"} {
		users = append(users, createUser(t, st, userWith(t, pool, "name", v)))
	}
	slices.SortFunc(users, func(x, y store.User) int {
		return cmp.Or(strings.Compare(x.Attributes["name"], y.Attributes["name"]), strings.Compare(x.Sub, y.Sub))
	})
	a1, a2, a3, b1, c1 := users[0], users[1], users[2], users[3], users[5]
	for _, q := range []store.UserQuery{
		{Prefix: true},
		{Prefix: true, AfterKey: "a", AfterSub: a1.Sub},
		{Prefix: true, AfterKey: "a", AfterSub: a2.Sub},
		{Prefix: true, AfterKey: "a", AfterSub: a3.Sub},
		{Prefix: true, AfterKey: "a"},                         // every a is after ("a", "")
		{Prefix: true, AfterKey: "a", AfterSub: "\U0010FFFF"}, // after every a
		{Prefix: true, AfterKey: "a0", AfterSub: ""},
		{Prefix: true, AfterKey: "b", AfterSub: b1.Sub},
		{Prefix: true, AfterKey: "c", AfterSub: c1.Sub},
		{Prefix: true, AfterKey: "zzz"},
		{Prefix: true, AfterKey: "0", AfterSub: "zzz"}, // before every key
		{Value: "a", AfterKey: "a", AfterSub: a1.Sub},
		{Value: "b", AfterKey: "a", AfterSub: a3.Sub},
		{Value: "b", AfterKey: "b", AfterSub: b1.Sub},
		{Value: "a", AfterKey: "b"},
		{Value: "b", Prefix: true, AfterKey: "", AfterSub: ""},
		{Value: "b", Prefix: true, AfterKey: "a", AfterSub: a1.Sub},
	} {
		q.Attribute, q.Limit = store.SearchName, 100
		got := listUsers(t, st, pool, q)
		if g, w := keyed(got, q.Attribute), expectUsers(users, q); !equalStrings(g, w) {
			t.Errorf("ListUsers(%+v):\n got %q\nwant %q", q, g, w)
		}
	}

	// The user a page ended with may be gone before the next page.
	wantOK(t, "DeleteUser", st.DeleteUser(ctx, pool, a2.Sub))
	got := listUsers(t, st, pool, store.UserQuery{Attribute: store.SearchName, Prefix: true, AfterKey: "a", AfterSub: a2.Sub, Limit: 100})
	if g, w := subs(got), []string{a3.Sub, b1.Sub, users[4].Sub, c1.Sub}; !equalStrings(g, w) {
		t.Errorf("ListUsers after a deleted user = %q, want %q", g, w)
	}
	got = listUsers(t, st, pool, store.UserQuery{AfterSub: a2.Sub, Limit: 100})
	want := sortedSubs(users...)
	want = slices.DeleteFunc(want, func(sub string) bool { return sub <= a2.Sub })
	if g := subs(got); !equalStrings(g, want) {
		t.Errorf("ListUsers of everyone after a deleted user = %q, want %q", g, want)
	}
}

func testSearchWithoutAttribute(t *testing.T, st store.Store, pool string) {
	base := randomID(t, "sub-")
	var users []store.User
	for _, suffix := range []string{"-b", "-a", "-B", "-A", "-é", "-0", "-a-", "-~", ""} {
		u := newUser(t, pool)
		u.Sub = base + suffix
		if suffix == "-a" {
			u.Enabled, u.Status = false, store.StatusUnconfirmed
		}
		users = append(users, createUser(t, st, u))
	}
	want := sortedSubs(users...)
	if got := subs(listUsers(t, st, pool, store.UserQuery{Limit: 100})); !equalStrings(got, want) {
		t.Errorf("ListUsers of everyone = %q, want %q", got, want)
	}
	for _, limit := range []int{1, 2, 5} {
		wantListed(t, st, pool, users, store.UserQuery{Limit: limit})
	}
	for i, after := range want {
		got := listUsers(t, st, pool, store.UserQuery{AfterKey: "zzz", AfterSub: after, Limit: 100})
		if g := subs(got); !equalStrings(g, want[i+1:]) {
			t.Errorf("ListUsers after %q with an AfterKey = %q, want %q", after, g, want[i+1:])
		}
	}
	got := listUsers(t, st, pool, store.UserQuery{AfterKey: "zzz", Limit: 100})
	if g := subs(got); !equalStrings(g, want) {
		t.Errorf("ListUsers with only an AfterKey = %q, want everyone %q", g, want)
	}
}

func testSearchLimitAboveCap(t *testing.T, st store.Store, pool string) {
	var users []store.User
	for range 3 {
		users = append(users, createUser(t, st, userWith(t, pool, "email", "same@example.com")))
	}
	for _, limit := range []int{1001, math.MaxInt32 + 1, math.MaxInt} {
		for _, q := range []store.UserQuery{{}, {Attribute: store.SearchEmail, Value: "same@example.com"}, {Attribute: store.SearchEmail, Prefix: true}} {
			q.Limit = limit
			got := listUsers(t, st, pool, q)
			if g, w := keyed(got, q.Attribute), expectUsers(users, q); !equalStrings(g, w) {
				t.Errorf("ListUsers(%+v) = %q, want %q", q, g, w)
			}
		}
	}
}

func testSearchAfterUpdate(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	u := newUser(t, pool)
	u.Attributes = map[string]string{"email": "old@example.com", "name": "Old Name", "phone_number": "+15555550100"}
	u = createUser(t, st, u)
	bystander := createUser(t, st, userWith(t, pool, "email", "old@example.org"))
	find := func(attr, value string, prefix bool) []string {
		t.Helper()
		return subs(listUsers(t, st, pool, store.UserQuery{Attribute: attr, Value: value, Prefix: prefix, Limit: 10}))
	}
	only := func(what string, got []string, want ...string) {
		t.Helper()
		if !equalStrings(got, want) {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}

	u.Username = "renamed-" + u.Sub
	u.Status = store.StatusResetRequired
	u.Enabled = false
	u.Attributes = map[string]string{"email": "new@example.com", "name": "Old Name", "given_name": "Given"}
	u, err := st.UpdateUser(ctx, u)
	wantOK(t, "UpdateUser", err)

	only("the old email", find(store.SearchEmail, "old@example.com", false))
	only("the old email as a prefix", find(store.SearchEmail, "old@", true), bystander.Sub)
	only("the new email", find(store.SearchEmail, "new@example.com", false), u.Sub)
	only("the unchanged name", find(store.SearchName, "Old Name", false), u.Sub)
	only("the removed phone number", find(store.SearchPhoneNumber, "", true))
	only("the added given name", find(store.SearchGivenName, "Given", false), u.Sub)
	only("the new username", find(store.SearchUsername, u.Username, false), u.Sub)
	only("the old username", find(store.SearchUsername, u.UsernameKey, false))
	only("the new status", find(store.SearchStatus, "RESET_REQUIRED", false), u.Sub)
	only("the old status", find(store.SearchStatus, "CONFIRMED", false), bystander.Sub)
	only("disabled users", find(store.SearchEnabled, "Disabled", false), u.Sub)
	only("enabled users", find(store.SearchEnabled, "Enabled", false), bystander.Sub)
	got := listUsers(t, st, pool, store.UserQuery{Attribute: store.SearchSub, Value: u.Sub, Limit: 10})
	if len(got) != 1 {
		t.Fatalf("ListUsers by sub after update listed %d users, want 1", len(got))
	}
	wantSame(t, "ListUsers by sub after update", got[0], u, normUser)

	u.Enabled = true
	u.Attributes = nil
	u, err = st.UpdateUser(ctx, u)
	wantOK(t, "UpdateUser enabling and removing every attribute", err)
	only("disabled users after enabling", find(store.SearchEnabled, "Disabled", false))
	only("enabled users after enabling", find(store.SearchEnabled, "Enabled", false), sortedSubs(u, bystander)...)
	only("any email", find(store.SearchEmail, "", true), bystander.Sub)
	only("any name", find(store.SearchName, "", true))
	only("any given name", find(store.SearchGivenName, "", true))
}

func testSearchFailedWrites(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	holder := createUser(t, st, userWith(t, pool, "email", "holder@example.com"))
	u := createUser(t, st, userWith(t, pool, "email", "kept@example.com"))

	dup := userWith(t, pool, "email", "failed-create@example.com")
	dup.Username, dup.UsernameKey = holder.Username, holder.UsernameKey
	_, err := st.CreateUser(ctx, dup)
	wantExists(t, "CreateUser with a taken username", err, "username")

	stale := u
	stale.Version = 7
	stale.Attributes = map[string]string{"email": "stale@example.com"}
	_, err = st.UpdateUser(ctx, stale)
	wantErr(t, "UpdateUser with a stale version", err, store.ErrConflict)

	taken := u
	taken.Attributes = map[string]string{"email": "taken@example.com"}
	taken.Aliases = map[string]string{"email": "x"}
	holder.Aliases = map[string]string{"email": "x"}
	_, err = st.UpdateUser(ctx, holder)
	wantOK(t, "UpdateUser giving the holder an alias", err)
	_, err = st.UpdateUser(ctx, taken)
	wantExists(t, "UpdateUser to a taken alias", err, "email")

	got := listUsers(t, st, pool, store.UserQuery{Attribute: store.SearchEmail, Prefix: true, Limit: 10})
	if g, w := keys(got, store.SearchEmail), []string{"holder@example.com", "kept@example.com"}; !equalStrings(g, w) {
		t.Errorf("emails listed after failed writes = %q, want %q", g, w)
	}
	got = listUsers(t, st, pool, store.UserQuery{Limit: 10})
	if g, w := subs(got), sortedSubs(holder, u); !equalStrings(g, w) {
		t.Errorf("users listed after failed writes = %q, want %q", g, w)
	}
}

func testSearchDeletedUser(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	doomed := newUser(t, pool)
	doomed.Attributes = map[string]string{"email": "same@example.com", "name": "N"}
	doomed = createUser(t, st, doomed)
	kept := createUser(t, st, userWith(t, pool, "email", "same@example.com"))
	wantOK(t, "DeleteUser", st.DeleteUser(ctx, pool, doomed.Sub))
	for _, attr := range store.SearchAttributes() {
		key, _ := store.SearchKey(doomed, attr)
		got := listUsers(t, st, pool, store.UserQuery{Attribute: attr, Value: key, Limit: 10})
		if slices.Contains(subs(got), doomed.Sub) {
			t.Errorf("ListUsers(%s = %q) still lists the deleted user", attr, key)
		}
	}
	if got := subs(listUsers(t, st, pool, store.UserQuery{Limit: 10})); !equalStrings(got, []string{kept.Sub}) {
		t.Errorf("ListUsers of everyone = %q, want only %s", got, kept.Sub)
	}
	again := doomed
	again.Attributes = map[string]string{"email": "again@example.com"}
	again = createUser(t, st, again) // the same sub, a new user
	if got := subs(listUsers(t, st, pool, store.UserQuery{Attribute: store.SearchEmail, Value: "same@example.com", Limit: 10})); !equalStrings(got, []string{kept.Sub}) {
		t.Errorf("the old email of a re-created sub lists %q, want only %s", got, kept.Sub)
	}
	if got := subs(listUsers(t, st, pool, store.UserQuery{Attribute: store.SearchName, Prefix: true, Limit: 10})); len(got) != 0 {
		t.Errorf("the old name of a re-created sub lists %q", got)
	}
}

func testSearchResultsCopied(t *testing.T, st store.Store, pool string) {
	u := createUser(t, st, userWith(t, pool, "email", "a@example.com"))
	g := createGroup(t, st, pool, "g")
	addToGroup(t, st, pool, u.Sub, g.Name)
	for _, q := range []store.UserQuery{{Limit: 10}, {Attribute: store.SearchEmail, Value: "a@example.com", Limit: 10}} {
		got := listUsers(t, st, pool, q)
		got[0].Attributes["email"] = "changed@example.com"
	}
	members, err := st.ListUsersInGroup(t.Context(), pool, g.Name, "", 10)
	wantOK(t, "ListUsersInGroup", err)
	members[0].Attributes["email"] = "changed@example.com"
	got, err := st.GetUser(t.Context(), pool, u.Sub)
	wantOK(t, "GetUser", err)
	wantSame(t, "GetUser", got, u, normUser)
}

func testSearchCancelledContext(t *testing.T, st store.Store, pool string) {
	createUser(t, st, newUser(t, pool))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := st.ListUsers(ctx, pool, store.UserQuery{Limit: 10})
	wantErr(t, "ListUsers", err, context.Canceled)
}
