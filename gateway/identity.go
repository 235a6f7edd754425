package gateway

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cupola-auth/cupola/token"
)

// X-Amzn-Oidc-Data is, as an ALB makes it, a JWT the gateway signs with
// Options.SigningKey (ES256 recommended, as an ALB):
//
//	header:  {"alg":"ES256","typ":"JWT","kid":"<SigningKey.ID>",
//	          "signer":"<RedirectURL's origin>","client":"<ClientID>",
//	          "iss":"<Issuer>","exp":<access token expiry>}
//	payload: the ID token's user claims (sub, email, cognito:username,
//	         cognito:groups, custom:*…, auth_time) with "iss" (the
//	         provider) and "exp" (the access token's expiry)
//
// The protocol claims of the ID token (aud, azp, nonce, at_hash, c_hash,
// iat, nbf, jti, origin_jti, event_id, token_use, sid) are left out, so the
// value is no ID token and cannot be replayed as one.

// omittedClaims are the ID token claims not copied into X-Amzn-Oidc-Data.
var omittedClaims = []string{"aud", "azp", "nonce", "at_hash", "c_hash", "iat", "nbf", "exp", "jti", "origin_jti", "event_id", "token_use", "sid"}

// maxDataSize bounds the X-Amzn-Oidc-Data values VerifyData parses.
const maxDataSize = 32 << 10

// checkSigningKey returns the JWS algorithm of a usable signing key.
func checkSigningKey(k token.Key) (string, error) {
	if k.ID == "" || k.Signer == nil {
		return "", errors.New("id and signer are required (token.GenerateKey makes one)")
	}
	if _, err := token.NewKeySet(k); err != nil {
		return "", err
	}
	m := jwt.GetSigningMethod(string(k.Algorithm))
	if m == nil {
		return "", fmt.Errorf("algorithm %q not supported", k.Algorithm)
	}
	// golang-jwt needs the concrete key types of the standard library for
	// RS256 and ES256: check now rather than on the first request.
	if _, err := m.Sign("probe", k.Signer); err != nil {
		return "", fmt.Errorf("cannot sign with %s: %w", k.Algorithm, err)
	}
	return m.Alg(), nil
}

// signData makes the X-Amzn-Oidc-Data value of a session.
func (g *gateway) signData(c *Claims, s *session) (string, error) {
	claims := jwt.MapClaims{}
	for k, v := range c.Raw {
		claims[k] = v
	}
	for _, k := range omittedClaims {
		delete(claims, k)
	}
	claims["iss"] = g.cfg.Issuer
	claims["exp"] = s.AccessExpiry
	t := jwt.NewWithClaims(jwt.GetSigningMethod(g.cfg.signingMethod), claims)
	t.Header["kid"] = g.cfg.SigningKey.ID
	t.Header["signer"] = g.cfg.signerOrigin
	t.Header["client"] = g.cfg.ClientID
	t.Header["iss"] = g.cfg.Issuer
	t.Header["exp"] = s.AccessExpiry
	return t.SignedString(g.cfg.SigningKey.Signer)
}

// DataOptions say what VerifyData expects of an X-Amzn-Oidc-Data value.
type DataOptions struct {
	// Keys holds the gateway's public key(s), by kid: a *token.KeySet
	// with the gateway's key (same process), StaticKeys of its JWKS, or a
	// *token.RemoteKeySet where that JWKS is published. Required.
	Keys token.KeySource
	// Issuer is the gateway's Options.Issuer (the provider). Required.
	Issuer string
	// ClientID is the gateway's Options.ClientID. Required.
	ClientID string
	// Signer, when set, must equal the header's signer: the origin of the
	// gateway's RedirectURL, as an ALB's ARN.
	Signer string
	// Leeway is the clock skew allowed on exp, at most token.MaxLeeway.
	Leeway time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// VerifyData verifies an X-Amzn-Oidc-Data header as an upstream does
// when the gateway runs in another process (in the same process, use
// ClaimsFrom): the signature with the key its kid names in opts.Keys and
// with that key's algorithm only (never none or HS*; jku, x5u and jwk
// headers are ignored), then exp (required), iss and the client (and the
// signer when opts.Signer is set). It returns the user's claims, JSON
// numbers as float64. Failures match ErrInvalidData; bad options
// ErrConfig.
//
// An upstream that can only be reached through the gateway may trust
// X-Amzn-Oidc-Identity as it is, since the gateway strips what clients
// send; VerifyData is for upstreams that can be reached otherwise.
func VerifyData(ctx context.Context, raw string, opts DataOptions) (map[string]any, error) {
	if opts.Keys == nil || opts.Issuer == "" || opts.ClientID == "" || opts.Leeway < 0 || opts.Leeway > token.MaxLeeway {
		return nil, fmt.Errorf("verify data: keys, issuer and client id are required, leeway within [0, %s]: %w", token.MaxLeeway, ErrConfig)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	if len(raw) > maxDataSize {
		return nil, fmt.Errorf("verify data: %d bytes: %w", len(raw), ErrInvalidData)
	}
	at := now()
	keyfunc := func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("no kid")
		}
		pub, alg, err := opts.Keys.VerificationKey(ctx, kid, at)
		if err != nil {
			return nil, err
		}
		if t.Method.Alg() != string(alg) {
			return nil, fmt.Errorf("alg %q is not the key's %s", t.Method.Alg(), alg)
		}
		if client, _ := t.Header["client"].(string); client != opts.ClientID {
			return nil, errors.New("another client")
		}
		if signer, _ := t.Header["signer"].(string); opts.Signer != "" && signer != opts.Signer {
			return nil, errors.New("another signer")
		}
		return pub, nil
	}
	claims := jwt.MapClaims{}
	_, err := jwt.NewParser(
		jwt.WithValidMethods([]string{string(token.ES256), string(token.RS256), string(token.EdDSA)}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(opts.Issuer),
		jwt.WithLeeway(opts.Leeway),
		jwt.WithTimeFunc(func() time.Time { return at }),
	).ParseWithClaims(raw, claims, keyfunc)
	if err != nil {
		return nil, fmt.Errorf("verify data: %w: %w", ErrInvalidData, err)
	}
	if sub, _ := claims["sub"].(string); sub == "" {
		return nil, fmt.Errorf("verify data: no sub: %w", ErrInvalidData)
	}
	return claims, nil
}

// staticKeys is the token.KeySource StaticKeys returns.
type staticKeys map[string]staticKey

type staticKey struct {
	pub crypto.PublicKey
	alg token.Algorithm
}

// StaticKeys returns a token.KeySource over fixed public keys, for
// VerifyData in an upstream given the gateway's public key as a JWKS
// (token.NewKeySet(signingKey) then JWKS(now), written where the upstream
// reads it). A key the token package cannot verify with is ErrConfig.
func StaticKeys(jwks token.JWKS) (token.KeySource, error) {
	out := staticKeys{}
	for i, k := range jwks.Keys {
		pub, alg, err := k.PublicKey()
		if err != nil {
			return nil, fmt.Errorf("static keys: key %d: %w: %w", i, ErrConfig, err)
		}
		if k.Kid == "" {
			return nil, fmt.Errorf("static keys: key %d has no kid: %w", i, ErrConfig)
		}
		out[k.Kid] = staticKey{pub: pub, alg: alg}
	}
	return out, nil
}

// VerificationKey implements token.KeySource.
func (s staticKeys) VerificationKey(_ context.Context, kid string, _ time.Time) (crypto.PublicKey, token.Algorithm, error) {
	k, ok := s[kid]
	if !ok {
		return nil, "", fmt.Errorf("key id %.64q: %w", kid, token.ErrUnknownKey)
	}
	return k.pub, k.alg, nil
}
