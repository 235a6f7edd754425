package risk

import (
	"crypto/sha256"
	"strings"
	"testing"
)

func TestTheEmbeddedListIsWholeAndSorted(t *testing.T) {
	if !sorted() {
		t.Fatal("common_passwords.bin is not a sorted list of distinct 8-byte keys; rebuild it with internal/commongen")
	}
	if n := (CommonPasswords{}).Len(); n < 30_000 {
		t.Fatalf("the list holds %d passwords, want the 30,000 most common at least", n)
	}
}

func TestCommonPasswordsAreFoundWhateverTheirCase(t *testing.T) {
	var list CommonPasswords
	for _, pw := range []string{
		"123456", "password", "qwerty", // the top of every breach
		"trustno1", "sunshine1", "p@ssw0rd", // from the earlier built-in list
		"baseball1", "letmein1", "iloveyou2", // deeper in the corpus
		"Password", "DRAGON", "LetMeIn", // case does not matter
	} {
		if !list.Contains(pw) {
			t.Errorf("%q is not on the list", pw)
		}
	}
}

func TestUncommonPasswordsAreNotFound(t *testing.T) {
	var list CommonPasswords
	for _, pw := range []string{
		"", "correct-Horse-battery-9", "violet-Comet-2048", "a-very-long-passphrase-nobody-breached-yet",
		"123456 ", " password", "passwordx", strings.Repeat("a", 300), "пароль-на-русском-42",
	} {
		if list.Contains(pw) {
			t.Errorf("%q is on the list", pw)
		}
	}
}

func TestBreachedNeverFails(t *testing.T) {
	got, err := CommonPasswords{}.Breached(t.Context(), "monkey")
	if err != nil || !got {
		t.Fatalf("Breached(monkey) = %v, %v; want true, nil", got, err)
	}
}

// BenchmarkBreachCheck/offline is one lookup; /sha256 is the hash it
// wraps, so the ratio is the cost of the search itself; /range is one
// k-anonymity query to a local server.
func BenchmarkBreachCheck(b *testing.B) {
	pw := "correct-Horse-battery-9"
	b.Run("sha256", func(b *testing.B) {
		for b.Loop() {
			sha256.Sum256([]byte(strings.ToLower(pw)))
		}
	})
	b.Run("offline", func(b *testing.B) {
		var list CommonPasswords
		for b.Loop() {
			list.Contains(pw)
		}
	})
	// /range asks a local padded range server over loopback HTTP (a
	// kept-alive connection): the floor of an online check.
	b.Run("range", func(b *testing.B) {
		rs := newRangeServer(b, map[string]int{"hunter2": 3}, nil)
		c, err := NewRangeChecker(RangeOptions{BaseURL: rs.URL + "/range/"})
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := c.Breached(b.Context(), pw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
