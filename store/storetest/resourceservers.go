package storetest

import (
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// newServer returns a resource server of the pool with every field set.
func newServer(pool, identifier string) store.ResourceServer {
	return store.ResourceServer{
		PoolID:     pool,
		Identifier: identifier,
		Name:       "API " + identifier,
		Scopes: []store.ResourceScope{
			{Name: "write", Description: "write things"},
			{Name: "read"},
			{Name: "admin", Description: "ünïcode ✓ \"quoted\""},
		},
		Version:   9,
		CreatedAt: at(-time.Hour).In(elsewhere),
		UpdatedAt: at(0),
	}
}

// createServer stores newServer(pool, identifier) and fails the test if it
// cannot.
func createServer(t *testing.T, st store.Store, pool, identifier string) store.ResourceServer {
	t.Helper()
	r, err := st.CreateResourceServer(t.Context(), newServer(pool, identifier))
	if err != nil {
		t.Fatalf("CreateResourceServer(%s): %v", identifier, err)
	}
	return r
}

func normServer(r store.ResourceServer) store.ResourceServer {
	r.Scopes = normSlice(r.Scopes)
	r.CreatedAt = normTime(r.CreatedAt)
	r.UpdatedAt = normTime(r.UpdatedAt)
	return r
}

func identifiers(rs []store.ResourceServer) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Identifier)
	}
	return out
}

var resourceServerTests = []conformanceTest{
	{"create stores version 1 and every field round trips", testResourceServerCreateRoundTrips},
	{"a duplicate identifier is an ExistsError naming identifier and changes nothing", testResourceServerDuplicateIdentifier},
	{"a missing resource server is not found", testResourceServerMissing},
	{"update is compare-and-swap on version and keeps CreatedAt", testResourceServerUpdateCompareAndSwap},
	{"list returns the pool's servers ordered by identifier", testResourceServerList},
	{"delete removes the server", testResourceServerDelete},
	{"records handed in or returned share no memory with the store", testResourceServerRecordsCopied},
	{"malformed resource servers are invalid", testResourceServerMalformed},
}

func testResourceServerCreateRoundTrips(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	for _, r := range []store.ResourceServer{
		newServer(pool, "https://api.example.com"),
		{PoolID: pool, Identifier: "bare"},
		{PoolID: pool, Identifier: "one-scope", Name: "n", Scopes: []store.ResourceScope{{Name: "only"}}},
	} {
		want := r
		want.Version = 1
		got, err := st.CreateResourceServer(ctx, r)
		wantOK(t, "CreateResourceServer "+r.Identifier, err)
		wantSame(t, "CreateResourceServer "+r.Identifier+" result", got, want, normServer)
		got, err = st.GetResourceServer(ctx, pool, r.Identifier)
		wantOK(t, "GetResourceServer "+r.Identifier, err)
		wantSame(t, "GetResourceServer "+r.Identifier, got, want, normServer)
	}
}

func testResourceServerDuplicateIdentifier(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	first := createServer(t, st, pool, "api")
	dup := newServer(pool, "api")
	dup.Name = "impostor"
	dup.Scopes = nil
	_, err := st.CreateResourceServer(ctx, dup)
	wantExists(t, "second CreateResourceServer", err, "identifier")
	got, err := st.GetResourceServer(ctx, pool, "api")
	wantOK(t, "GetResourceServer", err)
	wantSame(t, "GetResourceServer", got, first, normServer)

	upper, err := st.CreateResourceServer(ctx, newServer(pool, "API"))
	wantOK(t, "CreateResourceServer of an identifier differing in case", err)
	got, err = st.GetResourceServer(ctx, pool, "API")
	wantOK(t, "GetResourceServer API", err)
	wantSame(t, "GetResourceServer API", got, upper, normServer)
}

func testResourceServerMissing(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	_, err := st.GetResourceServer(ctx, pool, "nope")
	wantErr(t, "GetResourceServer", err, store.ErrNotFound)
	_, err = st.UpdateResourceServer(ctx, store.ResourceServer{PoolID: pool, Identifier: "nope", Version: 1})
	wantErr(t, "UpdateResourceServer", err, store.ErrNotFound)
	wantErr(t, "DeleteResourceServer", st.DeleteResourceServer(ctx, pool, "nope"), store.ErrNotFound)
}

func testResourceServerUpdateCompareAndSwap(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	r := createServer(t, st, pool, "api")

	next := r
	next.Name = "renamed"
	next.Scopes = []store.ResourceScope{{Name: "read", Description: "now described"}, {Name: "new"}}
	next.UpdatedAt = at(time.Hour).In(elsewhere)
	want := next
	want.Version = 2
	next.CreatedAt = at(99 * time.Hour) // must be ignored
	got, err := st.UpdateResourceServer(ctx, next)
	wantOK(t, "UpdateResourceServer", err)
	wantSame(t, "UpdateResourceServer result", got, want, normServer)
	got, err = st.GetResourceServer(ctx, pool, r.Identifier)
	wantOK(t, "GetResourceServer", err)
	wantSame(t, "GetResourceServer after update", got, want, normServer)

	stale := r
	stale.Name = "stale"
	_, err = st.UpdateResourceServer(ctx, stale)
	wantErr(t, "UpdateResourceServer with version 1", err, store.ErrConflict)
	future := want
	future.Version = 7
	_, err = st.UpdateResourceServer(ctx, future)
	wantErr(t, "UpdateResourceServer with a version from the future", err, store.ErrConflict)
	got, err = st.GetResourceServer(ctx, pool, r.Identifier)
	wantOK(t, "GetResourceServer", err)
	wantSame(t, "GetResourceServer after conflicts", got, want, normServer)

	got.Scopes = nil
	got, err = st.UpdateResourceServer(ctx, got)
	wantOK(t, "UpdateResourceServer removing every scope", err)
	want.Scopes, want.Version = nil, 3
	wantSame(t, "UpdateResourceServer removing every scope", got, want, normServer)
	got, err = st.GetResourceServer(ctx, pool, r.Identifier)
	wantOK(t, "GetResourceServer", err)
	wantSame(t, "GetResourceServer after removing every scope", got, want, normServer)
}

func testResourceServerList(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	list, err := st.ListResourceServers(ctx, pool)
	wantOK(t, "ListResourceServers of an empty pool", err)
	if len(list) != 0 {
		t.Fatalf("ListResourceServers of an empty pool returned %d servers", len(list))
	}
	for _, id := range []string{"https://b.example.com", "https://a.example.com/x", "https://a.example.com", "API", "api", "é"} {
		createServer(t, st, pool, id)
	}
	list, err = st.ListResourceServers(ctx, pool)
	wantOK(t, "ListResourceServers", err)
	want := []string{"API", "api", "https://a.example.com", "https://a.example.com/x", "https://b.example.com", "é"}
	if got := identifiers(list); !equalStrings(got, want) {
		t.Fatalf("ListResourceServers = %q, want %q (byte order)", got, want)
	}
	for _, r := range list {
		w := newServer(pool, r.Identifier)
		w.Version = 1
		wantSame(t, "listed server "+r.Identifier, r, w, normServer)
	}
}

func testResourceServerDelete(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	createServer(t, st, pool, "gone")
	createServer(t, st, pool, "kept")
	wantOK(t, "DeleteResourceServer", st.DeleteResourceServer(ctx, pool, "gone"))
	_, err := st.GetResourceServer(ctx, pool, "gone")
	wantErr(t, "GetResourceServer", err, store.ErrNotFound)
	wantErr(t, "second DeleteResourceServer", st.DeleteResourceServer(ctx, pool, "gone"), store.ErrNotFound)
	list, err := st.ListResourceServers(ctx, pool)
	wantOK(t, "ListResourceServers", err)
	if got := identifiers(list); !equalStrings(got, []string{"kept"}) {
		t.Errorf("ListResourceServers after delete = %q, want only kept", got)
	}
	createServer(t, st, pool, "gone") // the identifier is free again
}

func testResourceServerRecordsCopied(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	r := newServer(pool, "api")
	created, err := st.CreateResourceServer(ctx, r)
	wantOK(t, "CreateResourceServer", err)
	r.Scopes[0].Name = "changed by caller"
	created.Scopes[1].Description = "changed through result"
	got, err := st.GetResourceServer(ctx, pool, "api")
	wantOK(t, "GetResourceServer", err)
	got.Scopes[2].Name = "changed through get"
	list, err := st.ListResourceServers(ctx, pool)
	wantOK(t, "ListResourceServers", err)
	list[0].Scopes[0].Name = "changed through list"
	got, err = st.GetResourceServer(ctx, pool, "api")
	wantOK(t, "GetResourceServer", err)
	want := newServer(pool, "api")
	want.Version = 1
	wantSame(t, "GetResourceServer", got, want, normServer)
}

func testResourceServerMalformed(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	_, err := st.CreateResourceServer(ctx, store.ResourceServer{PoolID: pool})
	wantErr(t, "CreateResourceServer without identifier", err, store.ErrInvalid)
	_, err = st.CreateResourceServer(ctx, store.ResourceServer{Identifier: "api"})
	wantErr(t, "CreateResourceServer without pool id", err, store.ErrInvalid)
	createServer(t, st, pool, "api")
	_, err = st.UpdateResourceServer(ctx, store.ResourceServer{PoolID: pool, Version: 1})
	wantErr(t, "UpdateResourceServer without identifier", err, store.ErrInvalid)
}
