package userpool_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cupola-auth/cupola/userpool"
)

func (e *env) trySignUp(username, mail, password string) error {
	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: username, Password: password,
		UserAttributes: []userpool.Attribute{email(mail)}})
	return err
}

func TestPasswordPolicy(t *testing.T) {
	composition := func(c *userpool.Config) {
		c.PasswordPolicy = userpool.PasswordPolicy{MinimumLength: 12, RequireUppercase: true, RequireLowercase: true,
			RequireNumbers: true, RequireSymbols: true}
	}
	// eight is the shortest minimum a pool may set.
	eight := func(c *userpool.Config) { c.PasswordPolicy.MinimumLength = 8 }
	withMFA := func(c *userpool.Config) { c.MFA = userpool.MFAConfig{Mode: userpool.MFAOptional} }
	tests := []struct {
		name     string
		policy   func(*userpool.Config)
		username string
		mail     string
		password string
		why      string // part of the refusal; "" means accepted
	}{
		{"a password-only pool wants 15 characters by default", nil, "user1", "u1@example.com", "zqxjvkwyzqxjvk", "minimum 15"},
		{"15 characters are enough in a password-only pool", nil, "user1", "u1@example.com", "zqxjvkwyzqxjvkw", ""},
		{"a pool with MFA wants 8 by default", withMFA, "user1", "u1@example.com", "zqxjvkw", "minimum 8"},
		{"8 are enough in a pool with MFA", withMFA, "user1", "u1@example.com", "zqxjvkwy", ""},
		{"seven characters are too short", eight, "user1", "u1@example.com", "zqxjvkw", "not long enough"},
		{"eight characters are enough", eight, "user1", "u1@example.com", "zqxjvkwy", ""},
		{"length counts characters, not bytes", eight, "user1", "u1@example.com", "ééééééé", "not long enough"},
		{"eight accented characters are enough", eight, "user1", "u1@example.com", "éàüöîçñø", ""},
		{"no composition is required by default", eight, "user1", "u1@example.com", "lowercase letters only", ""},
		{"64 Unicode characters are accepted", eight, "user1", "u1@example.com", strings.Repeat("密码ñ🔑", 16), ""},
		{"256 characters are accepted", eight, "user1", "u1@example.com", strings.Repeat("Zq9-", 64), ""},
		{"257 characters are too long", eight, "user1", "u1@example.com", strings.Repeat("Zq9-", 64) + "x", "longer than 256"},
		{"a common password is refused", eight, "user1", "u1@example.com", "password", "too common"},
		{"a common password in capitals is refused", eight, "user1", "u1@example.com", "PASSWORD123", "too common"},
		{"another common password is refused", eight, "user1", "u1@example.com", "iloveyou", "too common"},
		{"a password from deep in the breach list is refused", eight, "user1", "u1@example.com", "Gangster1", "too common"},
		{"a 15-character breached password is refused by a password-only pool", nil, "user1", "u1@example.com", "1qaz2wsx3edc4rfv", "too common"},
		{"the username inside the password is refused", eight, "alice", "a@example.com", "xxAlice-2024yy", "username"},
		{"the email's local part inside the password is refused", eight, "user1", "alice.smith@example.com", "alice.smith-99", "username"},
		{"the pool name inside the password is refused", eight, "user1", "u1@example.com", "my-example-pass", "pool name"},
		{"a username of three letters may appear", eight, "bob", "u1@example.com", "bobcat-Harbor", ""},
		{"a configured minimum length is honoured", composition, "user1", "u1@example.com", "Short-Pw1!", "not long enough"},
		{"a missing upper-case letter is refused", composition, "user1", "u1@example.com", "lower-case-pw1!", "uppercase"},
		{"a missing lower-case letter is refused", composition, "user1", "u1@example.com", "UPPER-CASE-PW1!", "lowercase"},
		{"a missing number is refused", composition, "user1", "u1@example.com", "Mixed-Case-Pw!", "numeric"},
		{"a missing symbol is refused", composition, "user1", "u1@example.com", "MixedCasePw123", "symbol"},
		{"a space counts as a symbol", composition, "user1", "u1@example.com", "Mixed Case Pw123", ""},
		{"a password meeting every rule is accepted", composition, "user1", "u1@example.com", "Mixed-Case-Pw1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mutate []func(*userpool.Config)
			if tt.policy != nil {
				mutate = append(mutate, tt.policy)
			}
			e := newFastEnv(t, mutate...)
			err := e.trySignUp(tt.username, tt.mail, tt.password)
			if tt.why == "" {
				wantNoError(t, "SignUp", err)
				wantNoError(t, "ConfirmSignUp", e.confirm(tt.username, e.lastCode(tt.mail)))
				e.mustSignIn(tt.username, tt.password)
				return
			}
			pe := wantCode(t, err, userpool.CodeInvalidPassword)
			if !strings.HasPrefix(pe.Message, "Password did not conform with policy: ") || !strings.Contains(pe.Message, tt.why) {
				t.Errorf("message %q, want the policy reason %q", pe.Message, tt.why)
			}
			e.noUser(tt.username)
		})
	}
}

func TestPasswordsAreComparedExactlyAsGiven(t *testing.T) {
	e := newFastEnv(t)
	nfc := "Caf\u00e9-au-lait-" + strings.Repeat("ü", 115) // 128 characters
	if n := utf8.RuneCountInString(nfc); n != 128 {
		t.Fatalf("test password has %d characters", n)
	}
	e.signUp("alice", "alice@example.com", nfc)
	wantNoError(t, "ConfirmSignUp", e.confirm("alice", e.lastCode("alice@example.com")))
	e.mustSignIn("alice", nfc)
	for _, variant := range []string{
		"Cafe\u0301-au-lait-" + strings.Repeat("ü", 115), // the same text, decomposed
		strings.ToLower(nfc),
		strings.ToUpper(nfc),
		nfc[:len(nfc)-2],
		nfc + " ",
		" " + nfc,
	} {
		_, err := e.signIn("alice", variant)
		wantMessage(t, err, userpool.CodeNotAuthorized, incorrect)
		e.clock.Advance(16 * time.Minute) // stay clear of the lockout
	}
}

func TestThePolicyAppliesToEveryNewPassword(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	at := e.mustSignIn("alice", goodPW).AccessToken
	for _, weak := range []string{"short", "password1", "alice-harbor-71"} {
		_, err := e.pool.ChangePassword(e.ctx, userpool.ChangePasswordInput{AccessToken: at, PreviousPassword: goodPW, ProposedPassword: weak})
		wantCode(t, err, userpool.CodeInvalidPassword)
		_, err = e.forgot(webClient, "alice")
		wantNoError(t, "ForgotPassword", err)
		wantCode(t, e.confirmForgot(webClient, "alice", e.lastCode("alice@example.com"), weak), userpool.CodeInvalidPassword)
	}
	e.mustSignIn("alice", goodPW)
}

func TestNewHashesUseOWASPArgon2idByDefault(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) { c.Hashing = userpool.HashingParams{} })
	e.signUp("alice", "alice@example.com", goodPW)
	hash := e.user("alice").Password.Hash
	const prefix = "$argon2id$v=19$m=19456,t=2,p=1$"
	if !strings.HasPrefix(hash, prefix) {
		t.Fatalf("hash = %.40q…, want %s…", hash, prefix)
	}
	salt, _, _ := strings.Cut(strings.TrimPrefix(hash, prefix), "$")
	if raw, err := base64.RawStdEncoding.DecodeString(salt); err != nil || len(raw) < 16 {
		t.Errorf("salt %q: want at least 16 random bytes", salt)
	}
	other := e.signUp("bob", "bob@example.com", goodPW).UserSub
	if u, _ := e.store.GetUser(e.ctx, e.cfg.ID, other); u.Password.Hash == hash {
		t.Error("two users with one password got the same hash")
	}
}
