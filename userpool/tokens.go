package userpool

import (
	"context"
	"crypto/sha256"
	"errors"
	"slices"
	"time"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/token"
)

// ScopeAdmin is the scope of tokens from API sign-in; it lets a user call
// the self-service operations (GetUser, ChangePassword…).
const ScopeAdmin = "aws.cognito.signin.user.admin"

// refreshTokenBytes is the entropy of an opaque refresh token (256 bits).
const refreshTokenBytes = 32

// AuthenticationResult holds the tokens of a successful sign-in or
// refresh (Cognito's AuthenticationResultType).
type AuthenticationResult struct {
	AccessToken  string
	IDToken      string
	RefreshToken string // empty on refresh unless the client rotates
	ExpiresIn    int32  // access-token lifetime in seconds
	TokenType    string // "Bearer"
	// NewDeviceMetadata names the device this sign-in created, when the
	// pool tracks devices; confirm it with ConfirmDevice.
	NewDeviceMetadata *NewDeviceMetadata
}

// NewDeviceMetadata is Cognito's NewDeviceMetadataType.
type NewDeviceMetadata struct {
	DeviceKey      string
	DeviceGroupKey string
}

// startSession creates a refresh-token family for a fresh sign-in and
// issues its first tokens. It returns the family ID, so a sign-in refused
// after this point can be revoked.
func (p *UserPool) startSession(ctx context.Context, c *appClient, u store.User, scopes []string, deviceKey, source string) (*AuthenticationResult, string, error) {
	deviceKey, newDevice, err := p.trackDevice(ctx, u, deviceKey)
	if err != nil {
		return nil, "", err
	}
	res, famID, err := p.openFamily(ctx, c, u, store.RefreshFamily{Scopes: scopes, AuthTime: p.now(), DeviceKey: deviceKey}, source, "")
	if err != nil {
		return nil, "", err
	}
	res.NewDeviceMetadata = newDevice
	return res, famID, nil
}

// startSessionAt is startSession for a code exchange: the user signed in
// at authTime in the hosted UI; nonce goes into the ID token.
func (p *UserPool) startSessionAt(ctx context.Context, c *appClient, u store.User, famID string, scopes []string, authTime time.Time, nonce string) (*AuthenticationResult, error) {
	res, _, err := p.openFamily(ctx, c, u, store.RefreshFamily{ID: famID, Scopes: scopes, AuthTime: authTime}, sourceHostedAuth, nonce)
	return res, err
}

// openFamily stores a new family (from the ID, when chosen already, and
// the scopes, auth time and device of fam) and mints its first tokens.
func (p *UserPool) openFamily(ctx context.Context, c *appClient, u store.User, fam store.RefreshFamily, source, nonce string) (*AuthenticationResult, string, error) {
	now := p.now()
	v := c.validity(p.cfg.Tokens)
	if fam.ID == "" {
		id, err := random.UUID(p.random)
		if err != nil {
			return nil, "", internalErr("sign in", err)
		}
		fam.ID = id
	}
	refresh, err := random.Token(p.random, refreshTokenBytes)
	if err != nil {
		return nil, "", internalErr("sign in", err)
	}
	fam.PoolID, fam.Subject, fam.ClientID = p.cfg.ID, u.Sub, c.ID
	fam.CreatedAt, fam.ExpiresAt = now, now.Add(v.Refresh)
	res, err := p.mintTokens(ctx, c, u, fam, now, source, nonce)
	if err != nil {
		return nil, "", err
	}
	if err := p.store.CreateFamily(ctx, fam, hashRefresh(refresh)); err != nil {
		return nil, "", internalErr("store refresh token", err)
	}
	res.RefreshToken = refresh
	return res, fam.ID, nil
}

// mintTokens signs an ID and an access token for u in family fam.
// An API sign-in's ID token carries every attribute the client may read;
// an OAuth sign-in's only those its scopes allow, and no ID token without
// the openid scope.
func (p *UserPool) mintTokens(ctx context.Context, c *appClient, u store.User, fam store.RefreshFamily, now time.Time, source, nonce string) (*AuthenticationResult, error) {
	v := c.validity(p.cfg.Tokens)
	var ids [3]string
	for i := range ids {
		id, err := random.UUID(p.random)
		if err != nil {
			return nil, internalErr("mint tokens", err)
		}
		ids[i] = id
	}
	eventID, idJTI, accessJTI := ids[0], ids[1], ids[2]
	scopes := fam.Scopes
	if isAPIScopes(scopes) {
		scopes = []string{ScopeAdmin}
	}
	attrs := scopedAttributes(u.Attributes, scopes, c.readable)
	wantID := isAPIScopes(fam.Scopes) || slices.Contains(fam.Scopes, ScopeOpenID)
	groups, roles, preferred, err := p.tokenGroups(ctx, u.Sub)
	if err != nil {
		return nil, err
	}
	idc := token.IDClaims{
		Subject: u.Sub, Audience: c.ID, Username: u.Username, AuthTime: fam.AuthTime, IssuedAt: now,
		ExpiresAt: now.Add(v.ID), JTI: idJTI, OriginJTI: fam.ID, EventID: eventID, Attributes: attrs,
		Groups: groups, Roles: roles, PreferredRole: preferred, Nonce: nonce,
	}
	acc := token.AccessClaims{
		Subject: u.Sub, ClientID: c.ID, Username: u.Username, Scopes: slices.Clone(fam.Scopes), AuthTime: fam.AuthTime,
		IssuedAt: now, ExpiresAt: now.Add(v.Access), JTI: accessJTI, OriginJTI: fam.ID, EventID: eventID, DeviceKey: fam.DeviceKey,
		Groups: slices.Clone(groups),
	}
	if err := p.preTokenGeneration(ctx, source, c, u, &idc, &acc); err != nil {
		return nil, err
	}
	iss := p.tok.Load().issuer
	access, err := iss.IssueAccess(acc)
	if errors.Is(err, token.ErrLockedClaim) {
		return nil, &Error{Code: CodeInvalidLambdaResponse, Message: "PreTokenGeneration may not change that claim.", Err: err}
	}
	if err != nil {
		return nil, internalErr("sign access token", err)
	}
	var idToken string
	if wantID {
		idc.AccessToken = access // at_hash binds the two (OIDC Core §3.1.3.6)
		idToken, err = iss.IssueID(idc)
		if errors.Is(err, token.ErrLockedClaim) {
			return nil, &Error{Code: CodeInvalidLambdaResponse, Message: "PreTokenGeneration may not change that claim.", Err: err}
		}
		if err != nil {
			return nil, internalErr("sign id token", err)
		}
	}
	p.tokensIssuedFor(ctx, source)
	return &AuthenticationResult{AccessToken: access, IDToken: idToken, ExpiresIn: int32(v.Access / time.Second), TokenType: "Bearer"}, nil
}

func hashRefresh(raw string) []byte {
	h := sha256.Sum256([]byte(raw))
	return h[:]
}
