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
// issues its first tokens.
// It returns the family ID, so a sign-in refused after this point can be
// revoked.
func (p *UserPool) startSession(ctx context.Context, c *appClient, u store.User, scopes []string, deviceKey, source string) (*AuthenticationResult, string, error) {
	now := p.now()
	deviceKey, newDevice, err := p.trackDevice(ctx, u, deviceKey)
	if err != nil {
		return nil, "", err
	}
	v := c.validity(p.cfg.Tokens)
	famID, err := random.UUID(p.random)
	if err != nil {
		return nil, "", internalErr("sign in", err)
	}
	refresh, err := random.Token(p.random, refreshTokenBytes)
	if err != nil {
		return nil, "", internalErr("sign in", err)
	}
	fam := store.RefreshFamily{PoolID: p.cfg.ID, ID: famID, Subject: u.Sub, ClientID: c.ID, Scopes: scopes,
		AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(v.Refresh), DeviceKey: deviceKey}
	res, err := p.mintTokens(ctx, c, u, fam, now, source)
	if err != nil {
		return nil, "", err
	}
	if err := p.store.CreateFamily(ctx, fam, hashRefresh(refresh)); err != nil {
		return nil, "", internalErr("store refresh token", err)
	}
	res.RefreshToken = refresh
	res.NewDeviceMetadata = newDevice
	return res, fam.ID, nil
}

// mintTokens signs an ID and an access token for u in family fam.
func (p *UserPool) mintTokens(ctx context.Context, c *appClient, u store.User, fam store.RefreshFamily, now time.Time, source string) (*AuthenticationResult, error) {
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
	attrs := make(map[string]string, len(u.Attributes))
	for k, val := range u.Attributes {
		if c.readable(k) {
			attrs[k] = val
		}
	}
	groups, roles, preferred, err := p.tokenGroups(ctx, u.Sub)
	if err != nil {
		return nil, err
	}
	idc := token.IDClaims{
		Subject: u.Sub, Audience: c.ID, Username: u.Username, AuthTime: fam.AuthTime, IssuedAt: now,
		ExpiresAt: now.Add(v.ID), JTI: idJTI, OriginJTI: fam.ID, EventID: eventID, Attributes: attrs,
		Groups: groups, Roles: roles, PreferredRole: preferred,
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
	idToken, err := iss.IssueID(idc)
	if errors.Is(err, token.ErrLockedClaim) {
		return nil, &Error{Code: CodeInvalidLambdaResponse, Message: "PreTokenGeneration may not change that claim.", Err: err}
	}
	if err != nil {
		return nil, internalErr("sign id token", err)
	}
	access, err := iss.IssueAccess(acc)
	if errors.Is(err, token.ErrLockedClaim) {
		return nil, &Error{Code: CodeInvalidLambdaResponse, Message: "PreTokenGeneration may not change that claim.", Err: err}
	}
	if err != nil {
		return nil, internalErr("sign access token", err)
	}
	return &AuthenticationResult{AccessToken: access, IDToken: idToken, ExpiresIn: int32(v.Access / time.Second), TokenType: "Bearer"}, nil
}

func hashRefresh(raw string) []byte {
	h := sha256.Sum256([]byte(raw))
	return h[:]
}
