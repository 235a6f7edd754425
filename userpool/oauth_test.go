package userpool_test

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

const (
	oauthClient = "hosted"
	callback    = "https://app.example.test/callback"
	verifier    = "dBjftJeZ4CVP-mJ92K9wU0S5ZS3ZxW9bG7Ws4sYkGQ0rAUbJXYz"
)

func challengeOf(v string) string {
	s := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(s[:])
}

// oauthEnv adds a public client for the code flow and a confidential one
// for client_credentials.
func oauthEnv(t *testing.T) (*env, string) {
	e := newMemEnv(t, func(c *userpool.Config) {
		c.Clients = append(c.Clients, userpool.ClientConfig{ClientID: oauthClient, CallbackURLs: []string{callback, "http://127.0.0.1:8080/cb"},
			AllowedOAuthFlows: []string{userpool.OAuthFlowCode}, AllowedOAuthScopes: []string{"openid", "email", "profile", "orders/read"},
			ExplicitAuthFlows: []string{userpool.AllowRefreshTokenAuth}})
	})
	m, err := e.pool.CreateUserPoolClient(e.ctx, userpool.ClientConfig{ClientName: "machine", GenerateSecret: true,
		AllowedOAuthFlows: []string{userpool.OAuthFlowClientCredentials}, AllowedOAuthScopes: []string{"orders/read", "orders/write"}})
	if err != nil {
		t.Fatal(err)
	}
	return e, m.ClientID + ":" + m.ClientSecret
}

func authorize(e *env, mutate func(*userpool.AuthorizeRequest)) (*userpool.Authorization, error) {
	in := userpool.AuthorizeRequest{ResponseType: "code", ClientID: oauthClient, RedirectURI: callback, State: "s1", Scope: "openid email",
		Nonce: "n-0S6_WzA2Mj", CodeChallenge: challengeOf(verifier), CodeChallengeMethod: "S256"}
	if mutate != nil {
		mutate(&in)
	}
	return e.pool.OAuth().ValidateAuthorizeRequest(e.ctx, in)
}

func wantOAuth(t *testing.T, err error, code string, redirect bool) {
	t.Helper()
	var oe *userpool.OAuthError
	if !errors.As(err, &oe) || oe.Code != code || oe.Redirect != redirect {
		t.Fatalf("error = %v, want OAuth %s (redirect %v)", err, code, redirect)
	}
}

func TestAuthorizeRequestValidation(t *testing.T) {
	e, _ := oauthEnv(t)
	for _, tc := range []struct {
		name     string
		mutate   func(*userpool.AuthorizeRequest)
		code     string
		redirect bool
	}{
		{"an unknown client shows an error page", func(r *userpool.AuthorizeRequest) { r.ClientID = "nope" }, "invalid_client", false},
		{"a redirect differing in case is refused", func(r *userpool.AuthorizeRequest) { r.RedirectURI = "https://APP.example.test/callback" }, "invalid_request", false},
		{"a trailing slash is refused", func(r *userpool.AuthorizeRequest) { r.RedirectURI = callback + "/" }, "invalid_request", false},
		{"an added query is refused", func(r *userpool.AuthorizeRequest) { r.RedirectURI = callback + "?x=1" }, "invalid_request", false},
		{"a fragment is refused", func(r *userpool.AuthorizeRequest) { r.RedirectURI = callback + "#f" }, "invalid_request", false},
		{"userinfo in the host is refused", func(r *userpool.AuthorizeRequest) { r.RedirectURI = "https://app.example.test@evil.test/callback" }, "invalid_request", false},
		{"path tricks are refused", func(r *userpool.AuthorizeRequest) { r.RedirectURI = "https://app.example.test/callback/..;/x" }, "invalid_request", false},
		{"javascript: is refused", func(r *userpool.AuthorizeRequest) { r.RedirectURI = "JaVaScRiPt:alert(1)" }, "invalid_request", false},
		{"the implicit flow is refused", func(r *userpool.AuthorizeRequest) { r.ResponseType = "token" }, "unsupported_response_type", true},
		{"plain PKCE is refused", func(r *userpool.AuthorizeRequest) { r.CodeChallengeMethod = "plain" }, "invalid_request", true},
		{"a public client without PKCE is refused", func(r *userpool.AuthorizeRequest) { r.CodeChallenge, r.CodeChallengeMethod = "", "" }, "invalid_request", true},
		{"a scope the client lacks is refused", func(r *userpool.AuthorizeRequest) { r.Scope = "openid phone" }, "invalid_scope", true},
		{"email without openid is refused", func(r *userpool.AuthorizeRequest) { r.Scope = "email" }, "invalid_scope", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := authorize(e, tc.mutate)
			wantOAuth(t, err, tc.code, tc.redirect)
		})
	}
	if _, err := authorize(e, func(r *userpool.AuthorizeRequest) { r.RedirectURI = "http://127.0.0.1:51234/cb" }); err != nil {
		t.Fatalf("a loopback redirect on another port: %v", err)
	}
}

// hostedCode signs alice in through the hosted path and returns a code.
func hostedCode(t *testing.T, e *env, a *userpool.Authorization) string {
	t.Helper()
	out, err := e.pool.OAuth().SignIn(e.ctx, userpool.SignInInput{ClientID: oauthClient, Username: "alice", Password: goodPW})
	if err != nil || out.Principal == nil {
		t.Fatalf("HostedSignIn = %+v, %v", out, err)
	}
	code, err := e.pool.OAuth().CreateAuthorizationCode(e.ctx, a, out.Principal)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestAuthorizationCodeFlow(t *testing.T) {
	e, _ := oauthEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	a, err := authorize(e, nil)
	if err != nil {
		t.Fatal(err)
	}
	code := hostedCode(t, e, a)
	exchange := func(code, v string) (*userpool.TokenResponse, error) {
		return e.pool.OAuth().Token(e.ctx, userpool.TokenRequest{GrantType: "authorization_code", Code: code, RedirectURI: callback, CodeVerifier: v, ClientID: oauthClient})
	}
	if _, err := exchange(code, strings.Repeat("x", 43)); err == nil {
		t.Fatal("a wrong verifier was accepted")
	}
	// A failed verifier spends the code.
	if _, err := exchange(code, verifier); err == nil {
		t.Fatal("the code survived a wrong verifier")
	}
	code = hostedCode(t, e, a)
	tok, err := exchange(code, verifier)
	if err != nil || tok.IDToken == "" || tok.RefreshToken == "" {
		t.Fatalf("exchange = %+v, %v", tok, err)
	}
	info, err := e.pool.OAuth().UserInfo(e.ctx, tok.AccessToken)
	if err != nil || info["email"] != "alice@example.com" || info["email_verified"] != true || info["sub"] == "" {
		t.Fatalf("UserInfo = %v, %v", info, err)
	}
	// Reusing the code fails and revokes what the first use issued.
	if _, err := exchange(code, verifier); err == nil {
		t.Fatal("a code was accepted twice")
	}
	if _, err := e.pool.OAuth().UserInfo(e.ctx, tok.AccessToken); !errors.Is(err, userpool.ErrNotAuthorized) {
		t.Fatalf("tokens of a reused code still work: %v", err)
	}
}

func TestCodeRedemptionRules(t *testing.T) {
	e, _ := oauthEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	a, err := authorize(e, nil)
	if err != nil {
		t.Fatal(err)
	}
	code := hostedCode(t, e, a)
	_, err = e.pool.OAuth().Token(e.ctx, userpool.TokenRequest{GrantType: "authorization_code", Code: code, RedirectURI: callback + "x", CodeVerifier: verifier, ClientID: oauthClient})
	wantOAuth(t, err, "invalid_grant", true)
	e.clock.Advance(6 * time.Minute)
	code = hostedCode(t, e, a)
	e.clock.Advance(5*time.Minute + time.Second)
	_, err = e.pool.OAuth().Token(e.ctx, userpool.TokenRequest{GrantType: "authorization_code", Code: code, RedirectURI: callback, CodeVerifier: verifier, ClientID: oauthClient})
	wantOAuth(t, err, "invalid_grant", true)
	_, err = e.pool.OAuth().Token(e.ctx, userpool.TokenRequest{GrantType: "password", ClientID: oauthClient})
	wantOAuth(t, err, "unsupported_grant_type", true)
	_, err = e.pool.OAuth().Token(e.ctx, userpool.TokenRequest{GrantType: "authorization_code", ClientID: "nope"})
	wantOAuth(t, err, "invalid_client", false)
}

func TestClientCredentials(t *testing.T) {
	e, creds := oauthEnv(t)
	id, secret, _ := strings.Cut(creds, ":")
	tok, err := e.pool.OAuth().Token(e.ctx, userpool.TokenRequest{GrantType: "client_credentials", ClientID: id, ClientSecret: secret, Scope: "orders/read"})
	if err != nil || tok.AccessToken == "" || tok.IDToken != "" || tok.RefreshToken != "" {
		t.Fatalf("client_credentials = %+v, %v", tok, err)
	}
	_, err = e.pool.OAuth().Token(e.ctx, userpool.TokenRequest{GrantType: "client_credentials", ClientID: id, ClientSecret: "wrong", Scope: "orders/read"})
	wantOAuth(t, err, "invalid_client", false)
	_, err = e.pool.OAuth().Token(e.ctx, userpool.TokenRequest{GrantType: "client_credentials", ClientID: id, ClientSecret: secret, Scope: "openid"})
	wantOAuth(t, err, "invalid_scope", true)
	_, err = e.pool.OAuth().Token(e.ctx, userpool.TokenRequest{GrantType: "client_credentials", ClientID: oauthClient})
	wantOAuth(t, err, "unauthorized_client", true)
}

func TestHostedSignInNeedsTheCodeFlow(t *testing.T) {
	e, _ := oauthEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	if _, err := e.pool.OAuth().SignIn(e.ctx, userpool.SignInInput{ClientID: webClient, Username: "alice", Password: goodPW}); !errors.Is(err, userpool.ErrNotAuthorized) {
		t.Fatalf("hosted sign-in at a client without the code flow: %v", err)
	}
	if _, err := e.pool.OAuth().SignIn(e.ctx, userpool.SignInInput{ClientID: oauthClient, Username: "alice", Password: "wrong-password-1"}); !errors.Is(err, userpool.ErrNotAuthorized) {
		t.Fatalf("wrong password: %v", err)
	}
}

// A code presented by another client is refused without being spent: the
// client it was issued to can still redeem it.
func TestACodePresentedByAnotherClientIsNotSpent(t *testing.T) {
	e, _ := oauthEnv(t)
	e.createClient(userpool.ClientConfig{ClientID: "other", CallbackURLs: []string{callback},
		AllowedOAuthFlows: []string{userpool.OAuthFlowCode}, AllowedOAuthScopes: []string{"openid"}})
	e.confirmedUser("alice", "alice@example.com")
	a, err := authorize(e, nil)
	if err != nil {
		t.Fatal(err)
	}
	code := hostedCode(t, e, a)
	redeem := func(client string) (*userpool.TokenResponse, error) {
		return e.pool.OAuth().Token(e.ctx, userpool.TokenRequest{GrantType: "authorization_code", Code: code,
			RedirectURI: callback, CodeVerifier: verifier, ClientID: client})
	}
	_, err = redeem("other")
	wantOAuth(t, err, "invalid_grant", true)
	tok, err := redeem(oauthClient)
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("the code's own client after another tried it = %+v, %v", tok, err)
	}
}

// PKCE is required of every client unless a confidential one opts out;
// a public client cannot.
func TestPKCEIsRequiredUnlessAConfidentialClientOptsOut(t *testing.T) {
	e, _ := oauthEnv(t)
	secretive := e.createClient(userpool.ClientConfig{ClientID: "server", GenerateSecret: true, CallbackURLs: []string{callback},
		AllowedOAuthFlows: []string{userpool.OAuthFlowCode}, AllowedOAuthScopes: []string{"openid"}})
	e.createClient(userpool.ClientConfig{ClientID: "legacy", GenerateSecret: true, CodeWithoutPKCE: true, CallbackURLs: []string{callback},
		AllowedOAuthFlows: []string{userpool.OAuthFlowCode}, AllowedOAuthScopes: []string{"openid"}})
	e.createClient(userpool.ClientConfig{ClientID: "spa_opt_out", CodeWithoutPKCE: true, CallbackURLs: []string{callback},
		AllowedOAuthFlows: []string{userpool.OAuthFlowCode}, AllowedOAuthScopes: []string{"openid"}})
	noPKCE := func(client string) error {
		_, err := authorize(e, func(r *userpool.AuthorizeRequest) {
			r.ClientID, r.Scope, r.CodeChallenge, r.CodeChallengeMethod = client, "openid", "", ""
		})
		return err
	}
	wantOAuth(t, noPKCE(secretive.ClientID), "invalid_request", true)
	wantOAuth(t, noPKCE("spa_opt_out"), "invalid_request", true)
	if err := noPKCE("legacy"); err != nil {
		t.Fatalf("a confidential client that opted out: %v", err)
	}
}

// Only loopback IP literals may change port (RFC 8252 §8.3): the name
// localhost may resolve elsewhere.
func TestLocalhostRedirectsMatchExactly(t *testing.T) {
	e, _ := oauthEnv(t)
	e.createClient(userpool.ClientConfig{ClientID: "cli", CallbackURLs: []string{"http://localhost:3000/cb"},
		AllowedOAuthFlows: []string{userpool.OAuthFlowCode}, AllowedOAuthScopes: []string{"openid"}})
	at := func(uri string) error {
		_, err := authorize(e, func(r *userpool.AuthorizeRequest) { r.ClientID, r.Scope, r.RedirectURI = "cli", "openid", uri })
		return err
	}
	if err := at("http://localhost:3000/cb"); err != nil {
		t.Fatalf("the registered localhost URI: %v", err)
	}
	wantOAuth(t, at("http://localhost:4000/cb"), "invalid_request", false)
}

// RFC 6749 §5.1: the refresh grant's answer says which scopes its tokens
// carry.
func TestTheRefreshGrantNamesItsScope(t *testing.T) {
	e, _ := oauthEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	a, err := authorize(e, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.pool.OAuth().Token(e.ctx, userpool.TokenRequest{GrantType: "authorization_code", Code: hostedCode(t, e, a),
		RedirectURI: callback, CodeVerifier: verifier, ClientID: oauthClient})
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.pool.OAuth().Token(e.ctx, userpool.TokenRequest{GrantType: "refresh_token", RefreshToken: tok.RefreshToken, ClientID: oauthClient})
	if err != nil || again.Scope != "openid email" || again.Scope != tok.Scope {
		t.Fatalf("refresh grant = %+v, %v; want scope %q", again, err, tok.Scope)
	}
}
