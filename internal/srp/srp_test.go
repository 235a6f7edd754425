package srp

import (
	"bytes"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

func mustHex(t *testing.T, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		t.Fatalf("bad hex %q", s)
	}
	return n
}

func TestConstants(t *testing.T) {
	if got := hex.EncodeToString(theGroup().k.Bytes()); got != "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6" {
		t.Fatalf("k = %s", got)
	}
	if l := len(pad(theGroup().n)); l != 385 {
		t.Fatalf("PAD(N) is %d bytes, want 385", l)
	}
	for in, want := range map[string]string{"0": "00", "1": "01", "7f": "7f", "80": "0080", "ff": "00ff", "100": "0100",
		"7fff": "7fff", "8000": "008000", "abc": "0abc", "0123": "0123"} {
		if got := hex.EncodeToString(pad(mustHex(t, in))); got != want {
			t.Errorf("PAD(%s) = %s, want %s", in, got, want)
		}
	}
}

// The recorded handshakes: the verifier from the password, B from the
// recorded b, the key, and the signature the real client sent.
func TestVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			salt := mustHex(t, v.salt)
			ver := ComputeVerifier(salt, v.poolName, v.userID, v.password)
			if ver.Cmp(mustHex(t, v.v)) != 0 {
				t.Fatalf("v = %x, want %s", ver, v.v)
			}
			A, err := ParseA(v.A)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := hex.DecodeString(v.b)
			s, err := NewServer(bytes.NewReader(b), ver, A)
			if err != nil {
				t.Fatal(err)
			}
			if Hex(s.B) != v.B {
				t.Fatalf("B = %s, want %s", Hex(s.B), v.B)
			}
			if hex.EncodeToString(s.Key) != v.key {
				t.Fatalf("K = %x, want %s", s.Key, v.key)
			}
			block, err := base64.StdEncoding.DecodeString(v.secretBlock)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ParseTimestamp(v.timestamp); err != nil {
				t.Fatalf("the client's TIMESTAMP %q: %v", v.timestamp, err)
			}
			if !VerifySignature(s.Key, v.poolName, v.userID, block, v.timestamp, v.signature) {
				t.Fatalf("the recorded signature does not verify")
			}
			if VerifySignature(s.Key, v.poolName, v.userID+"x", block, v.timestamp, v.signature) {
				t.Fatal("a signature verified for another user")
			}
		})
	}
}

// The device vector's verifier arrives as ConfirmDevice sends it.
func TestDeviceVerifierAsConfirmDeviceSendsIt(t *testing.T) {
	v := vectors[1]
	got, err := ParseDeviceVerifier("F4CO7WBlJdDsG8USGVGrhQ==", base64.StdEncoding.EncodeToString(pad(mustHex(t, v.v))))
	if err != nil {
		t.Fatal(err)
	}
	if got.Salt.Cmp(mustHex(t, v.salt)) != 0 || got.V.Cmp(mustHex(t, v.v)) != 0 {
		t.Fatalf("parsed %x / %x", got.Salt, got.V)
	}
	for _, bad := range [][2]string{{"", "AA=="}, {"AA==", ""}, {"!!", "AA=="}, {"AQ==", "AA=="}, {"AQ==", base64.StdEncoding.EncodeToString(pad(theGroup().n))}} {
		if _, err := ParseDeviceVerifier(bad[0], bad[1]); !errors.Is(err, ErrBadVerifier) {
			t.Errorf("ParseDeviceVerifier(%q, %q) = %v", bad[0], bad[1], err)
		}
	}
}

// client is the client's side of the math, written here from the
// specification to run fresh handshakes end to end.
func client(t *testing.T, B, salt *big.Int, poolName, userID, password string) (A *big.Int, key []byte) {
	gr := theGroup()
	ab := make([]byte, 128)
	rand.Read(ab)
	a := new(big.Int).SetBytes(ab)
	A = new(big.Int).Exp(gr.g, a, gr.n)
	u := new(big.Int).SetBytes(hash(pad(A), pad(B)))
	xv := x(salt, poolName, userID, password)
	base := new(big.Int).Sub(B, new(big.Int).Mul(gr.k, new(big.Int).Exp(gr.g, xv, gr.n)))
	base.Mod(base, gr.n)
	exp := new(big.Int).Add(a, new(big.Int).Mul(u, xv))
	S := new(big.Int).Exp(base, exp, gr.n)
	key, err := hkdf.Key(sha256.New, pad(S), pad(u), derivedKeyInfo, KeyBytes)
	if err != nil {
		t.Fatal(err)
	}
	return A, key
}

func TestAFreshHandshakeAgreesOnlyWithTheRightPassword(t *testing.T) {
	ver, err := NewVerifier(rand.Reader, "Pool", "alice", "right password")
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalVerifier(ver.Marshal())
	if err != nil || got.Salt.Cmp(ver.Salt) != 0 || got.V.Cmp(ver.V) != 0 {
		t.Fatalf("verifier round trip: %v", err)
	}
	for _, tc := range []struct {
		password string
		agree    bool
	}{{"right password", true}, {"wrong password", false}} {
		// The client needs B before A in real life; the math lets us draw
		// the client's A first and hand it to the server.
		gr := theGroup()
		ab := make([]byte, 128)
		rand.Read(ab)
		a := new(big.Int).SetBytes(ab)
		A := new(big.Int).Exp(gr.g, a, gr.n)
		s, err := NewServer(rand.Reader, ver.V, A)
		if err != nil {
			t.Fatal(err)
		}
		u := new(big.Int).SetBytes(hash(pad(A), pad(s.B)))
		xv := x(ver.Salt, "Pool", "alice", tc.password)
		base := new(big.Int).Sub(s.B, new(big.Int).Mul(gr.k, new(big.Int).Exp(gr.g, xv, gr.n)))
		base.Mod(base, gr.n)
		S := new(big.Int).Exp(base, new(big.Int).Add(a, new(big.Int).Mul(u, xv)), gr.n)
		key, _ := hkdf.Key(sha256.New, pad(S), pad(u), derivedKeyInfo, KeyBytes)
		ts := FormatTimestamp(time.Now())
		sig := base64.StdEncoding.EncodeToString(Signature(key, "Pool", "alice", []byte("block"), ts))
		if ok := VerifySignature(s.Key, "Pool", "alice", []byte("block"), ts, sig); ok != tc.agree {
			t.Errorf("password %q: verified %v, want %v", tc.password, ok, tc.agree)
		}
	}
	_ = client
}

func TestParseARefusesWhatWouldLeakTheKey(t *testing.T) {
	n := theGroup().n
	for name, a := range map[string]string{
		"zero":     "0",
		"N":        Hex(n),
		"2N":       Hex(new(big.Int).Lsh(n, 1)),
		"not hex":  "xyz",
		"empty":    "",
		"too long": strings.Repeat("1", 800),
		"signed":   "-5",
		"spaced":   " 12",
	} {
		if _, err := ParseA(a); err == nil {
			t.Errorf("ParseA(%s) accepted", name)
		}
	}
	if _, err := ParseA(vectors[2].A); err != nil {
		t.Fatalf("odd-length SRP_A: %v", err)
	}
}

func TestTimestampsAreCognitosExactFormat(t *testing.T) {
	for _, ok := range []string{"Thu Jan 1 00:00:00 UTC 2026", "Fri Nov 6 09:05:03 UTC 2026", "Fri Nov 27 16:50:01 UTC 2026", "Sun Feb 28 23:59:59 UTC 2027"} {
		if _, err := ParseTimestamp(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"Fri Nov 06 09:05:03 UTC 2026", "Sat Nov 6 09:05:03 UTC 2026", "Fri Nov 6 9:05:03 UTC 2026", "", "2026-11-06T09:05:03Z",
		"Fri Nov 6 09:05:03 CET 2026", strings.Repeat("x", 100)} {
		if _, err := ParseTimestamp(bad); !errors.Is(err, ErrBadTimestamp) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func BenchmarkServer(b *testing.B) {
	ver, _ := NewVerifier(rand.Reader, "Pool", "alice", "pw")
	A, _ := ParseA(vectors[0].A)
	for b.Loop() {
		if _, err := NewServer(rand.Reader, ver.V, A); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkModExp is the work NewServer cannot avoid: g^b, v^u and
// (A·v^u)^b with 256-bit exponents.
func BenchmarkModExp(b *testing.B) {
	gr := theGroup()
	ver, _ := NewVerifier(rand.Reader, "Pool", "alice", "pw")
	e := make([]byte, 32)
	rand.Read(e)
	exp := new(big.Int).SetBytes(e)
	A, _ := ParseA(vectors[0].A)
	for b.Loop() {
		new(big.Int).Exp(gr.g, exp, gr.n)
		t := new(big.Int).Exp(ver.V, exp, gr.n)
		t.Mul(t, A).Mod(t, gr.n)
		t.Exp(t, exp, gr.n)
	}
}
