package federation_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/federation"
	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

const testCallback = "https://app.example.com/oauth2/idpresponse"

// clock is a settable Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// wantKind fails unless err is a *federation.Error matching kind.
func wantKind(t *testing.T, err, kind error) *federation.Error {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error = %v, want %v", err, kind)
	}
	var fe *federation.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *federation.Error", err)
	}
	return fe
}

// start begins a sign-in with a fresh state.
func start(t *testing.T, p federation.Provider) *federation.Start {
	t.Helper()
	s, err := p.Start(context.Background(), federation.StartInput{CallbackURL: testCallback, State: "state-" + t.Name()})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return s
}

// callback is what the browser brings back when the provider says yes.
func callback(s *federation.Start, code string) federation.CompleteInput {
	return federation.CompleteInput{
		Params:  url.Values{"state": {s.Pending.State}, "code": {code}},
		Pending: s.Pending,
	}
}

// followAuthorize plays the browser: it GETs the authorization URL and
// stops at the redirect to the callback, whose query it returns.
func followAuthorize(t *testing.T, authURL string) url.Values {
	t.Helper()
	browser := &http.Client{
		Timeout: 10 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), testCallback) {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	resp, err := browser.Get(authURL)
	if err != nil {
		t.Fatalf("GET authorize: %v", err)
	}
	defer resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("authorize answered %s without a redirect", resp.Status)
	}
	if !strings.HasPrefix(loc.String(), testCallback) {
		t.Fatalf("redirected to %s, want the callback", loc)
	}
	return loc.Query()
}

// fakeIdP is a minimal OpenID provider whose token endpoint returns
// whatever ID token the test crafts, to try forged and broken tokens.
type fakeIdP struct {
	srv      *httptest.Server
	kp       *mockoidc.Keypair
	kid      string
	clientID string
	secret   string

	mu        sync.Mutex
	idToken   string         // returned by /token
	noIDToken bool           // leave id_token out
	userinfo  map[string]any // returned by /userinfo
	tokenErr  func(w http.ResponseWriter)
	gotToken  url.Values // the last /token form
	gotBasic  bool       // the last /token used HTTP Basic
	gotInfo   *http.Request
	// discoveryEdit, when set, changes the discovery document.
	discoveryEdit func(map[string]any)
	infoForm      url.Values
}

func newFakeIdP(t *testing.T) *fakeIdP {
	t.Helper()
	kp, err := mockoidc.DefaultKeypair()
	if err != nil {
		t.Fatal(err)
	}
	kid, err := kp.KeyID()
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeIdP{kp: kp, kid: kid, clientID: "client-123", secret: "s3cr3t-value-never-logged"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", f.discovery)
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		b, _ := kp.JWKS()
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	})
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("/userinfo", f.userinfoHandler)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIdP) issuer() string { return f.srv.URL }

func (f *fakeIdP) discovery(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	doc := map[string]any{
		"issuer":                                f.srv.URL,
		"authorization_endpoint":                f.srv.URL + "/authorize",
		"token_endpoint":                        f.srv.URL + "/token",
		"jwks_uri":                              f.srv.URL + "/jwks",
		"userinfo_endpoint":                     f.srv.URL + "/userinfo",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	}
	if f.discoveryEdit != nil {
		f.discoveryEdit(doc)
	}
	writeJSON(w, doc)
}

func (f *fakeIdP) token(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r.ParseForm()
	f.gotToken = r.PostForm
	id, secret, basic := r.BasicAuth()
	f.gotBasic = basic
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if f.tokenErr != nil {
		f.tokenErr(w)
		return
	}
	if id != f.clientID || secret != f.secret || r.PostForm.Get("code_verifier") == "" {
		writeJSONStatus(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client"})
		return
	}
	resp := map[string]any{"access_token": "access-token-1", "token_type": "Bearer", "expires_in": 3600}
	if !f.noIDToken {
		resp["id_token"] = f.idToken
	}
	writeJSON(w, resp)
}

func (f *fakeIdP) userinfoHandler(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r.ParseForm()
	f.gotInfo = r
	f.infoForm = r.PostForm
	if r.Header.Get("Authorization") != "Bearer access-token-1" && r.PostForm.Get("access_token") != "access-token-1" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	writeJSON(w, f.userinfo)
}

// claims are a valid ID token's claims for the pending sign-in p.
func (f *fakeIdP) claims(p federation.Pending) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss":            f.issuer(),
		"aud":            f.clientID,
		"sub":            "user-1",
		"iat":            now.Unix(),
		"exp":            now.Add(time.Hour).Unix(),
		"auth_time":      now.Add(-time.Minute).Unix(),
		"nonce":          p.Nonce,
		"email":          "ana@example.com",
		"email_verified": true,
	}
}

// sign signs claims as the provider does: RS256 with its key and kid.
func (f *fakeIdP) sign(t *testing.T, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = f.kid
	s, err := tok.SignedString(f.kp.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// locked runs fn holding the fake's lock, for tests that set what it
// answers or read what it received.
func (f *fakeIdP) locked(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

func (f *fakeIdP) setIDToken(tok string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.idToken = tok
}

// config is an OIDC Config for the fake with discovery from its issuer.
func (f *fakeIdP) config(extra map[string]string) federation.Config {
	d := map[string]string{
		"client_id":     f.clientID,
		"client_secret": f.secret,
		"oidc_issuer":   f.issuer(),
	}
	for k, v := range extra {
		d[k] = v
	}
	return federation.Config{Name: "CorpOIDC", Type: federation.TypeOIDC, Details: d}
}

func writeJSON(w http.ResponseWriter, v any) { writeJSONStatus(w, http.StatusOK, v) }

func writeJSONStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
