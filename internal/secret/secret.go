// Package secret tells configured key material that cannot be random from
// key material that may be: the check every secret a deployment configures
// (the pool secret, cookie keys, trigger signing secrets) passes besides
// its length.
package secret

import "strings"

// Weak reports key material that is certainly not random bytes: few
// distinct bytes (one repeated byte, "abcabcabc…", "0000…"), or a known
// placeholder ("changeme", "placeholder", "your-secret-here"…). It cannot
// prove a secret random; it refuses what is obviously not.
func Weak(b []byte) bool {
	distinct := map[byte]bool{}
	for _, c := range b {
		distinct[c] = true
	}
	if len(distinct) < 8 {
		return true
	}
	lower := strings.ToLower(string(b))
	for _, p := range placeholders {
		if strings.Contains(lower, p) {
			return true
		}
	}
	return false
}

// placeholders are words seen in sample configurations where a real
// secret belongs.
var placeholders = []string{"changeme", "change-me", "change_me", "placeholder", "your-secret", "your_secret", "yoursecret", "replace-me", "replaceme"}
