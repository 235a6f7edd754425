package hostedui_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/hostedui"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
	"github.com/cupola-auth/cupola/userpool/pooltest"
)

// TestLogout: only an exactly registered logout URI is redirected to
// (checklist 33).
func TestLogout(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", goodPW)
	signedIn := func(t *testing.T) *agent {
		b := newAgent(t)
		e.login(b, e.authorizeURL(nil), "alice", goodPW)
		return b
	}
	bad := []struct {
		name  string
		query url.Values
	}{
		{"an unregistered logout_uri", url.Values{"client_id": {publicClient}, "logout_uri": {"https://evil.example/bye"}}},
		{"a logout_uri with an added query", url.Values{"client_id": {publicClient}, "logout_uri": {e.logoutURL + "?next=evil"}}},
		{"a logout_uri with a trailing slash", url.Values{"client_id": {publicClient}, "logout_uri": {e.logoutURL + "/"}}},
		{"a logout_uri of another client", url.Values{"client_id": {"nobody"}, "logout_uri": {e.logoutURL}}},
		{"a logout_uri without client_id", url.Values{"logout_uri": {e.logoutURL}}},
		{"a repeated logout_uri", url.Values{"client_id": {publicClient}, "logout_uri": {e.logoutURL, "https://evil.example"}}},
		{"an unregistered post_logout_redirect_uri", url.Values{"client_id": {publicClient}, "post_logout_redirect_uri": {"https://evil.example/bye"}}},
		{"a tampered id_token_hint", url.Values{"id_token_hint": {"eyJhbGciOiJub25lIn0.eyJhdWQiOiJ3ZWIifQ."}, "post_logout_redirect_uri": {e.logoutURL}}},
		{"a redirect_uri that is not registered", url.Values{"client_id": {publicClient}, "response_type": {"code"}, "redirect_uri": {"https://evil.example/cb"}}},
		{"nothing to go back to", url.Values{"client_id": {publicClient}}},
	}
	for _, tt := range bad {
		t.Run(tt.name+" gets an error page and no redirect", func(t *testing.T) {
			b := signedIn(t)
			r := b.get(e.base + "/logout?" + tt.query.Encode())
			if r.status != http.StatusBadRequest || r.location() != "" {
				t.Errorf("got %d Location %q, want 400 and no Location", r.status, r.location())
			}
		})
	}
	t.Run("a registered logout_uri ends the session and redirects there", func(t *testing.T) {
		b := signedIn(t)
		r := b.get(e.base + "/logout?" + url.Values{"client_id": {publicClient}, "logout_uri": {e.logoutURL}}.Encode())
		if r.status != http.StatusFound || r.location() != e.logoutURL {
			t.Fatalf("got %d %q", r.status, r.location())
		}
		if b.cookie(e.base+"/login", "cupola_session") != nil {
			t.Error("the session cookie survived the logout")
		}
		if again := b.get(e.authorizeURL(nil)); again.location() != e.base+"/login" {
			t.Errorf("after logout, authorize went to %q, not the login page", again.location())
		}
	})
	t.Run("a sign-out link from another site asks before it signs out", func(t *testing.T) {
		b := signedIn(t)
		logout := e.base + "/logout?" + url.Values{"client_id": {publicClient}, "logout_uri": {e.logoutURL}}.Encode()
		b.header = http.Header{"Sec-Fetch-Site": {"cross-site"}}
		confirm := b.get(logout)
		b.header = nil
		if confirm.status != http.StatusOK || !strings.Contains(confirm.body, "Do you want to sign out?") {
			t.Fatalf("a cross-site sign-out gave %d:\n%s", confirm.status, confirm.body)
		}
		if again := b.get(e.authorizeURL(url.Values{"prompt": {"none"}})); !strings.Contains(again.location(), "code=") {
			t.Fatalf("the session ended before it was confirmed: %s", again.location())
		}
		// A forged confirmation (no CSRF token) changes nothing.
		if r := b.post(logout, url.Values{"signout": {""}}); r.status != http.StatusForbidden {
			t.Fatalf("a confirmation without the CSRF token: %d", r.status)
		}
		done := b.submitNoFollow(confirm, nil)
		if done.status != http.StatusSeeOther || done.location() != e.logoutURL {
			t.Fatalf("the confirmed sign-out: %d %q", done.status, done.location())
		}
		if again := b.get(e.authorizeURL(nil)); again.location() != e.base+"/login" {
			t.Errorf("after the confirmed sign-out, authorize went to %q", again.location())
		}
	})
	t.Run("a copy of the session cookie is worthless after logout", func(t *testing.T) {
		b := signedIn(t)
		stolen := b.cookie(e.base+"/login", "cupola_session")
		if stolen == nil {
			t.Fatal("no session cookie")
		}
		b.get(e.base + "/logout?" + url.Values{"client_id": {publicClient}, "logout_uri": {e.logoutURL}}.Encode())
		thief := newAgent(t)
		u, _ := url.Parse(e.base + "/")
		stolen.Path = "/"
		thief.c.Jar.SetCookies(u, []*http.Cookie{stolen})
		r := thief.get(e.authorizeURL(url.Values{"prompt": {"none"}}))
		if loc := r.location(); strings.Contains(loc, "code=") {
			t.Fatalf("a copied session cookie still got a code after logout: %s", loc)
		}
	})
	t.Run("post_logout_redirect_uri gets the state back", func(t *testing.T) {
		b := signedIn(t)
		r := b.get(e.base + "/logout?" + url.Values{"client_id": {publicClient}, "post_logout_redirect_uri": {e.logoutURL}, "state": {"bye"}}.Encode())
		if r.status != http.StatusFound || r.location() != e.logoutURL+"?state=bye" {
			t.Fatalf("got %d %q", r.status, r.location())
		}
	})
	t.Run("redirect_uri and response_type sign out and start a new sign-in", func(t *testing.T) {
		b := signedIn(t)
		r := b.get(e.base + "/logout?" + url.Values{"client_id": {publicClient}, "response_type": {"code"}, "redirect_uri": {e.cbURL},
			"code_challenge": {pkceChallenge}, "code_challenge_method": {"S256"}, "scope": {"openid"}}.Encode())
		if r.status != http.StatusFound || !strings.HasPrefix(r.location(), e.base+"/oauth2/authorize?") {
			t.Fatalf("got %d %q", r.status, r.location())
		}
		if page := b.follow(r); !strings.Contains(page.body, `name="password"`) {
			t.Errorf("after logout the sign-in did not show the login form: %s", page.url)
		}
	})
}

// TestPagesSendSecurityHeaders: framing, sniffing, referrer and caching
// headers on every page (checklist 34).
func TestPagesSendSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	b := newAgent(t)
	login := b.open(e.authorizeURL(nil))
	pages := map[string]*response{"login": login}
	for _, p := range []string{"/signup", "/forgotPassword", "/confirmUser", "/confirmForgotPassword"} {
		pages[p] = b.get(e.base + p)
	}
	pages["error"] = b.get(e.base + "/oauth2/authorize?client_id=nobody")
	pages["logout error"] = b.get(e.base + "/logout")
	for name, r := range pages {
		t.Run("the "+name+" page", func(t *testing.T) {
			h := r.header
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'", "style-src 'self'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe") {
				t.Errorf("CSP %q allows scripts", csp)
			}
			for k, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
				"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "Content-Type": "text/html; charset=utf-8"} {
				if h.Get(k) != want {
					t.Errorf("%s = %q, want %q", k, h.Get(k), want)
				}
			}
			if !strings.Contains(r.body, `<html lang="en">`) || !strings.Contains(r.body, `name="viewport"`) {
				t.Error("page lacks lang or viewport")
			}
		})
	}
	t.Run("every input of the login page has a label", func(t *testing.T) {
		for _, id := range []string{"username", "password"} {
			if !strings.Contains(login.body, `<label class="label-customizable" for="`+id+`">`) || !strings.Contains(login.body, `id="`+id+`"`) {
				t.Errorf("no label for %s", id)
			}
		}
		for _, class := range []string{"background-customizable", "banner-customizable", "label-customizable",
			"inputField-customizable", "submitButton-customizable", "textDescription-customizable"} {
			if !strings.Contains(login.body, class) {
				t.Errorf("the login page lacks the class %s", class)
			}
		}
	})
	t.Run("a flow page lets its form be answered by a redirect to the client's origin", func(t *testing.T) {
		if csp := login.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+e.cb.URL+";") {
			t.Errorf("CSP %q lacks the callback origin in form-action", csp)
		}
	})
	t.Run("JSON endpoints are not framable or sniffable either", func(t *testing.T) {
		r := b.get(e.base + "/.well-known/openid-configuration")
		if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("headers %v", r.header)
		}
	})
}

// TestCookiesUnderTLS: __Host- prefix, Secure, HttpOnly, SameSite=Lax and
// Path=/ when BaseURL is https.
func TestCookiesUnderTLS(t *testing.T) {
	const base = "https://auth.example.test"
	pool, err := userpool.New(t.Context(), userpool.Config{ID: "tls", Issuer: base, Secret: randomKey(t, 32),
		Hashing: pooltest.FastHashing(),
		Clients: []userpool.ClientConfig{{ClientID: "web", CallbackURLs: []string{"https://app.example.test/cb"},
			AllowedOAuthFlows: []string{"code"}, AllowedOAuthScopes: []string{"openid"}}}}, memory.New())
	if err != nil {
		t.Fatal(err)
	}
	h, err := hostedui.New(pool, hostedui.Options{BaseURL: base, CookieKeys: [][]byte{randomKey(t, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, base+"/oauth2/authorize?"+url.Values{"client_id": {"web"}, "response_type": {"code"},
		"redirect_uri": {"https://app.example.test/cb"}, "code_challenge": {pkceChallenge}, "code_challenge_method": {"S256"}}.Encode(), nil))
	res := rec.Result()
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != base+"/login" {
		t.Fatalf("got %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS under TLS")
	}
	cookies := res.Cookies()
	if len(cookies) != 2 {
		t.Fatalf("cookies %v, want the session and the flow", cookies)
	}
	for _, c := range cookies {
		if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
			t.Errorf("cookie %s: want __Host- prefix, Secure, HttpOnly, SameSite=Lax, Path=/ and no Domain", c.String())
		}
	}
}

// TestCSRF: every form checks its token against the session cookie.
func TestCSRF(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", goodPW)
	for _, path := range []string{"/login", "/signup", "/confirmUser", "/forgotPassword", "/confirmForgotPassword", "/mfa", "/mfaSetup", "/newPassword", "/selectMfa"} {
		for _, tc := range []struct {
			name  string
			token func(string) string
		}{
			{"without a token", func(string) string { return "" }},
			{"with another token", func(string) string { return "AAAA" + strings.Repeat("B", 39) }},
			{"with a token one character off", func(s string) string { return s[:len(s)-1] + "!" }},
		} {
			t.Run("a POST to "+path+" "+tc.name+" is refused", func(t *testing.T) {
				b := newAgent(t)
				page := b.open(e.authorizeURL(nil))
				v := formValues(page.body)
				v.Set("_csrf", tc.token(v.Get("_csrf")))
				v.Set("username", "alice")
				v.Set("password", goodPW)
				r := b.post(e.base+path, v)
				if r.status != http.StatusForbidden || r.location() != "" {
					t.Errorf("got %d %q, want 403", r.status, r.location())
				}
			})
		}
	}
	t.Run("a token from another browser is refused", func(t *testing.T) {
		a, b := newAgent(t), newAgent(t)
		pa := a.open(e.authorizeURL(nil))
		b.open(e.authorizeURL(nil))
		r := b.post(e.base+"/login", url.Values{"_csrf": {formValues(pa.body).Get("_csrf")}, "username": {"alice"}, "password": {goodPW}})
		if r.status != http.StatusForbidden {
			t.Errorf("got %d", r.status)
		}
	})
	t.Run("the token changes when the user signs in", func(t *testing.T) {
		b := newAgent(t)
		page := b.open(e.authorizeURL(nil))
		before := formValues(page.body).Get("_csrf")
		e.callbackParams(b.submit(page, url.Values{"username": {"alice"}, "password": {goodPW}}))
		after := formValues(b.open(e.authorizeURL(url.Values{"prompt": {"login"}})).body).Get("_csrf")
		if before == "" || after == "" || before == after {
			t.Errorf("CSRF token before %q, after %q: want a new one", before, after)
		}
	})
}

// TestHostHeadersAreNeverUsed: every URL comes from BaseURL, whatever
// Host and X-Forwarded-Host say (checklist 13).
func TestHostHeadersAreNeverUsed(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", goodPW)
	b := newAgent(t)
	b.header.Set("X-Forwarded-Host", "evil.example")
	b.header.Set("X-Forwarded-Proto", "https")
	b.header.Set("Forwarded", "host=evil.example")
	var all []*response
	r := b.get(e.authorizeURL(nil))
	all = append(all, r)
	page := b.get(r.location())
	all = append(all, page)
	for _, p := range []string{"/signup", "/forgotPassword", "/.well-known/openid-configuration", "/logout?client_id=web"} {
		all = append(all, b.get(e.base+p))
	}
	// Host itself, through a raw request.
	req, _ := http.NewRequest(http.MethodGet, e.base+"/.well-known/openid-configuration", nil)
	req.Host = "evil.example"
	all = append(all, b.do(req))
	req, _ = http.NewRequest(http.MethodGet, e.authorizeURL(nil), nil)
	req.Host = "evil.example"
	all = append(all, b.do(req))
	all = append(all, b.submitNoFollow(page, url.Values{"username": {"alice"}, "password": {goodPW}}))
	for _, r := range all {
		if strings.Contains(r.location(), "evil") || strings.Contains(r.body, "evil") {
			t.Errorf("%s: evil host in Location %q or body:\n%s", r.url, r.location(), r.body)
		}
	}
	if !strings.Contains(page.body, `action="`+e.base+`/login"`) {
		t.Errorf("the login form does not post to BaseURL:\n%s", page.body)
	}
}

// TestNoTemporaryRedirects: the agent fails a test on any 307/308; this
// walks the redirecting endpoints once more to make that explicit.
func TestNoTemporaryRedirects(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", goodPW)
	b := newAgent(t)
	e.login(b, e.authorizeURL(nil), "alice", goodPW)
	b.get(e.authorizeURL(nil))
	b.get(e.authorizeURL(url.Values{"response_type": {"token"}}))
	b.get(e.base + "/logout?" + url.Values{"client_id": {publicClient}, "logout_uri": {e.logoutURL}}.Encode())
	for _, s := range b.seen {
		if s == http.StatusTemporaryRedirect || s == http.StatusPermanentRedirect {
			t.Errorf("saw %d", s)
		}
	}
	if len(b.seen) < 5 {
		t.Errorf("only %d responses seen", len(b.seen))
	}
}

// TestMalformedRequestsNeverFail: odd, missing and repeated parameters on
// every endpoint get a 4xx, never a 500, and never a redirect anywhere but
// the hosted UI itself or the registered callback.
func TestMalformedRequestsNeverFail(t *testing.T) {
	e := newEnv(t)
	b := newAgent(t)
	b.open(e.authorizeURL(nil)) // a session and a flow, so the pages get past their first check
	paths := []string{"/oauth2/authorize", "/oauth2/token", "/oauth2/userInfo", "/oauth2/revoke", "/logout", "/login", "/signup",
		"/confirmUser", "/forgotPassword", "/confirmForgotPassword", "/mfa", "/selectMfa", "/mfaSetup", "/newPassword",
		"/.well-known/openid-configuration", "/.well-known/jwks.json", "/assets/style.css", "/nope"}
	queries := []string{"", "client_id=", "client_id=%00", "client_id=web&client_id=web", "redirect_uri=%zz", "state=" + strings.Repeat("s", 20000),
		"client_id=web&redirect_uri=" + url.QueryEscape(e.cbURL) + "&response_type=code&max_age=-1",
		"client_id=web&redirect_uri=" + url.QueryEscape(e.cbURL) + "&response_type=code&code_challenge=" + strings.Repeat("a", 200) + "&code_challenge_method=S256",
		"client_id=web&redirect_uri=" + url.QueryEscape(e.cbURL) + "&response_type=code&state=" + strings.Repeat("s", 3000) + "&code_challenge=" + pkceChallenge + "&code_challenge_method=S256"}
	bodies := []string{"", "_csrf=&username=", "%zz", "username=a&username=b", strings.Repeat("x", 1000), "answer=SMS_MFA&code=1"}
	for _, p := range paths {
		for _, q := range queries {
			for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodOptions} {
				for _, body := range bodies {
					if m != http.MethodPost && body != "" {
						continue
					}
					req, _ := http.NewRequest(m, e.base+p+"?"+q, strings.NewReader(body))
					if m == http.MethodPost {
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					}
					r := b.do(req)
					if r.status >= 500 {
						t.Errorf("%s %s?%.60s body %.30q: %d", m, p, q, body, r.status)
					}
					if loc := r.location(); loc != "" && !strings.HasPrefix(loc, e.base+"/") && !strings.HasPrefix(loc, e.cbURL+"?") {
						t.Errorf("%s %s?%.60s: redirect to %q", m, p, q, loc)
					}
				}
			}
		}
	}
}
