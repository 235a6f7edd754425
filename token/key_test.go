package token

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"testing"
)

func TestGenerateKey(t *testing.T) {
	tests := []struct {
		name string
		alg  Algorithm
	}{
		{"an RS256 key is a 2048-bit RSA key", RS256},
		{"an ES256 key is a P-256 key", ES256},
		{"an EdDSA key is an Ed25519 key", EdDSA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := testKeys()[tt.alg]
			if k.Algorithm != tt.alg {
				t.Fatalf("algorithm %s", k.Algorithm)
			}
			got, err := AlgorithmOf(k.Signer)
			if err != nil || got != tt.alg {
				t.Fatalf("AlgorithmOf = %s, %v", got, err)
			}
			if rk, ok := k.Signer.(*rsa.PrivateKey); ok && rk.N.BitLen() != 2048 {
				t.Fatalf("rsa key of %d bits", rk.N.BitLen())
			}
			id, err := base64.RawURLEncoding.DecodeString(k.ID)
			if err != nil || len(id) != 16 {
				t.Fatalf("id %q is not 128-bit base64url: %v", k.ID, err)
			}
			if !k.Published.IsZero() || !k.Active.IsZero() || !k.Retired.IsZero() || !k.Expires.IsZero() {
				t.Fatalf("a new key has lifecycle times set: %+v", k)
			}
		})
	}
}

func TestGenerateKeyTakesTheIDFromRandom(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, 64)
	a, err := GenerateKey(EdDSA, bytes.NewReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateKey(EdDSA, bytes.NewReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID || a.ID != base64.RawURLEncoding.EncodeToString(seed[:16]) {
		t.Fatalf("ids %q %q not taken from the reader", a.ID, b.ID)
	}
	c, err := GenerateKey(EdDSA, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == a.ID {
		t.Fatal("crypto/rand gave the same id as a fixed reader")
	}
}

func TestGenerateKeyErrors(t *testing.T) {
	tests := []struct {
		name   string
		alg    Algorithm
		random []byte
		want   error
	}{
		{"HS256 is not a signing algorithm we generate", "HS256", nil, ErrInvalidKey},
		{"none is refused", "none", nil, ErrInvalidKey},
		{"a short random source fails", EdDSA, []byte{1, 2, 3}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r *bytes.Reader
			if tt.random != nil {
				r = bytes.NewReader(tt.random)
			}
			var err error
			if r != nil {
				_, err = GenerateKey(tt.alg, r)
			} else {
				_, err = GenerateKey(tt.alg, nil)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
		})
	}
}

func TestPrivateKeyRoundTrip(t *testing.T) {
	for alg, k := range testKeys() {
		t.Run(string(alg)+" key survives PKCS#8", func(t *testing.T) {
			der, err := MarshalPrivateKey(k.Signer)
			if err != nil {
				t.Fatal(err)
			}
			s, err := ParsePrivateKey(der)
			if err != nil {
				t.Fatal(err)
			}
			eq, ok := s.(interface{ Equal(crypto.PrivateKey) bool })
			if !ok || !eq.Equal(k.Signer) {
				t.Fatal("parsed key differs")
			}
		})
	}
}

func TestParsePrivateKeyRefusesWeakOrForeignKeys(t *testing.T) {
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der := func(k any) []byte {
		b, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		der  []byte
	}{
		{"a 1024-bit RSA key is refused", der(rsa1024)},
		{"a P-384 key is refused", der(p384)},
		{"garbage is refused", []byte("not a key")},
		{"nothing is refused", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParsePrivateKey(tt.der); !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("err %v, want ErrInvalidKey", err)
			}
		})
	}

	marshal := []struct {
		name string
		s    crypto.Signer
	}{
		{"marshaling a 1024-bit RSA key is refused", rsa1024},
		{"marshaling a P-384 key is refused", p384},
		{"marshaling nil is refused", nil},
		{"marshaling a short ed25519 key is refused", ed25519.PrivateKey{1, 2}},
	}
	for _, tt := range marshal {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := MarshalPrivateKey(tt.s); !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("err %v, want ErrInvalidKey", err)
			}
		})
	}
}
