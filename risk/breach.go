package risk

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"sort"
	"strings"
)

// BreachChecker tells whether a password is known from breaches, so that
// a pool refuses it (NIST 800-63B §5.1.1.2, ASVS 2.1.7). An online check
// (a k-anonymity range service) may fail; an offline list never does.
type BreachChecker interface {
	Breached(ctx context.Context, password string) (bool, error)
}

// commonPasswords holds the list's keys: the first 8 bytes of SHA-256 of
// each lower-cased password, sorted, without duplicates. It is built by
// internal/commongen, whose doc says from what.
//
//go:embed common_passwords.bin
var commonPasswords string

// keySize is the length of one key of the embedded list.
const keySize = 8

// CommonPasswords is the embedded offline list of common breached
// passwords. Matching ignores case: "Dragon1" is as weak as "dragon1". It
// costs nothing to build (the list is searched where it lies in the
// binary) and is safe for concurrent use; the zero value is ready.
type CommonPasswords struct{}

// Len is the number of passwords on the list.
func (CommonPasswords) Len() int { return len(commonPasswords) / keySize }

// Contains reports whether password is on the list.
func (CommonPasswords) Contains(password string) bool {
	sum := sha256.Sum256([]byte(strings.ToLower(password)))
	key := string(sum[:keySize])
	n := len(commonPasswords) / keySize
	i := sort.Search(n, func(i int) bool { return commonPasswords[i*keySize:(i+1)*keySize] >= key })
	return i < n && commonPasswords[i*keySize:(i+1)*keySize] == key
}

// Breached implements BreachChecker; it never fails.
func (c CommonPasswords) Breached(_ context.Context, password string) (bool, error) {
	return c.Contains(password), nil
}

var _ BreachChecker = CommonPasswords{}

// sorted reports whether the embedded keys are strictly increasing: the
// search above depends on it.
func sorted() bool {
	for i := keySize; i+keySize <= len(commonPasswords); i += keySize {
		if bytes.Compare([]byte(commonPasswords[i-keySize:i]), []byte(commonPasswords[i:i+keySize])) >= 0 {
			return false
		}
	}
	return len(commonPasswords)%keySize == 0
}
