package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

func TestRunSignsTheCompanyUsersInAndPrintsWhoTheServiceSaw(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"signed in through CorpIdP as CorpIdP_jane-1234\n",
		"  email:   jane@corp.example (verified: true)\n",
		"  IdP sub: jane-1234\n",
		"signed in through CorpSAML as CorpSAML_alice@corp.example\n",
		"  email:   alice@corp.example (verified: false)\n",
		"  IdP sub: alice@corp.example\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestASecondSignInIsTheSameUserWithTheIdPsNewAttributes(t *testing.T) {
	ctx := t.Context()
	d, err := newDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	first, err := d.signInOIDC(ctx, &mockoidc.MockUser{Subject: "bob-77", Email: "bob@corp.example", EmailVerified: true, PreferredUsername: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if first.Username != "CorpIdP_bob-77" || first.Email != "bob@corp.example" || first.Provider != oidcProvider || first.Sub == "" {
		t.Fatalf("first sign-in = %+v", first)
	}

	// The IdP now says another, unverified, address: the same pool user,
	// with the mapping applied again.
	second, err := d.signInOIDC(ctx, &mockoidc.MockUser{Subject: "bob-77", Email: "robert@corp.example", PreferredUsername: "robert"})
	if err != nil {
		t.Fatal(err)
	}
	if second.Sub != first.Sub || second.Email != "robert@corp.example" || second.EmailVerified {
		t.Fatalf("second sign-in = %+v, want the same sub %s with the new, unverified, email", second, first.Sub)
	}
	u, err := d.pool.AdminGetUser(ctx, userpool.AdminGetUserInput{Username: "CorpIdP_bob-77"})
	if err != nil {
		t.Fatal(err)
	}
	attrs := map[string]string{}
	for _, a := range u.Attributes {
		attrs[a.Name] = a.Value
	}
	if u.UserStatus != store.StatusExternalProvider || attrs["preferred_username"] != "robert" {
		t.Errorf("pool user = %s %v", u.UserStatus, attrs)
	}

	// Another company user is another pool user.
	other, err := d.signInOIDC(ctx, &mockoidc.MockUser{Subject: "carol-5", Email: "carol@corp.example", EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	if other.Sub == first.Sub || other.Username != "CorpIdP_carol-5" {
		t.Errorf("another IdP user signed in as %+v", other)
	}
}

func TestSAMLSignInsAreOnePoolUserAndNotTheOIDCOne(t *testing.T) {
	ctx := t.Context()
	d, err := newDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	dave := samlUser{NameID: "dave@corp.example", Email: "dave@corp.example"}
	first, err := d.signInSAML(ctx, dave)
	if err != nil {
		t.Fatal(err)
	}
	if first.Username != "CorpSAML_dave@corp.example" || first.Email != dave.Email || first.EmailVerified ||
		first.Provider != samlProvider || first.ProviderSubject != dave.NameID || first.Sub == "" {
		t.Fatalf("first SAML sign-in = %+v", first)
	}
	second, err := d.signInSAML(ctx, dave)
	if err != nil {
		t.Fatal(err)
	}
	if second.Sub != first.Sub || second.Username != first.Username {
		t.Fatalf("second SAML sign-in = %+v, want the same user %s", second, first.Sub)
	}
	u, err := d.pool.AdminGetUser(ctx, userpool.AdminGetUserInput{Username: first.Username})
	if err != nil {
		t.Fatal(err)
	}
	if u.UserStatus != store.StatusExternalProvider {
		t.Errorf("pool user status = %s", u.UserStatus)
	}

	// The same person through the OIDC IdP is another pool user: the pool
	// links accounts only when told to.
	viaOIDC, err := d.signInOIDC(ctx, &mockoidc.MockUser{Subject: "dave-9", Email: dave.Email, EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	if viaOIDC.Sub == first.Sub || viaOIDC.Username != "CorpIdP_dave-9" || viaOIDC.Provider != oidcProvider {
		t.Errorf("OIDC sign-in = %+v; want another pool user than the SAML one %s", viaOIDC, first.Sub)
	}
}

func TestTheServiceRefusesAnUnknownProvider(t *testing.T) {
	ctx := t.Context()
	d, err := newDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if who, err := d.signIn(ctx, "Elsewhere"); err == nil || !strings.Contains(err.Error(), "400 Bad Request") {
		t.Errorf("sign-in through an unknown provider = %+v, %v; want the service's 400", who, err)
	}
}
