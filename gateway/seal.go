package gateway

import (
	"encoding/base64"
	"fmt"
	"io"

	"github.com/cupola-auth/cupola/internal/seal"
)

// sealer encrypts and authenticates cookie values (internal/seal's
// AES-256-GCM, one key per configured secret through HKDF with the purpose
// in the info), so a sealed sign-in cookie never opens as a session and
// the configured secrets are never used as AES keys directly. The first
// key seals; all of them open (key rotation).
type sealer struct {
	ring   *seal.Ring
	random io.Reader
}

func newSealer(keys [][]byte, purpose string, random io.Reader) (*sealer, error) {
	ring, err := seal.NewRing(keys, "gateway "+purpose+" cookie")
	if err != nil {
		return nil, fmt.Errorf("cookie keys: %w", err)
	}
	return &sealer{ring: ring, random: random}, nil
}

// seal returns the base64url sealed plaintext, bound to aad (the cookie's
// name), so a value moved to another cookie does not open.
func (s *sealer) seal(plaintext, aad []byte) (string, error) {
	box, err := s.ring.Seal(s.random, plaintext, aad)
	if err != nil {
		return "", fmt.Errorf("cookie: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(box), nil
}

// overhead is how many bytes seal adds before encoding.
func (s *sealer) overhead() int { return s.ring.Overhead() }

// open reverses seal with any of the keys. Every failure is errSession.
func (s *sealer) open(value string, aad []byte) ([]byte, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("cookie encoding: %w", errSession)
	}
	pt, err := s.ring.Open(raw, aad)
	if err != nil {
		return nil, fmt.Errorf("cookie does not open: %w", errSession)
	}
	return pt, nil
}
