package userpool

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxPasswordRunes is Cognito's ceiling; it also bounds hashing work.
const maxPasswordRunes = 256

// cognitoSymbols is the symbol set of Cognito's RequireSymbols.
const cognitoSymbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

// commonPasswords are refused whatever the policy (ASVS 6.2.4, NIST
// 800-63B §5.1.1.2). A pool that needs the full breached-password check
// adds it through the risk package when it lands.
var commonPasswords = map[string]bool{}

func init() {
	for _, pw := range strings.Fields(`123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon
		123123 baseball abc123 football monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang
		1234567890 michael 654321 superman 1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer trustno1 jordan
		jennifer zxcvbnm asdfgh hunter buster soccer harley batman andrew tigger sunshine iloveyou 2000 charlie
		robert thomas hockey ranger daniel starwars klaster 112233 george computer michelle jessica pepper 1111
		zxcvbn 555555 11111111 131313 freedom 777777 pass maggie 159753 aaaaaa ginger princess joshua cheese
		amanda summer love ashley nicole chelsea biteme matthew access yankees 987654321 dallas austin thunder
		taylor matrix passw0rd password1 password123 welcome welcome1 admin admin123 administrator changeme
		secret qwerty123 qwerty1 iloveyou1 1q2w3e4r 1q2w3e4r5t 1q2w3e 123abc abcd1234 abcdefgh 12341234
		87654321 11223344 00000000 123456789a a123456789 asdfghjkl zaq12wsx p@ssw0rd p@ssword letmein1
		football1 baseball1 princess1 sunshine1 monkey123 dragon123 master123 superman1 trustno11 whatever
		passpass qweasdzxc q1w2e3r4 q1w2e3r4t5 1qazxsw2 asdf1234 zxcv1234 test1234 testtest guest123`) {
		commonPasswords[pw] = true
	}
}

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
	if commonPasswords[lowerPW] {
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
