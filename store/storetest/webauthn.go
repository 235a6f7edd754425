package storetest

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// newPasskey is a passkey of sub with every field set, its ID random
// bytes no text column keeps.
func newPasskey(t *testing.T, pool, sub string) store.WebAuthnCredential {
	id := append([]byte{0, 0xff}, randomHash(t)...)
	return store.WebAuthnCredential{
		PoolID: pool, Subject: sub, ID: id, PublicKey: []byte("\xa5\x01\x02\x03\x26 cose key \x00"),
		AttestationType: "none", AttestationFormat: "packed", AAGUID: bytes.Repeat([]byte{0xad}, 16),
		SignCount: 7, Transports: []string{"internal", "hybrid"}, UserVerified: true, BackupEligible: true, BackupState: true,
		Name: "Pixel ✓", RelyingPartyID: "auth.example.com", CreatedAt: at(time.Hour).In(elsewhere),
	}
}

func normPasskey(c store.WebAuthnCredential) store.WebAuthnCredential {
	c.ID, c.PublicKey, c.AAGUID = normSlice(c.ID), normSlice(c.PublicKey), normSlice(c.AAGUID)
	c.Transports = normSlice(c.Transports)
	c.CreatedAt, c.LastUsedAt = normTime(c.CreatedAt), normTime(c.LastUsedAt)
	return c
}

func createPasskey(t *testing.T, st store.Store, c store.WebAuthnCredential, max int) {
	t.Helper()
	wantOK(t, "CreateWebAuthnCredential", st.CreateWebAuthnCredential(t.Context(), c, max))
}

func wantPasskey(t *testing.T, st store.Store, want store.WebAuthnCredential) {
	t.Helper()
	got, err := st.GetWebAuthnCredential(t.Context(), want.PoolID, want.ID)
	wantOK(t, "GetWebAuthnCredential", err)
	wantSame(t, "GetWebAuthnCredential", got, want, normPasskey)
}

func wantNoPasskey(t *testing.T, st store.Store, pool string, id []byte) {
	t.Helper()
	_, err := st.GetWebAuthnCredential(t.Context(), pool, id)
	wantErr(t, "GetWebAuthnCredential", err, store.ErrNotFound)
}

func passkeyIDs(cs []store.WebAuthnCredential) [][]byte {
	var out [][]byte
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

var webAuthnTests = []conformanceTest{
	{"every field round trips, and a minimal credential reads back with nils", testPasskeyRoundTrip},
	{"a credential ID is unique in a pool, not across pools", testPasskeyIDUniquePerPool},
	{"a credential of an unknown user is not found and nothing is stored", testPasskeyUnknownUser},
	{"a malformed credential is invalid and nothing is stored", testPasskeyInvalid},
	{"the per-user limit refuses the one too many", testPasskeyLimit},
	{"listing is by ID byte order and pages", testPasskeyList},
	{"a use moves the counter forward only", testPasskeyUse},
	{"a flagged credential is refused at use", testPasskeyFlag},
	{"delete removes only the user's own credential", testPasskeyDelete},
	{"deleting the user deletes its passkeys", testPasskeyDeleteUser},
	{"twenty racing creates at the limit have one winner", testPasskeyConcurrentLimit},
	{"twenty racing uses of one counter value have one winner", testPasskeyConcurrentUse},
}

func testPasskeyRoundTrip(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	full := newPasskey(t, pool, sub)
	createPasskey(t, st, full, 0)
	wantPasskey(t, st, full)
	min := store.WebAuthnCredential{PoolID: pool, Subject: sub, ID: []byte{1}, PublicKey: []byte{2}}
	createPasskey(t, st, min, 0)
	got, err := st.GetWebAuthnCredential(t.Context(), pool, min.ID)
	wantOK(t, "GetWebAuthnCredential", err)
	if got.AAGUID != nil || got.Transports != nil || !got.CreatedAt.IsZero() || !got.LastUsedAt.IsZero() {
		t.Errorf("a minimal credential read back as %+v", got)
	}
	if other := createSubject(t, st, randomID(t, "pool-")); other != "" {
		wantNoPasskey(t, st, randomID(t, "pool-"), full.ID)
	}
}

func testPasskeyIDUniquePerPool(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	c := newPasskey(t, pool, sub)
	createPasskey(t, st, c, 0)
	again := c
	again.Subject = createSubject(t, st, pool)
	wantExists(t, "CreateWebAuthnCredential of a taken ID", st.CreateWebAuthnCredential(t.Context(), again, 0), "credential")
	wantPasskey(t, st, c)
	other := randomID(t, "pool-")
	elsewhereC := c
	elsewhereC.PoolID, elsewhereC.Subject = other, createSubject(t, st, other)
	createPasskey(t, st, elsewhereC, 0)
	wantPasskey(t, st, c)
	wantPasskey(t, st, elsewhereC)
}

func testPasskeyUnknownUser(t *testing.T, st store.Store, pool string) {
	c := newPasskey(t, pool, "no-such-user")
	wantErr(t, "CreateWebAuthnCredential for an unknown user", st.CreateWebAuthnCredential(t.Context(), c, 0), store.ErrNotFound)
	wantNoPasskey(t, st, pool, c.ID)
}

func testPasskeyInvalid(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	for name, edit := range map[string]func(*store.WebAuthnCredential){
		"no pool":             func(c *store.WebAuthnCredential) { c.PoolID = "" },
		"no subject":          func(c *store.WebAuthnCredential) { c.Subject = "" },
		"no ID":               func(c *store.WebAuthnCredential) { c.ID = nil },
		"an ID too long":      func(c *store.WebAuthnCredential) { c.ID = make([]byte, store.MaxWebAuthnCredentialID+1) },
		"no key":              func(c *store.WebAuthnCredential) { c.PublicKey = nil },
		"a key too long":      func(c *store.WebAuthnCredential) { c.PublicKey = make([]byte, store.MaxWebAuthnPublicKey+1) },
		"too many transports": func(c *store.WebAuthnCredential) { c.Transports = make([]string, store.MaxWebAuthnTransports+1) },
		"a name too long":     func(c *store.WebAuthnCredential) { c.Name = strings.Repeat("n", store.MaxWebAuthnName+1) },
		"a short AAGUID":      func(c *store.WebAuthnCredential) { c.AAGUID = []byte{1} },
	} {
		c := newPasskey(t, pool, sub)
		edit(&c)
		if err := st.CreateWebAuthnCredential(t.Context(), c, 0); !strings.Contains(errString(err), store.ErrInvalid.Error()) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	list, err := st.ListWebAuthnCredentials(t.Context(), pool, sub, nil, 0)
	wantOK(t, "ListWebAuthnCredentials", err)
	if len(list) != 0 {
		t.Errorf("invalid credentials were stored: %d", len(list))
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func testPasskeyLimit(t *testing.T, st store.Store, pool string) {
	sub, other := createSubject(t, st, pool), createSubject(t, st, pool)
	for range 3 {
		createPasskey(t, st, newPasskey(t, pool, sub), 3)
	}
	extra := newPasskey(t, pool, sub)
	wantErr(t, "the fourth passkey", st.CreateWebAuthnCredential(t.Context(), extra, 3), store.ErrLimit)
	wantNoPasskey(t, st, pool, extra.ID)
	createPasskey(t, st, newPasskey(t, pool, other), 3) // another user's count is their own
	createPasskey(t, st, extra, 0)                      // no limit
}

func testPasskeyList(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	var ids [][]byte
	for _, id := range [][]byte{{0x80}, {0x01, 0xff}, {0x01}, {0xff, 0x00}, {0x7f}} {
		c := newPasskey(t, pool, sub)
		c.ID = id
		createPasskey(t, st, c, 0)
		ids = append(ids, id)
	}
	createPasskey(t, st, newPasskey(t, pool, createSubject(t, st, pool)), 0) // another user's
	slices.SortFunc(ids, bytes.Compare)
	all, err := st.ListWebAuthnCredentials(t.Context(), pool, sub, nil, 0)
	wantOK(t, "ListWebAuthnCredentials", err)
	if got := passkeyIDs(all); !slices.EqualFunc(got, ids, bytes.Equal) {
		t.Fatalf("listed %x, want %x", got, ids)
	}
	var paged [][]byte
	var after []byte
	for {
		page, err := st.ListWebAuthnCredentials(t.Context(), pool, sub, after, 2)
		wantOK(t, "ListWebAuthnCredentials page", err)
		if len(page) > 2 {
			t.Fatalf("a page of %d, limit 2", len(page))
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, passkeyIDs(page)...)
		after = page[len(page)-1].ID
	}
	if !slices.EqualFunc(paged, ids, bytes.Equal) {
		t.Fatalf("paged %x, want %x", paged, ids)
	}
	none, err := st.ListWebAuthnCredentials(t.Context(), pool, "nobody", nil, 10)
	wantOK(t, "ListWebAuthnCredentials of nobody", err)
	if len(none) != 0 {
		t.Fatalf("an unknown user has %d passkeys", len(none))
	}
}

func testPasskeyUse(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	sub := createSubject(t, st, pool)
	c := newPasskey(t, pool, sub)
	createPasskey(t, st, c, 0)
	use := store.WebAuthnUse{SignCount: 8, BackupState: false, At: at(2 * time.Hour).In(elsewhere)}
	wantOK(t, "UseWebAuthnCredential forward", st.UseWebAuthnCredential(ctx, pool, c.ID, use))
	c.SignCount, c.BackupState, c.LastUsedAt = 8, false, use.At
	wantPasskey(t, st, c)
	for _, n := range []uint32{8, 3, 0} {
		err := st.UseWebAuthnCredential(ctx, pool, c.ID, store.WebAuthnUse{SignCount: n, At: at(3 * time.Hour)})
		wantErr(t, "UseWebAuthnCredential with counter "+itoa(int(n)), err, store.ErrConflict)
	}
	wantPasskey(t, st, c)
	wantErr(t, "UseWebAuthnCredential of an unknown credential", st.UseWebAuthnCredential(ctx, pool, []byte("nope"), use), store.ErrNotFound)
	wantErr(t, "UseWebAuthnCredential in another pool", st.UseWebAuthnCredential(ctx, randomID(t, "pool-"), c.ID, use), store.ErrNotFound)

	zero := newPasskey(t, pool, sub) // an authenticator without a counter
	zero.SignCount = 0
	createPasskey(t, st, zero, 0)
	for i := range 3 {
		wantOK(t, "UseWebAuthnCredential 0/0", st.UseWebAuthnCredential(ctx, pool, zero.ID, store.WebAuthnUse{At: at(time.Duration(i+4) * time.Hour)}))
	}
	zero.LastUsedAt, zero.BackupState = at(6*time.Hour), false
	wantPasskey(t, st, zero)
}

func testPasskeyFlag(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	c := newPasskey(t, pool, createSubject(t, st, pool))
	createPasskey(t, st, c, 0)
	wantOK(t, "FlagWebAuthnCredential", st.FlagWebAuthnCredential(ctx, pool, c.ID))
	c.CloneWarning = true
	wantPasskey(t, st, c)
	wantErr(t, "UseWebAuthnCredential of a flagged credential", st.UseWebAuthnCredential(ctx, pool, c.ID, store.WebAuthnUse{SignCount: 100, At: at(time.Hour)}), store.ErrConflict)
	wantPasskey(t, st, c)
	wantErr(t, "FlagWebAuthnCredential of an unknown credential", st.FlagWebAuthnCredential(ctx, pool, []byte("nope")), store.ErrNotFound)
}

func testPasskeyDelete(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	sub, other := createSubject(t, st, pool), createSubject(t, st, pool)
	c := newPasskey(t, pool, sub)
	createPasskey(t, st, c, 0)
	wantErr(t, "DeleteWebAuthnCredential by another user", st.DeleteWebAuthnCredential(ctx, pool, other, c.ID), store.ErrNotFound)
	wantPasskey(t, st, c)
	wantOK(t, "DeleteWebAuthnCredential", st.DeleteWebAuthnCredential(ctx, pool, sub, c.ID))
	wantNoPasskey(t, st, pool, c.ID)
	wantErr(t, "DeleteWebAuthnCredential again", st.DeleteWebAuthnCredential(ctx, pool, sub, c.ID), store.ErrNotFound)
}

func testPasskeyDeleteUser(t *testing.T, st store.Store, pool string) {
	sub, other := createSubject(t, st, pool), createSubject(t, st, pool)
	mine, theirs := newPasskey(t, pool, sub), newPasskey(t, pool, other)
	createPasskey(t, st, mine, 0)
	createPasskey(t, st, theirs, 0)
	wantOK(t, "DeleteUser", st.DeleteUser(t.Context(), pool, sub))
	wantNoPasskey(t, st, pool, mine.ID)
	wantPasskey(t, st, theirs)
}

func testPasskeyConcurrentLimit(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	createPasskey(t, st, newPasskey(t, pool, sub), 2)
	cs := make([]store.WebAuthnCredential, 20)
	for i := range cs {
		cs[i] = newPasskey(t, pool, sub)
	}
	errs := race(len(cs), func(i int) error { return st.CreateWebAuthnCredential(t.Context(), cs[i], 2) })
	tally(t, "racing creates at the limit", errs, 1, is(store.ErrLimit))
	list, err := st.ListWebAuthnCredentials(t.Context(), pool, sub, nil, 0)
	wantOK(t, "ListWebAuthnCredentials", err)
	if len(list) != 2 {
		t.Fatalf("%d passkeys after the race, want 2", len(list))
	}
}

func testPasskeyConcurrentUse(t *testing.T, st store.Store, pool string) {
	c := newPasskey(t, pool, createSubject(t, st, pool))
	createPasskey(t, st, c, 0)
	errs := race(20, func(int) error {
		return st.UseWebAuthnCredential(t.Context(), pool, c.ID, store.WebAuthnUse{SignCount: 9, At: at(time.Hour)})
	})
	tally(t, "racing uses of counter 9", errs, 1, is(store.ErrConflict))
}
