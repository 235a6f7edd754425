package hostedui_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/hostedui"
)

// TestRoutes: what each path answers to each method, however the hosted
// UI is mounted under BaseURL's path (/auth).
func TestRoutes(t *testing.T) {
	e := newEnv(t)
	h, err := hostedui.New(e.pool, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	outer := http.NewServeMux()
	outer.Handle("/auth/", h)
	mounts := []struct {
		name string
		h    http.Handler
	}{
		{"a mux passing the full path", outer},
		{"a mux stripping the base path", http.StripPrefix("/auth", h)},
		{"the handler itself", h},
	}
	const (
		page     = "page"     // the hosted UI's HTML page (an error page here: no sign-in is in progress)
		text     = "text"     // a plain-text answer
		jsonBody = "json"     // a JSON answer
		oauthErr = "oautherr" // a JSON OAuth error
	)
	tests := []struct {
		name, method, path string
		origin             bool
		wantStatus         int
		wantAllow          string
		wantBody           string
	}{
		{"an unknown path gets the not-found page", http.MethodGet, "/nope", false, 404, "", page},
		{"a POST to an unknown path gets the not-found page", http.MethodPost, "/oauth2/nope", false, 404, "", page},
		{"the base path itself gets the not-found page", http.MethodGet, "", false, 404, "", page},
		{"a page with a trailing slash gets the not-found page", http.MethodGet, "/login/", false, 404, "", page},
		{"/assets gets the not-found page, not a redirect", http.MethodGet, "/assets", false, 404, "", page},
		{"a page is shown on GET", http.MethodGet, "/login", false, 400, "", page},
		{"a page answers HEAD as GET", http.MethodHead, "/signup", false, 400, "", ""},
		{"a page takes its form on POST", http.MethodPost, "/login", false, 403, "", page},
		{"a page refuses PUT", http.MethodPut, "/login", false, 405, "GET, POST", text},
		{"a page refuses OPTIONS", http.MethodOptions, "/mfa", false, 405, "GET, POST", text},
		{"confirmforgotPassword is confirmForgotPassword", http.MethodGet, "/confirmforgotPassword", false, 400, "", page},
		{"confirmforgotPassword refuses PUT too", http.MethodPut, "/confirmforgotPassword", false, 405, "GET, POST", text},
		{"the passkey page is shown on GET", http.MethodGet, "/passkey", false, 400, "", page},
		{"the passkey page takes its credential on POST", http.MethodPost, "/passkey", false, 403, "", page},
		{"the passkey start takes POST only", http.MethodGet, "/login/passkey", false, 405, "POST", text},
		{"the passkey offer is shown on GET", http.MethodGet, "/passkeys/add", false, 400, "", page},
		{"the passkey offer refuses PUT", http.MethodPut, "/passkeys/add", false, 405, "GET, POST", text},
		{"an asset script is served", http.MethodGet, "/assets/passkey.js", false, 200, "", ""},
		{"authorize takes GET", http.MethodGet, "/oauth2/authorize", false, 400, "", page},
		{"authorize takes POST", http.MethodPost, "/oauth2/authorize", false, 400, "", page},
		{"authorize refuses DELETE", http.MethodDelete, "/oauth2/authorize", false, 405, "GET, POST", text},
		{"logout takes its confirmation on POST", http.MethodPost, "/logout", false, 403, "", page},
		{"logout refuses PUT", http.MethodPut, "/logout", false, 405, "GET, POST", text},
		{"the token endpoint refuses GET with an OAuth error", http.MethodGet, "/oauth2/token", false, 405, "POST", oauthErr},
		{"the token endpoint refuses HEAD", http.MethodHead, "/oauth2/token", false, 405, "POST", ""},
		{"the token endpoint answers a CORS preflight", http.MethodOptions, "/oauth2/token", true, 204, "", ""},
		{"an OPTIONS without Origin is no preflight", http.MethodOptions, "/oauth2/token", false, 405, "POST", oauthErr},
		{"the revocation endpoint refuses GET with an OAuth error", http.MethodGet, "/oauth2/revoke", false, 405, "POST", oauthErr},
		{"userInfo takes GET", http.MethodGet, "/oauth2/userInfo", false, 401, "", oauthErr},
		{"userInfo takes POST", http.MethodPost, "/oauth2/userInfo", false, 401, "", oauthErr},
		{"userinfo is userInfo", http.MethodGet, "/oauth2/userinfo", false, 401, "", oauthErr},
		{"userinfo takes POST too", http.MethodPost, "/oauth2/userinfo", false, 401, "", oauthErr},
		{"userInfo refuses PUT with an OAuth error", http.MethodPut, "/oauth2/userInfo", false, 405, "GET, POST", oauthErr},
		{"userinfo answers a CORS preflight", http.MethodOptions, "/oauth2/userinfo", true, 204, "", ""},
		{"discovery takes GET", http.MethodGet, "/.well-known/openid-configuration", false, 200, "", jsonBody},
		{"discovery answers a CORS preflight", http.MethodOptions, "/.well-known/openid-configuration", true, 204, "", ""},
		{"discovery refuses POST", http.MethodPost, "/.well-known/openid-configuration", false, 405, "GET", text},
		{"the JWKS takes GET", http.MethodGet, "/.well-known/jwks.json", false, 200, "", jsonBody},
		{"the JWKS answers a CORS preflight", http.MethodOptions, "/.well-known/jwks.json", true, 204, "", ""},
		{"the JWKS refuses POST", http.MethodPost, "/.well-known/jwks.json", false, 405, "GET, HEAD", text},
		{"an asset is served", http.MethodGet, "/assets/style.css", false, 200, "", ""},
		{"an asset answers HEAD", http.MethodHead, "/assets/branding.css", false, 200, "", ""},
		{"an asset refuses POST", http.MethodPost, "/assets/style.css", false, 405, "GET", text},
		{"a missing asset is a plain 404", http.MethodGet, "/assets/missing.css", false, 404, "", text},
	}
	for _, m := range mounts {
		for _, tt := range tests {
			if tt.path == "" && m.h == outer {
				continue // the outer mux redirects /auth to /auth/ itself
			}
			t.Run(m.name+"/"+tt.name, func(t *testing.T) {
				req := httptest.NewRequest(tt.method, "http://hosted.example/auth"+tt.path, strings.NewReader(url.Values{"a": {"b"}}.Encode()))
				if tt.method == http.MethodPost {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				if tt.origin {
					req.Header.Set("Origin", "https://app.example")
					req.Header.Set("Access-Control-Request-Method", http.MethodPost)
				}
				rec := httptest.NewRecorder()
				m.h.ServeHTTP(rec, req)
				hd := rec.Header()
				if rec.Code != tt.wantStatus || hd.Get("Allow") != tt.wantAllow {
					t.Fatalf("got %d Allow %q, want %d Allow %q\n%s", rec.Code, hd.Get("Allow"), tt.wantStatus, tt.wantAllow, rec.Body)
				}
				for k, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
					if hd.Get(k) != want {
						t.Errorf("%s = %q, want %q", k, hd.Get(k), want)
					}
				}
				if !strings.Contains(hd.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
					t.Errorf("CSP %q", hd.Get("Content-Security-Policy"))
				}
				if tt.origin && hd.Get("Access-Control-Allow-Origin") != "*" {
					t.Errorf("Access-Control-Allow-Origin = %q", hd.Get("Access-Control-Allow-Origin"))
				}
				body, ctype := rec.Body.String(), hd.Get("Content-Type")
				switch tt.wantBody {
				case page:
					if !strings.HasPrefix(ctype, "text/html") || !strings.Contains(body, `<html lang="en">`) {
						t.Errorf("not a hosted UI page: %q\n%s", ctype, body)
					}
				case text:
					if !strings.HasPrefix(ctype, "text/plain") {
						t.Errorf("Content-Type %q, want text/plain", ctype)
					}
				case jsonBody:
					if !strings.HasPrefix(ctype, "application/json") {
						t.Errorf("Content-Type %q, want JSON", ctype)
					}
				case oauthErr:
					if !strings.HasPrefix(ctype, "application/json") || tokenJSON(t, body)["error"] == nil {
						t.Errorf("not an OAuth error: %q %s", ctype, body)
					}
				}
				if loc := hd.Get("Location"); loc != "" {
					t.Errorf("redirected to %q", loc)
				}
			})
		}
	}
}

// TestRoutesUnderAStrippingMux: a sign-in works when the outer mux takes
// BaseURL's path off, and the pages' links and redirects keep it.
func TestRoutesUnderAStrippingMux(t *testing.T) {
	e := newEnv(t, envOption{mount: func(mux *http.ServeMux, h http.Handler) {
		mux.Handle("/auth/", http.StripPrefix("/auth", h))
	}})
	e.user("alice", "alice@example.com", goodPW)
	b := newAgent(t)
	login := b.open(e.authorizeURL(nil))
	if login.url.Path != "/auth/login" || !strings.Contains(login.body, `action="`+e.base+`/login"`) {
		t.Fatalf("login page at %s:\n%s", login.url, login.body)
	}
	done := b.submitNoFollow(login, url.Values{"username": {"alice"}, "password": {goodPW}})
	if !strings.HasPrefix(done.location(), e.cbURL+"?code=") {
		t.Fatalf("sign-in answered %d %q", done.status, done.location())
	}
}
