package secret

import (
	"crypto/rand"
	"strings"
	"testing"
)

func TestWeak(t *testing.T) {
	random := make([]byte, 32)
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		key  []byte
		weak bool
	}{
		{"random bytes are not weak", random, false},
		{"a long sentence is not refused", []byte("a test secret of at least 32 bytes, never a real one"), false},
		{"zero bytes are weak", make([]byte, 32), true},
		{"one repeated letter is weak", []byte(strings.Repeat("a", 40)), true},
		{"a short pattern repeated is weak", []byte(strings.Repeat("abc123", 8)), true},
		{"changeme is weak", []byte("please-CHANGEME-before-production-1234"), true},
		{"a placeholder is weak", []byte("<your-secret-here, 32 bytes or more>"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Weak(tc.key); got != tc.weak {
				t.Fatalf("Weak(%q) = %v, want %v", tc.key, got, tc.weak)
			}
		})
	}
}
