package hostedui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// codeFor signs alice in (once per agent) and returns a fresh code for
// the public client.
func (e *env) codeFor(b *agent, extra url.Values) string {
	e.t.Helper()
	r := b.follow(b.get(e.authorizeURL(extra)))
	if strings.Contains(r.body, `name="password"`) {
		r = b.submit(r, url.Values{"username": {"alice"}, "password": {goodPW}})
	}
	code := e.callbackParams(r).Get("code")
	if code == "" {
		e.t.Fatalf("no code at %s", r.url)
	}
	return code
}

func exchangeForm(code, verifier string) url.Values {
	v := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {publicClient}, "redirect_uri": {""}}
	if verifier != "" {
		v.Set("code_verifier", verifier)
	}
	return v
}

// TestCodeReuse: a code is good once; its second use fails and revokes
// the tokens of the first (RFC 6749 §4.1.2, oidcc-codereuse; checklist 28).
func TestCodeReuse(t *testing.T) {
	for _, wait := range []time.Duration{0, 30 * time.Second} {
		t.Run("a code used again after "+wait.String()+" is invalid_grant and revokes the first tokens", func(t *testing.T) {
			e := newEnv(t)
			e.user("alice", "alice@example.com", goodPW)
			code := e.codeFor(newAgent(t), nil)
			form := exchangeForm(code, pkceVerifier)
			form.Set("redirect_uri", e.cbURL)
			first := e.postToken(form, "", "")
			if first.status != http.StatusOK {
				t.Fatalf("first exchange: %d %s", first.status, first.body)
			}
			if first.header.Get("Cache-Control") != "no-store" || first.header.Get("Pragma") != "no-cache" {
				t.Errorf("token answer headers %v: want Cache-Control no-store and Pragma no-cache", first.header)
			}
			access := tokenJSON(t, first.body)["access_token"].(string)
			if r := e.userInfo(access); r.status != http.StatusOK {
				t.Fatalf("userinfo before reuse: %d %s", r.status, r.body)
			}
			e.clock.Advance(wait)
			second := e.postToken(form, "", "")
			if second.status != http.StatusBadRequest || tokenJSON(t, second.body)["error"] != "invalid_grant" {
				t.Fatalf("second exchange: %d %s, want 400 invalid_grant", second.status, second.body)
			}
			if r := e.userInfo(access); r.status != http.StatusUnauthorized {
				t.Errorf("the first access token still works after the code was reused: %d %s", r.status, r.body)
			}
		})
	}
	t.Run("a code older than 5 minutes is invalid_grant", func(t *testing.T) {
		e := newEnv(t)
		e.user("alice", "alice@example.com", goodPW)
		code := e.codeFor(newAgent(t), nil)
		e.clock.Advance(5*time.Minute + time.Second)
		form := exchangeForm(code, pkceVerifier)
		form.Set("redirect_uri", e.cbURL)
		if r := e.postToken(form, "", ""); r.status != http.StatusBadRequest || tokenJSON(t, r.body)["error"] != "invalid_grant" {
			t.Errorf("old code: %d %s", r.status, r.body)
		}
	})
}

// TestPKCE: checklist 29.
func TestPKCE(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", goodPW)
	b := newAgent(t)

	t.Run("a wrong verifier is refused and consumes the code", func(t *testing.T) {
		code := e.codeFor(b, nil)
		form := exchangeForm(code, strings.Repeat("x", 43))
		form.Set("redirect_uri", e.cbURL)
		if r := e.postToken(form, "", ""); r.status != http.StatusBadRequest || tokenJSON(t, r.body)["error"] != "invalid_grant" {
			t.Fatalf("wrong verifier: %d %s", r.status, r.body)
		}
		form.Set("code_verifier", pkceVerifier)
		if r := e.postToken(form, "", ""); r.status != http.StatusBadRequest {
			t.Errorf("the right verifier after a wrong one: %d %s; the code must be spent", r.status, r.body)
		}
	})
	t.Run("a missing verifier is refused", func(t *testing.T) {
		form := exchangeForm(e.codeFor(b, nil), "")
		form.Set("redirect_uri", e.cbURL)
		if r := e.postToken(form, "", ""); r.status != http.StatusBadRequest || tokenJSON(t, r.body)["error"] != "invalid_grant" {
			t.Errorf("no verifier: %d %s", r.status, r.body)
		}
	})
	t.Run("a one-character verifier is refused", func(t *testing.T) {
		form := exchangeForm(e.codeFor(b, nil), "a")
		form.Set("redirect_uri", e.cbURL)
		if r := e.postToken(form, "", ""); r.status != http.StatusBadRequest {
			t.Errorf("short verifier: %d %s", r.status, r.body)
		}
	})
	t.Run("a different redirect_uri at the token endpoint is refused", func(t *testing.T) {
		form := exchangeForm(e.codeFor(b, nil), pkceVerifier)
		form.Set("redirect_uri", e.cbURL+"/other")
		if r := e.postToken(form, "", ""); r.status != http.StatusBadRequest || tokenJSON(t, r.body)["error"] != "invalid_grant" {
			t.Errorf("other redirect: %d %s", r.status, r.body)
		}
	})
	t.Run("a verifier without an earlier challenge is refused", func(t *testing.T) {
		ab := newAgent(t)
		r := ab.open(e.authorizeURL(url.Values{"client_id": {e.confidential}, "code_challenge": nil, "code_challenge_method": nil}))
		r = ab.submit(r, url.Values{"username": {"alice"}, "password": {goodPW}})
		code := e.callbackParams(r).Get("code")
		if code == "" {
			t.Fatalf("no code for the confidential client at %s:\n%s", r.url, r.body)
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {e.cbURL}, "code_verifier": {pkceVerifier}}
		if r := e.postToken(form, e.confidential, e.secret); r.status != http.StatusBadRequest || tokenJSON(t, r.body)["error"] != "invalid_grant" {
			t.Errorf("verifier without challenge: %d %s", r.status, r.body)
		}
	})
}

// TestConfidentialClientCodeFlow: a client with a secret signs a user in
// through the pages and exchanges with client_secret_basic.
func TestConfidentialClientCodeFlow(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", goodPW)
	conf := oauth2.Config{ClientID: e.confidential, ClientSecret: e.secret, RedirectURL: e.cbURL, Scopes: []string{"openid", "email"},
		Endpoint: oauth2.Endpoint{AuthURL: e.base + "/oauth2/authorize", TokenURL: e.base + "/oauth2/token", AuthStyle: oauth2.AuthStyleInHeader}}
	b := newAgent(t)
	got := e.login(b, conf.AuthCodeURL("s1"), "alice", goodPW)
	tok, err := conf.Exchange(context.Background(), got.Get("code"))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.AccessToken == "" || tok.Extra("id_token") == nil {
		t.Errorf("token %+v lacks access or ID token", tok)
	}
}

// TestClientCredentials: machine tokens with client_secret_basic and
// client_secret_post, and the client authentication errors.
func TestClientCredentials(t *testing.T) {
	e := newEnv(t)
	for _, style := range []struct {
		name  string
		style oauth2.AuthStyle
	}{{"client_secret_basic", oauth2.AuthStyleInHeader}, {"client_secret_post", oauth2.AuthStyleInParams}} {
		t.Run("a token through "+style.name, func(t *testing.T) {
			cc := clientcredentials.Config{ClientID: e.confidential, ClientSecret: e.secret, TokenURL: e.base + "/oauth2/token",
				Scopes: []string{apiScope}, AuthStyle: style.style}
			tok, err := cc.Token(context.Background())
			if err != nil {
				t.Fatalf("client credentials: %v", err)
			}
			if tok.AccessToken == "" || tok.RefreshToken != "" || tok.Extra("id_token") != nil {
				t.Errorf("token %+v: want an access token only", tok)
			}
		})
	}
	cc := url.Values{"grant_type": {"client_credentials"}, "scope": {apiScope}}
	with := func(extra url.Values) url.Values {
		v := url.Values{}
		for k, vs := range cc {
			v[k] = vs
		}
		for k, vs := range extra {
			v[k] = vs
		}
		return v
	}
	tests := []struct {
		name        string
		form        url.Values
		user, pass  string
		wantStatus  int
		wantError   string
		wantBasicWA bool
	}{
		{"a wrong secret through Basic is 401 with a Basic challenge", cc, e.confidential, "wrong", 401, "invalid_client", true},
		{"a wrong secret in the body is invalid_client", with(url.Values{"client_id": {e.confidential}, "client_secret": {"wrong"}}), "", "", 401, "invalid_client", true},
		{"an unknown client is invalid_client", cc, "nobody", "x", 401, "invalid_client", true},
		{"no client authentication is invalid_client", cc, "", "", 401, "invalid_client", true},
		{"Basic and a different body secret is invalid_request", with(url.Values{"client_secret": {"other"}}), e.confidential, e.secret, 400, "invalid_request", false},
		{"Basic and a different body client_id is invalid_request", with(url.Values{"client_id": {publicClient}}), e.confidential, e.secret, 400, "invalid_request", false},
		{"Basic and the same body client_id is fine", with(url.Values{"client_id": {e.confidential}}), e.confidential, e.secret, 200, "", false},
		{"a public client may not use client_credentials", with(url.Values{"client_id": {publicClient}}), "", "", 400, "unauthorized_client", false},
		{"a user scope is invalid_scope", with(url.Values{"scope": {"openid"}}), e.confidential, e.secret, 400, "invalid_scope", false},
		{"an unknown grant is unsupported_grant_type", with(url.Values{"grant_type": {"password"}}), e.confidential, e.secret, 400, "unsupported_grant_type", false},
		{"a missing grant is invalid_request", url.Values{}, e.confidential, e.secret, 400, "invalid_request", false},
		{"a repeated parameter is invalid_request", with(url.Values{"scope": {apiScope, apiScope}}), e.confidential, e.secret, 400, "invalid_request", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.postToken(tt.form, tt.user, tt.pass)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			if tt.wantError != "" && tokenJSON(t, r.body)["error"] != tt.wantError {
				t.Errorf("body %s, want error %s", r.body, tt.wantError)
			}
			if got := strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic"); got != tt.wantBasicWA {
				t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
			}
		})
	}
}

// TestTokenEndpointRefusesMalformedRequests: RFC error codes, never a 500.
func TestTokenEndpointRefusesMalformedRequests(t *testing.T) {
	e := newEnv(t)
	do := func(method, contentType, body, rawQuery string) *response {
		req, _ := http.NewRequest(method, e.base+"/oauth2/token?"+rawQuery, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		return newAgent(t).do(req)
	}
	tests := []struct {
		name                       string
		method, ctype, body, query string
		wantStatus                 int
	}{
		{"a GET is refused", http.MethodGet, "", "", "grant_type=client_credentials", 405},
		{"a JSON body is invalid_request", http.MethodPost, "application/json", `{"grant_type":"client_credentials"}`, "", 400},
		{"a body without a content type is invalid_request", http.MethodPost, "", "grant_type=client_credentials", "", 400},
		{"parameters in the query are invalid_request", http.MethodPost, "application/x-www-form-urlencoded", "", "grant_type=client_credentials", 400},
		{"a malformed body is invalid_request", http.MethodPost, "application/x-www-form-urlencoded", "grant_type=%zz", "", 400},
		{"a huge body is refused", http.MethodPost, "application/x-www-form-urlencoded", "code=" + strings.Repeat("a", 100<<10), "", 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(tt.method, tt.ctype, tt.body, tt.query)
			if r.status != tt.wantStatus {
				t.Errorf("status %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			if r.status != 405 && tokenJSON(t, r.body)["error"] == nil {
				t.Errorf("no error code in %s", r.body)
			}
		})
	}
	t.Run("a malformed Basic header is a 401 invalid_client", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, e.base+"/oauth2/token", strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Basic !!!")
		r := newAgent(t).do(req)
		if r.status != 401 || tokenJSON(t, r.body)["error"] != "invalid_client" || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("got %d %s %v", r.status, r.body, r.header)
		}
	})
}

// userInfo calls /oauth2/userInfo with a Bearer token.
func (e *env) userInfo(access string) *response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.base+"/oauth2/userInfo", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	return newAgent(e.t).do(req)
}

// TestUserInfo: the token by header or form body, and RFC 6750 errors.
func TestUserInfo(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", goodPW)
	form := exchangeForm(e.codeFor(newAgent(t), nil), pkceVerifier)
	form.Set("redirect_uri", e.cbURL)
	access := tokenJSON(t, e.postToken(form, "", "").body)["access_token"].(string)

	t.Run("a Bearer header gives the claims", func(t *testing.T) {
		r := e.userInfo(access)
		claims := tokenJSON(t, r.body)
		if r.status != 200 || claims["email"] != "alice@example.com" || claims["sub"] == nil {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
	t.Run("a POST form body gives the claims", func(t *testing.T) {
		r := newAgent(t).post(e.base+"/oauth2/userInfo", url.Values{"access_token": {access}})
		if r.status != 200 {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
	t.Run("no token is 401 with a Bearer challenge and no error code", func(t *testing.T) {
		r := newAgent(t).get(e.base + "/oauth2/userInfo")
		if r.status != 401 || r.header.Get("WWW-Authenticate") != `Bearer realm="userinfo"` {
			t.Errorf("got %d %v", r.status, r.header)
		}
	})
	for _, bad := range []string{"garbage", access + "x", strings.Repeat(".", 5000)} {
		t.Run("a bad token is 401 invalid_token", func(t *testing.T) {
			r := e.userInfo(bad)
			if r.status != 401 || !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
				t.Errorf("got %d %v", r.status, r.header)
			}
		})
	}
}
