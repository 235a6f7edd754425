package mfa

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"
)

func TestCheckDeviceProof(t *testing.T) {
	dev, err := NewDeviceSecret(nil, "eu-west-1_2d9f6a4e-device")
	if err != nil {
		t.Fatal(err)
	}
	nonce, err := NewNonce(nil)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewNonce(nil)
	proof := DeviceProof(dev.Key, dev.Secret, "alice", nonce)
	flipped := []byte(proof)
	flipped[3] ^= 1

	tests := []struct {
		name      string
		verifier  []byte
		deviceKey string
		username  string
		nonce     []byte
		proof     string
		want      bool
	}{
		{"the right proof checks", dev.Verifier, dev.Key, "alice", nonce, proof, true},
		{"a proof for another nonce fails", dev.Verifier, dev.Key, "alice", other, proof, false},
		{"a proof for another user fails", dev.Verifier, dev.Key, "bob", nonce, proof, false},
		{"a proof presented for another device key fails", dev.Verifier, dev.Key + "x", "alice", nonce, proof, false},
		{"a proof made with another secret fails", dev.Verifier, dev.Key, "alice", nonce, DeviceProof(dev.Key, dev.Secret+"x", "alice", nonce), false},
		{"another device's verifier fails", DeviceVerifier(dev.Key, "other"), dev.Key, "alice", nonce, proof, false},
		{"a flipped character fails", dev.Verifier, dev.Key, "alice", nonce, string(flipped), false},
		{"malformed base64 fails", dev.Verifier, dev.Key, "alice", nonce, "!!!not base64!!!" + proof[16:], false},
		{"unpadded base64 fails", dev.Verifier, dev.Key, "alice", nonce, base64.RawStdEncoding.EncodeToString([]byte("x")), false},
		{"an empty proof fails", dev.Verifier, dev.Key, "alice", nonce, "", false},
		{"the secret itself as proof fails", dev.Verifier, dev.Key, "alice", nonce, dev.Secret, false},
		{"the verifier itself as proof fails", dev.Verifier, dev.Key, "alice", nonce, base64.StdEncoding.EncodeToString(dev.Verifier), false},
		{"a short nonce fails", dev.Verifier, dev.Key, "alice", nonce[:16], DeviceProof(dev.Key, dev.Secret, "alice", nonce[:16]), false},
		{"an empty verifier fails", nil, dev.Key, "alice", nonce, proof, false},
		{"an empty device key fails", DeviceVerifier("", dev.Secret), "", "alice", nonce, DeviceProof("", dev.Secret, "alice", nonce), false},
		// deviceKey and username are separated, so moving bytes between them changes the proof.
		{"a proof for a short device key and username checks", DeviceVerifier("ab", "s"), "ab", "c", nonce, DeviceProof("ab", "s", "c", nonce), true},
		{"the shifted split does not verify", DeviceVerifier("ab", "s"), "ab", "c", nonce, base64.StdEncoding.EncodeToString(deviceMAC(DeviceVerifier("ab", "s"), "a", "bc", nonce)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckDeviceProof(tt.verifier, tt.deviceKey, tt.username, tt.nonce, tt.proof); got != tt.want {
				t.Fatalf("CheckDeviceProof = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestNewDeviceSecret(t *testing.T) {
	dev, err := NewDeviceSecret(bytes.NewReader(bytes.Repeat([]byte{3}, DeviceSecretSize)), "dk")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(dev.Secret)
	if err != nil || len(raw) != DeviceSecretSize {
		t.Fatalf("secret %q: %d bytes, %v", dev.Secret, len(raw), err)
	}
	if !bytes.Equal(dev.Verifier, DeviceVerifier("dk", dev.Secret)) || dev.Key != "dk" {
		t.Fatalf("verifier or key do not match: %+v", dev)
	}
	for name, key := range map[string]string{"an empty device key": "", "a NUL in the device key": "a\x00b", "a 257-byte device key": string(make([]byte, 257))} {
		t.Run(name+" is refused", func(t *testing.T) {
			if _, err := NewDeviceSecret(nil, key); !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("NewDeviceSecret: %v; want ErrInvalidInput", err)
			}
		})
	}
	t.Run("an exhausted random source is an error", func(t *testing.T) {
		if _, err := NewDeviceSecret(bytes.NewReader(nil), "dk"); err == nil {
			t.Fatal("succeeded")
		}
	})
}

func TestNewNonce(t *testing.T) {
	a, err := NewNonce(nil)
	if err != nil || len(a) != NonceSize {
		t.Fatalf("NewNonce = %d bytes, %v", len(a), err)
	}
	b, _ := NewNonce(nil)
	if bytes.Equal(a, b) {
		t.Fatal("two nonces are equal")
	}
	if _, err := NewNonce(bytes.NewReader(make([]byte, 31))); err == nil {
		t.Fatal("NewNonce succeeded on a short random source")
	}
}
