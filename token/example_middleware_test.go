package token_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/cupola-auth/cupola/token"
)

// A resource server protects its routes with the middleware, verifying
// against the user pool's JWKS over HTTP.
func ExampleVerifier_Middleware() {
	const issuerURL = "https://auth.example.com/pool-1"
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	// The user pool: a key set served as a JWKS, and an issuer.
	key, err := token.GenerateKey(token.RS256, nil)
	if err != nil {
		panic(err)
	}
	keys, err := token.NewKeySet(key)
	if err != nil {
		panic(err)
	}
	pool := httptest.NewServer(token.JWKSHandler(keys, clock, 5*time.Minute))
	defer pool.Close()
	issuer, err := token.NewIssuer(token.IssuerConfig{Issuer: issuerURL, Keys: keys, Now: clock})
	if err != nil {
		panic(err)
	}

	// The resource server: a remote key set, a verifier, the middleware.
	remote, err := token.NewRemoteKeySet(pool.URL+"/.well-known/jwks.json", token.RemoteOptions{})
	if err != nil {
		panic(err)
	}
	v, err := token.NewVerifier(token.VerifierConfig{
		Issuer:    issuerURL,
		Keys:      remote,
		ClientIDs: []string{"app-client-id"},
		Now:       clock,
	})
	if err != nil {
		panic(err)
	}
	auth := v.Middleware(token.MiddlewareOptions{Realm: "orders", Require: token.Requirements{AnyScope: []string{"orders/read"}}})
	list := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := token.AccessClaimsFrom(r.Context())
		fmt.Fprintf(w, "orders of %s", claims.Username)
	})
	create := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	mux := http.NewServeMux()
	mux.Handle("GET /orders", auth(list))
	mux.Handle("POST /orders", auth(token.Require(token.Requirements{AllScopes: []string{"orders/write"}})(create)))

	raw, err := issuer.IssueAccess(token.AccessClaims{
		Subject:   "5b0d6c4e-0000-4000-8000-000000000001",
		ClientID:  "app-client-id",
		Username:  "alice",
		Scopes:    []string{"openid", "orders/read"},
		ExpiresAt: now.Add(time.Hour),
	})
	if err != nil {
		panic(err)
	}
	send := func(method, authorization string) {
		r := httptest.NewRequest(method, "/orders", nil)
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
		if ch := w.Header().Get("WWW-Authenticate"); ch != "" {
			fmt.Println("  WWW-Authenticate:", ch)
		}
	}
	send(http.MethodGet, "Bearer "+raw)
	send(http.MethodGet, "")
	send(http.MethodGet, "Bearer not.a.token")
	send(http.MethodPost, "Bearer "+raw)
	// Output:
	// 200 orders of alice
	// 401 authentication required
	//   WWW-Authenticate: Bearer realm="orders"
	// 401 invalid token
	//   WWW-Authenticate: Bearer realm="orders", error="invalid_token", error_description="the access token is invalid"
	// 403 forbidden
	//   WWW-Authenticate: Bearer realm="orders", error="insufficient_scope", error_description="the access token lacks a required scope", scope="orders/write"
}
