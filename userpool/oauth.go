package userpool

import (
	"context"
	"errors"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/store"
)

// OAuth scopes with meaning in the pool, beside ScopeAdmin and resource
// servers' "identifier/scope".
const (
	ScopeOpenID  = "openid"
	ScopeEmail   = "email"
	ScopePhone   = "phone"
	ScopeProfile = "profile"
)

// OAuth flows a client may allow (AllowedOAuthFlows).
const (
	OAuthFlowCode              = "code"
	OAuthFlowClientCredentials = "client_credentials"
)

// OAuthError is an RFC 6749 / OpenID Connect error, for the hosted UI's
// OAuth endpoints.
type OAuthError struct {
	// Code is invalid_request, invalid_client, invalid_grant,
	// unauthorized_client, unsupported_grant_type, invalid_scope,
	// unsupported_response_type, server_error…
	Code string
	// Description is safe to show.
	Description string
	// Status is the HTTP status a token endpoint answers with.
	Status int
	// Redirect is false when the client or redirect URI cannot be trusted:
	// show an error page and never redirect (RFC 9700 §4.11).
	Redirect bool
	Err      error
}

func (e *OAuthError) Error() string { return e.Code + ": " + e.Description }

// Unwrap returns the cause.
func (e *OAuthError) Unwrap() error { return e.Err }

func oauthErr(code, desc string, status int) *OAuthError {
	return &OAuthError{Code: code, Description: desc, Status: status, Redirect: true}
}

// AuthorizeRequest is an /oauth2/authorize request.
type AuthorizeRequest struct {
	ResponseType, ClientID, RedirectURI, State, Scope, Nonce string
	CodeChallenge, CodeChallengeMethod, IdentityProvider     string
	// Prompt and MaxAge are OIDC's; the hosted UI uses them to decide
	// whether the user must sign in again.
	Prompt string
	MaxAge *int
}

// Authorization is a validated authorize request: what its code carries.
type Authorization struct {
	ClientID, RedirectURI, State, Nonce, CodeChallenge string
	Scopes                                             []string
}

// ValidateAuthorizeRequest checks an authorize request. The client and the
// redirect URI come first: an unknown client, or a redirect URI not
// registered exactly (only a loopback port may vary), is an *OAuthError
// whose Redirect is false. Then: response_type code, the client allowing
// the code flow, scopes the client allows (email, phone and profile need
// openid), PKCE with S256 only, and a challenge from every public client.
func (p *UserPool) ValidateAuthorizeRequest(ctx context.Context, in AuthorizeRequest) (*Authorization, error) {
	noRedirect := func(desc string) error {
		return &OAuthError{Code: "invalid_request", Description: desc, Status: 400}
	}
	if in.ClientID == "" || len(in.ClientID) > 128 {
		return nil, noRedirect("client_id is missing or invalid")
	}
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		if errors.Is(err, ErrResourceNotFound) || errors.Is(err, ErrInvalidParameter) {
			return nil, &OAuthError{Code: "invalid_client", Description: "unknown client", Status: 400}
		}
		return nil, &OAuthError{Code: "server_error", Description: "temporarily unavailable", Status: 503, Err: err}
	}
	if in.RedirectURI == "" || !redirectAllowed(c.Settings.CallbackURLs, in.RedirectURI) {
		return nil, noRedirect("redirect_uri is not registered for this client")
	}
	if in.ResponseType != "code" {
		return nil, oauthErr("unsupported_response_type", "only response_type=code is supported", 400)
	}
	if !slices.Contains(c.Settings.AllowedOAuthFlows, OAuthFlowCode) {
		return nil, oauthErr("unauthorized_client", "the client may not use the authorization code flow", 400)
	}
	if in.IdentityProvider != "" && in.IdentityProvider != "COGNITO" {
		return nil, oauthErr("invalid_request", "identity providers are not configured", 400)
	}
	scopes, oerr := p.grantScopes(c, in.Scope, false)
	if oerr != nil {
		return nil, oerr
	}
	switch {
	case in.CodeChallenge == "" && in.CodeChallengeMethod != "":
		return nil, oauthErr("invalid_request", "code_challenge_method without code_challenge", 400)
	case in.CodeChallenge != "" && in.CodeChallengeMethod != "S256":
		return nil, oauthErr("invalid_request", "code_challenge_method must be S256", 400)
	case in.CodeChallenge != "" && !validPKCE(in.CodeChallenge):
		return nil, oauthErr("invalid_request", "code_challenge is malformed", 400)
	case in.CodeChallenge == "" && len(c.Secret) == 0:
		return nil, oauthErr("invalid_request", "PKCE (code_challenge with S256) is required for public clients", 400)
	}
	if len(in.State) > 2048 || len(in.Nonce) > 2048 {
		return nil, oauthErr("invalid_request", "state or nonce is too long", 400)
	}
	return &Authorization{ClientID: c.ID, RedirectURI: in.RedirectURI, State: in.State, Nonce: in.Nonce,
		CodeChallenge: in.CodeChallenge, Scopes: scopes}, nil
}

// grantScopes parses a space-separated scope request against what client c
// allows. Empty means every scope the client allows. For
// client_credentials only resource-server scopes may be granted.
func (p *UserPool) grantScopes(c *appClient, requested string, machine bool) ([]string, *OAuthError) {
	allowed := c.Settings.AllowedOAuthScopes
	var scopes []string
	if strings.TrimSpace(requested) == "" {
		scopes = slices.Clone(allowed)
	} else {
		for _, s := range strings.Fields(requested) {
			if !slices.Contains(allowed, s) {
				return nil, oauthErr("invalid_scope", "the client may not request the scope "+sanitize(s), 400)
			}
			if !slices.Contains(scopes, s) {
				scopes = append(scopes, s)
			}
		}
	}
	if machine {
		scopes = slices.DeleteFunc(scopes, func(s string) bool { return !strings.Contains(s, "/") })
		if len(scopes) == 0 {
			return nil, oauthErr("invalid_scope", "client_credentials needs a resource-server scope", 400)
		}
		return scopes, nil
	}
	if !slices.Contains(scopes, ScopeOpenID) && slices.ContainsFunc(scopes, func(s string) bool {
		return s == ScopeEmail || s == ScopePhone || s == ScopeProfile
	}) {
		return nil, oauthErr("invalid_scope", "email, phone and profile need the openid scope", 400)
	}
	if len(scopes) == 0 {
		return nil, oauthErr("invalid_scope", "no scope is allowed for this client", 400)
	}
	return scopes, nil
}

// redirectAllowed is exact string matching against the registered URIs;
// only for a registered loopback URI (http://127.0.0.1, [::1], localhost)
// may the port differ, as RFC 8252 §7.3 asks.
func redirectAllowed(registered []string, uri string) bool {
	if slices.Contains(registered, uri) {
		return true
	}
	got, err := url.Parse(uri)
	if err != nil || got.Scheme != "http" || got.User != nil || got.Fragment != "" || got.RawFragment != "" {
		return false
	}
	for _, r := range registered {
		want, err := url.Parse(r)
		if err != nil || want.Scheme != "http" || !isLoopbackHost(want.Hostname()) {
			continue
		}
		if got.Hostname() == want.Hostname() && got.EscapedPath() == want.EscapedPath() && got.RawQuery == want.RawQuery &&
			got.Opaque == "" && strings.Count(uri, "@") == 0 {
			return true
		}
	}
	return false
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// validPKCE checks a code_challenge or code_verifier: 43–128 characters
// of [A-Za-z0-9-._~] (RFC 7636 §4.1).
func validPKCE(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// Principal is a user the hosted UI has signed in.
type Principal struct {
	Sub      string
	Username string
	AuthTime time.Time
	// Session names the server side of the hosted session: GlobalSignOut,
	// AdminUserGlobalSignOut and disabling the user end it.
	Session string
}

// HostedAuthOutput is a hosted-UI sign-in step: a signed-in Principal, or
// a Challenge to show (MFA, NEW_PASSWORD_REQUIRED, MFA_SETUP), answered
// with HostedRespond.
type HostedAuthOutput struct {
	Principal *Principal
	Challenge *InitiateAuthOutput
}

// HostedSignIn is the hosted login form's password sign-in at a client
// that allows the code flow, whatever its ExplicitAuthFlows. The lockout,
// MFA and triggers apply as for InitiateAuth; no tokens are minted until
// the client exchanges its code.
func (p *UserPool) HostedSignIn(ctx context.Context, clientID, username, password string) (*HostedAuthOutput, error) {
	c, err := p.client(ctx, clientID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(c.Settings.AllowedOAuthFlows, OAuthFlowCode) {
		return nil, newErr(CodeNotAuthorized, "The client does not allow the hosted sign-in.")
	}
	params := map[string]string{"USERNAME": username, "PASSWORD": password}
	if params["SECRET_HASH"], err = c.secretHash(username); err != nil {
		return nil, err
	}
	out, err := p.passwordAuthAs(ctx, c, params, nil, sourceHostedAuth)
	return hostedOutput(out, err)
}

// HostedRespond answers a challenge of a hosted sign-in.
// The hosted UI is server-side code holding no client secret: SECRET_HASH
// is computed here for clients that have one.
func (p *UserPool) HostedRespond(ctx context.Context, in RespondToAuthChallengeInput) (*HostedAuthOutput, error) {
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	r := make(map[string]string, len(in.ChallengeResponses)+1)
	for k, v := range in.ChallengeResponses {
		r[k] = v
	}
	if r["SECRET_HASH"], err = c.secretHash(r["USERNAME"]); err != nil {
		return nil, err
	}
	in.ChallengeResponses = r
	out, err := p.respond(ctx, c, in)
	return hostedOutput(out, err)
}

// SecretHash computes a client's SECRET_HASH for username ("" for a
// client without a secret). It is for trusted server-side callers, such as
// the hosted UI, that act for users at a confidential client; never hand
// its result to an end user.
func (p *UserPool) SecretHash(ctx context.Context, clientID, username string) (string, error) {
	c, err := p.client(ctx, clientID)
	if err != nil {
		return "", err
	}
	return c.secretHash(username)
}

func hostedOutput(out *InitiateAuthOutput, err error) (*HostedAuthOutput, error) {
	if err != nil {
		return nil, err
	}
	if out.principal != nil {
		return &HostedAuthOutput{Principal: out.principal}, nil
	}
	if out.AuthenticationResult != nil {
		// A challenge session from another kind of sign-in was answered
		// here: its tokens must not leak into the hosted flow.
		return nil, newErr(CodeNotAuthorized, msgSessionExpired)
	}
	return &HostedAuthOutput{Challenge: out}, nil
}

// HostedPrincipal re-checks the principal of a hosted-UI session cookie:
// its session must not have been signed out, and the user must still
// exist, be enabled and confirmed, and not have changed their password
// since signing in (times compared to the microsecond).
func (p *UserPool) HostedPrincipal(ctx context.Context, pr Principal) (*Principal, error) {
	ended := newErr(CodeNotAuthorized, "The session has ended.")
	if pr.Session == "" {
		return nil, ended
	}
	fam, err := p.store.GetFamily(ctx, p.cfg.ID, pr.Session)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ended
	}
	if err != nil {
		return nil, internalErr("hosted session", err)
	}
	if !fam.RevokedAt.IsZero() || fam.Subject != pr.Sub || !p.now().Before(fam.ExpiresAt) {
		return nil, ended
	}
	sub, authTime := pr.Sub, pr.AuthTime
	u, err := p.store.GetUser(ctx, p.cfg.ID, sub)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr(CodeNotAuthorized, "The session has ended.")
	}
	if err != nil {
		return nil, internalErr("hosted session", err)
	}
	if !u.Enabled || u.Status != store.StatusConfirmed || u.Password.ChangedAt.After(authTime) {
		return nil, newErr(CodeNotAuthorized, "The session has ended.")
	}
	return &Principal{Sub: u.Sub, Username: u.Username, AuthTime: authTime, Session: pr.Session}, nil
}

// hostedSessionTTL bounds a hosted-UI session on the server side; the
// hosted UI's cookie usually ends it sooner.
const hostedSessionTTL = 24 * time.Hour

// hostedSession completes a hosted-UI sign-in: PostAuthentication runs,
// and a session record (a refresh family whose token is never issued) is
// created, so sign-out and disabling end the single sign-on too. Tokens
// are minted later, when the client exchanges its code.
func (p *UserPool) hostedSession(ctx context.Context, c *appClient, u store.User) (*InitiateAuthOutput, error) {
	if err := p.postAuthentication(ctx, u, c.ID, false); err != nil {
		return nil, err
	}
	id, err := random.UUID(p.random)
	if err != nil {
		return nil, internalErr("hosted session", err)
	}
	unusable, err := random.Token(p.random, refreshTokenBytes)
	if err != nil {
		return nil, internalErr("hosted session", err)
	}
	now := p.now()
	if err := p.store.CreateFamily(ctx, store.RefreshFamily{PoolID: p.cfg.ID, ID: id, Subject: u.Sub, ClientID: c.ID,
		Scopes: []string{"hosted-session"}, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(hostedSessionTTL)},
		hashRefresh("hosted-session:"+unusable)); err != nil {
		return nil, internalErr("hosted session", err)
	}
	return &InitiateAuthOutput{principal: &Principal{Sub: u.Sub, Username: u.Username, AuthTime: now, Session: id}}, nil
}
