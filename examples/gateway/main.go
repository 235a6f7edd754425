// Command gateway puts an existing web application behind a browser
// sign-in, as an AWS load balancer's "authenticate-oidc" action does: a
// reverse proxy (net/http/httputil) wrapped in package gateway, signing
// users in against a Cupola user pool (or any OpenID provider).
//
//	go run ./cmd/cupola serve                  # the development pool on http://127.0.0.1:8080
//	python3 -m http.server 8081                # any web application
//	go run ./examples/gateway -upstream http://127.0.0.1:8081
//	open http://localhost:3000/                # sign in, then see the app
//
// The defaults match cupola serve's development pool: client cupola_dev,
// callback http://localhost:3000/callback, sign-out URL
// http://localhost:3000/. Signing out is http://localhost:3000/oauth2/logout
// (a page whose button signs out).
//
// The application receives the user in ALB-style headers:
// X-Amzn-Oidc-Identity (the sub), X-Amzn-Oidc-Accesstoken and
// X-Amzn-Oidc-Data, a JWT signed with a key the gateway generates at
// start; -jwks FILE writes that key's public JWKS for the application to
// verify it with (gateway.StaticKeys and gateway.VerifyData in Go). Headers
// of that name sent by clients are dropped.
//
// Secrets come from the environment: GATEWAY_COOKIE_KEY (base64 of 32 or
// more random bytes; without it a random key is made, and sessions end
// when the gateway restarts) and GATEWAY_CLIENT_SECRET for a confidential
// client.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cupola-auth/cupola/gateway"
	"github.com/cupola-auth/cupola/token"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

// config is the command line and environment.
type config struct {
	addr         string
	issuer       string
	clientID     string
	clientSecret string
	redirectURL  string
	postLogout   string
	upstream     string
	jwksFile     string
	cookieKey    []byte // nil: a random one
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.addr, "addr", "localhost:3000", "address to listen on")
	fs.StringVar(&c.issuer, "issuer", "http://127.0.0.1:8080", "the OpenID provider's issuer URL (cupola serve's)")
	fs.StringVar(&c.clientID, "client-id", "cupola_dev", "the gateway's app client ID")
	fs.StringVar(&c.redirectURL, "redirect-url", "http://localhost:3000/callback", "the gateway's callback, registered with the client")
	fs.StringVar(&c.postLogout, "post-logout-redirect", "http://localhost:3000/", "where the provider sends the browser after logout, registered with the client")
	fs.StringVar(&c.upstream, "upstream", "", "the application's URL, for example http://127.0.0.1:8081 (required)")
	fs.StringVar(&c.jwksFile, "jwks", "", "write the public JWKS of the X-Amzn-Oidc-Data signing key to this file")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.upstream == "" {
		return config{}, errors.New("-upstream is required")
	}
	c.clientSecret = getenv("GATEWAY_CLIENT_SECRET")
	if k := getenv("GATEWAY_COOKIE_KEY"); k != "" {
		key, err := base64.StdEncoding.DecodeString(k)
		if err != nil {
			return config{}, fmt.Errorf("GATEWAY_COOKIE_KEY is not base64: %w", err)
		}
		c.cookieKey = key
	}
	return c, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if cfg.cookieKey == nil {
		log.Warn("GATEWAY_COOKIE_KEY is not set: using a random cookie key, sessions end when the gateway stops")
	}
	h, jwks, err := newHandler(ctx, cfg, log)
	if err != nil {
		return err
	}
	if cfg.jwksFile != "" {
		b, err := json.MarshalIndent(jwks, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(cfg.jwksFile, b, 0o644); err != nil {
			return err
		}
	}
	srv := &http.Server{Addr: cfg.addr, Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("gateway listening", "addr", "http://"+cfg.addr, "upstream", cfg.upstream, "issuer", cfg.issuer)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// newHandler returns the gate in front of a reverse proxy to the upstream,
// and the public JWKS of the key signing X-Amzn-Oidc-Data. ctx bounds the
// provider's discovery, so an interrupt during start-up stops it.
func newHandler(ctx context.Context, cfg config, log *slog.Logger) (http.Handler, token.JWKS, error) {
	up, err := url.Parse(cfg.upstream)
	if err != nil || (up.Scheme != "http" && up.Scheme != "https") || up.Host == "" {
		return nil, token.JWKS{}, fmt.Errorf("-upstream %q is not an http(s) URL", cfg.upstream)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(up)
			pr.SetXForwarded()
		},
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}

	cookieKey := cfg.cookieKey
	if cookieKey == nil {
		cookieKey = make([]byte, 32)
		if _, err := rand.Read(cookieKey); err != nil {
			return nil, token.JWKS{}, err
		}
	}
	signingKey, err := token.GenerateKey(token.ES256, nil)
	if err != nil {
		return nil, token.JWKS{}, err
	}
	keys, err := token.NewKeySet(signingKey)
	if err != nil {
		return nil, token.JWKS{}, err
	}
	gate, err := gateway.New(ctx, gateway.Options{
		Issuer:             cfg.issuer,
		ClientID:           cfg.clientID,
		ClientSecret:       cfg.clientSecret,
		RedirectURL:        cfg.redirectURL,
		PostLogoutRedirect: cfg.postLogout,
		Upstream:           proxy,
		CookieKeys:         [][]byte{cookieKey},
		IdentityHeaders:    true,
		SigningKey:         signingKey,
		Logger:             log,
	})
	if err != nil {
		return nil, token.JWKS{}, err
	}
	return gate, keys.JWKS(time.Now()), nil
}
