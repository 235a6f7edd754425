package userpool

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/cupola-auth/cupola/risk"
)

// FuzzCheckPassword: the policy check never panics, refuses only with
// InvalidPasswordException, and whatever it accepts satisfies the
// configured policy (checked here rule by rule): valid UTF-8, between
// MinimumLength and maxPasswordRunes runes (so hashing work is bounded),
// each required character class present, not a common password, and
// without the user's own identifiers.
func FuzzCheckPassword(f *testing.F) {
	for _, s := range []struct {
		pw    string
		rules uint8
		min   uint8
		word  string
	}{
		{"cobalt-Harbor-71", 0b1111, 2, "jane"},
		{"password", 0, 2, ""},
		{"PASSWORD1", 0, 2, ""},
		{"my-jane-doe-pass", 0, 2, "Jane"},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaa", 0b0010, 0, "x@example.com"},
		{"ÀÉÎõü1!xyz", 0b1111, 4, "ÀÉÎõ@x"},
		{"Ⅻ٣ǅ𝔸 \u00a0\u2028", 0b1111, 0, ""},
		{strings.Repeat("é", 257), 0, 93, ""},
		{"\xff\xfeabcdefgh", 0, 0, ""},
	} {
		f.Add(s.pw, s.rules, s.min, s.word)
	}
	f.Fuzz(func(t *testing.T, pw string, rules, minLen uint8, word string) {
		pol := PasswordPolicy{
			MinimumLength:    6 + int(minLen)%94, // the 6–99 Config allows
			RequireUppercase: rules&1 != 0,
			RequireLowercase: rules&2 != 0,
			RequireNumbers:   rules&4 != 0,
			RequireSymbols:   rules&8 != 0,
		}
		p := &UserPool{cfg: Config{PasswordPolicy: pol}}
		email := "jane.doe@example.com"
		err := p.checkPassword(pw, word, email)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Code != CodeInvalidPassword {
				t.Fatalf("checkPassword(%q) = %v, not InvalidPasswordException", pw, err)
			}
			return
		}
		if !utf8.ValidString(pw) {
			t.Fatalf("accepted invalid UTF-8 %q", pw)
		}
		if n := utf8.RuneCountInString(pw); n < pol.MinimumLength || n > maxPasswordRunes || len(pw) > 4*maxPasswordRunes {
			t.Fatalf("accepted %d runes (%d bytes), policy %d-%d", n, len(pw), pol.MinimumLength, maxPasswordRunes)
		}
		has := func(class func(rune) bool) bool { return strings.IndexFunc(pw, class) >= 0 }
		symbol := func(r rune) bool { return strings.ContainsRune(cognitoSymbols, r) }
		for _, rule := range []struct {
			on    bool
			class func(rune) bool
			name  string
		}{
			{pol.RequireUppercase, unicode.IsUpper, "uppercase"},
			{pol.RequireLowercase, unicode.IsLower, "lowercase"},
			{pol.RequireNumbers, unicode.IsDigit, "number"},
			{pol.RequireSymbols, symbol, "symbol"},
		} {
			if rule.on && !has(rule.class) {
				t.Fatalf("accepted %q without a %s", pw, rule.name)
			}
		}
		if (risk.CommonPasswords{}).Contains(pw) {
			t.Fatalf("accepted the common password %q", pw)
		}
		for _, w := range []string{word, email} {
			w = strings.ToLower(w)
			if local, _, ok := strings.Cut(w, "@"); ok {
				w = local // an email address counts by its local part
			}
			if utf8.RuneCountInString(w) >= 4 && strings.Contains(strings.ToLower(pw), w) {
				t.Fatalf("accepted %q containing the identifier %q", pw, w)
			}
		}
	})
}
