package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cupola-auth/cupola/gateway"
	"github.com/cupola-auth/cupola/token"
)

// TestNewRefusesBadOptions: every unusable option is ErrConfig, checked
// before any network call; an unreachable or lying provider is
// ErrDiscovery.
func TestNewRefusesBadOptions(t *testing.T) {
	e := newEnv(t)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(*gateway.Options)
		want   error
	}{
		{"no issuer", func(o *gateway.Options) { o.Issuer = "" }, gateway.ErrConfig},
		{"an http issuer on another host", func(o *gateway.Options) { o.Issuer = "http://auth.example.com" }, gateway.ErrConfig},
		{"no client id", func(o *gateway.Options) { o.ClientID = "" }, gateway.ErrConfig},
		{"no upstream", func(o *gateway.Options) { o.Upstream = nil }, gateway.ErrConfig},
		{"a relative redirect url", func(o *gateway.Options) { o.RedirectURL = "/callback" }, gateway.ErrConfig},
		{"an http redirect url on another host", func(o *gateway.Options) { o.RedirectURL = "http://app.example.com/cb" }, gateway.ErrConfig},
		{"a redirect url without a path", func(o *gateway.Options) { o.RedirectURL = "https://app.example.com/" }, gateway.ErrConfig},
		{"scopes without openid", func(o *gateway.Options) { o.Scopes = []string{"email"} }, gateway.ErrConfig},
		{"no cookie key", func(o *gateway.Options) { o.CookieKeys = nil }, gateway.ErrConfig},
		{"a short cookie key", func(o *gateway.Options) { o.CookieKeys = [][]byte{randomKey(t), make([]byte, 31)} }, gateway.ErrConfig},
		{"a cookie key of zero bytes", func(o *gateway.Options) { o.CookieKeys = [][]byte{make([]byte, 32)} }, gateway.ErrConfig},
		{"a placeholder cookie key", func(o *gateway.Options) { o.CookieKeys = [][]byte{[]byte("changeme-please-a-32-byte-cookie-key")} }, gateway.ErrConfig},
		{"a cookie name with a semicolon", func(o *gateway.Options) { o.CookieName = "a;b" }, gateway.ErrConfig},
		{"a __Host- cookie over http", func(o *gateway.Options) { o.CookieName = "__Host-gate" }, gateway.ErrConfig},
		{"a negative session ttl", func(o *gateway.Options) { o.SessionTTL = -1 }, gateway.ErrConfig},
		{"a session ttl shorter than the refresh margin", func(o *gateway.Options) { o.SessionTTL = 1 }, gateway.ErrConfig},
		{"a logout path on the callback", func(o *gateway.Options) { o.LogoutPath = "/oauth2/idpresponse" }, gateway.ErrConfig},
		{"a relative logout path", func(o *gateway.Options) { o.LogoutPath = "logout" }, gateway.ErrConfig},
		{"a relative post-logout redirect", func(o *gateway.Options) { o.PostLogoutRedirect = "/bye" }, gateway.ErrConfig},
		{"an unknown logout parameter", func(o *gateway.Options) { o.LogoutRedirectParam = "redirect" }, gateway.ErrConfig},
		{"identity headers without a signing key", func(o *gateway.Options) { o.SigningKey = token.Key{} }, gateway.ErrConfig},
		{"a signing key whose signer is not its algorithm's", func(o *gateway.Options) {
			o.SigningKey = token.Key{ID: "k", Algorithm: token.ES256, Signer: p384}
		}, gateway.ErrConfig},
		{"an issuer with no provider", func(o *gateway.Options) {
			dead := httptest.NewServer(http.NotFoundHandler())
			dead.Close()
			o.Issuer = dead.URL
		}, gateway.ErrDiscovery},
		{"an issuer whose configuration names another", func(o *gateway.Options) {
			// A server handing out the real provider's configuration.
			liar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				res, err := http.Get(e.issuer + r.URL.Path)
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadGateway)
					return
				}
				defer res.Body.Close()
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.Copy(w, res.Body)
			}))
			t.Cleanup(liar.Close)
			o.Issuer = liar.URL
		}, gateway.ErrDiscovery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := e.opts
			tt.change(&o)
			g, err := gateway.New(t.Context(), o)
			if !errors.Is(err, tt.want) || g != nil {
				t.Fatalf("New = %v, %v; want %v", g, err, tt.want)
			}
		})
	}
	t.Run("a cancelled context stops discovery", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		g, err := gateway.New(ctx, e.opts)
		if !errors.Is(err, gateway.ErrDiscovery) || !errors.Is(err, context.Canceled) || g != nil {
			t.Fatalf("New = %v, %v; want ErrDiscovery and context.Canceled", g, err)
		}
	})
	t.Run("the defaults are enough", func(t *testing.T) {
		o := gateway.Options{Issuer: e.issuer, ClientID: clientID, RedirectURL: e.appURL + callbackPath,
			Upstream: http.NotFoundHandler(), CookieKeys: [][]byte{randomKey(t)}}
		if _, err := gateway.New(t.Context(), o); err != nil {
			t.Fatal(err)
		}
	})
}
