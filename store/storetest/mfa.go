package storetest

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// fullMFA returns an MFA state with every field set. Its bytes are not
// UTF-8 and include 0x00 and 0xff; its device name needs JSON escapes;
// its step is beyond the integers a float64 holds exactly.
func fullMFA() store.MFA {
	return store.MFA{
		TOTPSecret:     []byte{0x00, 0xff, 0xfe, 'v', '1', 0x80, 0x00, '"', '\\'},
		TOTPVerified:   true,
		TOTPDeviceName: "Alice's phone ✓ \"work\" \\ <b>&\t",
		TOTPLastStep:   1<<62 + 1,
		TOTPEnabled:    true,
		SMSEnabled:     true,
		EmailEnabled:   true,
		Preferred:      "SOFTWARE_TOKEN_MFA",
		RecoveryCodes: [][]byte{
			{0x00},
			{0xff, 0x00, 0xff},
			[]byte("recovery-hash-3"),
			{0xc3, 0x28}, // invalid UTF-8
		},
	}
}

// mfaUser returns a new user of the pool with an email alias and the MFA
// state m.
func mfaUser(t *testing.T, pool string, m store.MFA) store.User {
	t.Helper()
	u := newUser(t, pool)
	u.Aliases = map[string]string{"email": u.UsernameKey + "@example.com"}
	u.Attributes = map[string]string{"email": u.UsernameKey + "@example.com"}
	u.MFA = m
	return u
}

// wantUserEverywhere checks that every read returning users returns want:
// GetUser, GetUserByUsername, GetUserByAlias of each alias, ListUsers
// filtered by sub, by username and unfiltered, and ListUsersInGroup of
// group when group is not empty (want must be a member).
func wantUserEverywhere(t *testing.T, st store.Store, want store.User, group string) {
	t.Helper()
	ctx := t.Context()
	pool := want.PoolID
	got, err := st.GetUser(ctx, pool, want.Sub)
	wantOK(t, "GetUser", err)
	wantSame(t, "GetUser", got, want, normUser)
	got, err = st.GetUserByUsername(ctx, pool, want.UsernameKey)
	wantOK(t, "GetUserByUsername", err)
	wantSame(t, "GetUserByUsername", got, want, normUser)
	for kind, value := range want.Aliases {
		got, err = st.GetUserByAlias(ctx, pool, kind, value)
		wantOK(t, "GetUserByAlias "+kind, err)
		wantSame(t, "GetUserByAlias "+kind, got, want, normUser)
	}
	for _, q := range []store.UserQuery{
		{Attribute: store.SearchSub, Value: want.Sub, Limit: 10},
		{Attribute: store.SearchUsername, Value: want.Username, Limit: 10},
		{Limit: 1000},
	} {
		wantSame(t, "ListUsers "+q.Attribute, findUser(t, "ListUsers "+q.Attribute, listUsers(t, st, pool, q), want.Sub), want, normUser)
	}
	if group != "" {
		members, err := st.ListUsersInGroup(ctx, pool, group, "", 1000)
		wantOK(t, "ListUsersInGroup", err)
		wantSame(t, "ListUsersInGroup", findUser(t, "ListUsersInGroup", members, want.Sub), want, normUser)
	}
}

// findUser returns the user with that sub among us, failing the test if
// there is none.
func findUser(t *testing.T, what string, us []store.User, sub string) store.User {
	t.Helper()
	for _, u := range us {
		if u.Sub == sub {
			return u
		}
	}
	t.Fatalf("%s did not return %s (got %q)", what, sub, subs(us))
	return store.User{}
}

// mfaCases are the MFA states the round-trip tests store: each one
// catches a store that drops, merges or re-encodes some field.
var mfaCases = []struct {
	name string
	mfa  store.MFA
}{
	{"every field set", fullMFA()},
	{"zero", store.MFA{}},
	{"an associated secret not yet verified", store.MFA{TOTPSecret: []byte("sealed"), TOTPDeviceName: "phone"}},
	{"SMS preferred without TOTP", store.MFA{SMSEnabled: true, Preferred: "SMS_MFA"}},
	{"email only with an empty recovery-code list", store.MFA{EmailEnabled: true, Preferred: "EMAIL_OTP", RecoveryCodes: [][]byte{}}},
	{"a realistic last step", store.MFA{TOTPSecret: []byte{1}, TOTPVerified: true, TOTPEnabled: true, TOTPLastStep: 65_432_101}},
	{"the largest last step", store.MFA{TOTPLastStep: 1<<63 - 1}},
	{"recovery codes only", store.MFA{RecoveryCodes: [][]byte{[]byte("a"), []byte("b"), []byte("a")}}},
}

var mfaTests = []conformanceTest{
	{"MFA round trips through create and every read returning users", testMFACreateRoundTrips},
	{"MFA round trips through update and every read returning users", testMFAUpdateRoundTrips},
	{"a user stored without MFA reads back with the zero MFA", testMFAZero},
	{"consuming one recovery code keeps the others in order", testMFARecoveryCodeConsumed},
	{"two updates of TOTPLastStep from one read have one conflict", testMFAStepConflict},
	{"twenty concurrent advances of TOTPLastStep from one read have one winner", testConcurrentMFAStepAdvances},
	{"twenty callers each presenting one TOTP step accept each step once", testConcurrentMFAStepsAcceptedOnce},
	{"a failed update leaves MFA unchanged", testMFAFailedUpdate},
	{"MFA handed in or returned shares no memory with the store", testMFACopied},
	{"an MFA change is an update like any other and keeps the rest of the user", testMFAUpdateKeepsUser},
}

func testMFACreateRoundTrips(t *testing.T, st store.Store, pool string) {
	g := createGroup(t, st, pool, "mfa")
	for _, tc := range mfaCases {
		u := mfaUser(t, pool, tc.mfa)
		want := u
		want.Version = 1
		got, err := st.CreateUser(t.Context(), u)
		wantOK(t, "CreateUser with MFA "+tc.name, err)
		wantSame(t, "CreateUser result with MFA "+tc.name, got, want, normUser)
		addToGroup(t, st, pool, u.Sub, g.Name)
		t.Run(tc.name, func(t *testing.T) { wantUserEverywhere(t, st, want, g.Name) })
	}
}

func testMFAUpdateRoundTrips(t *testing.T, st store.Store, pool string) {
	g := createGroup(t, st, pool, "mfa")
	u := createUser(t, st, mfaUser(t, pool, store.MFA{}))
	addToGroup(t, st, pool, u.Sub, g.Name)
	// Each case in turn, each followed by the full state: a store that
	// merges documents instead of replacing them keeps a field that the
	// next update clears.
	var order []int
	for i := range mfaCases {
		order = append(order, i, 0)
	}
	for _, i := range order {
		tc := mfaCases[i]
		next := u
		next.MFA = tc.mfa
		want := next
		want.Version = u.Version + 1
		got, err := st.UpdateUser(t.Context(), next)
		wantOK(t, "UpdateUser to MFA "+tc.name, err)
		wantSame(t, "UpdateUser result with MFA "+tc.name, got, want, normUser)
		wantUserEverywhere(t, st, want, g.Name)
		u = got
	}
}

func testMFAZero(t *testing.T, st store.Store, pool string) {
	g := createGroup(t, st, pool, "plain")
	u := createUser(t, st, newUser(t, pool))
	addToGroup(t, st, pool, u.Sub, g.Name)
	wantUserEverywhere(t, st, u, g.Name)
	got, err := st.GetUser(t.Context(), pool, u.Sub)
	wantOK(t, "GetUser", err)
	if m := got.MFA; len(m.TOTPSecret) != 0 || len(m.RecoveryCodes) != 0 || m.TOTPLastStep != 0 ||
		m.TOTPVerified || m.TOTPEnabled || m.SMSEnabled || m.EmailEnabled || m.Preferred != "" || m.TOTPDeviceName != "" {
		t.Errorf("MFA of a user stored without one = %+v, want the zero MFA", m)
	}
}

func testMFARecoveryCodeConsumed(t *testing.T, st store.Store, pool string) {
	u := createUser(t, st, mfaUser(t, pool, fullMFA()))
	for len(u.MFA.RecoveryCodes) > 0 {
		next := u
		next.MFA.RecoveryCodes = append([][]byte{}, u.MFA.RecoveryCodes[1:]...)
		got, err := st.UpdateUser(t.Context(), next)
		wantOK(t, "UpdateUser removing a recovery code", err)
		next.Version++
		wantUserEverywhere(t, st, next, "")
		u = got
	}
	if u.Version != 1+int64(len(fullMFA().RecoveryCodes)) {
		t.Errorf("Version = %d after consuming every code, want %d", u.Version, 1+len(fullMFA().RecoveryCodes))
	}
}

func testMFAStepConflict(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	m := fullMFA()
	m.TOTPLastStep = 1000
	read := createUser(t, st, mfaUser(t, pool, m))

	first := read
	first.MFA.TOTPLastStep = 1001
	want, err := st.UpdateUser(ctx, first)
	wantOK(t, "UpdateUser accepting step 1001", err)
	if want.Version != 2 || want.MFA.TOTPLastStep != 1001 {
		t.Fatalf("UpdateUser result = version %d step %d, want version 2 step 1001", want.Version, want.MFA.TOTPLastStep)
	}
	second := read
	second.MFA.TOTPLastStep = 1002
	_, err = st.UpdateUser(ctx, second)
	wantErr(t, "UpdateUser accepting step 1002 from the same read", err, store.ErrConflict)
	replay := read
	replay.MFA.TOTPLastStep = 1001
	_, err = st.UpdateUser(ctx, replay)
	wantErr(t, "UpdateUser accepting step 1001 again from the same read", err, store.ErrConflict)
	wantUserEverywhere(t, st, want, "")
}

func testConcurrentMFAStepAdvances(t *testing.T, st store.Store, pool string) {
	m := fullMFA()
	m.TOTPLastStep = 5000
	read := createUser(t, st, mfaUser(t, pool, m))
	const n = 20
	results := make([]store.User, n)
	errs := race(n, func(i int) error {
		v := read
		v.MFA.TOTPLastStep = 5001 + int64(i)
		v.MFA.TOTPDeviceName = "writer " + strconv.Itoa(i)
		var err error
		results[i], err = st.UpdateUser(t.Context(), v)
		return err
	})
	win := tally(t, "UpdateUser", errs, 1, is(store.ErrConflict))[0]
	want := read
	want.MFA.TOTPLastStep = 5001 + int64(win)
	want.MFA.TOTPDeviceName = "writer " + strconv.Itoa(win)
	want.Version = 2
	wantSame(t, "the winner's UpdateUser result", results[win], want, normUser)
	wantUserEverywhere(t, st, want, "")
}

func testConcurrentMFAStepsAcceptedOnce(t *testing.T, st store.Store, pool string) {
	u := createUser(t, st, mfaUser(t, pool, store.MFA{TOTPSecret: []byte("s"), TOTPEnabled: true, TOTPLastStep: 100}))
	// Every caller presents step 101 or 102 twice over, reading and
	// retrying on a conflict as userpool does: each step is accepted
	// exactly once and the stored step never goes back.
	const n = 20
	accepted := make([]int64, n)
	errs := race(n, func(i int) error {
		step := 101 + int64(i%2)
		for {
			cur, err := st.GetUser(t.Context(), pool, u.Sub)
			if err != nil {
				return err
			}
			if cur.MFA.TOTPLastStep >= step {
				return nil // replay or too old: refused
			}
			cur.MFA.TOTPLastStep = step
			_, err = st.UpdateUser(t.Context(), cur)
			if errors.Is(err, store.ErrConflict) {
				continue
			}
			if err == nil {
				accepted[i] = step
			}
			return err
		}
	})
	tally(t, "accept loop", errs, n, is())
	counts := map[int64]int{}
	for _, step := range accepted {
		if step != 0 {
			counts[step]++
		}
	}
	if counts[101] > 1 || counts[102] != 1 {
		t.Errorf("accepted steps %v, want step 102 exactly once and step 101 at most once", counts)
	}
	got, err := st.GetUser(t.Context(), pool, u.Sub)
	wantOK(t, "GetUser", err)
	if got.MFA.TOTPLastStep != 102 {
		t.Errorf("stored TOTPLastStep = %d, want 102", got.MFA.TOTPLastStep)
	}
	if want := 1 + int64(counts[101]+counts[102]); got.Version != want {
		t.Errorf("Version = %d, want %d (one per accepted step)", got.Version, want)
	}
}

func testMFAFailedUpdate(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	holder := createUser(t, st, mfaUser(t, pool, store.MFA{}))
	u := createUser(t, st, mfaUser(t, pool, fullMFA()))

	taken := u
	taken.MFA = store.MFA{SMSEnabled: true, Preferred: "SMS_MFA"}
	taken.Aliases = holder.Aliases
	_, err := st.UpdateUser(ctx, taken)
	wantExists(t, "UpdateUser to a taken email", err, "email")

	stale := u
	stale.Version = 7
	stale.MFA = store.MFA{}
	_, err = st.UpdateUser(ctx, stale)
	wantErr(t, "UpdateUser with a wrong version", err, store.ErrConflict)

	missing := mfaUser(t, pool, fullMFA())
	missing.Version = 1
	_, err = st.UpdateUser(ctx, missing)
	wantErr(t, "UpdateUser of a missing user", err, store.ErrNotFound)

	wantUserEverywhere(t, st, u, "")
	wantUserEverywhere(t, st, holder, "")
}

func testMFACopied(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	g := createGroup(t, st, pool, "g")
	u := mfaUser(t, pool, fullMFA())
	want := u
	want.MFA = fullMFA()
	want.Version = 1

	// scribble changes every byte, and every element, of a returned or
	// handed-in MFA in place.
	scribble := func(m *store.MFA) {
		for i := range m.TOTPSecret {
			m.TOTPSecret[i] ^= 0x5a
		}
		for _, c := range m.RecoveryCodes {
			for i := range c {
				c[i] ^= 0xa5
			}
		}
		if len(m.RecoveryCodes) > 0 {
			m.RecoveryCodes[0] = []byte("replaced")
			m.RecoveryCodes[len(m.RecoveryCodes)-1] = nil
		}
	}

	created, err := st.CreateUser(ctx, u)
	wantOK(t, "CreateUser", err)
	scribble(&u.MFA)
	scribble(&created.MFA)
	addToGroup(t, st, pool, want.Sub, g.Name)
	wantUserEverywhere(t, st, want, g.Name)

	got, err := st.GetUser(ctx, pool, want.Sub)
	wantOK(t, "GetUser", err)
	scribble(&got.MFA)
	got, err = st.GetUserByUsername(ctx, pool, want.UsernameKey)
	wantOK(t, "GetUserByUsername", err)
	scribble(&got.MFA)
	got, err = st.GetUserByAlias(ctx, pool, "email", want.Aliases["email"])
	wantOK(t, "GetUserByAlias", err)
	scribble(&got.MFA)
	listed := listUsers(t, st, pool, store.UserQuery{Limit: 10})
	for i := range listed {
		scribble(&listed[i].MFA)
	}
	members, err := st.ListUsersInGroup(ctx, pool, g.Name, "", 10)
	wantOK(t, "ListUsersInGroup", err)
	for i := range members {
		scribble(&members[i].MFA)
	}
	wantUserEverywhere(t, st, want, g.Name)

	next := want
	next.MFA = fullMFA()
	next.MFA.TOTPLastStep = 7
	updated, err := st.UpdateUser(ctx, next)
	wantOK(t, "UpdateUser", err)
	want.MFA = fullMFA()
	want.MFA.TOTPLastStep = 7
	want.Version = 2
	scribble(&next.MFA)
	scribble(&updated.MFA)
	wantUserEverywhere(t, st, want, g.Name)
}

func testMFAUpdateKeepsUser(t *testing.T, st store.Store, pool string) {
	u := mfaUser(t, pool, store.MFA{})
	u.Attributes["custom:team"] = "blue"
	u.Password = store.PasswordCredential{Hash: "h", ChangedAt: at(-time.Hour)}
	u.CreatedAt = at(-time.Hour)
	u = createUser(t, st, u)
	next := u
	next.MFA = fullMFA()
	next.UpdatedAt = at(time.Minute)
	got, err := st.UpdateUser(t.Context(), next)
	wantOK(t, "UpdateUser", err)
	next.Version = 2
	wantSame(t, "UpdateUser result", got, next, normUser)
	wantUserEverywhere(t, st, next, "")
}
