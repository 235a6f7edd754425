package userpool

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/token"
)

// authorizationCodeValidity bounds an authorization code (RFC 9700 asks
// for a short life; Cognito's hosted UI uses 5 minutes).
const authorizationCodeValidity = 5 * time.Minute

// codeGrant is what an authorization code remembers.
type codeGrant struct {
	RedirectURI   string    `json:"r"`
	Scopes        []string  `json:"s"`
	Nonce         string    `json:"n,omitempty"`
	CodeChallenge string    `json:"c,omitempty"`
	AuthTime      time.Time `json:"t"`
}

// CreateAuthorizationCode issues a single-use code, valid 5 minutes, for
// the principal and the validated authorization.
func (o *OAuthServer) CreateAuthorizationCode(ctx context.Context, a *Authorization, pr *Principal) (string, error) {
	p := o.p
	code, err := random.Token(p.random, 32)
	if err != nil {
		return "", internalErr("authorization code", err)
	}
	data, err := json.Marshal(codeGrant{RedirectURI: a.RedirectURI, Scopes: a.Scopes, Nonce: a.Nonce, CodeChallenge: a.CodeChallenge, AuthTime: pr.AuthTime})
	if err != nil {
		return "", internalErr("authorization code", err)
	}
	now := p.now()
	if err := p.store.PutAuthSession(ctx, store.AuthSession{PoolID: p.cfg.ID, ID: "code:" + sessionID(code), Subject: pr.Sub,
		ClientID: a.ClientID, Challenge: "AUTHORIZATION_CODE", Data: data, ExpiresAt: now.Add(authorizationCodeValidity), CreatedAt: now}); err != nil {
		return "", internalErr("authorization code", err)
	}
	return code, nil
}

// TokenRequest is an /oauth2/token request.
type TokenRequest struct {
	GrantType, Code, RedirectURI, CodeVerifier, RefreshToken, Scope string
	// ClientID and ClientSecret as the client authenticated (Basic or the
	// form body); the hosted UI refuses conflicting pairs before.
	ClientID, ClientSecret string
}

// TokenResponse is the token endpoint's answer.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	// Scope lists the granted scopes when they may differ from the request.
	Scope string `json:"scope,omitempty"`
}

// Token is the /oauth2/token endpoint's logic: the authorization_code,
// refresh_token and client_credentials grants. Errors are *OAuthError.
func (o *OAuthServer) Token(ctx context.Context, in TokenRequest) (_ *TokenResponse, err error) {
	event := AuditSignIn
	if in.GrantType == "authorization_code" {
		// The sign-in was the hosted UI's, recorded (and counted in
		// cupola.signins) then; the exchange only issues its tokens.
		event = AuditTokenIssued
	}
	ctx, ob := o.p.begin(ctx, "OAuth.Token", event)
	defer func() { ob.finish(ctx, err) }()
	ob.flow = grantFlow(in.GrantType)
	p := o.p
	c, oerr := p.tokenClient(ctx, in.ClientID, in.ClientSecret)
	if oerr != nil {
		return nil, oerr
	}
	switch in.GrantType {
	case "authorization_code":
		return p.exchangeCode(ctx, c, in)
	case "refresh_token":
		if !slices.Contains(c.Settings.AllowedOAuthFlows, OAuthFlowCode) {
			return nil, oauthErr("unauthorized_client", "the client may not use this grant", 400)
		}
		res, scopes, err := p.refresh(ctx, c, in.RefreshToken, func(store.User) error { return nil })
		if err != nil {
			return nil, asOAuth(err, "invalid_grant")
		}
		out := tokenResponse(res)
		out.Scope = strings.Join(scopes, " ") // RFC 6749 §5.1: the scope the tokens carry
		return out, nil
	case "client_credentials":
		return p.clientCredentials(ctx, c, in.Scope)
	case "":
		return nil, oauthErr("invalid_request", "grant_type is required", 400)
	default:
		return nil, oauthErr("unsupported_grant_type", "unsupported grant_type", 400)
	}
}

// tokenClient authenticates the client at the token endpoint.
func (p *UserPool) tokenClient(ctx context.Context, id, secret string) (*appClient, *OAuthError) {
	bad := &OAuthError{Code: "invalid_client", Description: "client authentication failed", Status: 401}
	if id == "" || len(id) > 128 || len(secret) > 512 {
		return nil, bad
	}
	c, err := p.client(ctx, id)
	if err != nil {
		if errors.Is(err, ErrResourceNotFound) || errors.Is(err, ErrInvalidParameter) {
			return nil, bad
		}
		return nil, &OAuthError{Code: "server_error", Description: "temporarily unavailable", Status: 503, Err: err}
	}
	if len(c.Secret) == 0 {
		if secret != "" {
			return nil, bad
		}
		return c, nil
	}
	if secret == "" || c.checkClientSecret(secret) != nil {
		return nil, bad
	}
	return c, nil
}

// exchangeCode redeems an authorization code. A code is good once: a
// second use is refused and revokes the tokens of the first (RFC 9700
// §4.2.4; OpenID conformance oidcc-codereuse).
func (p *UserPool) exchangeCode(ctx context.Context, c *appClient, in TokenRequest) (*TokenResponse, error) {
	grant := oauthErr("invalid_grant", "the authorization code is invalid, expired or used", 400)
	if in.Code == "" || len(in.Code) > 256 {
		return nil, grant
	}
	id := sessionID(in.Code)
	now := p.now()
	// The code is spent and its reuse guard left in its place in one
	// write. The guard names the sign-in's token family before its tokens
	// exist, so no token is ever issued that a second use of the code
	// could not revoke (revokeReusedCode); it carries no subject, as it
	// names nothing of the user's but that family and lapses in an hour.
	// Only the client the code was issued to can spend it: presented by
	// another client it stays as it is. The tokens' family, a durable
	// write, follows before any token is answered, so spending the code
	// needs no flush of its own (store.DeferSync).
	famID, err := random.UUID(p.random)
	if err != nil {
		return nil, asOAuth(internalErr("authorization code", err), "server_error")
	}
	guard := store.AuthSession{PoolID: p.cfg.ID, ID: "used:" + id, ClientID: c.ID,
		Challenge: "USED_AUTHORIZATION_CODE", Data: []byte(famID), ExpiresAt: now.Add(time.Hour), CreatedAt: now}
	s, err := p.store.RedeemAuthSession(store.DeferSync(ctx), p.cfg.ID, "code:"+id, c.ID, now, guard)
	if errors.Is(err, store.ErrNotFound) {
		if rerr := p.revokeReusedCode(ctx, c, id, now); rerr != nil {
			return nil, &OAuthError{Code: "server_error", Description: "temporarily unavailable", Status: 503, Err: rerr}
		}
		return nil, grant
	}
	if err != nil {
		return nil, &OAuthError{Code: "server_error", Description: "temporarily unavailable", Status: 503, Err: err}
	}
	// A store failure after the code was spent must not lose it: the
	// client is told to retry (503), and the code is put back as it was
	// in place of its guard, in one write.
	unavailable := func(cause error) (*TokenResponse, error) {
		if _, err := p.store.RedeemAuthSession(context.WithoutCancel(ctx), p.cfg.ID, guard.ID, c.ID, now, s); err != nil {
			p.log.ErrorContext(ctx, "authorization code not restored", "err", err)
		}
		return nil, &OAuthError{Code: "server_error", Description: "temporarily unavailable", Status: 503, Err: cause}
	}
	var g codeGrant
	if s.Challenge != "AUTHORIZATION_CODE" || json.Unmarshal(s.Data, &g) != nil || in.RedirectURI != g.RedirectURI {
		return nil, grant
	}
	switch {
	case g.CodeChallenge == "" && in.CodeVerifier != "":
		return nil, oauthErr("invalid_grant", "code_verifier given but no code_challenge was sent", 400)
	case g.CodeChallenge != "":
		sum := sha256.Sum256([]byte(in.CodeVerifier))
		want := base64.RawURLEncoding.EncodeToString(sum[:])
		if !validPKCE(in.CodeVerifier) || subtle.ConstantTimeCompare([]byte(want), []byte(g.CodeChallenge)) != 1 {
			return nil, oauthErr("invalid_grant", "PKCE verification failed", 400)
		}
	}
	u, err := p.store.GetUser(ctx, p.cfg.ID, s.Subject)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return unavailable(err)
	}
	if err == nil {
		noteUser(ctx, u)
	}
	if err != nil || !u.Enabled || !signedInStatus(u.Status) {
		return nil, grant
	}
	res, err := p.startSessionAt(ctx, c, u, famID, g.Scopes, g.AuthTime, g.Nonce)
	if exists := (*store.ExistsError)(nil); errors.As(err, &exists) && exists.Key == "id" {
		return nil, grant // the code was presented again meanwhile, which took the family's ID
	}
	if err != nil {
		oe := asOAuth(err, "invalid_grant")
		if oe.Status == 503 {
			return unavailable(err)
		}
		return nil, oe
	}
	out := tokenResponse(res)
	out.Scope = strings.Join(g.Scopes, " ")
	return out, nil
}

// revokeReusedCode ends the sign-in of an authorization code presented
// again (RFC 9700 §4.2.4): the family its first exchange named in the
// code's reuse guard is revoked. When that exchange has not stored the
// family yet — it is still running, or it failed — a family revoked from
// the start takes the ID, so the exchange cannot store one and issues no
// token. Nothing is done for a code without a guard (unknown, lapsed, or
// already handled). An error is a store failure.
func (p *UserPool) revokeReusedCode(ctx context.Context, c *appClient, id string, now time.Time) error {
	used, err := p.store.ConsumeAuthSession(ctx, p.cfg.ID, "used:"+id, c.ID, now)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	famID := string(used.Data)
	for range 2 {
		err = p.store.RevokeFamily(ctx, p.cfg.ID, famID, now)
		if !errors.Is(err, store.ErrNotFound) {
			break
		}
		var blocker string
		if blocker, err = random.Token(p.random, refreshTokenBytes); err != nil {
			return err
		}
		err = p.store.CreateFamily(ctx, store.RefreshFamily{PoolID: p.cfg.ID, ID: famID, ClientID: c.ID,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour), RevokedAt: now}, hashRefresh(blocker))
		if exists := (*store.ExistsError)(nil); !errors.As(err, &exists) || exists.Key != "id" {
			break
		}
		// The first exchange stored its family meanwhile: revoke that.
	}
	if err == nil {
		p.log.WarnContext(ctx, "authorization code presented again: the sign-in it began is revoked", "client", c.ID)
	}
	return err
}

// clientCredentials issues a machine access token: sub and client_id are
// the client, the scopes are resource-server scopes, no ID or refresh
// token.
func (p *UserPool) clientCredentials(ctx context.Context, c *appClient, scope string) (*TokenResponse, error) {
	if len(c.Secret) == 0 || !slices.Contains(c.Settings.AllowedOAuthFlows, OAuthFlowClientCredentials) {
		return nil, oauthErr("unauthorized_client", "the client may not use client_credentials", 400)
	}
	scopes, oerr := p.grantScopes(c, scope, true)
	if oerr != nil {
		return nil, oerr
	}
	jti, err := random.UUID(p.random)
	if err != nil {
		return nil, asOAuth(internalErr("client credentials", err), "server_error")
	}
	now := p.now()
	v := c.validity(p.cfg.Tokens)
	access, err := p.tok.Load().issuer.IssueAccess(token.AccessClaims{Subject: c.ID, ClientID: c.ID, Scopes: scopes,
		AuthTime: now, IssuedAt: now, ExpiresAt: now.Add(v.Access), JTI: jti, EventID: jti})
	if err != nil {
		return nil, asOAuth(internalErr("client credentials", err), "server_error")
	}
	p.obs.add(ctx, p.obs.tokensIssued, attribute.String("grant", "client_credentials"))
	return &TokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(v.Access / time.Second), Scope: strings.Join(scopes, " ")}, nil
}

func tokenResponse(r *AuthenticationResult) *TokenResponse {
	return &TokenResponse{AccessToken: r.AccessToken, IDToken: r.IDToken, RefreshToken: r.RefreshToken, TokenType: "Bearer", ExpiresIn: int(r.ExpiresIn)}
}

// asOAuth maps a pool error to an OAuth error: refusals become code (for
// example invalid_grant), internal failures server_error.
func asOAuth(err error, code string) *OAuthError {
	var pe *Error
	if errors.As(err, &pe) {
		switch pe.Code {
		case CodeInternalError, CodeTooManyRequests:
			return &OAuthError{Code: "server_error", Description: "temporarily unavailable", Status: 503, Err: err}
		case CodeInvalidLambdaResponse, CodeUserLambdaValidation, CodeUnexpectedLambda:
			return &OAuthError{Code: "invalid_request", Description: pe.Message, Status: 400, Err: err}
		}
		return &OAuthError{Code: code, Description: pe.Message, Status: 400, Err: err}
	}
	return &OAuthError{Code: "server_error", Description: "temporarily unavailable", Status: 503, Err: err}
}

// UserInfo answers /oauth2/userInfo: sub, username and the attributes the
// access token's scopes allow, for a token with the openid (or the admin)
// scope whose sign-in is still live.
func (o *OAuthServer) UserInfo(ctx context.Context, accessToken string) (map[string]any, error) {
	p := o.p
	a, err := p.authenticateScopes(ctx, accessToken, ScopeOpenID, ScopeAdmin)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"sub": a.user.Sub, "username": a.user.Username}
	for k, v := range scopedAttributes(a.user.Attributes, a.claims.Scopes, a.client.readable) {
		if k == "email_verified" || k == "phone_number_verified" {
			out[k] = v == "true"
			continue
		}
		out[k] = v
	}
	return out, nil
}

// isAPIScopes reports the scopes of an API sign-in (InitiateAuth), whose
// ID tokens carry every readable attribute.
func isAPIScopes(scopes []string) bool {
	return len(scopes) == 1 && scopes[0] == ScopeAdmin
}

// scopedAttributes filters attributes by OAuth scopes: email and phone
// scopes give those attributes and their verified flags, profile the rest,
// the admin scope everything the client may read.
func scopedAttributes(attrs map[string]string, scopes []string, readable func(string) bool) map[string]string {
	all := slices.Contains(scopes, ScopeAdmin)
	out := map[string]string{}
	for k, v := range attrs {
		if !readable(k) {
			continue
		}
		switch {
		case all:
		case k == "email" || k == "email_verified":
			if !slices.Contains(scopes, ScopeEmail) {
				continue
			}
		case k == "phone_number" || k == "phone_number_verified":
			if !slices.Contains(scopes, ScopePhone) {
				continue
			}
		case !slices.Contains(scopes, ScopeProfile):
			continue
		}
		out[k] = v
	}
	return out
}
