package gateway_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
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

// The harness: Cupola's hosted UI (a pool on the memory store, cheap
// hashing, a fake clock) served at the root of a loopback server, the
// provider; a gateway in front of a recording upstream on another loopback
// server, reached as "localhost" so the two sites keep apart cookies; and
// "browsers": net/http clients with cookie jars that follow redirects by
// hand.

const (
	clientID     = "gate"
	callbackPath = "/oauth2/idpresponse"
	password     = "cobalt-Harbor-71"
)

// env is one provider, one gateway and its upstream.
type env struct {
	t      *testing.T
	ctx    context.Context
	clock  *pooltest.Clock
	pool   *userpool.UserPool
	issuer string // the provider's URL: the pool's issuer and the hosted UI's BaseURL
	appURL string // the gateway's URL
	key    token.Key
	opts   gateway.Options // the options of the gateway serving now
	gate   atomic.Pointer[http.Handler]

	tokenCalls  atomic.Int64 // POSTs to the provider's token endpoint
	revokeCalls atomic.Int64 // POSTs to its revocation endpoint

	mu   sync.Mutex
	seen []*seenRequest // what the upstream received
}

// seenRequest is one request the upstream received.
type seenRequest struct {
	uri     string
	header  http.Header
	claims  *gateway.Claims
	hasUser bool
}

type envOption struct {
	pool func(*userpool.Config)
	gate func(*gateway.Options)
}

func randomKey(t testing.TB) []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func newEnv(t *testing.T, o ...envOption) *env {
	t.Helper()
	e := &env{t: t, ctx: t.Context(), clock: pooltest.NewClock(time.Now().UTC().Truncate(time.Second))}

	app := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*e.gate.Load()).ServeHTTP(w, r)
	}))
	e.appURL = "http://localhost:" + portOf(app.Listener.Addr().String())

	idp := httptest.NewUnstartedServer(nil)
	e.issuer = "http://" + idp.Listener.Addr().String()
	cfg := userpool.Config{
		ID: "gate", Name: "Gateway test", Issuer: e.issuer, Secret: randomKey(t),
		Hashing: pooltest.FastHashing(),
		Clock:   e.clock.Now,
		Clients: []userpool.ClientConfig{{
			ClientID: clientID, ClientName: "gateway",
			ExplicitAuthFlows:  []string{userpool.AllowRefreshTokenAuth},
			CallbackURLs:       []string{e.appURL + callbackPath},
			LogoutURLs:         []string{e.appURL + "/"},
			AllowedOAuthFlows:  []string{"code"},
			AllowedOAuthScopes: []string{"openid", "email", "profile"},
		}},
	}
	for _, x := range o {
		if x.pool != nil {
			x.pool(&cfg)
		}
	}
	pool, err := userpool.New(e.ctx, cfg, memory.New())
	if err != nil {
		t.Fatalf("userpool.New: %v", err)
	}
	e.pool = pool
	ui, err := hostedui.New(pool, hostedui.Options{BaseURL: e.issuer, CookieKeys: [][]byte{randomKey(t)}, Clock: e.clock.Now})
	if err != nil {
		t.Fatalf("hostedui.New: %v", err)
	}
	idp.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			switch r.URL.Path {
			case "/oauth2/token":
				e.tokenCalls.Add(1)
			case "/oauth2/revoke":
				e.revokeCalls.Add(1)
			}
		}
		ui.ServeHTTP(w, r)
	})
	idp.Start()
	t.Cleanup(idp.Close)

	e.key, err = token.GenerateKey(token.ES256, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.opts = gateway.Options{
		Issuer: e.issuer, ClientID: clientID, RedirectURL: e.appURL + callbackPath,
		Upstream: http.HandlerFunc(e.upstream), CookieKeys: [][]byte{randomKey(t)},
		IdentityHeaders: true, SigningKey: e.key, Now: e.clock.Now,
		AllowUnauthenticated: func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/public/") },
	}
	for _, x := range o {
		if x.gate != nil {
			x.gate(&e.opts)
		}
	}
	e.serve(e.opts)
	app.Start()
	t.Cleanup(app.Close)
	return e
}

// serve puts a gateway built with opts in front of the upstream.
func (e *env) serve(opts gateway.Options) {
	e.t.Helper()
	g, err := gateway.New(e.t.Context(), opts)
	if err != nil {
		e.t.Fatalf("gateway.New: %v", err)
	}
	e.opts = opts
	e.gate.Store(&g)
}

func portOf(addr string) string {
	i := strings.LastIndexByte(addr, ':')
	return addr[i+1:]
}

// upstream is the application: it records what it received.
func (e *env) upstream(w http.ResponseWriter, r *http.Request) {
	c, ok := gateway.ClaimsFrom(r.Context())
	e.mu.Lock()
	e.seen = append(e.seen, &seenRequest{uri: r.URL.RequestURI(), header: r.Header.Clone(), claims: c, hasUser: ok})
	e.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = fmt.Fprintf(w, "<h1>app %s</h1>", html.EscapeString(r.URL.RequestURI()))
}

// last returns the upstream's latest request, failing without one.
func (e *env) last() *seenRequest {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.seen) == 0 {
		e.t.Fatal("the upstream received nothing")
	}
	return e.seen[len(e.seen)-1]
}

// upstreamCount is how many requests reached the upstream.
func (e *env) upstreamCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.seen)
}

// user creates a confirmed user with a permanent password and returns its sub.
func (e *env) user(name, email string) string {
	e.t.Helper()
	u, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: name, MessageAction: "SUPPRESS",
		UserAttributes: []userpool.Attribute{{Name: "email", Value: email}, {Name: "email_verified", Value: "true"}}})
	if err != nil {
		e.t.Fatalf("AdminCreateUser: %v", err)
	}
	if _, err := e.pool.AdminSetUserPassword(e.ctx, userpool.AdminSetUserPasswordInput{Username: name, Password: password, Permanent: true}); err != nil {
		e.t.Fatalf("AdminSetUserPassword: %v", err)
	}
	for _, a := range u.Attributes {
		if a.Name == "sub" {
			return a.Value
		}
	}
	e.t.Fatalf("user %s has no sub", name)
	return ""
}

// response is a response the agent saw, its body read.
type response struct {
	status  int
	header  http.Header
	body    string
	url     *url.URL
	cookies []*http.Cookie // the Set-Cookie headers
}

func (r *response) location() string { return r.header.Get("Location") }

// setCookie returns the response's Set-Cookie of that name.
func (r *response) setCookie(name string) *http.Cookie {
	for _, c := range r.cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// agent is a browser: a cookie jar, an Accept header asking for HTML, and
// redirects followed by hand so every step is seen.
type agent struct {
	t      *testing.T
	c      *http.Client
	header http.Header
}

func newAgent(t *testing.T) *agent {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &agent{t: t, header: http.Header{"Accept": {"text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}},
		c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *agent) do(req *http.Request) *response {
	b.t.Helper()
	for k, vs := range b.header {
		if req.Header.Get(k) == "" {
			req.Header[k] = vs
		}
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return &response{status: res.StatusCode, header: res.Header, body: string(body), url: req.URL, cookies: res.Cookies()}
}

func (b *agent) get(u string) *response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *agent) post(u string, v url.Values) *response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(v.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// follow follows redirects from r until a page that is not one; each step
// is passed to seen, when given.
func (b *agent) follow(r *response, seen ...func(*response)) *response {
	b.t.Helper()
	for i := 0; r.status >= 300 && r.status < 400; i++ {
		if i > 12 {
			b.t.Fatalf("redirect loop at %s", r.url)
		}
		next, err := r.url.Parse(r.location())
		if err != nil {
			b.t.Fatalf("bad Location %q: %v", r.location(), err)
		}
		r = b.get(next.String())
		for _, f := range seen {
			f(r)
		}
	}
	return r
}

func (b *agent) open(u string) *response { return b.follow(b.get(u)) }

var (
	formPattern  = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	inputPattern = regexp.MustCompile(`<input\b[^>]*>`)
	attrPattern  = regexp.MustCompile(`\s([a-z-]+)(?:="([^"]*)")?`)
)

// formValues are the hidden and pre-filled fields of the page's inputs.
func formValues(body string) url.Values {
	out := url.Values{}
	for _, tag := range inputPattern.FindAllString(body, -1) {
		attrs := map[string]string{}
		for _, a := range attrPattern.FindAllStringSubmatch(tag, -1) {
			attrs[a[1]] = html.UnescapeString(a[2])
		}
		_, checked := attrs["checked"]
		if attrs["name"] == "" || ((attrs["type"] == "radio" || attrs["type"] == "checkbox") && !checked) {
			continue
		}
		out.Set(attrs["name"], attrs["value"])
	}
	return out
}

// submitNoFollow posts the page's form with v added to its fields.
func (b *agent) submitNoFollow(page *response, v url.Values) *response {
	b.t.Helper()
	m := formPattern.FindStringSubmatch(page.body)
	if m == nil {
		b.t.Fatalf("no form on %s (status %d):\n%s", page.url, page.status, page.body)
	}
	all := formValues(page.body)
	for k, vs := range v {
		all[k] = vs
	}
	action, err := page.url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		b.t.Fatal(err)
	}
	return b.post(action.String(), all)
}

// signIn opens path on the gateway as a browser, signs in on the hosted
// UI's login page as username, and returns every response after the login
// form's post, the last being the upstream's page.
func (e *env) signIn(b *agent, path, username string) []*response {
	e.t.Helper()
	page := b.open(e.appURL + path)
	if !strings.Contains(page.body, `name="password"`) || !strings.HasPrefix(page.url.String(), e.issuer) {
		e.t.Fatalf("no login form of the provider at %s (status %d):\n%s", page.url, page.status, page.body)
	}
	var steps []*response
	first := b.submitNoFollow(page, url.Values{"username": {username}, "password": {password}})
	steps = append(steps, first)
	b.follow(first, func(r *response) { steps = append(steps, r) })
	end := steps[len(steps)-1]
	if end.status != http.StatusOK || !strings.HasPrefix(end.url.String(), e.appURL) {
		e.t.Fatalf("sign-in ended at %s with %d:\n%s", end.url, end.status, end.body)
	}
	return steps
}

// callbackStep returns the gateway's answer to the callback among steps.
func (e *env) callbackStep(steps []*response) *response {
	e.t.Helper()
	for _, r := range steps {
		if r.url.Path == callbackPath {
			return r
		}
	}
	e.t.Fatal("the sign-in never reached the callback")
	return nil
}

// cookies returns the agent's cookies for the gateway's site.
func (e *env) cookies(b *agent) map[string]string {
	u, _ := url.Parse(e.appURL)
	out := map[string]string{}
	for _, c := range b.c.Jar.Cookies(u) {
		out[c.Name] = c.Value
	}
	return out
}

// rawGet requests the gateway with an exact Cookie header and extra
// headers, outside any jar.
func (e *env) rawGet(path, cookie string, header http.Header) *response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.appURL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	c := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return &response{status: res.StatusCode, header: res.Header, body: string(body), url: req.URL, cookies: res.Cookies()}
}

// cookieHeader renders cookies as a Cookie header.
func cookieHeader(cs map[string]string) string {
	var parts []string
	for k, v := range cs {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, "; ")
}

// htmlAccept is a browser's Accept header for a page.
var htmlAccept = http.Header{"Accept": {"text/html"}}
