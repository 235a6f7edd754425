package federation_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/federation"
	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// TestOIDCAcceptsAWellFormedToken is the baseline the forged-token cases
// depart from: the fake provider's genuine token signs the user in, with
// client_secret_basic by default.
func TestOIDCAcceptsAWellFormedToken(t *testing.T) {
	f := newFakeIdP(t)
	p, err := federation.NewOIDC(context.Background(), f.config(nil))
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, p)
	c := f.claims(s.Pending)
	c["custom:tier"] = 3
	c["address"] = map[string]any{"country": "PT"}
	c["email_verified"] = "true" // as some IdPs send it
	f.setIDToken(f.sign(t, c))
	id, err := p.Complete(context.Background(), callback(s, "code-1"))
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "user-1" || id.Email != "ana@example.com" || !id.EmailVerified {
		t.Errorf("identity = %+v", id)
	}
	if id.Attributes["custom:tier"] != "3" || id.Attributes["address"] != `{"country":"PT"}` {
		t.Errorf("attributes = %v", id.Attributes)
	}
	if want := time.Unix(c["auth_time"].(int64), 0); !id.AuthTime.Equal(want) {
		t.Errorf("AuthTime = %v, want %v", id.AuthTime, want)
	}
	f.locked(func() {
		if !f.gotBasic {
			t.Error("client_secret_basic is the default but the secret went in the form")
		}
		if f.gotToken.Get("redirect_uri") != testCallback || f.gotToken.Get("code") != "code-1" || f.gotToken.Get("code_verifier") != s.Pending.CodeVerifier {
			t.Errorf("token request = %v", f.gotToken)
		}
	})
}

// TestOIDCRefusesForgedTokens: each ID token the fake returns is wrong in
// one way, and each is ErrInvalidResponse.
func TestOIDCRefusesForgedTokens(t *testing.T) {
	f := newFakeIdP(t)
	otherKey, err := mockoidc.RandomKeypair(2048)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(f.kp.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	tests := []struct {
		name  string
		token func(t *testing.T, c jwt.MapClaims) string
	}{
		{"a token from another issuer is refused", func(t *testing.T, c jwt.MapClaims) string {
			c["iss"] = "https://evil.example.com"
			return f.sign(t, c)
		}},
		{"a token for another client (aud) is refused", func(t *testing.T, c jwt.MapClaims) string {
			c["aud"] = "another-client"
			return f.sign(t, c)
		}},
		{"a token for another sign-in (nonce) is refused", func(t *testing.T, c jwt.MapClaims) string {
			c["nonce"] = "nonce-of-another-browser"
			return f.sign(t, c)
		}},
		{"a token without a nonce is refused", func(t *testing.T, c jwt.MapClaims) string {
			delete(c, "nonce")
			return f.sign(t, c)
		}},
		{"an unsigned token (alg none) is refused", func(t *testing.T, c jwt.MapClaims) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodNone, c)
			s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{"an HS256 token keyed with the provider's public key (key confusion) is refused", func(t *testing.T, c jwt.MapClaims) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
			tok.Header["kid"] = f.kid
			s, err := tok.SignedString(pubPEM)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{"an HS256 token keyed with the client secret is refused", func(t *testing.T, c jwt.MapClaims) string {
			s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(f.secret))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{"a token signed by another key under the provider's kid is refused", func(t *testing.T, c jwt.MapClaims) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
			tok.Header["kid"] = f.kid
			s, err := tok.SignedString(otherKey.PrivateKey)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{"an expired token is refused", func(t *testing.T, c jwt.MapClaims) string {
			c["iat"] = time.Now().Add(-2 * time.Hour).Unix()
			c["exp"] = time.Now().Add(-time.Hour).Unix()
			return f.sign(t, c)
		}},
		{"a token without a subject is refused", func(t *testing.T, c jwt.MapClaims) string {
			delete(c, "sub")
			return f.sign(t, c)
		}},
		{"a token whose at_hash is not the access token's is refused", func(t *testing.T, c jwt.MapClaims) string {
			c["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA"
			return f.sign(t, c)
		}},
		{"a token with its payload altered after signing is refused", func(t *testing.T, c jwt.MapClaims) string {
			good := strings.Split(f.sign(t, c), ".")
			c["sub"] = "admin"
			forged := strings.Split(f.sign(t, c), ".")
			return good[0] + "." + forged[1] + "." + good[2]
		}},
		{"a token response without an id_token is refused", func(t *testing.T, c jwt.MapClaims) string {
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := federation.NewOIDC(context.Background(), f.config(nil))
			if err != nil {
				t.Fatal(err)
			}
			s := start(t, p)
			f.setIDToken(tt.token(t, f.claims(s.Pending)))
			id, err := p.Complete(context.Background(), callback(s, "code"))
			if id != nil {
				t.Fatalf("identity %+v from a bad token", id)
			}
			wantKind(t, err, federation.ErrInvalidResponse)
			t.Log(err)
		})
	}
}

// TestOIDCUserinfo covers the userinfo call: both methods, and the sub
// check that ties the answer to the ID token.
func TestOIDCUserinfo(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		userinfo map[string]any
		wantErr  error
	}{
		{"userinfo by GET carries the access token as a bearer header", "GET",
			map[string]any{"sub": "user-1", "locale": "pt-PT", "email": "other@example.com"}, nil},
		{"userinfo by POST carries the access token in the form", "POST",
			map[string]any{"sub": "user-1", "locale": "pt-PT"}, nil},
		{"userinfo about another subject is refused", "GET",
			map[string]any{"sub": "user-2", "locale": "pt-PT"}, federation.ErrInvalidResponse},
		{"userinfo without a subject is refused", "GET",
			map[string]any{"locale": "pt-PT"}, federation.ErrInvalidResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeIdP(t)
			f.locked(func() { f.userinfo = tt.userinfo })
			p, err := federation.NewOIDC(context.Background(), f.config(map[string]string{"attributes_request_method": tt.method}))
			if err != nil {
				t.Fatal(err)
			}
			s := start(t, p)
			f.setIDToken(f.sign(t, f.claims(s.Pending)))
			id, err := p.Complete(context.Background(), callback(s, "code"))
			if tt.wantErr != nil {
				wantKind(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f.locked(func() {
				if f.gotInfo.Method != tt.method {
					t.Errorf("userinfo method = %s", f.gotInfo.Method)
				}
				if tt.method == "POST" && f.infoForm.Get("access_token") != "access-token-1" {
					t.Errorf("POST form = %v", f.infoForm)
				}
			})
			if id.Attributes["locale"] != "pt-PT" {
				t.Errorf("userinfo not merged: %v", id.Attributes)
			}
			// The signed ID token's claims win over userinfo's.
			if id.Email != "ana@example.com" {
				t.Errorf("email = %q, want the ID token's", id.Email)
			}
		})
	}
}

// TestOIDCRefusesBadCallbacks: the callback itself is wrong, whatever the
// provider would say.
func TestOIDCRefusesBadCallbacks(t *testing.T) {
	f := newFakeIdP(t)
	tests := []struct {
		name   string
		mutate func(in *federation.CompleteInput)
		want   error
		detail string
	}{
		{"a callback with another browser's state is refused", func(in *federation.CompleteInput) {
			in.Params.Set("state", "state-of-another-browser")
		}, federation.ErrState, ""},
		{"a callback without state is refused", func(in *federation.CompleteInput) {
			in.Params.Del("state")
		}, federation.ErrState, ""},
		{"an empty pending state never matches an empty callback state", func(in *federation.CompleteInput) {
			in.Params.Set("state", "")
			in.Pending.State = ""
		}, federation.ErrState, ""},
		{"a pending sign-in of another provider is refused", func(in *federation.CompleteInput) {
			in.Pending.Provider = "OtherIdP"
		}, federation.ErrState, ""},
		{"a pending sign-in older than ten minutes is refused", func(in *federation.CompleteInput) {
			in.Pending.Started = time.Now().Add(-11 * time.Minute)
		}, federation.ErrState, ""},
		{"a pending sign-in without its PKCE verifier is refused", func(in *federation.CompleteInput) {
			in.Pending.CodeVerifier = ""
		}, federation.ErrState, ""},
		{"the provider's access_denied is ErrProviderError naming the code", func(in *federation.CompleteInput) {
			in.Params.Del("code")
			in.Params.Set("error", "access_denied")
			in.Params.Set("error_description", "The user cancelled\r\nFAKE LOG LINE")
		}, federation.ErrProviderError, "access_denied"},
		{"a callback without a code is refused", func(in *federation.CompleteInput) {
			in.Params.Del("code")
		}, federation.ErrInvalidResponse, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := federation.NewOIDC(context.Background(), f.config(nil))
			if err != nil {
				t.Fatal(err)
			}
			s := start(t, p)
			f.setIDToken(f.sign(t, f.claims(s.Pending)))
			in := callback(s, "code")
			tt.mutate(&in)
			_, err = p.Complete(context.Background(), in)
			fe := wantKind(t, err, tt.want)
			if !strings.Contains(fe.Detail, tt.detail) {
				t.Errorf("detail %q does not name %q", fe.Detail, tt.detail)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error %q carries a line break from the browser", err)
			}
		})
	}
}

// TestOIDCTokenEndpointFailures: what the token endpoint answers instead
// of tokens, and that the client secret never shows in the error.
func TestOIDCTokenEndpointFailures(t *testing.T) {
	tests := []struct {
		name    string
		details map[string]string
		answer  func(f *fakeIdP) func(w http.ResponseWriter)
		want    error
	}{
		{"a spent code (invalid_grant) is an answer not to trust, not the user declining", nil, func(f *fakeIdP) func(w http.ResponseWriter) {
			return func(w http.ResponseWriter) {
				writeJSONStatus(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant"})
			}
		}, federation.ErrInvalidResponse},
		{"a token endpoint failing with 500 is ErrUnavailable", nil, func(f *fakeIdP) func(w http.ResponseWriter) {
			return func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) }
		}, federation.ErrUnavailable},
		{"a token endpoint quoting the client secret back does not leak it (basic)", nil, func(f *fakeIdP) func(w http.ResponseWriter) {
			return func(w http.ResponseWriter) {
				w.WriteHeader(http.StatusBadGateway)
				w.Write([]byte("bad secret " + f.secret))
			}
		}, federation.ErrUnavailable},
		{"a token endpoint quoting the client secret back does not leak it (post)",
			map[string]string{"token_endpoint_auth_method": "client_secret_post"},
			func(f *fakeIdP) func(w http.ResponseWriter) {
				return func(w http.ResponseWriter) {
					writeJSONStatus(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client", "error_description": "bad secret " + f.secret})
				}
			}, federation.ErrConfig},
		{"a token endpoint answering garbage is ErrUnavailable", nil, func(f *fakeIdP) func(w http.ResponseWriter) {
			return func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"access_token": 12, "id_token": ` + f.secret))
			}
		}, federation.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeIdP(t)
			f.locked(func() { f.tokenErr = tt.answer(f) })
			p, err := federation.NewOIDC(context.Background(), f.config(tt.details))
			if err != nil {
				t.Fatal(err)
			}
			s := start(t, p)
			_, err = p.Complete(context.Background(), callback(s, "code"))
			wantKind(t, err, tt.want)
			t.Log(err)
			if strings.Contains(err.Error(), f.secret) {
				t.Errorf("error %q shows the client secret", err)
			}
		})
	}
}

// TestOIDCDiscoveryCannotDowngrade: a discovery document naming a plain
// http endpoint off loopback is refused.
func TestOIDCDiscoveryCannotDowngrade(t *testing.T) {
	f := newFakeIdP(t)
	f.locked(func() {
		f.discoveryEdit = func(doc map[string]any) { doc["token_endpoint"] = "http://idp.example.com/token" }
	})
	p, err := federation.NewOIDC(context.Background(), f.config(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Start(context.Background(), federation.StartInput{CallbackURL: testCallback, State: "s"})
	fe := wantKind(t, err, federation.ErrUnavailable)
	if !strings.Contains(fe.Detail, "token_endpoint") {
		t.Errorf("detail %q does not name token_endpoint", fe.Detail)
	}
}
