package userpool

import (
	"context"
	"crypto/hmac"
	"errors"
	"strings"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/store"
)

// maxRefreshTokenLen bounds what is hashed and looked up.
const maxRefreshTokenLen = 512

// refreshAuth is InitiateAuth's REFRESH_TOKEN_AUTH.
func (p *UserPool) refreshAuth(ctx context.Context, req *signInRequest) (*InitiateAuthOutput, error) {
	c := req.client
	if !c.allows(AllowRefreshTokenAuth) {
		return nil, invalidParam("REFRESH_TOKEN_AUTH flow not enabled for this client")
	}
	res, _, err := p.refresh(ctx, c, req.refreshToken, func(u store.User) error {
		return c.checkSecretHash(u.Username, req.secretHash)
	})
	if err != nil {
		return nil, err
	}
	return &InitiateAuthOutput{AuthenticationResult: res}, nil
}

// GetTokensFromRefreshTokenInput is GetTokensFromRefreshToken's request.
type GetTokensFromRefreshTokenInput struct {
	RefreshToken   string
	ClientID       string
	ClientSecret   string
	ClientMetadata map[string]string
}

// GetTokensFromRefreshTokenOutput is GetTokensFromRefreshToken's answer.
type GetTokensFromRefreshTokenOutput struct {
	*AuthenticationResult
}

// GetTokensFromRefreshToken issues new tokens for a refresh token. When
// the client rotates refresh tokens the answer carries a new one and the
// presented one is spent: presenting it again (after the client's retry
// grace period) revokes the whole family, as RFC 9700 §4.14 asks.
func (p *UserPool) GetTokensFromRefreshToken(ctx context.Context, in GetTokensFromRefreshTokenInput) (_ *GetTokensFromRefreshTokenOutput, err error) {
	ctx, ob := p.begin(ctx, "GetTokensFromRefreshToken", AuditSignIn)
	defer func() { ob.finish(ctx, err) }()
	ob.flow = string(FlowRefreshTokenAuth)
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	if !c.allows(AllowRefreshTokenAuth) {
		return nil, invalidParam("REFRESH_TOKEN_AUTH flow not enabled for this client")
	}
	if err := c.checkClientSecret(in.ClientSecret); err != nil {
		return nil, err
	}
	v, _, err := p.refresh(ctx, c, in.RefreshToken, func(store.User) error { return nil })
	return done(&GetTokensFromRefreshTokenOutput{AuthenticationResult: v}, err)
}

// refresh validates a refresh token for client c and mints new tokens,
// rotating when the client asks for it. checkUser runs before anything is
// written.
func (p *UserPool) refresh(ctx context.Context, c *appClient, raw string, checkUser func(store.User) error) (*AuthenticationResult, []string, error) {
	if raw == "" {
		return nil, nil, invalidParam("Missing required parameter REFRESH_TOKEN")
	}
	invalid := newErr(CodeNotAuthorized, msgInvalidRefresh)
	if len(raw) > maxRefreshTokenLen {
		return nil, nil, invalid
	}
	presented := hashRefresh(raw)
	now := p.now()
	fam, current, err := p.store.FamilyByToken(ctx, p.cfg.ID, presented)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, invalid
	}
	if err != nil {
		return nil, nil, internalErr("refresh", err)
	}
	if fam.ClientID != c.ID || !fam.RevokedAt.IsZero() || !now.Before(fam.ExpiresAt) || fam.CreatedAt.Before(c.CreatedAt) {
		return nil, nil, invalid
	}
	if !current && !c.rotatesRefreshTokens() {
		return nil, nil, invalid
	}
	u, err := p.store.GetUser(ctx, p.cfg.ID, fam.Subject)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, invalid
	}
	if err != nil {
		return nil, nil, internalErr("refresh", err)
	}
	noteUser(ctx, u)
	if !u.Enabled {
		return nil, nil, newErr(CodeNotAuthorized, msgDisabled)
	}
	if !signedInStatus(u.Status) {
		return nil, nil, invalid
	}
	if err := checkUser(u); err != nil {
		return nil, nil, err
	}
	var next string
	if c.rotatesRefreshTokens() {
		next, err = random.Token(p.random, refreshTokenBytes)
		if err != nil {
			return nil, nil, internalErr("refresh", err)
		}
		famID := fam.ID
		fam, err = p.store.RotateRefresh(ctx, p.cfg.ID, presented, hashRefresh(next), now, c.Settings.RotationGracePeriod)
		switch {
		case errors.Is(err, store.ErrTokenReuse):
			p.log.WarnContext(ctx, "refresh token reuse: family revoked", "sub", u.Sub, "family", famID)
			p.obs.add(ctx, p.obs.refreshReuse)
			return nil, nil, newErr(CodeRefreshTokenReuse, "Refresh token has been used before; all tokens of this sign-in are revoked.")
		case errors.Is(err, store.ErrRevoked), errors.Is(err, store.ErrNotFound):
			return nil, nil, invalid
		case err != nil:
			return nil, nil, internalErr("rotate refresh token", err)
		}
	}
	res, err := p.mintTokens(ctx, c, u, fam, now, sourceRefreshTokens, "")
	if err != nil {
		return nil, nil, err
	}
	res.RefreshToken = next
	return res, fam.Scopes, nil
}

// RevokeTokenInput is RevokeToken's request.
type RevokeTokenInput struct {
	Token        string
	ClientID     string
	ClientSecret string
}

// RevokeTokenOutput is RevokeToken's answer; it carries nothing.
type RevokeTokenOutput struct{}

// RevokeToken revokes a refresh token and every access and ID token issued
// from its sign-in (for Cupola's own APIs; offline verifiers accept them
// until they expire). An unknown or already revoked token succeeds, as
// RFC 7009 asks; a store failure is an error, never a false success.
func (p *UserPool) RevokeToken(ctx context.Context, in RevokeTokenInput) (_ *RevokeTokenOutput, err error) {
	ctx, ob := p.begin(ctx, "RevokeToken", AuditTokenRevoked)
	defer func() { ob.finish(ctx, err) }()
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	if err := c.checkClientSecret(in.ClientSecret); err != nil {
		return nil, err
	}
	if !c.Settings.EnableTokenRevocation {
		return nil, newErr(CodeUnsupportedOperation, "Token revocation is not enabled for this client.")
	}
	if in.Token == "" {
		return nil, invalidParam("Missing required parameter Token")
	}
	if strings.Count(in.Token, ".") == 2 {
		return nil, newErr(CodeUnsupportedTokenType, "Only refresh tokens can be revoked.")
	}
	if len(in.Token) > maxRefreshTokenLen {
		return &RevokeTokenOutput{}, nil
	}
	fam, _, err := p.store.FamilyByToken(ctx, p.cfg.ID, hashRefresh(in.Token))
	if errors.Is(err, store.ErrNotFound) {
		return &RevokeTokenOutput{}, nil
	}
	if err != nil {
		return nil, internalErr("revoke token", err)
	}
	if fam.ClientID != c.ID {
		return nil, newErr(CodeUnauthorizedClient, "The token was not issued to this client.")
	}
	if err := p.store.RevokeFamily(ctx, p.cfg.ID, fam.ID, p.now()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internalErr("revoke token", err)
	}
	return &RevokeTokenOutput{}, nil
}

// checkClientSecret compares a client secret given in clear (RevokeToken,
// GetTokensFromRefreshToken) in constant time.
func (c *appClient) checkClientSecret(given string) error {
	if len(c.Secret) == 0 {
		return nil
	}
	secret, err := c.pool.clientSeal.Open(c.Secret, []byte(c.ID))
	if err != nil {
		return internalErr("open client secret", err)
	}
	if !hmac.Equal(secret, []byte(given)) {
		return newErr(CodeNotAuthorized, "Client secret is invalid for client "+c.ID)
	}
	return nil
}
