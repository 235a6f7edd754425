package hostedui_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/cupola-auth/cupola/hostedui"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// ExampleNew mounts the hosted UI under /auth/ and reads its OpenID
// discovery document, as an OIDC client library would.
func ExampleNew() {
	ctx := context.Background()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String() + "/auth" // in production: https://example.com/auth

	pool, err := userpool.New(ctx, userpool.Config{
		ID: "example", Issuer: base, Secret: []byte(rand.Text() + rand.Text()),
		Clients: []userpool.ClientConfig{{
			ClientID:           "web",
			CallbackURLs:       []string{"http://localhost:3000/callback"},
			AllowedOAuthFlows:  []string{userpool.OAuthFlowCode},
			AllowedOAuthScopes: []string{userpool.ScopeOpenID, userpool.ScopeEmail},
		}},
	}, memory.New())
	if err != nil {
		log.Fatal(err)
	}
	ui, err := hostedui.New(pool, hostedui.Options{BaseURL: base, CookieKeys: [][]byte{[]byte(rand.Text() + rand.Text())}})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", ui)
	srv.Config.Handler = mux
	srv.Start()
	defer srv.Close()

	res, err := http.Get(base + "/.well-known/openid-configuration")
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	var meta struct {
		Issuer                string `json:"issuer"`
		AuthorizationEndpoint string `json:"authorization_endpoint"`
		TokenEndpoint         string `json:"token_endpoint"`
	}
	if err := json.NewDecoder(res.Body).Decode(&meta); err != nil {
		log.Fatal(err)
	}
	fmt.Println(meta.Issuer == base)
	fmt.Println(strings.TrimPrefix(meta.AuthorizationEndpoint, base))
	fmt.Println(strings.TrimPrefix(meta.TokenEndpoint, base))
	// Output:
	// true
	// /oauth2/authorize
	// /oauth2/token
}
