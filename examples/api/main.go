// Command api is a resource server whose API answers only requests that
// carry a valid access token of a Cupola user pool: the API Gateway role,
// with package token alone (the standard library and golang-jwt). It finds
// the pool's keys through OpenID discovery at -issuer, caches them, and
// refetches when a token names a new key.
//
//	go run ./cmd/cupola serve     # the development pool on http://127.0.0.1:8080
//	go run ./examples/api         # this API on http://127.0.0.1:9090
//	curl -H "Authorization: Bearer $ACCESS_TOKEN" http://127.0.0.1:9090/api/me
//
// Routes:
//
//	GET /healthz     no token needed
//	GET /api/me      any valid access token of the client(s): the caller's claims as JSON
//	GET /api/admin   also membership of the "admin" group (403 insufficient_scope otherwise)
//
// Without a token the API answers 401 with WWW-Authenticate: Bearer
// realm="api"; with an invalid or expired one, 401 error="invalid_token"
// (RFC 6750).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/cupola-auth/cupola/token"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	addr      string
	issuer    string
	clientIDs []string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("api", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "address to listen on")
	issuer := fs.String("issuer", "http://127.0.0.1:8080", "the user pool's issuer URL (cupola serve's)")
	clients := fs.String("client-id", "cupola_dev", "comma-separated app client IDs whose access tokens are accepted")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var ids []string
	for id := range strings.SplitSeq(*clients, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return config{}, errors.New("-client-id is required")
	}
	return config{addr: *addr, issuer: strings.TrimRight(*issuer, "/"), clientIDs: ids}, nil
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	h, err := newHandler(ctx, cfg)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: cfg.addr, Handler: h, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("api listening", "addr", "http://"+cfg.addr, "issuer", cfg.issuer, "clients", cfg.clientIDs)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// newHandler discovers the pool's keys and returns the API: every /api/
// route behind the token middleware.
func newHandler(ctx context.Context, cfg config) (http.Handler, error) {
	keys, err := token.DiscoverKeySet(ctx, cfg.issuer, token.RemoteOptions{})
	if err != nil {
		return nil, err
	}
	// Fetch the keys now, so a wrong issuer fails at start; afterwards
	// they are refetched as their Cache-Control says.
	if err := keys.Refresh(ctx); err != nil {
		return nil, err
	}
	v, err := token.NewVerifier(token.VerifierConfig{Issuer: cfg.issuer, Keys: keys, ClientIDs: cfg.clientIDs})
	if err != nil {
		return nil, err
	}
	auth := v.Middleware(token.MiddlewareOptions{Realm: "api"})
	admins := token.Require(token.Requirements{AnyGroup: []string{"admin"}})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.Handle("GET /api/me", auth(http.HandlerFunc(me)))
	mux.Handle("GET /api/admin", auth(admins(http.HandlerFunc(admin))))
	return mux, nil
}

// caller is what /api/me answers.
type caller struct {
	Subject   string    `json:"sub"`
	Username  string    `json:"username"`
	ClientID  string    `json:"client_id"`
	Scopes    []string  `json:"scopes"`
	Groups    []string  `json:"groups"`
	ExpiresAt time.Time `json:"expires_at"`
}

func me(w http.ResponseWriter, r *http.Request) {
	c, _ := token.AccessClaimsFrom(r.Context()) // the middleware guarantees it
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(caller{Subject: c.Subject, Username: c.Username, ClientID: c.ClientID,
		Scopes: c.Scopes, Groups: c.Groups, ExpiresAt: c.ExpiresAt})
}

func admin(w http.ResponseWriter, r *http.Request) {
	c, _ := token.AccessClaimsFrom(r.Context())
	fmt.Fprintf(w, "hello admin %s\n", c.Username)
}
