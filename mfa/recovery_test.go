package mfa

import (
	"bytes"
	"errors"
	"io"
	"math"
	"regexp"
	"strings"
	"testing"
)

var recoveryKey = bytes.Repeat([]byte{9}, 32)

func TestNewRecoveryCodesMakesTenDistinctWellFormedCodes(t *testing.T) {
	rc, err := NewRecoveryCodes(nil, recoveryKey, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.Codes) != DefaultRecoveryCodes || len(rc.Hashes) != DefaultRecoveryCodes {
		t.Fatalf("%d codes, %d hashes; want %d", len(rc.Codes), len(rc.Hashes), DefaultRecoveryCodes)
	}
	format := regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$`)
	seen := map[string]bool{}
	for _, c := range rc.Codes {
		if !format.MatchString(c) {
			t.Errorf("code %q does not match xxxxx-xxxxx over the unambiguous alphabet", c)
		}
		if seen[c] {
			t.Errorf("duplicate code %q", c)
		}
		seen[c] = true
	}
	if strings.ContainsAny(recoveryAlphabet, "ilou") || len(recoveryAlphabet) != 32 {
		t.Errorf("alphabet %q is ambiguous or not 32 symbols", recoveryAlphabet)
	}
	if bits := float64(recoveryLen) * math.Log2(float64(len(recoveryAlphabet))); bits < 50 || bits != RecoveryCodeBits {
		t.Errorf("codes carry %.1f bits; want %d >= 50", bits, RecoveryCodeBits)
	}
}

func TestMatchRecoveryCode(t *testing.T) {
	rc, err := NewRecoveryCodes(nil, recoveryKey, 10)
	if err != nil {
		t.Fatal(err)
	}
	code := rc.Codes[3]
	tests := []struct {
		name string
		code string
		want int
	}{
		{"the code as shown matches its own index", code, 3},
		{"upper case matches", strings.ToUpper(code), 3},
		{"without the dash matches", strings.ReplaceAll(code, "-", ""), 3},
		{"with spaces instead of the dash matches", strings.ReplaceAll(code, "-", " "), 3},
		{"with surrounding spaces and extra dashes matches", "  " + code[:2] + "-" + code[2:] + " ", 3},
		{"a wrong code does not match", "00000-00000", -1},
		{"an empty code does not match", "", -1},
		{"a truncated code does not match", code[:10], -1},
		{"an extra symbol does not match", code + "a", -1},
		{"a code with unicode does not match", code[:10] + "é", -1},
		{"a huge input does not match", strings.Repeat(code, 1000), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchRecoveryCode(recoveryKey, tt.code, rc.Hashes); got != tt.want {
				t.Fatalf("MatchRecoveryCode(%q) = %d; want %d", tt.code, got, tt.want)
			}
		})
	}

	t.Run("every code matches only its own index", func(t *testing.T) {
		for i, c := range rc.Codes {
			if got := MatchRecoveryCode(recoveryKey, c, rc.Hashes); got != i {
				t.Errorf("code %d matched index %d", i, got)
			}
		}
	})
	t.Run("a spent code whose hash was cleared no longer matches", func(t *testing.T) {
		hashes := append([][]byte(nil), rc.Hashes...)
		hashes[3] = nil
		if got := MatchRecoveryCode(recoveryKey, code, hashes); got != -1 {
			t.Fatalf("got %d; want -1", got)
		}
	})
	t.Run("another key does not match", func(t *testing.T) {
		if got := MatchRecoveryCode(bytes.Repeat([]byte{8}, 32), code, rc.Hashes); got != -1 {
			t.Fatalf("got %d; want -1", got)
		}
	})
	t.Run("a regenerated set does not match old codes", func(t *testing.T) {
		fresh, _ := NewRecoveryCodes(nil, recoveryKey, 10)
		if got := MatchRecoveryCode(recoveryKey, code, fresh.Hashes); got != -1 {
			t.Fatalf("got %d; want -1", got)
		}
	})
}

func TestRecoveryNormalizationReadsLookalikes(t *testing.T) {
	// All-zero random bytes give "00000-00000", then byte 1 gives "11111-11111".
	stream := append(make([]byte, 10), bytes.Repeat([]byte{1}, 10)...)
	rc, err := NewRecoveryCodes(bytes.NewReader(stream), recoveryKey, 2)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Codes[0] != "00000-00000" || rc.Codes[1] != "11111-11111" {
		t.Fatalf("codes %v", rc.Codes)
	}
	for in, want := range map[string]int{"OOOOO-ooooo": 0, "IlIl1-11111": 1, "iiiii lllll": 1} {
		if got := MatchRecoveryCode(recoveryKey, in, rc.Hashes); got != want {
			t.Errorf("MatchRecoveryCode(%q) = %d; want %d", in, got, want)
		}
	}
}

func TestNewRecoveryCodesRefusesBadArguments(t *testing.T) {
	tests := []struct {
		name   string
		random []byte
		key    []byte
		n      int
	}{
		{"an empty key is refused", nil, nil, 10},
		{"a negative count is refused", nil, recoveryKey, -1},
		{"a count above the maximum is refused", nil, recoveryKey, MaxRecoveryCodes + 1},
		{"a random source that repeats itself is refused", make([]byte, 1000), recoveryKey, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r io.Reader // nil: crypto/rand
			if tt.random != nil {
				r = bytes.NewReader(tt.random)
			}
			_, err := NewRecoveryCodes(r, tt.key, tt.n)
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("NewRecoveryCodes: %v; want ErrConfig", err)
			}
		})
	}
	t.Run("an exhausted random source is an error", func(t *testing.T) {
		if _, err := NewRecoveryCodes(bytes.NewReader(make([]byte, 5)), recoveryKey, 10); err == nil {
			t.Fatal("succeeded")
		}
	})
}
