package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/store"
)

// Explicit auth flows a client may allow (cognito.md §2).
const (
	AllowUserPasswordAuth      = "ALLOW_USER_PASSWORD_AUTH"
	AllowAdminUserPasswordAuth = "ALLOW_ADMIN_USER_PASSWORD_AUTH"
	AllowUserSRPAuth           = "ALLOW_USER_SRP_AUTH"
	AllowCustomAuth            = "ALLOW_CUSTOM_AUTH"
	AllowRefreshTokenAuth      = "ALLOW_REFRESH_TOKEN_AUTH"
	AllowUserAuth              = "ALLOW_USER_AUTH"
)

var knownFlows = []string{AllowUserPasswordAuth, AllowAdminUserPasswordAuth, AllowUserSRPAuth, AllowCustomAuth, AllowRefreshTokenAuth, AllowUserAuth}

// ClientConfig describes an app client (CreateUserPoolClient's input).
// Zero values are Cognito's defaults for a new client.
type ClientConfig struct {
	// ClientID is generated when empty (26 characters, as Cognito's).
	ClientID   string
	ClientName string
	// GenerateSecret gives the client a secret; callers then send
	// SECRET_HASH with username-bearing requests.
	GenerateSecret bool
	// ExplicitAuthFlows as ALLOW_* values; empty means Cognito's default
	// (ALLOW_USER_SRP_AUTH, ALLOW_CUSTOM_AUTH, ALLOW_REFRESH_TOKEN_AUTH).
	ExplicitAuthFlows []string
	// ReadAttributes and WriteAttributes limit what the client sees and
	// changes; empty means all.
	ReadAttributes, WriteAttributes []string
	// Token lifetimes; zero means the pool's.
	AccessTokenValidity, IDTokenValidity, RefreshTokenValidity time.Duration
	// AuthSessionValidity for challenge sessions, 3–15 min; zero means 3.
	AuthSessionValidity time.Duration
	// PreventUserExistenceErrors is "ENABLED" (the default) or "LEGACY".
	PreventUserExistenceErrors string
	// DisableTokenRevocation turns off RevokeToken (on by default, as in
	// Cognito). Revocation by sign-out and disabling always applies.
	DisableTokenRevocation bool
	// RefreshTokenRotation issues a new refresh token on every refresh and
	// revokes the whole family when a rotated one is used again, except
	// within RetryGracePeriod (0–60 s). Clients without a secret (public
	// clients: apps in a browser or on a phone) always rotate, as RFC 9700
	// §4.14.2 requires; the setting matters for confidential clients.
	RefreshTokenRotation bool
	RetryGracePeriod     time.Duration
	// OAuth settings used by the hosted UI.
	CallbackURLs, LogoutURLs, AllowedOAuthFlows, AllowedOAuthScopes []string
	// CodeWithoutPKCE lets a confidential client (one with a secret) use
	// the authorization code flow without PKCE, for server-side apps that
	// cannot send a code_challenge. PKCE is required of every other client
	// (RFC 9700 §2.1.1); public clients can never opt out.
	CodeWithoutPKCE bool
	// SupportedIdentityProviders are the sign-ins the hosted UI offers:
	// "COGNITO" (the pool's own users) and identity provider names. Empty
	// means COGNITO only.
	SupportedIdentityProviders []string
}

// ClientDescription is an app client as stored. ClientSecret is set only
// in CreateUserPoolClient's answer: the secret is shown once.
type ClientDescription struct {
	ClientConfig
	ClientSecret     string
	CreationDate     time.Time
	LastModifiedDate time.Time
}

// CreateUserPoolClientInput is CreateUserPoolClient's request: the new
// client's settings.
type CreateUserPoolClientInput = ClientConfig

// CreateUserPoolClientOutput is CreateUserPoolClient's answer: the client,
// with its secret shown this once.
type CreateUserPoolClientOutput struct {
	*ClientDescription
}

var clientIDPattern = regexp.MustCompile(`^[\w+]{1,128}$`)

// CreateUserPoolClient registers an app client. The secret, when asked
// for, is returned once and stored encrypted under the pool secret
// (SECRET_HASH needs the secret itself, so a one-way hash cannot work).
//
// Every name in SupportedIdentityProviders must be COGNITO or an identity
// provider of the pool, as in Cognito.
func (p *UserPool) CreateUserPoolClient(ctx context.Context, in CreateUserPoolClientInput) (out *CreateUserPoolClientOutput, err error) {
	ctx, ob := p.begin(ctx, "CreateUserPoolClient", AuditAdminAction)
	defer func() {
		if out != nil && out.ClientDescription != nil {
			ob.client(out.ClientID) // the new client's ID (never its secret)
		}
		ob.finish(ctx, err)
	}()
	if err := p.checkSupportedProviders(ctx, in.SupportedIdentityProviders); err != nil {
		return nil, err
	}
	return p.createClient(ctx, in)
}

// createClient is CreateUserPoolClient without the check that the named
// identity providers exist: clients declared in Config are created at New,
// before any provider can be.
func (p *UserPool) createClient(ctx context.Context, in CreateUserPoolClientInput) (*CreateUserPoolClientOutput, error) {
	if err := checkClientConfig(&in); err != nil {
		return nil, err
	}
	if in.ClientID == "" {
		id, err := randomClientID(p)
		if err != nil {
			return nil, internalErr("create client", err)
		}
		in.ClientID = id
	}
	now := p.now()
	rec := store.Client{PoolID: p.cfg.ID, ID: in.ClientID, Name: in.ClientName, Settings: clientSettings(in), CreatedAt: now, UpdatedAt: now}
	var secret string
	if in.GenerateSecret {
		s, err := random.Token(p.random, 32)
		if err != nil {
			return nil, internalErr("create client", err)
		}
		secret = s
		rec.Secret, err = p.clientSeal.Seal(p.random, []byte(s), []byte(in.ClientID))
		if err != nil {
			return nil, internalErr("create client", err)
		}
	}
	created, err := p.store.CreateClient(ctx, rec)
	if errors.Is(err, store.ErrExists) {
		return nil, invalidParam("client ID already exists")
	}
	if err != nil {
		return nil, internalErr("create client", err)
	}
	d := describeClient(created)
	d.ClientSecret = secret
	return &CreateUserPoolClientOutput{ClientDescription: d}, nil
}

// DescribeUserPoolClientInput is DescribeUserPoolClient's request.
type DescribeUserPoolClientInput struct {
	ClientID string
}

// DescribeUserPoolClientOutput is DescribeUserPoolClient's answer.
type DescribeUserPoolClientOutput struct {
	*ClientDescription
}

// DescribeUserPoolClient returns a client's settings (never its secret).
func (p *UserPool) DescribeUserPoolClient(ctx context.Context, in DescribeUserPoolClientInput) (*DescribeUserPoolClientOutput, error) {
	clientID := in.ClientID
	c, err := p.store.GetClient(ctx, p.cfg.ID, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr(CodeResourceNotFound, "User pool client "+sanitize(clientID)+" does not exist.")
	}
	if err != nil {
		return nil, internalErr("describe client", err)
	}
	return &DescribeUserPoolClientOutput{ClientDescription: describeClient(c)}, nil
}

// ensureClient creates a configured client unless one with its ID exists.
func (p *UserPool) ensureClient(ctx context.Context, c ClientConfig) error {
	if c.ClientID == "" {
		return fmt.Errorf("userpool: config: Clients: ClientID is required for clients declared in Config")
	}
	if c.GenerateSecret {
		return fmt.Errorf("userpool: config: Clients: %s: a secret is shown once, so create clients with secrets through CreateUserPoolClient", c.ClientID)
	}
	_, err := p.store.GetClient(ctx, p.cfg.ID, c.ClientID)
	if err == nil {
		return nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("userpool: load client %s: %w", c.ClientID, err)
	}
	if _, err := p.createClient(ctx, c); err != nil && !errors.Is(err, ErrInvalidParameter) {
		return fmt.Errorf("userpool: create client %s: %w", c.ClientID, err)
	} else if err != nil {
		// Another instance may have created it between our read and write.
		if _, gerr := p.store.GetClient(ctx, p.cfg.ID, c.ClientID); gerr != nil {
			return fmt.Errorf("userpool: create client %s: %w", c.ClientID, err)
		}
	}
	return nil
}

func checkClientConfig(in *ClientConfig) error {
	if in.ClientID != "" && !clientIDPattern.MatchString(in.ClientID) {
		return invalidParam("ClientId must be 1-128 word characters")
	}
	if len(in.ClientName) > 128 {
		return invalidParam("ClientName is longer than 128 characters")
	}
	if !utf8.ValidString(in.ClientName) {
		return invalidParam("ClientName is not valid UTF-8")
	}
	for _, a := range slices.Concat(in.ReadAttributes, in.WriteAttributes) {
		if !standardAttributes[a] && !customNamePattern.MatchString(a) && a != "email_verified" && a != "phone_number_verified" {
			return invalidParam("Invalid attribute in ReadAttributes or WriteAttributes: " + sanitize(a))
		}
	}
	if len(in.ExplicitAuthFlows) == 0 {
		in.ExplicitAuthFlows = []string{AllowUserSRPAuth, AllowCustomAuth, AllowRefreshTokenAuth}
	}
	for _, f := range in.ExplicitAuthFlows {
		if !slices.Contains(knownFlows, f) {
			return invalidParam("unknown explicit auth flow " + sanitize(f))
		}
	}
	switch in.PreventUserExistenceErrors {
	case "":
		in.PreventUserExistenceErrors = "ENABLED"
	case "ENABLED", "LEGACY":
	default:
		return invalidParam("PreventUserExistenceErrors must be ENABLED or LEGACY")
	}
	if in.AuthSessionValidity == 0 {
		in.AuthSessionValidity = 3 * time.Minute
	}
	if in.AuthSessionValidity < 3*time.Minute || in.AuthSessionValidity > 15*time.Minute {
		return invalidParam("AuthSessionValidity must be 3-15 minutes")
	}
	if in.RetryGracePeriod < 0 || in.RetryGracePeriod > time.Minute {
		return invalidParam("RetryGracePeriodSeconds must be 0-60")
	}
	check := func(d, lo, hi time.Duration, name string) error {
		if d != 0 && (d < lo || d > hi) {
			return invalidParam(name + " is out of range")
		}
		return nil
	}
	if err := errors.Join(
		check(in.AccessTokenValidity, 5*time.Minute, 24*time.Hour, "AccessTokenValidity"),
		check(in.IDTokenValidity, 5*time.Minute, 24*time.Hour, "IdTokenValidity"),
		check(in.RefreshTokenValidity, time.Hour, 3650*24*time.Hour, "RefreshTokenValidity"),
	); err != nil {
		return invalidParam(err.Error())
	}
	return nil
}

func clientSettings(in ClientConfig) store.ClientSettings {
	return store.ClientSettings{
		ExplicitAuthFlows:          in.ExplicitAuthFlows,
		ReadAttributes:             in.ReadAttributes,
		WriteAttributes:            in.WriteAttributes,
		AccessTokenValidity:        in.AccessTokenValidity,
		IDTokenValidity:            in.IDTokenValidity,
		RefreshTokenValidity:       in.RefreshTokenValidity,
		AuthSessionValidity:        in.AuthSessionValidity,
		PreventUserExistenceErrors: in.PreventUserExistenceErrors != "LEGACY",
		EnableTokenRevocation:      !in.DisableTokenRevocation,
		RefreshTokenRotation:       in.RefreshTokenRotation,
		RotationGracePeriod:        in.RetryGracePeriod,
		CallbackURLs:               in.CallbackURLs,
		LogoutURLs:                 in.LogoutURLs,
		AllowedOAuthFlows:          in.AllowedOAuthFlows,
		AllowedOAuthScopes:         in.AllowedOAuthScopes,
		CodeWithoutPKCE:            in.CodeWithoutPKCE,
		SupportedIdentityProviders: in.SupportedIdentityProviders,
	}
}

func describeClient(c store.Client) *ClientDescription {
	s := c.Settings
	prevent := "LEGACY"
	if s.PreventUserExistenceErrors {
		prevent = "ENABLED"
	}
	return &ClientDescription{
		ClientConfig: ClientConfig{
			ClientID: c.ID, ClientName: c.Name, GenerateSecret: len(c.Secret) > 0,
			ExplicitAuthFlows: s.ExplicitAuthFlows, ReadAttributes: s.ReadAttributes, WriteAttributes: s.WriteAttributes,
			AccessTokenValidity: s.AccessTokenValidity, IDTokenValidity: s.IDTokenValidity, RefreshTokenValidity: s.RefreshTokenValidity,
			AuthSessionValidity: s.AuthSessionValidity, PreventUserExistenceErrors: prevent,
			DisableTokenRevocation: !s.EnableTokenRevocation, RefreshTokenRotation: s.RefreshTokenRotation,
			RetryGracePeriod: s.RotationGracePeriod, CallbackURLs: s.CallbackURLs, LogoutURLs: s.LogoutURLs,
			AllowedOAuthFlows: s.AllowedOAuthFlows, AllowedOAuthScopes: s.AllowedOAuthScopes, CodeWithoutPKCE: s.CodeWithoutPKCE,
			SupportedIdentityProviders: s.SupportedIdentityProviders,
		},
		CreationDate:     c.CreatedAt,
		LastModifiedDate: c.UpdatedAt,
	}
}

func randomClientID(p *UserPool) (string, error) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 26)
	if _, err := p.random.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

// appClient is a client loaded for one request, with its checks.
type appClient struct {
	store.Client
	pool *UserPool
}

// rotatesRefreshTokens reports whether a refresh spends the refresh token
// for a new one: always for a public client, whose stored tokens cannot be
// bound to a secret (RFC 9700 §4.14.2); as set for a confidential one.
func (c *appClient) rotatesRefreshTokens() bool {
	return c.Settings.RefreshTokenRotation || len(c.Secret) == 0
}

// client loads an enabled client. Unknown and disabled clients get the
// same NotAuthorized answer Cognito gives, so clients cannot be probed.
func (p *UserPool) client(ctx context.Context, id string) (*appClient, error) {
	if id == "" || len(id) > 128 {
		return nil, invalidParam("ClientId is required")
	}
	c, err := p.store.GetClient(ctx, p.cfg.ID, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.Settings.Disabled) {
		return nil, newErr(CodeResourceNotFound, "User pool client "+sanitize(id)+" does not exist.")
	}
	if err != nil {
		return nil, internalErr("load client", err)
	}
	if o := opOf(ctx); o != nil {
		o.clientID = c.ID
	}
	return &appClient{Client: c, pool: p}, nil
}

// checkSupportedProviders refuses a SupportedIdentityProviders entry that
// is neither COGNITO nor an identity provider of the pool.
func (p *UserPool) checkSupportedProviders(ctx context.Context, names []string) error {
	for i, name := range names {
		if slices.Contains(names[:i], name) {
			return invalidParam("SupportedIdentityProviders lists " + sanitize(name) + " twice")
		}
		if name == ProviderCognito {
			continue
		}
		_, err := p.store.GetIdentityProvider(ctx, p.cfg.ID, name)
		if errors.Is(err, store.ErrNotFound) {
			return invalidParam("The provider " + sanitize(name) + " does not exist for this user pool")
		}
		if err != nil {
			return internalErr("check identity providers", err)
		}
	}
	return nil
}

// supportsProvider reports whether the client signs users in through the
// identity provider name ("COGNITO" for the pool's own users).
func (c *appClient) supportsProvider(name string) bool {
	if len(c.Settings.SupportedIdentityProviders) == 0 {
		return name == ProviderCognito
	}
	return name != "" && slices.Contains(c.Settings.SupportedIdentityProviders, name)
}

func (c *appClient) allows(flow string) bool {
	return slices.Contains(c.Settings.ExplicitAuthFlows, flow)
}

func (c *appClient) preventsExistenceErrors() bool { return c.Settings.PreventUserExistenceErrors }

// checkSecretHash verifies SECRET_HASH = Base64(HMAC-SHA256(secret,
// username+clientId)) when the client has a secret. Comparison is
// constant-time.
func (c *appClient) checkSecretHash(username, given string) error {
	if len(c.Secret) == 0 {
		return nil
	}
	if given == "" {
		return newErr(CodeNotAuthorized, "Client "+c.ID+" is configured with secret but SECRET_HASH was not received")
	}
	secret, err := c.pool.clientSeal.Open(c.Secret, []byte(c.ID))
	if err != nil {
		return internalErr("open client secret", err)
	}
	want := secretHashOf(secret, username, c.ID)
	got, err := base64.StdEncoding.DecodeString(given)
	if err != nil || !hmac.Equal(want, got) {
		return newErr(CodeNotAuthorized, "Unable to verify secret hash for client "+c.ID)
	}
	return nil
}

// readable reports whether the client may read attribute name.
func (c *appClient) readable(name string) bool {
	return len(c.Settings.ReadAttributes) == 0 || slices.Contains(c.Settings.ReadAttributes, name)
}

// writable reports whether the client may write attribute name.
func (c *appClient) writable(name string) bool {
	return len(c.Settings.WriteAttributes) == 0 || slices.Contains(c.Settings.WriteAttributes, name)
}

func (c *appClient) validity(pool TokenValidity) TokenValidity {
	v := pool
	if c.Settings.IDTokenValidity > 0 {
		v.ID = c.Settings.IDTokenValidity
	}
	if c.Settings.AccessTokenValidity > 0 {
		v.Access = c.Settings.AccessTokenValidity
	}
	if c.Settings.RefreshTokenValidity > 0 {
		v.Refresh = c.Settings.RefreshTokenValidity
	}
	return v
}

func secretHashOf(secret []byte, username, clientID string) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(username + clientID))
	return mac.Sum(nil)
}

// secretHash is the SECRET_HASH of username at c ("" without a secret).
func (c *appClient) secretHash(username string) (string, error) {
	if len(c.Secret) == 0 {
		return "", nil
	}
	secret, err := c.pool.clientSeal.Open(c.Secret, []byte(c.ID))
	if err != nil {
		return "", internalErr("open client secret", err)
	}
	return base64.StdEncoding.EncodeToString(secretHashOf(secret, username, c.ID)), nil
}

// HasClient reports whether clientID names an enabled app client of the
// pool, so a front end serving several pools (package cognitoapi) finds the
// pool a request's ClientId belongs to.
func (p *UserPool) HasClient(ctx context.Context, clientID string) (bool, error) {
	_, err := p.client(ctx, clientID)
	var e *Error
	if errors.As(err, &e) && (e.Code == CodeResourceNotFound || e.Code == CodeInvalidParameter) {
		return false, nil
	}
	return err == nil, err
}
