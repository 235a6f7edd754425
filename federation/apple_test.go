package federation_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
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

const (
	appleClientID = "com.example.signin"
	appleTeamID   = "TEAM123456"
	appleKeyID    = "KEY7654321"
)

// fakeApple answers as Apple documents Sign in with Apple's REST API
// ("Generate and validate tokens"): the token endpoint takes the client
// secret JWT in the form and returns an RS256 ID token whose
// email_verified and is_private_email are strings.
type fakeApple struct {
	srv *httptest.Server
	kp  *mockoidc.Keypair
	kid string
	// dev is the developer's key; the fake verifies client secrets with
	// its public half as Apple does with the registered key.
	dev *ecdsa.PrivateKey

	mu            sync.Mutex
	nonce         string
	emailVerified any
	secretErr     error         // why the last client secret was refused
	secretClaims  jwt.MapClaims // the last accepted client secret's claims
	form          url.Values
}

func newFakeApple(t *testing.T) *fakeApple {
	t.Helper()
	kp, err := mockoidc.DefaultKeypair()
	if err != nil {
		t.Fatal(err)
	}
	kid, err := kp.KeyID()
	if err != nil {
		t.Fatal(err)
	}
	dev, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	a := &fakeApple{kp: kp, kid: kid, dev: dev, emailVerified: "true"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{
			"issuer":                                a.srv.URL,
			"authorization_endpoint":                a.srv.URL + "/auth/authorize",
			"token_endpoint":                        a.srv.URL + "/auth/token",
			"revocation_endpoint":                   a.srv.URL + "/auth/revoke",
			"jwks_uri":                              a.srv.URL + "/auth/keys",
			"response_types_supported":              []string{"code"},
			"response_modes_supported":              []string{"query", "fragment", "form_post"},
			"subject_types_supported":               []string{"pairwise"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"scopes_supported":                      []string{"openid", "email", "name"},
			"token_endpoint_auth_methods_supported": []string{"client_secret_post"},
		})
	})
	mux.HandleFunc("GET /auth/keys", func(w http.ResponseWriter, r *http.Request) {
		b, _ := kp.JWKS()
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	})
	mux.HandleFunc("POST /auth/token", a.token)
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

func (a *fakeApple) token(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r.ParseForm()
	a.form = r.PostForm
	claims, err := a.checkSecret(r.PostForm.Get("client_secret"))
	a.secretErr, a.secretClaims = err, claims
	if err != nil || r.PostForm.Get("client_id") != appleClientID || r.PostForm.Get("code_verifier") == "" {
		writeJSONStatus(w, http.StatusBadRequest, map[string]any{"error": "invalid_client"})
		return
	}
	now := time.Now()
	id := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss":              a.srv.URL,
		"aud":              appleClientID,
		"exp":              now.Add(10 * time.Minute).Unix(),
		"iat":              now.Unix(),
		"sub":              "001234.0f1e2d3c4b5a.1234",
		"nonce":            a.nonce,
		"c_hash":           "abc",
		"email":            "x7k2@privaterelay.appleid.com",
		"email_verified":   a.emailVerified,
		"is_private_email": "true",
		"auth_time":        now.Unix(),
		"nonce_supported":  true,
	})
	id.Header["kid"] = a.kid
	raw, err := id.SignedString(a.kp.PrivateKey)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, map[string]any{
		"access_token":  "a0b1c2.0.abcd.efgh",
		"token_type":    "Bearer",
		"expires_in":    3600,
		"refresh_token": "r0b1c2.0.abcd.efgh",
		"id_token":      raw,
	})
}

// checkSecret verifies the client secret JWT as Apple would: ES256 with
// the developer's key, kid, iss = team, sub = client, aud = Apple, and a
// lifetime of at most six months.
func (a *fakeApple) checkSecret(secret string) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(secret, claims, func(tok *jwt.Token) (any, error) {
		if tok.Header["kid"] != appleKeyID {
			return nil, fmt.Errorf("kid %v", tok.Header["kid"])
		}
		return &a.dev.PublicKey, nil
	},
		jwt.WithValidMethods([]string{"ES256"}),
		jwt.WithIssuer(appleTeamID),
		jwt.WithSubject(appleClientID),
		jwt.WithAudience("https://appleid.apple.com"),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	)
	if err != nil {
		return nil, err
	}
	if _, ok := claims["aud"].(string); !ok {
		return nil, errors.New("aud is not a string")
	}
	exp, _ := tok.Claims.GetExpirationTime()
	iat, _ := tok.Claims.GetIssuedAt()
	if iat == nil || exp.Sub(iat.Time) > 15777000*time.Second {
		return nil, errors.New("lifetime over six months")
	}
	return claims, nil
}

func (a *fakeApple) privateKeyPEM(t *testing.T) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(a.dev)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func (a *fakeApple) config(t *testing.T, extra map[string]string) federation.Config {
	d := map[string]string{
		"client_id":   appleClientID,
		"team_id":     appleTeamID,
		"key_id":      appleKeyID,
		"private_key": a.privateKeyPEM(t),
		"oidc_issuer": a.srv.URL,
	}
	for k, v := range extra {
		d[k] = v
	}
	return federation.Config{Name: "SignInWithApple", Type: federation.TypeApple, Details: d}
}

func TestApple(t *testing.T) {
	tests := []struct {
		name          string
		user          string // the "user" form field, as Apple posts it on the first sign-in
		emailVerified any
		wantVerified  bool
		wantNames     map[string]string
		wantErr       error
	}{
		{
			name:          "the first sign-in's user field gives the names, email_verified as a string is verified",
			user:          `{"name":{"firstName":"Ana","lastName":"Silva"},"email":"x7k2@privaterelay.appleid.com"}`,
			emailVerified: "true",
			wantVerified:  true,
			wantNames:     map[string]string{"given_name": "Ana", "family_name": "Silva", "name": "Ana Silva"},
		},
		{
			name:          "a later sign-in has no user field and no names",
			emailVerified: true,
			wantVerified:  true,
			wantNames:     map[string]string{"given_name": "", "family_name": "", "name": ""},
		},
		{
			name:          "email_verified \"false\" as a string is not verified",
			emailVerified: "false",
			wantVerified:  false,
		},
		{
			name:          "a user field that is not Apple's JSON is refused",
			user:          `{"name":"Ana"`,
			emailVerified: "true",
			wantErr:       federation.ErrInvalidResponse,
		},
		{
			name:          "a user field with a control character in a name is refused",
			user:          `{"name":{"firstName":"Ana\u0007","lastName":"Silva"}}`,
			emailVerified: "true",
			wantErr:       federation.ErrInvalidResponse,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newFakeApple(t)
			p, err := federation.NewApple(context.Background(), a.config(t, nil))
			if err != nil {
				t.Fatal(err)
			}
			s := start(t, p)
			u, _ := url.Parse(s.URL)
			q := u.Query()
			if q.Get("response_mode") != "form_post" || q.Get("scope") != "name email" ||
				q.Get("code_challenge_method") != "S256" || q.Get("nonce") != s.Pending.Nonce || q.Get("client_id") != appleClientID {
				t.Errorf("authorization request %s", u.RawQuery)
			}
			if !strings.HasPrefix(s.URL, a.srv.URL+"/auth/authorize?") {
				t.Errorf("authorization URL %s", s.URL)
			}
			a.mu.Lock()
			a.nonce = s.Pending.Nonce
			a.emailVerified = tt.emailVerified
			a.mu.Unlock()

			// Apple posts the callback: state, code, and user the first time.
			in := callback(s, "c1d2e3.0.abcd.efgh")
			if tt.user != "" {
				in.Params.Set("user", tt.user)
			}
			id, err := p.Complete(context.Background(), in)

			a.mu.Lock()
			secretErr, secretClaims, form := a.secretErr, a.secretClaims, a.form
			a.mu.Unlock()
			if secretErr != nil {
				t.Fatalf("Apple would refuse the client secret: %v", secretErr)
			}
			if secretClaims["iss"] != appleTeamID || secretClaims["sub"] != appleClientID || secretClaims["aud"] != "https://appleid.apple.com" {
				t.Errorf("client secret claims %v", secretClaims)
			}
			if form.Get("client_id") != appleClientID || form.Get("code_verifier") != s.Pending.CodeVerifier || form.Get("redirect_uri") != testCallback {
				t.Errorf("token request form %v", form)
			}
			if tt.wantErr != nil {
				wantKind(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if id.Subject != "001234.0f1e2d3c4b5a.1234" || id.Email != "x7k2@privaterelay.appleid.com" || id.Type != federation.TypeApple {
				t.Errorf("identity %+v", id)
			}
			if id.EmailVerified != tt.wantVerified {
				t.Errorf("EmailVerified = %v, want %v", id.EmailVerified, tt.wantVerified)
			}
			if id.Attributes["is_private_email"] != "true" {
				t.Errorf("is_private_email = %q", id.Attributes["is_private_email"])
			}
			for k, want := range tt.wantNames {
				if got := id.Attributes[k]; got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

// TestAppleWithoutNameOrEmail: with neither scope Apple answers in the
// query, so no response_mode is sent.
func TestAppleWithoutNameOrEmail(t *testing.T) {
	a := newFakeApple(t)
	p, err := federation.NewApple(context.Background(), a.config(t, map[string]string{"authorize_scopes": "openid"}))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(start(t, p).URL)
	if u.Query().Has("response_mode") {
		t.Errorf("response_mode sent: %s", u.RawQuery)
	}
}

// TestAppleRefusesBadKeys: the private_key must be a P-256 EC key in PEM.
func TestAppleRefusesBadKeys(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := func(k any) string {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	a := newFakeApple(t)
	tests := []struct {
		name string
		key  string
	}{
		{"a private_key that is not PEM is refused", "MIGTAgEAMBMGByqGSM49AgEGCCqGSM49"},
		{"a PEM block that is not a key is refused", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
		{"a P-384 key is refused", pkcs8(p384)},
		{"an RSA key is refused", pkcs8(rsaKey)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := federation.NewApple(context.Background(), a.config(t, map[string]string{"private_key": tt.key}))
			fe := wantKind(t, err, federation.ErrConfig)
			if !strings.Contains(fe.Detail, "private_key") {
				t.Errorf("detail %q does not name private_key", fe.Detail)
			}
		})
	}
}
