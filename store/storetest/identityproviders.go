package storetest

import (
	"strconv"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// newProvider returns an identity provider of the pool with every field
// set and the identifiers given, in that order.
func newProvider(pool, name string, identifiers ...string) store.IdentityProvider {
	return store.IdentityProvider{
		PoolID:  pool,
		Name:    name,
		Type:    "OIDC",
		Details: []byte("sealed\x00details of " + name + "\xff"),
		AttributeMapping: map[string]string{
			"email":       "email",
			"given_name":  "first_name",
			"custom:dept": "ünïcode ✓ \"quoted\"",
		},
		Identifiers: identifiers,
		Version:     9,
		CreatedAt:   at(-time.Hour).In(elsewhere),
		UpdatedAt:   at(0),
	}
}

// createProvider stores p and fails the test if it cannot.
func createProvider(t *testing.T, st store.Store, p store.IdentityProvider) store.IdentityProvider {
	t.Helper()
	got, err := st.CreateIdentityProvider(t.Context(), p)
	if err != nil {
		t.Fatalf("CreateIdentityProvider(%s): %v", p.Name, err)
	}
	return got
}

// stored returns p as a store keeps it after creating it: at version 1.
func stored(p store.IdentityProvider) store.IdentityProvider {
	p.Version = 1
	return p
}

func normProvider(p store.IdentityProvider) store.IdentityProvider {
	p.Details = normSlice(p.Details)
	p.AttributeMapping = normMap(p.AttributeMapping)
	p.Identifiers = normSlice(p.Identifiers)
	p.CreatedAt = normTime(p.CreatedAt)
	p.UpdatedAt = normTime(p.UpdatedAt)
	return p
}

func providerNames(ps []store.IdentityProvider) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// wantProvider checks that the provider named want.Name reads back as want,
// by name and by each of its identifiers.
func wantProvider(t *testing.T, st store.Store, want store.IdentityProvider) {
	t.Helper()
	got, err := st.GetIdentityProvider(t.Context(), want.PoolID, want.Name)
	wantOK(t, "GetIdentityProvider "+want.Name, err)
	wantSame(t, "GetIdentityProvider "+want.Name, got, want, normProvider)
	for _, id := range want.Identifiers {
		got, err := st.GetIdentityProviderByIdentifier(t.Context(), want.PoolID, id)
		wantOK(t, "GetIdentityProviderByIdentifier "+id, err)
		wantSame(t, "GetIdentityProviderByIdentifier "+id, got, want, normProvider)
	}
}

// wantNoProvider checks that no provider is named name.
func wantNoProvider(t *testing.T, st store.Store, pool, name string) {
	t.Helper()
	_, err := st.GetIdentityProvider(t.Context(), pool, name)
	wantErr(t, "GetIdentityProvider "+name, err, store.ErrNotFound)
}

// wantHolder checks that identifier resolves to the provider named name,
// or to none if name is "".
func wantHolder(t *testing.T, st store.Store, pool, identifier, name string) {
	t.Helper()
	got, err := st.GetIdentityProviderByIdentifier(t.Context(), pool, identifier)
	if name == "" {
		wantErr(t, "GetIdentityProviderByIdentifier "+strconv.Quote(identifier), err, store.ErrNotFound)
		return
	}
	wantOK(t, "GetIdentityProviderByIdentifier "+strconv.Quote(identifier), err)
	if got.Name != name {
		t.Errorf("identifier %q is held by %q, want %q", identifier, got.Name, name)
	}
}

// listProviders lists one page and fails the test on an error.
func listProviders(t *testing.T, st store.Store, pool, after string, limit int) []store.IdentityProvider {
	t.Helper()
	list, err := st.ListIdentityProviders(t.Context(), pool, after, limit)
	wantOK(t, "ListIdentityProviders after "+strconv.Quote(after), err)
	return list
}

var identityProviderTests = []conformanceTest{
	{"create stores version 1 and every field round trips", testIdentityProviderCreateRoundTrips},
	{"a duplicate name is an ExistsError naming provider and changes nothing", testIdentityProviderDuplicateName},
	{"an identifier another provider holds is an ExistsError naming idp_identifier on create and stores nothing", testIdentityProviderIdentifierTakenOnCreate},
	{"an identifier another provider holds is an ExistsError naming idp_identifier on update and changes nothing", testIdentityProviderIdentifierTakenOnUpdate},
	{"get by identifier finds the holder and an unknown or empty identifier is not found", testIdentityProviderGetByIdentifier},
	{"a missing provider is not found", testIdentityProviderMissing},
	{"update is compare-and-swap on version, increments it and keeps CreatedAt", testIdentityProviderUpdateCompareAndSwap},
	{"update replaces the identifiers and frees the dropped ones", testIdentityProviderUpdateReplacesIdentifiers},
	{"delete removes the provider and frees its identifiers", testIdentityProviderDelete},
	{"list pages through the pool's providers by name in byte order", testIdentityProviderList},
	{"providers of other pools never appear and one name in two pools is two providers", testIdentityProviderPools},
	{"records handed in or returned share no memory with the store", testIdentityProviderRecordsCopied},
	{"malformed providers are invalid and store nothing", testIdentityProviderMalformed},
	{"twenty creates of one name have exactly one winner", testIdentityProviderConcurrentNameCreates},
	{"twenty creates claiming one identifier have exactly one winner that holds it", testIdentityProviderConcurrentIdentifierCreates},
	{"twenty updates claiming one identifier have exactly one winner that holds it", testIdentityProviderConcurrentIdentifierUpdates},
	{"two provider updates from one read have one conflict", testIdentityProviderConcurrentUpdates},
}

func testIdentityProviderCreateRoundTrips(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	empty := store.IdentityProvider{PoolID: pool, Name: "empty", Type: "SAML", Details: []byte{},
		AttributeMapping: map[string]string{}, Identifiers: []string{}}
	for _, p := range []store.IdentityProvider{
		newProvider(pool, "Google", "zeta.example.com", "alpha.example.com", "Mid.Example.com"),
		{PoolID: pool, Name: "bare", Type: "Google"},
		empty,
		{PoolID: pool, Name: "one", Type: "SignInWithApple", Details: []byte{0}, Identifiers: []string{"only"},
			CreatedAt: at(time.Minute).In(elsewhere), UpdatedAt: at(2 * time.Minute).In(elsewhere)},
	} {
		want := stored(p)
		got, err := st.CreateIdentityProvider(ctx, p)
		wantOK(t, "CreateIdentityProvider "+p.Name, err)
		wantSame(t, "CreateIdentityProvider "+p.Name+" result", got, want, normProvider)
		wantProvider(t, st, want)
		got, err = st.GetIdentityProvider(ctx, pool, p.Name)
		wantOK(t, "GetIdentityProvider "+p.Name, err)
		wantTime(t, p.Name+" CreatedAt", got.CreatedAt, p.CreatedAt)
		wantTime(t, p.Name+" UpdatedAt", got.UpdatedAt, p.UpdatedAt)
		if !equalStrings(got.Identifiers, p.Identifiers) {
			t.Errorf("%s Identifiers = %q, want %q in the order given", p.Name, got.Identifiers, p.Identifiers)
		}
	}
}

func testIdentityProviderDuplicateName(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	first := createProvider(t, st, newProvider(pool, "Google", "a.example.com"))
	dup := newProvider(pool, "Google", "dup.example.com")
	dup.Type = "SAML"
	dup.Details = []byte("impostor")
	dup.AttributeMapping = nil
	_, err := st.CreateIdentityProvider(ctx, dup)
	wantExists(t, "second CreateIdentityProvider", err, "provider")
	wantProvider(t, st, first)
	wantHolder(t, st, pool, "dup.example.com", "")

	// Names are compared exactly.
	upper := createProvider(t, st, newProvider(pool, "GOOGLE", "upper.example.com"))
	wantProvider(t, st, upper)
	wantProvider(t, st, first)
}

func testIdentityProviderIdentifierTakenOnCreate(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	holder := createProvider(t, st, newProvider(pool, "holder", "a.example.com", "shared.example.com"))
	// The taken identifier comes last, so a store that claims identifiers
	// one by one has claimed the others before it finds out.
	_, err := st.CreateIdentityProvider(ctx, newProvider(pool, "claimant", "b.example.com", "c.example.com", "shared.example.com"))
	wantExists(t, "CreateIdentityProvider with a taken identifier", err, "idp_identifier")
	wantNoProvider(t, st, pool, "claimant")
	wantHolder(t, st, pool, "b.example.com", "")
	wantHolder(t, st, pool, "c.example.com", "")
	wantProvider(t, st, holder)

	// Nothing was left behind: the same provider without the taken
	// identifier can be created.
	createProvider(t, st, newProvider(pool, "claimant", "b.example.com", "c.example.com"))
	wantHolder(t, st, pool, "b.example.com", "claimant")
	wantHolder(t, st, pool, "shared.example.com", "holder")
}

func testIdentityProviderIdentifierTakenOnUpdate(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	holder := createProvider(t, st, newProvider(pool, "holder", "a.example.com"))
	other := createProvider(t, st, newProvider(pool, "other", "b.example.com"))

	next := other
	next.Type = "SAML"
	next.Details = []byte("changed")
	next.AttributeMapping = map[string]string{"email": "mail"}
	next.Identifiers = []string{"c.example.com", "a.example.com"}
	_, err := st.UpdateIdentityProvider(ctx, next)
	wantExists(t, "UpdateIdentityProvider with a taken identifier", err, "idp_identifier")
	wantProvider(t, st, holder)
	wantProvider(t, st, other)
	wantHolder(t, st, pool, "c.example.com", "")

	// The version did not move: the same read can still be written.
	next.Identifiers = []string{"c.example.com"}
	got, err := st.UpdateIdentityProvider(ctx, next)
	wantOK(t, "UpdateIdentityProvider without the taken identifier", err)
	if got.Version != 2 {
		t.Errorf("Version after the update = %d, want 2", got.Version)
	}
	wantHolder(t, st, pool, "a.example.com", "holder")
	wantHolder(t, st, pool, "b.example.com", "")
	wantHolder(t, st, pool, "c.example.com", "other")
}

func testIdentityProviderGetByIdentifier(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	wantHolder(t, st, pool, "example.com", "")
	a := createProvider(t, st, newProvider(pool, "a", "example.com", "example.org"))
	b := createProvider(t, st, newProvider(pool, "b", "example.net"))
	createProvider(t, st, newProvider(pool, "none"))
	wantProvider(t, st, a)
	wantProvider(t, st, b)
	for _, id := range []string{"", "unknown.example.com", "EXAMPLE.COM", "example", "example.com ", "a", "none"} {
		wantHolder(t, st, pool, id, "")
	}
	createProvider(t, st, newProvider(randomID(t, "pool-"), "elsewhere", "elsewhere.example.com"))
	wantHolder(t, st, pool, "elsewhere.example.com", "")
	_, err := st.GetIdentityProviderByIdentifier(ctx, pool, "")
	wantErr(t, "GetIdentityProviderByIdentifier of the empty identifier", err, store.ErrNotFound)
}

func testIdentityProviderMissing(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	wantNoProvider(t, st, pool, "nope")
	_, err := st.UpdateIdentityProvider(ctx, stored(newProvider(pool, "nope")))
	wantErr(t, "UpdateIdentityProvider", err, store.ErrNotFound)
	wantErr(t, "DeleteIdentityProvider", st.DeleteIdentityProvider(ctx, pool, "nope"), store.ErrNotFound)
	wantNoProvider(t, st, pool, "nope")
}

func testIdentityProviderUpdateCompareAndSwap(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	p := createProvider(t, st, newProvider(pool, "Google", "a.example.com"))

	next := p
	next.Type = "OIDC-renamed"
	next.Details = []byte("new sealed details")
	next.AttributeMapping = map[string]string{"email": "mail", "phone_number": "tel"}
	next.Identifiers = []string{"z.example.com", "a.example.com"}
	next.UpdatedAt = at(time.Hour).In(elsewhere)
	want := next
	want.Version = 2
	next.CreatedAt = at(99 * time.Hour) // must be ignored
	got, err := st.UpdateIdentityProvider(ctx, next)
	wantOK(t, "UpdateIdentityProvider", err)
	wantSame(t, "UpdateIdentityProvider result", got, want, normProvider)
	wantProvider(t, st, want)

	stale := p
	stale.Type = "stale"
	stale.Identifiers = []string{"stale.example.com"}
	_, err = st.UpdateIdentityProvider(ctx, stale)
	wantErr(t, "UpdateIdentityProvider with version 1", err, store.ErrConflict)
	future := want
	future.Version = 7
	future.Type = "future"
	_, err = st.UpdateIdentityProvider(ctx, future)
	wantErr(t, "UpdateIdentityProvider with a version from the future", err, store.ErrConflict)
	wantProvider(t, st, want)
	wantHolder(t, st, pool, "stale.example.com", "")

	got.Details, got.AttributeMapping, got.Identifiers = nil, nil, nil
	got, err = st.UpdateIdentityProvider(ctx, got)
	wantOK(t, "UpdateIdentityProvider clearing details, mapping and identifiers", err)
	want.Details, want.AttributeMapping, want.Identifiers, want.Version = nil, nil, nil, 3
	wantSame(t, "UpdateIdentityProvider clearing everything", got, want, normProvider)
	wantProvider(t, st, want)
	wantHolder(t, st, pool, "a.example.com", "")
	wantHolder(t, st, pool, "z.example.com", "")
}

func testIdentityProviderUpdateReplacesIdentifiers(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	p := createProvider(t, st, newProvider(pool, "first", "x.example.com", "y.example.com"))
	p.Identifiers = []string{"z.example.com", "y.example.com"}
	got, err := st.UpdateIdentityProvider(ctx, p)
	wantOK(t, "UpdateIdentityProvider", err)
	if !equalStrings(got.Identifiers, p.Identifiers) {
		t.Errorf("Identifiers after update = %q, want %q in the order given", got.Identifiers, p.Identifiers)
	}
	wantProvider(t, st, got)
	wantHolder(t, st, pool, "x.example.com", "")
	wantHolder(t, st, pool, "y.example.com", "first")
	wantHolder(t, st, pool, "z.example.com", "first")

	second := createProvider(t, st, newProvider(pool, "second", "x.example.com"))
	wantProvider(t, st, second)
	wantProvider(t, st, got)
}

func testIdentityProviderDelete(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	createProvider(t, st, newProvider(pool, "gone", "gone.example.com", "also-gone.example.com"))
	kept := createProvider(t, st, newProvider(pool, "kept", "kept.example.com"))
	wantOK(t, "DeleteIdentityProvider", st.DeleteIdentityProvider(ctx, pool, "gone"))
	wantNoProvider(t, st, pool, "gone")
	wantHolder(t, st, pool, "gone.example.com", "")
	wantHolder(t, st, pool, "also-gone.example.com", "")
	wantErr(t, "second DeleteIdentityProvider", st.DeleteIdentityProvider(ctx, pool, "gone"), store.ErrNotFound)
	if got := providerNames(listProviders(t, st, pool, "", 10)); !equalStrings(got, []string{"kept"}) {
		t.Errorf("ListIdentityProviders after delete = %q, want only kept", got)
	}
	wantProvider(t, st, kept)

	// The identifiers and the name are free again.
	createProvider(t, st, newProvider(pool, "heir", "gone.example.com"))
	wantHolder(t, st, pool, "gone.example.com", "heir")
	again := createProvider(t, st, newProvider(pool, "gone", "also-gone.example.com"))
	if again.Version != 1 {
		t.Errorf("re-created provider has version %d, want 1", again.Version)
	}
	wantProvider(t, st, again)
}

func testIdentityProviderList(t *testing.T, st store.Store, pool string) {
	if list := listProviders(t, st, pool, "", 10); len(list) != 0 {
		t.Fatalf("ListIdentityProviders of an empty pool returned %d providers", len(list))
	}
	for i, name := range []string{"okta", "Éclair", "SAML_b", "Google", "SAML_a"} {
		createProvider(t, st, newProvider(pool, name, "id"+itoa(i)+".example.com"))
	}
	all := []string{"Google", "SAML_a", "SAML_b", "okta", "Éclair"} // byte order

	var pages [][]string
	after := ""
	for range 10 {
		page := listProviders(t, st, pool, after, 2)
		if len(page) == 0 {
			break
		}
		pages = append(pages, providerNames(page))
		for _, p := range page {
			want := newProvider(pool, p.Name, p.Identifiers...)
			want.Version = 1
			wantSame(t, "listed provider "+p.Name, p, want, normProvider)
		}
		after = page[len(page)-1].Name
	}
	want := [][]string{all[0:2], all[2:4], all[4:5]}
	if len(pages) != len(want) {
		t.Fatalf("pages of 2 = %q, want %q", pages, want)
	}
	for i := range want {
		if !equalStrings(pages[i], want[i]) {
			t.Fatalf("pages of 2 = %q, want %q", pages, want)
		}
	}

	if got := providerNames(listProviders(t, st, pool, "", 100)); !equalStrings(got, all) {
		t.Errorf("ListIdentityProviders(limit 100) = %q, want %q", got, all)
	}
	if got := providerNames(listProviders(t, st, pool, "", 1)); !equalStrings(got, all[:1]) {
		t.Errorf("ListIdentityProviders(limit 1) = %q, want %q", got, all[:1])
	}
	// after need not be a stored name.
	if got := providerNames(listProviders(t, st, pool, "P", 100)); !equalStrings(got, all[1:]) {
		t.Errorf("ListIdentityProviders(after P) = %q, want %q", got, all[1:])
	}
	if got := providerNames(listProviders(t, st, pool, "SAML_a", 2)); !equalStrings(got, all[2:4]) {
		t.Errorf("ListIdentityProviders(after SAML_a, limit 2) = %q, want %q", got, all[2:4])
	}
	if got := providerNames(listProviders(t, st, pool, "Éclair", 100)); len(got) != 0 {
		t.Errorf("ListIdentityProviders(after the last) = %q, want none", got)
	}
}

func testIdentityProviderPools(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	other := randomID(t, "pool-")
	mine := newProvider(pool, "Google", "example.com")
	theirs := newProvider(other, "Google", "example.com")
	theirs.Type = "SAML"
	theirs.Details = []byte("theirs")
	theirs.AttributeMapping = map[string]string{"email": "their-mail"}
	mine = createProvider(t, st, mine)
	theirs = createProvider(t, st, theirs)
	createProvider(t, st, newProvider(other, "Another", "another.example.com"))
	wantProvider(t, st, mine)
	wantProvider(t, st, theirs)
	wantNoProvider(t, st, pool, "Another")
	wantHolder(t, st, pool, "another.example.com", "")

	if got := providerNames(listProviders(t, st, pool, "", 100)); !equalStrings(got, []string{"Google"}) {
		t.Errorf("ListIdentityProviders = %q, want only this pool's Google", got)
	}
	list := listProviders(t, st, pool, "", 100)
	if len(list) == 1 {
		wantSame(t, "listed provider", list[0], mine, normProvider)
	}

	// Changing one pool's provider leaves the other's alone.
	next := theirs
	next.Identifiers = []string{"moved.example.com"}
	theirs, err := st.UpdateIdentityProvider(ctx, next)
	wantOK(t, "UpdateIdentityProvider in the other pool", err)
	wantProvider(t, st, mine)
	wantProvider(t, st, theirs)
	wantOK(t, "DeleteIdentityProvider in the other pool", st.DeleteIdentityProvider(ctx, other, "Google"))
	wantProvider(t, st, mine)
	wantNoProvider(t, st, other, "Google")
}

func testIdentityProviderRecordsCopied(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	want := stored(newProvider(pool, "Google", "a.example.com", "b.example.com"))

	p := newProvider(pool, "Google", "a.example.com", "b.example.com")
	p.Details = []byte(string(want.Details))
	p.AttributeMapping = map[string]string{}
	for k, v := range want.AttributeMapping {
		p.AttributeMapping[k] = v
	}
	p.Identifiers = []string{"a.example.com", "b.example.com"}
	created, err := st.CreateIdentityProvider(ctx, p)
	wantOK(t, "CreateIdentityProvider", err)
	p.Details[0] = 'X'
	p.AttributeMapping["email"] = "changed by caller"
	p.Identifiers[0] = "caller.example.com"
	created.Details[1] = 'X'
	created.AttributeMapping["given_name"] = "changed through result"
	created.Identifiers[1] = "result.example.com"
	got, err := st.GetIdentityProvider(ctx, pool, "Google")
	wantOK(t, "GetIdentityProvider", err)
	got.Details[2] = 'X'
	got.AttributeMapping["new"] = "added through get"
	got.Identifiers[0] = "get.example.com"
	byID, err := st.GetIdentityProviderByIdentifier(ctx, pool, "a.example.com")
	wantOK(t, "GetIdentityProviderByIdentifier", err)
	byID.Details[3] = 'X'
	delete(byID.AttributeMapping, "email")
	byID.Identifiers[1] = "byid.example.com"
	list, err := st.ListIdentityProviders(ctx, pool, "", 10)
	wantOK(t, "ListIdentityProviders", err)
	if len(list) != 1 {
		t.Fatalf("ListIdentityProviders returned %d providers, want 1", len(list))
	}
	list[0].Details[4] = 'X'
	list[0].AttributeMapping["custom:dept"] = "changed through list"
	list[0].Identifiers[0] = "list.example.com"
	wantProvider(t, st, want)
	for _, id := range []string{"caller.example.com", "result.example.com", "get.example.com", "byid.example.com", "list.example.com"} {
		wantHolder(t, st, pool, id, "")
	}

	next := want
	next.Details = []byte("updated details")
	next.AttributeMapping = map[string]string{"email": "mail"}
	next.Identifiers = []string{"c.example.com"}
	updated, err := st.UpdateIdentityProvider(ctx, next)
	wantOK(t, "UpdateIdentityProvider", err)
	wantNext := next
	wantNext.Version = 2
	wantNext.Details = []byte("updated details")
	wantNext.AttributeMapping = map[string]string{"email": "mail"}
	wantNext.Identifiers = []string{"c.example.com"}
	next.Details[0] = 'X'
	next.AttributeMapping["email"] = "changed by caller"
	next.Identifiers[0] = "caller.example.com"
	updated.Details[1] = 'X'
	updated.AttributeMapping["email"] = "changed through result"
	updated.Identifiers[0] = "result.example.com"
	wantProvider(t, st, wantNext)
	wantHolder(t, st, pool, "caller.example.com", "")
	wantHolder(t, st, pool, "result.example.com", "")
}

func testIdentityProviderMalformed(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	for _, c := range []struct {
		what string
		p    store.IdentityProvider
	}{
		{"without pool id", store.IdentityProvider{Name: "p", Type: "OIDC", Identifiers: []string{"nopool.example.com"}}},
		{"without name", store.IdentityProvider{PoolID: pool, Type: "OIDC", Identifiers: []string{"noname.example.com"}}},
		{"without type", store.IdentityProvider{PoolID: pool, Name: "notype", Identifiers: []string{"notype.example.com"}}},
		{"with an empty identifier", newProvider(pool, "emptyid", "emptyid.example.com", "")},
		{"with an identifier listed twice", newProvider(pool, "twice", "twice.example.com", "other.example.com", "twice.example.com")},
	} {
		_, err := st.CreateIdentityProvider(ctx, c.p)
		wantErr(t, "CreateIdentityProvider "+c.what, err, store.ErrInvalid)
		if c.p.PoolID != "" {
			wantNoProvider(t, st, pool, c.p.Name)
			for _, id := range c.p.Identifiers {
				wantHolder(t, st, pool, id, "")
			}
		}
	}
	if list := listProviders(t, st, pool, "", 10); len(list) != 0 {
		t.Errorf("ListIdentityProviders after malformed creates = %q, want none", providerNames(list))
	}

	p := createProvider(t, st, newProvider(pool, "good", "good.example.com"))
	for _, c := range []struct {
		what   string
		change func(*store.IdentityProvider)
	}{
		{"without type", func(p *store.IdentityProvider) { p.Type = "" }},
		{"with an empty identifier", func(p *store.IdentityProvider) { p.Identifiers = []string{"new.example.com", ""} }},
		{"with an identifier listed twice", func(p *store.IdentityProvider) {
			p.Identifiers = []string{"new.example.com", "good.example.com", "new.example.com"}
		}},
	} {
		next := p
		next.Details = []byte("changed")
		c.change(&next)
		_, err := st.UpdateIdentityProvider(ctx, next)
		wantErr(t, "UpdateIdentityProvider "+c.what, err, store.ErrInvalid)
		wantProvider(t, st, p)
		wantHolder(t, st, pool, "new.example.com", "")
	}
	_, err := st.UpdateIdentityProvider(ctx, store.IdentityProvider{PoolID: pool, Type: "OIDC", Version: 1})
	wantErr(t, "UpdateIdentityProvider without name", err, store.ErrInvalid)
	wantProvider(t, st, p)
}

func testIdentityProviderConcurrentNameCreates(t *testing.T, st store.Store, pool string) {
	errs := race(20, func(i int) error {
		p := newProvider(pool, "contested", "own"+itoa(i)+".example.com")
		p.Details = []byte(itoa(i))
		_, err := st.CreateIdentityProvider(t.Context(), p)
		return err
	})
	win := tally(t, "CreateIdentityProvider", errs, 1, isExists("provider"))
	want := stored(newProvider(pool, "contested", "own"+itoa(win[0])+".example.com"))
	want.Details = []byte(itoa(win[0]))
	wantProvider(t, st, want)
	for i := range errs {
		if i != win[0] {
			wantHolder(t, st, pool, "own"+itoa(i)+".example.com", "")
		}
	}
}

func testIdentityProviderConcurrentIdentifierCreates(t *testing.T, st store.Store, pool string) {
	errs := race(20, func(i int) error {
		p := newProvider(pool, "p"+itoa(i), "own"+itoa(i)+".example.com", "contested.example.com")
		_, err := st.CreateIdentityProvider(t.Context(), p)
		return err
	})
	win := tally(t, "CreateIdentityProvider", errs, 1, isExists("idp_identifier"))
	wantHolder(t, st, pool, "contested.example.com", "p"+itoa(win[0]))
	wantProvider(t, st, stored(newProvider(pool, "p"+itoa(win[0]), "own"+itoa(win[0])+".example.com", "contested.example.com")))
	for i := range errs {
		if i != win[0] {
			wantNoProvider(t, st, pool, "p"+itoa(i))
			wantHolder(t, st, pool, "own"+itoa(i)+".example.com", "")
		}
	}
	if list := listProviders(t, st, pool, "", 100); len(list) != 1 {
		t.Errorf("ListIdentityProviders = %q, want only the winner", providerNames(list))
	}
}

func testIdentityProviderConcurrentIdentifierUpdates(t *testing.T, st store.Store, pool string) {
	ps := make([]store.IdentityProvider, 20)
	for i := range ps {
		ps[i] = createProvider(t, st, newProvider(pool, "p"+itoa(i), "own"+itoa(i)+".example.com"))
	}
	errs := race(len(ps), func(i int) error {
		next := ps[i]
		next.Identifiers = []string{"contested.example.com", "new" + itoa(i) + ".example.com"}
		_, err := st.UpdateIdentityProvider(t.Context(), next)
		return err
	})
	win := tally(t, "UpdateIdentityProvider", errs, 1, isExists("idp_identifier"))
	wantHolder(t, st, pool, "contested.example.com", "p"+itoa(win[0]))
	for i, p := range ps {
		if i == win[0] {
			p.Identifiers = []string{"contested.example.com", "new" + itoa(i) + ".example.com"}
			p.Version = 2
			wantHolder(t, st, pool, "own"+itoa(i)+".example.com", "")
		} else {
			wantHolder(t, st, pool, "new"+itoa(i)+".example.com", "")
		}
		wantProvider(t, st, p)
	}
}

func testIdentityProviderConcurrentUpdates(t *testing.T, st store.Store, pool string) {
	p := createProvider(t, st, newProvider(pool, "Google", "a.example.com"))
	errs := race(2, func(i int) error {
		next := p
		next.Details = []byte(itoa(i))
		next.Identifiers = []string{"writer" + itoa(i) + ".example.com"}
		_, err := st.UpdateIdentityProvider(t.Context(), next)
		return err
	})
	win := tally(t, "UpdateIdentityProvider", errs, 1, is(store.ErrConflict))
	want := p
	want.Version = 2
	want.Details = []byte(itoa(win[0]))
	want.Identifiers = []string{"writer" + itoa(win[0]) + ".example.com"}
	wantProvider(t, st, want)
	wantHolder(t, st, pool, "a.example.com", "")
	wantHolder(t, st, pool, "writer"+itoa(1-win[0])+".example.com", "")
}
