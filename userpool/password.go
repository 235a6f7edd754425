package userpool

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cupola-auth/cupola/risk"
)

// maxPasswordRunes is Cognito's ceiling; it also bounds hashing work.
const maxPasswordRunes = 256

// cognitoSymbols is the symbol set of Cognito's RequireSymbols.
const cognitoSymbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

// checkPassword applies the pool's policy. contextWords (username, email,
// pool name) may not appear in the password.
func (p *UserPool) checkPassword(pw string, contextWords ...string) error {
	bad := func(why string) error {
		return newErr(CodeInvalidPassword, "Password did not conform with policy: "+why)
	}
	if !utf8.ValidString(pw) {
		return bad("Password is not valid UTF-8")
	}
	n := utf8.RuneCountInString(pw)
	pol := p.cfg.PasswordPolicy
	if n < pol.MinimumLength {
		return bad(fmt.Sprintf("Password not long enough (minimum %d characters)", pol.MinimumLength))
	}
	if n > maxPasswordRunes {
		return bad(fmt.Sprintf("Password is longer than %d characters", maxPasswordRunes))
	}
	var upper, lower, digit, symbol bool
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case strings.ContainsRune(cognitoSymbols, r):
			symbol = true
		}
	}
	switch {
	case pol.RequireUppercase && !upper:
		return bad("Password must have uppercase characters")
	case pol.RequireLowercase && !lower:
		return bad("Password must have lowercase characters")
	case pol.RequireNumbers && !digit:
		return bad("Password must have numeric characters")
	case pol.RequireSymbols && !symbol:
		return bad("Password must have symbol characters")
	}
	lowerPW := strings.ToLower(pw)
	// Refused whatever the policy (ASVS 2.1.7, NIST 800-63B §5.1.1.2):
	// the 30,000 passwords breaches show most often, whatever their case.
	if (risk.CommonPasswords{}).Contains(pw) {
		return bad("Password is too common")
	}
	for _, w := range contextWords {
		w = strings.ToLower(w)
		if local, _, ok := strings.Cut(w, "@"); ok {
			w = local
		}
		if utf8.RuneCountInString(w) >= 4 && strings.Contains(lowerPW, w) {
			return bad("Password must not contain the username, email or pool name")
		}
	}
	return nil
}
