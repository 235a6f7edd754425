package token

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenSize is the largest raw token a Verifier parses; anything longer
// is ErrMalformed before any decoding.
const MaxTokenSize = 16 << 10

// MaxLeeway is the largest clock-skew allowance a Verifier accepts.
const MaxLeeway = 60 * time.Second

// KeySource finds the public key a token names in its kid header. *KeySet
// is one; a remote JWKS client is another. It returns an error matching
// ErrUnknownKey when kid names no key that may verify at now. The token's
// alg must equal the returned Algorithm.
type KeySource interface {
	VerificationKey(ctx context.Context, kid string, now time.Time) (crypto.PublicKey, Algorithm, error)
}

// VerifierConfig configures a Verifier. The zero values of the optional
// fields are the safe defaults.
type VerifierConfig struct {
	// Issuer is required: iss must equal it exactly.
	Issuer string
	// Keys finds verification keys, required.
	Keys KeySource
	// ClientIDs are the accepted app clients: an access token's client_id,
	// or an ID token's aud, must be one of them. Required unless
	// SkipClientIDCheck.
	ClientIDs []string
	// SkipClientIDCheck accepts tokens of any client, for a caller that
	// checks the client itself. It may not be combined with ClientIDs.
	SkipClientIDCheck bool
	// Algorithms is the allowlist; nil means RS256, ES256 and EdDSA. Only
	// those three may be listed: never none or HS*.
	Algorithms []Algorithm
	// Leeway is the clock skew allowed on exp, nbf and iat: 0 by default,
	// at most MaxLeeway.
	Leeway time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verifier checks ID and access tokens: size, algorithm allowlist, kid,
// signature (before any claim is trusted), then exp (required), nbf, iat,
// iss, token_use, sub (required) and the client. It never fetches anything named by a
// token (jku, x5u, jwk and x5c headers are ignored). It is safe for
// concurrent use.
type Verifier struct {
	keys      KeySource
	clientIDs []string
	skip      bool
	algs      []string
	now       func() time.Time
	parser    *jwt.Parser
}

// NewVerifier checks cfg and returns a Verifier. A bad config is ErrConfig.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if cfg.Issuer == "" {
		return nil, fmt.Errorf("new verifier: no issuer: %w", ErrConfig)
	}
	if cfg.Keys == nil {
		return nil, fmt.Errorf("new verifier: no key source: %w", ErrConfig)
	}
	if ks, ok := cfg.Keys.(*KeySet); ok && ks == nil {
		return nil, fmt.Errorf("new verifier: nil key set: %w", ErrConfig)
	}
	switch {
	case cfg.SkipClientIDCheck && len(cfg.ClientIDs) > 0:
		return nil, fmt.Errorf("new verifier: client ids given with skip client id check: %w", ErrConfig)
	case !cfg.SkipClientIDCheck && len(cfg.ClientIDs) == 0:
		return nil, fmt.Errorf("new verifier: no client ids (set SkipClientIDCheck to accept any): %w", ErrConfig)
	case slices.Contains(cfg.ClientIDs, ""):
		return nil, fmt.Errorf("new verifier: empty client id: %w", ErrConfig)
	}
	if cfg.Leeway < 0 || cfg.Leeway > MaxLeeway {
		return nil, fmt.Errorf("new verifier: leeway %s outside [0, %s]: %w", cfg.Leeway, MaxLeeway, ErrConfig)
	}
	algs := cfg.Algorithms
	if algs == nil {
		algs = []Algorithm{RS256, ES256, EdDSA}
	}
	if len(algs) == 0 {
		return nil, fmt.Errorf("new verifier: empty algorithm list: %w", ErrConfig)
	}
	names := make([]string, 0, len(algs))
	for _, a := range algs {
		if a.method() == nil {
			return nil, fmt.Errorf("new verifier: algorithm %.32q not supported: %w", a, ErrConfig)
		}
		if !slices.Contains(names, string(a)) {
			names = append(names, string(a))
		}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	v := &Verifier{
		keys:      cfg.Keys,
		clientIDs: slices.Clone(cfg.ClientIDs),
		skip:      cfg.SkipClientIDCheck,
		algs:      names,
		now:       now,
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods(names),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(now),
		jwt.WithStrictDecoding(),
	)
	return v, nil
}

// VerifyAccess verifies an access token (token_use "access") and returns
// its claims. Errors match ErrInvalidToken and a specific sentinel.
func (v *Verifier) VerifyAccess(ctx context.Context, raw string) (*AccessClaims, error) {
	m, err := v.parse(ctx, raw, useAccess)
	if err != nil {
		return nil, fmt.Errorf("verify access token: %w", err)
	}
	client, ok := m[claimClientID].(string)
	if !ok || client == "" {
		return nil, fmt.Errorf("verify access token: no client_id: %w", ErrAudience)
	}
	if !v.skip && !slices.Contains(v.clientIDs, client) {
		return nil, fmt.Errorf("verify access token: client_id %.64q: %w", client, ErrAudience)
	}
	c, err := accessClaimsFrom(m)
	if err != nil {
		return nil, fmt.Errorf("verify access token: %w", err)
	}
	return c, nil
}

// VerifyID verifies an ID token (token_use "id") and returns its claims.
// aud must be a single client ID. Errors match ErrInvalidToken and a
// specific sentinel.
func (v *Verifier) VerifyID(ctx context.Context, raw string) (*IDClaims, error) {
	m, err := v.parse(ctx, raw, useID)
	if err != nil {
		return nil, fmt.Errorf("verify id token: %w", err)
	}
	aud, err := m.GetAudience()
	if err != nil {
		return nil, fmt.Errorf("verify id token: %w: %w", ErrMalformed, err)
	}
	if len(aud) != 1 || aud[0] == "" {
		return nil, fmt.Errorf("verify id token: want exactly one aud, got %d: %w", len(aud), ErrAudience)
	}
	if !v.skip && !slices.Contains(v.clientIDs, aud[0]) {
		return nil, fmt.Errorf("verify id token: aud %.64q: %w", aud[0], ErrAudience)
	}
	c, err := idClaimsFrom(m, aud[0])
	if err != nil {
		return nil, fmt.Errorf("verify id token: %w", err)
	}
	return c, nil
}

// VerifyIDWithNonce verifies an ID token as VerifyID does and also
// requires its nonce claim to equal nonce, the value the relying party sent
// in its authorization request (OpenID Connect Core §3.1.3.7). A missing or
// different nonce is ErrNonce; an empty nonce argument is ErrConfig.
func (v *Verifier) VerifyIDWithNonce(ctx context.Context, raw, nonce string) (*IDClaims, error) {
	if nonce == "" {
		return nil, fmt.Errorf("verify id token: empty expected nonce: %w", ErrConfig)
	}
	c, err := v.VerifyID(ctx, raw)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(c.Nonce), []byte(nonce)) != 1 {
		return nil, fmt.Errorf("verify id token: %w", ErrNonce)
	}
	return c, nil
}

// parse checks everything common to both kinds of token and returns the
// verified claims.
func (v *Verifier) parse(ctx context.Context, raw, use string) (jwt.MapClaims, error) {
	if len(raw) > MaxTokenSize {
		return nil, fmt.Errorf("token of %d bytes, limit %d: %w", len(raw), MaxTokenSize, ErrMalformed)
	}
	if strings.Count(raw, ".") != 2 {
		return nil, fmt.Errorf("token is not three dot-separated segments: %w", ErrMalformed)
	}
	// Go's base64 decoders skip \r and \n even in strict mode, so without
	// this a signature with line breaks inserted would verify: one token
	// would have many spellings (RFC 7515 compact form has none).
	if strings.IndexFunc(raw, func(r rune) bool { return !isTokenChar(r) }) >= 0 {
		return nil, fmt.Errorf("token has a character outside base64url and dots: %w", ErrMalformed)
	}
	var keyErr error
	claims := make(jwt.MapClaims, 16)
	tok, err := v.parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		var k crypto.PublicKey
		k, keyErr = v.key(ctx, t)
		return k, keyErr
	})
	if err != nil {
		if keyErr != nil {
			return nil, keyErr
		}
		return nil, v.classify(tok, claims, err)
	}
	if got, _ := claims[claimTokenUse].(string); got != use {
		return nil, fmt.Errorf("token_use %.16q, want %q: %w", got, use, ErrTokenUse)
	}
	// Every Cognito token names its subject; one without would let a
	// caller key on "".
	if sub, _ := claims[claimSub].(string); sub == "" {
		return nil, fmt.Errorf("token without sub: %w", ErrMalformed)
	}
	return claims, nil
}

// key is the keyfunc: golang-jwt has already checked that alg is in the
// allowlist; the key named by kid must be of that very algorithm, so a
// token cannot pick how our key is used. Nothing else in the header is
// trusted: jku, x5u, jwk and x5c are never read.
func (v *Verifier) key(ctx context.Context, t *jwt.Token) (crypto.PublicKey, error) {
	kid, ok := t.Header["kid"].(string)
	if !ok || kid == "" {
		return nil, fmt.Errorf("token without kid: %w", ErrUnknownKey)
	}
	if typ, present := t.Header["typ"]; present {
		if s, ok := typ.(string); !ok || !strings.EqualFold(s, "JWT") {
			return nil, fmt.Errorf("token typ is not JWT: %w", ErrMalformed)
		}
	}
	if _, present := t.Header["crit"]; present {
		return nil, fmt.Errorf("token has critical header extensions: %w", ErrMalformed)
	}
	pub, alg, err := v.keys.VerificationKey(ctx, kid, v.now())
	if err != nil {
		if errors.Is(err, ErrInvalidToken) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: key source: %w", ErrInvalidToken, err)
	}
	if t.Method == nil || t.Method.Alg() != string(alg) || !slices.Contains(v.algs, string(alg)) {
		return nil, fmt.Errorf("token alg does not match key %.64q (%s): %w", kid, alg, ErrAlgorithm)
	}
	if !publicKeyFits(pub, alg) {
		return nil, fmt.Errorf("key %.64q is not a usable %s public key: %w", kid, alg, ErrUnknownKey)
	}
	return pub, nil
}

// publicKeyFits guards against a KeySource returning a nil or mismatched
// key, which the signature code would otherwise panic on.
func publicKeyFits(pub crypto.PublicKey, alg Algorithm) bool {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		return alg == RS256 && p != nil && p.N != nil && p.N.BitLen() >= minRSABits
	case *ecdsa.PublicKey:
		return alg == ES256 && p != nil && p.Curve == elliptic.P256()
	case ed25519.PublicKey:
		return alg == EdDSA && len(p) == ed25519.PublicKeySize
	}
	return false
}

// classify maps a golang-jwt error to one of our sentinels, keeping the
// original matchable.
func (v *Verifier) classify(tok *jwt.Token, claims jwt.MapClaims, err error) error {
	var kind error
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		kind = ErrMalformed
	case errors.Is(err, jwt.ErrTokenUnverifiable): // alg missing or unknown ("None")
		kind = ErrAlgorithm
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		kind = ErrSignature
		if tok == nil || tok.Method == nil || !slices.Contains(v.algs, tok.Method.Alg()) {
			kind = ErrAlgorithm // refused by the allowlist ("none", HS256...)
		}
	case errors.Is(err, jwt.ErrInvalidType):
		kind = ErrMalformed
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		kind = ErrIssuer
		if _, ok := claims[claimExp]; !ok {
			kind = ErrMalformed // exp is required
		}
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		kind = ErrIssuer
	case errors.Is(err, jwt.ErrTokenExpired):
		kind = ErrExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		kind = ErrNotYetValid
	default:
		kind = ErrMalformed
	}
	return fmt.Errorf("%w: %w", kind, err)
}

// isTokenChar reports a character of a compact JWS: base64url or a dot.
func isTokenChar(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
}
