package argon2

import (
	"bytes"
	"fmt"
	"testing"

	xargon2 "golang.org/x/crypto/argon2"
)

// TestBufferReuse checks the one change from x/crypto: one Buffer, reused
// across hashes of different sizes and parameters (so it holds an earlier
// hash's blocks, or more memory than asked), gives x/crypto's keys, with
// the vector code and without.
func TestBufferReuse(t *testing.T) {
	defer func(sse4, lsx bool) { useSSE4, useLSX = sse4, lsx }(useSSE4, useLSX)
	type params struct {
		time, memory uint32
		threads      uint8
	}
	cases := []params{{1, 64, 1}, {2, 256, 1}, {3, 256, 4}, {1, 64, 1}, {2, 1024, 2}, {1, 33, 1}, {2, 512, 3}, {4, 256, 1}, {1, 1024, 8}}
	for _, vector := range []bool{useSSE4 || useLSX, false} {
		useSSE4, useLSX = useSSE4 && vector, useLSX && vector
		var buf Buffer
		for round := range 2 {
			for i, p := range cases {
				pw, salt := fmt.Appendf(nil, "password %d %d", round, i), []byte("saltsaltsaltsalt")
				want := xargon2.IDKey(pw, salt, p.time, p.memory, p.threads, 32)
				if got := IDKeyBuffer(&buf, pw, salt, p.time, p.memory, p.threads, 32); !bytes.Equal(got, want) {
					t.Fatalf("vector=%v round %d %+v: reused buffer gives %x, want %x", vector, round, p, got, want)
				}
			}
		}
		if buf.Bytes() != 1024*1024 {
			t.Errorf("buffer holds %d bytes, want the largest memory used (1 MiB)", buf.Bytes())
		}
	}
}

func TestIDKeyBufferNil(t *testing.T) {
	want := xargon2.IDKey([]byte("pw"), []byte("saltsaltsaltsalt"), 2, 128, 1, 32)
	if got := IDKeyBuffer(nil, []byte("pw"), []byte("saltsaltsaltsalt"), 2, 128, 1, 32); !bytes.Equal(got, want) {
		t.Fatalf("IDKeyBuffer(nil) = %x, want %x", got, want)
	}
}
