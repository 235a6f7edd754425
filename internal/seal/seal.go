// Package seal encrypts small secrets at rest (app-client secrets, signing
// keys) with AES-256-GCM under a key derived from the pool's configured
// secret. Sealed values carry a version byte so the scheme can change.
//
//	s, _ := seal.New(secret, "client-secret")
//	box, _ := s.Seal(rand.Reader, plaintext, []byte(clientID))
//	plain, _ := s.Open(box, []byte(clientID))
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
)

// ErrOpen: the sealed value is corrupt, was sealed under another key or
// purpose, or is bound to other additional data.
var ErrOpen = errors.New("seal: cannot open")

const version = 1

// Sealer seals and opens values for one purpose.
type Sealer struct{ aead cipher.AEAD }

// New derives a purpose-specific key from secret (at least 32 bytes).
func New(secret []byte, purpose string) (*Sealer, error) {
	if len(secret) < 32 {
		return nil, errors.New("seal: secret shorter than 32 bytes")
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "cupola seal v1 "+purpose, 32)
	if err != nil {
		return nil, fmt.Errorf("seal: derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext bound to ad (the record's identity, so a sealed
// value cannot be moved to another record).
func (s *Sealer) Seal(random io.Reader, plaintext, ad []byte) ([]byte, error) {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	out[0] = version
	if _, err := io.ReadFull(random, out[1:]); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return s.aead.Seal(out, out[1:], plaintext, ad), nil
}

// Open decrypts a value made by Seal with the same ad.
func (s *Sealer) Open(box, ad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(box) < 1+n+s.aead.Overhead() || box[0] != version {
		return nil, ErrOpen
	}
	plain, err := s.aead.Open(nil, box[1:1+n], box[1+n:], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// Overhead is how many bytes Seal adds to a plaintext.
func (s *Sealer) Overhead() int { return 1 + s.aead.NonceSize() + s.aead.Overhead() }

// Ring seals with its first secret and opens with any of them, so secrets
// can be rotated: put the new one first and keep the old ones until what
// they sealed has expired.
type Ring struct{ sealers []*Sealer }

// NewRing derives a Sealer for purpose from each secret (at least one).
func NewRing(secrets [][]byte, purpose string) (*Ring, error) {
	if len(secrets) == 0 {
		return nil, errors.New("seal: no secret")
	}
	r := &Ring{}
	for i, secret := range secrets {
		s, err := New(secret, purpose)
		if err != nil {
			return nil, fmt.Errorf("seal: secret %d: %w", i, err)
		}
		r.sealers = append(r.sealers, s)
	}
	return r, nil
}

// Seal encrypts plaintext bound to ad with the first secret.
func (r *Ring) Seal(random io.Reader, plaintext, ad []byte) ([]byte, error) {
	return r.sealers[0].Seal(random, plaintext, ad)
}

// Open decrypts a value sealed by any secret of the ring.
func (r *Ring) Open(box, ad []byte) ([]byte, error) {
	for _, s := range r.sealers {
		if plain, err := s.Open(box, ad); err == nil {
			return plain, nil
		}
	}
	return nil, ErrOpen
}

// Overhead is how many bytes Seal adds to a plaintext.
func (r *Ring) Overhead() int { return r.sealers[0].Overhead() }
