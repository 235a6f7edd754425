package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/gateway"
	"github.com/cupola-auth/cupola/token"
)

// TestSignInThroughTheHostedUI: a browser asking for a page is sent to the
// hosted UI, signs in, comes back to the page it asked for, and the
// upstream sees who it is: in the context and in ALB-style headers that
// verify.
func TestSignInThroughTheHostedUI(t *testing.T) {
	e := newEnv(t)
	sub := e.user("alice", "alice@example.com")
	b := newAgent(t)

	first := b.get(e.appURL + "/reports?year=2026&q=a%20b")
	if first.status != http.StatusFound {
		t.Fatalf("unauthenticated page: %d, want 302", first.status)
	}
	auth, err := url.Parse(first.location())
	if err != nil || !strings.HasPrefix(first.location(), e.issuer+"/oauth2/authorize?") {
		t.Fatalf("redirected to %q, want the provider's authorize endpoint", first.location())
	}
	q := auth.Query()
	for k, want := range map[string]string{"client_id": clientID, "redirect_uri": e.appURL + callbackPath,
		"response_type": "code", "code_challenge_method": "S256", "scope": "openid email profile"} {
		if q.Get(k) != want {
			t.Errorf("authorize %s = %q, want %q", k, q.Get(k), want)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 32 {
			t.Errorf("authorize %s = %q, want 32+ random characters", k, q.Get(k))
		}
	}
	flow := first.setCookie("cupola_gate_flow_" + q.Get("state"))
	if flow == nil || !flow.HttpOnly || flow.SameSite != http.SameSiteLaxMode || flow.Path != "/" || flow.MaxAge <= 0 || flow.MaxAge > 600 {
		t.Fatalf("sign-in cookie = %+v, want HttpOnly, Lax, Path=/, short-lived", flow)
	}
	if strings.Contains(flow.Value, q.Get("nonce")) || strings.Contains(first.location(), flow.Value) {
		t.Error("the sign-in cookie is not sealed")
	}

	steps := e.signIn(b, "/reports?year=2026&q=a%20b", "alice")
	cb := e.callbackStep(steps)
	if cb.status != http.StatusFound || cb.location() != "/reports?year=2026&q=a%20b" {
		t.Fatalf("callback answered %d to %q, want 302 to the page asked for", cb.status, cb.location())
	}
	sc := cb.setCookie("cupola_gate")
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" || sc.Secure {
		t.Fatalf("session cookie = %+v, want HttpOnly, Lax, Path=/ (not Secure over http)", sc)
	}
	if want := int((8 * time.Hour).Seconds()); sc.MaxAge != want {
		t.Errorf("session cookie Max-Age = %d, want %d", sc.MaxAge, want)
	}
	deleted := false
	for _, c := range cb.cookies {
		deleted = deleted || strings.HasPrefix(c.Name, "cupola_gate_flow_") && c.MaxAge < 0
	}
	if !deleted {
		t.Errorf("the callback did not delete the sign-in cookie: %v", cb.header["Set-Cookie"])
	}

	got := e.last()
	if got.uri != "/reports?year=2026&q=a%20b" {
		t.Errorf("upstream got %q", got.uri)
	}
	if !got.hasUser || got.claims.Subject != sub || got.claims.Username != "alice" || got.claims.Email != "alice@example.com" ||
		!got.claims.EmailVerified || got.claims.Issuer != e.issuer || got.claims.AccessToken == "" {
		t.Fatalf("claims in context = %+v (%v)", got.claims, got.hasUser)
	}
	if got.header.Get("X-Amzn-Oidc-Identity") != sub {
		t.Errorf("X-Amzn-Oidc-Identity = %q, want %q", got.header.Get("X-Amzn-Oidc-Identity"), sub)
	}
	if strings.Contains(got.header.Get("Cookie"), "cupola_gate") {
		t.Errorf("the upstream received the gateway's cookies: %q", got.header.Get("Cookie"))
	}

	// The access token header is the provider's access token.
	v, err := token.NewVerifier(token.VerifierConfig{Issuer: e.issuer, Keys: e.pool.KeySet(), ClientIDs: []string{clientID}, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	at, err := v.VerifyAccess(t.Context(), got.header.Get("X-Amzn-Oidc-Accesstoken"))
	if err != nil || at.Subject != sub {
		t.Fatalf("X-Amzn-Oidc-Accesstoken does not verify: %v", err)
	}

	// The data header verifies with the gateway's key, and only with it.
	ks, err := token.NewKeySet(e.key)
	if err != nil {
		t.Fatal(err)
	}
	data := got.header.Get("X-Amzn-Oidc-Data")
	claims, err := gateway.VerifyData(t.Context(), data, gateway.DataOptions{Keys: ks, Issuer: e.issuer, ClientID: clientID,
		Signer: e.appURL, Now: e.clock.Now})
	if err != nil {
		t.Fatalf("VerifyData: %v", err)
	}
	if claims["sub"] != sub || claims["email"] != "alice@example.com" || claims["cognito:username"] != "alice" {
		t.Errorf("data claims = %v", claims)
	}
	for _, k := range []string{"aud", "nonce", "token_use", "jti", "iat"} {
		if _, ok := claims[k]; ok {
			t.Errorf("data carries the ID token's %s claim", k)
		}
	}
	if _, err := v.VerifyID(t.Context(), data); err == nil {
		t.Error("the data header verifies as an ID token of the provider")
	}

	// Signed in: the next page goes straight through.
	n := e.upstreamCount()
	if r := b.get(e.appURL + "/other"); r.status != http.StatusOK || e.upstreamCount() != n+1 {
		t.Fatalf("second page: %d", r.status)
	}
	if e.tokenCalls.Load() != 1 {
		t.Errorf("token endpoint called %d times, want 1 (the code exchange)", e.tokenCalls.Load())
	}
}

// TestUnauthenticatedRequests: only a browser loading a page is sent to
// sign in; anything else gets 401, and never reaches the upstream.
func TestUnauthenticatedRequests(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		method string
		header http.Header
		want   int
	}{
		{"a page load is redirected to the provider", http.MethodGet, http.Header{"Accept": {"text/html,*/*;q=0.8"}, "Sec-Fetch-Mode": {"navigate"}}, http.StatusFound},
		{"a HEAD for a page is redirected too", http.MethodHead, htmlAccept, http.StatusFound},
		{"an API call gets 401", http.MethodGet, http.Header{"Accept": {"application/json"}}, http.StatusUnauthorized},
		{"a request without Accept gets 401", http.MethodGet, nil, http.StatusUnauthorized},
		{"a fetch asking for HTML gets 401", http.MethodGet, http.Header{"Accept": {"text/html"}, "Sec-Fetch-Mode": {"cors"}}, http.StatusUnauthorized},
		{"a form post gets 401", http.MethodPost, htmlAccept, http.StatusUnauthorized},
		{"a bearer token is no session", http.MethodGet, http.Header{"Authorization": {"Bearer abc"}, "Accept": {"application/json"}}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, e.appURL+"/private", nil)
			for k, vs := range tt.header {
				req.Header[k] = vs
			}
			c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.want)
			}
			if tt.want == http.StatusFound && !strings.HasPrefix(res.Header.Get("Location"), e.issuer+"/oauth2/authorize?") {
				t.Errorf("Location = %q", res.Header.Get("Location"))
			}
			if res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", res.Header.Get("Cache-Control"))
			}
		})
	}
	if n := e.upstreamCount(); n != 0 {
		t.Errorf("the upstream received %d unauthenticated requests", n)
	}
}
