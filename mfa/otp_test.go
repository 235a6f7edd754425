package mfa

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func TestNewOTPMakesSixDigits(t *testing.T) {
	seen := map[string]bool{}
	for range 500 {
		code, err := NewOTP(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !isDigits(code, OTPDigits) {
			t.Fatalf("code %q is not %d ASCII digits", code, OTPDigits)
		}
		seen[code] = true
	}
	if len(seen) < 490 {
		t.Fatalf("only %d distinct codes in 500", len(seen))
	}
}

func TestNewOTPRejectsBiasedDraws(t *testing.T) {
	word := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	const limit = (1 << 32) / 1_000_000 * 1_000_000
	tests := []struct {
		name   string
		stream []byte
		want   string
	}{
		{"a small draw is zero padded", word(7), "000007"},
		{"the largest unbiased draw is used", word(limit - 1), "999999"},
		{"a draw at the bias limit is redrawn", append(word(limit), word(42)...), "000042"},
		{"the maximum draw is redrawn", append(word(0xFFFFFFFF), word(1_000_001)...), "000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewOTP(bytes.NewReader(tt.stream))
			if err != nil || got != tt.want {
				t.Fatalf("NewOTP = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	t.Run("a failing random source is an error", func(t *testing.T) {
		if _, err := NewOTP(bytes.NewReader([]byte{1, 2})); err == nil {
			t.Fatal("NewOTP succeeded on a short random source")
		}
	})
	t.Run("a random source stuck above the limit is an error", func(t *testing.T) {
		_, err := NewOTP(bytes.NewReader(bytes.Repeat([]byte{0xFF}, 4*64)))
		if !errors.Is(err, ErrConfig) {
			t.Fatalf("NewOTP: %v; want ErrConfig", err)
		}
	})
}

func TestCheckOTP(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 32)
	hash := HashOTP(key, "session-1/alice", "123456")
	tests := []struct {
		name    string
		key     []byte
		binding string
		code    string
		hash    []byte
		want    bool
	}{
		{"the right code for its binding checks", key, "session-1/alice", "123456", hash, true},
		{"the same code for another binding fails", key, "session-1/bob", "123456", hash, false},
		{"the same code for another session fails", key, "session-2/alice", "123456", hash, false},
		{"a wrong code fails", key, "session-1/alice", "123457", hash, false},
		{"another key fails", bytes.Repeat([]byte{2}, 32), "session-1/alice", "123456", hash, false},
		{"five digits fail", key, "session-1/alice", "12345", hash, false},
		{"seven digits fail", key, "session-1/alice", "1234567", hash, false},
		{"an empty code fails", key, "session-1/alice", "", hash, false},
		{"a code with a space fails", key, "session-1/alice", "123456 ", hash, false},
		{"unicode digits fail", key, "session-1/alice", "１２３４５６", hash, false},
		{"a truncated hash fails", key, "session-1/alice", "123456", hash[:16], false},
		{"a nil hash fails", key, "session-1/alice", "123456", nil, false},
		{"an empty key fails", nil, "session-1/alice", "123456", hash, false},
		// binding "a\x00b" + code "c" must not equal binding "a" + code "b\x00c": non-digit codes never check.
		{"a separator smuggled into the code fails", key, "session-1", "alice\x00123456", HashOTP(key, "session-1\x00alice", "123456"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckOTP(tt.key, tt.binding, tt.code, tt.hash); got != tt.want {
				t.Fatalf("CheckOTP = %v; want %v", got, tt.want)
			}
		})
	}
	if HashOTP(nil, "b", "123456") != nil {
		t.Error("HashOTP with an empty key returned a hash")
	}
}
