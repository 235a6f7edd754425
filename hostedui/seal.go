package hostedui

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// errSealed: a sealed value is malformed, was sealed under no current key,
// or for another purpose.
var errSealed = errors.New("hostedui: sealed value cannot be opened")

// maxSealed bounds a sealed value before it is decoded: browsers keep at
// most about 4 KB per cookie.
const maxSealed = 4096

// sealer encrypts and authenticates cookie values with AES-256-GCM. Each
// value is bound to its purpose (the additional data), so a session cookie
// cannot be replayed as a sign-in cookie. The first key seals; every key
// opens, which is how keys are rotated.
type sealer struct {
	aeads  []cipher.AEAD
	random io.Reader
}

func newSealer(keys [][]byte, random io.Reader) (*sealer, error) {
	s := &sealer{random: random}
	for _, k := range keys {
		// A derived key keeps the configured secret usable for other
		// purposes and fixes the AES key size whatever its length.
		dk, err := hkdf.Key(sha256.New, k, nil, "cupola hostedui cookie v1", 32)
		if err != nil {
			return nil, fmt.Errorf("hostedui: derive cookie key: %w", err)
		}
		block, err := aes.NewCipher(dk)
		if err != nil {
			return nil, fmt.Errorf("hostedui: cookie key: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("hostedui: cookie key: %w", err)
		}
		s.aeads = append(s.aeads, aead)
	}
	return s, nil
}

// seal returns v as JSON, encrypted for purpose, in unpadded base64url.
func (s *sealer) seal(purpose string, v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("seal %s: %w", purpose, err)
	}
	a := s.aeads[0]
	nonce := make([]byte, a.NonceSize(), a.NonceSize()+len(plain)+a.Overhead())
	if _, err := io.ReadFull(s.random, nonce); err != nil {
		return "", fmt.Errorf("seal %s: nonce: %w", purpose, err)
	}
	out := base64.RawURLEncoding.EncodeToString(a.Seal(nonce, nonce, plain, []byte(purpose)))
	if len(out) > maxSealed {
		return "", fmt.Errorf("seal %s: %d bytes: %w", purpose, len(out), errTooLarge)
	}
	return out, nil
}

// errTooLarge: a value would not fit in a cookie.
var errTooLarge = errors.New("value too large for a cookie")

// open reverses seal into v.
func (s *sealer) open(purpose, sealed string, v any) error {
	if sealed == "" || len(sealed) > maxSealed {
		return errSealed
	}
	box, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil {
		return errSealed
	}
	for _, a := range s.aeads {
		if len(box) < a.NonceSize()+a.Overhead() {
			return errSealed
		}
		plain, err := a.Open(nil, box[:a.NonceSize()], box[a.NonceSize():], []byte(purpose))
		if err != nil {
			continue
		}
		if err := json.Unmarshal(plain, v); err != nil {
			return errSealed
		}
		return nil
	}
	return errSealed
}
