package hostedui_test

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/hostedui"
	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
	"github.com/cupola-auth/cupola/userpool/pooltest"
)

// BenchmarkTokenEndpoint compares each grant through /oauth2/token on a
// real loopback listener with the same operation called on the pool: the
// ratio http/inprocess is what the HTTP layer costs.
//
//	go test -run '^$' -bench TokenEndpoint -count 5 -cpu 1 ./hostedui/
//
// With one core the figure is per core; with more, the benchmark's client
// and the server compete for the same cores and the ratio reads higher.
func BenchmarkTokenEndpoint(b *testing.B) {
	ctx := context.Background()
	key := func() []byte {
		k := make([]byte, 32)
		rand.Read(k)
		return k
	}
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	base := "http://" + srv.Listener.Addr().String() + "/auth"
	outbox := message.NewOutbox()
	pool, err := userpool.New(ctx, userpool.Config{ID: "bench", Issuer: base, Secret: key(), EmailSender: outbox,
		Hashing: pooltest.FastHashing()}, memory.New())
	if err != nil {
		b.Fatal(err)
	}
	c, err := pool.CreateUserPoolClient(ctx, userpool.ClientConfig{ClientName: "backend", GenerateSecret: true,
		ExplicitAuthFlows: []string{userpool.AllowAdminUserPasswordAuth, userpool.AllowRefreshTokenAuth},
		CallbackURLs:      []string{"https://app.example.test/cb"}, AllowedOAuthFlows: []string{"code", "client_credentials"},
		AllowedOAuthScopes: []string{"openid", "email", "api/read"}})
	if err != nil {
		b.Fatal(err)
	}
	h, err := hostedui.New(pool, hostedui.Options{BaseURL: base, CookieKeys: [][]byte{key()}})
	if err != nil {
		b.Fatal(err)
	}
	mux.Handle("/auth/", h)
	srv.Start()
	defer srv.Close()

	if _, err := pool.AdminCreateUser(ctx, userpool.AdminCreateUserInput{Username: "bench", MessageAction: "SUPPRESS"}); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.AdminSetUserPassword(ctx, userpool.AdminSetUserPasswordInput{Username: "bench", Password: "cobalt-Harbor-71", Permanent: true}); err != nil {
		b.Fatal(err)
	}
	hash, err := pool.OAuth().SecretHash(ctx, c.ClientID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	signIn, err := pool.AdminInitiateAuth(ctx, userpool.AdminInitiateAuthInput{AuthFlow: userpool.FlowAdminUserPasswordAuth, ClientID: c.ClientID,
		AuthParameters: map[string]string{"USERNAME": "bench", "PASSWORD": "cobalt-Harbor-71", "SECRET_HASH": hash}})
	if err != nil {
		b.Fatal(err)
	}
	refresh := signIn.AuthenticationResult.RefreshToken

	client := srv.Client()
	post := func(b *testing.B, form url.Values) {
		req, _ := http.NewRequest(http.MethodPost, base+"/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(c.ClientID, c.ClientSecret)
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("token endpoint: %d %s", res.StatusCode, body)
		}
	}
	grants := []struct {
		name string
		form url.Values
		req  userpool.TokenRequest
	}{
		{"client_credentials", url.Values{"grant_type": {"client_credentials"}, "scope": {"api/read"}},
			userpool.TokenRequest{GrantType: "client_credentials", Scope: "api/read", ClientID: c.ClientID, ClientSecret: c.ClientSecret}},
		{"refresh_token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}},
			userpool.TokenRequest{GrantType: "refresh_token", RefreshToken: refresh, ClientID: c.ClientID, ClientSecret: c.ClientSecret}},
	}
	for _, g := range grants {
		b.Run(g.name+"/http", func(b *testing.B) {
			for b.Loop() {
				post(b, g.form)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "grants/s")
		})
		b.Run(g.name+"/inprocess", func(b *testing.B) {
			for b.Loop() {
				if _, err := pool.OAuth().Token(ctx, g.req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "grants/s")
		})
	}
}
