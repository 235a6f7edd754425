package gateway_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/cupola-auth/cupola/gateway"
	"github.com/cupola-auth/cupola/hostedui"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/userpool"
)

// The gateway in front of an application, against a provider (here
// Cupola's hosted UI on a loopback server; any OpenID provider works). A
// browser without a session is sent to sign in; an API call gets 401.
func Example() {
	provider := newProvider() // the issuer URL of an OpenID provider
	defer provider.Close()

	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := gateway.ClaimsFrom(r.Context())
		fmt.Fprintf(w, "hello %s (%s)", c.Username, r.Header.Get("X-Amzn-Oidc-Identity"))
	})
	cookieKey := make([]byte, 32)
	_, _ = rand.Read(cookieKey)
	signingKey, err := token.GenerateKey(token.ES256, nil)
	if err != nil {
		log.Fatal(err)
	}
	gate, err := gateway.New(context.Background(), gateway.Options{
		Issuer:          provider.URL,
		ClientID:        "web",
		RedirectURL:     "http://localhost:3000/oauth2/idpresponse",
		Upstream:        app, // or an *httputil.ReverseProxy
		CookieKeys:      [][]byte{cookieKey},
		IdentityHeaders: true,
		SigningKey:      signingKey,
	})
	if err != nil {
		log.Fatal(err)
	}

	page := httptest.NewRequest(http.MethodGet, "http://localhost:3000/reports", nil)
	page.Header.Set("Accept", "text/html")
	w := httptest.NewRecorder()
	gate.ServeHTTP(w, page)
	fmt.Println(w.Code, strings.HasPrefix(w.Header().Get("Location"), provider.URL+"/oauth2/authorize?"))

	api := httptest.NewRequest(http.MethodGet, "http://localhost:3000/api/reports", nil)
	w = httptest.NewRecorder()
	gate.ServeHTTP(w, api)
	fmt.Println(w.Code)
	// Output:
	// 302 true
	// 401
}

// newProvider serves a Cupola hosted UI with a client "web" on a loopback
// server.
func newProvider() *httptest.Server {
	ctx := context.Background()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	secret, key := make([]byte, 32), make([]byte, 32)
	_, _ = rand.Read(secret)
	_, _ = rand.Read(key)
	pool, err := userpool.New(ctx, userpool.Config{ID: "example", Issuer: issuer, Secret: secret,
		Clients: []userpool.ClientConfig{{ClientID: "web", CallbackURLs: []string{"http://localhost:3000/oauth2/idpresponse"},
			AllowedOAuthFlows: []string{"code"}, AllowedOAuthScopes: []string{"openid", "email", "profile"}}}}, memory.New())
	if err != nil {
		log.Fatal(err)
	}
	ui, err := hostedui.New(pool, hostedui.Options{BaseURL: issuer, CookieKeys: [][]byte{key}})
	if err != nil {
		log.Fatal(err)
	}
	srv.Config.Handler = ui
	srv.Start()
	return srv
}
