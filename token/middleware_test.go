package token

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// mwFixture is a resource server: a Verifier on a RemoteKeySet fetching
// the JWKS of a user pool's KeySet over HTTP, behind Middleware.
type mwFixture struct {
	remoteFixture
	key    Key
	issuer *Issuer
	calls  atomic.Int64 // requests that reached the protected handler
}

func newMWFixture(t *testing.T, opts RemoteOptions) *mwFixture {
	t.Helper()
	k := testKeys()[RS256]
	ks := mustKeySet(t, k)
	iss, err := NewIssuer(IssuerConfig{Issuer: testIssuer, Keys: ks, Now: at(t0)})
	if err != nil {
		t.Fatal(err)
	}
	return &mwFixture{remoteFixture: newRemoteFixture(t, opts, k), key: k, issuer: iss}
}

// handler is the protected handler behind the middleware: it answers 200
// with the username from the context.
func (f *mwFixture) handler(opts MiddlewareOptions) http.Handler {
	return f.verifier.Middleware(opts)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		c, ok := AccessClaimsFrom(r.Context())
		if !ok {
			http.Error(w, "no claims in context", http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, "hello ", c.Username)
	}))
}

// serve sends a request with the given Authorization header values.
func serve(h http.Handler, method, path string, auth ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, nil)
	for _, a := range auth {
		r.Header.Add("Authorization", a)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// challengeSyntax is what every WWW-Authenticate we send must look like:
// RFC 6750 §3 parameters whose values hold no quote, backslash or control
// character, so no input can break out of them.
var challengeSyntax = regexp.MustCompile(`^Bearer( realm="[\x20\x21\x23-\x5b\x5d-\x7e]*")?(,? (error|error_description|scope)="[\x20\x21\x23-\x5b\x5d-\x7e]*")*$`)

// checkRefusal asserts an RFC 6750 refusal.
func checkRefusal(t *testing.T, w *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d (body %q, challenge %q)", w.Code, status, w.Body.String(), w.Header().Get("WWW-Authenticate"))
	}
	ch := w.Header().Get("WWW-Authenticate")
	if status == http.StatusServiceUnavailable {
		if ch != "" {
			t.Fatalf("a 503 with a challenge %q", ch)
		}
	} else {
		if !challengeSyntax.MatchString(ch) {
			t.Fatalf("challenge %q is not a clean Bearer challenge", ch)
		}
		hasCode := strings.Contains(ch, "error=")
		switch {
		case code == "" && hasCode:
			t.Fatalf("challenge %q has an error code, want none", ch)
		case code != "" && !strings.Contains(ch, `error="`+code+`"`):
			t.Fatalf("challenge %q, want error %q", ch, code)
		}
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if w.Body.Len() > 64 {
		t.Fatalf("a body of %d bytes", w.Body.Len())
	}
}

func TestMiddlewareRefusesAttacks(t *testing.T) {
	f := newMWFixture(t, RemoteOptions{})
	h := f.handler(MiddlewareOptions{Realm: "api"})
	keyURLs, keyURLHits := countingServer(t)
	rs := f.key
	attacker := otherKeys()[RS256]

	good := mustIssue(t, f.issuer, sampleAccess())
	goodID, err := f.issuer.IssueID(sampleID())
	if err != nil {
		t.Fatal(err)
	}
	with := func(mod func(map[string]any)) map[string]any {
		c := rawAccessClaims()
		mod(c)
		return c
	}
	pubDER, err := x509.MarshalPKIXPublicKey(rs.Signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	hs256 := func(secret []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(rawAccessClaims()))
		tok.Header["kid"] = rs.ID
		s, err := tok.SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	none := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims(rawAccessClaims()))
		tok.Header["kid"] = rs.ID
		s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}()
	attackerJWK, err := newJWK(rs.ID, RS256, attacker.Signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	bearer := func(s string) []string { return []string{"Bearer " + s} }

	tests := []struct {
		name   string
		auth   []string
		status int
		code   string // RFC 6750 error code, "" for none
	}{
		{"a valid token is let through", bearer(good), http.StatusOK, ""},
		{"the scheme is case-insensitive", []string{"bEARER " + good}, http.StatusOK, ""},
		{"several spaces after the scheme are accepted", []string{"Bearer   " + good}, http.StatusOK, ""},
		{"key-url headers on our own token are ignored", bearer(signRaw(t, rs, map[string]any{"jku": keyURLs.URL, "x5u": keyURLs.URL}, rawAccessClaims())), http.StatusOK, ""},

		{"no Authorization header gets a bare challenge", nil, http.StatusUnauthorized, ""},
		{"another scheme gets a bare challenge", []string{"Basic dXNlcjpwYXNz"}, http.StatusUnauthorized, ""},
		{"an empty Authorization header gets a bare challenge", []string{""}, http.StatusUnauthorized, ""},
		{"a scheme that only starts with Bearer gets a bare challenge", []string{"Bearerx " + good}, http.StatusUnauthorized, ""},
		{"two Authorization headers are a bad request", []string{"Bearer " + good, "Bearer " + good}, http.StatusBadRequest, "invalid_request"},
		{"two tokens in one header are a bad request", []string{"Bearer " + good + ", Bearer " + good}, http.StatusBadRequest, "invalid_request"},
		{"Bearer without a token is a bad request", []string{"Bearer"}, http.StatusBadRequest, "invalid_request"},
		{"Bearer with only spaces is a bad request", []string{"Bearer    "}, http.StatusBadRequest, "invalid_request"},
		{"a token with a space inside is a bad request", []string{"Bearer " + good[:10] + " " + good[10:]}, http.StatusBadRequest, "invalid_request"},
		{"a token with a quote is a bad request", bearer(`abc"def`), http.StatusBadRequest, "invalid_request"},
		{"a token with non-ascii bytes is a bad request", bearer("jwt\u00e9.a.b"), http.StatusBadRequest, "invalid_request"},
		{"a token of only padding is a bad request", bearer("==="), http.StatusBadRequest, "invalid_request"},

		{"alg none is refused", bearer(none), http.StatusUnauthorized, "invalid_token"},
		{"HS256 signed with the RSA public key is refused", bearer(hs256(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))), http.StatusUnauthorized, "invalid_token"},
		{"HS256 signed with the RSA public key DER is refused", bearer(hs256(pubDER)), http.StatusUnauthorized, "invalid_token"},
		{"an unknown kid is refused", bearer(signRaw(t, attacker, nil, rawAccessClaims())), http.StatusUnauthorized, "invalid_token"},
		{"a path kid is refused", bearer(signRaw(t, withID(attacker, "../../../../dev/zero"), nil, rawAccessClaims())), http.StatusUnauthorized, "invalid_token"},
		{"an sql kid is refused", bearer(signRaw(t, withID(attacker, "x' UNION SELECT key FROM keys --"), nil, rawAccessClaims())), http.StatusUnauthorized, "invalid_token"},
		{"a kid with header-injection bytes is refused without echo", bearer(signRaw(t, withID(attacker, "k\"\r\nX-Injected: 1\\"), nil, rawAccessClaims())), http.StatusUnauthorized, "invalid_token"},
		{"our kid signed by another key is refused", bearer(signRaw(t, withID(attacker, rs.ID), nil, rawAccessClaims())), http.StatusUnauthorized, "invalid_token"},
		{"a jku header is never fetched", bearer(signRaw(t, attacker, map[string]any{"jku": keyURLs.URL + "/jwks.json"}, rawAccessClaims())), http.StatusUnauthorized, "invalid_token"},
		{"a jku header with our kid is never fetched", bearer(signRaw(t, withID(attacker, rs.ID), map[string]any{"jku": keyURLs.URL + "/jwks.json"}, rawAccessClaims())), http.StatusUnauthorized, "invalid_token"},
		{"an x5u header is never fetched", bearer(signRaw(t, attacker, map[string]any{"x5u": keyURLs.URL + "/cert.pem"}, rawAccessClaims())), http.StatusUnauthorized, "invalid_token"},
		{"an embedded jwk is never trusted", bearer(signRaw(t, withID(attacker, rs.ID), map[string]any{"jwk": attackerJWK}, rawAccessClaims())), http.StatusUnauthorized, "invalid_token"},
		{"an expired token is refused", bearer(signRaw(t, rs, nil, with(func(c map[string]any) { c["exp"] = t0.Add(-time.Second).Unix() }))), http.StatusUnauthorized, "invalid_token"},
		{"a not-yet-valid token is refused", bearer(signRaw(t, rs, nil, with(func(c map[string]any) { c["nbf"] = t0.Add(time.Minute).Unix() }))), http.StatusUnauthorized, "invalid_token"},
		{"a token from another issuer is refused", bearer(signRaw(t, rs, nil, with(func(c map[string]any) { c["iss"] = "https://evil.example" }))), http.StatusUnauthorized, "invalid_token"},
		{"a wrong token_use is refused", bearer(signRaw(t, rs, nil, with(func(c map[string]any) { c["token_use"] = "refresh" }))), http.StatusUnauthorized, "invalid_token"},
		{"an id token used as an access token is refused", bearer(goodID), http.StatusUnauthorized, "invalid_token"},
		{"a token of another client is refused", bearer(signRaw(t, rs, nil, with(func(c map[string]any) { c["client_id"] = "other-client" }))), http.StatusUnauthorized, "invalid_token"},
		{"a tampered token is refused", bearer(tamperSignature(good)), http.StatusUnauthorized, "invalid_token"},
		{"a 1 MB token is refused", bearer(strings.Repeat("a", 1<<20)), http.StatusUnauthorized, "invalid_token"},
		{"a 1 MB token of dots is refused", bearer(strings.Repeat(".", 1<<20)), http.StatusUnauthorized, "invalid_token"},
		{"a token of dots is refused", bearer("...."), http.StatusUnauthorized, "invalid_token"},
		{"a token of two dots is refused", bearer(".."), http.StatusUnauthorized, "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.calls.Load()
			w := serve(h, http.MethodGet, "/orders", tt.auth...)
			if tt.status == http.StatusOK {
				if w.Code != http.StatusOK || w.Body.String() != "hello alice" && w.Body.String() != "hello " {
					t.Fatalf("status %d body %q", w.Code, w.Body.String())
				}
				return
			}
			checkRefusal(t, w, tt.status, tt.code)
			if f.calls.Load() != before {
				t.Fatal("the protected handler ran")
			}
			if tt.status == http.StatusUnauthorized && tt.code == "" && w.Header().Get("WWW-Authenticate") != `Bearer realm="api"` {
				t.Fatalf("challenge %q", w.Header().Get("WWW-Authenticate"))
			}
		})
	}
	if n := keyURLHits.Load(); n != 0 {
		t.Fatalf("%d requests reached urls named in tokens", n)
	}
	// Hostile kids all arrived within MinRefreshInterval of the first fetch.
	f.wantFetches(t, 1)
}

func TestMiddlewareDescribesWhyWithoutEchoingInput(t *testing.T) {
	f := newMWFixture(t, RemoteOptions{})
	h := f.handler(MiddlewareOptions{Realm: "api"})
	id, err := f.issuer.IssueID(sampleID())
	if err != nil {
		t.Fatal(err)
	}
	expired := rawAccessClaims()
	expired["exp"] = t0.Add(-time.Hour).Unix()
	early := rawAccessClaims()
	early["nbf"] = t0.Add(time.Hour).Unix()
	tests := []struct {
		name string
		auth string
		want string
	}{
		{"an expired token says so", "Bearer " + signRaw(t, f.key, nil, expired), `Bearer realm="api", error="invalid_token", error_description="the access token expired"`},
		{"an early token says so", "Bearer " + signRaw(t, f.key, nil, early), `Bearer realm="api", error="invalid_token", error_description="the access token is not valid yet"`},
		{"an id token says it is not an access token", "Bearer " + id, `Bearer realm="api", error="invalid_token", error_description="not an access token"`},
		{"a forged token gets the generic description", "Bearer " + signRaw(t, withID(otherKeys()[RS256], "<script>"), nil, rawAccessClaims()), `Bearer realm="api", error="invalid_token", error_description="the access token is invalid"`},
		{"an oversized token says so", "Bearer " + strings.Repeat("A", MaxTokenSize+1), `Bearer realm="api", error="invalid_token", error_description="the access token is too large"`},
		{"a malformed header says so", "Bearer a b", `Bearer realm="api", error="invalid_request", error_description="malformed bearer token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(h, http.MethodGet, "/", tt.auth)
			if got := w.Header().Get("WWW-Authenticate"); got != tt.want {
				t.Fatalf("challenge\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestMiddlewareRefusesHugeTokensWithBoundedMemory(t *testing.T) {
	f := newMWFixture(t, RemoteOptions{})
	h := f.handler(MiddlewareOptions{})
	for name, tok := range map[string]string{
		"1 MB of letters": strings.Repeat("a", 1<<20),
		"1 MB of dots":    strings.Repeat(".", 1<<20),
		"16 KiB of dots":  strings.Repeat(".", MaxTokenSize),
	} {
		t.Run(name+" is refused with bounded memory", func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			const runs = 20
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range runs {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusUnauthorized {
					t.Fatalf("status %d", w.Code)
				}
			}
			runtime.ReadMemStats(&after)
			if perCall := (after.TotalAlloc - before.TotalAlloc) / runs; perCall > 8<<10 {
				t.Fatalf("%d bytes allocated per request", perCall)
			}
		})
	}
}

func TestMiddlewareMaxTokenSize(t *testing.T) {
	f := newMWFixture(t, RemoteOptions{})
	good := mustIssue(t, f.issuer, sampleAccess())
	tests := []struct {
		name   string
		max    int
		status int
	}{
		{"the default admits a normal token", 0, http.StatusOK},
		{"a limit above the package's is clamped to it", 1 << 30, http.StatusOK},
		{"a limit of the token's size admits it", len(good), http.StatusOK},
		{"a lower limit refuses it", len(good) - 1, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(f.handler(MiddlewareOptions{MaxTokenSize: tt.max}), http.MethodGet, "/", "Bearer "+good)
			if w.Code != tt.status {
				t.Fatalf("status %d", w.Code)
			}
		})
	}
	w := serve(f.handler(MiddlewareOptions{MaxTokenSize: 1 << 30}), http.MethodGet, "/", "Bearer "+strings.Repeat("a", MaxTokenSize+1))
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("over MaxTokenSize with a larger option: status %d", w.Code)
	}
}

func TestMiddlewarePutsClaimsInTheContext(t *testing.T) {
	f := newMWFixture(t, RemoteOptions{})
	var got *AccessClaims
	h := f.verifier.Middleware(MiddlewareOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = AccessClaimsFrom(r.Context())
	}))
	serve(h, http.MethodGet, "/", "Bearer "+mustIssue(t, f.issuer, sampleAccess()))
	if got == nil || got.Username != "alice" || got.ClientID != testClient || !got.HasScope("orders/read") {
		t.Fatalf("claims %+v", got)
	}
	if c, ok := AccessClaimsFrom(context.Background()); ok || c != nil {
		t.Fatal("claims in a bare context")
	}
	ctx := ContextWithAccessClaims(context.Background(), &AccessClaims{Username: "bob"})
	if c, ok := AccessClaimsFrom(ctx); !ok || c.Username != "bob" {
		t.Fatalf("claims %+v", c)
	}
}

func TestMiddlewareRequirementsPerMountAndRoute(t *testing.T) {
	f := newMWFixture(t, RemoteOptions{})
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	auth := f.verifier.Middleware(MiddlewareOptions{Realm: "orders", Require: Requirements{AnyScope: []string{"orders/read", "orders/admin"}}})
	mux := http.NewServeMux()
	mux.Handle("GET /orders", auth(ok))
	mux.Handle("POST /orders", auth(Require(Requirements{AllScopes: []string{"orders/write", "orders/read"}})(ok)))
	mux.Handle("DELETE /orders", auth(Require(Requirements{AnyGroup: []string{"admins"}})(ok)))

	token := func(scopes, groups []string) string {
		c := sampleAccess()
		c.Scopes, c.Groups = scopes, groups
		return "Bearer " + mustIssue(t, f.issuer, c)
	}
	reader := token([]string{"orders/read"}, []string{"staff"})
	writer := token([]string{"orders/read", "orders/write"}, nil)
	admin := token([]string{"orders/admin"}, []string{"admins"})
	nobody := token([]string{"openid"}, []string{"admins"})

	tests := []struct {
		name      string
		method    string
		auth      string
		status    int
		challenge string
	}{
		{"a reader may list", http.MethodGet, reader, http.StatusOK, ""},
		{"an admin may list with the other accepted scope", http.MethodGet, admin, http.StatusOK, ""},
		{"a token with neither mount scope may not list", http.MethodGet, nobody, http.StatusForbidden,
			`Bearer realm="orders", error="insufficient_scope", error_description="the access token lacks a required scope", scope="orders/read orders/admin"`},
		{"a writer may create", http.MethodPost, writer, http.StatusOK, ""},
		{"a reader may not create", http.MethodPost, reader, http.StatusForbidden,
			`Bearer realm="orders", error="insufficient_scope", error_description="the access token lacks a required scope", scope="orders/write orders/read"`},
		{"a route requirement does not skip the mount's", http.MethodPost, nobody, http.StatusForbidden,
			`Bearer realm="orders", error="insufficient_scope", error_description="the access token lacks a required scope", scope="orders/read orders/admin"`},
		{"a group member may delete", http.MethodDelete, admin, http.StatusOK, ""},
		{"a non-member may not delete", http.MethodDelete, writer, http.StatusForbidden,
			`Bearer realm="orders", error="insufficient_scope", error_description="the user is not in a required group"`},
		{"no token gets a bare challenge before any requirement", http.MethodPost, "", http.StatusUnauthorized, `Bearer realm="orders"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var auth []string
			if tt.auth != "" {
				auth = []string{tt.auth}
			}
			w := serve(mux, tt.method, "/orders", auth...)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if got := w.Header().Get("WWW-Authenticate"); got != tt.challenge {
				t.Fatalf("challenge\n%s\nwant\n%s", got, tt.challenge)
			}
			if tt.status != http.StatusOK {
				checkRefusal(t, w, tt.status, map[int]string{http.StatusForbidden: "insufficient_scope"}[tt.status])
			}
		})
	}
}

func TestRequireWithoutMiddleware(t *testing.T) {
	called := false
	h := Require(Requirements{AnyScope: []string{"a"}})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	t.Run("without claims in the context it answers 401", func(t *testing.T) {
		w := serve(h, http.MethodGet, "/")
		if w.Code != http.StatusUnauthorized || called {
			t.Fatalf("status %d called %v", w.Code, called)
		}
	})
	t.Run("with claims from ContextWithAccessClaims it checks them", func(t *testing.T) {
		for _, tt := range []struct {
			scopes []string
			status int
		}{{[]string{"a"}, http.StatusOK}, {[]string{"b"}, http.StatusForbidden}} {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r = r.WithContext(ContextWithAccessClaims(r.Context(), &AccessClaims{Scopes: tt.scopes}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("scopes %v: status %d", tt.scopes, w.Code)
			}
		}
	})
}

func TestMiddlewareRealmIsQuotedSafely(t *testing.T) {
	f := newMWFixture(t, RemoteOptions{})
	for realm, want := range map[string]string{
		"":                  `Bearer`,
		"api":               `Bearer realm="api"`,
		"a \"b\" \\c\r\nX:": `Bearer realm="a ?b? ?c??X:"`,
		"caf\u00e9":         `Bearer realm="caf??"`,
	} {
		t.Run(fmt.Sprintf("realm %q", realm), func(t *testing.T) {
			w := serve(f.handler(MiddlewareOptions{Realm: realm}), http.MethodGet, "/")
			if got := w.Header().Get("WWW-Authenticate"); got != want {
				t.Fatalf("challenge %q, want %q", got, want)
			}
		})
	}
}

func TestMiddlewareAnswers503WhenKeysAreUnavailable(t *testing.T) {
	raw := mustIssue(t, newFixture(t, RS256).issuer, sampleAccess())
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	never, err := NewRemoteKeySet(dead.URL, RemoteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		source KeySource
		status int
	}{
		{"a jwks endpoint never reached is 503", never, http.StatusServiceUnavailable},
		{"a failing custom key source is 503", failingSource{errors.New("database down")}, http.StatusServiceUnavailable},
		{"a custom key source answering unknown key is 401", failingSource{ErrUnknownKey}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(VerifierConfig{Issuer: testIssuer, Keys: tt.source, ClientIDs: []string{testClient}, Now: at(t0)})
			if err != nil {
				t.Fatal(err)
			}
			h := v.Middleware(MiddlewareOptions{Realm: "api"})(http.NotFoundHandler())
			for range 3 {
				w := serve(h, http.MethodGet, "/", "Bearer "+raw)
				checkRefusal(t, w, tt.status, map[int]string{http.StatusUnauthorized: "invalid_token"}[tt.status])
			}
		})
	}
}

func TestMiddlewareThroughKeyRotation(t *testing.T) {
	f := newMWFixture(t, RemoteOptions{})
	h := f.handler(MiddlewareOptions{})
	if w := serve(h, http.MethodGet, "/", "Bearer "+mustIssue(t, f.issuer, sampleAccess())); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	f.wantFetches(t, 1)

	// The pool publishes a new key and signs with it; the resource server
	// has never seen it. Many requests carrying it arrive at once.
	next := testKeys()[EdDSA]
	f.srv.setKeys(t, f.key, next)
	gate := make(chan struct{})
	f.srv.set(func(s *jwksServer) { s.gate = gate })
	f.clock.Advance(DefaultMinRefreshInterval)
	raw := "Bearer " + signRaw(t, next, nil, rawAccessClaims())

	const n = 32
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { codes <- serve(h, http.MethodGet, "/", raw).Code })
	}
	for f.srv.fetches.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	close(gate)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Fatalf("status %d", c)
		}
	}
	f.wantFetches(t, 2) // one refetch for all of them

	// The old key is removed; once the cache expires it is refused.
	f.srv.setKeys(t, next)
	old := "Bearer " + mustIssue(t, f.issuer, sampleAccess())
	if w := serve(h, http.MethodGet, "/", old); w.Code != http.StatusOK {
		t.Fatalf("the old key before expiry: status %d", w.Code)
	}
	f.clock.Advance(DefaultJWKSTTL)
	checkRefusal(t, serve(h, http.MethodGet, "/", old), http.StatusUnauthorized, "invalid_token")
	if w := serve(h, http.MethodGet, "/", raw); w.Code != http.StatusOK {
		t.Fatalf("the new key after expiry: status %d", w.Code)
	}
	f.wantFetches(t, 3)

	// The endpoint goes down: the cached key keeps verifying, past expiry.
	f.srv.set(func(s *jwksServer) { s.status = http.StatusInternalServerError })
	f.clock.Advance(2 * DefaultJWKSTTL)
	for range 3 {
		if w := serve(h, http.MethodGet, "/", raw); w.Code != http.StatusOK {
			t.Fatalf("a cached key while down: status %d", w.Code)
		}
		checkRefusal(t, serve(h, http.MethodGet, "/", old), http.StatusUnauthorized, "invalid_token")
	}
	f.wantFetches(t, 4) // the expiry earned one attempt, the unknown kid none
}

// FuzzBearerToken never panics, and what it extracts is a b64token within
// the size limit taken from a single Bearer header.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer abc.def.ghi", "bearer a", "Bearer", "Bearer  ", "Basic x", "Bearer a=b", "Bearer a==", "Bearer \t a", "BEARER\ta", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		tok, fail := bearerToken(http.Header{"Authorization": {v}}, 64)
		if fail != nil {
			if tok != "" {
				t.Fatalf("a token %q with a refusal", tok)
			}
			return
		}
		if len(tok) > 64 || !isB64Token(tok) || !strings.EqualFold(v[:6], "Bearer") || !strings.Contains(v, tok) {
			t.Fatalf("extracted %q from %q", tok, v)
		}
	})
}

func TestIsB64TokenMatchesRFC6750(t *testing.T) {
	allowed := func(c byte) bool {
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~+/", c) >= 0
	}
	for c := range 256 {
		b := byte(c)
		if got := isB64Token(string([]byte{b})); got != allowed(b) {
			t.Fatalf("byte %#x: %v", b, got)
		}
		if got := isB64Token("a" + string([]byte{b}) + "=="); got != (allowed(b) || b == '=') {
			t.Fatalf("byte %#x inside: %v", b, got)
		}
	}
	for s, want := range map[string]bool{"": false, "=": false, "a=": true, "a==": true, "a=b": false, "a=b=": false, "A-._~+/9": true} {
		if isB64Token(s) != want {
			t.Fatalf("%q: want %v", s, want)
		}
	}
}

// tamperSignature changes one character well inside a JWT's signature.
// Editing its last characters instead can change only unused trailing
// bits, or nothing when the text already ends that way.
func tamperSignature(tok string) string {
	i := len(tok) - 20
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}
