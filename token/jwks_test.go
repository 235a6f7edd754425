package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// stdlibPublicKey rebuilds a public key from a served JWK with the standard
// library only, independently of JWK.PublicKey.
func stdlibPublicKey(t *testing.T, j map[string]string) crypto.PublicKey {
	t.Helper()
	dec := func(s string) []byte {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("jwk field %q: %v", s, err)
		}
		return b
	}
	switch j["kty"] {
	case "RSA":
		return &rsa.PublicKey{N: new(big.Int).SetBytes(dec(j["n"])), E: int(new(big.Int).SetBytes(dec(j["e"])).Int64())}
	case "EC":
		if j["crv"] != "P-256" {
			t.Fatalf("crv %q", j["crv"])
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), slices.Concat([]byte{4}, dec(j["x"]), dec(j["y"])))
		if err != nil {
			t.Fatal(err)
		}
		return pub
	case "OKP":
		if j["crv"] != "Ed25519" {
			t.Fatalf("crv %q", j["crv"])
		}
		return ed25519.PublicKey(dec(j["x"]))
	}
	t.Fatalf("kty %q", j["kty"])
	return nil
}

func TestJWKSHandlerServesKeysThatVerifyTokens(t *testing.T) {
	keys := testKeys()
	ks, err := NewKeySet(keys[RS256], keys[ES256], keys[EdDSA])
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(JWKSHandler(ks, at(t0), 5*time.Minute))
	defer srv.Close()

	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("content type %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=300" {
		t.Fatalf("cache control %q", cc)
	}
	var served struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(body, &served); err != nil {
		t.Fatal(err)
	}
	if len(served.Keys) != 3 {
		t.Fatalf("%d keys served", len(served.Keys))
	}
	for _, j := range served.Keys {
		k, ok := map[string]Key{keys[RS256].ID: keys[RS256], keys[ES256].ID: keys[ES256], keys[EdDSA].ID: keys[EdDSA]}[j["kid"]]
		if !ok {
			t.Fatalf("unknown kid %q served", j["kid"])
		}
		t.Run(string(k.Algorithm)+" key from the JWKS verifies a token with golang-jwt directly", func(t *testing.T) {
			if j["use"] != "sig" || j["alg"] != string(k.Algorithm) {
				t.Fatalf("use %q alg %q", j["use"], j["alg"])
			}
			for name := range j {
				if slices.Contains([]string{"d", "p", "q", "dp", "dq", "qi"}, name) {
					t.Fatalf("private field %q served", name)
				}
			}
			pub := stdlibPublicKey(t, j)
			if !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Signer.Public()) {
				t.Fatal("rebuilt key differs from the signer's")
			}
			f := newFixture(t, k.Algorithm)
			raw, err := f.issuer.IssueAccess(sampleAccess())
			if err != nil {
				t.Fatal(err)
			}
			tok, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return pub, nil },
				jwt.WithValidMethods([]string{string(k.Algorithm)}), jwt.WithTimeFunc(at(t0)))
			if err != nil || !tok.Valid {
				t.Fatalf("golang-jwt: %v", err)
			}
			// And our own decoder agrees.
			var jwk JWK
			b, _ := json.Marshal(j)
			if err := json.Unmarshal(b, &jwk); err != nil {
				t.Fatal(err)
			}
			got, alg, err := jwk.PublicKey()
			if err != nil || alg != k.Algorithm || !got.(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
				t.Fatalf("JWK.PublicKey: %v %s", err, alg)
			}
		})
	}
}

func TestJWKSHandlerMethods(t *testing.T) {
	ks, err := NewKeySet(testKeys()[RS256])
	if err != nil {
		t.Fatal(err)
	}
	h := JWKSHandler(ks, at(t0), time.Hour)
	tests := []struct {
		name     string
		method   string
		status   int
		wantBody bool
	}{
		{"GET serves the keys", http.MethodGet, 200, true},
		{"HEAD serves headers only", http.MethodHead, 200, false},
		{"POST is not allowed", http.MethodPost, 405, false},
		{"DELETE is not allowed", http.MethodDelete, 405, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, "/.well-known/jwks.json", nil))
			if rec.Code != tt.status {
				t.Fatalf("status %d", rec.Code)
			}
			if tt.status == 405 && rec.Header().Get("Allow") != "GET, HEAD" {
				t.Fatalf("Allow %q", rec.Header().Get("Allow"))
			}
			hasKeys := strings.Contains(rec.Body.String(), `"keys"`)
			if hasKeys != tt.wantBody {
				t.Fatalf("body %q", rec.Body.String())
			}
			if tt.status == 200 && rec.Header().Get("Cache-Control") != "public, max-age=3600" {
				t.Fatalf("cache control %q", rec.Header().Get("Cache-Control"))
			}
		})
	}
}

func TestJWKSOnlyHoldsVerifiableKeys(t *testing.T) {
	pending := withID(testKeys()[ES256], "pending")
	pending.Published, pending.Active = t0.Add(time.Minute), t0.Add(time.Hour)
	expired := withID(testKeys()[RS256], "expired")
	expired.Retired, expired.Expires = t0.Add(-time.Hour), t0
	ks, err := NewKeySet(pending, expired, withID(testKeys()[EdDSA], "live"))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	JWKSHandler(ks, at(t0), time.Minute).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	var got JWKS
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if ids := jwksIDs(got); !slices.Equal(ids, []string{"live"}) {
		t.Fatalf("served %v", ids)
	}
	if ids := jwksIDs(ks.JWKS(t0.Add(-time.Second))); !slices.Equal(ids, []string{"expired", "live"}) {
		t.Fatalf("a second before expiry the set serves %v", ids)
	}
	b, _ := json.Marshal(mustKeySet(t).JWKS(t0))
	if string(b) != `{"keys":[]}` {
		t.Fatalf("empty set serves %s", b)
	}
}

func mustKeySet(t *testing.T, keys ...Key) *KeySet {
	t.Helper()
	ks, err := NewKeySet(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

func TestJWKPublicKeyRefusesBadKeys(t *testing.T) {
	good := func(alg Algorithm) JWK { return mustKeySet(t, testKeys()[alg]).JWKS(t0).Keys[0] }
	rsa1024 := good(RS256)
	rsa1024.N = rsa1024.N[:len(rsa1024.N)/2]
	evenE := good(RS256)
	evenE.E = "Ag"
	offCurve := good(ES256)
	offCurve.Y = base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	wrongAlg := good(ES256)
	wrongAlg.Alg = "RS256"
	enc := good(EdDSA)
	enc.Use = "enc"
	short := good(EdDSA)
	short.X = "AAAA"
	tests := []struct {
		name string
		jwk  JWK
	}{
		{"a 1024-bit RSA key is refused", rsa1024},
		{"an even RSA exponent is refused", evenE},
		{"a point off the curve is refused", offCurve},
		{"an alg that disagrees with the key type is refused", wrongAlg},
		{"an encryption key is refused", enc},
		{"a short Ed25519 key is refused", short},
		{"an HMAC key is refused", JWK{Kty: "oct", Kid: "k", Alg: "HS256"}},
		{"an empty JWK is refused", JWK{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := tt.jwk.PublicKey(); !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("err %v", err)
			}
		})
	}
}
