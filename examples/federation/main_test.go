package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

func TestRunSignsTheCompanyUserInAndPrintsWhoTheServiceSaw(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"signed in through CorpIdP as CorpIdP_jane-1234\n",
		"  email:   jane@corp.example (verified: true)\n",
		"  IdP sub: jane-1234\n",
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
	first, err := d.signIn(ctx, &mockoidc.MockUser{Subject: "bob-77", Email: "bob@corp.example", EmailVerified: true, PreferredUsername: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if first.Username != "CorpIdP_bob-77" || first.Email != "bob@corp.example" || first.Provider != providerName || first.Sub == "" {
		t.Fatalf("first sign-in = %+v", first)
	}

	// The IdP now says another, unverified, address: the same pool user,
	// with the mapping applied again.
	second, err := d.signIn(ctx, &mockoidc.MockUser{Subject: "bob-77", Email: "robert@corp.example", PreferredUsername: "robert"})
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
	other, err := d.signIn(ctx, &mockoidc.MockUser{Subject: "carol-5", Email: "carol@corp.example", EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	if other.Sub == first.Sub || other.Username != "CorpIdP_carol-5" {
		t.Errorf("another IdP user signed in as %+v", other)
	}
}
