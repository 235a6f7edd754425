package mfa

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
)

// OTPDigits is the length of SMS and email one-time codes.
const OTPDigits = 6

// NewOTP returns a one-time code of OTPDigits uniformly random decimal digits for SMS/email MFA and
// passwordless sign-in. random nil means crypto/rand. Values are drawn by rejection sampling, so
// there is no modulo bias.
func NewOTP(random io.Reader) (string, error) {
	const space = 1_000_000 // 10^OTPDigits
	// The largest multiple of space that fits in 32 bits; draws at or above it are rejected.
	const limit = (1 << 32) / space * space
	for range 64 { // each round is rejected with probability < 0.03%
		b, err := randomBytes(random, 4)
		if err != nil {
			return "", fmt.Errorf("new otp: %w", err)
		}
		if v := binary.BigEndian.Uint32(b); v < limit {
			return fmt.Sprintf("%0*d", OTPDigits, v%space), nil
		}
	}
	return "", fmt.Errorf("new otp: random source keeps returning out-of-range values: %w", ErrConfig)
}

// HashOTP returns HMAC-SHA256(key, binding 0x00 code): what to store instead of the code. The
// binding (for example the challenge session ID and user sub) ties the code to one challenge and one
// user, so a code issued for A never checks for B. key must be a secret of at least 32 random bytes;
// with an empty key HashOTP returns nil, which never checks.
func HashOTP(key []byte, binding, code string) []byte {
	if len(key) == 0 {
		return nil
	}
	mac := hmac.New(sha256.New, key)
	io.WriteString(mac, binding)
	mac.Write([]byte{0})
	io.WriteString(mac, code)
	return mac.Sum(nil)
}

// CheckOTP reports whether code is the code hashed into hash for binding. It compares in constant
// time and returns false for an empty key, an empty hash or a code that is not exactly OTPDigits
// ASCII digits (so the 0x00 separator in the hash input cannot be forged).
func CheckOTP(key []byte, binding, code string, hash []byte) bool {
	if len(key) == 0 || len(hash) != sha256.Size || !isDigits(code, OTPDigits) {
		return false
	}
	return hmac.Equal(HashOTP(key, binding, code), hash)
}
