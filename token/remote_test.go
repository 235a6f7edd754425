package token

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// jwksServer serves a JWKS the test changes, and counts requests.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int64

	mu           sync.Mutex
	body         []byte
	cacheControl string
	age          string
	status       int
	gate         chan struct{} // when set, requests wait for it to close
}

func newJWKSServer(t *testing.T, keys ...Key) *jwksServer {
	t.Helper()
	s := &jwksServer{status: http.StatusOK}
	s.setKeys(t, keys...)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		body, cc, age, status, gate := s.body, s.cacheControl, s.age, s.status, s.gate
		s.mu.Unlock()
		if gate != nil {
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
		if cc != "" {
			w.Header().Set("Cache-Control", cc)
		}
		if age != "" {
			w.Header().Set("Age", age)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func jwksBody(t testing.TB, keys ...Key) []byte {
	t.Helper()
	set := JWKS{Keys: []JWK{}}
	for _, k := range keys {
		j, err := newJWK(k.ID, k.Algorithm, k.Signer.Public())
		if err != nil {
			t.Fatal(err)
		}
		set.Keys = append(set.Keys, j)
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (s *jwksServer) setKeys(t *testing.T, keys ...Key) {
	b := jwksBody(t, keys...)
	s.mu.Lock()
	s.body = b
	s.mu.Unlock()
}

func (s *jwksServer) set(f func(*jwksServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// remoteFixture is a RemoteKeySet on a jwksServer with a hand-moved clock,
// and a Verifier using it.
type remoteFixture struct {
	srv      *jwksServer
	clock    *testClock
	keys     *RemoteKeySet
	verifier *Verifier
}

func newRemoteFixture(t *testing.T, opts RemoteOptions, keys ...Key) remoteFixture {
	t.Helper()
	srv := newJWKSServer(t, keys...)
	clock := newClock(t0)
	opts.Now = clock.Now
	rks, err := NewRemoteKeySet(srv.URL+"/.well-known/jwks.json", opts)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(VerifierConfig{Issuer: testIssuer, Keys: rks, ClientIDs: []string{testClient}, Now: at(t0)})
	if err != nil {
		t.Fatal(err)
	}
	return remoteFixture{srv: srv, clock: clock, keys: rks, verifier: v}
}

// verify verifies an access token signed by k.
func (f remoteFixture) verify(t *testing.T, k Key) error {
	t.Helper()
	_, err := f.verifier.VerifyAccess(context.Background(), signRaw(t, k, nil, rawAccessClaims()))
	return err
}

func (f remoteFixture) wantFetches(t *testing.T, want int64) {
	t.Helper()
	if got := f.srv.fetches.Load(); got != want {
		t.Fatalf("%d jwks fetches, want %d", got, want)
	}
}

func TestNewRemoteKeySetConfig(t *testing.T) {
	tests := []struct {
		name string
		url  string
		opts RemoteOptions
		ok   bool
	}{
		{"an https url is accepted", "https://auth.example.com/.well-known/jwks.json", RemoteOptions{}, true},
		{"http to 127.0.0.1 is accepted", "http://127.0.0.1:8080/jwks.json", RemoteOptions{}, true},
		{"http to localhost is accepted", "http://localhost/jwks.json", RemoteOptions{}, true},
		{"http to ::1 is accepted", "http://[::1]:9000/jwks.json", RemoteOptions{}, true},
		{"http to another host is refused", "http://auth.example.com/jwks.json", RemoteOptions{}, false},
		{"http to a host named like localhost is refused", "http://localhost.example.com/jwks.json", RemoteOptions{}, false},
		{"another scheme is refused", "file:///etc/jwks.json", RemoteOptions{}, false},
		{"a relative url is refused", "/.well-known/jwks.json", RemoteOptions{}, false},
		{"an empty url is refused", "", RemoteOptions{}, false},
		{"user info is refused", "https://user:pw@auth.example.com/jwks.json", RemoteOptions{}, false},
		{"a negative refresh interval is refused", "https://a.example/jwks", RemoteOptions{MinRefreshInterval: -1}, false},
		{"a negative max body is refused", "https://a.example/jwks", RemoteOptions{MaxBodyBytes: -1}, false},
		{"a default ttl above the max ttl is refused", "https://a.example/jwks", RemoteOptions{DefaultTTL: time.Hour, MaxTTL: time.Minute}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRemoteKeySet(tt.url, tt.opts)
			if tt.ok != (err == nil) {
				t.Fatalf("err %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrConfig) {
				t.Fatalf("err %v, want ErrConfig", err)
			}
		})
	}
}

func TestRemoteKeySetVerifiesAndCaches(t *testing.T) {
	keys := testKeys()
	f := newRemoteFixture(t, RemoteOptions{}, keys[RS256], keys[ES256], keys[EdDSA])
	f.wantFetches(t, 0) // lazy
	for _, alg := range []Algorithm{RS256, ES256, EdDSA} {
		if err := f.verify(t, keys[alg]); err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
	}
	f.wantFetches(t, 1)
}

func TestRemoteKeySetHonoursCacheControl(t *testing.T) {
	k := testKeys()[RS256]
	tests := []struct {
		name         string
		cacheControl string
		age          string
		opts         RemoteOptions
		fresh        time.Duration // still cached this long after the fetch
	}{
		{"max-age sets the lifetime", "public, max-age=300", "", RemoteOptions{}, 300 * time.Second},
		{"max-age is case-insensitive and may be quoted", `Public, MAX-AGE="120"`, "", RemoteOptions{}, 120 * time.Second},
		{"Age is subtracted from max-age", "max-age=300", "100", RemoteOptions{}, 200 * time.Second},
		{"no Cache-Control means the default ttl", "", "", RemoteOptions{}, DefaultJWKSTTL},
		{"the default ttl is configurable", "", "", RemoteOptions{DefaultTTL: 5 * time.Minute}, 5 * time.Minute},
		{"max-age is capped by the max ttl", "max-age=31536000", "", RemoteOptions{MaxTTL: time.Hour}, time.Hour},
		{"no-cache refetches when next needed, at most once per interval", "no-cache, max-age=600", "", RemoteOptions{}, DefaultMinRefreshInterval},
		{"no-store refetches when next needed, at most once per interval", "no-store", "", RemoteOptions{MinRefreshInterval: 10 * time.Second}, 10 * time.Second},
		{"an invalid max-age counts as stale", "max-age=soon", "", RemoteOptions{}, DefaultMinRefreshInterval},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRemoteFixture(t, tt.opts, k)
			f.srv.set(func(s *jwksServer) { s.cacheControl, s.age = tt.cacheControl, tt.age })
			if err := f.verify(t, k); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(tt.fresh - time.Second)
			if err := f.verify(t, k); err != nil {
				t.Fatal(err)
			}
			f.wantFetches(t, 1)
			f.clock.Advance(time.Second)
			if err := f.verify(t, k); err != nil {
				t.Fatal(err)
			}
			f.wantFetches(t, 2)
		})
	}
}

func TestCacheTTL(t *testing.T) {
	tests := []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"no header is the default", http.Header{}, time.Minute},
		{"max-age=0 is zero", http.Header{"Cache-Control": {"max-age=0"}}, 0},
		{"a negative max-age is zero", http.Header{"Cache-Control": {"max-age=-5"}}, 0},
		{"a max-age too large to parse is capped", http.Header{"Cache-Control": {"max-age=99999999999999999999"}}, time.Hour},
		{"an overflowing-ish max-age is capped", http.Header{"Cache-Control": {"max-age=9223372036854775807"}}, time.Hour},
		{"the first max-age wins", http.Header{"Cache-Control": {"max-age=10, max-age=20"}}, 10 * time.Second},
		{"no-cache in a second header line wins", http.Header{"Cache-Control": {"max-age=10", "no-cache"}}, 0},
		{"s-maxage is ignored", http.Header{"Cache-Control": {"s-maxage=10"}}, time.Minute},
		{"an Age above max-age is zero", http.Header{"Cache-Control": {"max-age=10"}, "Age": {"50"}}, 0},
		{"a bad Age is ignored", http.Header{"Cache-Control": {"max-age=10"}, "Age": {"x"}}, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cacheTTL(tt.h, time.Minute, time.Hour); got != tt.want {
				t.Fatalf("ttl %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRemoteKeySetPicksUpANewKeyAfterOneRefetch(t *testing.T) {
	old, next := testKeys()[RS256], testKeys()[ES256]
	f := newRemoteFixture(t, RemoteOptions{}, old)
	if err := f.verify(t, old); err != nil {
		t.Fatal(err)
	}
	f.srv.setKeys(t, old, next) // rotation: the new key is published
	f.clock.Advance(DefaultMinRefreshInterval)
	if err := f.verify(t, next); err != nil {
		t.Fatalf("the new key after one refetch: %v", err)
	}
	f.wantFetches(t, 2)
	if err := f.verify(t, next); err != nil {
		t.Fatal(err)
	}
	if err := f.verify(t, old); err != nil {
		t.Fatal(err)
	}
	f.wantFetches(t, 2)
}

func TestRemoteKeySetRateLimitsUnknownKids(t *testing.T) {
	k := testKeys()[RS256]
	f := newRemoteFixture(t, RemoteOptions{MinRefreshInterval: 30 * time.Second}, k)
	if err := f.verify(t, k); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(30 * time.Second) // the cache is fresh, the interval has passed
	for i := range 20 {
		if err := f.verify(t, withID(otherKeys()[RS256], fmt.Sprint("hostile-", i))); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("err %v", err)
		}
	}
	f.wantFetches(t, 2) // the first unknown kid refetched; the rest waited their turn
	f.clock.Advance(30 * time.Second)
	if err := f.verify(t, otherKeys()[RS256]); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("err %v", err)
	}
	f.wantFetches(t, 3)
}

func TestRemoteKeySetFetchesOnceForConcurrentUnknownKids(t *testing.T) {
	old, next := testKeys()[RS256], testKeys()[EdDSA]
	// A 1ns interval takes the rate limit out: only single-flight can keep
	// the fetches to one.
	f := newRemoteFixture(t, RemoteOptions{MinRefreshInterval: time.Nanosecond}, old)
	if err := f.keys.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	f.srv.set(func(s *jwksServer) { s.gate = gate })
	f.srv.setKeys(t, old, next)
	f.clock.Advance(time.Second)

	const n = 64
	raw := signRaw(t, next, nil, rawAccessClaims())
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := f.verifier.VerifyAccess(context.Background(), raw)
			errs <- err
		})
	}
	for f.srv.fetches.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let every lookup reach the fetch
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	f.wantFetches(t, 2)
}

func TestRemoteKeySetRefusesARemovedKeyAfterExpiry(t *testing.T) {
	old, next := testKeys()[RS256], testKeys()[ES256]
	f := newRemoteFixture(t, RemoteOptions{}, old, next)
	f.srv.set(func(s *jwksServer) { s.cacheControl = "max-age=600" })
	if err := f.verify(t, old); err != nil {
		t.Fatal(err)
	}
	f.srv.setKeys(t, next) // old is removed
	f.clock.Advance(599 * time.Second)
	if err := f.verify(t, old); err != nil {
		t.Fatalf("the removed key is still cached: %v", err)
	}
	f.clock.Advance(time.Second)
	if err := f.verify(t, old); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("after expiry err %v, want ErrUnknownKey", err)
	}
	if err := f.verify(t, next); err != nil {
		t.Fatal(err)
	}
	f.wantFetches(t, 2)
}

func TestRemoteKeySetKeepsCachedKeysWhileTheEndpointIsDown(t *testing.T) {
	k := testKeys()[RS256]
	downs := []struct {
		name string
		down func(*jwksServer)
	}{
		{"a 500 answer", func(s *jwksServer) { s.set(func(s *jwksServer) { s.status = http.StatusInternalServerError }) }},
		{"a closed server", func(s *jwksServer) { s.Close() }},
		{"a body that is not json", func(s *jwksServer) { s.set(func(s *jwksServer) { s.body = []byte("<html>") }) }},
	}
	for _, tt := range downs {
		t.Run("cached keys verify through "+tt.name, func(t *testing.T) {
			f := newRemoteFixture(t, RemoteOptions{}, k)
			if err := f.verify(t, k); err != nil {
				t.Fatal(err)
			}
			fetches := f.srv.fetches.Load()
			tt.down(f.srv)
			f.clock.Advance(DefaultJWKSTTL + time.Hour) // long expired
			for range 5 {
				if err := f.verify(t, k); err != nil {
					t.Fatalf("a cached key while down: %v", err)
				}
			}
			err := f.verify(t, otherKeys()[RS256])
			if !errors.Is(err, ErrUnknownKey) || !errors.Is(err, ErrJWKS) || !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("an unknown kid while down: err %v, want ErrUnknownKey and ErrJWKS", err)
			}
			// The expiry earned one attempt; the unknown kid had to wait
			// for MinRefreshInterval.
			if got := f.srv.fetches.Load() - fetches; got > 1 {
				t.Fatalf("%d fetches while down, want at most 1", got)
			}
		})
	}
}

func TestRemoteKeySetRetriesADownEndpointOncePerInterval(t *testing.T) {
	k := testKeys()[RS256]
	f := newRemoteFixture(t, RemoteOptions{MinRefreshInterval: 10 * time.Second}, k)
	f.srv.set(func(s *jwksServer) { s.status = http.StatusBadGateway })
	for range 5 {
		err := f.verify(t, k)
		if !errors.Is(err, ErrKeysUnavailable) || !errors.Is(err, ErrJWKS) || errors.Is(err, ErrUnknownKey) {
			t.Fatalf("err %v, want ErrKeysUnavailable, not ErrUnknownKey", err)
		}
	}
	f.wantFetches(t, 1)
	f.clock.Advance(10 * time.Second)
	f.srv.set(func(s *jwksServer) { s.status = http.StatusOK })
	if err := f.verify(t, k); err != nil {
		t.Fatalf("once the endpoint is back: %v", err)
	}
	f.wantFetches(t, 2)
}

func TestRemoteKeySetMaxStale(t *testing.T) {
	k := testKeys()[RS256]
	f := newRemoteFixture(t, RemoteOptions{MaxStale: time.Hour}, k)
	if err := f.verify(t, k); err != nil {
		t.Fatal(err)
	}
	f.srv.set(func(s *jwksServer) { s.status = http.StatusServiceUnavailable })
	f.clock.Advance(DefaultJWKSTTL + time.Hour - time.Second)
	if err := f.verify(t, k); err != nil {
		t.Fatalf("within MaxStale: %v", err)
	}
	f.clock.Advance(time.Second)
	if err := f.verify(t, k); !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("beyond MaxStale: err %v, want ErrKeysUnavailable", err)
	}
}

func TestRemoteKeySetRefusesOversizedJWKS(t *testing.T) {
	k := testKeys()[RS256]
	padded := func(n int) []byte {
		return []byte(`{"pad":"` + strings.Repeat("x", n) + `","keys":` + strings.TrimPrefix(string(jwksBody(t, k)), `{"keys":`))
	}
	tests := []struct {
		name    string
		body    []byte
		limit   int64
		chunked bool
		ok      bool
	}{
		{"a body at the limit is accepted", padded(100), int64(len(padded(100))), false, true},
		{"a body one byte over the limit is refused", padded(100), int64(len(padded(100))) - 1, false, false},
		{"a chunked body over the limit is refused", padded(100), int64(len(padded(100))) - 1, true, false},
		{"a 2 MiB body is refused by default", padded(2 << 20), 0, false, false},
		{"a chunked 2 MiB body is refused by default", padded(2 << 20), 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.chunked {
					w.(http.Flusher).Flush() // no Content-Length
				} else {
					w.Header().Set("Content-Length", strconv.Itoa(len(tt.body)))
				}
				_, _ = w.Write(tt.body)
			}))
			defer srv.Close()
			rks, err := NewRemoteKeySet(srv.URL, RemoteOptions{MaxBodyBytes: tt.limit})
			if err != nil {
				t.Fatal(err)
			}
			err = rks.Refresh(context.Background())
			if tt.ok != (err == nil) {
				t.Fatalf("err %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrJWKS) {
				t.Fatalf("err %v, want ErrJWKS", err)
			}
		})
	}
}

func TestParseJWKSKeepsOnlyUsableKeys(t *testing.T) {
	keys := testKeys()
	rs, es, ed := keys[RS256], keys[ES256], keys[EdDSA]
	jwk := func(k Key) map[string]any {
		j, err := newJWK(k.ID, k.Algorithm, k.Signer.Public())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(j)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return m
	}
	with := func(k Key, mod func(map[string]any)) map[string]any { m := jwk(k); mod(m); return m }
	weak, err := newJWK("weak", RS256, &rsa.PublicKey{N: new(big.Int).SetBit(big.NewInt(1), 1023, 1), E: 65537})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		keys []any
		want []string // kids kept
	}{
		{"every supported key type is kept", []any{jwk(rs), jwk(es), jwk(ed)}, []string{rs.ID, es.ID, ed.ID}},
		{"a key whose alg disagrees with its type is skipped", []any{with(rs, func(m map[string]any) { m["alg"] = "ES256" }), jwk(es)}, []string{es.ID}},
		{"an HS256 alg on an RSA key is skipped", []any{with(rs, func(m map[string]any) { m["alg"] = "HS256" })}, nil},
		{"a symmetric key is skipped", []any{map[string]any{"kty": "oct", "kid": "sym", "k": "c2VjcmV0", "alg": "HS256"}, jwk(ed)}, []string{ed.ID}},
		{"an encryption key is skipped", []any{with(rs, func(m map[string]any) { m["use"] = "enc" })}, nil},
		{"a key without kid is skipped", []any{with(rs, func(m map[string]any) { delete(m, "kid") })}, nil},
		{"an unsupported curve is skipped", []any{with(es, func(m map[string]any) { m["crv"] = "P-384" })}, nil},
		{"an RSA key under 2048 bits is skipped", []any{weak, jwk(es)}, []string{es.ID}},
		{"a member of the wrong shape is skipped", []any{with(rs, func(m map[string]any) { m["n"] = 5 }), "text", 7, jwk(ed)}, []string{ed.ID}},
		{"a duplicated kid is dropped altogether", []any{jwk(rs), with(es, func(m map[string]any) { m["kid"] = rs.ID }), jwk(ed)}, []string{ed.ID}},
		{"a kid appearing three times is dropped", []any{jwk(rs), jwk(rs), jwk(rs)}, nil},
		{"an empty set is a set", []any{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := json.Marshal(map[string]any{"keys": tt.keys})
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseJWKS(body)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("kept %d keys, want %v", len(got), tt.want)
			}
			for _, kid := range tt.want {
				if _, ok := got[kid]; !ok {
					t.Fatalf("kid %q not kept", kid)
				}
			}
		})
	}
	for _, body := range []string{`{}`, `{"keys":null}`, `[]`, `{"keys":{}}`, `not json`, ``} {
		t.Run(fmt.Sprintf("the document %q is refused", body), func(t *testing.T) {
			if _, err := parseJWKS([]byte(body)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestRemoteKeySetDefaultClientRefusesInsecureRedirects(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "http://attacker.example/jwks.json", http.StatusFound)
	}))
	defer srv.Close()
	rks, err := NewRemoteKeySet(srv.URL, RemoteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rks.Refresh(context.Background()); !errors.Is(err, ErrJWKS) || !strings.Contains(err.Error(), "https required") {
		t.Fatalf("err %v", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("%d hits", hits.Load())
	}
}

func TestRemoteKeySetWaiterCanGiveUp(t *testing.T) {
	k := testKeys()[RS256]
	f := newRemoteFixture(t, RemoteOptions{}, k)
	gate := make(chan struct{})
	f.srv.set(func(s *jwksServer) { s.gate = gate })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := f.keys.VerificationKey(ctx, k.ID, t0)
		done <- err
	}()
	for f.srv.fetches.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	// The fetch was not cancelled with the caller: it completes for the
	// next lookup, which needs no other fetch.
	close(gate)
	if err := f.verify(t, k); err != nil {
		t.Fatal(err)
	}
	f.wantFetches(t, 1)
}
