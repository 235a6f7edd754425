package hostedui_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestUntrustedRedirectsGetAnErrorPage: a redirect_uri that is not exactly
// registered, or an unknown client, is answered with an error page and no
// Location (RFC 9700 §4.1, §4.11; checklist 27).
func TestUntrustedRedirectsGetAnErrorPage(t *testing.T) {
	e := newEnv(t)
	cb := e.cbURL
	host := strings.TrimPrefix(e.cb.URL, "http://")
	tests := []struct {
		name  string
		extra url.Values
	}{
		{"a redirect differing by case", url.Values{"redirect_uri": {strings.Replace(cb, "/callback", "/Callback", 1)}}},
		{"a redirect with a trailing slash", url.Values{"redirect_uri": {cb + "/"}}},
		{"a redirect with an added query", url.Values{"redirect_uri": {cb + "?next=/admin"}}},
		{"a redirect with a fragment", url.Values{"redirect_uri": {cb + "#x"}}},
		{"a redirect with userinfo (@)", url.Values{"redirect_uri": {"http://" + host + "@evil.example/callback"}}},
		{"a redirect to another host via @", url.Values{"redirect_uri": {"http://evil.example@" + host + "/callback"}}},
		{"a redirect with ..;/", url.Values{"redirect_uri": {cb + "/..;/evil"}}},
		{"a redirect with dot segments", url.Values{"redirect_uri": {e.cb.URL + "/x/../callback"}}},
		{"a javascript: redirect", url.Values{"redirect_uri": {"javascript:alert(1)//" + cb}}},
		{"a redirect on another scheme", url.Values{"redirect_uri": {strings.Replace(cb, "http://", "https://", 1)}}},
		{"a missing redirect", url.Values{"redirect_uri": nil}},
		{"an unknown client", url.Values{"client_id": {"nobody"}}},
		{"a missing client", url.Values{"client_id": nil}},
		{"a repeated redirect_uri", url.Values{"redirect_uri": {cb, "https://evil.example/cb"}}},
		{"a repeated client_id", url.Values{"client_id": {publicClient, publicClient}}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" shows an error page without redirecting", func(t *testing.T) {
			r := newAgent(t).get(e.authorizeURL(tt.extra))
			if r.status != http.StatusBadRequest {
				t.Errorf("status %d, want 400", r.status)
			}
			if loc := r.location(); loc != "" {
				t.Errorf("Location %q: an untrusted redirect must never be followed", loc)
			}
			if !strings.Contains(r.body, `role="alert"`) || !strings.Contains(r.header.Get("Content-Type"), "text/html") {
				t.Errorf("no error page:\n%s", r.body)
			}
		})
	}
	t.Run("a loopback redirect on another port is accepted (RFC 8252 §7.3)", func(t *testing.T) {
		other := strings.Replace(cb, host[strings.LastIndex(host, ":"):], ":1", 1)
		r := newAgent(t).get(e.authorizeURL(url.Values{"redirect_uri": {other}}))
		if r.status != http.StatusFound || r.location() != e.base+"/login" {
			t.Errorf("got %d %q, want the login page", r.status, r.location())
		}
	})
}

// TestAuthorizeErrorsGoBackToTheClient: once client and redirect URI are
// trusted, errors are redirected with error, error_description, state and
// iss (RFC 6749 §4.1.2.1, RFC 9207).
func TestAuthorizeErrorsGoBackToTheClient(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name      string
		client    string
		extra     url.Values
		wantError string
	}{
		{"response_type token is unsupported", publicClient, url.Values{"response_type": {"token"}}, "unsupported_response_type"},
		{"a missing response_type is unsupported", publicClient, url.Values{"response_type": nil}, "unsupported_response_type"},
		{"a scope the client lacks is invalid_scope", publicClient, url.Values{"scope": {"openid admin/all"}}, "invalid_scope"},
		{"email without openid is invalid_scope", publicClient, url.Values{"scope": {"email"}}, "invalid_scope"},
		{"a public client without PKCE is refused", publicClient, url.Values{"code_challenge": nil, "code_challenge_method": nil}, "invalid_request"},
		{"the plain PKCE method is refused", publicClient, url.Values{"code_challenge_method": {"plain"}}, "invalid_request"},
		{"a PKCE method without a challenge is refused", publicClient, url.Values{"code_challenge": nil}, "invalid_request"},
		{"a repeated state is invalid_request", publicClient, url.Values{"state": {"a", "b"}}, "invalid_request"},
		{"a repeated scope is invalid_request", publicClient, url.Values{"scope": {"openid", "email"}}, "invalid_request"},
		{"a malformed max_age is invalid_request", publicClient, url.Values{"max_age": {"soon"}}, "invalid_request"},
		{"prompt=none with login is invalid_request", publicClient, url.Values{"prompt": {"none login"}}, "invalid_request"},
		{"an unknown identity provider is invalid_request", publicClient, url.Values{"identity_provider": {"Google"}}, "invalid_request"},
		{"a request too large for the sign-in cookie is invalid_request", publicClient,
			url.Values{"state": {strings.Repeat("s", 2000)}, "nonce": {strings.Repeat("n", 2000)}}, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := e.authorizeURL(tt.extra)
			r := newAgent(t).get(u)
			if r.status != http.StatusFound {
				t.Fatalf("status %d, want 302:\n%s", r.status, r.body)
			}
			loc, err := url.Parse(r.location())
			if err != nil || !strings.HasPrefix(r.location(), e.cbURL+"?") {
				t.Fatalf("Location %q is not the registered callback", r.location())
			}
			q := loc.Query()
			if q.Get("error") != tt.wantError || q.Get("error_description") == "" || q.Get("iss") != e.base || q.Get("code") != "" {
				t.Errorf("callback query %v, want error=%s with a description and iss", q, tt.wantError)
			}
			if tt.extra["state"] == nil && q.Get("state") != "st-123" {
				t.Errorf("state %q, want st-123", q.Get("state"))
			}
		})
	}
	t.Run("identity_provider COGNITO shows the login page", func(t *testing.T) {
		r := newAgent(t).get(e.authorizeURL(url.Values{"identity_provider": {"COGNITO"}}))
		if r.status != http.StatusFound || r.location() != e.base+"/login" {
			t.Errorf("got %d %q", r.status, r.location())
		}
	})
	t.Run("an unknown parameter is ignored", func(t *testing.T) {
		r := newAgent(t).get(e.authorizeURL(url.Values{"ui_locales": {"fr"}, "acr_values": {"x"}}))
		if r.status != http.StatusFound || r.location() != e.base+"/login" {
			t.Errorf("got %d %q", r.status, r.location())
		}
	})
	t.Run("an authorize POST works as a GET", func(t *testing.T) {
		u, _ := url.Parse(e.authorizeURL(nil))
		r := newAgent(t).post(e.base+"/oauth2/authorize", u.Query())
		if r.status != http.StatusSeeOther || r.location() != e.base+"/login" {
			t.Errorf("got %d %q, want 303 to the login page", r.status, r.location())
		}
	})
	t.Run("a malformed query gets an error page", func(t *testing.T) {
		r := newAgent(t).get(e.base + "/oauth2/authorize?client_id=%zz")
		if r.status != http.StatusBadRequest || r.location() != "" {
			t.Errorf("got %d %q", r.status, r.location())
		}
	})
}

// TestTheLoginPageCannotChangeTheRedirect: the redirect URI travels sealed
// in the flow cookie; a form or query cannot replace it.
func TestTheLoginPageCannotChangeTheRedirect(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", goodPW)
	b := newAgent(t)
	page := b.open(e.authorizeURL(nil))
	r := b.submit(page, url.Values{"username": {"alice"}, "password": {goodPW},
		"redirect_uri": {"https://evil.example/cb"}, "client_id": {e.confidential}})
	e.callbackParams(r)

	t.Run("a login page with an unregistered redirect in its query is refused", func(t *testing.T) {
		r := newAgent(t).get(e.base + "/login?client_id=" + publicClient + "&response_type=code&redirect_uri=" + url.QueryEscape("https://evil.example/cb"))
		if r.status != http.StatusBadRequest || r.location() != "" {
			t.Errorf("got %d %q", r.status, r.location())
		}
	})
	t.Run("a tampered flow cookie is ignored", func(t *testing.T) {
		b := newAgent(t)
		b.open(e.authorizeURL(nil))
		c := b.cookie(e.base+"/login", "cupola_flow")
		if c == nil {
			t.Fatal("no flow cookie")
		}
		// Flip a decoded byte: editing the text's tail could change only
		// unused trailing bits, or nothing.
		raw, err := base64.RawURLEncoding.Strict().DecodeString(c.Value)
		if err != nil || len(raw) == 0 {
			t.Fatalf("flow cookie %q is not unpadded base64url: %v", c.Value, err)
		}
		raw[len(raw)/2] ^= 0x01
		c.Value = base64.RawURLEncoding.EncodeToString(raw)
		c.Path = "/auth/"
		u, _ := url.Parse(e.base + "/")
		b.c.Jar.SetCookies(u, []*http.Cookie{c})
		r := b.get(e.base + "/login")
		if r.status != http.StatusBadRequest || strings.Contains(r.body, `name="password"`) {
			t.Errorf("a tampered flow gave %d:\n%s", r.status, r.body)
		}
	})
	t.Run("the login page with no sign-in in progress is an error", func(t *testing.T) {
		r := newAgent(t).get(e.base + "/login")
		if r.status != http.StatusBadRequest {
			t.Errorf("got %d", r.status)
		}
	})
	t.Run("Cognito's login URL with the request in its query starts a sign-in", func(t *testing.T) {
		b := newAgent(t)
		v := url.Values{"client_id": {publicClient}, "response_type": {"code"}, "redirect_uri": {e.cbURL},
			"scope": {"openid"}, "code_challenge": {pkceChallenge}, "code_challenge_method": {"S256"}}
		page := b.get(e.base + "/login?" + v.Encode())
		if page.status != http.StatusOK || !strings.Contains(page.body, `name="password"`) {
			t.Fatalf("got %d", page.status)
		}
		e.callbackParams(b.submit(page, url.Values{"username": {"alice"}, "password": {goodPW}}))
	})
}
