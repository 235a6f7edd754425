package hostedui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// TestAuthorizationCodeFlowWithRealClients drives the code flow with PKCE
// as a real relying party does: go-oidc discovers the provider and
// verifies the ID token, x/oauth2 builds the authorize URL, exchanges the
// code and refreshes; the "browser" signs in on the login page.
func TestAuthorizationCodeFlowWithRealClients(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", goodPW)
	ctx := context.Background()

	provider, err := oidc.NewProvider(ctx, e.base)
	if err != nil {
		t.Fatalf("oidc.NewProvider: %v", err)
	}
	conf := oauth2.Config{ClientID: publicClient, Endpoint: provider.Endpoint(), RedirectURL: e.cbURL,
		Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
	verifier := oauth2.GenerateVerifier()
	state, nonce := "state-"+t.Name(), "nonce-"+t.Name()
	authURL := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce))

	b := newAgent(t)
	got := e.login(b, authURL, "alice", goodPW)
	if got.Get("state") != state {
		t.Errorf("state = %q, want %q", got.Get("state"), state)
	}
	if got.Get("iss") != e.base {
		t.Errorf("iss = %q, want %q (RFC 9207)", got.Get("iss"), e.base)
	}

	tok, err := conf.Exchange(ctx, got.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	idTok, err := provider.Verifier(&oidc.Config{ClientID: publicClient}).Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("Verify(id_token): %v", err)
	}
	if idTok.Nonce != nonce {
		t.Errorf("nonce = %q, want %q", idTok.Nonce, nonce)
	}
	// at_hash binds the access token to the ID token (OIDC Core §3.1.3.6),
	// as go-oidc checks it.
	if err := idTok.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("go-oidc VerifyAccessToken: %v", err)
	}
	if err := idTok.VerifyAccessToken(tok.AccessToken + "x"); err == nil {
		t.Error("go-oidc accepted another access token for this ID token")
	}
	var claims struct {
		Email    string `json:"email"`
		Username string `json:"cognito:username"`
	}
	if err := idTok.Claims(&claims); err != nil || claims.Email != "alice@example.com" || claims.Username != "alice" {
		t.Errorf("ID token claims = %+v (%v)", claims, err)
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token from the code grant")
	}

	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("UserInfo: %v", err)
	}
	if info.Email != "alice@example.com" || info.Subject != idTok.Subject {
		t.Errorf("userinfo = %+v, want alice's email and sub %s", info, idTok.Subject)
	}

	// Refresh through a TokenSource whose access token has expired.
	expired := &oauth2.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Minute)}
	fresh, err := conf.TokenSource(ctx, expired).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if fresh.AccessToken == "" || fresh.AccessToken == tok.AccessToken {
		t.Errorf("refresh gave no new access token")
	}

	// Single sign-on: the same browser is not asked again.
	again := b.get(conf.AuthCodeURL("second", oauth2.S256ChallengeOption(verifier), oidc.Nonce("n2")))
	if again.status != http.StatusFound || !strings.HasPrefix(again.location(), e.cbURL+"?") {
		t.Fatalf("with a session, authorize answered %d to %q; want 302 to the callback", again.status, again.location())
	}
	loc, _ := url.Parse(again.location())
	if loc.Query().Get("code") == "" || loc.Query().Get("state") != "second" || loc.Query().Get("iss") != e.base {
		t.Errorf("SSO redirect %q lacks code, state or iss", again.location())
	}
}

// TestReauthentication: prompt=login and max_age decide whether a live
// session is enough (OIDC Core §3.1.2.1; checklist 32).
func TestReauthentication(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", goodPW)
	b := newAgent(t)
	e.login(b, e.authorizeURL(nil), "alice", goodPW)
	e.clock.Advance(2 * time.Minute)

	tests := []struct {
		name      string
		extra     url.Values
		wantLogin bool
	}{
		{"a live session answers at once", nil, false},
		{"prompt=login forces the form", url.Values{"prompt": {"login"}}, true},
		{"max_age older than the sign-in forces the form", url.Values{"max_age": {"60"}}, true},
		{"max_age=0 forces the form", url.Values{"max_age": {"0"}}, true},
		{"max_age newer than the sign-in answers at once", url.Values{"max_age": {"3600"}}, false},
		{"prompt=none with a session answers at once", url.Values{"prompt": {"none"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.get(e.authorizeURL(tt.extra))
			if r.status != http.StatusFound {
				t.Fatalf("status %d, want 302", r.status)
			}
			toLogin := r.location() == e.base+"/login"
			if toLogin != tt.wantLogin {
				t.Fatalf("redirected to %q; want login form: %v", r.location(), tt.wantLogin)
			}
		})
	}

	t.Run("prompt=none without a session is login_required", func(t *testing.T) {
		r := newAgent(t).get(e.authorizeURL(url.Values{"prompt": {"none"}}))
		loc, _ := url.Parse(r.location())
		if r.status != http.StatusFound || loc.Query().Get("error") != "login_required" || loc.Query().Get("state") != "st-123" {
			t.Fatalf("got %d %q, want a redirect with error=login_required", r.status, r.location())
		}
	})

	t.Run("a re-authentication carries the new auth_time", func(t *testing.T) {
		before := e.clock.Now()
		got := e.login(b, e.authorizeURL(url.Values{"max_age": {"0"}}), "alice", goodPW)
		res := e.postToken(url.Values{"grant_type": {"authorization_code"}, "code": {got.Get("code")}, "client_id": {publicClient},
			"redirect_uri": {e.cbURL}, "code_verifier": {pkceVerifier}}, "", "")
		if res.status != http.StatusOK {
			t.Fatalf("exchange: %d %s", res.status, res.body)
		}
		claims := idClaims(t, res.body)
		if at, _ := claims["auth_time"].(float64); int64(at) < before.Unix() {
			t.Errorf("auth_time %v is before the re-authentication at %d", claims["auth_time"], before.Unix())
		}
		if claims["nonce"] != "n-456" {
			t.Errorf("nonce = %v, want n-456", claims["nonce"])
		}
	})
}

// TestSignUpConfirmSignIn: sign up on the page, confirm with the emailed
// code, sign in, land on the callback with a code.
func TestSignUpConfirmSignIn(t *testing.T) {
	e := newEnv(t)
	b := newAgent(t)
	login := b.open(e.authorizeURL(nil))
	signup := b.open(e.base + "/signup")
	if signup.status != http.StatusOK || !strings.Contains(signup.body, `name="email"`) {
		t.Fatalf("sign-up page: %d\n%s", signup.status, signup.body)
	}
	_ = login
	confirm := b.submit(signup, url.Values{"username": {"bob"}, "email": {"bob@example.com"}, "password": {goodPW}})
	if confirm.url.Path != "/auth/confirmUser" || !strings.Contains(confirm.body, `value="bob"`) {
		t.Fatalf("after sign-up: %s %d\n%s", confirm.url, confirm.status, confirm.body)
	}
	t.Run("a wrong code is shown next to the code field", func(t *testing.T) {
		r := b.submit(confirm, url.Values{"code": {"000000"}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `aria-describedby="code-error"`) || !strings.Contains(r.body, `id="code-error"`) {
			t.Fatalf("wrong code: %d\n%s", r.status, r.body)
		}
	})
	signin := b.submit(confirm, url.Values{"code": {e.lastCode("bob@example.com")}})
	if signin.url.Path != "/auth/login" || !strings.Contains(signin.body, "confirmed") {
		t.Fatalf("after confirming: %s %d\n%s", signin.url, signin.status, signin.body)
	}
	got := e.callbackParams(b.submit(signin, url.Values{"username": {"bob"}, "password": {goodPW}}))
	if got.Get("code") == "" || got.Get("state") != "st-123" {
		t.Fatalf("callback %v lacks code or state", got)
	}
}

// TestForgotPassword: reset through the pages, then sign in with the new
// password.
func TestForgotPassword(t *testing.T) {
	e := newEnv(t)
	e.user("carol", "carol@example.com", goodPW)
	b := newAgent(t)
	b.open(e.authorizeURL(nil))
	forgot := b.open(e.base + "/forgotPassword")
	confirm := b.submit(forgot, url.Values{"username": {"carol"}})
	if confirm.url.Path != "/auth/confirmForgotPassword" {
		t.Fatalf("after asking for a code: %s %d\n%s", confirm.url, confirm.status, confirm.body)
	}
	const newPW = "tangerine-Quartz-88"
	signin := b.submit(confirm, url.Values{"code": {e.lastCode("carol@example.com")}, "password": {newPW}})
	if signin.url.Path != "/auth/login" {
		t.Fatalf("after the reset: %s %d\n%s", signin.url, signin.status, signin.body)
	}
	got := e.callbackParams(b.submit(signin, url.Values{"username": {"carol"}, "password": {newPW}}))
	if got.Get("code") == "" {
		t.Fatal("no code after signing in with the new password")
	}
}
