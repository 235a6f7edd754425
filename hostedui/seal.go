package hostedui

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/cupola-auth/cupola/internal/seal"
)

// errSealed: a sealed value is malformed, was sealed under no current key,
// or for another purpose.
var errSealed = errors.New("hostedui: sealed value cannot be opened")

// maxSealed bounds a sealed value before it is decoded: browsers keep at
// most about 4 KB per cookie.
const maxSealed = 4096

// sealer encrypts and authenticates cookie values (internal/seal's
// AES-256-GCM). Each value is bound to its purpose (the additional data),
// so a session cookie cannot be replayed as a sign-in cookie. The first key
// seals; every key opens, which is how keys are rotated.
type sealer struct {
	ring   *seal.Ring
	random io.Reader
}

func newSealer(keys [][]byte, random io.Reader) (*sealer, error) {
	ring, err := seal.NewRing(keys, "hostedui cookie")
	if err != nil {
		return nil, fmt.Errorf("hostedui: cookie keys: %w", err)
	}
	return &sealer{ring: ring, random: random}, nil
}

// seal returns v as JSON, encrypted for purpose, in unpadded base64url.
func (s *sealer) seal(purpose string, v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("seal %s: %w", purpose, err)
	}
	box, err := s.ring.Seal(s.random, plain, []byte(purpose))
	if err != nil {
		return "", fmt.Errorf("seal %s: %w", purpose, err)
	}
	out := base64.RawURLEncoding.EncodeToString(box)
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
	box, err := base64.RawURLEncoding.Strict().DecodeString(sealed)
	if err != nil {
		return errSealed
	}
	plain, err := s.ring.Open(box, []byte(purpose))
	if err != nil || json.Unmarshal(plain, v) != nil {
		return errSealed
	}
	return nil
}
