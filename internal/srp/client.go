package srp

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
)

// Client is the client's side of the handshake, as amazon-cognito-identity-js
// computes it: for tests, benchmarks and Go programs that sign in by SRP.
type Client struct {
	a, A *big.Int
}

// NewClient draws the client's secret (128 bytes, as the JS client does).
func NewClient(r io.Reader) (*Client, error) {
	gr := theGroup()
	b := make([]byte, 128)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("srp: client secret: %w", err)
	}
	a := new(big.Int).SetBytes(b)
	return &Client{a: a, A: new(big.Int).Exp(gr.g, a, gr.n)}, nil
}

// A is SRP_A, as the client sends it.
func (c *Client) SRPA() string { return Hex(c.A) }

// Key derives the session key from the server's SRP_B and SALT (hex) for
// the password of userID in poolName.
func (c *Client) Key(srpB, salt, poolName, userID, password string) ([]byte, error) {
	gr := theGroup()
	B, err := ParseHex(srpB)
	if err != nil {
		return nil, err
	}
	s, err := ParseHex(salt)
	if err != nil {
		return nil, err
	}
	if new(big.Int).Mod(B, gr.n).Sign() == 0 {
		return nil, ErrBadA
	}
	u := new(big.Int).SetBytes(hash(pad(c.A), pad(B)))
	xv := x(s, poolName, userID, password)
	base := new(big.Int).Sub(B, new(big.Int).Mul(gr.k, new(big.Int).Exp(gr.g, xv, gr.n)))
	base.Mod(base, gr.n)
	S := new(big.Int).Exp(base, new(big.Int).Add(c.a, new(big.Int).Mul(u, xv)), gr.n)
	return hkdf.Key(sha256.New, pad(S), pad(u), derivedKeyInfo, KeyBytes)
}

// Claim is PASSWORD_CLAIM_SIGNATURE for a SECRET_BLOCK (base64) and a
// TIMESTAMP.
func Claim(key []byte, poolName, userID, secretBlockB64, timestamp string) (string, error) {
	block, err := base64.StdEncoding.DecodeString(secretBlockB64)
	if err != nil {
		return "", fmt.Errorf("%w: SECRET_BLOCK", ErrMalformed)
	}
	return base64.StdEncoding.EncodeToString(Signature(key, poolName, userID, block, timestamp)), nil
}

// DeviceVerifierConfig is what a client sends to ConfirmDevice, made as
// amazon-cognito-identity-js makes it: a random device password (base64 of
// 40 bytes), a 16-byte salt, and the verifier of that password for
// DeviceGroupKey and DeviceKey, each number as base64 of its padded bytes.
func DeviceVerifierConfig(r io.Reader, groupKey, deviceKey string) (password, saltB64, verifierB64 string, err error) {
	pw := make([]byte, 40)
	if _, err := io.ReadFull(r, pw); err != nil {
		return "", "", "", fmt.Errorf("srp: device password: %w", err)
	}
	password = base64.StdEncoding.EncodeToString(pw)
	v, err := NewVerifier(r, groupKey, deviceKey, password)
	if err != nil {
		return "", "", "", err
	}
	return password, base64.StdEncoding.EncodeToString(pad(v.Salt)), base64.StdEncoding.EncodeToString(pad(v.V)), nil
}
