package srp

import (
	"bytes"
	"testing"
)

// FuzzSRPParameters feeds the parsers what a client controls: SRP_A,
// TIMESTAMP, a signature, a stored or device verifier. Nothing panics, and
// what is accepted is in range.
func FuzzSRPParameters(f *testing.F) {
	f.Add(vectors[0].A, vectors[0].timestamp, vectors[0].signature, []byte{0, 1, 5, 0, 1, 7})
	f.Add("0", "Fri Nov 06 09:05:03 UTC 2026", "!!", []byte{})
	f.Fuzz(func(t *testing.T, a, ts, sig string, stored []byte) {
		if A, err := ParseA(a); err == nil && (A.Sign() <= 0 || A.Cmp(theGroup().n) >= 0) {
			t.Fatalf("ParseA accepted %x", A)
		}
		if tm, err := ParseTimestamp(ts); err == nil && FormatTimestamp(tm) != ts {
			t.Fatalf("ParseTimestamp accepted %q, which formats as %q", ts, FormatTimestamp(tm))
		}
		_ = VerifySignature(bytes.Repeat([]byte{1}, KeyBytes), "p", "u", stored, ts, sig)
		if v, err := UnmarshalVerifier(stored); err == nil && (v.V.Sign() <= 0 || v.V.Cmp(theGroup().n) >= 0) {
			t.Fatal("UnmarshalVerifier accepted an out-of-range verifier")
		}
		_, _ = ParseDeviceVerifier(a, sig)
	})
}
