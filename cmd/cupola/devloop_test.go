package main

import (
	"html"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestDevLoopSignsInAndShowsTheTokens walks the development loop as a
// newcomer does: the banner's page, sign-in through the hosted UI, the
// callback this server answers (code exchanged, ID token verified), and
// the sign-out link back to the page.
func TestDevLoopSignsInAndShowsTheTokens(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dev.db")
	ta := newTestApp(t)
	if code, _, stderr := ta.exec(t, "users", "create", "-db", db, "-username", "dana", "-email", "dana@example.com",
		"-temporary-password", "Temp-Passw0rd!-long-enough-1", "-suppress"); code != exitOK {
		t.Fatalf("users create = %d: %s", code, stderr)
	}
	ta = newTestApp(t)
	s := startServe(t, ta, "-db", db)
	home := s.base + devLoopPath
	if out := ta.stdout.String(); !strings.Contains(out, "\n  "+home+"\n") || !strings.Contains(out, "examples/gateway") ||
		!strings.Contains(out, "Sign-out URL:   "+s.base+"/logout?") {
		t.Errorf("the banner lacks the development page, the sign-out URL or the gateway pointer:\n%s", out)
	}

	b := newBrowser(t)
	if resp, body := b.do(http.MethodGet, home, nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, `href="/_dev/login"`) {
		t.Fatalf("GET %s = %d:\n%s", home, resp.StatusCode, body)
	}
	resp, body := b.do(http.MethodGet, s.base+"/_dev/login", nil)
	authz, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || authz.Query().Get("redirect_uri") != s.base+devCallbackPath ||
		authz.Query().Get("code_challenge_method") != "S256" {
		t.Fatalf("GET /_dev/login = %d, Location %q: %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	resp, body = b.do(http.MethodGet, authz.String(), nil)
	if loc := resp.Header.Get("Location"); loc != s.base+"/login" {
		t.Fatalf("authorize = %d, Location %q: %s", resp.StatusCode, loc, body)
	}
	_, page := b.do(http.MethodGet, s.base+"/login", nil)
	resp, body = b.do(http.MethodPost, s.base+"/login", url.Values{"_csrf": {csrfOf(t, page)},
		"username": {"dana"}, "password": {"Temp-Passw0rd!-long-enough-1"}})
	if loc := resp.Header.Get("Location"); loc == s.base+"/newPassword" {
		_, page := b.do(http.MethodGet, loc, nil)
		resp, body = b.do(http.MethodPost, loc, url.Values{"_csrf": {csrfOf(t, page)}, "password": {instNewPass}})
	}
	callback := resp.Header.Get("Location")
	if !strings.HasPrefix(callback, s.base+devCallbackPath+"?") {
		t.Fatalf("sign-in = %d, Location %q, want this server's callback: %s", resp.StatusCode, callback, body)
	}
	resp, body = b.do(http.MethodGet, callback, nil)
	body = html.UnescapeString(body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "verified with go-oidc") ||
		!strings.Contains(body, `"token_use": "id"`) || !strings.Contains(body, `"token_use": "access"`) ||
		!strings.Contains(body, `"cognito:username": "dana"`) {
		t.Fatalf("callback = %d:\n%s", resp.StatusCode, body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Error("the token page may be cached")
	}
	// The sign-out link is accepted and comes back to the page.
	i := strings.Index(body, s.base+"/logout?")
	signOut := body[i : i+strings.IndexByte(body[i:], '"')]
	if resp, body := b.do(http.MethodGet, signOut, nil); !redirected(resp) || resp.Header.Get("Location") != home {
		t.Errorf("sign-out = %d, Location %q, want %s: %s", resp.StatusCode, resp.Header.Get("Location"), home, body)
	}
	// A callback is spent once: its state is gone.
	if resp, body := b.do(http.MethodGet, callback, nil); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Unknown or expired state") {
		t.Errorf("replayed callback = %d:\n%s", resp.StatusCode, body)
	}
}

// TestDevLoopIsOnlyInDevelopmentMode: with a configuration, /_dev/ is the
// hosted UI's (a 404), not a page playing a client.
func TestDevLoopIsOnlyInDevelopmentMode(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "cupola.yaml", `
pool:
  id: test_pool
  name: Test
  issuer: http://localhost:9
  secret: {env: POOL_SECRET}
clients:
  - client_id: web
    callback_urls: [https://app.example.com/cb]
    allowed_oauth_flows: [code]
    allowed_oauth_scopes: [openid]
hosted_ui:
  cookie_keys: [{env: COOKIE_KEY}]
`, 0o644)
	ta := newTestApp(t)
	ta.env = map[string]string{"POOL_SECRET": testSecret, "COOKIE_KEY": testSecret + "cookie"}
	s := startServe(t, ta, "-config", cfg, "-db", filepath.Join(dir, "c.db"))
	for _, p := range []string{devLoopPath, "/_dev/login", devCallbackPath} {
		if resp, _ := get(t, nil, s.base+p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404 outside development mode", p, resp.StatusCode)
		}
	}
}
