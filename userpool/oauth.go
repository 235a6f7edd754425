package userpool

import (
	"context"
	"errors"
	"net"
	"net/url"
	"slices"
	"strings"
)

// OAuthServer is the pool's OAuth 2.0 and OpenID Connect authorization
// server: authorize-request validation, the hosted sign-in that ends in a
// Principal instead of tokens, authorization codes with PKCE, the token
// endpoint's grants and userInfo. hostedui builds its pages and endpoints
// on it; another browser front end (a custom login page, a mobile app's
// backend-for-frontend) can too. It holds no state of its own: get it with
// UserPool.OAuth.
//
// Its methods act for whichever user signs in at the front end. The
// front end must keep what they return (principals, secret hashes) on the
// server side or sealed in cookies; never hand them to an end user's code.
type OAuthServer struct {
	p *UserPool
}

// OAuth returns the pool's OAuth 2.0 / OpenID Connect surface, for
// hostedui and other front ends.
func (p *UserPool) OAuth() *OAuthServer { return &OAuthServer{p: p} }

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
	// IdpIdentifier routes to the identity provider that holds it (an
	// email address routes by its domain).
	IdpIdentifier string
	// Prompt and MaxAge are OIDC's; the hosted UI uses them to decide
	// whether the user must sign in again.
	Prompt string
	MaxAge *int
}

// Authorization is a validated authorize request: what its code carries.
type Authorization struct {
	ClientID, RedirectURI, State, Nonce, CodeChallenge string
	Scopes                                             []string
	// IdentityProvider and IdpIdentifier, when set, skip the login page
	// for a sign-in at that provider.
	IdentityProvider, IdpIdentifier string
}

// ValidateAuthorizeRequest checks an authorize request. The client and the
// redirect URI come first: an unknown client, or a redirect URI not
// registered exactly (only a loopback port may vary), is an *OAuthError
// whose Redirect is false. Then: response_type code, the client allowing
// the code flow, scopes the client allows (email, phone and profile need
// openid), PKCE with S256 only, and a challenge from every public client.
func (o *OAuthServer) ValidateAuthorizeRequest(ctx context.Context, in AuthorizeRequest) (*Authorization, error) {
	p := o.p
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
	if in.IdentityProvider != "" && !c.supportsProvider(in.IdentityProvider) {
		return nil, oauthErr("invalid_request", "the client does not support that identity_provider", 400)
	}
	if len(in.IdpIdentifier) > 320 {
		return nil, oauthErr("invalid_request", "idp_identifier is too long", 400)
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
	case in.CodeChallenge == "" && (len(c.Secret) == 0 || !c.Settings.CodeWithoutPKCE):
		return nil, oauthErr("invalid_request", "PKCE (code_challenge with S256) is required", 400)
	}
	if len(in.State) > 2048 || len(in.Nonce) > 2048 {
		return nil, oauthErr("invalid_request", "state or nonce is too long", 400)
	}
	return &Authorization{ClientID: c.ID, RedirectURI: in.RedirectURI, State: in.State, Nonce: in.Nonce,
		CodeChallenge: in.CodeChallenge, Scopes: scopes, IdentityProvider: in.IdentityProvider, IdpIdentifier: in.IdpIdentifier}, nil
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
// only for a registered loopback IP literal (http://127.0.0.1, [::1]) may
// the port differ, as RFC 8252 §7.3 asks. "localhost" gets no such freedom
// (RFC 8252 §8.3): the name may resolve elsewhere.
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
