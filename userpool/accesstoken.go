package userpool

import (
	"context"
	"errors"
	"slices"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/token"
)

// authenticated is the caller of a self-service operation, proven by an
// access token.
type authenticated struct {
	user   store.User
	claims *token.AccessClaims
	client *appClient
}

// authenticate verifies an access token for Cupola's own APIs. Beyond the
// signature and expiry, it refuses tokens whose sign-in was revoked (sign
// out, RevokeToken, refresh reuse), of users who were disabled or deleted,
// and of deleted clients, which an offline verifier cannot know.
func (p *UserPool) authenticate(ctx context.Context, raw string) (*authenticated, error) {
	return p.authenticateScopes(ctx, raw, ScopeAdmin)
}

// authenticateScopes is authenticate for a token holding any of scopes.
func (p *UserPool) authenticateScopes(ctx context.Context, raw string, scopes ...string) (*authenticated, error) {
	if raw == "" {
		return nil, invalidParam("Missing required parameter AccessToken")
	}
	claims, err := p.tok.Load().verifier.VerifyAccess(ctx, raw)
	if errors.Is(err, token.ErrUnknownKey) && p.reloadKeysForUnknownKid(ctx) {
		// Another instance of the pool may have created or rotated a key
		// since this one last read them.
		claims, err = p.tok.Load().verifier.VerifyAccess(ctx, raw)
	}
	if errors.Is(err, token.ErrExpired) {
		return nil, &Error{Code: CodeNotAuthorized, Message: "Access Token has expired", Err: err}
	}
	if err != nil {
		return nil, &Error{Code: CodeNotAuthorized, Message: msgInvalidToken, Err: err}
	}
	if !slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(claims.Scopes, s) }) {
		return nil, newErr(CodeNotAuthorized, "Access Token does not have required scopes")
	}
	revoked := newErr(CodeNotAuthorized, "Access Token has been revoked")
	fam, err := p.store.GetFamily(ctx, p.cfg.ID, claims.OriginJTI)
	if errors.Is(err, store.ErrNotFound) {
		return nil, revoked
	}
	if err != nil {
		return nil, internalErr("check access token", err)
	}
	if !fam.RevokedAt.IsZero() || fam.Subject != claims.Subject || fam.ClientID != claims.ClientID {
		return nil, revoked
	}
	u, err := p.store.GetUser(ctx, p.cfg.ID, claims.Subject)
	if errors.Is(err, store.ErrNotFound) {
		return nil, revoked
	}
	if err != nil {
		return nil, internalErr("check access token", err)
	}
	noteUser(ctx, u)
	if !u.Enabled {
		return nil, newErr(CodeNotAuthorized, msgDisabled)
	}
	c, err := p.client(ctx, claims.ClientID)
	if err != nil || fam.CreatedAt.Before(c.CreatedAt) { // a deleted client created again stays deleted for its tokens
		return nil, revoked
	}
	return &authenticated{user: u, claims: claims, client: c}, nil
}
