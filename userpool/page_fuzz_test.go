package userpool

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/internal/seal"
)

// FuzzDecodePage: a pagination token from outside never panics the
// decoder, is refused with InvalidParameterException unless it is a
// token the pool issued, and opens only for the listing it was issued
// for, with the cursor it was issued with, and only until it expires.
func FuzzDecodePage(f *testing.F) {
	// A fixed secret and nonces, so every fuzzing process issues the same
	// tokens as the seeds.
	secret := bytes.Repeat([]byte{7, 1, 9, 3, 5, 2, 8, 4}, 4)
	sealer, err := seal.New(secret, "page-token pool_fuzz")
	if err != nil {
		f.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	now := t0
	p := &UserPool{pageSeal: sealer, random: rand.NewChaCha8([32]byte{}), now: func() time.Time { return now }}

	type cursor struct{ kind, key, after string }
	issued := map[string]cursor{}
	for _, c := range []cursor{
		{"users", `email ^= "a"`, "sub-1"},
		{"groups", "", "admins"},
		{"clients", "", ""},
		{"devices", "", "dev\x00\"}"},
	} {
		tok, err := p.encodePage(c.kind, c.key, c.after)
		if err != nil {
			f.Fatal(err)
		}
		issued[tok] = c
		f.Add(c.kind, tok, false)
		f.Add("users", tok[:len(tok)-1]+"A", false)
		f.Add(c.kind, tok, true)
		f.Add(c.kind, tok[:5]+"\r\n"+tok[5:], false)
	}
	for _, s := range []string{"", "e30", "AQ", "!!!!", string(make([]byte, 4097))} {
		f.Add("users", s, false)
	}
	f.Fuzz(func(t *testing.T, kind, token string, expired bool) {
		now = t0
		if expired {
			now = t0.Add(pageTokenValidity)
		}
		key, after, err := p.decodePage(kind, token)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Code != CodeInvalidParameter {
				t.Fatalf("decodePage(%q, %q) = %v, not InvalidParameterException", kind, token, err)
			}
			return
		}
		if token == "" {
			if key != "" || after != "" {
				t.Fatalf("the first page has a cursor %q %q", key, after)
			}
			return
		}
		// encoding/base64 skips '\r' and '\n', so an issued token with line
		// breaks opens too: the same sealed bytes, the same cursor.
		c, ok := issued[strings.NewReplacer("\r", "", "\n", "").Replace(token)]
		switch {
		case !ok:
			t.Fatalf("opened %q, which the pool never issued, as %q %q", token, key, after)
		case expired:
			t.Fatalf("opened the expired token %q", token)
		case c.kind != kind:
			t.Fatalf("a %s token opened for %s", c.kind, kind)
		case c.key != key || c.after != after:
			t.Fatalf("token of %+v opened as %q %q", c, key, after)
		}
	})
}
