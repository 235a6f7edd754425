package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/gateway"
	"github.com/cupola-auth/cupola/userpool"
)

// TestLogout: the logout path deletes the session cookies, revokes the
// refresh token and sends the browser to the provider's logout, which
// ends the provider's session too and comes back to the app, where the
// next page asks for a password again.
func TestLogout(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com")
	b := newAgent(t)
	e.signIn(b, "/", "alice")
	copied := cookieHeader(e.cookies(b))

	// A GET only asks: any site can make a browser send one.
	if page := b.get(e.appURL + "/oauth2/logout"); page.status != http.StatusOK || !strings.Contains(page.body, `<form method="post" action="/oauth2/logout">`) {
		t.Fatalf("GET logout: %d %s", page.status, page.body)
	}
	if e.revokeCalls.Load() != 0 || len(e.cookies(b)) == 0 {
		t.Fatal("a GET signed out")
	}
	req, _ := http.NewRequest(http.MethodPost, e.appURL+"/oauth2/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	r := b.do(req)
	if r.status != http.StatusFound {
		t.Fatalf("logout: %d", r.status)
	}
	if !deletes(r, "cupola_gate") {
		t.Errorf("the session cookie was not deleted: %v", r.header["Set-Cookie"])
	}
	loc, _ := url.Parse(r.location())
	if !strings.HasPrefix(r.location(), e.issuer+"/logout?") || loc.Query().Get("client_id") != clientID ||
		loc.Query().Get("post_logout_redirect_uri") != e.appURL+"/" {
		t.Fatalf("logout redirects to %q, want the provider's end_session_endpoint with client_id and post_logout_redirect_uri", r.location())
	}
	if e.revokeCalls.Load() != 1 {
		t.Errorf("revocation endpoint called %d times, want 1", e.revokeCalls.Load())
	}
	if len(e.cookies(b)) != 0 && e.cookies(b)["cupola_gate"] != "" {
		t.Errorf("the browser still holds a session: %v", e.cookies(b))
	}

	back := b.get(loc.String())
	if back.status != http.StatusFound || back.location() != e.appURL+"/" {
		t.Fatalf("the provider's logout answered %d to %q, want the app", back.status, back.location())
	}
	page := b.open(back.location())
	if !strings.HasPrefix(page.url.String(), e.issuer) || !strings.Contains(page.body, `name="password"`) {
		t.Fatalf("after logout the app did not ask for a password again: %s %d", page.url, page.status)
	}

	t.Run("a copied cookie cannot be refreshed after logout", func(t *testing.T) {
		e.clock.Advance(time.Hour)
		if r := e.rawGet("/", copied, nil); r.status != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", r.status)
		}
	})
}

// TestLogoutOptions: the redirect parameter, the methods, and every chunk
// of a large session.
func TestLogoutOptions(t *testing.T) {
	e := newEnv(t, envOption{gate: func(o *gateway.Options) {
		o.LogoutPath = "/bye"
		o.LogoutRedirectParam = gateway.ParamLogoutURI
		o.PostLogoutRedirect = "http://localhost:1/signed-out"
	}})
	tests := []struct {
		name, method, cookie string
		want                 int
		deleted              []string
	}{
		{"POST without a session still logs out at the provider", http.MethodPost, "", http.StatusFound, []string{"cupola_gate"}},
		{"GET only asks", http.MethodGet, "cupola_gate_0=a", http.StatusOK, nil},
		{"every chunk is deleted", http.MethodPost, "cupola_gate_0=a; cupola_gate_1=b; cupola_gate_2=c", http.StatusFound,
			[]string{"cupola_gate", "cupola_gate_0", "cupola_gate_1", "cupola_gate_2"}},
		{"PUT is not allowed", http.MethodPut, "", http.StatusMethodNotAllowed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, e.appURL+"/bye", nil)
			if tt.cookie != "" {
				req.Header.Set("Cookie", tt.cookie)
			}
			r := newAgent(t).do(req)
			if r.status != tt.want {
				t.Fatalf("status %d, want %d", r.status, tt.want)
			}
			for _, n := range tt.deleted {
				if !deletes(r, n) {
					t.Errorf("%s not deleted: %v", n, r.header["Set-Cookie"])
				}
			}
			if tt.want == http.StatusFound {
				loc, _ := url.Parse(r.location())
				if loc.Query().Get("logout_uri") != "http://localhost:1/signed-out" || loc.Query().Has("post_logout_redirect_uri") {
					t.Errorf("Location = %q, want logout_uri only", r.location())
				}
			}
		})
	}
}

// TestLogoutFromAnotherSiteIsRefused: a page elsewhere cannot sign the
// user out (and revoke their refresh token) by posting to the logout path.
func TestLogoutFromAnotherSiteIsRefused(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com")
	b := newAgent(t)
	e.signIn(b, "/", "alice")
	for _, h := range []http.Header{{"Sec-Fetch-Site": {"cross-site"}}, {"Sec-Fetch-Site": {"same-site"}}, {"Origin": {"https://evil.example"}}} {
		req, _ := http.NewRequest(http.MethodPost, e.appURL+"/oauth2/logout", nil)
		for k, v := range h {
			req.Header[k] = v
		}
		if r := b.do(req); r.status != http.StatusForbidden || deletes(r, "cupola_gate") {
			t.Fatalf("a POST with %v: %d", h, r.status)
		}
	}
	if e.revokeCalls.Load() != 0 {
		t.Fatal("a forged sign-out revoked the refresh token")
	}
	if r := b.get(e.appURL + "/"); r.status != http.StatusOK {
		t.Fatalf("the session did not survive forged sign-outs: %d", r.status)
	}
}

// TestConfidentialClient: with a client secret the code exchange, the
// refresh and the revocation authenticate the client.
func TestConfidentialClient(t *testing.T) {
	e := newEnv(t)
	c, err := e.pool.CreateUserPoolClient(e.ctx, userpool.ClientConfig{ClientName: "backend", GenerateSecret: true,
		ExplicitAuthFlows: []string{userpool.AllowRefreshTokenAuth},
		CallbackURLs:      []string{e.appURL + callbackPath}, LogoutURLs: []string{e.appURL + "/"},
		AllowedOAuthFlows: []string{"code"}, AllowedOAuthScopes: []string{"openid", "email", "profile"}})
	if err != nil {
		t.Fatal(err)
	}
	withSecret := e.opts
	withSecret.ClientID, withSecret.ClientSecret = c.ClientID, c.ClientSecret
	e.serve(withSecret)

	e.user("alice", "alice@example.com")
	b := newAgent(t)
	e.signIn(b, "/", "alice")
	if got := e.last().claims.Raw["aud"]; got != c.ClientID {
		t.Fatalf("signed in to client %v, want %s", got, c.ClientID)
	}
	e.clock.Advance(time.Hour)
	if r := b.get(e.appURL + "/refresh"); r.status != http.StatusOK || r.setCookie("cupola_gate") == nil {
		t.Fatalf("refresh with the secret: %d", r.status)
	}
	copied := cookieHeader(e.cookies(b))
	b.post(e.appURL+"/oauth2/logout", nil)
	if e.revokeCalls.Load() != 1 {
		t.Fatalf("revocation calls: %d", e.revokeCalls.Load())
	}
	e.clock.Advance(time.Hour)
	if r := e.rawGet("/", copied, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("the revoked session still refreshes: %d", r.status)
	}

	t.Run("a wrong secret fails the exchange", func(t *testing.T) {
		wrong := withSecret
		wrong.ClientSecret = "wrong"
		e.serve(wrong)
		b := newAgent(t)
		cb := e.reachCallback(b, b.get(e.appURL+"/"), "alice")
		if r := b.get(cb.String()); r.status != http.StatusBadRequest {
			t.Fatalf("status %d, want 400", r.status)
		}
	})
}
