// Package random draws the identifiers and secrets a user pool hands out:
// numeric codes, opaque tokens and UUIDs, all from a caller-supplied
// source that is crypto/rand in production and deterministic in tests.
//
//	code, _ := random.Digits(rand.Reader, 6) // "042917"
package random

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
)

// Digits returns n decimal digits drawn uniformly (rejection sampling, no
// modulo bias).
func Digits(r io.Reader, n int) (string, error) {
	out := make([]byte, 0, n)
	var b [8]byte
	for len(out) < n {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", fmt.Errorf("random digits: %w", err)
		}
		v := binary.BigEndian.Uint64(b[:])
		// 18 digits per draw from values below the largest multiple of 1e18.
		const limit = 18_000_000_000_000_000_000 // 18 * 1e18 < 2^64
		if v >= limit {
			continue
		}
		v %= 1_000_000_000_000_000_000
		for i := 0; i < 18 && len(out) < n; i++ {
			out = append(out, byte('0'+v%10))
			v /= 10
		}
	}
	return string(out), nil
}

// Token returns n random bytes encoded as unpadded base64url.
func Token(r io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// UUID returns a version-4 UUID in its canonical text form.
func UUID(r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("random uuid: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:]), nil
}
