package random

import (
	"bytes"
	"crypto/rand"
	"regexp"
	"testing"
)

func TestDigits(t *testing.T) {
	counts := map[byte]int{}
	for range 2000 {
		d, err := Digits(rand.Reader, 6)
		if err != nil || !regexp.MustCompile(`^[0-9]{6}$`).MatchString(d) {
			t.Fatalf("Digits = %q, %v", d, err)
		}
		for i := range d {
			counts[d[i]]++
		}
	}
	for c := byte('0'); c <= '9'; c++ {
		if n := counts[c]; n < 900 || n > 1500 { // 1200 expected
			t.Fatalf("digit %c appeared %d times in 12000", c, n)
		}
	}
}

func TestUUID(t *testing.T) {
	u, err := UUID(rand.Reader)
	if err != nil || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(u) {
		t.Fatalf("UUID = %q, %v", u, err)
	}
}

func TestToken(t *testing.T) {
	a, _ := Token(rand.Reader, 32)
	b, _ := Token(rand.Reader, 32)
	if len(a) != 43 || a == b {
		t.Fatalf("Token = %q, %q", a, b)
	}
}

func TestExhaustedSourceIsAnError(t *testing.T) {
	if _, err := Digits(bytes.NewReader(nil), 6); err == nil {
		t.Fatal("Digits from an empty source succeeded")
	}
	if _, err := UUID(bytes.NewReader([]byte{1, 2})); err == nil {
		t.Fatal("UUID from a short source succeeded")
	}
}
