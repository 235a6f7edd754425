package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/gateway"
	"github.com/cupola-auth/cupola/hostedui"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/userpool"
	"github.com/cupola-auth/cupola/userpool/pooltest"
)

const testPW = "cobalt-Harbor-71"

func random(t *testing.T) []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// site is a hosted UI provider and an application, with the gateway's
// address chosen (but not served) so the client can be registered.
type site struct {
	issuer  string
	pool    *userpool.UserPool
	gateURL string           // http://localhost:port
	gateLn  net.Listener     // the gateway's listener
	app     *httptest.Server // the existing web application
	// keys holds the gateway's public key, given to the application.
	keys atomic.Pointer[token.KeySource]
}

// setJWKS gives the application the gateway's public JWKS.
func (s *site) setJWKS(t *testing.T, jwks token.JWKS) {
	t.Helper()
	k, err := gateway.StaticKeys(jwks)
	if err != nil {
		t.Fatal(err)
	}
	s.keys.Store(&k)
}

func newSite(t *testing.T) *site {
	t.Helper()
	s := &site{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.gateLn = ln
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	s.gateURL = "http://localhost:" + port

	idp := httptest.NewUnstartedServer(nil)
	s.issuer = "http://" + idp.Listener.Addr().String()
	pool, err := userpool.New(t.Context(), userpool.Config{ID: "gw", Issuer: s.issuer, Secret: random(t),
		Hashing: pooltest.FastHashing(),
		Clients: []userpool.ClientConfig{{ClientID: "cupola_dev",
			ExplicitAuthFlows:  []string{userpool.AllowRefreshTokenAuth},
			CallbackURLs:       []string{s.gateURL + "/callback"},
			LogoutURLs:         []string{s.gateURL + "/"},
			AllowedOAuthFlows:  []string{"code"},
			AllowedOAuthScopes: []string{"openid", "email", "profile"}}}}, memory.New())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.AdminCreateUser(t.Context(), userpool.AdminCreateUserInput{Username: "alice", MessageAction: "SUPPRESS",
		UserAttributes: []userpool.Attribute{{Name: "email", Value: "alice@example.com"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.AdminSetUserPassword(t.Context(), userpool.AdminSetUserPasswordInput{Username: "alice", Password: testPW, Permanent: true}); err != nil {
		t.Fatal(err)
	}
	s.pool = pool
	ui, err := hostedui.New(pool, hostedui.Options{BaseURL: s.issuer, CookieKeys: [][]byte{random(t)}})
	if err != nil {
		t.Fatal(err)
	}
	idp.Config.Handler = ui
	idp.Start()
	t.Cleanup(idp.Close)

	// The existing application knows nothing of OIDC: it reads the
	// headers, and verifies X-Amzn-Oidc-Data with the gateway's JWKS.
	s.app = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		verified := "unverified"
		if keys := s.keys.Load(); keys != nil {
			c, err := gateway.VerifyData(r.Context(), r.Header.Get("X-Amzn-Oidc-Data"),
				gateway.DataOptions{Keys: *keys, Issuer: s.issuer, ClientID: "cupola_dev"})
			if err == nil {
				verified = fmt.Sprintf("verified %v", c["cognito:username"])
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<p>app %s sub=%q %s</p>", html.EscapeString(r.URL.RequestURI()),
			r.Header.Get("X-Amzn-Oidc-Identity"), verified)
	}))
	t.Cleanup(s.app.Close)
	return s
}

func (s *site) config() config {
	return config{addr: s.gateLn.Addr().String(), issuer: s.issuer, clientID: "cupola_dev",
		redirectURL: s.gateURL + "/callback", postLogout: s.gateURL + "/", upstream: s.app.URL, cookieKey: nil}
}

// browser is a client with a cookie jar that follows redirects by hand.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type page struct {
	status   int
	url      *url.URL
	location string
	body     string
}

func do(t *testing.T, c *http.Client, method, u string, form url.Values, header http.Header) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	for k, vs := range header {
		req.Header[k] = vs
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, url: req.URL, location: res.Header.Get("Location"), body: string(b)}
}

// follow GETs redirects until a page that is not one.
func follow(t *testing.T, c *http.Client, p page) page {
	t.Helper()
	for i := 0; p.status >= 300 && p.status < 400; i++ {
		if i > 10 {
			t.Fatalf("redirect loop at %s", p.url)
		}
		next, err := p.url.Parse(p.location)
		if err != nil {
			t.Fatal(err)
		}
		p = do(t, c, http.MethodGet, next.String(), nil, nil)
	}
	return p
}

var (
	formAction = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	hidden     = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)
)

// signIn fills the hosted UI's login form on p and follows to the end.
func signIn(t *testing.T, c *http.Client, p page) page {
	t.Helper()
	m := formAction.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no login form at %s (%d):\n%s", p.url, p.status, p.body)
	}
	form := url.Values{"username": {"alice"}, "password": {testPW}}
	for _, h := range hidden.FindAllStringSubmatch(p.body, -1) {
		form.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	action, _ := p.url.Parse(html.UnescapeString(m[1]))
	return follow(t, c, do(t, c, http.MethodPost, action.String(), form, nil))
}

// TestGatewayProtectsAnExistingApp runs the example's handler in front of
// a plain web application, against a hosted UI: 401 for API calls, a
// sign-in for browsers, then the app sees the user in verified headers
// that clients cannot forge.
func TestGatewayProtectsAnExistingApp(t *testing.T) {
	s := newSite(t)
	h, jwks, err := newHandler(t.Context(), s.config(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("newHandler: %v", err)
	}
	s.setJWKS(t, jwks)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(s.gateLn) }()
	t.Cleanup(func() { _ = srv.Close() })

	api := do(t, http.DefaultClient, http.MethodGet, s.gateURL+"/api", nil, http.Header{"Accept": {"application/json"}})
	if api.status != http.StatusUnauthorized {
		t.Fatalf("API call without a session: %d, want 401", api.status)
	}
	c := browser(t)
	first := do(t, c, http.MethodGet, s.gateURL+"/dashboard", nil, nil)
	if first.status != http.StatusFound || !strings.HasPrefix(first.location, s.issuer+"/oauth2/authorize?") {
		t.Fatalf("a browser without a session: %d to %q, want the provider", first.status, first.location)
	}
	end := signIn(t, c, follow(t, c, first))
	if end.status != http.StatusOK || end.url.String() != s.gateURL+"/dashboard" {
		t.Fatalf("after signing in: %d at %s", end.status, end.url)
	}
	if !strings.Contains(end.body, "app /dashboard") || strings.Contains(end.body, `sub=""`) || !strings.Contains(end.body, "verified alice") {
		t.Fatalf("the app saw: %s", end.body)
	}

	forged := do(t, c, http.MethodGet, s.gateURL+"/again", nil, http.Header{"X-Amzn-Oidc-Identity": {"admin"},
		// A hop-by-hop trick: the proxy would drop the gateway's headers.
		"Connection": {"X-Amzn-Oidc-Identity, X-Amzn-Oidc-Data"}})
	if strings.Contains(forged.body, `sub="admin"`) || !strings.Contains(forged.body, "verified alice") {
		t.Errorf("the app did not get the gateway's identity alone: %s", forged.body)
	}

	if ask := do(t, c, http.MethodGet, s.gateURL+"/oauth2/logout", nil, nil); ask.status != http.StatusOK || !strings.Contains(ask.body, `method="post"`) {
		t.Errorf("GET logout: %d, want a page whose button posts", ask.status)
	}
	out := do(t, c, http.MethodPost, s.gateURL+"/oauth2/logout", nil, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if out.status != http.StatusFound || !strings.HasPrefix(out.location, s.issuer+"/logout?") {
		t.Errorf("logout: %d to %q, want the provider's logout", out.status, out.location)
	}
}

// TestRunChecksItsConfiguration: flags, environment and the JWKS file.
func TestRunChecksItsConfiguration(t *testing.T) {
	s := newSite(t)
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	noEnv := env(nil)
	tests := []struct {
		name string
		args []string
		env  func(string) string
	}{
		{"no upstream", []string{"-issuer", s.issuer}, noEnv},
		{"an upstream that is not a URL", []string{"-issuer", s.issuer, "-upstream", "ftp://x"}, noEnv},
		{"a cookie key that is not base64", []string{"-issuer", s.issuer, "-upstream", s.app.URL}, env(map[string]string{"GATEWAY_COOKIE_KEY": "%%%"})},
		{"a short cookie key", []string{"-issuer", s.issuer, "-upstream", s.app.URL}, env(map[string]string{"GATEWAY_COOKIE_KEY": base64.StdEncoding.EncodeToString([]byte("short"))})},
		{"an unknown issuer", []string{"-issuer", s.issuer + "/nowhere", "-upstream", s.app.URL}, noEnv},
		{"stray arguments", []string{"-upstream", s.app.URL, "extra"}, noEnv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := run(t.Context(), tt.args, tt.env, io.Discard); err == nil {
				t.Fatal("run accepted it")
			}
		})
	}

	t.Run("it serves, writes the JWKS and stops", func(t *testing.T) {
		jwksFile := filepath.Join(t.TempDir(), "jwks.json")
		addr := s.gateLn.Addr().String()
		s.gateLn.Close() // run listens there itself
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		key := base64.StdEncoding.EncodeToString(random(t))
		go func() {
			done <- run(ctx, []string{"-addr", addr, "-issuer", s.issuer, "-upstream", s.app.URL,
				"-redirect-url", s.gateURL + "/callback", "-jwks", jwksFile}, env(map[string]string{"GATEWAY_COOKIE_KEY": key}), io.Discard)
		}()
		status := 0
		for range 100 {
			res, err := http.Get(s.gateURL + "/x")
			if err == nil {
				res.Body.Close()
				status = res.StatusCode
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if status != http.StatusUnauthorized {
			t.Errorf("the running gateway answered %d, want 401", status)
		}
		var jwks token.JWKS
		if b, err := os.ReadFile(jwksFile); err != nil || json.Unmarshal(b, &jwks) != nil || len(jwks.Keys) != 1 || jwks.Keys[0].Alg != "ES256" {
			t.Errorf("JWKS file: %v %+v", err, jwks)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("run did not stop")
		}
	})
}
