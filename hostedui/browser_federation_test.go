package hostedui_test

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/cupola-auth/cupola/userpool"
)

// TestBrowserFederatedSignInFromTheLoginPageButton signs in through
// mockoidc (federation_test.go's mockIdP) in Chromium: the app's authorize
// URL shows the login page, the provider's button leads to the IdP and back
// through /oauth2/idpresponse to the app, which exchanges the code and
// verifies the ID token with go-oidc.
func TestBrowserFederatedSignInFromTheLoginPageButton(t *testing.T) {
	b := newBrowser(t)
	s := newUISite(t, userpool.MFAOff)
	ctx := b.ctx
	idp := newMockIdP(t)
	cfg := idp.m.Config()
	if _, err := s.pool.CreateIdentityProvider(ctx, userpool.CreateIdentityProviderInput{
		ProviderName: oidcIdPName, ProviderType: userpool.ProviderTypeOIDC,
		ProviderDetails: map[string]string{"client_id": cfg.ClientID, "client_secret": cfg.ClientSecret,
			"oidc_issuer": cfg.Issuer, "token_endpoint_auth_method": "client_secret_post"},
		AttributeMapping: map[string]string{"email": "email", "name": "name"},
	}); err != nil {
		t.Fatalf("CreateIdentityProvider: %v", err)
	}
	if _, err := s.pool.UpdateUserPoolClient(ctx, userpool.UpdateUserPoolClientInput{
		ClientID: browserClientID, ClientName: "browser test app", CallbackURLs: []string{s.callback},
		AllowedOAuthFlows:          []string{userpool.OAuthFlowCode},
		AllowedOAuthScopes:         []string{userpool.ScopeOpenID, userpool.ScopeEmail, userpool.ScopeProfile},
		SupportedIdentityProviders: []string{userpool.ProviderCognito, oidcIdPName},
	}); err != nil {
		t.Fatalf("UpdateUserPoolClient: %v", err)
	}
	idp.m.QueueUser(idpUser{sub: fedSub, email: "ada@idp.example", name: "Ada Lovelace", verified: true})

	app := s.relyingParty(t, ctx)
	verifier, state, nonce := oauth2.GenerateVerifier(), rand.Text(), rand.Text()
	authURL := app.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce))
	s.expectPage(t, b, b.open(authURL), "/login")
	if b.count(selPassword) != 1 {
		t.Error("the login page of a client that supports COGNITO has no password field")
	}
	button := `a.idpButton-customizable[href$="/login/idp?provider=` + oidcIdPName + `"]`
	if got := b.text(button); got != "Continue with "+oidcIdPName {
		t.Errorf("button text = %q", got)
	}
	b.screenshot("idp-button")
	b.load("click the "+oidcIdPName+" button", chromedp.Click(chromedp.CSS(button), chromedp.NodeVisible))
	if got := b.location(); !strings.HasPrefix(got, s.callback+"?") {
		t.Fatalf("after the IdP the browser is at %s, want the app's callback", got)
	}
	q := s.awaitCallback(t)
	if q.Get("code") == "" || q.Get("state") != state {
		t.Fatalf("callback query %v, want a code and state %q", q, state)
	}
	if idp.authorizes.Load() != 1 {
		t.Errorf("the IdP's authorization endpoint saw %d visits, want 1", idp.authorizes.Load())
	}
	tok, err := app.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := app.verifier.Verify(ctx, raw)
	if err != nil {
		t.Fatalf("Verify(id_token): %v", err)
	}
	var c fedClaims
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	if c.Username != oidcIdPName+"_"+fedSub || c.Email != "ada@idp.example" || !c.EmailVerified || c.Name != "Ada Lovelace" || c.Nonce != nonce {
		t.Errorf("ID token claims %+v; want the federated user with the mapped attributes", c)
	}
	if len(c.Identities) != 1 || c.Identities[0].ProviderName != oidcIdPName {
		t.Errorf("identities = %+v", c.Identities)
	}
	if p := b.consoleProblems(); len(p) > 0 {
		t.Errorf("the pages logged problems (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}
