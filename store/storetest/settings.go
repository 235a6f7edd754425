package storetest

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// newSetting returns a setting of the pool to create (Version 0), its
// document naming its key and holding bytes no text column keeps.
func newSetting(pool, kind, scope string) store.Setting {
	return store.Setting{
		PoolID:    pool,
		Kind:      kind,
		Scope:     scope,
		Document:  []byte("{\"kind\":\"" + kind + "\",\"scope\":\"" + scope + "\"}\x00\xff"),
		UpdatedAt: at(time.Minute).In(elsewhere),
	}
}

// putSetting stores s and fails the test if it cannot.
func putSetting(t *testing.T, st store.Store, s store.Setting) store.Setting {
	t.Helper()
	got, err := st.PutSetting(t.Context(), s)
	if err != nil {
		t.Fatalf("PutSetting(%s/%q, version %d): %v", s.Kind, s.Scope, s.Version, err)
	}
	return got
}

func normSetting(s store.Setting) store.Setting {
	s.Document = normSlice(s.Document)
	s.UpdatedAt = normTime(s.UpdatedAt)
	return s
}

func settingName(kind, scope string) string { return kind + "/" + strconv.Quote(scope) }

// wantSetting checks that the setting of want's key reads back as want.
func wantSetting(t *testing.T, st store.Store, want store.Setting) {
	t.Helper()
	got, err := st.GetSetting(t.Context(), want.PoolID, want.Kind, want.Scope)
	wantOK(t, "GetSetting "+settingName(want.Kind, want.Scope), err)
	wantSame(t, "GetSetting "+settingName(want.Kind, want.Scope), got, want, normSetting)
}

// wantNoSetting checks that the pool has no setting of that key.
func wantNoSetting(t *testing.T, st store.Store, pool, kind, scope string) {
	t.Helper()
	_, err := st.GetSetting(t.Context(), pool, kind, scope)
	wantErr(t, "GetSetting "+settingName(kind, scope), err, store.ErrNotFound)
}

// listSettings lists the pool's settings of a kind and fails the test on
// an error.
func listSettings(t *testing.T, st store.Store, pool, kind string) []store.Setting {
	t.Helper()
	list, err := st.ListSettings(t.Context(), pool, kind)
	wantOK(t, "ListSettings "+kind, err)
	return list
}

func settingScopes(ss []store.Setting) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Scope)
	}
	return out
}

var settingTests = []conformanceTest{
	{"create stores version 1 and the document and UpdatedAt round trip", testSettingRoundTrip},
	{"the largest kind, scope and document allowed are stored", testSettingBounds},
	{"a second create of one key is an ExistsError naming setting and changes nothing", testSettingCreateTwice},
	{"an update is compare-and-swap on version and increments it", testSettingCompareAndSwap},
	{"an update of a missing setting is not found and creates nothing", testSettingUpdateMissing},
	{"the pool-wide setting and per-scope settings are kept apart", testSettingScopesApart},
	{"settings of different kinds are kept apart", testSettingKindsApart},
	{"settings of other pools are never seen", testSettingPoolsApart},
	{"list returns the pool's settings of a kind ordered by scope in byte order", testSettingList},
	{"a deleted setting is not found and deleting it again is not found", testSettingDelete},
	{"malformed settings are invalid and store nothing", testSettingMalformed},
	{"documents handed in or returned share no memory with the store", testSettingDocumentsCopied},
	{"settings are not removed by Cleanup", testSettingCleanupKeeps},
	{"twenty creates of one key have exactly one winner", testSettingConcurrentCreates},
	{"twenty updates from one read have exactly one winner", testSettingConcurrentUpdates},
}

func testSettingRoundTrip(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	for _, s := range []store.Setting{
		newSetting(pool, "risk", ""),
		newSetting(pool, "risk", "client-1"),
		{PoolID: pool, Kind: "ui", Scope: "Ünïcode ✓", Document: []byte{0}},
	} {
		want := s
		want.Version = 1
		got, err := st.PutSetting(ctx, s)
		wantOK(t, "PutSetting "+settingName(s.Kind, s.Scope), err)
		wantSame(t, "PutSetting "+settingName(s.Kind, s.Scope)+" result", got, want, normSetting)
		wantSetting(t, st, want)
		got, err = st.GetSetting(ctx, pool, s.Kind, s.Scope)
		wantOK(t, "GetSetting "+settingName(s.Kind, s.Scope), err)
		if !got.UpdatedAt.Equal(s.UpdatedAt) || got.UpdatedAt.IsZero() != s.UpdatedAt.IsZero() {
			t.Errorf("%s UpdatedAt = %v, want %v", settingName(s.Kind, s.Scope), got.UpdatedAt, s.UpdatedAt)
		}
		if got.PoolID != pool || got.Kind != s.Kind || got.Scope != s.Scope {
			t.Errorf("GetSetting returned key %s/%s/%q, want %s/%s/%q", got.PoolID, got.Kind, got.Scope, pool, s.Kind, s.Scope)
		}
	}
}

func testSettingBounds(t *testing.T, st store.Store, pool string) {
	s := store.Setting{
		PoolID:    pool,
		Kind:      strings.Repeat("k", store.MaxSettingKind),
		Scope:     strings.Repeat("s", store.MaxSettingScope),
		Document:  bytes.Repeat([]byte{0xfe, 0}, store.MaxSettingDocument/2),
		UpdatedAt: at(0),
	}
	got := putSetting(t, st, s)
	if got.Version != 1 {
		t.Errorf("Version = %d, want 1", got.Version)
	}
	s.Version = 1
	wantSetting(t, st, s)
	if list := listSettings(t, st, pool, s.Kind); len(list) != 1 {
		t.Errorf("ListSettings returned %d settings, want 1", len(list))
	}
}

func testSettingCreateTwice(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	first := putSetting(t, st, newSetting(pool, "risk", "client-1"))
	dup := newSetting(pool, "risk", "client-1")
	dup.Document = []byte("impostor")
	dup.UpdatedAt = at(time.Hour)
	_, err := st.PutSetting(ctx, dup)
	wantExists(t, "second create", err, "setting")
	wantSetting(t, st, first)

	// Keys are compared exactly.
	upper := putSetting(t, st, newSetting(pool, "risk", "CLIENT-1"))
	wantSetting(t, st, upper)
	wantSetting(t, st, first)
}

func testSettingCompareAndSwap(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	v1 := putSetting(t, st, newSetting(pool, "risk", ""))

	next := v1
	next.Document = []byte("second document")
	next.UpdatedAt = at(time.Hour).In(elsewhere)
	v2, err := st.PutSetting(ctx, next)
	wantOK(t, "PutSetting at version 1", err)
	want := next
	want.Version = 2
	wantSame(t, "PutSetting at version 1 result", v2, want, normSetting)
	wantSetting(t, st, want)

	stale := v1
	stale.Document = []byte("stale")
	_, err = st.PutSetting(ctx, stale)
	wantErr(t, "PutSetting at the stale version 1", err, store.ErrConflict)
	future := v2
	future.Version = 7
	future.Document = []byte("future")
	_, err = st.PutSetting(ctx, future)
	wantErr(t, "PutSetting at a version from the future", err, store.ErrConflict)
	wantSetting(t, st, want)

	// The version did not move: the read of v2 can still be written.
	next = v2
	next.Document = []byte("third document")
	v3, err := st.PutSetting(ctx, next)
	wantOK(t, "PutSetting at version 2", err)
	if v3.Version != 3 {
		t.Errorf("Version after the second update = %d, want 3", v3.Version)
	}
	wantSetting(t, st, v3)
}

func testSettingUpdateMissing(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	s := newSetting(pool, "risk", "")
	s.Version = 1
	_, err := st.PutSetting(ctx, s)
	wantErr(t, "PutSetting at version 1 of a missing setting", err, store.ErrNotFound)
	wantNoSetting(t, st, pool, "risk", "")

	// Nor does a setting of another scope, kind or pool stand in for it.
	putSetting(t, st, newSetting(pool, "risk", "client-1"))
	putSetting(t, st, newSetting(pool, "ui", ""))
	putSetting(t, st, newSetting(randomID(t, "pool-"), "risk", ""))
	_, err = st.PutSetting(ctx, s)
	wantErr(t, "PutSetting at version 1 of a missing setting beside others", err, store.ErrNotFound)
	wantNoSetting(t, st, pool, "risk", "")
}

func testSettingScopesApart(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	wide := putSetting(t, st, newSetting(pool, "risk", ""))
	client := putSetting(t, st, newSetting(pool, "risk", "client-1"))
	wantSetting(t, st, wide)
	wantSetting(t, st, client)
	wantNoSetting(t, st, pool, "risk", "client-2")

	next := client
	next.Document = []byte("client only")
	client, err := st.PutSetting(ctx, next)
	wantOK(t, "PutSetting of the client's setting", err)
	wantSetting(t, st, wide)
	wantSetting(t, st, client)

	wantOK(t, "DeleteSetting of the pool-wide setting", st.DeleteSetting(ctx, pool, "risk", ""))
	wantNoSetting(t, st, pool, "risk", "")
	wantSetting(t, st, client)
}

func testSettingKindsApart(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	risk := putSetting(t, st, newSetting(pool, "risk", "client-1"))
	ui := putSetting(t, st, newSetting(pool, "ui", "client-1"))
	wantSetting(t, st, risk)
	wantSetting(t, st, ui)
	wantNoSetting(t, st, pool, "RISK", "client-1")
	if got := settingScopes(listSettings(t, st, pool, "risk")); !equalStrings(got, []string{"client-1"}) {
		t.Errorf("ListSettings risk = %q, want only client-1", got)
	}
	if list := listSettings(t, st, pool, "ui"); len(list) != 1 {
		t.Errorf("ListSettings ui returned %d settings, want 1", len(list))
	} else {
		wantSame(t, "listed ui setting", list[0], ui, normSetting)
	}
	if list := listSettings(t, st, pool, "unknown"); len(list) != 0 {
		t.Errorf("ListSettings of an unused kind = %q, want none", settingScopes(list))
	}

	wantOK(t, "DeleteSetting ui", st.DeleteSetting(ctx, pool, "ui", "client-1"))
	wantSetting(t, st, risk)
	wantNoSetting(t, st, pool, "ui", "client-1")
}

func testSettingPoolsApart(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	other := randomID(t, "pool-")
	mine := putSetting(t, st, newSetting(pool, "risk", ""))
	theirs := newSetting(other, "risk", "")
	theirs.Document = []byte("theirs")
	theirs = putSetting(t, st, theirs)
	putSetting(t, st, newSetting(other, "risk", "their-client"))
	wantSetting(t, st, mine)
	wantSetting(t, st, theirs)
	wantNoSetting(t, st, pool, "risk", "their-client")
	if list := listSettings(t, st, pool, "risk"); len(list) != 1 {
		t.Errorf("ListSettings = %q, want only this pool's pool-wide setting", settingScopes(list))
	} else {
		wantSame(t, "listed setting", list[0], mine, normSetting)
	}

	// Changing or deleting one pool's setting leaves the other's alone,
	// and a version read in one pool is no key to the other.
	next := theirs
	next.Document = []byte("theirs, changed")
	theirs, err := st.PutSetting(ctx, next)
	wantOK(t, "PutSetting in the other pool", err)
	wantSetting(t, st, mine)
	_, err = st.PutSetting(ctx, store.Setting{PoolID: pool, Kind: "risk", Document: []byte("x"), Version: 2})
	wantErr(t, "PutSetting at the other pool's version", err, store.ErrConflict)
	wantSetting(t, st, mine)
	_, err = st.PutSetting(ctx, store.Setting{PoolID: pool, Kind: "risk", Scope: "their-client", Document: []byte("x"), Version: 1})
	wantErr(t, "PutSetting of a scope only the other pool has", err, store.ErrNotFound)
	wantErr(t, "DeleteSetting of a scope only the other pool has", st.DeleteSetting(ctx, pool, "risk", "their-client"), store.ErrNotFound)
	still := newSetting(other, "risk", "their-client")
	still.Version = 1
	wantSetting(t, st, still)
	wantOK(t, "DeleteSetting in the other pool", st.DeleteSetting(ctx, other, "risk", ""))
	wantSetting(t, st, mine)
	wantNoSetting(t, st, other, "risk", "")
}

func testSettingList(t *testing.T, st store.Store, pool string) {
	if list := listSettings(t, st, pool, "risk"); len(list) != 0 {
		t.Fatalf("ListSettings of an empty pool returned %q", settingScopes(list))
	}
	for _, scope := range []string{"okta", "Éclair", "client-b", "", "Client-a", "client-a"} {
		putSetting(t, st, newSetting(pool, "risk", scope))
	}
	putSetting(t, st, newSetting(pool, "ui", "aaa"))
	putSetting(t, st, newSetting(randomID(t, "pool-"), "risk", "0-other-pool"))
	all := []string{"", "Client-a", "client-a", "client-b", "okta", "Éclair"} // byte order
	list := listSettings(t, st, pool, "risk")
	if got := settingScopes(list); !equalStrings(got, all) {
		t.Fatalf("ListSettings = %q, want %q", got, all)
	}
	for _, s := range list {
		want := newSetting(pool, "risk", s.Scope)
		want.Version = 1
		wantSame(t, "listed setting "+strconv.Quote(s.Scope), s, want, normSetting)
	}
}

func testSettingDelete(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	putSetting(t, st, newSetting(pool, "risk", "gone"))
	kept := putSetting(t, st, newSetting(pool, "risk", "kept"))
	wantOK(t, "DeleteSetting", st.DeleteSetting(ctx, pool, "risk", "gone"))
	wantNoSetting(t, st, pool, "risk", "gone")
	wantErr(t, "second DeleteSetting", st.DeleteSetting(ctx, pool, "risk", "gone"), store.ErrNotFound)
	wantErr(t, "DeleteSetting of a setting never stored", st.DeleteSetting(ctx, pool, "risk", "never"), store.ErrNotFound)
	if got := settingScopes(listSettings(t, st, pool, "risk")); !equalStrings(got, []string{"kept"}) {
		t.Errorf("ListSettings after delete = %q, want only kept", got)
	}
	wantSetting(t, st, kept)

	// An update of the deleted setting finds nothing; a create starts it
	// again at version 1.
	stale := newSetting(pool, "risk", "gone")
	stale.Version = 1
	_, err := st.PutSetting(ctx, stale)
	wantErr(t, "PutSetting at version 1 after delete", err, store.ErrNotFound)
	again := putSetting(t, st, newSetting(pool, "risk", "gone"))
	if again.Version != 1 {
		t.Errorf("re-created setting has version %d, want 1", again.Version)
	}
	wantSetting(t, st, again)
}

func testSettingMalformed(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	doc := []byte("{}")
	for _, c := range []struct {
		what string
		s    store.Setting
	}{
		{"without pool id", store.Setting{Kind: "risk", Scope: "nopool", Document: doc}},
		{"without kind", store.Setting{PoolID: pool, Scope: "nokind", Document: doc}},
		{"with a nil document", store.Setting{PoolID: pool, Kind: "risk", Scope: "nil"}},
		{"with an empty document", store.Setting{PoolID: pool, Kind: "risk", Scope: "empty", Document: []byte{}}},
		{"with a kind too long", store.Setting{PoolID: pool, Kind: strings.Repeat("k", store.MaxSettingKind+1), Scope: "long", Document: doc}},
		{"with a scope too long", store.Setting{PoolID: pool, Kind: "risk", Scope: strings.Repeat("s", store.MaxSettingScope+1), Document: doc}},
		{"with a document too large", store.Setting{PoolID: pool, Kind: "risk", Scope: "large", Document: make([]byte, store.MaxSettingDocument+1)}},
		{"with a negative version", store.Setting{PoolID: pool, Kind: "risk", Scope: "negative", Document: doc, Version: -1}},
	} {
		_, err := st.PutSetting(ctx, c.s)
		wantErr(t, "PutSetting "+c.what, err, store.ErrInvalid)
		if c.s.PoolID != "" && c.s.Kind != "" {
			wantNoSetting(t, st, pool, c.s.Kind, c.s.Scope)
		}
	}
	for _, kind := range []string{"risk", strings.Repeat("k", store.MaxSettingKind+1)} {
		if list := listSettings(t, st, pool, kind); len(list) != 0 {
			t.Errorf("ListSettings %.8s… after malformed creates = %q, want none", kind, settingScopes(list))
		}
	}

	// A malformed update changes nothing, and the version still works.
	s := putSetting(t, st, newSetting(pool, "risk", ""))
	for _, c := range []struct {
		what   string
		change func(*store.Setting)
	}{
		{"with an empty document", func(s *store.Setting) { s.Document = nil }},
		{"with a document too large", func(s *store.Setting) { s.Document = make([]byte, store.MaxSettingDocument+1) }},
		{"with a negative version", func(s *store.Setting) { s.Version = -s.Version }},
	} {
		next := s
		c.change(&next)
		_, err := st.PutSetting(ctx, next)
		wantErr(t, "PutSetting update "+c.what, err, store.ErrInvalid)
		wantSetting(t, st, s)
	}
	next := s
	next.Document = []byte("fine")
	_, err := st.PutSetting(ctx, next)
	wantOK(t, "PutSetting after malformed updates", err)

	_, err = st.ListSettings(ctx, "", "risk")
	wantErr(t, "ListSettings without pool id", err, store.ErrInvalid)
	_, err = st.ListSettings(ctx, pool, "")
	wantErr(t, "ListSettings without kind", err, store.ErrInvalid)
}

func testSettingDocumentsCopied(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	s := newSetting(pool, "risk", "")
	want := s
	want.Document = bytes.Clone(s.Document)
	want.Version = 1
	created, err := st.PutSetting(ctx, s)
	wantOK(t, "PutSetting", err)
	s.Document[0] = 'X'
	created.Document[1] = 'X'
	got, err := st.GetSetting(ctx, pool, "risk", "")
	wantOK(t, "GetSetting", err)
	got.Document[2] = 'X'
	list := listSettings(t, st, pool, "risk")
	if len(list) != 1 {
		t.Fatalf("ListSettings returned %d settings, want 1", len(list))
	}
	list[0].Document[3] = 'X'
	wantSetting(t, st, want)

	next := want
	next.Document = []byte("updated document")
	updated, err := st.PutSetting(ctx, next)
	wantOK(t, "PutSetting update", err)
	wantNext := next
	wantNext.Document = []byte("updated document")
	wantNext.Version = 2
	next.Document[0] = 'X'
	updated.Document[1] = 'X'
	wantSetting(t, st, wantNext)
}

func testSettingCleanupKeeps(t *testing.T, st store.Store, pool string) {
	old := newSetting(pool, "risk", "")
	old.UpdatedAt = at(-1000 * time.Hour)
	old = putSetting(t, st, old)
	p := cleanupParams(100)
	p.EventsBefore = cleanupNow
	cleanup(t, st, pool, p, 0)
	wantSetting(t, st, old)
}

func testSettingConcurrentCreates(t *testing.T, st store.Store, pool string) {
	errs := race(20, func(i int) error {
		s := newSetting(pool, "risk", "contested")
		s.Document = []byte("writer " + itoa(i))
		_, err := st.PutSetting(t.Context(), s)
		return err
	})
	win := tally(t, "PutSetting create", errs, 1, isExists("setting"))
	want := newSetting(pool, "risk", "contested")
	want.Document = []byte("writer " + itoa(win[0]))
	want.Version = 1
	wantSetting(t, st, want)
	if list := listSettings(t, st, pool, "risk"); len(list) != 1 {
		t.Errorf("ListSettings = %q, want only the winner", settingScopes(list))
	}
}

func testSettingConcurrentUpdates(t *testing.T, st store.Store, pool string) {
	read := putSetting(t, st, newSetting(pool, "risk", "client-1"))
	errs := race(20, func(i int) error {
		next := read
		next.Document = []byte("writer " + itoa(i))
		_, err := st.PutSetting(t.Context(), next)
		return err
	})
	win := tally(t, "PutSetting update", errs, 1, is(store.ErrConflict))
	want := read
	want.Document = []byte("writer " + itoa(win[0]))
	want.Version = 2
	wantSetting(t, st, want)
}
