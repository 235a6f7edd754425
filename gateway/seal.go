package gateway

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
)

// sealer encrypts and authenticates cookie values with AES-256-GCM. Each
// configured key gives one AEAD through HKDF-SHA256, with the purpose in
// the info, so a sealed sign-in cookie never opens as a session and the
// configured secrets are never used as AES keys directly. The first AEAD
// seals; all of them open (key rotation).
type sealer struct {
	aeads  []cipher.AEAD
	random io.Reader
}

func newSealer(keys [][]byte, purpose string, random io.Reader) (*sealer, error) {
	s := &sealer{random: random}
	for i, k := range keys {
		dk, err := hkdf.Key(sha256.New, k, nil, "cupola gateway "+purpose+" cookie v1", 32)
		if err != nil {
			return nil, fmt.Errorf("derive cookie key %d: %w", i, err)
		}
		block, err := aes.NewCipher(dk)
		if err != nil {
			return nil, fmt.Errorf("cookie key %d: %w", i, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("cookie key %d: %w", i, err)
		}
		s.aeads = append(s.aeads, aead)
	}
	return s, nil
}

// seal returns base64url(nonce || ciphertext) of plaintext, bound to aad
// (the cookie's name), so a value moved to another cookie does not open.
func (s *sealer) seal(plaintext, aad []byte) (string, error) {
	a := s.aeads[0]
	buf := make([]byte, a.NonceSize(), a.NonceSize()+len(plaintext)+a.Overhead())
	if _, err := io.ReadFull(s.random, buf); err != nil {
		return "", fmt.Errorf("cookie nonce: %w", err)
	}
	buf = a.Seal(buf, buf, plaintext, aad)
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

// overhead is how many bytes seal adds before encoding: nonce and tag.
func (s *sealer) overhead() int { return s.aeads[0].NonceSize() + s.aeads[0].Overhead() }

// open reverses seal with any of the keys. Every failure is errSession.
func (s *sealer) open(value string, aad []byte) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("cookie encoding: %w", errSession)
	}
	for _, a := range s.aeads {
		n := a.NonceSize()
		if len(raw) < n+a.Overhead() {
			return nil, fmt.Errorf("cookie too short: %w", errSession)
		}
		if pt, err := a.Open(nil, raw[:n], raw[n:], aad); err == nil {
			return pt, nil
		}
	}
	return nil, fmt.Errorf("cookie does not open: %w", errSession)
}
