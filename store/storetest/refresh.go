package storetest

import (
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// familyLife is how long after epoch the suite's families expire.
const familyLife = 30 * 24 * time.Hour

// createFamily stores a live family for sub and returns it with the hash of
// its current token.
func createFamily(t *testing.T, st store.Store, pool, sub string) (store.RefreshFamily, []byte) {
	t.Helper()
	f := store.RefreshFamily{
		PoolID:    pool,
		ID:        randomID(t, "fam-"),
		Subject:   sub,
		ClientID:  "client-1",
		Scopes:    []string{"openid", "email", "aws.cognito.signin.user.admin"},
		AuthTime:  at(-time.Second).In(elsewhere),
		DeviceKey: "us-east-1_device",
		CreatedAt: at(0),
		ExpiresAt: at(familyLife),
	}
	h := randomHash(t)
	wantOK(t, "CreateFamily", st.CreateFamily(t.Context(), f, h))
	return f, h
}

// wantToken checks which family a token hash belongs to and whether it is
// the current one.
func wantToken(t *testing.T, st store.Store, pool string, hash []byte, familyID string, current bool) {
	t.Helper()
	f, cur, err := st.FamilyByToken(t.Context(), pool, hash)
	wantOK(t, "FamilyByToken", err)
	if f.ID != familyID || cur != current {
		t.Errorf("FamilyByToken = (family %s, current %v), want (family %s, current %v)", f.ID, cur, familyID, current)
	}
}

var refreshTokenTests = []conformanceTest{
	{"a family round trips and its first token is current", testRefreshFamilyRoundTrips},
	{"an unknown family or token is not found", testRefreshUnknown},
	{"a duplicate family id is an ExistsError", testRefreshDuplicateFamily},
	{"rotating the current token makes the next one current", testRefreshRotate},
	{"a token rotated less than grace ago rotates again", testRefreshWithinGrace},
	{"a token rotated grace or more ago is reuse and revokes the family", testRefreshReuseAfterGrace},
	{"without grace a rotated token is reuse even at the same instant", testRefreshReuseWithoutGrace},
	{"an expired family is not found and left as it was", testRefreshExpiredFamily},
	{"a revoked family refuses every token of it", testRefreshRevokedFamily},
	{"revoking a family again keeps the first revocation time", testRefreshRevokeAgain},
	{"revoking a subject's families touches only its live families", testRefreshRevokeSubject},
	{"scopes handed in share no memory with the store", testRefreshScopesCopied},
	{"malformed families are invalid", testRefreshMalformed},
}

func testRefreshFamilyRoundTrips(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	f, h := createFamily(t, st, pool, createSubject(t, st, pool))
	got, err := st.GetFamily(ctx, pool, f.ID)
	wantOK(t, "GetFamily", err)
	wantSame(t, "GetFamily", got, f, normFamily)
	got, current, err := st.FamilyByToken(ctx, pool, h)
	wantOK(t, "FamilyByToken", err)
	wantSame(t, "FamilyByToken", got, f, normFamily)
	if !current {
		t.Error("FamilyByToken reports the first token as not current")
	}
}

func testRefreshUnknown(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	createFamily(t, st, pool, createSubject(t, st, pool))
	_, err := st.GetFamily(ctx, pool, "no-such-family")
	wantErr(t, "GetFamily", err, store.ErrNotFound)
	_, _, err = st.FamilyByToken(ctx, pool, randomHash(t))
	wantErr(t, "FamilyByToken", err, store.ErrNotFound)
	_, err = st.RotateRefresh(ctx, pool, randomHash(t), randomHash(t), at(0), time.Minute)
	wantErr(t, "RotateRefresh", err, store.ErrNotFound)
	wantErr(t, "RevokeFamily", st.RevokeFamily(ctx, pool, "no-such-family", at(0)), store.ErrNotFound)
}

func testRefreshDuplicateFamily(t *testing.T, st store.Store, pool string) {
	f, h := createFamily(t, st, pool, createSubject(t, st, pool))
	dup := f
	dup.ClientID = "other"
	err := st.CreateFamily(t.Context(), dup, randomHash(t))
	wantExists(t, "second CreateFamily", err, "id")
	got, err := st.GetFamily(t.Context(), pool, f.ID)
	wantOK(t, "GetFamily", err)
	wantSame(t, "GetFamily", got, f, normFamily)
	wantToken(t, st, pool, h, f.ID, true)
}

func testRefreshRotate(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	f, t1 := createFamily(t, st, pool, createSubject(t, st, pool))
	t2, t3 := randomHash(t), randomHash(t)
	got, err := st.RotateRefresh(ctx, pool, t1, t2, at(time.Hour), 0)
	wantOK(t, "RotateRefresh t1→t2", err)
	wantSame(t, "RotateRefresh result", got, f, normFamily)
	wantToken(t, st, pool, t1, f.ID, false)
	wantToken(t, st, pool, t2, f.ID, true)
	_, err = st.RotateRefresh(ctx, pool, t2, t3, at(2*time.Hour).In(elsewhere), 0)
	wantOK(t, "RotateRefresh t2→t3", err)
	wantToken(t, st, pool, t2, f.ID, false)
	wantToken(t, st, pool, t3, f.ID, true)
	got, err = st.GetFamily(ctx, pool, f.ID)
	wantOK(t, "GetFamily", err)
	wantSame(t, "GetFamily after rotations", got, f, normFamily)
}

func testRefreshWithinGrace(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	const grace = 10 * time.Second
	f, t1 := createFamily(t, st, pool, createSubject(t, st, pool))
	t2, t3 := randomHash(t), randomHash(t)
	_, err := st.RotateRefresh(ctx, pool, t1, t2, at(time.Hour), grace)
	wantOK(t, "RotateRefresh t1→t2", err)
	got, err := st.RotateRefresh(ctx, pool, t1, t3, at(time.Hour+grace-time.Microsecond).In(elsewhere), grace)
	wantOK(t, "RotateRefresh of t1 again within grace", err)
	wantSame(t, "RotateRefresh result", got, f, normFamily)
	wantToken(t, st, pool, t1, f.ID, false)
	wantToken(t, st, pool, t2, f.ID, false)
	wantToken(t, st, pool, t3, f.ID, true)
	got, err = st.GetFamily(ctx, pool, f.ID)
	wantOK(t, "GetFamily", err)
	wantTime(t, "RevokedAt after a retry within grace", got.RevokedAt, time.Time{})
}

func testRefreshReuseAfterGrace(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	const grace = 10 * time.Second
	f, t1 := createFamily(t, st, pool, createSubject(t, st, pool))
	t2 := randomHash(t)
	_, err := st.RotateRefresh(ctx, pool, t1, t2, at(time.Hour), grace)
	wantOK(t, "RotateRefresh t1→t2", err)
	_, err = st.RotateRefresh(ctx, pool, t1, randomHash(t), at(time.Hour+grace), grace)
	wantErr(t, "RotateRefresh of t1 at the end of grace", err, store.ErrTokenReuse)
	got, err := st.GetFamily(ctx, pool, f.ID)
	wantOK(t, "GetFamily", err)
	wantTime(t, "RevokedAt", got.RevokedAt, at(time.Hour+grace))
	_, err = st.RotateRefresh(ctx, pool, t2, randomHash(t), at(time.Hour+grace), grace)
	wantErr(t, "RotateRefresh of the current token after reuse", err, store.ErrRevoked)
}

func testRefreshReuseWithoutGrace(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	f, t1 := createFamily(t, st, pool, createSubject(t, st, pool))
	_, err := st.RotateRefresh(ctx, pool, t1, randomHash(t), at(time.Hour), 0)
	wantOK(t, "RotateRefresh", err)
	_, err = st.RotateRefresh(ctx, pool, t1, randomHash(t), at(time.Hour), 0)
	wantErr(t, "RotateRefresh of the rotated token", err, store.ErrTokenReuse)
	got, err := st.GetFamily(ctx, pool, f.ID)
	wantOK(t, "GetFamily", err)
	wantTime(t, "RevokedAt", got.RevokedAt, at(time.Hour))
}

func testRefreshExpiredFamily(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	f, t1 := createFamily(t, st, pool, createSubject(t, st, pool))
	_, err := st.RotateRefresh(ctx, pool, t1, randomHash(t), at(familyLife), time.Minute)
	wantErr(t, "RotateRefresh at expiry", err, store.ErrNotFound)
	got, err := st.GetFamily(ctx, pool, f.ID)
	wantOK(t, "GetFamily", err)
	wantSame(t, "GetFamily after the refused rotation", got, f, normFamily)
	wantToken(t, st, pool, t1, f.ID, true)
	_, err = st.RotateRefresh(ctx, pool, t1, randomHash(t), at(familyLife-time.Microsecond).In(elsewhere), time.Minute)
	wantOK(t, "RotateRefresh a microsecond before expiry", err)
}

func testRefreshRevokedFamily(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	f, t1 := createFamily(t, st, pool, createSubject(t, st, pool))
	t2 := randomHash(t)
	_, err := st.RotateRefresh(ctx, pool, t1, t2, at(time.Hour), time.Minute)
	wantOK(t, "RotateRefresh", err)
	wantOK(t, "RevokeFamily", st.RevokeFamily(ctx, pool, f.ID, at(2*time.Hour)))

	for name, h := range map[string][]byte{"current": t2, "rotated": t1} {
		_, err = st.RotateRefresh(ctx, pool, h, randomHash(t), at(time.Hour), time.Minute)
		wantErr(t, "RotateRefresh of the "+name+" token", err, store.ErrRevoked)
	}
	got, current, err := st.FamilyByToken(ctx, pool, t2)
	wantOK(t, "FamilyByToken of a revoked family", err)
	if !current {
		t.Error("FamilyByToken: the current token of a revoked family is reported as rotated")
	}
	wantTime(t, "RevokedAt", got.RevokedAt, at(2*time.Hour))
}

func testRefreshRevokeAgain(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	f, _ := createFamily(t, st, pool, createSubject(t, st, pool))
	wantOK(t, "RevokeFamily", st.RevokeFamily(ctx, pool, f.ID, at(time.Hour)))
	wantOK(t, "second RevokeFamily", st.RevokeFamily(ctx, pool, f.ID, at(2*time.Hour)))
	got, err := st.GetFamily(ctx, pool, f.ID)
	wantOK(t, "GetFamily", err)
	wantTime(t, "RevokedAt", got.RevokedAt, at(time.Hour))
}

func testRefreshRevokeSubject(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	alice, bob := createSubject(t, st, pool), createSubject(t, st, pool)
	live1, _ := createFamily(t, st, pool, alice)
	live2, _ := createFamily(t, st, pool, alice)
	revoked, _ := createFamily(t, st, pool, alice)
	wantOK(t, "RevokeFamily", st.RevokeFamily(ctx, pool, revoked.ID, at(time.Minute)))
	other, otherToken := createFamily(t, st, pool, bob)

	wantOK(t, "RevokeSubjectFamilies", st.RevokeSubjectFamilies(ctx, pool, alice, at(time.Hour)))
	for id, want := range map[string]time.Time{
		live1.ID:   at(time.Hour),
		live2.ID:   at(time.Hour),
		revoked.ID: at(time.Minute),
		other.ID:   {},
	} {
		got, err := st.GetFamily(ctx, pool, id)
		wantOK(t, "GetFamily", err)
		wantTime(t, "RevokedAt of "+id, got.RevokedAt, want)
	}
	_, err := st.RotateRefresh(ctx, pool, otherToken, randomHash(t), at(2*time.Hour), 0)
	wantOK(t, "RotateRefresh of the other subject's family", err)
	wantOK(t, "RevokeSubjectFamilies of a subject without families", st.RevokeSubjectFamilies(ctx, pool, "no-such-sub", at(0)))
}

func testRefreshScopesCopied(t *testing.T, st store.Store, pool string) {
	f, _ := createFamily(t, st, pool, createSubject(t, st, pool))
	want := f
	want.Scopes = append([]string{}, f.Scopes...)
	f.Scopes[0] = "admin"
	got, err := st.GetFamily(t.Context(), pool, f.ID)
	wantOK(t, "GetFamily", err)
	got.Scopes[1] = "changed"
	got, err = st.GetFamily(t.Context(), pool, f.ID)
	wantOK(t, "GetFamily", err)
	wantSame(t, "GetFamily", got, want, normFamily)
}

func testRefreshMalformed(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	for _, tc := range []struct {
		name   string
		modify func(*store.RefreshFamily, *[]byte)
	}{
		{"pool id missing", func(f *store.RefreshFamily, _ *[]byte) { f.PoolID = "" }},
		{"id missing", func(f *store.RefreshFamily, _ *[]byte) { f.ID = "" }},
		{"expiry missing", func(f *store.RefreshFamily, _ *[]byte) { f.ExpiresAt = time.Time{} }},
		{"token hash missing", func(_ *store.RefreshFamily, h *[]byte) { *h = nil }},
	} {
		f := store.RefreshFamily{PoolID: pool, ID: randomID(t, "fam-"), Subject: sub, ExpiresAt: at(time.Hour)}
		h := randomHash(t)
		tc.modify(&f, &h)
		wantErr(t, "CreateFamily with "+tc.name, st.CreateFamily(t.Context(), f, h), store.ErrInvalid)
	}
}
