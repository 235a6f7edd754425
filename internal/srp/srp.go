// Package srp is the server side of Cognito's Secure Remote Password
// handshake (SRP-6a over the RFC 5054 3072-bit group with SHA-256, as
// amazon-cognito-identity-js and Amplify speak it): password verifiers,
// the server's half of the key agreement, the HKDF session key and the
// PASSWORD_CLAIM_SIGNATURE check, and the strict TIMESTAMP format. It holds
// no project types; userpool keeps the state between the two round trips.
//
// The constants, the padding rule and every formula follow the team's
// specification (shared/srp.md), which was checked against the real
// client; the tests replay its recorded vectors.
package srp

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
	"time"
)

// Errors, matchable with errors.Is.
var (
	// ErrMalformed: a hex or base64 parameter is empty, not a number or
	// too long.
	ErrMalformed = errors.New("srp: malformed parameter")
	// ErrBadA: SRP_A is 0 modulo N (or not below N): a client that sends
	// it could compute the session key without the password.
	ErrBadA = errors.New("srp: SRP_A is not a valid public value")
	// ErrBadTimestamp: TIMESTAMP is not Cognito's exact format.
	ErrBadTimestamp = errors.New("srp: malformed TIMESTAMP")
	// ErrBadVerifier: a verifier or salt handed in (ConfirmDevice) is out
	// of range.
	ErrBadVerifier = errors.New("srp: invalid verifier")
)

// nHex is N, the RFC 3526 / RFC 5054 3072-bit MODP prime; g = 2.
const nHex = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

// maxHexDigits bounds a hex parameter: N has 768 digits.
const maxHexDigits = 768

// SaltBytes is the size of a new salt, as Cognito's clients draw theirs.
const SaltBytes = 16

// privateBytes is the size of the server's secret exponent b.
const privateBytes = 32

// KeyBytes is the size of the session key.
const KeyBytes = 16

// derivedKeyInfo is the HKDF info Cognito uses.
const derivedKeyInfo = "Caldera Derived Key"

// TimestampLayout is Cognito's TIMESTAMP: English names, UTC, the day of
// month not zero-padded ("Fri Nov 6 09:05:03 UTC 2026").
const TimestampLayout = "Mon Jan 2 15:04:05 MST 2006"

// group holds N, g and k, computed once and never handed out.
type group struct{ n, g, k *big.Int }

var theGroup = sync.OnceValue(func() group {
	n, _ := new(big.Int).SetString(nHex, 16)
	g := big.NewInt(2)
	return group{n: n, g: g, k: new(big.Int).SetBytes(hash(pad(n), pad(g)))}
})

// pad is the client's padHex: minimal big-endian bytes, with a 0x00 in
// front when the first byte has its high bit set (PAD(0) = 00).
func pad(n *big.Int) []byte {
	b := n.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

func hash(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// x is the private value of a password: H(PAD(s) | H(pool | user | ":" | password)).
func x(salt *big.Int, poolName, userID, password string) *big.Int {
	inner := hash([]byte(poolName), []byte(userID), []byte(":"), []byte(password))
	return new(big.Int).SetBytes(hash(pad(salt), inner))
}

// Verifier is what the server keeps for a password: the salt and
// v = g^x mod N. poolName is the part of the pool ID after "_" (for a
// device, its DeviceGroupKey) and userID the canonical username (for a
// device, its DeviceKey). Verifiers allow offline guessing at SHA-256
// speed: keep them as secret as password hashes.
type Verifier struct {
	Salt *big.Int
	V    *big.Int
}

// NewVerifier draws a salt from r and computes the verifier of password.
func NewVerifier(r io.Reader, poolName, userID, password string) (Verifier, error) {
	b := make([]byte, SaltBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return Verifier{}, fmt.Errorf("srp: salt: %w", err)
	}
	s := new(big.Int).SetBytes(b)
	return Verifier{Salt: s, V: ComputeVerifier(s, poolName, userID, password)}, nil
}

// ComputeVerifier is v = g^x mod N for a given salt.
func ComputeVerifier(salt *big.Int, poolName, userID, password string) *big.Int {
	gr := theGroup()
	return new(big.Int).Exp(gr.g, x(salt, poolName, userID, password), gr.n)
}

// Marshal encodes a verifier for storage: PAD(salt) and PAD(v), each
// length-prefixed.
func (v Verifier) Marshal() []byte {
	s, w := pad(v.Salt), pad(v.V)
	out := make([]byte, 0, 4+len(s)+len(w))
	out = append(out, byte(len(s)>>8), byte(len(s)))
	out = append(out, s...)
	out = append(out, byte(len(w)>>8), byte(len(w)))
	return append(out, w...)
}

// UnmarshalVerifier decodes what Marshal encoded.
func UnmarshalVerifier(b []byte) (Verifier, error) {
	var parts [2]*big.Int
	for i := range parts {
		if len(b) < 2 {
			return Verifier{}, ErrBadVerifier
		}
		n := int(b[0])<<8 | int(b[1])
		if len(b) < 2+n || n == 0 {
			return Verifier{}, ErrBadVerifier
		}
		parts[i] = new(big.Int).SetBytes(b[2 : 2+n])
		b = b[2+n:]
	}
	if len(b) != 0 {
		return Verifier{}, ErrBadVerifier
	}
	return checkVerifier(Verifier{Salt: parts[0], V: parts[1]})
}

func checkVerifier(v Verifier) (Verifier, error) {
	gr := theGroup()
	if v.Salt.Sign() <= 0 || v.Salt.BitLen() > 1024 || v.V.Sign() <= 0 || v.V.Cmp(gr.n) >= 0 {
		return Verifier{}, ErrBadVerifier
	}
	return v, nil
}

// ParseDeviceVerifier reads ConfirmDevice's DeviceSecretVerifierConfig:
// Salt and PasswordVerifier, each standard base64 of the padded number.
func ParseDeviceVerifier(saltB64, verifierB64 string) (Verifier, error) {
	if saltB64 == "" || verifierB64 == "" || len(saltB64) > 1024 || len(verifierB64) > 1024 {
		return Verifier{}, fmt.Errorf("%w: DeviceSecretVerifierConfig", ErrBadVerifier)
	}
	s, err1 := base64.StdEncoding.DecodeString(saltB64)
	v, err2 := base64.StdEncoding.DecodeString(verifierB64)
	if err1 != nil || err2 != nil {
		return Verifier{}, fmt.Errorf("%w: DeviceSecretVerifierConfig is not base64", ErrBadVerifier)
	}
	return checkVerifier(Verifier{Salt: new(big.Int).SetBytes(s), V: new(big.Int).SetBytes(v)})
}

// ParseHex reads a number as Cognito's clients send it: hex digits,
// either case, any length up to N's, odd lengths included.
func ParseHex(s string) (*big.Int, error) {
	if s == "" || len(s) > maxHexDigits+2 {
		return nil, ErrMalformed
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return nil, ErrMalformed
		}
	}
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		return nil, ErrMalformed
	}
	return n, nil
}

// ParseA reads and checks the client's SRP_A: a number below N that is not
// 0 modulo N.
func ParseA(s string) (*big.Int, error) {
	a, err := ParseHex(s)
	if err != nil {
		return nil, err
	}
	gr := theGroup()
	if a.Sign() == 0 || a.Cmp(gr.n) >= 0 || new(big.Int).Mod(a, gr.n).Sign() == 0 {
		return nil, ErrBadA
	}
	return a, nil
}

// Server is the server's half of one handshake, computed at once: B to
// send as SRP_B, and the session key both sides derive.
type Server struct {
	B   *big.Int
	Key []byte
}

// NewServer answers the client's A for verifier v: a fresh secret b from
// r (redrawn while B or u is 0), B = k·v + g^b mod N, u = H(PAD(A) |
// PAD(B)), S = (A·v^u)^b mod N and Key = HKDF(PAD(S), PAD(u), "Caldera
// Derived Key", 16). A must come from ParseA.
func NewServer(r io.Reader, v *big.Int, A *big.Int) (*Server, error) {
	gr := theGroup()
	buf := make([]byte, privateBytes)
	for range 8 {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("srp: private value: %w", err)
		}
		b := new(big.Int).SetBytes(buf)
		if b.Sign() == 0 {
			continue
		}
		B := new(big.Int).Exp(gr.g, b, gr.n)
		B.Add(B, new(big.Int).Mul(gr.k, v))
		B.Mod(B, gr.n)
		if B.Sign() == 0 {
			continue
		}
		u := new(big.Int).SetBytes(hash(pad(A), pad(B)))
		if u.Sign() == 0 {
			continue
		}
		S := new(big.Int).Exp(v, u, gr.n)
		S.Mul(S, A)
		S.Mod(S, gr.n)
		S.Exp(S, b, gr.n)
		key, err := hkdf.Key(sha256.New, pad(S), pad(u), derivedKeyInfo, KeyBytes)
		if err != nil {
			return nil, fmt.Errorf("srp: key: %w", err)
		}
		return &Server{B: B, Key: key}, nil
	}
	return nil, errors.New("srp: no usable private value drawn")
}

// Hex writes a number as the server sends it: minimal lowercase hex.
func Hex(n *big.Int) string { return n.Text(16) }

// Signature is PASSWORD_CLAIM_SIGNATURE's bytes: HMAC-SHA256(key,
// poolName | userID | secretBlock | timestamp), over the exact TIMESTAMP
// received.
func Signature(key []byte, poolName, userID string, secretBlock []byte, timestamp string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(poolName))
	m.Write([]byte(userID))
	m.Write(secretBlock)
	m.Write([]byte(timestamp))
	return m.Sum(nil)
}

// VerifySignature checks a PASSWORD_CLAIM_SIGNATURE (standard base64) in
// constant time.
func VerifySignature(key []byte, poolName, userID string, secretBlock []byte, timestamp, signatureB64 string) bool {
	got, err := base64.StdEncoding.DecodeString(signatureB64)
	if err != nil || len(signatureB64) > 64 {
		return false
	}
	return hmac.Equal(got, Signature(key, poolName, userID, secretBlock, timestamp))
}

// ParseTimestamp reads a TIMESTAMP strictly: it must be exactly what
// Cognito's clients produce for its time (no zero-padded day, the right
// weekday).
func ParseTimestamp(ts string) (time.Time, error) {
	if len(ts) > 40 {
		return time.Time{}, ErrBadTimestamp
	}
	t, err := time.Parse(TimestampLayout, ts)
	if err != nil || t.UTC().Format(TimestampLayout) != ts {
		return time.Time{}, ErrBadTimestamp
	}
	return t.UTC(), nil
}

// FormatTimestamp is t as a client writes TIMESTAMP (for tests and
// clients written in Go).
func FormatTimestamp(t time.Time) string { return t.UTC().Format(TimestampLayout) }
