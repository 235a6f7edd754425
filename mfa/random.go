package mfa

import (
	"crypto/rand"
	"fmt"
	"io"
)

// orDefault returns r, or crypto/rand's reader when r is nil.
func orDefault(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}

// randomBytes reads n bytes from r (crypto/rand when nil).
func randomBytes(r io.Reader, n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(orDefault(r), b); err != nil {
		return nil, fmt.Errorf("read random bytes: %w", err)
	}
	return b, nil
}
