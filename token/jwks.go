package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"strconv"
	"time"
)

// JWKS is a JSON Web Key Set (RFC 7517 §5), as served at
// /.well-known/jwks.json.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// JWK is one public JSON Web Key (RFC 7517, RFC 7518 §6, RFC 8037).
type JWK struct {
	Kty string `json:"kty"`           // "RSA", "EC" or "OKP"
	Kid string `json:"kid,omitempty"` // key ID, matched against the token's kid header
	Use string `json:"use,omitempty"` // always "sig"
	Alg string `json:"alg,omitempty"` // RS256, ES256 or EdDSA
	N   string `json:"n,omitempty"`   // RSA modulus, base64url big-endian
	E   string `json:"e,omitempty"`   // RSA exponent, base64url big-endian
	Crv string `json:"crv,omitempty"` // "P-256" or "Ed25519"
	X   string `json:"x,omitempty"`   // EC x coordinate or Ed25519 public key, base64url
	Y   string `json:"y,omitempty"`   // EC y coordinate, base64url
}

var b64 = base64.RawURLEncoding

// maxRSABits bounds the RSA keys a JWK may carry, which bounds verification cost.
const maxRSABits = 8192

// newJWK describes a supported public key as a JWK.
func newJWK(kid string, alg Algorithm, pub crypto.PublicKey) (JWK, error) {
	j := JWK{Kid: kid, Use: "sig", Alg: string(alg)}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		j.Kty = "RSA"
		j.N = b64.EncodeToString(p.N.Bytes())
		j.E = b64.EncodeToString(big.NewInt(int64(p.E)).Bytes())
	case *ecdsa.PublicKey:
		raw, err := p.Bytes() // 0x04 || X || Y, fixed width
		if err != nil || len(raw) != 65 {
			return JWK{}, fmt.Errorf("encode ec public key: %w", ErrInvalidKey)
		}
		j.Kty, j.Crv = "EC", "P-256"
		j.X = b64.EncodeToString(raw[1:33])
		j.Y = b64.EncodeToString(raw[33:])
	case ed25519.PublicKey:
		j.Kty, j.Crv = "OKP", "Ed25519"
		j.X = b64.EncodeToString(p)
	default:
		return JWK{}, fmt.Errorf("unsupported public key %T: %w", pub, ErrInvalidKey)
	}
	return j, nil
}

// PublicKey decodes the key and the algorithm it verifies. It accepts what
// this package publishes: RSA (RS256, at least 2048 bits), EC P-256 (ES256)
// and OKP Ed25519 (EdDSA), with use "sig" or absent. The key type decides
// the algorithm; an alg that disagrees is an error.
func (k JWK) PublicKey() (crypto.PublicKey, Algorithm, error) {
	if k.Use != "" && k.Use != "sig" {
		return nil, "", fmt.Errorf("jwk use %.16q: %w", k.Use, ErrInvalidKey)
	}
	var (
		pub crypto.PublicKey
		alg Algorithm
	)
	switch {
	case k.Kty == "RSA":
		n, err1 := b64.DecodeString(k.N)
		e, err2 := b64.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 || len(n) == 0 || len(n) > maxRSABits/8 || n[0] == 0 {
			return nil, "", fmt.Errorf("jwk rsa parameters: %w", ErrInvalidKey)
		}
		exp := new(big.Int).SetBytes(e).Int64()
		key := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp)}
		if key.N.BitLen() < minRSABits || exp < 3 || exp > math.MaxInt32 || exp%2 == 0 {
			return nil, "", fmt.Errorf("jwk rsa key of %d bits, exponent %d: %w", key.N.BitLen(), exp, ErrInvalidKey)
		}
		pub, alg = key, RS256
	case k.Kty == "EC" && k.Crv == "P-256":
		x, err1 := b64.DecodeString(k.X)
		y, err2 := b64.DecodeString(k.Y)
		if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
			return nil, "", fmt.Errorf("jwk ec parameters: %w", ErrInvalidKey)
		}
		key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, "", fmt.Errorf("jwk ec point: %w: %w", ErrInvalidKey, err)
		}
		pub, alg = key, ES256
	case k.Kty == "OKP" && k.Crv == "Ed25519":
		x, err := b64.DecodeString(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, "", fmt.Errorf("jwk ed25519 parameters: %w", ErrInvalidKey)
		}
		pub, alg = ed25519.PublicKey(x), EdDSA
	default:
		return nil, "", fmt.Errorf("jwk kty %.16q crv %.16q: %w", k.Kty, k.Crv, ErrInvalidKey)
	}
	if k.Alg != "" && k.Alg != string(alg) {
		return nil, "", fmt.Errorf("jwk alg %.16q for a %s key: %w", k.Alg, alg, ErrInvalidKey)
	}
	return pub, alg, nil
}

// JWKSHandler serves the JWKS at now() as application/json, with
// Cache-Control: public, max-age=maxAge (in whole seconds). It answers GET
// and HEAD; any other method gets 405 with an Allow header.
//
// maxAge bounds how stale a verifier's copy can be, so keep it below the
// publishAhead given to KeySet.Rotate. A nil now means time.Now.
func JWKSHandler(s *KeySet, now func() time.Time, maxAge time.Duration) http.Handler {
	if now == nil {
		now = time.Now
	}
	if maxAge < 0 {
		maxAge = 0
	}
	cacheControl := "public, max-age=" + strconv.FormatInt(int64(maxAge/time.Second), 10)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := json.Marshal(s.JWKS(now()))
		if err != nil { // cannot happen: JWKS holds only strings
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", cacheControl)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(body)
		}
	})
}
