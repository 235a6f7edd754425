package token

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// BenchmarkVerify compares Verifier.VerifyAccess with its limit: golang-jwt
// parsing and verifying the same RS256 access token with the same key and
// the same checks, directly.
func BenchmarkVerify(b *testing.B) {
	f := newFixture(b, RS256)
	raw, err := f.issuer.IssueAccess(sampleAccess())
	if err != nil {
		b.Fatal(err)
	}
	pub := f.key.Signer.Public()

	b.Run("limit", func(b *testing.B) { benchmarkVerifyLimit(b, raw, pub) })
	b.Run("verifier", func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.verifier.VerifyAccess(ctx, raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkIssue compares Issuer.IssueAccess with its limit: an RS256
// signature (SHA-256 then PKCS#1 v1.5) over a signing input of the same size.
func BenchmarkIssue(b *testing.B) {
	f := newFixture(b, RS256)
	c := sampleAccess()
	raw, err := f.issuer.IssueAccess(c)
	if err != nil {
		b.Fatal(err)
	}
	input := []byte(raw[:strings.LastIndexByte(raw, '.')])
	priv := f.key.Signer.(*rsa.PrivateKey)

	b.Run("limit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			digest := sha256.Sum256(input)
			if _, err := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, digest[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("issuer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.issuer.IssueAccess(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchmarkVerifyLimit is what verifying a token cannot beat: golang-jwt
// parsing and verifying it with the key at hand.
func benchmarkVerifyLimit(b *testing.B, raw string, pub crypto.PublicKey) {
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(testIssuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(at(t0)),
	)
	keyfunc := func(*jwt.Token) (any, error) { return pub, nil }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.ParseWithClaims(raw, jwt.MapClaims{}, keyfunc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMiddleware compares a request through Verifier.Middleware, with
// a RemoteKeySet already holding the JWKS, to a no-op handler, with the
// limit of BenchmarkVerify.
func BenchmarkMiddleware(b *testing.B) {
	f := newFixture(b, RS256)
	raw, err := f.issuer.IssueAccess(sampleAccess())
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(JWKSHandler(f.keys, at(t0), time.Hour))
	defer srv.Close()
	rks, err := NewRemoteKeySet(srv.URL, RemoteOptions{Now: at(t0)})
	if err != nil {
		b.Fatal(err)
	}
	if err := rks.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	v, err := NewVerifier(VerifierConfig{Issuer: testIssuer, Keys: rks, ClientIDs: []string{testClient}, Now: at(t0)})
	if err != nil {
		b.Fatal(err)
	}

	b.Run("limit", func(b *testing.B) { benchmarkVerifyLimit(b, raw, f.key.Signer.Public()) })
	b.Run("middleware", func(b *testing.B) {
		h := v.Middleware(MiddlewareOptions{Realm: "api"})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		r := httptest.NewRequest(http.MethodGet, "/orders", nil)
		r.Header.Set("Authorization", "Bearer "+raw)
		b.ReportAllocs()
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
}
