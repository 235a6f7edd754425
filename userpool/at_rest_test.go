package userpool_test

import (
	"bytes"
	"encoding/base32"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

// What a stolen copy of the database gives away: no code a user could
// type, no authenticator secret.

func TestAStoredCodeIsAKeyedHashNotTheCode(t *testing.T) {
	e := newFastEnv(t)
	sub := e.signUp("alice", "alice@example.com", goodPW).UserSub
	code := e.lastCode("alice@example.com")
	// Presented as the stored value, the code itself does not match: the
	// store holds something else (the HMAC under the pool secret).
	_, err := e.store.ConsumeCode(e.ctx, e.cfg.ID, sub, "signup", []byte(code), e.clock.Now(), 100)
	if !errors.Is(err, store.ErrCodeMismatch) {
		t.Fatalf("the plain code matched the stored one: %v", err)
	}
	wantNoError(t, "ConfirmSignUp", e.confirm("alice", code))
}

func TestAStoredAuthenticatorSecretIsSealed(t *testing.T) {
	e := newMemEnv(t, withMFA(userpool.MFAOptional))
	e.confirmedUser("uma", "uma@example.com")
	app, recovery := e.enrollTOTP("uma")
	u := e.user("uma")
	doc, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	secretB32 := strings.TrimRight(base32.StdEncoding.EncodeToString(app.secret), "=")
	for what, plain := range map[string][]byte{"the raw secret": app.secret, "the base32 secret": []byte(secretB32),
		"a recovery code": []byte(recovery[0])} {
		if bytes.Contains(doc, plain) || bytes.Contains(u.MFA.TOTPSecret, plain) {
			t.Errorf("the stored user shows %s", what)
		}
	}
	if len(u.MFA.TOTPSecret) <= len(app.secret) {
		t.Errorf("the stored secret (%d bytes) is no longer than the secret itself (%d): not sealed", len(u.MFA.TOTPSecret), len(app.secret))
	}
}

func TestAReplayedAuthenticatorCodeIsRefusedAndLogged(t *testing.T) {
	var logs syncBuffer
	e := newMemEnv(t, withMFA(userpool.MFAOptional), func(c *userpool.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	e.confirmedUser("uma", "uma@example.com")
	app, _ := e.enrollTOTP("uma")
	e.clock.Advance(time.Minute)
	code := app.code(e.clock.Now())
	out, err := e.answerTOTP(e.passwordStep("uma").Session, "uma", code)
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("first use: %+v, %v", out, err)
	}
	_, err = e.answerTOTP(e.passwordStep("uma").Session, "uma", code)
	wantCode(t, err, userpool.CodeCodeMismatch)
	if !strings.Contains(logs.String(), "totp code replayed") {
		t.Fatalf("the replay was not logged:\n%s", logs.String())
	}
}
