package mfa

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"strings"
)

// Recovery code parameters.
const (
	// DefaultRecoveryCodes is how many codes NewRecoveryCodes makes when n is 0.
	DefaultRecoveryCodes = 10
	// MaxRecoveryCodes bounds n so that matching stays cheap.
	MaxRecoveryCodes = 50
	// RecoveryCodeBits is the entropy of one code: 10 symbols of 5 bits.
	RecoveryCodeBits = 50

	// recoveryAlphabet is Crockford's base32 in lower case: no i, l, o or u, so codes read aloud or
	// copied by hand are unambiguous; normalization maps o to 0 and i, l to 1.
	recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	recoveryLen      = 10
	// recoveryDomain separates recovery-code hashes from OTP hashes made with the same key.
	recoveryDomain = "cupola mfa recovery code\x00"
)

// RecoveryCodes is a fresh set of single-use recovery codes. Show Codes to the user once; store
// only Hashes (Hashes[i] belongs to Codes[i]). Regenerating replaces the whole stored set.
type RecoveryCodes struct {
	Codes  []string // "xxxxx-xxxxx", shown to the user once and never stored
	Hashes [][]byte // HMAC-SHA256 of each normalized code, stored (Hashes[i] belongs to Codes[i])
}

// NewRecoveryCodes makes n distinct codes (0 means DefaultRecoveryCodes) formatted "xxxxx-xxxxx"
// from an unambiguous 32-symbol alphabet (RecoveryCodeBits bits each), with their
// HMAC-SHA256 hashes under key. key must be a secret of at least 32 bytes; random nil means
// crypto/rand.
func NewRecoveryCodes(random io.Reader, key []byte, n int) (RecoveryCodes, error) {
	switch {
	case len(key) == 0:
		return RecoveryCodes{}, fmt.Errorf("new recovery codes: empty key: %w", ErrConfig)
	case n == 0:
		n = DefaultRecoveryCodes
	case n < 0 || n > MaxRecoveryCodes:
		return RecoveryCodes{}, fmt.Errorf("new recovery codes: count must be 1 to %d, got %d: %w", MaxRecoveryCodes, n, ErrConfig)
	}
	rc := RecoveryCodes{Codes: make([]string, 0, n), Hashes: make([][]byte, 0, n)}
	seen := make(map[string]bool, n)
	for attempts := 0; len(rc.Codes) < n; attempts++ {
		if attempts >= 4*n { // a duplicate among 2^50 values means the random source is broken
			return RecoveryCodes{}, fmt.Errorf("new recovery codes: random source repeats itself: %w", ErrConfig)
		}
		b, err := randomBytes(random, recoveryLen)
		if err != nil {
			return RecoveryCodes{}, fmt.Errorf("new recovery codes: %w", err)
		}
		var raw [recoveryLen]byte
		for i, v := range b {
			raw[i] = recoveryAlphabet[v&31] // 32 divides 256: uniform
		}
		norm := string(raw[:])
		if seen[norm] {
			continue
		}
		seen[norm] = true
		rc.Codes = append(rc.Codes, norm[:5]+"-"+norm[5:])
		rc.Hashes = append(rc.Hashes, hashRecovery(key, norm))
	}
	return rc, nil
}

// MatchRecoveryCode returns the index of the hash in hashes that matches code, or -1. It ignores
// case, spaces and dashes (and reads o as 0, i and l as 1). Every hash is compared in constant
// time, with no early exit. nil entries never match, so the caller can spend a code by clearing
// its hash (with a compare-and-swap, so a code works once even in parallel).
func MatchRecoveryCode(key []byte, code string, hashes [][]byte) int {
	norm, ok := normalizeRecovery(code)
	if !ok || len(key) == 0 {
		return -1
	}
	sum := hashRecovery(key, norm)
	found := -1
	for i, h := range hashes {
		eq := subtle.ConstantTimeCompare(sum, h)
		found = subtle.ConstantTimeSelect(eq, i, found)
	}
	return found
}

// normalizeRecovery maps what a user typed to the canonical 10-symbol form.
func normalizeRecovery(code string) (string, bool) {
	if len(code) > 4*recoveryLen { // bound work on hostile input
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToLower(code) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			continue
		case r == 'o':
			r = '0'
		case r == 'i' || r == 'l':
			r = '1'
		case r > 0x7f || !strings.ContainsRune(recoveryAlphabet, r):
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != recoveryLen {
		return "", false
	}
	return b.String(), true
}

func hashRecovery(key []byte, norm string) []byte {
	mac := hmac.New(sha256.New, key)
	io.WriteString(mac, recoveryDomain)
	io.WriteString(mac, norm)
	return mac.Sum(nil)
}
