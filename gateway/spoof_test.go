package gateway_test

import (
	"net/http"
	"testing"
)

// TestSpoofedIdentityHeadersAreStripped: identity headers a client sends
// never reach the upstream, whatever their case, on paths that need no
// session as on signed-in requests (where only the gateway's own remain).
func TestSpoofedIdentityHeadersAreStripped(t *testing.T) {
	e := newEnv(t)
	sub := e.user("alice", "alice@example.com")
	b := newAgent(t)
	e.signIn(b, "/", "alice")
	session := cookieHeader(e.cookies(b))

	spoofed := http.Header{
		"X-Amzn-Oidc-Identity":    {"admin"},
		"X-Amzn-Oidc-Accesstoken": {"forged"},
		"X-Amzn-Oidc-Data":        {"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9."},
		"x-amzn-oidc-identity":    {"admin-lower"}, // not canonical: sent as is by a raw client
		"X-AMZN-OIDC-Whatever":    {"x"},
		"Accept":                  {"text/html"},
	}
	tests := []struct {
		name, path, cookie string
		wantSub            string
	}{
		{"on a path open to anyone, without a session", "/public/page", "", ""},
		{"on a path open to anyone, with a session", "/public/page", session, sub},
		{"on a signed-in request", "/private", session, sub},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.rawGet(tt.path, tt.cookie, spoofed)
			if r.status != http.StatusOK {
				t.Fatalf("status %d:\n%s", r.status, r.body)
			}
			got := e.last()
			for k, vs := range got.header {
				switch http.CanonicalHeaderKey(k) {
				case "X-Amzn-Oidc-Identity":
					if len(vs) != 1 || vs[0] != tt.wantSub {
						t.Errorf("upstream got %s %q, want only %q", k, vs, tt.wantSub)
					}
				case "X-Amzn-Oidc-Accesstoken", "X-Amzn-Oidc-Data":
					if tt.wantSub == "" || len(vs) != 1 || vs[0] == "forged" || vs[0] == spoofed.Get("X-Amzn-Oidc-Data") {
						t.Errorf("upstream got %s %q", k, vs)
					}
				case "X-Amzn-Oidc-Whatever":
					t.Errorf("upstream got %s %q", k, vs)
				}
			}
			if tt.wantSub == "" && got.hasUser {
				t.Errorf("claims in context without a session: %+v", got.claims)
			}
			if tt.wantSub != "" && (got.header.Get("X-Amzn-Oidc-Identity") != tt.wantSub || got.claims.Subject != tt.wantSub) {
				t.Errorf("identity %q / claims %+v, want %s", got.header.Get("X-Amzn-Oidc-Identity"), got.claims, tt.wantSub)
			}
		})
	}
}
