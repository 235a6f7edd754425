package seal

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
)

// FuzzOpen: only what was sealed opens, under the same secret, purpose
// and additional data, to the same plaintext; anything else, including a
// sealed value with one bit changed, is ErrOpen. A ring opens exactly
// what one of its secrets opens. Whatever is sealed opens back.
func FuzzOpen(f *testing.F) {
	secret := bytes.Repeat([]byte{7, 1, 9, 3, 5, 2, 8, 4}, 4)
	other := bytes.Repeat([]byte{9, 8, 7, 6, 5, 4, 3, 2}, 4)
	s, err := New(secret, "page-token")
	if err != nil {
		f.Fatal(err)
	}
	otherSecret, _ := New(other, "page-token")
	otherPurpose, _ := New(secret, "client-secret")
	ring, err := NewRing([][]byte{other, secret}, "page-token")
	if err != nil {
		f.Fatal(err)
	}
	plain, ad := []byte("cursor"), []byte("users")
	// A fixed nonce, so every fuzzing process seals the same box.
	box, err := s.Seal(bytes.NewReader(make([]byte, 12)), plain, ad)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(box, ad, uint16(0))
	f.Add(box, []byte("groups"), uint16(3))
	f.Add(box[:len(box)-1], ad, uint16(len(box)*8-1))
	f.Add([]byte{}, []byte{}, uint16(1))
	f.Add(append([]byte{2}, box[1:]...), ad, uint16(8))
	f.Fuzz(func(t *testing.T, in, inAD []byte, bit uint16) {
		got, err := s.Open(in, inAD)
		if err == nil && (!bytes.Equal(in, box) || !bytes.Equal(inAD, ad) || !bytes.Equal(got, plain)) {
			t.Fatalf("opened a value that was never sealed: %x (ad %q) to %q", in, inAD, got)
		}
		if err != nil && (!errors.Is(err, ErrOpen) || got != nil) {
			t.Fatalf("Open: %q, %v", got, err)
		}
		rgot, rerr := ring.Open(in, inAD)
		if (rerr == nil) != (err == nil) || !bytes.Equal(rgot, got) {
			t.Fatalf("the ring opens %x to %q, %v; its sealer to %q, %v", in, rgot, rerr, got, err)
		}
		for _, o := range []*Sealer{otherSecret, otherPurpose} {
			if _, err := o.Open(in, inAD); !errors.Is(err, ErrOpen) {
				t.Fatalf("opened %x under another secret or purpose", in)
			}
		}

		sealed, err := ring.Seal(rand.Reader, in, inAD)
		if err != nil || len(sealed) != len(in)+ring.Overhead() {
			t.Fatalf("Seal: %d bytes, %v", len(sealed), err)
		}
		if back, err := ring.Open(sealed, inAD); err != nil || !bytes.Equal(back, in) {
			t.Fatalf("sealed %q opens to %q, %v", in, back, err)
		}
		if _, err := s.Open(sealed, inAD); !errors.Is(err, ErrOpen) {
			t.Fatal("the ring sealed with another secret than its first")
		}
		flipped := bytes.Clone(sealed)
		flipped[int(bit/8)%len(flipped)] ^= 1 << (bit % 8)
		if _, err := ring.Open(flipped, inAD); !errors.Is(err, ErrOpen) {
			t.Fatalf("a sealed value with bit %d changed opens", bit)
		}
	})
}
