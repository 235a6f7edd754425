// Command federation shows a Go service whose users sign in through their
// company's OpenID Connect identity provider, with Cupola in between as
// the user pool, as an app behind Cognito with an OIDC identity provider
// would:
//
//  1. The company IdP (played in-process by mockoidc) knows the user.
//  2. The pool, on the in-memory store, has that IdP as identity provider
//     "CorpIdP" (CreateIdentityProvider, with an attribute mapping) and an
//     app client that supports it (SupportedIdentityProviders); its hosted
//     UI serves the OAuth2 endpoints and the IdP's callback,
//     /oauth2/idpresponse.
//  3. The service sends the browser to the pool's /oauth2/authorize with
//     identity_provider=CorpIdP (which skips the login page), and PKCE.
//  4. The pool sends the browser to the IdP; the IdP signs the user in and
//     sends the browser back to /oauth2/idpresponse with a code; the pool
//     exchanges it, verifies the IdP's ID token, creates (or updates) the
//     federated user CorpIdP_<subject>, and sends the browser to the
//     service's callback with a code of its own.
//  5. The service exchanges that code at the pool's token endpoint
//     (golang.org/x/oauth2) and verifies the pool's ID token against the
//     pool's JWKS (github.com/coreos/go-oidc/v3), as it would with any
//     OpenID provider.
//
// The example is OIDC only; a SAML identity provider is configured the same
// way with ProviderType SAML and its metadata (see package federation).
//
//	go run ./examples/federation
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/oauth2"

	"github.com/cupola-auth/cupola/hostedui"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// providerName is the identity provider's name in the pool; federated
// usernames are providerName_subject.
const providerName = "CorpIdP"

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "federation:", err)
		os.Exit(1)
	}
}

// run signs one company user in through the pool and prints who the
// service sees.
func run(ctx context.Context, w io.Writer) error {
	d, err := newDemo(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	who, err := d.signIn(ctx, &mockoidc.MockUser{Subject: "jane-1234", Email: "jane@corp.example", EmailVerified: true,
		PreferredUsername: "jane"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "signed in through %s as %s\n", who.Provider, who.Username)
	fmt.Fprintf(w, "  email:   %s (verified: %t)\n", who.Email, who.EmailVerified)
	fmt.Fprintf(w, "  sub:     %s\n", who.Sub)
	fmt.Fprintf(w, "  IdP sub: %s\n", who.ProviderSubject)
	return nil
}

// demo is the three parties: the company IdP, the pool with its hosted UI,
// and the service.
type demo struct {
	idp    *mockoidc.MockOIDC
	pool   *userpool.UserPool
	poolUI *httptest.Server // the pool's hosted UI: the issuer
	app    *service
}

// newDemo starts the IdP, the pool and the service.
func newDemo(ctx context.Context) (_ *demo, err error) {
	d := &demo{}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()

	// 1. The company IdP. mockoidc computes its key ID lazily without a
	// lock; computing it once here keeps concurrent requests from racing.
	if d.idp, err = mockoidc.Run(); err != nil {
		return nil, fmt.Errorf("start the company IdP: %w", err)
	}
	if _, err := d.idp.Keypair.KeyID(); err != nil {
		return nil, fmt.Errorf("company IdP key: %w", err)
	}

	// 2. The pool. Its issuer is where its hosted UI is served; the
	// listeners exist before the servers start, so the URLs are known.
	d.poolUI = httptest.NewUnstartedServer(nil)
	issuer := "http://" + d.poolUI.Listener.Addr().String()
	appSrv := httptest.NewUnstartedServer(nil)
	appURL := "http://" + appSrv.Listener.Addr().String()

	// The pool secret seals client secrets, signing keys and the IdP's
	// client secret. A real deployment loads it from a secret store.
	d.pool, err = userpool.New(ctx, userpool.Config{ID: "local_federation", Name: "Federation example", Issuer: issuer,
		Secret: []byte(rand.Text() + rand.Text())}, memory.New())
	if err != nil {
		return nil, fmt.Errorf("pool: %w", err)
	}
	idpCfg := d.idp.Config()
	if _, err := d.pool.CreateIdentityProvider(ctx, userpool.CreateIdentityProviderInput{
		ProviderName: providerName,
		ProviderType: userpool.ProviderTypeOIDC,
		ProviderDetails: map[string]string{
			"client_id":        idpCfg.ClientID,
			"client_secret":    idpCfg.ClientSecret,
			"oidc_issuer":      d.idp.Issuer(), // endpoints come from its discovery document
			"authorize_scopes": "openid email profile",
			// mockoidc reads the client secret from the form only.
			"token_endpoint_auth_method": "client_secret_post",
		},
		// Pool attribute: IdP claim.
		AttributeMapping: map[string]string{"email": "email", "preferred_username": "preferred_username"},
	}); err != nil {
		return nil, fmt.Errorf("create identity provider: %w", err)
	}
	client, err := d.pool.CreateUserPoolClient(ctx, userpool.ClientConfig{
		ClientName:                 "Corp portal",
		GenerateSecret:             true,
		CallbackURLs:               []string{appURL + "/callback"},
		AllowedOAuthFlows:          []string{userpool.OAuthFlowCode},
		AllowedOAuthScopes:         []string{userpool.ScopeOpenID, userpool.ScopeEmail, userpool.ScopeProfile},
		SupportedIdentityProviders: []string{providerName},
	})
	if err != nil {
		return nil, fmt.Errorf("create client: %w", err)
	}
	ui, err := hostedui.New(d.pool, hostedui.Options{BaseURL: issuer, CookieKeys: [][]byte{[]byte(rand.Text() + rand.Text())}})
	if err != nil {
		return nil, fmt.Errorf("hosted ui: %w", err)
	}
	d.poolUI.Config.Handler = ui
	d.poolUI.Start()

	// 3. The service: an ordinary OpenID Connect relying party.
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return nil, fmt.Errorf("discover the pool: %w", err)
	}
	d.app = &service{
		oauth: oauth2.Config{ClientID: client.ClientID, ClientSecret: client.ClientSecret, RedirectURL: appURL + "/callback",
			Endpoint: provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}},
		verifier: provider.Verifier(&oidc.Config{ClientID: client.ClientID}),
		pending:  map[string]string{},
		srv:      appSrv,
	}
	d.app.oauth.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", d.app.login)
	mux.HandleFunc("GET /callback", d.app.callback)
	appSrv.Config.Handler = mux
	appSrv.Start()
	return d, nil
}

// Close stops the servers.
func (d *demo) Close() {
	if d.app != nil {
		d.app.srv.Close()
	}
	if d.poolUI != nil {
		d.poolUI.Close()
	}
	if d.idp != nil {
		_ = d.idp.Shutdown()
	}
}

// signIn plays a browser: it opens the service's /login and follows the
// redirects through the pool and the IdP, which signs user in, back to the
// service, and returns who the service saw.
func (d *demo) signIn(ctx context.Context, user *mockoidc.MockUser) (*identity, error) {
	d.idp.QueueUser(user)
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.app.srv.URL+"/login", nil)
	if err != nil {
		return nil, err
	}
	resp, err := browser.Do(req)
	if err != nil {
		return nil, fmt.Errorf("browser: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return nil, fmt.Errorf("browser: %s at %s: %s", resp.Status, resp.Request.URL, body)
	}
	return d.app.last(resp.Request.URL.Query().Get("state"))
}

// identity is who the service saw in the pool's ID token.
type identity struct {
	Username        string // cognito:username: CorpIdP_<IdP subject>
	Sub             string // the pool's subject
	Email           string
	EmailVerified   bool
	Provider        string // identities[0].providerName
	ProviderSubject string // identities[0].userId: the IdP's subject
}

// service is the Go service signing its users in through the pool.
type service struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	srv      *httptest.Server

	mu      sync.Mutex
	pending map[string]string    // state → PKCE verifier, for sign-ins under way
	done    map[string]*identity // state → who signed in (for the demo to print)
}

// login starts a sign-in through the company IdP.
func (s *service) login(w http.ResponseWriter, r *http.Request) {
	state, verifier := rand.Text(), oauth2.GenerateVerifier()
	s.mu.Lock()
	s.pending[state] = verifier
	s.mu.Unlock()
	// identity_provider goes straight to the IdP, skipping the pool's login
	// page (which would otherwise show a "CorpIdP" button).
	http.Redirect(w, r, s.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("identity_provider", providerName)), http.StatusFound)
}

// callback finishes a sign-in: it exchanges the code and verifies the ID
// token.
func (s *service) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	s.mu.Lock()
	verifier, ok := s.pending[state]
	delete(s.pending, state)
	s.mu.Unlock()
	if !ok {
		http.Error(w, "unknown sign-in", http.StatusBadRequest)
		return
	}
	if e := q.Get("error"); e != "" {
		http.Error(w, "sign-in failed: "+e+": "+q.Get("error_description"), http.StatusForbidden)
		return
	}
	who, err := s.exchange(r.Context(), q.Get("code"), verifier)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	s.mu.Lock()
	if s.done == nil {
		s.done = map[string]*identity{}
	}
	s.done[state] = who
	s.mu.Unlock()
	fmt.Fprintf(w, "Hello %s\n", who.Email)
}

func (s *service) exchange(ctx context.Context, code, verifier string) (*identity, error) {
	tok, err := s.oauth.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("exchange the code: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return nil, errors.New("the token response has no id_token")
	}
	idt, err := s.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("verify the ID token: %w", err)
	}
	var claims struct {
		Username      string `json:"cognito:username"`
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
		Identities    []struct {
			ProviderName string `json:"providerName"`
			UserID       string `json:"userId"`
		} `json:"identities"`
	}
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("ID token claims: %w", err)
	}
	who := &identity{Username: claims.Username, Sub: idt.Subject, Email: claims.Email, EmailVerified: claims.EmailVerified}
	if len(claims.Identities) > 0 {
		who.Provider, who.ProviderSubject = claims.Identities[0].ProviderName, claims.Identities[0].UserID
	}
	return who, nil
}

// last returns who the sign-in with state signed in as.
func (s *service) last(state string) (*identity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	who, ok := s.done[state]
	if !ok {
		return nil, errors.New("the service saw no sign-in")
	}
	return who, nil
}
