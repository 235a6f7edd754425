package hostedui_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/hostedui"
	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
	"github.com/cupola-auth/cupola/userpool/pooltest"
	"golang.org/x/oauth2"
)

// The harness: a pool on the memory store with an outbox, cheap hashing
// and a fake clock; the hosted UI mounted under /auth/ of a real loopback
// server; a client app's callback on another loopback server; and
// "browsers": net/http clients with cookie jars that follow redirects by
// hand, so every status on the way is checked.

const (
	publicClient = "web" // public client: code flow with PKCE
	goodPW       = "cobalt-Harbor-71"
	apiScope     = "api/read"
)

var codePattern = regexp.MustCompile(`\b[0-9]{6}\b`)

type env struct {
	t      *testing.T
	ctx    context.Context
	pool   *userpool.UserPool
	store  store.Store
	outbox *message.Outbox
	clock  *pooltest.Clock
	srv    *httptest.Server
	base   string // BaseURL: srv.URL + "/auth"
	cb     *httptest.Server
	cbURL  string // the registered redirect URI
	// logoutURL is the registered logout URI.
	logoutURL string
	// confidential is a client with a secret allowing the code and
	// client_credentials flows.
	confidential, secret string
	opts                 hostedui.Options
}

type envOption struct {
	pool  func(*userpool.Config)
	opts  func(*hostedui.Options)
	store store.Store
	// mount puts the hosted UI under /auth/ of the server's mux; nil
	// hands it the full path.
	mount func(mux *http.ServeMux, h http.Handler)
	// localhost names the server localhost rather than 127.0.0.1 in
	// BaseURL: a WebAuthn relying party ID must be a domain.
	localhost bool
}

func randomKey(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// newEnv builds the pool, the hosted UI and the servers.
func newEnv(t *testing.T, o ...envOption) *env {
	t.Helper()
	e := &env{t: t, ctx: t.Context(), outbox: message.NewOutbox(),
		clock: pooltest.NewClock(time.Now().UTC().Truncate(time.Second))}
	e.cb = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "client app")
	}))
	t.Cleanup(e.cb.Close)
	e.cbURL = e.cb.URL + "/callback"
	e.logoutURL = e.cb.URL + "/signed-out"

	mux := http.NewServeMux()
	e.srv = httptest.NewUnstartedServer(mux)
	e.base = "http://" + e.srv.Listener.Addr().String() + "/auth"
	for _, x := range o {
		if x.localhost {
			_, port, _ := net.SplitHostPort(e.srv.Listener.Addr().String())
			e.base = "http://localhost:" + port + "/auth"
		}
	}
	e.store = memory.New()
	for _, x := range o {
		if x.store != nil {
			e.store = x.store
		}
	}
	cfg := userpool.Config{
		ID: "hosted", Name: "Example", Issuer: e.base, Secret: randomKey(t, 32),
		Hashing:     pooltest.FastHashing(),
		EmailSender: e.outbox, SMSSender: e.outbox, Clock: e.clock.Now,
		Clients: []userpool.ClientConfig{{
			ClientID: publicClient, ClientName: "web",
			ExplicitAuthFlows:  []string{userpool.AllowUserPasswordAuth, userpool.AllowRefreshTokenAuth},
			CallbackURLs:       []string{e.cbURL},
			LogoutURLs:         []string{e.logoutURL},
			AllowedOAuthFlows:  []string{"code"},
			AllowedOAuthScopes: []string{"openid", "email", "profile", "phone", userpool.ScopeAdmin},
		}},
	}
	for _, x := range o {
		if x.pool != nil {
			x.pool(&cfg)
		}
	}
	pool, err := userpool.New(e.ctx, cfg, e.store)
	if err != nil {
		t.Fatalf("userpool.New: %v", err)
	}
	e.pool = pool
	conf, err := pool.CreateUserPoolClient(e.ctx, userpool.ClientConfig{ClientName: "backend", GenerateSecret: true,
		ExplicitAuthFlows: []string{userpool.AllowRefreshTokenAuth},
		CallbackURLs:      []string{e.cbURL}, LogoutURLs: []string{e.logoutURL},
		AllowedOAuthFlows:  []string{"code", "client_credentials"},
		AllowedOAuthScopes: []string{"openid", "email", apiScope},
		// A server-side app that opted out of PKCE: the tests cover both.
		CodeWithoutPKCE: true})
	if err != nil {
		t.Fatalf("CreateUserPoolClient: %v", err)
	}
	e.confidential, e.secret = conf.ClientID, conf.ClientSecret

	e.opts = hostedui.Options{BaseURL: e.base, CookieKeys: [][]byte{randomKey(t, 32)}, Clock: e.clock.Now}
	for _, x := range o {
		if x.opts != nil {
			x.opts(&e.opts)
		}
	}
	h, err := hostedui.New(pool, e.opts)
	if err != nil {
		t.Fatalf("hostedui.New: %v", err)
	}
	mount := func(mux *http.ServeMux, h http.Handler) { mux.Handle("/auth/", h) }
	for _, x := range o {
		if x.mount != nil {
			mount = x.mount
		}
	}
	mount(mux, h)
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	return e
}

// user signs a confirmed user up through the API.
func (e *env) user(name, email, password string) {
	e.t.Helper()
	if _, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: publicClient, Username: name, Password: password,
		UserAttributes: []userpool.Attribute{{Name: "email", Value: email}}}); err != nil {
		e.t.Fatalf("SignUp(%s): %v", name, err)
	}
	if _, err := e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: publicClient, Username: name,
		ConfirmationCode: e.lastCode(email)}); err != nil {
		e.t.Fatalf("ConfirmSignUp(%s): %v", name, err)
	}
}

// lastCode returns the code in the newest email to an address.
func (e *env) lastCode(to string) string {
	e.t.Helper()
	// Messages go out just after the answer; send what is queued now.
	if _, err := e.pool.DeliverMessages(e.ctx, userpool.DeliverMessagesInput{}); err != nil {
		e.t.Fatalf("DeliverMessages: %v", err)
	}
	m, ok := e.outbox.LastEmail(to)
	if !ok {
		e.t.Fatalf("no email to %s", to)
	}
	code := codePattern.FindString(m.Text)
	if code == "" {
		e.t.Fatalf("no code in %q", m.Text)
	}
	return code
}

// authorizeURL is an authorize request of the public client with PKCE.
func (e *env) authorizeURL(extra url.Values) string {
	v := url.Values{"response_type": {"code"}, "client_id": {publicClient}, "redirect_uri": {e.cbURL},
		"state": {"st-123"}, "scope": {"openid email"}, "nonce": {"n-456"},
		"code_challenge": {pkceChallenge}, "code_challenge_method": {"S256"}}
	for k, vs := range extra {
		if vs == nil {
			v.Del(k)
		} else {
			v[k] = vs
		}
	}
	return e.base + "/oauth2/authorize?" + v.Encode()
}

// A fixed PKCE pair.
const pkceVerifier = "dBjftJeZ4CVP-mJ0kSVEBGxN9fPvEpO4eijLuPW4KYw"

var pkceChallenge = oauth2.S256ChallengeFromVerifier(pkceVerifier)

// response is a response the browser saw, its body read.
type response struct {
	status int
	header http.Header
	body   string
	url    *url.URL
}

func (r *response) location() string { return r.header.Get("Location") }

// agent is a user agent with a cookie jar. It follows redirects itself
// and fails the test on a 307 or 308 (RFC 9700 §4.12) anywhere.
type agent struct {
	t      *testing.T
	c      *http.Client
	header http.Header // sent with every request
	mu     sync.Mutex
	seen   []int
}

func newAgent(t *testing.T) *agent {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &agent{t: t, header: http.Header{}, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *agent) do(req *http.Request) *response {
	b.t.Helper()
	for k, vs := range b.header {
		req.Header[k] = vs
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
	if res.StatusCode == http.StatusTemporaryRedirect || res.StatusCode == http.StatusPermanentRedirect {
		b.t.Errorf("%s %s answered %d: never 307/308", req.Method, req.URL, res.StatusCode)
	}
	if req.Method == http.MethodPost && res.StatusCode >= 300 && res.StatusCode < 400 && res.StatusCode != http.StatusSeeOther {
		b.t.Errorf("POST %s answered %d: redirects after a POST must be 303", req.URL, res.StatusCode)
	}
	b.mu.Lock()
	b.seen = append(b.seen, res.StatusCode)
	b.mu.Unlock()
	return &response{status: res.StatusCode, header: res.Header, body: string(body), url: req.URL}
}

// get fetches u without following redirects.
func (b *agent) get(u string) *response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post submits a form to u without following redirects.
func (b *agent) post(u string, v url.Values) *response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(v.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// follow follows redirects from r until a page that is not one.
func (b *agent) follow(r *response) *response {
	b.t.Helper()
	for i := 0; r.status >= 300 && r.status < 400; i++ {
		if i > 10 {
			b.t.Fatalf("redirect loop at %s", r.url)
		}
		next, err := r.url.Parse(r.location())
		if err != nil {
			b.t.Fatalf("bad Location %q: %v", r.location(), err)
		}
		r = b.get(next.String())
	}
	return r
}

// open GETs u and follows its redirects.
func (b *agent) open(u string) *response { return b.follow(b.get(u)) }

var (
	formPattern  = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	inputPattern = regexp.MustCompile(`<input\b[^>]*>`)
	attrPattern  = regexp.MustCompile(`\s([a-z-]+)(?:="([^"]*)")?`)
)

// formValues are the values a browser would submit from the page's
// inputs: hidden and pre-filled fields (radio buttons only when checked).
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

// submit fills the page's form with v (plus its hidden fields), posts it
// and follows the redirects.
func (b *agent) submit(page *response, v url.Values) *response {
	b.t.Helper()
	return b.follow(b.submitNoFollow(page, v))
}

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
	return b.post(html.UnescapeString(m[1]), all)
}

// cookie returns the browser's cookie of that name for u.
func (b *agent) cookie(u, name string) *http.Cookie {
	pu, _ := url.Parse(u)
	for _, c := range b.c.Jar.Cookies(pu) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// callbackParams checks that r is the client's callback and returns its
// query.
func (e *env) callbackParams(r *response) url.Values {
	e.t.Helper()
	if r.url.Host != strings.TrimPrefix(e.cb.URL, "http://") || r.url.Path != "/callback" {
		e.t.Fatalf("ended at %s (status %d), not the callback:\n%s", r.url, r.status, r.body)
	}
	return r.url.Query()
}

// login opens an authorize URL, signs in on the login page and returns
// the callback's query.
func (e *env) login(b *agent, authorizeURL, username, password string) url.Values {
	e.t.Helper()
	page := b.open(authorizeURL)
	if !strings.Contains(page.body, `name="password"`) {
		e.t.Fatalf("no login form at %s (status %d):\n%s", page.url, page.status, page.body)
	}
	return e.callbackParams(b.submit(page, url.Values{"username": {username}, "password": {password}}))
}

// postToken calls the token endpoint directly.
func (e *env) postToken(v url.Values, basicUser, basicPass string) *response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.base+"/oauth2/token", strings.NewReader(v.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(url.QueryEscape(basicUser), url.QueryEscape(basicPass))
	}
	return newAgent(e.t).do(req)
}

// tokenJSON decodes a token endpoint answer.
func tokenJSON(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("token answer %q: %v", body, err)
	}
	return m
}

// idClaims returns the (unverified) claims of the ID token in a token
// endpoint answer; the signature is checked by go-oidc elsewhere.
func idClaims(t *testing.T, body string) map[string]any {
	t.Helper()
	raw, _ := tokenJSON(t, body)["id_token"].(string)
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("no ID token in %q", body)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
