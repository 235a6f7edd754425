package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Claims are the signed-in user as the gateway hands them to the upstream:
// the claims of the provider's ID token (as of the latest refresh) and the
// session's access token.
type Claims struct {
	Issuer   string // iss: the provider
	Subject  string // sub: the user's stable identifier
	Username string // cognito:username, else preferred_username
	Email    string // email
	// EmailVerified is email_verified (a JSON boolean, or Cognito's
	// "true" string).
	EmailVerified bool
	Groups        []string  // cognito:groups
	AuthTime      time.Time // auth_time, zero when absent
	// AccessToken is the session's current access token, for calling
	// APIs as the user; AccessTokenExpiry is when it lapses (the gateway
	// refreshes it a minute before).
	AccessToken       string
	AccessTokenExpiry time.Time
	// SessionExpiry is when the user must sign in again (Options.SessionTTL
	// after the sign-in).
	SessionExpiry time.Time
	// Raw holds every claim of the ID token, JSON numbers as float64.
	Raw map[string]any
}

// claimsKey is the context key of the claims.
type claimsKey struct{}

// ClaimsFrom returns the signed-in user of a request the gateway
// forwarded; false when there is none (a request let through by
// AllowUnauthenticated without a session, or one that did not come
// through a gateway).
func ClaimsFrom(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok && c != nil
}

// ContextWithClaims returns ctx carrying c as the gateway would, for
// testing upstream handlers without a gateway.
func ContextWithClaims(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, c)
}

// newClaims decodes the ID token claims of a session.
func newClaims(s *session) (*Claims, error) {
	raw := map[string]any{}
	if err := json.Unmarshal(s.IDClaims, &raw); err != nil {
		return nil, fmt.Errorf("session claims: %w", errSession)
	}
	c := &Claims{
		Raw:               raw,
		AccessToken:       s.AccessToken,
		AccessTokenExpiry: time.Unix(s.AccessExpiry, 0),
		SessionExpiry:     time.Unix(s.Expiry, 0),
	}
	c.Issuer, _ = raw["iss"].(string)
	c.Subject, _ = raw["sub"].(string)
	c.Email, _ = raw["email"].(string)
	if c.Username, _ = raw["cognito:username"].(string); c.Username == "" {
		c.Username, _ = raw["preferred_username"].(string)
	}
	switch v := raw["email_verified"].(type) {
	case bool:
		c.EmailVerified = v
	case string:
		c.EmailVerified = v == "true"
	}
	if gs, ok := raw["cognito:groups"].([]any); ok {
		for _, g := range gs {
			if s, ok := g.(string); ok {
				c.Groups = append(c.Groups, s)
			}
		}
	}
	if at, ok := raw["auth_time"].(float64); ok && at > 0 && at < 1<<40 {
		c.AuthTime = time.Unix(int64(at), 0)
	}
	return c, nil
}
