package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// race runs f in n goroutines released together and returns each one's
// error, indexed like the goroutines.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	ready.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}

// tally counts nil errors as wins and checks every other error with loses;
// it fails the test if the number of wins is not want.
func tally(t *testing.T, what string, errs []error, want int, loses func(error) bool) []int {
	t.Helper()
	var winners []int
	for i, err := range errs {
		switch {
		case err == nil:
			winners = append(winners, i)
		case !loses(err):
			t.Errorf("%s: goroutine %d: unexpected error: %v", what, i, err)
		}
	}
	if len(winners) != want {
		t.Fatalf("%s: %d goroutines succeeded, want %d", what, len(winners), want)
	}
	return winners
}

func isExists(key string) func(error) bool {
	return func(err error) bool {
		var ee *store.ExistsError
		return errors.As(err, &ee) && ee.Key == key
	}
}

func is(targets ...error) func(error) bool {
	return func(err error) bool {
		for _, target := range targets {
			if errors.Is(err, target) {
				return true
			}
		}
		return false
	}
}

var concurrencyTests = []conformanceTest{
	{"fifty creates of one username have exactly one winner", testConcurrentUsernameCreates},
	{"fifty creates of one alias have exactly one winner and losers store nothing", testConcurrentAliasCreates},
	{"twenty consumers of one code have exactly one winner", testConcurrentCodeConsumers},
	{"twenty wrong guesses at one code are all counted", testConcurrentWrongCodeGuesses},
	{"twenty consumers of one auth session have exactly one winner", testConcurrentAuthSessionConsumers},
	{"twenty redemptions of one auth session leave one next session", testConcurrentAuthSessionRedeemers},
	{"two updates from one read have one conflict", testConcurrentUserUpdates},
	{"twenty read-modify-write loops lose no update", testConcurrentUserUpdateLoops},
	{"twenty rotations of one token without grace have one winner and revoke the family", testConcurrentRotations},
	{"a hundred attempts on one key stop at the threshold", testConcurrentAttempts},
	{"a hundred attempts on two keys at once stop at the threshold", testConcurrentMultiKeyAttempts},
	{"attempts and clears racing on one account all succeed", testConcurrentAttemptsAndClears},
}

func testConcurrentUsernameCreates(t *testing.T, st store.Store, pool string) {
	users := make([]store.User, 50)
	for i := range users {
		users[i] = newUser(t, pool)
		users[i].Username, users[i].UsernameKey = "contested", "contested"
	}
	errs := race(len(users), func(i int) error {
		_, err := st.CreateUser(t.Context(), users[i])
		return err
	})
	win := tally(t, "CreateUser", errs, 1, isExists("username"))
	got, err := st.GetUserByUsername(t.Context(), pool, "contested")
	wantOK(t, "GetUserByUsername", err)
	if got.Sub != users[win[0]].Sub {
		t.Errorf("username belongs to %s, want the winner %s", got.Sub, users[win[0]].Sub)
	}
}

func testConcurrentAliasCreates(t *testing.T, st store.Store, pool string) {
	users := make([]store.User, 50)
	for i := range users {
		users[i] = newUser(t, pool)
		users[i].Aliases = map[string]string{"email": "contested@example.com"}
	}
	errs := race(len(users), func(i int) error {
		_, err := st.CreateUser(t.Context(), users[i])
		return err
	})
	win := tally(t, "CreateUser", errs, 1, isExists("email"))
	got, err := st.GetUserByAlias(t.Context(), pool, "email", "contested@example.com")
	wantOK(t, "GetUserByAlias", err)
	if got.Sub != users[win[0]].Sub {
		t.Errorf("alias belongs to %s, want the winner %s", got.Sub, users[win[0]].Sub)
	}
	for i, u := range users {
		if i == win[0] {
			continue
		}
		if _, err := st.GetUserByUsername(t.Context(), pool, u.UsernameKey); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("username of losing create %d: err = %v, want ErrNotFound", i, err)
		}
	}
}

func testConcurrentCodeConsumers(t *testing.T, st store.Store, pool string) {
	c := putCode(t, st, pool, createSubject(t, st, pool), "signup")
	errs := race(20, func(int) error {
		_, err := st.ConsumeCode(t.Context(), pool, c.Subject, c.Purpose, c.Hash, at(0), 3)
		return err
	})
	tally(t, "ConsumeCode", errs, 1, is(store.ErrNotFound))
}

func testConcurrentWrongCodeGuesses(t *testing.T, st store.Store, pool string) {
	c := putCode(t, st, pool, createSubject(t, st, pool), "signup")
	errs := race(20, func(int) error {
		_, err := st.ConsumeCode(t.Context(), pool, c.Subject, c.Purpose, []byte("wrong"), at(0), 5)
		return err
	})
	mismatches := 0
	for i, err := range errs {
		switch {
		case errors.Is(err, store.ErrCodeMismatch):
			mismatches++
		case !errors.Is(err, store.ErrNotFound):
			t.Errorf("goroutine %d: err = %v, want ErrCodeMismatch or ErrNotFound", i, err)
		}
	}
	if mismatches != 5 {
		t.Errorf("%d guesses were checked, want exactly maxAttempts = 5", mismatches)
	}
	_, err := st.ConsumeCode(t.Context(), pool, c.Subject, c.Purpose, c.Hash, at(0), 5)
	wantErr(t, "ConsumeCode with the right hash afterwards", err, store.ErrNotFound)
}

func testConcurrentAuthSessionConsumers(t *testing.T, st store.Store, pool string) {
	as := putSession(t, st, pool, createSubject(t, st, pool))
	errs := race(20, func(int) error {
		_, err := st.ConsumeAuthSession(t.Context(), pool, as.ID, as.ClientID, at(0))
		return err
	})
	tally(t, "ConsumeAuthSession", errs, 1, is(store.ErrNotFound))
}

func testConcurrentAuthSessionRedeemers(t *testing.T, st store.Store, pool string) {
	as := putSession(t, st, pool, createSubject(t, st, pool))
	nexts := make([]store.AuthSession, 20)
	for i := range nexts {
		nexts[i] = guardOf(t, as)
	}
	errs := race(len(nexts), func(i int) error {
		_, err := st.RedeemAuthSession(t.Context(), pool, as.ID, as.ClientID, at(0), nexts[i])
		return err
	})
	win := tally(t, "RedeemAuthSession", errs, 1, is(store.ErrNotFound))
	for i, n := range nexts {
		_, err := st.ConsumeAuthSession(t.Context(), pool, n.ID, n.ClientID, at(0))
		if i == win[0] {
			wantOK(t, "the winner's next session", err)
		} else {
			wantErr(t, "a loser's next session", err, store.ErrNotFound)
		}
	}
}

func testConcurrentUserUpdates(t *testing.T, st store.Store, pool string) {
	u := createUser(t, st, newUser(t, pool))
	errs := race(2, func(i int) error {
		v := u
		v.Attributes = map[string]string{"writer": strconv.Itoa(i)}
		_, err := st.UpdateUser(t.Context(), v)
		return err
	})
	win := tally(t, "UpdateUser", errs, 1, is(store.ErrConflict))
	got, err := st.GetUser(t.Context(), pool, u.Sub)
	wantOK(t, "GetUser", err)
	if got.Version != 2 || got.Attributes["writer"] != strconv.Itoa(win[0]) {
		t.Errorf("stored user = version %d writer %q, want version 2 writer %d", got.Version, got.Attributes["writer"], win[0])
	}
}

func testConcurrentUserUpdateLoops(t *testing.T, st store.Store, pool string) {
	u := newUser(t, pool)
	u.Attributes = map[string]string{"custom:counter": "0"}
	u = createUser(t, st, u)
	const writers = 20
	errs := race(writers, func(int) error {
		for range 10 * writers * writers {
			cur, err := st.GetUser(t.Context(), pool, u.Sub)
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(cur.Attributes["custom:counter"])
			if err != nil {
				return err
			}
			cur.Attributes["custom:counter"] = strconv.Itoa(n + 1)
			_, err = st.UpdateUser(t.Context(), cur)
			if !errors.Is(err, store.ErrConflict) {
				return err
			}
		}
		return fmt.Errorf("gave up after %d conflicts", 10*writers*writers)
	})
	tally(t, "read-modify-write", errs, writers, is())
	got, err := st.GetUser(t.Context(), pool, u.Sub)
	wantOK(t, "GetUser", err)
	if got.Attributes["custom:counter"] != strconv.Itoa(writers) || got.Version != writers+1 {
		t.Errorf("counter = %s at version %d, want %d at version %d", got.Attributes["custom:counter"], got.Version, writers, writers+1)
	}
}

func testConcurrentRotations(t *testing.T, st store.Store, pool string) {
	f, tok := createFamily(t, st, pool, createSubject(t, st, pool))
	next := make([][]byte, 20)
	for i := range next {
		next[i] = randomHash(t)
	}
	errs := race(len(next), func(i int) error {
		_, err := st.RotateRefresh(t.Context(), pool, tok, next[i], at(time.Hour), 0)
		return err
	})
	win := tally(t, "RotateRefresh", errs, 1, is(store.ErrTokenReuse, store.ErrRevoked))
	got, err := st.GetFamily(t.Context(), pool, f.ID)
	wantOK(t, "GetFamily", err)
	if got.RevokedAt.IsZero() {
		t.Fatal("the family is live after concurrent reuse")
	}
	_, err = st.RotateRefresh(t.Context(), pool, next[win[0]], randomHash(t), at(time.Hour), 0)
	wantErr(t, "RotateRefresh of the winner's token", err, store.ErrRevoked)
}

func testConcurrentAttempts(t *testing.T, st store.Store, pool string) {
	p := store.LockoutPolicy{Threshold: 5, Base: time.Minute, Max: time.Hour, ResetAfter: time.Hour}
	attempts := make([]store.Attempt, 100)
	errs := race(len(attempts), func(i int) error {
		var err error
		attempts[i], err = st.BeginAttempt(t.Context(), pool, "k", at(0), p)
		return err
	})
	tally(t, "BeginAttempt", errs, len(attempts), is())
	seen := map[int]bool{}
	for _, a := range attempts {
		if a.Allowed {
			if seen[a.Failures] {
				t.Errorf("two allowed attempts both report %d failures", a.Failures)
			}
			seen[a.Failures] = true
		}
	}
	if len(seen) != 5 {
		t.Fatalf("%d attempts were allowed, want 5", len(seen))
	}
	for n := 1; n <= 5; n++ {
		if !seen[n] {
			t.Errorf("no allowed attempt reported %d failures", n)
		}
	}
	wantAttempt(t, st, pool, "k", at(time.Minute), p, true, 6, at(time.Minute+2*time.Minute))
}

var concurrencyAdminTests = []conformanceTest{
	{"fifty creates of one group name have exactly one winner", testConcurrentGroupCreates},
	{"fifty creates of one resource server identifier have exactly one winner", testConcurrentResourceServerCreates},
	{"twenty adds of one membership all succeed and make one membership", testConcurrentMembershipAdds},
	{"two group updates from one read have one conflict", testConcurrentGroupUpdates},
	{"two resource server updates from one read have one conflict", testConcurrentResourceServerUpdates},
	{"adds racing the user's delete leave no membership behind", testConcurrentAddAndUserDelete},
	{"adds racing the group's delete leave no membership behind", testConcurrentAddAndGroupDelete},
	{"twenty writers changing one email leave exactly one search entry", testConcurrentSearchEntryUpdates},
}

func testConcurrentGroupCreates(t *testing.T, st store.Store, pool string) {
	errs := race(50, func(i int) error {
		g := newGroup(pool, "contested")
		g.Description = strconv.Itoa(i)
		_, err := st.CreateGroup(t.Context(), g)
		return err
	})
	win := tally(t, "CreateGroup", errs, 1, isExists("group"))
	got, err := st.GetGroup(t.Context(), pool, "contested")
	wantOK(t, "GetGroup", err)
	if got.Description != strconv.Itoa(win[0]) || got.Version != 1 {
		t.Errorf("stored group = description %q version %d, want the winner %d at version 1", got.Description, got.Version, win[0])
	}
}

func testConcurrentResourceServerCreates(t *testing.T, st store.Store, pool string) {
	errs := race(50, func(i int) error {
		r := newServer(pool, "contested")
		r.Name = strconv.Itoa(i)
		_, err := st.CreateResourceServer(t.Context(), r)
		return err
	})
	win := tally(t, "CreateResourceServer", errs, 1, isExists("identifier"))
	got, err := st.GetResourceServer(t.Context(), pool, "contested")
	wantOK(t, "GetResourceServer", err)
	if got.Name != strconv.Itoa(win[0]) {
		t.Errorf("stored server name = %q, want the winner %d", got.Name, win[0])
	}
}

func testConcurrentMembershipAdds(t *testing.T, st store.Store, pool string) {
	createGroup(t, st, pool, "g")
	sub := createSubject(t, st, pool)
	errs := race(20, func(int) error { return st.AddUserToGroup(t.Context(), pool, sub, "g") })
	tally(t, "AddUserToGroup", errs, 20, is())
	wantMembers(t, st, pool, "g", sub)
	wantGroupsOf(t, st, pool, sub, "g")
	wantOK(t, "RemoveUserFromGroup", st.RemoveUserFromGroup(t.Context(), pool, sub, "g"))
	wantMembers(t, st, pool, "g")
}

func testConcurrentGroupUpdates(t *testing.T, st store.Store, pool string) {
	g := createGroup(t, st, pool, "g")
	errs := race(2, func(i int) error {
		v := g
		v.Description = strconv.Itoa(i)
		_, err := st.UpdateGroup(t.Context(), v)
		return err
	})
	win := tally(t, "UpdateGroup", errs, 1, is(store.ErrConflict))
	got, err := st.GetGroup(t.Context(), pool, g.Name)
	wantOK(t, "GetGroup", err)
	if got.Version != 2 || got.Description != strconv.Itoa(win[0]) {
		t.Errorf("stored group = version %d description %q, want version 2 description %d", got.Version, got.Description, win[0])
	}
}

func testConcurrentResourceServerUpdates(t *testing.T, st store.Store, pool string) {
	r := createServer(t, st, pool, "api")
	errs := race(2, func(i int) error {
		v := r
		v.Name = strconv.Itoa(i)
		_, err := st.UpdateResourceServer(t.Context(), v)
		return err
	})
	win := tally(t, "UpdateResourceServer", errs, 1, is(store.ErrConflict))
	got, err := st.GetResourceServer(t.Context(), pool, r.Identifier)
	wantOK(t, "GetResourceServer", err)
	if got.Version != 2 || got.Name != strconv.Itoa(win[0]) {
		t.Errorf("stored server = version %d name %q, want version 2 name %d", got.Version, got.Name, win[0])
	}
}

func testConcurrentAddAndUserDelete(t *testing.T, st store.Store, pool string) {
	createGroup(t, st, pool, "g")
	for range 5 {
		u := createUser(t, st, newUser(t, pool))
		errs := race(10, func(i int) error {
			if i == 0 {
				return st.DeleteUser(t.Context(), pool, u.Sub)
			}
			return st.AddUserToGroup(t.Context(), pool, u.Sub, "g")
		})
		wantOK(t, "DeleteUser", errs[0])
		tally(t, "AddUserToGroup", errs[1:], countNil(errs[1:]), is(store.ErrNotFound))
		createUser(t, st, u) // the same sub again, a new user
		wantGroupsOf(t, st, pool, u.Sub)
	}
	wantMembers(t, st, pool, "g") // the re-created users were never added
}

func testConcurrentAddAndGroupDelete(t *testing.T, st store.Store, pool string) {
	var subs []string
	for range 9 {
		subs = append(subs, createSubject(t, st, pool))
	}
	for range 5 {
		createGroup(t, st, pool, "g")
		errs := race(len(subs)+1, func(i int) error {
			if i == len(subs) {
				return st.DeleteGroup(t.Context(), pool, "g")
			}
			return st.AddUserToGroup(t.Context(), pool, subs[i], "g")
		})
		wantOK(t, "DeleteGroup", errs[len(subs)])
		tally(t, "AddUserToGroup", errs[:len(subs)], countNil(errs[:len(subs)]), is(store.ErrNotFound))
		createGroup(t, st, pool, "g")
		wantMembers(t, st, pool, "g")
		for _, sub := range subs {
			wantGroupsOf(t, st, pool, sub)
		}
		wantOK(t, "DeleteGroup", st.DeleteGroup(t.Context(), pool, "g"))
	}
}

func testConcurrentSearchEntryUpdates(t *testing.T, st store.Store, pool string) {
	u := createUser(t, st, userWith(t, pool, "email", "start@example.com"))
	const writers = 20
	errs := race(writers, func(i int) error {
		for range 10 * writers * writers {
			cur, err := st.GetUser(t.Context(), pool, u.Sub)
			if err != nil {
				return err
			}
			cur.Attributes = map[string]string{"email": "writer" + strconv.Itoa(i) + "@example.com"}
			_, err = st.UpdateUser(t.Context(), cur)
			if !errors.Is(err, store.ErrConflict) {
				return err
			}
		}
		return fmt.Errorf("gave up after %d conflicts", 10*writers*writers)
	})
	tally(t, "UpdateUser", errs, writers, is())
	got, err := st.GetUser(t.Context(), pool, u.Sub)
	wantOK(t, "GetUser", err)
	listed, err := st.ListUsers(t.Context(), pool, store.UserQuery{Attribute: store.SearchEmail, Prefix: true, Limit: 100})
	wantOK(t, "ListUsers", err)
	if len(listed) != 1 || listed[0].Attributes["email"] != got.Attributes["email"] {
		t.Errorf("ListUsers(email ^= \"\") = %q, want one entry for the stored email %q", keys(listed, store.SearchEmail), got.Attributes["email"])
	}
}

// countNil counts the nil errors.
func countNil(errs []error) int {
	n := 0
	for _, err := range errs {
		if err == nil {
			n++
		}
	}
	return n
}

// testConcurrentMultiKeyAttempts: parallel sign-ins counted on an
// account@source key and the account's key in one BeginAttempts each
// are decided one after another: the first key admits five, and the
// account key counts exactly those five.
func testConcurrentMultiKeyAttempts(t *testing.T, st store.Store, pool string) {
	p := store.LockoutPolicy{Threshold: 5, Base: time.Minute, Max: time.Hour, ResetAfter: time.Hour}
	wide := store.LockoutPolicy{Threshold: 50, Base: time.Minute, Max: time.Hour, ResetAfter: time.Hour}
	outcomes := make([][]store.Attempt, 100)
	errs := race(len(outcomes), func(i int) error {
		var err error
		outcomes[i], err = st.BeginAttempts(t.Context(), pool, at(0), store.AttemptKey{Key: "k@src", Policy: p}, store.AttemptKey{Key: "all:k", Policy: wide})
		return err
	})
	tally(t, "BeginAttempts", errs, len(outcomes), is())
	allowed := 0
	for _, as := range outcomes {
		if len(as) == 2 && as[0].Allowed && as[1].Allowed {
			allowed++
		} else if len(as) != 1 || as[0].Allowed {
			t.Fatalf("outcomes %+v: neither allowed on both keys nor refused by the first", as)
		}
	}
	if allowed != 5 {
		t.Fatalf("%d attempts were allowed, want 5", allowed)
	}
	a, err := st.PeekAttempt(t.Context(), pool, "all:k", at(0), wide)
	wantOK(t, "PeekAttempt", err)
	if a.Failures != 6 {
		t.Fatalf("the account key counted %d attempts, want 5", a.Failures-1)
	}
}

// testConcurrentAttemptsAndClears: sign-ins of one account from one
// source, some counting an attempt on its keys while others clear them
// after a success, must not fail each other (on PostgreSQL, lock the rows
// in one order).
func testConcurrentAttemptsAndClears(t *testing.T, st store.Store, pool string) {
	p := store.LockoutPolicy{Threshold: 1000, Base: time.Minute, Max: time.Hour, ResetAfter: time.Hour}
	for _, account := range []string{"aaron", "zed"} { // "all:" sorts after the one and before the other
		for k := range 3 {
			errs := race(20, func(i int) error {
				if i%2 == 0 {
					_, err := st.BeginAttempts(t.Context(), pool, at(time.Duration(k)*time.Second),
						store.AttemptKey{Key: account + "@src", Policy: p}, store.AttemptKey{Key: "all:" + account, Policy: p})
					return err
				}
				return st.ClearAttempts(t.Context(), pool, account+"@src", account, "all:"+account)
			})
			tally(t, "BeginAttempts and ClearAttempts", errs, len(errs), is())
		}
	}
}
