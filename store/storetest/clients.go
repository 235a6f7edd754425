package storetest

import (
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// fullClient returns a client with every field set.
func fullClient(pool, id string) store.Client {
	return store.Client{
		PoolID: pool,
		ID:     id,
		Name:   "web app ✓",
		Secret: []byte{0, 1, 2, 0xfe, 0xff},
		Settings: store.ClientSettings{
			ExplicitAuthFlows:          []string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
			ReadAttributes:             []string{"email", "custom:team"},
			WriteAttributes:            []string{"name"},
			AccessTokenValidity:        time.Hour,
			IDTokenValidity:            90 * time.Minute,
			RefreshTokenValidity:       30 * 24 * time.Hour,
			AuthSessionValidity:        3 * time.Minute,
			PreventUserExistenceErrors: true,
			EnableTokenRevocation:      true,
			RefreshTokenRotation:       true,
			RotationGracePeriod:        10 * time.Second,
			CallbackURLs:               []string{"https://app.example.com/cb", "http://localhost:8080/cb"},
			LogoutURLs:                 []string{"https://app.example.com/bye"},
			AllowedOAuthFlows:          []string{"code"},
			AllowedOAuthScopes:         []string{"openid", "email"},
			CodeWithoutPKCE:            true,
			Disabled:                   true,
		},
		Version:   9,
		CreatedAt: at(-time.Hour).In(elsewhere),
		UpdatedAt: at(0),
	}
}

var clientTests = []conformanceTest{
	{"create stores version 1 and every field round trips", testClientCreateRoundTrips},
	{"a duplicate id is an ExistsError naming id and changes nothing", testClientDuplicateID},
	{"a missing client is not found", testClientMissing},
	{"update is compare-and-swap on version and keeps CreatedAt", testClientUpdateCompareAndSwap},
	{"list returns the pool's clients ordered by id", testClientList},
	{"delete removes the client", testClientDelete},
	{"records handed in or returned share no memory with the store", testClientRecordsCopied},
	{"malformed clients are invalid", testClientMalformed},
}

func testClientCreateRoundTrips(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	for name, c := range map[string]store.Client{
		"full":  fullClient(pool, "client-full"),
		"empty": {PoolID: pool, ID: "client-empty"},
	} {
		want := c
		want.Version = 1
		got, err := st.CreateClient(ctx, c)
		wantOK(t, "CreateClient "+name, err)
		wantSame(t, "CreateClient "+name+" result", got, want, normClient)
		got, err = st.GetClient(ctx, pool, c.ID)
		wantOK(t, "GetClient "+name, err)
		wantSame(t, "GetClient "+name, got, want, normClient)
	}
}

func testClientDuplicateID(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	c := fullClient(pool, "client-1")
	first, err := st.CreateClient(ctx, c)
	wantOK(t, "CreateClient", err)
	c.Name = "impostor"
	_, err = st.CreateClient(ctx, c)
	wantExists(t, "second CreateClient", err, "id")
	got, err := st.GetClient(ctx, pool, c.ID)
	wantOK(t, "GetClient", err)
	wantSame(t, "GetClient", got, first, normClient)
}

func testClientMissing(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	_, err := st.GetClient(ctx, pool, "nope")
	wantErr(t, "GetClient", err, store.ErrNotFound)
	_, err = st.UpdateClient(ctx, store.Client{PoolID: pool, ID: "nope", Version: 1})
	wantErr(t, "UpdateClient", err, store.ErrNotFound)
	wantErr(t, "DeleteClient", st.DeleteClient(ctx, pool, "nope"), store.ErrNotFound)
}

func testClientUpdateCompareAndSwap(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	c, err := st.CreateClient(ctx, fullClient(pool, "client-1"))
	wantOK(t, "CreateClient", err)

	next := c
	next.Name = "renamed"
	next.Secret = []byte("new secret")
	next.Settings = store.ClientSettings{ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH"}, AccessTokenValidity: 5 * time.Minute}
	next.UpdatedAt = at(time.Hour)
	want := next
	want.Version = 2
	next.CreatedAt = at(99 * time.Hour) // must be ignored
	got, err := st.UpdateClient(ctx, next)
	wantOK(t, "UpdateClient", err)
	wantSame(t, "UpdateClient result", got, want, normClient)

	stale := c
	stale.Name = "stale"
	_, err = st.UpdateClient(ctx, stale)
	wantErr(t, "UpdateClient with a stale version", err, store.ErrConflict)
	got, err = st.GetClient(ctx, pool, c.ID)
	wantOK(t, "GetClient", err)
	wantSame(t, "GetClient after the conflict", got, want, normClient)
}

func testClientList(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	list, err := st.ListClients(ctx, pool)
	wantOK(t, "ListClients of an empty pool", err)
	if len(list) != 0 {
		t.Fatalf("ListClients of an empty pool returned %d clients", len(list))
	}
	for _, id := range []string{"c", "a", "b", "B"} {
		_, err := st.CreateClient(ctx, fullClient(pool, id))
		wantOK(t, "CreateClient "+id, err)
	}
	list, err = st.ListClients(ctx, pool)
	wantOK(t, "ListClients", err)
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
		wantSame(t, "listed client "+c.ID, c, func() store.Client { w := fullClient(pool, c.ID); w.Version = 1; return w }(), normClient)
	}
	if want := []string{"B", "a", "b", "c"}; !equalStrings(ids, want) {
		t.Errorf("ListClients ids = %q, want %q (byte order)", ids, want)
	}
}

func testClientDelete(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	_, err := st.CreateClient(ctx, fullClient(pool, "gone"))
	wantOK(t, "CreateClient", err)
	_, err = st.CreateClient(ctx, fullClient(pool, "kept"))
	wantOK(t, "CreateClient", err)
	wantOK(t, "DeleteClient", st.DeleteClient(ctx, pool, "gone"))
	_, err = st.GetClient(ctx, pool, "gone")
	wantErr(t, "GetClient", err, store.ErrNotFound)
	wantErr(t, "second DeleteClient", st.DeleteClient(ctx, pool, "gone"), store.ErrNotFound)
	list, err := st.ListClients(ctx, pool)
	wantOK(t, "ListClients", err)
	if len(list) != 1 || list[0].ID != "kept" {
		t.Errorf("ListClients after delete = %+v, want only kept", list)
	}
	_, err = st.CreateClient(ctx, fullClient(pool, "gone"))
	wantOK(t, "CreateClient with the deleted id", err)
}

func testClientRecordsCopied(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	c := fullClient(pool, "client-1")
	created, err := st.CreateClient(ctx, c)
	wantOK(t, "CreateClient", err)
	c.Secret[0] = 'X'
	c.Settings.CallbackURLs[0] = "https://evil.example.com"
	created.Secret[1] = 'Y'
	created.Settings.ExplicitAuthFlows[0] = "CHANGED"
	got, err := st.GetClient(ctx, pool, c.ID)
	wantOK(t, "GetClient", err)
	want := fullClient(pool, "client-1")
	want.Version = 1
	wantSame(t, "GetClient", got, want, normClient)
}

func testClientMalformed(t *testing.T, st store.Store, pool string) {
	_, err := st.CreateClient(t.Context(), store.Client{PoolID: pool})
	wantErr(t, "CreateClient without id", err, store.ErrInvalid)
	_, err = st.CreateClient(t.Context(), store.Client{ID: "c"})
	wantErr(t, "CreateClient without pool id", err, store.ErrInvalid)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
