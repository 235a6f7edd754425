package token

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// IssuerConfig configures an Issuer.
type IssuerConfig struct {
	// Issuer is the iss claim, required: an absolute https URL without query
	// or fragment (http is allowed for localhost, 127.0.0.1 and ::1).
	Issuer string
	// Keys holds the signing keys, required.
	Keys *KeySet
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Issuer signs Cognito-shaped ID and access tokens with the current signing
// key of a KeySet. It is safe for concurrent use.
type Issuer struct {
	iss  string
	keys *KeySet
	now  func() time.Time
}

// NewIssuer checks cfg and returns an Issuer.
func NewIssuer(cfg IssuerConfig) (*Issuer, error) {
	if err := checkIssuerURL(cfg.Issuer); err != nil {
		return nil, fmt.Errorf("new issuer: %w", err)
	}
	if cfg.Keys == nil {
		return nil, fmt.Errorf("new issuer: no key set: %w", ErrConfig)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Issuer{iss: cfg.Issuer, keys: cfg.Keys, now: now}, nil
}

// checkIssuerURL enforces what OIDC requires of an issuer identifier.
func checkIssuerURL(s string) error {
	if s == "" {
		return fmt.Errorf("no issuer: %w", ErrConfig)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("issuer %.128q: %w: %w", s, ErrConfig, err)
	}
	switch {
	case u.Host == "" || !u.IsAbs():
		return fmt.Errorf("issuer %.128q is not an absolute url: %w", s, ErrConfig)
	case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(s, "?#"):
		return fmt.Errorf("issuer %.128q has user info, query or fragment: %w", s, ErrConfig)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http":
		switch u.Hostname() {
		case "localhost", "127.0.0.1", "::1":
			return nil
		}
		return fmt.Errorf("issuer %.128q: http only for localhost: %w", s, ErrConfig)
	}
	return fmt.Errorf("issuer %.128q: scheme must be https: %w", s, ErrConfig)
}

// Issuer returns the iss this issuer writes.
func (i *Issuer) Issuer() string { return i.iss }

// IssueID signs an ID token. It sets iss, token_use "id", iat (c.IssuedAt
// or now), the kid header and the alg of the signing key; c.Issuer is
// ignored. Subject, Audience and ExpiresAt are required (ErrInvalidClaims);
// Extra may not set a locked claim (ErrLockedClaim).
func (i *Issuer) IssueID(c IDClaims) (string, error) {
	now := i.now()
	m, err := c.tokenClaims(i.iss, issuedAt(c.IssuedAt, now))
	if err != nil {
		return "", fmt.Errorf("issue id token: %w", err)
	}
	k, err := i.keys.SigningKey(now)
	if err != nil {
		return "", fmt.Errorf("issue id token: %w", err)
	}
	if c.AccessToken != "" {
		m[claimAtHash] = atHash(k.Algorithm, c.AccessToken)
	}
	s, err := i.signWith(k, m, c.ExpiresAt)
	if err != nil {
		return "", fmt.Errorf("issue id token: %w", err)
	}
	return s, nil
}

// atHash is OIDC's at_hash of an access token: the left half of its hash
// under the ID token's algorithm's hash (SHA-512 for EdDSA, as OpenID
// clients such as go-oidc compute it), base64url without padding.
func atHash(alg Algorithm, accessToken string) string {
	var sum []byte
	if alg == EdDSA {
		h := sha512.Sum512([]byte(accessToken))
		sum = h[:]
	} else {
		h := sha256.Sum256([]byte(accessToken))
		sum = h[:]
	}
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// IssueAccess signs an access token: as IssueID, with token_use "access";
// Subject, ClientID and ExpiresAt are required.
func (i *Issuer) IssueAccess(c AccessClaims) (string, error) {
	now := i.now()
	m, err := c.tokenClaims(i.iss, issuedAt(c.IssuedAt, now))
	if err != nil {
		return "", fmt.Errorf("issue access token: %w", err)
	}
	s, err := i.sign(m, c.ExpiresAt, now)
	if err != nil {
		return "", fmt.Errorf("issue access token: %w", err)
	}
	return s, nil
}

func issuedAt(iat, now time.Time) time.Time {
	if iat.IsZero() {
		return now
	}
	return iat
}

// sign signs claims with the key signing at now. A token must not outlive
// its key: once the key expires nobody could verify it.
func (i *Issuer) sign(m jwt.MapClaims, exp, now time.Time) (string, error) {
	k, err := i.keys.SigningKey(now)
	if err != nil {
		return "", err
	}
	return i.signWith(k, m, exp)
}

// signWith signs m with the key k.
func (i *Issuer) signWith(k Key, m jwt.MapClaims, exp time.Time) (string, error) {
	if !k.Expires.IsZero() && exp.After(k.Expires) {
		return "", fmt.Errorf("token expires after its signing key %.64q: %w", k.ID, ErrInvalidClaims)
	}
	t := jwt.NewWithClaims(k.Algorithm.method(), m)
	// Cognito's header is exactly {"kid","alg"}: no typ.
	t.Header = map[string]any{"alg": string(k.Algorithm), "kid": k.ID}
	s, err := t.SignedString(k.Signer)
	if err != nil {
		var (
			typeErr  *json.UnsupportedTypeError
			valueErr *json.UnsupportedValueError
			marshErr *json.MarshalerError
		)
		if errors.As(err, &typeErr) || errors.As(err, &valueErr) || errors.As(err, &marshErr) {
			return "", fmt.Errorf("encode claims: %w: %w", ErrInvalidClaims, err)
		}
		return "", fmt.Errorf("sign with key %.64q: %w", k.ID, err)
	}
	return s, nil
}
