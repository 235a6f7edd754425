package userpool_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cupola-auth/cupola/userpool"
)

// BenchmarkFederatedSignIn measures Cupola's side of a provider's answer,
// for OIDC here and for SAML in benchmarkFederatedSAML. For OIDC: the
// callback: the token request to the provider (loopback HTTP, answered
// at once with an ID token signed beforehand), the ID token's
// verification, finding or storing the user, the hosted session, the
// authorization code and its exchange for our tokens. /limit is the work
// none of that can avoid, in the same run: one RS256 verification of the
// provider's token and our two RS256 signatures.
//
//	go test -run '^$' -bench FederatedSignIn -count 5 ./userpool/ | benchstat -
func BenchmarkFederatedSignIn(b *testing.B) {
	benchmarkFederatedOIDC(b)
	benchmarkFederatedSAML(b)
}

func benchmarkFederatedOIDC(b *testing.B) {
	idp := newBenchIdP(b)
	b.Run("oidc/limit", func(b *testing.B) {
		l := newLimitSigner(b)
		tok := idp.sign(b, "limit-user", "n", time.Now())
		parts := strings.Split(tok, ".")
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		d := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		for b.Loop() {
			if err := rsa.VerifyPKCS1v15(&idp.key.PublicKey, crypto.SHA256, d[:], sig); err != nil {
				b.Fatal(err)
			}
			l.signTwo(b)
		}
	})
	for _, kind := range []string{"memory", "sqlite"} {
		b.Run("oidc/"+kind, func(b *testing.B) {
			e := benchPool(b, kind)
			_, err := e.pool.CreateIdentityProvider(e.ctx, userpool.CreateIdentityProviderInput{ProviderName: "Bench", ProviderType: userpool.ProviderTypeOIDC,
				ProviderDetails:  map[string]string{"client_id": "cupola", "client_secret": "s3cret-for-bench", "oidc_issuer": idp.srv.URL},
				AttributeMapping: map[string]string{"email": "email"}})
			if err != nil {
				b.Fatal(err)
			}
			client, err := e.pool.CreateUserPoolClient(e.ctx, userpool.ClientConfig{ClientName: "fed", GenerateSecret: true, CodeWithoutPKCE: true,
				CallbackURLs: []string{"https://app.example.test/cb"}, AllowedOAuthFlows: []string{userpool.OAuthFlowCode},
				AllowedOAuthScopes: []string{userpool.ScopeOpenID, userpool.ScopeEmail}, SupportedIdentityProviders: []string{"Bench"}})
			if err != nil {
				b.Fatal(err)
			}
			o := e.pool.OAuth()
			auth := &userpool.Authorization{ClientID: client.ClientID, RedirectURI: "https://app.example.test/cb",
				Scopes: []string{userpool.ScopeOpenID, userpool.ScopeEmail}}
			// Half the sign-ins are first sign-ins (a user is stored), half
			// return (the mapping is compared and kept).
			ins := make([]userpool.CompleteFederatedSignInInput, 0, b.N)
			for i := range b.N {
				st, err := o.StartFederatedSignIn(e.ctx, userpool.StartFederatedSignInInput{ClientID: client.ClientID, ProviderName: "Bench",
					State: fmt.Sprint("s", i), Callback: func(string) string { return "https://hosted.example.test/oauth2/idpresponse" }})
				if err != nil {
					b.Fatal(err)
				}
				code := idp.queue(idp.sign(b, fmt.Sprint("user-", i/2), st.Pending.Nonce, e.clock.Now()))
				ins = append(ins, userpool.CompleteFederatedSignInInput{ClientID: client.ClientID, Pending: st.Pending,
					Params: url.Values{"code": {code}, "state": {st.Pending.State}}})
			}
			b.ResetTimer()
			for i := range b.N {
				out, err := o.CompleteFederatedSignIn(e.ctx, ins[i])
				if err != nil {
					b.Fatal(err)
				}
				code, err := o.CreateAuthorizationCode(e.ctx, auth, out.Principal)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := o.Token(e.ctx, userpool.TokenRequest{GrantType: "authorization_code", Code: code, RedirectURI: auth.RedirectURI,
					ClientID: client.ClientID, ClientSecret: client.ClientSecret}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchIdP is an OpenID provider whose token endpoint answers with ID
// tokens signed before the timer started.
type benchIdP struct {
	srv    *httptest.Server
	key    *rsa.PrivateKey
	mu     sync.Mutex
	tokens map[string]string // code → ID token
	next   int
}

func newBenchIdP(b *testing.B) *benchIdP {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	idp := &benchIdP{key: key, tokens: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": idp.srv.URL, "authorization_endpoint": idp.srv.URL + "/authorize",
			"token_endpoint": idp.srv.URL + "/token", "jwks_uri": idp.srv.URL + "/jwks",
			"id_token_signing_alg_values_supported": []string{"RS256"}, "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		enc := base64.RawURLEncoding
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k1",
			"n": enc.EncodeToString(key.N.Bytes()), "e": enc.EncodeToString(big.NewInt(int64(key.E)).Bytes())}}})
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		idp.mu.Lock()
		tok, ok := idp.tokens[r.PostForm.Get("code")]
		delete(idp.tokens, r.PostForm.Get("code"))
		idp.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": tok})
	})
	idp.srv = httptest.NewServer(mux)
	b.Cleanup(idp.srv.Close)
	return idp
}

func (idp *benchIdP) sign(b *testing.B, sub, nonce string, now time.Time) string {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": idp.srv.URL, "aud": "cupola", "sub": sub, "nonce": nonce,
		"email": sub + "@example.com", "email_verified": true, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	t.Header["kid"] = "k1"
	s, err := t.SignedString(idp.key)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func (idp *benchIdP) queue(tok string) string {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	idp.next++
	code := fmt.Sprint("code-", idp.next)
	idp.tokens[code] = tok
	return code
}
