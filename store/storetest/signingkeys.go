package storetest

import (
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

func signingKey(pool, id string, published time.Time) store.SigningKey {
	return store.SigningKey{
		PoolID:    pool,
		ID:        id,
		Algorithm: "RS256",
		Private:   []byte{0x30, 0x82, 0, 0xff, byte(len(id))},
		Published: published,
		Active:    published.Add(time.Hour),
		Retired:   published.Add(90 * 24 * time.Hour).In(elsewhere),
		Expires:   published.Add(91 * 24 * time.Hour),
	}
}

var signingKeyTests = []conformanceTest{
	{"keys round trip and are listed by published time then id", testSigningKeyRoundTrips},
	{"putting a key with a known id replaces it", testSigningKeyPutReplaces},
	{"deleting a key removes it and an unknown key is not found", testSigningKeyDelete},
	{"key material handed in or returned shares no memory with the store", testSigningKeyCopied},
	{"malformed keys are invalid", testSigningKeyMalformed},
}

func testSigningKeyRoundTrips(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	list, err := st.ListSigningKeys(ctx, pool)
	wantOK(t, "ListSigningKeys of an empty pool", err)
	if len(list) != 0 {
		t.Fatalf("ListSigningKeys of an empty pool returned %d keys", len(list))
	}
	late := signingKey(pool, "a-late", at(2*time.Hour))
	second := signingKey(pool, "k2", at(time.Hour).In(elsewhere))
	first := signingKey(pool, "k1", at(time.Hour))
	bare := store.SigningKey{PoolID: pool, ID: "z-bare", Published: at(0)}
	for _, k := range []store.SigningKey{late, second, first, bare} {
		wantOK(t, "PutSigningKey "+k.ID, st.PutSigningKey(ctx, k))
	}
	list, err = st.ListSigningKeys(ctx, pool)
	wantOK(t, "ListSigningKeys", err)
	want := []store.SigningKey{bare, first, second, late}
	if len(list) != len(want) {
		t.Fatalf("ListSigningKeys returned %d keys, want %d", len(list), len(want))
	}
	for i := range want {
		wantSame(t, "key "+want[i].ID, list[i], want[i], normKey)
	}
}

func testSigningKeyPutReplaces(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	k := signingKey(pool, "k1", at(0))
	wantOK(t, "PutSigningKey", st.PutSigningKey(ctx, k))
	k.Algorithm = "ES256"
	k.Private = []byte("replaced")
	k.Retired = time.Time{}
	k.Expires = time.Time{}
	wantOK(t, "PutSigningKey replacing", st.PutSigningKey(ctx, k))
	list, err := st.ListSigningKeys(ctx, pool)
	wantOK(t, "ListSigningKeys", err)
	if len(list) != 1 {
		t.Fatalf("ListSigningKeys returned %d keys, want 1", len(list))
	}
	wantSame(t, "replaced key", list[0], k, normKey)
}

func testSigningKeyDelete(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	kept := signingKey(pool, "kept", at(0))
	wantOK(t, "PutSigningKey", st.PutSigningKey(ctx, kept))
	wantOK(t, "PutSigningKey", st.PutSigningKey(ctx, signingKey(pool, "gone", at(0))))
	wantOK(t, "DeleteSigningKey", st.DeleteSigningKey(ctx, pool, "gone"))
	wantErr(t, "second DeleteSigningKey", st.DeleteSigningKey(ctx, pool, "gone"), store.ErrNotFound)
	list, err := st.ListSigningKeys(ctx, pool)
	wantOK(t, "ListSigningKeys", err)
	if len(list) != 1 {
		t.Fatalf("ListSigningKeys returned %d keys, want 1", len(list))
	}
	wantSame(t, "remaining key", list[0], kept, normKey)
}

func testSigningKeyCopied(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	k := signingKey(pool, "k1", at(0))
	want := k
	want.Private = append([]byte{}, k.Private...)
	wantOK(t, "PutSigningKey", st.PutSigningKey(ctx, k))
	k.Private[0] = 'X'
	list, err := st.ListSigningKeys(ctx, pool)
	wantOK(t, "ListSigningKeys", err)
	list[0].Private[1] = 'Y'
	list, err = st.ListSigningKeys(ctx, pool)
	wantOK(t, "ListSigningKeys", err)
	wantSame(t, "stored key", list[0], want, normKey)
}

func testSigningKeyMalformed(t *testing.T, st store.Store, pool string) {
	wantErr(t, "PutSigningKey without id", st.PutSigningKey(t.Context(), store.SigningKey{PoolID: pool}), store.ErrInvalid)
	wantErr(t, "PutSigningKey without pool id", st.PutSigningKey(t.Context(), store.SigningKey{ID: "k"}), store.ErrInvalid)
}
