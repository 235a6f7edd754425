package hostedui_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"html"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/crewjam/saml"
	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/oauth2"

	"github.com/cupola-auth/cupola/userpool"
)

// End-to-end tests of sign-in through an identity provider at the hosted
// UI. The upstream IdP is real third-party code running in-process:
// oauth2-proxy's mockoidc for OIDC (here) and crewjam/saml for SAML
// (below). The client app is go-oidc and x/oauth2, the
// browser the harness's cookie-jar agent.

const (
	oidcIdPName = "MockIdP"
	// fedSub is the subject the mock IdP signs its user in as.
	fedSub = "mock-subject-7"
)

// supporting lets the harness's public client sign in through the named
// providers ("COGNITO" for the pool's own users).
func supporting(providers ...string) envOption {
	return envOption{pool: func(c *userpool.Config) {
		c.Clients[0].SupportedIdentityProviders = providers
	}}
}

// mockIdP is oauth2-proxy's mockoidc serving on a loopback port, with a
// middleware in front of its authorization endpoint that counts the
// browser's visits and, when told to, answers as an IdP whose user
// declined: a redirect back with error=… and the state.
type mockIdP struct {
	m          *mockoidc.MockOIDC
	authorizes atomic.Int32
	deny       atomic.Pointer[string]
}

func newMockIdP(t *testing.T) *mockIdP {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	idp := &mockIdP{m: m}
	err = m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != mockoidc.AuthorizationEndpoint {
				next.ServeHTTP(w, r)
				return
			}
			idp.authorizes.Add(1)
			if code := idp.deny.Swap(nil); code != nil {
				back, err := url.Parse(r.URL.Query().Get("redirect_uri"))
				if err != nil || back.Host == "" {
					http.Error(w, "bad redirect_uri", http.StatusBadRequest)
					return
				}
				back.RawQuery = url.Values{"error": {*code}, "error_description": {"The user said no"},
					"state": {r.URL.Query().Get("state")}}.Encode()
				http.Redirect(w, r, back.String(), http.StatusFound)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return idp
}

// refuseNext makes the IdP's next authorization answer error=code.
func (idp *mockIdP) refuseNext(code string) { idp.deny.Store(&code) }

// idpUser is the IdP's user: mockoidc's User with a name claim (its
// MockUser has none) and email_verified always present.
type idpUser struct {
	sub, email, name string
	verified         bool
}

func (u idpUser) ID() string { return u.sub }

func (u idpUser) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"sub": u.sub, "email": u.email, "email_verified": u.verified, "name": u.name})
}

func (u idpUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return &idpUserClaims{IDTokenClaims: base, Email: u.email, EmailVerified: u.verified, Name: u.name}, nil
}

type idpUserClaims struct {
	*mockoidc.IDTokenClaims
	Email         string `json:"email,omitempty"`
	EmailVerified bool   `json:"email_verified"`
	Name          string `json:"name,omitempty"`
}

// addOIDCProvider registers the mock IdP in the pool under name, mapping
// email and name.
func (e *env) addOIDCProvider(name string, idp *mockIdP, identifiers ...string) {
	e.t.Helper()
	cfg := idp.m.Config()
	_, err := e.pool.CreateIdentityProvider(e.ctx, userpool.CreateIdentityProviderInput{
		ProviderName: name, ProviderType: userpool.ProviderTypeOIDC,
		ProviderDetails: map[string]string{"client_id": cfg.ClientID, "client_secret": cfg.ClientSecret,
			"oidc_issuer": cfg.Issuer, "authorize_scopes": "openid email profile",
			// mockoidc reads the client's credentials from the form only.
			"token_endpoint_auth_method": "client_secret_post"},
		AttributeMapping: map[string]string{"email": "email", "name": "name"},
		IdpIdentifiers:   identifiers,
	})
	if err != nil {
		e.t.Fatalf("CreateIdentityProvider(%s): %v", name, err)
	}
}

// fedApp is the client app: go-oidc discovers the pool and verifies its
// ID tokens, x/oauth2 builds the authorize URL and redeems the code.
type fedApp struct {
	e        *env
	conf     oauth2.Config
	verifier *oidc.IDTokenVerifier
	pkce     string
}

func (e *env) fedApp() *fedApp {
	e.t.Helper()
	provider, err := oidc.NewProvider(context.Background(), e.base)
	if err != nil {
		e.t.Fatalf("oidc.NewProvider: %v", err)
	}
	return &fedApp{e: e, pkce: oauth2.GenerateVerifier(),
		conf: oauth2.Config{ClientID: publicClient, Endpoint: provider.Endpoint(), RedirectURL: e.cbURL,
			Scopes: []string{oidc.ScopeOpenID, "email", "profile"}},
		verifier: provider.Verifier(&oidc.Config{ClientID: publicClient})}
}

// authURL is the app's authorize URL; provider, when set, is sent as
// identity_provider.
func (a *fedApp) authURL(state, provider string, extra ...oauth2.AuthCodeOption) string {
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(a.pkce), oidc.Nonce("nonce-" + state)}, extra...)
	if provider != "" {
		opts = append(opts, oauth2.SetAuthURLParam("identity_provider", provider))
	}
	return a.conf.AuthCodeURL(state, opts...)
}

// fedClaims are the ID token claims these tests look at.
type fedClaims struct {
	Sub           string `json:"sub"`
	Username      string `json:"cognito:username"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Name          string `json:"name"`
	Nonce         string `json:"nonce"`
	Identities    []struct {
		UserID       string `json:"userId"`
		ProviderName string `json:"providerName"`
		ProviderType string `json:"providerType"`
		Primary      string `json:"primary"`
	} `json:"identities"`
}

// redeem checks the callback's state and iss, exchanges its code and
// returns the verified ID token's claims.
func (a *fedApp) redeem(t *testing.T, cb url.Values, state string) fedClaims {
	t.Helper()
	if cb.Get("error") != "" || cb.Get("code") == "" {
		t.Fatalf("callback %v: no code", cb)
	}
	if cb.Get("state") != state || cb.Get("iss") != a.e.base {
		t.Errorf("callback state=%q iss=%q; want %q and %q", cb.Get("state"), cb.Get("iss"), state, a.e.base)
	}
	tok, err := a.conf.Exchange(context.Background(), cb.Get("code"), oauth2.VerifierOption(a.pkce))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := a.verifier.Verify(context.Background(), raw)
	if err != nil {
		t.Fatalf("go-oidc Verify(id_token): %v", err)
	}
	var c fedClaims
	if err := idt.Claims(&c); err != nil {
		t.Fatalf("claims: %v", err)
	}
	if c.Nonce != "nonce-"+state {
		t.Errorf("nonce = %q, want %q", c.Nonce, "nonce-"+state)
	}
	return c
}

// fedCallback is env.callbackParams for t (a subtest's own).
func fedCallback(t *testing.T, e *env, r *response) url.Values {
	t.Helper()
	if r.url.Host != strings.TrimPrefix(e.cb.URL, "http://") || r.url.Path != "/callback" {
		t.Fatalf("ended at %s (status %d), not the callback:\n%s", r.url, r.status, r.body)
	}
	return r.url.Query()
}

// usernames lists the pool's users by username.
func (e *env) usernames() []string {
	e.t.Helper()
	out, err := e.pool.ListUsers(e.ctx, userpool.ListUsersInput{})
	if err != nil {
		e.t.Fatalf("ListUsers: %v", err)
	}
	var names []string
	for _, u := range out.Users {
		names = append(names, u.Username)
	}
	return names
}

// attr returns a user's attribute as the admin API shows it.
func (e *env) attr(username, name string) string {
	e.t.Helper()
	u, err := e.pool.AdminGetUser(e.ctx, userpool.AdminGetUserInput{Username: username})
	if err != nil {
		e.t.Fatalf("AdminGetUser(%s): %v", username, err)
	}
	for _, a := range u.Attributes {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

var idpButtonPattern = regexp.MustCompile(`<a class="btn idpButton-customizable" href="([^"]*)">Continue with ([^<]*)</a>`)

// idpButtons returns the login page's provider buttons: name → URL.
func idpButtons(body string) map[string]string {
	out := map[string]string{}
	for _, m := range idpButtonPattern.FindAllStringSubmatch(body, -1) {
		out[html.UnescapeString(m[2])] = html.UnescapeString(m[1])
	}
	return out
}

func TestFederatedOIDCSignInThroughMockOIDC(t *testing.T) {
	idp := newMockIdP(t)
	e := newEnv(t, supporting(userpool.ProviderCognito, oidcIdPName))
	e.addOIDCProvider(oidcIdPName, idp)
	app := e.fedApp()
	username := oidcIdPName + "_" + fedSub

	// First sign-in: the client names the provider, so the browser goes
	// from /oauth2/authorize straight to the IdP and back.
	idp.m.QueueUser(idpUser{sub: fedSub, email: "jane@idp.example", name: "Jane Doe", verified: true})
	b := newAgent(t)
	first := b.get(app.authURL("s1", oidcIdPName))
	if first.status != http.StatusFound || !strings.HasPrefix(first.location(), idp.m.Issuer()+"/authorize?") {
		t.Fatalf("authorize with identity_provider answered %d to %q; want 302 to the IdP", first.status, first.location())
	}
	toIdP, _ := url.Parse(first.location())
	if q := toIdP.Query(); q.Get("redirect_uri") != e.base+"/oauth2/idpresponse" || q.Get("code_challenge_method") != "S256" ||
		q.Get("nonce") == "" || q.Get("state") == "" || q.Get("state") == "s1" {
		t.Errorf("request to the IdP %v: want Cupola's own callback, PKCE, a nonce and a state of its own", q)
	}
	if b.cookie(e.base+"/oauth2/idpresponse", "cupola_idp") == nil {
		t.Error("no cupola_idp cookie for the callback path")
	}
	c := app.redeem(t, fedCallback(t, e, b.follow(first)), "s1")
	if c.Username != username {
		t.Errorf("cognito:username = %q, want %q", c.Username, username)
	}
	if c.Email != "jane@idp.example" || !c.EmailVerified || c.Name != "Jane Doe" {
		t.Errorf("email=%q verified=%v name=%q; want the mapped jane@idp.example (verified) and Jane Doe", c.Email, c.EmailVerified, c.Name)
	}
	if len(c.Identities) != 1 || c.Identities[0].ProviderName != oidcIdPName || c.Identities[0].ProviderType != "OIDC" ||
		c.Identities[0].UserID != fedSub || c.Identities[0].Primary != "true" {
		t.Errorf("identities = %+v; want the one %s identity %s", c.Identities, oidcIdPName, fedSub)
	}
	if b.cookie(e.base+"/oauth2/idpresponse", "cupola_idp") != nil {
		t.Error("the cupola_idp cookie outlived its answer")
	}
	u, err := e.pool.AdminGetUser(e.ctx, userpool.AdminGetUserInput{Username: username})
	if err != nil || u.UserStatus != "EXTERNAL_PROVIDER" {
		t.Fatalf("AdminGetUser(%s) = %+v, %v; want status EXTERNAL_PROVIDER", username, u, err)
	}

	// Single sign-on: the same browser is answered at once, without the IdP.
	visits := idp.authorizes.Load()
	sso := b.get(app.authURL("s1b", oidcIdPName))
	if sso.status != http.StatusFound || !strings.HasPrefix(sso.location(), e.cbURL+"?") || idp.authorizes.Load() != visits {
		t.Errorf("with a session, authorize answered %d to %q (IdP visits %d→%d); want the callback at once",
			sso.status, sso.location(), visits, idp.authorizes.Load())
	}

	t.Run("a second sign-in is the same user, with the mapping re-applied", func(t *testing.T) {
		idp.m.QueueUser(idpUser{sub: fedSub, email: "jane.doe@idp.example", name: "Jane Q. Doe", verified: false})
		c2 := app.redeem(t, fedCallback(t, e, newAgent(t).open(app.authURL("s2", oidcIdPName))), "s2")
		if c2.Sub != c.Sub || c2.Username != username {
			t.Errorf("second sign-in is sub %q %q; want the first's %q %q", c2.Sub, c2.Username, c.Sub, username)
		}
		if c2.Email != "jane.doe@idp.example" || c2.EmailVerified || c2.Name != "Jane Q. Doe" {
			t.Errorf("email=%q verified=%v name=%q; want the new mapped values, email unverified as the IdP says",
				c2.Email, c2.EmailVerified, c2.Name)
		}
		if got := e.attr(username, "name"); got != "Jane Q. Doe" {
			t.Errorf("stored name = %q after the second sign-in", got)
		}
		if got := e.usernames(); len(got) != 1 {
			t.Errorf("users = %v; want the one federated user", got)
		}
	})

	t.Run("the login page's button signs in through the provider", func(t *testing.T) {
		idp.m.QueueUser(idpUser{sub: fedSub, email: "jane.doe@idp.example", name: "Jane Q. Doe"})
		b := newAgent(t)
		page := b.open(app.authURL("s3", ""))
		if page.url.Path != "/auth/login" || !strings.Contains(page.body, `name="password"`) {
			t.Fatalf("without identity_provider: %s %d, want the login page with the password form", page.url, page.status)
		}
		buttons := idpButtons(page.body)
		href, ok := buttons[oidcIdPName]
		if len(buttons) != 1 || !ok || href != e.base+"/login/idp?provider="+oidcIdPName {
			t.Fatalf("login page buttons = %v; want one for %s to /login/idp", buttons, oidcIdPName)
		}
		c3 := app.redeem(t, fedCallback(t, e, b.open(href)), "s3")
		if c3.Sub != c.Sub || c3.Username != username {
			t.Errorf("button sign-in is %q %q; want %q %q", c3.Sub, c3.Username, c.Sub, username)
		}
	})

	t.Run("a client of the provider alone has no password form", func(t *testing.T) {
		only, err := e.pool.CreateUserPoolClient(e.ctx, userpool.ClientConfig{ClientName: "idp-only",
			CallbackURLs: []string{e.cbURL}, AllowedOAuthFlows: []string{"code"}, AllowedOAuthScopes: []string{"openid", "email"},
			SupportedIdentityProviders: []string{oidcIdPName}})
		if err != nil {
			t.Fatal(err)
		}
		b := newAgent(t)
		page := b.open(e.authorizeURL(url.Values{"client_id": {only.ClientID}}))
		if page.url.Path != "/auth/login" || strings.Contains(page.body, `name="password"`) {
			t.Fatalf("%s %d: want the login page without the password form:\n%s", page.url, page.status, page.body)
		}
		href := idpButtons(page.body)[oidcIdPName]
		idp.m.QueueUser(idpUser{sub: fedSub, email: "jane.doe@idp.example", name: "Jane Q. Doe"})
		if href == "" {
			t.Fatalf("no %s button:\n%s", oidcIdPName, page.body)
		}
		cb := fedCallback(t, e, b.open(href))
		res := e.postToken(url.Values{"grant_type": {"authorization_code"}, "code": {cb.Get("code")}, "client_id": {only.ClientID},
			"redirect_uri": {e.cbURL}, "code_verifier": {pkceVerifier}}, "", "")
		if res.status != http.StatusOK {
			t.Fatalf("exchange: %d %s", res.status, res.body)
		}
		if got := idClaims(t, res.body)["cognito:username"]; got != username {
			t.Errorf("cognito:username = %v, want %s", got, username)
		}
	})
}

// startAtIdP begins a federated sign-in in b and visits the IdP, returning
// the IdP's redirect back to Cupola (not yet followed).
func startAtIdP(t *testing.T, b *agent, app *fedApp, state string) string {
	t.Helper()
	r := b.get(app.authURL(state, oidcIdPName))
	if r.status != http.StatusFound {
		t.Fatalf("authorize: %d %s", r.status, r.body)
	}
	back := b.get(r.location())
	if back.status != http.StatusFound || !strings.Contains(back.location(), "/oauth2/idpresponse?") {
		t.Fatalf("the IdP answered %d to %q; want a redirect to idpresponse", back.status, back.location())
	}
	return back.location()
}

func TestFederatedSignInRefusals(t *testing.T) {
	idp := newMockIdP(t)
	e := newEnv(t, supporting(userpool.ProviderCognito, oidcIdPName, "Ghost"))
	e.addOIDCProvider(oidcIdPName, idp)
	e.addOIDCProvider("OtherIdP", idp) // exists, but the client does not list it
	app := e.fedApp()
	noUsers := func(t *testing.T) {
		t.Helper()
		if got := e.usernames(); len(got) != 0 {
			t.Errorf("users = %v; want none created", got)
		}
	}

	t.Run("another browser's callback signs nobody in", func(t *testing.T) {
		a, b, fresh := newAgent(t), newAgent(t), newAgent(t)
		cbA := startAtIdP(t, a, app, "sa")
		// b has started a sign-in of its own, so it has an idp cookie,
		// for another state.
		startAtIdP(t, b, app, "sb")
		for name, other := range map[string]*agent{"a browser with its own sign-in": b, "a browser without one": fresh} {
			r := other.get(cbA)
			if r.status != http.StatusBadRequest || r.location() != "" || !strings.Contains(html.UnescapeString(r.body), "sign-in session has expired") {
				t.Errorf("%s given A's callback: %d to %q; want the 400 error page", name, r.status, r.location())
			}
		}
		noUsers(t)
		// A's own callback still works: the refusals consumed nothing.
		app.redeem(t, fedCallback(t, e, a.follow(a.get(cbA))), "sa")
		if got := e.usernames(); len(got) != 1 || got[0] != oidcIdPName+"_1234567890" {
			t.Errorf("users = %v; want A's (mockoidc's default user)", got)
		}
	})

	t.Run("the idp cookie replayed after its sign-in is refused", func(t *testing.T) {
		a := newAgent(t)
		cbA := startAtIdP(t, a, app, "sr")
		kept := a.cookie(e.base+"/oauth2/idpresponse", "cupola_idp")
		if kept == nil {
			t.Fatal("no cupola_idp cookie")
		}
		app.redeem(t, fedCallback(t, e, a.follow(a.get(cbA))), "sr")

		thief := newAgent(t)
		base, _ := url.Parse(e.base + "/")
		thief.c.Jar.SetCookies(base, []*http.Cookie{{Name: kept.Name, Value: kept.Value, Path: "/"}})
		r := thief.follow(thief.get(cbA))
		// The provider's code is spent: the answer is refused on the
		// hosted UI's own page, and the app never gets a code.
		if strings.HasSuffix(r.url.Path, "/oauth2/idpresponse") {
			if r.status != http.StatusForbidden {
				t.Fatalf("the replay answered %d at %s, want the 403 error page", r.status, r.url)
			}
		} else if r.url.Query().Get("code") != "" {
			t.Fatalf("a replayed idp cookie and callback signed in again: %s", r.url)
		}
		if thief.cookie(e.base+"/oauth2/authorize", "cupola_session") != nil {
			t.Error("the replay got a session cookie")
		}
	})

	t.Run("the IdP refusing sends access_denied to the app", func(t *testing.T) {
		before := len(e.usernames())
		idp.refuseNext("access_denied")
		r := newAgent(t).open(app.authURL("sd", oidcIdPName))
		cb := fedCallback(t, e, r)
		if cb.Get("error") != "access_denied" || cb.Get("state") != "sd" || cb.Get("code") != "" || cb.Get("iss") != e.base {
			t.Errorf("callback = %v; want error=access_denied with the app's state and iss, no code", cb)
		}
		if got := len(e.usernames()); got != before {
			t.Errorf("users %d → %d after a refusal", before, got)
		}
	})

	t.Run("identity_provider the client does not support is invalid_request", func(t *testing.T) {
		visits := idp.authorizes.Load()
		for _, name := range []string{"OtherIdP", "Nope"} {
			r := newAgent(t).get(app.authURL("su", name))
			loc, _ := url.Parse(r.location())
			if r.status != http.StatusFound || !strings.HasPrefix(r.location(), e.cbURL+"?") ||
				loc.Query().Get("error") != "invalid_request" || loc.Query().Get("state") != "su" {
				t.Errorf("identity_provider=%s: %d to %q; want the app's callback with invalid_request", name, r.status, r.location())
			}
		}
		// A client that lists no providers is COGNITO's alone.
		r := newAgent(t).get(e.base + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {e.confidential},
			"redirect_uri": {e.cbURL}, "scope": {"openid"}, "state": {"sc"}, "identity_provider": {oidcIdPName}}.Encode())
		if loc, _ := url.Parse(r.location()); r.status != http.StatusFound || loc.Query().Get("error") != "invalid_request" {
			t.Errorf("COGNITO-only client with identity_provider: %d to %q; want invalid_request", r.status, r.location())
		}
		if idp.authorizes.Load() != visits {
			t.Error("a refused identity_provider still sent the browser to the IdP")
		}
	})

	t.Run("a provider the client lists but the pool lacks goes back to the login page", func(t *testing.T) {
		b := newAgent(t)
		page := b.open(app.authURL("sg", "Ghost"))
		if page.url.Path != "/auth/login" || !strings.Contains(page.body, "That sign-in option is not available.") {
			t.Fatalf("identity_provider=Ghost: %s %d; want the login page saying so:\n%s", page.url, page.status, page.body)
		}
		if _, ok := idpButtons(page.body)["Ghost"]; ok {
			t.Error("the login page shows a button for a provider that does not exist")
		}
		// The buttons' route refuses the same way, and an unsupported one.
		for _, name := range []string{"Ghost", "OtherIdP", ""} {
			r := b.open(e.base + "/login/idp?provider=" + url.QueryEscape(name))
			if r.url.Path != "/auth/login" || !strings.Contains(r.body, "That sign-in option is not available.") {
				t.Errorf("/login/idp?provider=%s: %s %d; want the login page with the alert", name, r.url, r.status)
			}
		}
		// The flow survives: the real provider's button still works.
		app.redeem(t, fedCallback(t, e, b.open(e.base+"/login/idp?provider="+oidcIdPName)), "sg")
	})

	t.Run("/login/idp without a sign-in in progress is refused", func(t *testing.T) {
		visits := idp.authorizes.Load()
		r := newAgent(t).get(e.base + "/login/idp?provider=" + oidcIdPName)
		if r.status != http.StatusBadRequest || r.location() != "" {
			t.Errorf("%d to %q; want the 400 error page", r.status, r.location())
		}
		if idp.authorizes.Load() != visits {
			t.Error("the IdP was visited")
		}
	})

	t.Run("POST /login/idp needs the CSRF token", func(t *testing.T) {
		b := newAgent(t)
		b.open(app.authURL("sx", ""))
		r := b.post(e.base+"/login/idp", url.Values{"identifier": {"x@corp.example"}})
		if r.status != http.StatusForbidden {
			t.Errorf("without the CSRF token: %d; want 403", r.status)
		}
	})

	t.Run("a callback with no idp cookie and no state is the error page", func(t *testing.T) {
		r := newAgent(t).get(e.base + "/oauth2/idpresponse?code=abc")
		if r.status != http.StatusBadRequest || r.location() != "" {
			t.Errorf("%d to %q; want 400", r.status, r.location())
		}
		r = newAgent(t).post(e.base+"/oauth2/idpresponse", url.Values{"code": {"abc"}, "state": {"x"}})
		if r.status != http.StatusBadRequest || r.location() != "" {
			t.Errorf("POST: %d to %q; want 400", r.status, r.location())
		}
	})
}

func TestFederatedSignInRoutesAnEmailByIdpIdentifier(t *testing.T) {
	idp := newMockIdP(t)
	e := newEnv(t, supporting(userpool.ProviderCognito, oidcIdPName))
	e.addOIDCProvider(oidcIdPName, idp, "idp.example")
	app := e.fedApp()

	b := newAgent(t)
	page := b.open(app.authURL("si", ""))
	if !strings.Contains(page.body, `action="`+e.base+`/login/idp"`) || !strings.Contains(page.body, `name="identifier"`) {
		t.Fatalf("the login page has no email routing form:\n%s", page.body)
	}
	// The page has two forms; the email one comes first.
	m := formPattern.FindStringSubmatch(page.body)
	if m == nil || html.UnescapeString(m[1]) != e.base+"/login/idp" {
		t.Fatalf("first form = %v", m)
	}
	t.Run("an unknown domain stays on the login page", func(t *testing.T) {
		r := b.submit(page, url.Values{"identifier": {"someone@elsewhere.example"}})
		if r.url.Path != "/auth/login" || !strings.Contains(r.body, "No sign-in is set up for that address.") {
			t.Errorf("%s %d; want the login page with the alert", r.url, r.status)
		}
	})
	r := b.submitNoFollow(page, url.Values{"identifier": {"Jane@IdP.Example"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), idp.m.Issuer()+"/authorize?") {
		t.Fatalf("identifier routing: %d to %q; want 303 to the IdP", r.status, r.location())
	}
	app.redeem(t, fedCallback(t, e, b.follow(r)), "si")

	t.Run("idp_identifier on the authorize request skips the page", func(t *testing.T) {
		r := newAgent(t).get(app.authURL("sj", "", oauth2.SetAuthURLParam("idp_identifier", "idp.example")))
		if r.status != http.StatusFound || !strings.HasPrefix(r.location(), idp.m.Issuer()+"/authorize?") {
			t.Errorf("idp_identifier: %d to %q; want 302 to the IdP", r.status, r.location())
		}
	})
}

// SAML: crewjam/saml's IdentityProvider in an httptest server, as
// federation/saml_idp_test.go runs it, with the test keys copied from
// federation/testdata/saml.

const samlIdPName = "CorpSAML"

// samlIdP is crewjam's IdP with one user, always logged in.
type samlIdP struct {
	server *httptest.Server
	idp    *saml.IdentityProvider
	sp     atomic.Pointer[saml.EntityDescriptor]
}

func (s *samlIdP) GetServiceProvider(_ *http.Request, id string) (*saml.EntityDescriptor, error) {
	if sp := s.sp.Load(); sp != nil && sp.EntityID == id {
		return sp, nil
	}
	return nil, os.ErrNotExist
}

func (s *samlIdP) GetSession(http.ResponseWriter, *http.Request, *saml.IdpAuthnRequest) *saml.Session {
	now := time.Now()
	return &saml.Session{ID: "session-1", CreateTime: now.Add(-time.Minute), ExpireTime: now.Add(time.Hour), Index: "idx-1",
		NameID: "alice@corp.example", NameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
		UserName: "alice", UserEmail: "alice@corp.example", UserGivenName: "Alice", UserSurname: "Liddell",
		UserCommonName: "Alice Liddell"}
}

// samlKeyPair reads testdata/saml/<name>.key and .crt.
func samlKeyPair(t *testing.T, name string) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	read := func(ext string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", "saml", name+ext))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := pem.Decode(data)
		if b == nil {
			t.Fatalf("%s%s: no PEM block", name, ext)
		}
		return b.Bytes
	}
	k, err := x509.ParsePKCS8PrivateKey(read(".key"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(read(".crt"))
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey), c
}

func newSAMLIdP(t *testing.T) *samlIdP {
	t.Helper()
	key, cert := samlKeyPair(t, "idp")
	s := &samlIdP{}
	var h http.Handler
	s.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(s.server.Close)
	at := func(path string) url.URL {
		u, _ := url.Parse(s.server.URL + path)
		return *u
	}
	s.idp = &saml.IdentityProvider{Key: key, Certificate: cert, Logger: log.New(io.Discard, "", 0),
		MetadataURL: at("/metadata"), SSOURL: at("/sso"), ServiceProviderProvider: s, SessionProvider: s}
	h = s.idp.Handler()
	return s
}

// withSAMLKeys gives the pool its SAML service-provider key pair.
func withSAMLKeys(t *testing.T) envOption {
	key, cert := samlKeyPair(t, "sp")
	return envOption{pool: func(c *userpool.Config) {
		c.Federation.SAMLKey, c.Federation.SAMLCertificate = key, cert
	}}
}

// addSAMLProvider registers the IdP in the pool (from its metadata) and
// the pool's SP metadata at the IdP: entity ID urn:amazon:cognito:sp:<pool
// ID>, ACS <base>/saml2/idpresponse, the pool's certificate.
func (e *env) addSAMLProvider(idp *samlIdP, identifiers ...string) {
	e.t.Helper()
	md, err := xml.Marshal(idp.idp.Metadata())
	if err != nil {
		e.t.Fatal(err)
	}
	details := map[string]string{"MetadataFile": string(md), "RequestSigningAlgorithm": "rsa-sha256"}
	if _, err := e.pool.CreateIdentityProvider(e.ctx, userpool.CreateIdentityProviderInput{
		ProviderName: samlIdPName, ProviderType: userpool.ProviderTypeSAML, ProviderDetails: details,
		AttributeMapping: map[string]string{"email": "urn:oid:0.9.2342.19200300.100.1.3",
			"given_name": "urn:oid:2.5.4.42", "family_name": "urn:oid:2.5.4.4"},
		IdpIdentifiers: identifiers,
	}); err != nil {
		e.t.Fatalf("CreateIdentityProvider(SAML): %v", err)
	}
	// The IdP trusts the metadata the hosted UI publishes, as an IdP
	// administrator would fetch it.
	resp, err := http.Get(e.base + "/saml2/metadata/" + samlIdPName)
	if err != nil {
		e.t.Fatal(err)
	}
	spMD, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/samlmetadata+xml" {
		e.t.Fatalf("SP metadata: %d %q %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	if !strings.Contains(string(spMD), `entityID="urn:amazon:cognito:sp:`+e.pool.ID()+`"`) ||
		!strings.Contains(string(spMD), `Location="`+e.base+`/saml2/idpresponse"`) ||
		!strings.Contains(string(spMD), `AuthnRequestsSigned="true"`) {
		e.t.Fatalf("SP metadata lacks the entity ID, the ACS or signed requests:\n%s", spMD)
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(spMD, &ed); err != nil {
		e.t.Fatal(err)
	}
	idp.sp.Store(&ed)
}

var (
	samlFormAction   = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	samlFormResponse = regexp.MustCompile(`name="SAMLResponse" value="([^"]*)"`)
	samlFormRelay    = regexp.MustCompile(`name="RelayState" value="([^"]*)"`)
)

// samlAutoPost reads the IdP's auto-submitting form: where it posts, and
// what.
func samlAutoPost(t *testing.T, page *response) (string, url.Values) {
	t.Helper()
	get := func(re *regexp.Regexp) string {
		m := re.FindStringSubmatch(page.body)
		if m == nil {
			t.Fatalf("no %v in the IdP's page (%d):\n%s", re, page.status, page.body)
		}
		return html.UnescapeString(m[1])
	}
	return get(samlFormAction), url.Values{"SAMLResponse": {get(samlFormResponse)}, "RelayState": {get(samlFormRelay)}}
}

// samlAtIdP follows r (a redirect to the IdP) and returns the IdP's form.
func samlAtIdP(t *testing.T, e *env, b *agent, r *response, idp *samlIdP) (string, url.Values) {
	t.Helper()
	if r.status != http.StatusFound && r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), idp.server.URL+"/sso?") {
		t.Fatalf("%d to %q; want a redirect to the IdP's SSO", r.status, r.location())
	}
	action, form := samlAutoPost(t, b.follow(r))
	if action != e.base+"/saml2/idpresponse" {
		t.Fatalf("the IdP posts to %q; want the pool's ACS", action)
	}
	return action, form
}

func TestFederatedSAMLSignInThroughCrewjamIdP(t *testing.T) {
	idp := newSAMLIdP(t)
	e := newEnv(t, supporting(userpool.ProviderCognito, samlIdPName), withSAMLKeys(t))
	e.addSAMLProvider(idp, "corp.example")
	app := e.fedApp()
	const username = samlIdPName + "_alice@corp.example"

	b := newAgent(t)
	action, form := samlAtIdP(t, e, b, b.get(app.authURL("m1", samlIdPName)), idp)
	kept := b.cookie(action, "cupola_idp")
	if kept == nil {
		t.Fatal("no cupola_idp cookie for the ACS")
	}
	posted := b.post(action, form)
	if posted.status != http.StatusSeeOther {
		t.Fatalf("POST /saml2/idpresponse: %d %s", posted.status, posted.body)
	}
	c := app.redeem(t, fedCallback(t, e, b.follow(posted)), "m1")
	if c.Username != username || c.Email != "alice@corp.example" || c.EmailVerified {
		t.Errorf("claims %+v; want %s with the mapped email, unverified (SAML asserts no verification)", c, username)
	}
	if len(c.Identities) != 1 || c.Identities[0].ProviderName != samlIdPName || c.Identities[0].ProviderType != "SAML" ||
		c.Identities[0].UserID != "alice@corp.example" {
		t.Errorf("identities = %+v", c.Identities)
	}
	if got, fam := e.attr(username, "given_name"), e.attr(username, "family_name"); got != "Alice" || fam != "Liddell" {
		t.Errorf("given_name=%q family_name=%q; want the mapped Alice Liddell", got, fam)
	}

	t.Run("the same response posted again is refused", func(t *testing.T) {
		for name, x := range map[string]*agent{"with the used idp cookie": newAgent(t), "without a cookie": newAgent(t)} {
			if name == "with the used idp cookie" {
				base, _ := url.Parse(e.base + "/")
				x.c.Jar.SetCookies(base, []*http.Cookie{{Name: kept.Name, Value: kept.Value, Path: "/"}})
			}
			r := x.post(action, form)
			if r.status < 400 || r.location() != "" {
				t.Errorf("%s: %d to %q; want an error page", name, r.status, r.location())
			}
		}
		if got := e.usernames(); len(got) != 1 {
			t.Errorf("users = %v", got)
		}
	})

	t.Run("another browser's response signs nobody in there", func(t *testing.T) {
		a, other := newAgent(t), newAgent(t)
		action, formA := samlAtIdP(t, e, a, a.get(app.authURL("ma", samlIdPName)), idp)
		samlAtIdP(t, e, other, other.get(app.authURL("mo", samlIdPName)), idp)
		if r := other.post(action, formA); r.status != http.StatusBadRequest || r.location() != "" {
			t.Errorf("A's response in another browser: %d to %q; want 400", r.status, r.location())
		}
		// A's own post still works: the refusal did not spend its assertion.
		c := app.redeem(t, fedCallback(t, e, a.follow(a.post(action, formA))), "ma")
		if c.Username != username {
			t.Errorf("cognito:username = %q", c.Username)
		}
	})

	t.Run("an email routes to the provider by its IdpIdentifier", func(t *testing.T) {
		b := newAgent(t)
		page := b.open(app.authURL("me", ""))
		if _, ok := idpButtons(page.body)[samlIdPName]; !ok || !strings.Contains(page.body, `name="identifier"`) {
			t.Fatalf("login page lacks the %s button or the email field:\n%s", samlIdPName, page.body)
		}
		action, form := samlAtIdP(t, e, b, b.submitNoFollow(page, url.Values{"identifier": {"alice@corp.example"}}), idp)
		c := app.redeem(t, fedCallback(t, e, b.follow(b.post(action, form))), "me")
		if c.Sub == "" || c.Username != username {
			t.Errorf("cognito:username = %q; want %s", c.Username, username)
		}
	})

	t.Run("idp_identifier on the authorize request skips the page", func(t *testing.T) {
		b := newAgent(t)
		r := b.get(app.authURL("mi", "", oauth2.SetAuthURLParam("idp_identifier", "bob@Corp.Example")))
		action, form := samlAtIdP(t, e, b, r, idp)
		app.redeem(t, fedCallback(t, e, b.follow(b.post(action, form))), "mi")
	})
}
