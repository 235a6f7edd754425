package seal

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	secret := bytes.Repeat([]byte{7, 1, 9, 3, 5, 2, 8, 4}, 4)
	s, err := New(secret, "client-secret")
	if err != nil {
		t.Fatal(err)
	}
	box, err := s.Seal(rand.Reader, []byte("hunter2"), []byte("client-a"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(box, []byte("hunter2")) {
		t.Fatal("plaintext visible in the sealed value")
	}
	if got, err := s.Open(box, []byte("client-a")); err != nil || string(got) != "hunter2" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	other, _ := New(secret, "signing-key")
	otherSecret, _ := New(bytes.Repeat([]byte{9, 8, 7, 6, 5, 4, 3, 2}, 4), "client-secret")
	flipped := bytes.Clone(box)
	flipped[len(flipped)-1] ^= 1
	for name, open := range map[string]func() ([]byte, error){
		"other record":  func() ([]byte, error) { return s.Open(box, []byte("client-b")) },
		"other purpose": func() ([]byte, error) { return other.Open(box, []byte("client-a")) },
		"other secret":  func() ([]byte, error) { return otherSecret.Open(box, []byte("client-a")) },
		"tampered":      func() ([]byte, error) { return s.Open(flipped, []byte("client-a")) },
		"truncated":     func() ([]byte, error) { return s.Open(box[:10], []byte("client-a")) },
	} {
		if _, err := open(); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: %v, want ErrOpen", name, err)
		}
	}
}

func TestShortSecretIsRefused(t *testing.T) {
	if _, err := New(make([]byte, 31), "x"); err == nil {
		t.Fatal("a 31-byte secret was accepted")
	}
}

func TestRingRotates(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8}, 4), bytes.Repeat([]byte{8, 7, 6, 5, 4, 3, 2, 1}, 4)
	before, err := NewRing([][]byte{oldKey}, "cookie")
	if err != nil {
		t.Fatal(err)
	}
	box, err := before.Seal(rand.Reader, []byte("session"), []byte("name"))
	if err != nil {
		t.Fatal(err)
	}
	after, _ := NewRing([][]byte{newKey, oldKey}, "cookie")
	if got, err := after.Open(box, []byte("name")); err != nil || string(got) != "session" {
		t.Fatalf("a value sealed under the old key: %q, %v", got, err)
	}
	fresh, _ := after.Seal(rand.Reader, []byte("session"), []byte("name"))
	if _, err := before.Open(fresh, []byte("name")); !errors.Is(err, ErrOpen) {
		t.Fatal("the ring sealed with an old key")
	}
	dropped, _ := NewRing([][]byte{newKey}, "cookie")
	if _, err := dropped.Open(box, []byte("name")); !errors.Is(err, ErrOpen) {
		t.Fatal("a dropped key still opens")
	}
	if len(fresh) != len("session")+after.Overhead() {
		t.Fatalf("Overhead() = %d, sealed %d bytes of 7", after.Overhead(), len(fresh))
	}
	if _, err := NewRing(nil, "cookie"); err == nil {
		t.Fatal("an empty ring was accepted")
	}
}
