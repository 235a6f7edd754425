package storetest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cupola-auth/cupola/store"
)

// Run runs the conformance suite against the stores newStore opens.
//
// Every subtest calls newStore and works in a pool ID of its own, drawn at
// random, so newStore may hand every subtest the same database; it should
// register any cleanup (Close, dropping a database) with t.Cleanup. The
// subtests run in parallel, so one store is used by many goroutines at
// once.
//
// Times: the suite only uses instants on whole microseconds and compares
// them with time.Time.Equal. A store must keep at least microsecond
// precision, may return times in UTC rather than the location given, and
// must return a zero time as the zero time. Inputs are sometimes given in
// a non-UTC location to catch stores that compare times as text.
//
// Records that name a subject (codes, auth sessions, refresh families) are
// only ever put for a user that exists, so a store may enforce that with a
// foreign key. ClientID fields are not backed by a stored client.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	for _, group := range []struct {
		name  string
		tests []conformanceTest
	}{
		{"Users", userTests},
		{"BulkUsers", bulkUserTests},
		{"MFA", mfaTests},
		{"UserSearch", userSearchTests},
		{"Groups", groupTests},
		{"Clients", clientTests},
		{"ResourceServers", resourceServerTests},
		{"IdentityProviders", identityProviderTests},
		{"Devices", deviceTests},
		{"Codes", codeTests},
		{"AuthSessions", authSessionTests},
		{"RefreshTokens", refreshTokenTests},
		{"SigningKeys", signingKeyTests},
		{"Lockouts", lockoutTests},
		{"Outbox", outboxTests},
		{"AuthEvents", authEventTests},
		{"Settings", settingTests},
		{"WebAuthnCredentials", webAuthnTests},
		{"Cleanup", cleanupTests},
		{"Pools", poolTests},
		{"PoolsAdmin", poolAdminTests},
		{"Concurrency", concurrencyTests},
		{"ConcurrencyAdmin", concurrencyAdminTests},
	} {
		t.Run(group.name, func(t *testing.T) {
			for _, tc := range group.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					st := newStore(t)
					if st == nil {
						t.Fatal("newStore returned nil")
					}
					tc.run(t, st, randomID(t, "pool-"))
				})
			}
		})
	}
}

// conformanceTest is one subtest of the suite. Its name is a sentence
// saying what a store must do, so a failure reads as the broken promise.
// run gets a store of its own from newStore and a pool ID nobody else
// uses, which is what lets every subtest run in parallel on one database.
// A new check is a function of its own in the table of its concern, so no
// check grows into a method that tests everything about a store at once.
type conformanceTest struct {
	name string
	run  func(t *testing.T, st store.Store, pool string)
}

// randomID returns prefix followed by 24 random hex digits.
func randomID(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random id: %v", err)
	}
	return prefix + hex.EncodeToString(b)
}

// randomHash returns 32 random bytes, the size of a SHA-256 hash.
func randomHash(t *testing.T) []byte {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random hash: %v", err)
	}
	return b
}

// itoa formats an int for subtest messages.
func itoa(i int) string { return strconv.Itoa(i) }

// sortStrings sorts in byte order, the order every listing uses.
func sortStrings(s []string) { slices.Sort(s) }

// storableText reports whether s is text every store can hold: valid UTF-8
// without NUL bytes (PostgreSQL text holds nothing else). A store may
// refuse a lookup key or cursor that is not storable with
// store.ErrInvalid; it must not answer it wrongly.
func storableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// epoch is the microsecond-aligned instant every subtest measures from.
var epoch = time.Date(2031, time.March, 14, 15, 9, 26, 535897000, time.UTC)

// at returns epoch+d.
func at(d time.Duration) time.Time { return epoch.Add(d) }

// elsewhere is a non-UTC location for inputs that must be compared as
// instants, not as text.
var elsewhere = time.FixedZone("UTC+05:30", 5*3600+30*60)

// newUser returns a minimal valid user of the pool with a random sub and
// username.
func newUser(t *testing.T, pool string) store.User {
	t.Helper()
	name := randomID(t, "user-")
	return store.User{
		PoolID:      pool,
		Sub:         randomID(t, "sub-"),
		Username:    name,
		UsernameKey: name,
		Status:      store.StatusConfirmed,
		Enabled:     true,
		CreatedAt:   at(0),
		UpdatedAt:   at(0),
	}
}

// createUser stores u and fails the test if it cannot.
func createUser(t *testing.T, st store.Store, u store.User) store.User {
	t.Helper()
	got, err := st.CreateUser(t.Context(), u)
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", u.UsernameKey, err)
	}
	return got
}

// createSubject stores a minimal user of the pool and returns its sub.
func createSubject(t *testing.T, st store.Store, pool string) string {
	t.Helper()
	return createUser(t, st, newUser(t, pool)).Sub
}

func wantOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: err = %v, want %v", what, err, target)
	}
}

func wantExists(t *testing.T, what string, err error, key string) {
	t.Helper()
	var ee *store.ExistsError
	if !errors.As(err, &ee) {
		t.Fatalf("%s: err = %v, want *store.ExistsError{Key: %q}", what, err, key)
	}
	if ee.Key != key {
		t.Fatalf("%s: ExistsError.Key = %q, want %q", what, ee.Key, key)
	}
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("%s: %v does not match store.ErrExists", what, err)
	}
}

func wantTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !normTime(got).Equal(normTime(want)) || got.IsZero() != want.IsZero() {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// wantSame compares two records after normalizing them with norm.
func wantSame[T any](t *testing.T, what string, got, want T, norm func(T) T) {
	t.Helper()
	if g, w := norm(got), norm(want); !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, g, w)
	}
}

// The norm functions below make records comparable with reflect.DeepEqual
// across stores: times become UTC microseconds, and empty maps and slices
// become nil.

func normTime(tm time.Time) time.Time {
	if tm.IsZero() {
		return time.Time{}
	}
	return tm.Truncate(time.Microsecond).UTC()
}

func normMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

func normSlice[E any](s []E) []E {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

func normUser(u store.User) store.User {
	u.Attributes = normMap(u.Attributes)
	u.Aliases = normMap(u.Aliases)
	u.Password.ExpiresAt = normTime(u.Password.ExpiresAt)
	u.Password.ChangedAt = normTime(u.Password.ChangedAt)
	u.MFA = normMFA(u.MFA)
	u.CreatedAt = normTime(u.CreatedAt)
	u.UpdatedAt = normTime(u.UpdatedAt)
	return u
}

// normMFA makes nil and empty alike for the secret, the recovery-code
// list and each code.
func normMFA(m store.MFA) store.MFA {
	m.TOTPSecret = normSlice(m.TOTPSecret)
	if len(m.RecoveryCodes) == 0 {
		m.RecoveryCodes = nil
		return m
	}
	codes := make([][]byte, len(m.RecoveryCodes))
	for i, c := range m.RecoveryCodes {
		codes[i] = normSlice(c)
	}
	m.RecoveryCodes = codes
	return m
}

func normDevice(d store.Device) store.Device {
	d.Verifier = normSlice(d.Verifier)
	d.Attributes = normMap(d.Attributes)
	d.CreatedAt = normTime(d.CreatedAt)
	d.UpdatedAt = normTime(d.UpdatedAt)
	d.LastAuthenticated = normTime(d.LastAuthenticated)
	return d
}

func normClient(c store.Client) store.Client {
	c.Secret = normSlice(c.Secret)
	st := &c.Settings
	st.ExplicitAuthFlows = normSlice(st.ExplicitAuthFlows)
	st.ReadAttributes = normSlice(st.ReadAttributes)
	st.WriteAttributes = normSlice(st.WriteAttributes)
	st.CallbackURLs = normSlice(st.CallbackURLs)
	st.LogoutURLs = normSlice(st.LogoutURLs)
	st.AllowedOAuthFlows = normSlice(st.AllowedOAuthFlows)
	st.AllowedOAuthScopes = normSlice(st.AllowedOAuthScopes)
	c.CreatedAt = normTime(c.CreatedAt)
	c.UpdatedAt = normTime(c.UpdatedAt)
	return c
}

func normCode(c store.Code) store.Code {
	c.Hash = normSlice(c.Hash)
	c.ExpiresAt = normTime(c.ExpiresAt)
	c.CreatedAt = normTime(c.CreatedAt)
	return c
}

func normSession(s store.AuthSession) store.AuthSession {
	s.Data = normSlice(s.Data)
	s.ExpiresAt = normTime(s.ExpiresAt)
	s.CreatedAt = normTime(s.CreatedAt)
	return s
}

func normFamily(f store.RefreshFamily) store.RefreshFamily {
	f.Scopes = normSlice(f.Scopes)
	f.AuthTime = normTime(f.AuthTime)
	f.CreatedAt = normTime(f.CreatedAt)
	f.ExpiresAt = normTime(f.ExpiresAt)
	f.RevokedAt = normTime(f.RevokedAt)
	return f
}

func normKey(k store.SigningKey) store.SigningKey {
	k.Private = normSlice(k.Private)
	k.Published = normTime(k.Published)
	k.Active = normTime(k.Active)
	k.Retired = normTime(k.Retired)
	k.Expires = normTime(k.Expires)
	return k
}
