package mfa

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// Remembered-device proof.
//
// Cognito authenticates remembered devices with device SRP. Until SRP exists here, this is the
// documented substitute, which never sends the device secret:
//
//	Verifier = SHA-256(deviceKey 0x00 secret)                        stored by the server
//	Proof    = HMAC-SHA256(key = Verifier,
//	                       msg = nonce || deviceKey 0x00 username)   sent by the device
//
// The server issues a fresh random 32-byte nonce per sign-in (NewNonce), keeps it with the
// challenge session, and checks the answer with CheckDeviceProof using the stored verifier.
//
// Unlike an SRP verifier, this verifier is key-equivalent: whoever reads it can compute proofs.
// It must be stored protected (userpool seals it) and the scheme must be replaced by device SRP.
// The nonce must be single-use, which the challenge session already guarantees.

// Device proof sizes.
const (
	// NonceSize is the size of a server nonce in bytes.
	NonceSize = 32
	// DeviceSecretSize is the number of random bytes in a device secret.
	DeviceSecretSize = 32

	maxDeviceKeyLen = 256
)

// DeviceSecret is what a device keeps (Key, Secret) and what the server stores (Key, Verifier).
type DeviceSecret struct {
	Key      string // device key (Cognito's DeviceKey)
	Secret   string // base64url device secret; stays on the device
	Verifier []byte // DeviceVerifier(Key, Secret); stored protected by the server
}

// NewDeviceSecret makes a random secret for deviceKey and its verifier. It is what a client (or a
// test) does before ConfirmDevice. random nil means crypto/rand.
func NewDeviceSecret(random io.Reader, deviceKey string) (DeviceSecret, error) {
	if !validDeviceKey(deviceKey) {
		return DeviceSecret{}, fmt.Errorf("new device secret: device key must be 1 to %d bytes without NUL: %w", maxDeviceKeyLen, ErrInvalidInput)
	}
	b, err := randomBytes(random, DeviceSecretSize)
	if err != nil {
		return DeviceSecret{}, fmt.Errorf("new device secret: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(b)
	return DeviceSecret{Key: deviceKey, Secret: secret, Verifier: DeviceVerifier(deviceKey, secret)}, nil
}

// DeviceVerifier returns SHA-256(deviceKey 0x00 secret), the value the server stores for a device.
func DeviceVerifier(deviceKey, secret string) []byte {
	h := sha256.New()
	io.WriteString(h, deviceKey)
	h.Write([]byte{0})
	io.WriteString(h, secret)
	return h.Sum(nil)
}

// DeviceProof returns the base64 (standard, padded) proof a device sends for the server's nonce.
func DeviceProof(deviceKey, secret, username string, nonce []byte) string {
	return base64.StdEncoding.EncodeToString(deviceMAC(DeviceVerifier(deviceKey, secret), deviceKey, username, nonce))
}

// CheckDeviceProof reports whether proof answers nonce for the device whose stored verifier is
// verifier, signing in as username. It compares in constant time and returns false for malformed
// base64, a nonce that is not NonceSize bytes, an invalid device key or a verifier of the wrong size.
func CheckDeviceProof(verifier []byte, deviceKey, username string, nonce []byte, proof string) bool {
	if len(verifier) != sha256.Size || len(nonce) != NonceSize || !validDeviceKey(deviceKey) ||
		len(proof) != base64.StdEncoding.EncodedLen(sha256.Size) {
		return false
	}
	got, err := base64.StdEncoding.Strict().DecodeString(proof)
	if err != nil {
		return false
	}
	return hmac.Equal(deviceMAC(verifier, deviceKey, username, nonce), got)
}

// NewNonce returns NonceSize random bytes for one device challenge. random nil means crypto/rand.
func NewNonce(random io.Reader) ([]byte, error) {
	b, err := randomBytes(random, NonceSize)
	if err != nil {
		return nil, fmt.Errorf("new nonce: %w", err)
	}
	return b, nil
}

func deviceMAC(verifier []byte, deviceKey, username string, nonce []byte) []byte {
	mac := hmac.New(sha256.New, verifier)
	mac.Write(nonce)
	io.WriteString(mac, deviceKey)
	mac.Write([]byte{0})
	io.WriteString(mac, username)
	return mac.Sum(nil)
}

func validDeviceKey(k string) bool {
	return k != "" && len(k) <= maxDeviceKeyLen && !strings.ContainsRune(k, 0)
}
