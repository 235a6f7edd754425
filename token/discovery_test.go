package token

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// discoveryServer serves an OpenID configuration made by doc (given the
// server's URL) and a JWKS, counting JWKS fetches.
func discoveryServer(t *testing.T, doc func(base string) map[string]any, keys ...Key) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var jwksHits atomic.Int64
	body := jwksBody(t, keys...)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/pool/.well-known/openid-configuration":
			_ = json.NewEncoder(w).Encode(doc(srv.URL))
		case "/pool/.well-known/jwks.json":
			jwksHits.Add(1)
			_, _ = w.Write(body)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &jwksHits
}

func TestDiscoverKeySetVerifiesTokensOfTheIssuer(t *testing.T) {
	k := testKeys()[ES256]
	srv, hits := discoveryServer(t, func(base string) map[string]any {
		return map[string]any{"issuer": base + "/pool", "jwks_uri": base + "/pool/.well-known/jwks.json", "authorization_endpoint": base + "/oauth2/authorize"}
	}, k)
	issuer := srv.URL + "/pool"
	rks, err := DiscoverKeySet(context.Background(), issuer, RemoteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rks.URL() != issuer+"/.well-known/jwks.json" {
		t.Fatalf("jwks url %q", rks.URL())
	}
	v, err := NewVerifier(VerifierConfig{Issuer: issuer, Keys: rks, ClientIDs: []string{testClient}, Now: at(t0)})
	if err != nil {
		t.Fatal(err)
	}
	c := rawAccessClaims()
	c["iss"] = issuer
	if _, err := v.VerifyAccess(context.Background(), signRaw(t, k, nil, c)); err != nil {
		t.Fatal(err)
	}
	// The issuer is compared exactly: with a trailing slash it is another
	// one, even though the configuration is at the same URL.
	if _, err := DiscoverKeySet(context.Background(), issuer+"/", RemoteOptions{}); !errors.Is(err, ErrDiscovery) {
		t.Fatalf("issuer with a slash: err %v, want ErrDiscovery", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("%d jwks fetches", hits.Load())
	}
}

func TestDiscoverKeySetRefusesBadConfigurations(t *testing.T) {
	k := testKeys()[RS256]
	tests := []struct {
		name string
		doc  func(base string) map[string]any
	}{
		{"another issuer is refused", func(base string) map[string]any {
			return map[string]any{"issuer": "https://evil.example/pool", "jwks_uri": base + "/pool/.well-known/jwks.json"}
		}},
		{"an issuer differing by a trailing slash is refused", func(base string) map[string]any {
			return map[string]any{"issuer": base + "/pool/", "jwks_uri": base + "/pool/.well-known/jwks.json"}
		}},
		{"an issuer differing by case is refused", func(base string) map[string]any {
			return map[string]any{"issuer": strings.ToUpper(base) + "/pool", "jwks_uri": base + "/pool/.well-known/jwks.json"}
		}},
		{"a missing issuer is refused", func(base string) map[string]any {
			return map[string]any{"jwks_uri": base + "/pool/.well-known/jwks.json"}
		}},
		{"a missing jwks_uri is refused", func(base string) map[string]any {
			return map[string]any{"issuer": base + "/pool"}
		}},
		{"an http jwks_uri to another host is refused", func(base string) map[string]any {
			return map[string]any{"issuer": base + "/pool", "jwks_uri": "http://evil.example/jwks.json"}
		}},
		{"a jwks_uri of another scheme is refused", func(base string) map[string]any {
			return map[string]any{"issuer": base + "/pool", "jwks_uri": "file:///etc/passwd"}
		}},
		{"an issuer of the wrong type is refused", func(base string) map[string]any {
			return map[string]any{"issuer": 42, "jwks_uri": base + "/pool/.well-known/jwks.json"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, hits := discoveryServer(t, tt.doc, k)
			_, err := DiscoverKeySet(context.Background(), srv.URL+"/pool", RemoteOptions{})
			if !errors.Is(err, ErrDiscovery) {
				t.Fatalf("err %v, want ErrDiscovery", err)
			}
			if hits.Load() != 0 {
				t.Fatal("the jwks was fetched")
			}
		})
	}
	t.Run("a missing configuration is refused", func(t *testing.T) {
		srv, _ := discoveryServer(t, nil, k)
		if _, err := DiscoverKeySet(context.Background(), srv.URL+"/other", RemoteOptions{}); !errors.Is(err, ErrDiscovery) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("an oversized configuration is refused", func(t *testing.T) {
		srv, _ := discoveryServer(t, func(base string) map[string]any {
			return map[string]any{"issuer": base + "/pool", "jwks_uri": base + "/pool/.well-known/jwks.json", "pad": strings.Repeat("x", 4096)}
		}, k)
		if _, err := DiscoverKeySet(context.Background(), srv.URL+"/pool", RemoteOptions{MaxBodyBytes: 1024}); !errors.Is(err, ErrDiscovery) {
			t.Fatalf("err %v", err)
		}
	})
	for _, issuer := range []string{"http://auth.example.com/pool", "https://auth.example.com/pool?x=1", "", "pool"} {
		t.Run("the issuer "+issuer+" is refused before any request", func(t *testing.T) {
			if _, err := DiscoverKeySet(context.Background(), issuer, RemoteOptions{}); !errors.Is(err, ErrConfig) {
				t.Fatalf("err %v, want ErrConfig", err)
			}
		})
	}
}
