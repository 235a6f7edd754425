// Command federation shows a Go service whose users sign in through their
// company's identity providers, one OpenID Connect and one SAML 2.0, with
// Cupola in between as the user pool, as an app behind Cognito with
// federated identity providers would:
//
//  1. The company's OIDC IdP (played in-process by mockoidc) and its SAML
//     IdP (crewjam/saml's IdentityProvider) know the users.
//  2. The pool, on the in-memory store, has both as identity providers
//     (CreateIdentityProvider, each with an attribute mapping): "CorpIdP"
//     from the OIDC IdP's issuer and client credentials, "CorpSAML" from
//     the SAML IdP's metadata. The pool is a SAML service provider too: its
//     key pair (Config.Federation) signs its AuthnRequests and its
//     certificate is in the SP metadata the hosted UI publishes at
//     /saml2/metadata/CorpSAML, which the SAML IdP is set up to trust. An
//     app client supports both providers (SupportedIdentityProviders); the
//     hosted UI serves the OAuth2 endpoints and the IdPs' callbacks,
//     /oauth2/idpresponse (OIDC) and /saml2/idpresponse (SAML).
//  3. The service sends the browser to the pool's /oauth2/authorize with
//     identity_provider=CorpIdP or CorpSAML (which skips the login page),
//     and PKCE.
//  4. The pool sends the browser to the IdP, which signs the user in. The
//     OIDC IdP sends the browser back to /oauth2/idpresponse with a code;
//     the pool exchanges it and verifies the IdP's ID token. The SAML IdP,
//     sent a signed AuthnRequest (HTTP-Redirect binding), answers with a
//     page that posts its signed SAMLResponse to /saml2/idpresponse
//     (HTTP-POST binding); the pool verifies it. Either way the pool
//     creates (or updates) the federated user <provider>_<IdP subject>
//     (CorpIdP_<sub>, CorpSAML_<NameID>) and sends the browser to the
//     service's callback with a code of its own.
//  5. The service exchanges that code at the pool's token endpoint
//     (golang.org/x/oauth2) and verifies the pool's ID token against the
//     pool's JWKS (github.com/coreos/go-oidc/v3), as it would with any
//     OpenID provider: it does not see which kind of IdP the user came
//     through, other than in the identities claim.
//
// The same person signing in through both IdPs is two pool users unless
// the accounts are linked (AdminLinkProviderForUser). A SAML assertion
// says nothing about email verification, so a SAML user's email is
// unverified.
//
// All keys (the SAML IdP's, the pool's SP key pair) are generated at
// start-up; a real deployment loads them from a secret store.
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
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/oauth2"

	"github.com/cupola-auth/cupola/hostedui"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// The identity providers' names in the pool; federated usernames are
// <name>_<IdP subject>.
const (
	oidcProvider = "CorpIdP"
	samlProvider = "CorpSAML"
)

// samlEmail is the SAML attribute crewjam's IdP asserts the user's email
// in: the LDAP "mail" attribute's OID.
const samlEmail = "urn:oid:0.9.2342.19200300.100.1.3"

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "federation:", err)
		os.Exit(1)
	}
}

// run signs one company user in through each IdP and prints who the
// service sees.
func run(ctx context.Context, w io.Writer) error {
	d, err := newDemo(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	jane, err := d.signInOIDC(ctx, &mockoidc.MockUser{Subject: "jane-1234", Email: "jane@corp.example", EmailVerified: true,
		PreferredUsername: "jane"})
	if err != nil {
		return err
	}
	jane.print(w)
	alice, err := d.signInSAML(ctx, samlUser{NameID: "alice@corp.example", Email: "alice@corp.example"})
	if err != nil {
		return err
	}
	alice.print(w)
	return nil
}

// demo is the four parties: the company's two IdPs, the pool with its
// hosted UI, and the service.
type demo struct {
	oidcIdP *mockoidc.MockOIDC
	samlIdP *samlIdP
	pool    *userpool.UserPool
	poolUI  *httptest.Server // the pool's hosted UI: the issuer
	app     *service
}

// newDemo starts the IdPs, the pool and the service.
func newDemo(ctx context.Context) (_ *demo, err error) {
	d := &demo{}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()

	// 1. The company IdPs. mockoidc computes its key ID lazily without a
	// lock; computing it once here keeps concurrent requests from racing.
	if d.oidcIdP, err = mockoidc.Run(); err != nil {
		return nil, fmt.Errorf("start the company's OIDC IdP: %w", err)
	}
	if _, err := d.oidcIdP.Keypair.KeyID(); err != nil {
		return nil, fmt.Errorf("company OIDC IdP key: %w", err)
	}
	if d.samlIdP, err = newSAMLIdP(); err != nil {
		return nil, fmt.Errorf("start the company's SAML IdP: %w", err)
	}

	// 2. The pool. Its issuer is where its hosted UI is served; the
	// listeners exist before the servers start, so the URLs are known.
	d.poolUI = httptest.NewUnstartedServer(nil)
	issuer := "http://" + d.poolUI.Listener.Addr().String()
	appSrv := httptest.NewUnstartedServer(nil)
	appURL := "http://" + appSrv.Listener.Addr().String()

	// The pool secret seals client secrets, signing keys and the IdP's
	// client secret. The SAML key pair makes the pool a SAML service
	// provider. A real deployment loads all of them from a secret store.
	spKey, spCert, err := newKeyPair("Federation example pool")
	if err != nil {
		return nil, fmt.Errorf("pool SAML key pair: %w", err)
	}
	cfg := userpool.Config{ID: "local_federation", Name: "Federation example", Issuer: issuer,
		Secret: []byte(rand.Text() + rand.Text())}
	cfg.Federation.SAMLKey, cfg.Federation.SAMLCertificate = spKey, spCert
	if d.pool, err = userpool.New(ctx, cfg, memory.New()); err != nil {
		return nil, fmt.Errorf("pool: %w", err)
	}
	idpCfg := d.oidcIdP.Config()
	if _, err := d.pool.CreateIdentityProvider(ctx, userpool.CreateIdentityProviderInput{
		ProviderName: oidcProvider,
		ProviderType: userpool.ProviderTypeOIDC,
		ProviderDetails: map[string]string{
			"client_id":        idpCfg.ClientID,
			"client_secret":    idpCfg.ClientSecret,
			"oidc_issuer":      d.oidcIdP.Issuer(), // endpoints come from its discovery document
			"authorize_scopes": "openid email profile",
			// mockoidc reads the client secret from the form only.
			"token_endpoint_auth_method": "client_secret_post",
		},
		// Pool attribute: IdP claim.
		AttributeMapping: map[string]string{"email": "email", "preferred_username": "preferred_username"},
	}); err != nil {
		return nil, fmt.Errorf("create the OIDC identity provider: %w", err)
	}
	samlMetadata, err := d.samlIdP.Metadata()
	if err != nil {
		return nil, err
	}
	if _, err := d.pool.CreateIdentityProvider(ctx, userpool.CreateIdentityProviderInput{
		ProviderName: samlProvider,
		ProviderType: userpool.ProviderTypeSAML,
		ProviderDetails: map[string]string{
			"MetadataFile": samlMetadata, // the IdP's entity ID, SSO URL and signing certificate
			// The pool signs its AuthnRequests with its SAML key.
			"RequestSigningAlgorithm": "rsa-sha256",
		},
		// Pool attribute: SAML attribute name.
		AttributeMapping: map[string]string{"email": samlEmail},
	}); err != nil {
		return nil, fmt.Errorf("create the SAML identity provider: %w", err)
	}
	client, err := d.pool.CreateUserPoolClient(ctx, userpool.ClientConfig{
		ClientName:                 "Corp portal",
		GenerateSecret:             true,
		CallbackURLs:               []string{appURL + "/callback"},
		AllowedOAuthFlows:          []string{userpool.OAuthFlowCode},
		AllowedOAuthScopes:         []string{userpool.ScopeOpenID, userpool.ScopeEmail, userpool.ScopeProfile},
		SupportedIdentityProviders: []string{oidcProvider, samlProvider},
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

	// The SAML IdP's administrator sets the pool up as a service provider
	// from the metadata the hosted UI publishes: its entity ID
	// (urn:amazon:cognito:sp:<pool ID>), its ACS (/saml2/idpresponse) and
	// its certificate.
	if err := d.samlIdP.Trust(ctx, issuer+"/saml2/metadata/"+samlProvider); err != nil {
		return nil, fmt.Errorf("set the pool up at the SAML IdP: %w", err)
	}

	// 3. The service: an ordinary OpenID Connect relying party.
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return nil, fmt.Errorf("discover the pool: %w", err)
	}
	d.app = &service{
		oauth: oauth2.Config{ClientID: client.ClientID, ClientSecret: client.ClientSecret, RedirectURL: appURL + "/callback",
			Endpoint: provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}},
		verifier:  provider.Verifier(&oidc.Config{ClientID: client.ClientID}),
		providers: []string{oidcProvider, samlProvider},
		pending:   map[string]string{},
		srv:       appSrv,
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
	if d.samlIdP != nil {
		d.samlIdP.Close()
	}
	if d.oidcIdP != nil {
		_ = d.oidcIdP.Shutdown()
	}
}

// signInOIDC signs user in through the OIDC IdP.
func (d *demo) signInOIDC(ctx context.Context, user *mockoidc.MockUser) (*identity, error) {
	d.oidcIdP.QueueUser(user)
	return d.signIn(ctx, oidcProvider)
}

// signInSAML signs user in through the SAML IdP.
func (d *demo) signInSAML(ctx context.Context, user samlUser) (*identity, error) {
	d.samlIdP.QueueUser(user)
	return d.signIn(ctx, samlProvider)
}

// signIn plays a browser signing in through provider: it opens the
// service's /login and follows the redirects through the pool and the
// IdP, which signs its next user in, back to the service, and returns who
// the service saw. A SAML IdP answers with a page whose script posts the
// SAMLResponse to the pool at once; the browser posts that form as the
// script would.
func (d *demo) signIn(ctx context.Context, provider string) (*identity, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		d.app.srv.URL+"/login?"+url.Values{"provider": {provider}}.Encode(), nil)
	if err != nil {
		return nil, err
	}
	at, page, err := visit(browser, req)
	if err != nil {
		return nil, err
	}
	if action, form, ok := autoPostForm(page); ok {
		if form.Get("SAMLResponse") == "" {
			return nil, fmt.Errorf("browser: the form at %s has no SAMLResponse", at)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, action, strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if at, _, err = visit(browser, req); err != nil {
			return nil, err
		}
	}
	return d.app.last(at.Query().Get("state"))
}

// visit sends req from browser, following redirects, and returns where it
// ended and the page there.
func visit(browser *http.Client, req *http.Request) (*url.URL, []byte, error) {
	resp, err := browser.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("browser: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("browser: %s: %w", resp.Request.URL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("browser: %s at %s: %.4096s", resp.Status, resp.Request.URL, body)
	}
	return resp.Request.URL, body, nil
}

// identity is who the service saw in the pool's ID token.
type identity struct {
	Username        string // cognito:username: <provider>_<IdP subject>
	Sub             string // the pool's subject
	Email           string
	EmailVerified   bool
	Provider        string // identities[0].providerName
	ProviderSubject string // identities[0].userId: the IdP's subject (a SAML NameID)
}

// print writes who signed in.
func (who *identity) print(w io.Writer) {
	fmt.Fprintf(w, "signed in through %s as %s\n", who.Provider, who.Username)
	fmt.Fprintf(w, "  email:   %s (verified: %t)\n", who.Email, who.EmailVerified)
	fmt.Fprintf(w, "  sub:     %s\n", who.Sub)
	fmt.Fprintf(w, "  IdP sub: %s\n", who.ProviderSubject)
}

// service is the Go service signing its users in through the pool.
type service struct {
	oauth     oauth2.Config
	verifier  *oidc.IDTokenVerifier
	providers []string // the identity providers it offers
	srv       *httptest.Server

	mu      sync.Mutex
	pending map[string]string    // state → PKCE verifier, for sign-ins under way
	done    map[string]*identity // state → who signed in (for the demo to print)
}

// login starts a sign-in through the company IdP named by the provider
// parameter.
func (s *service) login(w http.ResponseWriter, r *http.Request) {
	provider := r.URL.Query().Get("provider")
	if !slices.Contains(s.providers, provider) {
		http.Error(w, "unknown identity provider", http.StatusBadRequest)
		return
	}
	state, verifier := rand.Text(), oauth2.GenerateVerifier()
	s.mu.Lock()
	s.pending[state] = verifier
	s.mu.Unlock()
	// identity_provider goes straight to the IdP, skipping the pool's login
	// page (which would otherwise show a button per provider).
	http.Redirect(w, r, s.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("identity_provider", provider)), http.StatusFound)
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
