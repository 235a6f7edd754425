package gateway_test

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cupola-auth/cupola/gateway"
	"github.com/cupola-auth/cupola/token"
)

// TestVerifyData: the X-Amzn-Oidc-Data a gateway made verifies with its
// public key (StaticKeys of its JWKS); forgeries, other keys, algorithms,
// issuers, clients and expired values are ErrInvalidData, and no key URL
// in a header is ever fetched.
func TestVerifyData(t *testing.T) {
	e := newEnv(t)
	sub := e.user("alice", "alice@example.com")
	b := newAgent(t)
	e.signIn(b, "/", "alice")
	data := e.last().header.Get("X-Amzn-Oidc-Data")
	exp := e.last().claims.AccessTokenExpiry

	ks, err := token.NewKeySet(e.key)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := gateway.StaticKeys(ks.JWKS(e.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	opts := gateway.DataOptions{Keys: keys, Issuer: e.issuer, ClientID: clientID, Signer: e.appURL, Now: e.clock.Now}
	claims, err := gateway.VerifyData(t.Context(), data, opts)
	if err != nil || claims["sub"] != sub {
		t.Fatalf("VerifyData = %v, %v", claims, err)
	}

	var fetched atomic.Int64
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fetched.Add(1) }))
	t.Cleanup(attacker.Close)
	other, err := token.GenerateKey(token.ES256, nil)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(e.key.Signer.Public())
	if err != nil {
		t.Fatal(err)
	}

	// sign makes a data value with the given method, key and header.
	sign := func(m jwt.SigningMethod, key any, header map[string]any, c jwt.MapClaims) string {
		t.Helper()
		tok := jwt.NewWithClaims(m, c)
		for k, v := range header {
			tok.Header[k] = v
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := func() jwt.MapClaims {
		return jwt.MapClaims{"sub": sub, "iss": e.issuer, "exp": exp.Unix()}
	}
	hdr := func(kv ...any) map[string]any {
		h := map[string]any{"kid": e.key.ID, "client": clientID, "signer": e.appURL}
		for i := 0; i+1 < len(kv); i += 2 {
			h[kv[i].(string)] = kv[i+1]
		}
		return h
	}
	b64 := base64.RawURLEncoding.EncodeToString
	noSub := good()
	delete(noSub, "sub")
	noExp := good()
	delete(noExp, "exp")
	wrongIss := good()
	wrongIss["iss"] = "https://evil.example"

	tests := []struct {
		name  string
		raw   string
		opts  func(*gateway.DataOptions)
		nowIs time.Time
	}{
		{"alg none", b64([]byte(`{"alg":"none","kid":"`+e.key.ID+`","client":"`+clientID+`"}`)) + "." + strings.Split(data, ".")[1] + ".", nil, time.Time{}},
		{"HS256 keyed with the public key", sign(jwt.SigningMethodHS256, pubDER, hdr(), good()), nil, time.Time{}},
		{"another key under the same kid", sign(jwt.SigningMethodES256, other.Signer, hdr(), good()), nil, time.Time{}},
		{"an unknown kid", sign(jwt.SigningMethodES256, other.Signer, hdr("kid", other.ID), good()), nil, time.Time{}},
		{"no kid", sign(jwt.SigningMethodES256, e.key.Signer, hdr("kid", ""), good()), nil, time.Time{}},
		{"a jku to the attacker's keys", sign(jwt.SigningMethodES256, other.Signer, hdr("kid", other.ID, "jku", attacker.URL, "x5u", attacker.URL), good()), nil, time.Time{}},
		{"a payload edited after signing", strings.Split(data, ".")[0] + "." + b64([]byte(`{"sub":"admin","iss":"`+e.issuer+`","exp":9999999999}`)) + "." + strings.Split(data, ".")[2], nil, time.Time{}},
		{"another client", sign(jwt.SigningMethodES256, e.key.Signer, hdr("client", "other"), good()), nil, time.Time{}},
		{"another signer", sign(jwt.SigningMethodES256, e.key.Signer, hdr("signer", "https://evil.example"), good()), nil, time.Time{}},
		{"another issuer", sign(jwt.SigningMethodES256, e.key.Signer, hdr(), wrongIss), nil, time.Time{}},
		{"no sub", sign(jwt.SigningMethodES256, e.key.Signer, hdr(), noSub), nil, time.Time{}},
		{"no exp", sign(jwt.SigningMethodES256, e.key.Signer, hdr(), noExp), nil, time.Time{}},
		{"expired", data, nil, exp.Add(time.Second)},
		{"a megabyte", strings.Repeat("a", 1<<20), nil, time.Time{}},
		{"dots", strings.Repeat(".", 10000), nil, time.Time{}},
		{"empty", "", nil, time.Time{}},
		{"the right value for another gateway's client", data, func(o *gateway.DataOptions) { o.ClientID = "other" }, time.Time{}},
		{"the right value for another issuer", data, func(o *gateway.DataOptions) { o.Issuer = "https://evil.example" }, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := opts
			if tt.opts != nil {
				tt.opts(&o)
			}
			if !tt.nowIs.IsZero() {
				o.Now = func() time.Time { return tt.nowIs }
			}
			start := time.Now()
			c, err := gateway.VerifyData(t.Context(), tt.raw, o)
			if !errors.Is(err, gateway.ErrInvalidData) || c != nil {
				t.Fatalf("VerifyData = %v, %v; want ErrInvalidData", c, err)
			}
			if d := time.Since(start); d > 100*time.Millisecond {
				t.Errorf("took %v", d)
			}
		})
	}
	if fetched.Load() != 0 {
		t.Errorf("a key URL from a header was fetched %d times", fetched.Load())
	}

	t.Run("bad options are ErrConfig", func(t *testing.T) {
		for _, o := range []gateway.DataOptions{{}, {Keys: keys, Issuer: e.issuer}, {Keys: keys, ClientID: clientID},
			{Keys: keys, Issuer: e.issuer, ClientID: clientID, Leeway: time.Hour}} {
			if _, err := gateway.VerifyData(t.Context(), data, o); !errors.Is(err, gateway.ErrConfig) {
				t.Errorf("%+v: %v, want ErrConfig", o, err)
			}
		}
		if _, err := gateway.StaticKeys(token.JWKS{Keys: []token.JWK{{Kty: "oct", Kid: "x"}}}); !errors.Is(err, gateway.ErrConfig) {
			t.Errorf("StaticKeys of a symmetric key: %v, want ErrConfig", err)
		}
		jwks := ks.JWKS(e.clock.Now())
		jwks.Keys[0].Kid = ""
		if _, err := gateway.StaticKeys(jwks); !errors.Is(err, gateway.ErrConfig) {
			t.Errorf("StaticKeys of a key without kid: %v, want ErrConfig", err)
		}
	})
}
