package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Algorithm is a JWS signature algorithm ("alg") Cupola signs and verifies with.
type Algorithm string

// The supported algorithms. RS256 is what Cognito uses and the default.
const (
	RS256 Algorithm = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256, 2048-bit keys or larger
	ES256 Algorithm = "ES256" // ECDSA on P-256 with SHA-256
	EdDSA Algorithm = "EdDSA" // Ed25519
)

// minRSABits is the smallest RSA modulus accepted for signing or parsing.
const minRSABits = 2048

// method returns the golang-jwt signing method of a, or nil if a is not supported.
func (a Algorithm) method() jwt.SigningMethod {
	switch a {
	case RS256:
		return jwt.SigningMethodRS256
	case ES256:
		return jwt.SigningMethodES256
	case EdDSA:
		return jwt.SigningMethodEdDSA
	}
	return nil
}

// Key is one signing key with its lifecycle.
//
// A zero Published or Active means "since always": a freshly generated key
// can sign at once. Rotate sets the times for keys that replace others.
type Key struct {
	ID        string        // kid, random 128-bit base64url when generated
	Algorithm Algorithm     // RS256, ES256 or EdDSA
	Signer    crypto.Signer // *rsa.PrivateKey (>= 2048 bits), *ecdsa.PrivateKey (P-256), ed25519.PrivateKey
	Published time.Time     // appears in the JWKS from this time
	Active    time.Time     // may sign from this time (>= Published)
	Retired   time.Time     // zero: not retired; stops signing at this time
	Expires   time.Time     // zero: never; dropped from the JWKS (and from verification) at this time
}

// GenerateKey makes a new key for alg with a random 128-bit ID.
//
// random (crypto/rand when nil) supplies the ID and, for EdDSA, the seed.
// Since Go 1.26 RSA and ECDSA key generation always use a secure source and
// ignore random (see testing/cryptotest.SetGlobalRandom for deterministic
// tests).
func GenerateKey(alg Algorithm, random io.Reader) (Key, error) {
	if random == nil {
		random = rand.Reader
	}
	var id [16]byte
	if _, err := io.ReadFull(random, id[:]); err != nil {
		return Key{}, fmt.Errorf("generate key id: %w", err)
	}
	var (
		signer crypto.Signer
		err    error
	)
	switch alg {
	case RS256:
		signer, err = rsa.GenerateKey(random, minRSABits)
	case ES256:
		signer, err = ecdsa.GenerateKey(elliptic.P256(), random)
	case EdDSA:
		_, signer, err = ed25519.GenerateKey(random)
	default:
		return Key{}, fmt.Errorf("generate key: algorithm %.32q: %w", alg, ErrInvalidKey)
	}
	if err != nil {
		return Key{}, fmt.Errorf("generate %s key: %w", alg, err)
	}
	return Key{ID: base64.RawURLEncoding.EncodeToString(id[:]), Algorithm: alg, Signer: signer}, nil
}

// MarshalPrivateKey encodes a supported signer as PKCS#8 DER, for storage.
func MarshalPrivateKey(s crypto.Signer) ([]byte, error) {
	if _, err := algorithmOf(s); err != nil {
		return nil, fmt.Errorf("marshal private key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(s)
	if err != nil {
		return nil, fmt.Errorf("marshal private key: %w", err)
	}
	return der, nil
}

// ParsePrivateKey decodes a PKCS#8 DER private key. Only RSA keys of at least
// 2048 bits, P-256 ECDSA keys and Ed25519 keys are accepted.
func ParsePrivateKey(der []byte) (crypto.Signer, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w: %w", ErrInvalidKey, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("parse private key: %T is not a signer: %w", k, ErrInvalidKey)
	}
	if _, err := algorithmOf(s); err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	return s, nil
}

// AlgorithmOf returns the algorithm a supported signer signs with: RS256 for
// RSA keys of at least 2048 bits, ES256 for P-256 keys, EdDSA for Ed25519.
func AlgorithmOf(s crypto.Signer) (Algorithm, error) { return algorithmOf(s) }

func algorithmOf(s crypto.Signer) (Algorithm, error) {
	switch k := s.(type) {
	case *rsa.PrivateKey:
		if k == nil || k.N == nil {
			return "", fmt.Errorf("nil rsa key: %w", ErrInvalidKey)
		}
		if k.N.BitLen() < minRSABits {
			return "", fmt.Errorf("rsa key of %d bits, want at least %d: %w", k.N.BitLen(), minRSABits, ErrInvalidKey)
		}
		return RS256, nil
	case *ecdsa.PrivateKey:
		if k == nil || k.Curve == nil {
			return "", fmt.Errorf("nil ecdsa key: %w", ErrInvalidKey)
		}
		if k.Curve != elliptic.P256() {
			return "", fmt.Errorf("ecdsa curve %s, want P-256: %w", k.Curve.Params().Name, ErrInvalidKey)
		}
		return ES256, nil
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return "", fmt.Errorf("ed25519 key of %d bytes: %w", len(k), ErrInvalidKey)
		}
		return EdDSA, nil
	case nil:
		return "", fmt.Errorf("no signer: %w", ErrInvalidKey)
	}
	return "", fmt.Errorf("unsupported signer %T: %w", s, ErrInvalidKey)
}

// validate checks what a key set needs of a key: an ID, a signer matching the
// algorithm, and a lifecycle in order.
func (k Key) validate() error {
	if k.ID == "" {
		return fmt.Errorf("key without id: %w", ErrInvalidKey)
	}
	if k.Algorithm.method() == nil {
		return fmt.Errorf("key %.64q: algorithm %.32q: %w", k.ID, k.Algorithm, ErrInvalidKey)
	}
	alg, err := algorithmOf(k.Signer)
	if err != nil {
		return fmt.Errorf("key %.64q: %w", k.ID, err)
	}
	if alg != k.Algorithm {
		return fmt.Errorf("key %.64q: %s signer for %s: %w", k.ID, alg, k.Algorithm, ErrInvalidKey)
	}
	if k.Active.Before(k.Published) {
		return fmt.Errorf("key %.64q: active before published: %w", k.ID, ErrInvalidKey)
	}
	if !k.Retired.IsZero() && k.Retired.Before(k.Active) {
		return fmt.Errorf("key %.64q: retired before active: %w", k.ID, ErrInvalidKey)
	}
	if !k.Expires.IsZero() && !k.Retired.IsZero() && k.Expires.Before(k.Retired) {
		return fmt.Errorf("key %.64q: expires before retired: %w", k.ID, ErrInvalidKey)
	}
	return nil
}

// canSign reports whether k may sign at now.
func (k *Key) canSign(now time.Time) bool {
	return !now.Before(k.Active) &&
		(k.Retired.IsZero() || now.Before(k.Retired)) &&
		(k.Expires.IsZero() || now.Before(k.Expires))
}

// canVerify reports whether tokens signed by k are accepted at now.
func (k *Key) canVerify(now time.Time) bool {
	return !now.Before(k.Published) && (k.Expires.IsZero() || now.Before(k.Expires))
}
