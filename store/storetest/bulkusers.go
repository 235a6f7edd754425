package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

var bulkUserTests = []conformanceTest{
	{"a batch creates every user with version 1, searchable and found by alias", testBulkCreates},
	{"a taken username, alias or sub refuses that user alone, naming the key", testBulkTakenKeys},
	{"duplicates within a batch resolve in order, and a refused user frees its keys", testBulkInBatchOrder},
	{"malformed users are invalid and the others are created", testBulkMalformed},
	{"an empty batch is fine", testBulkEmpty},
	{"a batch over MaxCreateUsers is invalid and stores nothing", testBulkTooLarge},
	{"a cancelled context stores nothing", testBulkCancelled},
	{"racing batches for the same usernames create each exactly once", testBulkConcurrent},
}

// bulkUser is a valid user of the pool whose username is name and whose
// email (an attribute and an alias) is name@example.com.
func bulkUser(t *testing.T, pool, name string) store.User {
	t.Helper()
	u := newUser(t, pool)
	u.Username, u.UsernameKey = name, name
	u.Attributes = map[string]string{"email": name + "@example.com", "email_verified": "true", "given_name": "G"}
	u.Aliases = map[string]string{"email": name + "@example.com"}
	u.Password = store.PasswordCredential{Hash: "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", ChangedAt: at(time.Minute)}
	return u
}

// createUsers runs CreateUsers and fails the test on a batch error or an
// outcome count that does not match.
func createUsers(t *testing.T, st store.Store, users []store.User) []error {
	t.Helper()
	outcomes, err := st.CreateUsers(t.Context(), users)
	wantOK(t, "CreateUsers", err)
	if len(outcomes) != len(users) {
		t.Fatalf("CreateUsers: %d outcomes for %d users", len(outcomes), len(users))
	}
	return outcomes
}

// wantStored checks that u is stored as given with Version 1, found by
// username, by every alias and by ListUsers on its email.
func wantStored(t *testing.T, st store.Store, u store.User) {
	t.Helper()
	ctx := t.Context()
	want := u
	want.Version = 1
	got, err := st.GetUser(ctx, u.PoolID, u.Sub)
	wantOK(t, "GetUser "+u.Username, err)
	wantSame(t, "GetUser "+u.Username, got, want, normUser)
	got, err = st.GetUserByUsername(ctx, u.PoolID, u.UsernameKey)
	wantOK(t, "GetUserByUsername "+u.Username, err)
	if got.Sub != u.Sub {
		t.Errorf("GetUserByUsername %s: sub %s, want %s", u.Username, got.Sub, u.Sub)
	}
	for kind, value := range u.Aliases {
		got, err := st.GetUserByAlias(ctx, u.PoolID, kind, value)
		wantOK(t, "GetUserByAlias "+kind+" "+value, err)
		if got.Sub != u.Sub {
			t.Errorf("GetUserByAlias %s %s: sub %s, want %s", kind, value, got.Sub, u.Sub)
		}
	}
	if email, ok := u.Attributes["email"]; ok {
		found, err := st.ListUsers(ctx, u.PoolID, store.UserQuery{Attribute: store.SearchEmail, Value: email, Limit: 10})
		wantOK(t, "ListUsers email = "+email, err)
		if len(found) != 1 || found[0].Sub != u.Sub {
			t.Errorf("ListUsers email = %s: %d users, want %s", email, len(found), u.Sub)
		}
	}
}

// wantNotStored checks that nothing is stored under u's sub.
func wantNotStored(t *testing.T, st store.Store, u store.User) {
	t.Helper()
	_, err := st.GetUser(t.Context(), u.PoolID, u.Sub)
	wantErr(t, "GetUser of a refused user "+u.Username, err, store.ErrNotFound)
}

func testBulkCreates(t *testing.T, st store.Store, pool string) {
	users := []store.User{bulkUser(t, pool, "ada"), bulkUser(t, pool, "bob"), bulkUser(t, pool, "cy")}
	users[1].Aliases["phone_number"] = "+15555550101"
	users[1].Attributes["phone_number"] = "+15555550101"
	users[1].CreatedAt = at(-time.Hour).In(elsewhere)
	users[2].Aliases = nil
	users[2].Version = 7
	users[2].MFA = store.MFA{Preferred: "SOFTWARE_TOKEN_MFA", TOTPSecret: []byte("secret")}
	for i, err := range createUsers(t, st, users) {
		wantOK(t, "outcome of "+users[i].Username, err)
	}
	for _, u := range users {
		wantStored(t, st, u)
	}
	// The aliases are claimed: CreateUser of another user with one fails.
	other := newUser(t, pool)
	other.Aliases = map[string]string{"phone_number": "+15555550101"}
	_, err := st.CreateUser(t.Context(), other)
	wantExists(t, "CreateUser with an alias a batch claimed", err, "phone_number")
}

func testBulkTakenKeys(t *testing.T, st store.Store, pool string) {
	stored := createUser(t, st, bulkUser(t, pool, "dan"))

	fresh1 := bulkUser(t, pool, "eve")
	takenName := bulkUser(t, pool, "dan")
	takenName.Aliases, takenName.Attributes = nil, nil
	takenAlias := bulkUser(t, pool, "fay")
	takenAlias.Aliases["email"] = "dan@example.com"
	takenSub := bulkUser(t, pool, "gus")
	takenSub.Sub = stored.Sub
	fresh2 := bulkUser(t, pool, "hal")
	users := []store.User{fresh1, takenName, takenAlias, takenSub, fresh2}

	outcomes := createUsers(t, st, users)
	wantOK(t, "fresh user before", outcomes[0])
	wantExists(t, "stored username", outcomes[1], "username")
	wantExists(t, "stored alias", outcomes[2], "email")
	wantExists(t, "stored sub", outcomes[3], "sub")
	wantOK(t, "fresh user after", outcomes[4])
	wantStored(t, st, fresh1)
	wantStored(t, st, fresh2)
	wantNotStored(t, st, takenAlias)
	for _, name := range []string{"fay", "gus"} {
		_, err := st.GetUserByUsername(t.Context(), pool, name)
		wantErr(t, "GetUserByUsername of refused "+name, err, store.ErrNotFound)
	}
	// The stored user is untouched.
	got, err := st.GetUserByAlias(t.Context(), pool, "email", "dan@example.com")
	wantOK(t, "GetUserByAlias of the stored user", err)
	wantSame(t, "stored user", got, stored, normUser)
}

func testBulkInBatchOrder(t *testing.T, st store.Store, pool string) {
	stored := createUser(t, st, bulkUser(t, pool, "ivy"))

	first := bulkUser(t, pool, "jon")
	sameName := bulkUser(t, pool, "jon")
	sameName.Aliases = map[string]string{"email": "other-jon@example.com"}
	sameAlias := bulkUser(t, pool, "kim")
	sameAlias.Aliases["email"] = "jon@example.com"
	sameSub := bulkUser(t, pool, "lea")
	sameSub.Sub = first.Sub
	// refused holds a stored alias and a free one; the free one stays
	// free for a later user of the batch.
	refused := bulkUser(t, pool, "max")
	refused.Aliases = map[string]string{"email": stored.Aliases["email"], "phone_number": "+15555550199"}
	later := bulkUser(t, pool, "ned")
	later.Aliases["phone_number"] = "+15555550199"
	// A name refused for its alias is free for a later user too.
	laterName := bulkUser(t, pool, "max")
	laterName.Aliases = map[string]string{"email": "max2@example.com"}
	laterName.Attributes = map[string]string{"email": "max2@example.com"}
	users := []store.User{first, sameName, sameAlias, sameSub, refused, later, laterName}

	outcomes := createUsers(t, st, users)
	wantOK(t, "first", outcomes[0])
	wantExists(t, "username taken earlier in the batch", outcomes[1], "username")
	wantExists(t, "alias taken earlier in the batch", outcomes[2], "email")
	wantExists(t, "sub taken earlier in the batch", outcomes[3], "sub")
	wantExists(t, "stored alias", outcomes[4], "email")
	wantOK(t, "alias a refused user held", outcomes[5])
	wantOK(t, "username a refused user held", outcomes[6])
	wantStored(t, st, first)
	wantStored(t, st, later)
	wantStored(t, st, laterName)
	wantNotStored(t, st, sameName)
	wantNotStored(t, st, sameAlias)
	wantNotStored(t, st, refused)
	for _, name := range []string{"kim", "lea"} {
		_, err := st.GetUserByUsername(t.Context(), pool, name)
		wantErr(t, "GetUserByUsername of refused "+name, err, store.ErrNotFound)
	}
}

func testBulkMalformed(t *testing.T, st store.Store, pool string) {
	var users []store.User
	for _, modify := range []func(*store.User){
		func(u *store.User) { u.PoolID = "" },
		func(u *store.User) { u.Sub = "" },
		func(u *store.User) { u.UsernameKey = "" },
		func(u *store.User) { u.Aliases = map[string]string{"email": ""} },
	} {
		users = append(users, bulkUser(t, pool, randomID(t, "good-")))
		bad := bulkUser(t, pool, randomID(t, "bad-"))
		modify(&bad)
		users = append(users, bad)
	}
	outcomes := createUsers(t, st, users)
	for i, u := range users {
		if i%2 == 1 {
			wantErr(t, "outcome of malformed user "+itoa(i), outcomes[i], store.ErrInvalid)
			continue
		}
		wantOK(t, "outcome of valid user "+itoa(i), outcomes[i])
		wantStored(t, st, u)
	}
}

func testBulkEmpty(t *testing.T, st store.Store, pool string) {
	for _, users := range [][]store.User{nil, {}} {
		if outcomes := createUsers(t, st, users); len(outcomes) != 0 {
			t.Fatalf("CreateUsers(empty) = %v", outcomes)
		}
	}
	got, err := st.ListUsers(t.Context(), pool, store.UserQuery{Limit: 10})
	wantOK(t, "ListUsers", err)
	if len(got) != 0 {
		t.Fatalf("an empty batch stored %d users", len(got))
	}
}

func testBulkTooLarge(t *testing.T, st store.Store, pool string) {
	users := make([]store.User, store.MaxCreateUsers+1)
	for i := range users {
		users[i] = newUser(t, pool)
	}
	outcomes, err := st.CreateUsers(t.Context(), users)
	wantErr(t, "CreateUsers of MaxCreateUsers+1", err, store.ErrInvalid)
	if outcomes != nil {
		t.Errorf("outcomes = %d, want nil with a batch error", len(outcomes))
	}
	wantNotStored(t, st, users[0])
}

func testBulkCancelled(t *testing.T, st store.Store, pool string) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	u := bulkUser(t, pool, "oli")
	_, err := st.CreateUsers(ctx, []store.User{u})
	wantErr(t, "CreateUsers", err, context.Canceled)
	wantNotStored(t, st, u)
}

func testBulkConcurrent(t *testing.T, st store.Store, pool string) {
	const (
		batches = 4
		names   = 60
	)
	all := make([][]store.User, batches)
	for b := range all {
		for n := range names {
			all[b] = append(all[b], bulkUser(t, pool, "racer"+itoa(n)))
		}
		if b%2 == 1 {
			slices.Reverse(all[b]) // opposite orders must not deadlock for good
		}
	}
	outcomes := make([][]error, batches)
	errs := race(batches, func(b int) error {
		var err error
		outcomes[b], err = st.CreateUsers(t.Context(), all[b])
		return err
	})
	for b, err := range errs {
		wantOK(t, "batch "+itoa(b), err)
	}
	winners := make(map[string]string) // username → sub
	for b := range all {
		for i, u := range all[b] {
			err := outcomes[b][i]
			if err == nil {
				if w, ok := winners[u.UsernameKey]; ok {
					t.Fatalf("%s created twice (%s and %s)", u.UsernameKey, w, u.Sub)
				}
				winners[u.UsernameKey] = u.Sub
				continue
			}
			// The loser hits the username or, when the winner's alias is
			// checked first, the email: both are the winner's.
			if !isExists("username")(err) && !isExists("email")(err) {
				t.Errorf("batch %d, %s: %v, want ExistsError username or email", b, u.UsernameKey, err)
			}
			wantNotStored(t, st, u)
		}
	}
	if len(winners) != names {
		t.Fatalf("%d usernames created, want %d", len(winners), names)
	}
	for name, sub := range winners {
		got, err := st.GetUserByUsername(t.Context(), pool, name)
		wantOK(t, "GetUserByUsername "+name, err)
		if got.Sub != sub {
			t.Errorf("%s: stored sub %s, want the winner %s", name, got.Sub, sub)
		}
		got, err = st.GetUserByAlias(t.Context(), pool, "email", name+"@example.com")
		wantOK(t, "GetUserByAlias "+name, err)
		if got.Sub != sub {
			t.Errorf("%s: alias held by %s, want the winner %s", name, got.Sub, sub)
		}
	}
}
