package hostedui_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/cupola-auth/cupola/userpool"
)

// TestFederatedClientWithoutCognitoRefusesPasswordSignIn: a client whose
// SupportedIdentityProviders lacks COGNITO shows no password form, and a
// password POSTed to /login by hand must not sign a pool user in for it.
// Its sign-up and password-reset pages are refused too.
func TestFederatedClientWithoutCognitoRefusesPasswordSignIn(t *testing.T) {
	idp := newMockIdP(t)
	e := newEnv(t, supporting(userpool.ProviderCognito, oidcIdPName))
	e.addOIDCProvider(oidcIdPName, idp)
	only, err := e.pool.CreateUserPoolClient(e.ctx, userpool.ClientConfig{ClientName: "idp-only",
		CallbackURLs: []string{e.cbURL}, AllowedOAuthFlows: []string{"code"}, AllowedOAuthScopes: []string{"openid", "email"},
		SupportedIdentityProviders: []string{oidcIdPName}})
	if err != nil {
		t.Fatal(err)
	}
	// A password sign-in is refused for it even when the form is
	// posted by hand, with the browser's CSRF token taken from another
	// client's login page.
	e.user("pat", "pat@example.com", goodPW)
	b2 := newAgent(t)
	form := formValues(b2.open(e.authorizeURL(nil)).body)
	if form.Get("_csrf") == "" {
		t.Fatalf("no CSRF token on the login page: %v", form)
	}
	b2.open(e.authorizeURL(url.Values{"client_id": {only.ClientID}}))
	for _, page := range []string{"/forgotPassword", "/signup"} {
		if r := b2.get(e.base + page); r.status != http.StatusForbidden {
			t.Errorf("%s for a client without COGNITO answered %d, want 403", page, r.status)
		}
	}
	form.Set("username", "pat")
	form.Set("password", goodPW)
	r := b2.follow(b2.post(e.base+"/login", form))
	if r.url.Path == "/callback" && r.url.Query().Get("code") != "" {
		t.Errorf("a client without COGNITO in SupportedIdentityProviders signed a password user in: %s", r.url)
	}
}
