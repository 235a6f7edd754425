package userpool_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

const newPW = "fresh-Lagoon-42"

func (e *env) forgot(clientID, username string) (*userpool.ForgotPasswordOutput, error) {
	return e.pool.ForgotPassword(e.ctx, userpool.ForgotPasswordInput{ClientID: clientID, Username: username})
}

func (e *env) confirmForgot(clientID, username, code, password string) error {
	return errOf(e.pool.ConfirmForgotPassword(e.ctx, userpool.ConfirmForgotPasswordInput{ClientID: clientID,
		Username: username, ConfirmationCode: code, Password: password}))
}

func TestForgotPasswordResetsThePasswordAndEndsEverySession(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	first, second := e.mustSignIn("alice", goodPW), e.mustSignIn("alice", goodPW)

	d, err := e.forgot(webClient, "alice")
	wantNoError(t, "ForgotPassword", err)
	want := userpool.CodeDeliveryDetails{Destination: "a***@e***", DeliveryMedium: "EMAIL", AttributeName: "email"}
	if *d.CodeDeliveryDetails != want {
		t.Errorf("delivery = %+v, want %+v", *d, want)
	}
	code := e.lastCode("alice@example.com")
	wantNoError(t, "ConfirmForgotPassword", e.confirmForgot(webClient, "alice", code, newPW))

	_, err = e.signIn("alice", goodPW)
	wantMessage(t, err, userpool.CodeNotAuthorized, incorrect)
	e.mustSignIn("alice", newPW)
	for _, s := range []*userpool.AuthenticationResult{first, second} {
		_, err := e.refresh(webClient, s.RefreshToken)
		wantCode(t, err, userpool.CodeNotAuthorized)
		_, err = e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: s.AccessToken})
		wantCode(t, err, userpool.CodeNotAuthorized)
	}
	// The code was single-use.
	wantCode(t, e.confirmForgot(webClient, "alice", code, "other-Meadow-77"), userpool.CodeExpiredCode)
	e.mustSignIn("alice", newPW)
}

func TestForgotPasswordClearsTheLockout(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	for range 5 {
		e.wantOutcome("alice", wrongPW, incorrect)
	}
	e.wantOutcome("alice", goodPW, attemptsExceeded)
	_, err := e.forgot(webClient, "alice")
	wantNoError(t, "ForgotPassword", err)
	wantNoError(t, "ConfirmForgotPassword", e.confirmForgot(webClient, "alice", e.lastCode("alice@example.com"), newPW))
	e.wantOutcome("alice", newPW, "ok")
}

func TestForgotPasswordConfirmsAnUnconfirmedUser(t *testing.T) {
	e := newFastEnv(t)
	sub := e.signUp("alice", "alice@example.com", goodPW).UserSub
	// Without a verified address there is nowhere to send a reset code:
	// the answer is the one an unknown user gets, and nothing is sent.
	sent := e.sent()
	_, err := e.forgot(webClient, "alice")
	wantNoError(t, "ForgotPassword without a verified address", err)
	if e.sent() != sent {
		t.Fatal("a reset code went to an unverified address")
	}

	e.changeUser(sub, func(u *store.User) { u.Attributes["email_verified"] = "true" })
	_, err = e.forgot(webClient, "alice")
	wantNoError(t, "ForgotPassword", err)
	wantNoError(t, "ConfirmForgotPassword", e.confirmForgot(webClient, "alice", e.lastCode("alice@example.com"), newPW))
	if u := e.user("alice"); u.Status != store.StatusConfirmed {
		t.Errorf("status = %s, want CONFIRMED", u.Status)
	}
	e.mustSignIn("alice", newPW)
}

func TestForgotPasswordUsesAVerifiedPhoneWhenThereIsNoVerifiedEmail(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) { c.AutoVerifiedAttributes = []string{"phone_number"} })
	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "alice", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("alice@example.com"), {Name: "phone_number", Value: "+12065551212"}}})
	wantNoError(t, "SignUp", err)
	wantNoError(t, "ConfirmSignUp", e.confirm("alice", e.lastCode("+12065551212")))
	d, err := e.forgot(webClient, "alice")
	wantNoError(t, "ForgotPassword", err)
	if d.DeliveryMedium != "SMS" || d.AttributeName != "phone_number" {
		t.Errorf("delivery = %+v, want SMS to the verified phone", d)
	}
	if len(e.mail().Emails()) != 0 {
		t.Error("a reset code went to the unverified email")
	}
	wantNoError(t, "ConfirmForgotPassword", e.confirmForgot(webClient, "alice", e.lastCode("+12065551212"), newPW))
}

func TestForgotPasswordDoesNotRevealWhoExists(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	disabled := e.confirmedUser("dora", "dora@example.com")
	e.changeUser(disabled, func(u *store.User) { u.Enabled = false })
	sent := e.sent()

	for _, name := range []string{"mallory", "dora", "mallory@example.com"} {
		d, err := e.forgot(webClient, name)
		wantNoError(t, "ForgotPassword("+name+")", err)
		if d.DeliveryMedium != "EMAIL" || d.AttributeName != "email" || !strings.Contains(d.Destination, "***@") {
			t.Errorf("%s: delivery = %+v, want a plausible masked email", name, d)
		}
		wantCode(t, e.confirmForgot(webClient, name, "123456", newPW), userpool.CodeCodeMismatch)
	}
	if d, _ := e.forgot(webClient, "Émile"); d == nil || !strings.HasPrefix(d.Destination, "É***@") {
		t.Errorf("delivery for Émile = %+v, want a valid masked address", d)
	}
	if e.sent() != sent {
		t.Errorf("%d messages sent for users who cannot reset", e.sent()-sent)
	}
}

func TestForgotPasswordSendLimitLooksTheSameForUnknownUsers(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com") // one send already
	answers := func(username string, n int) []userpool.ErrorCode {
		var out []userpool.ErrorCode
		for range n {
			_, err := e.forgot(webClient, username)
			if pe := asPoolError(err); pe != nil {
				out = append(out, pe.Code)
			} else {
				out = append(out, "ok")
			}
		}
		return out
	}
	known := answers("alice", 5)
	unknown := answers("mallory", 6)
	if strings.Join(codesText(known), ",") != "ok,ok,ok,ok,LimitExceededException" {
		t.Fatalf("known user: %v", known)
	}
	if strings.Join(codesText(unknown[1:]), ",") != strings.Join(codesText(known), ",") {
		t.Errorf("unknown user: %v; known user: %v (after one earlier send)", unknown, known)
	}
}

func codesText(cs []userpool.ErrorCode) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

func TestForgotPasswordWithALegacyClientNamesTheProblem(t *testing.T) {
	e := newFastEnv(t)
	e.passwordClient("legacy", func(c *userpool.ClientConfig) { c.PreventUserExistenceErrors = "LEGACY" })
	disabled := e.confirmedUser("dora", "dora@example.com")
	e.changeUser(disabled, func(u *store.User) { u.Enabled = false })
	_, err := e.forgot("legacy", "mallory")
	wantCode(t, err, userpool.CodeUserNotFound)
	_, err = e.forgot("legacy", "dora")
	wantMessage(t, err, userpool.CodeNotAuthorized, "User is disabled.")
	wantCode(t, e.confirmForgot("legacy", "mallory", "123456", newPW), userpool.CodeUserNotFound)
}

func TestForgotPasswordRefusesBadInput(t *testing.T) {
	mb := strings.Repeat("x", 1<<20)
	tests := []struct {
		name     string
		client   string
		username string
		want     userpool.ErrorCode
	}{
		{"a missing client is refused", "", "alice", userpool.CodeInvalidParameter},
		{"an unknown client is not found", "nope", "alice", userpool.CodeResourceNotFound},
		{"a 1 MB client ID is refused", mb, "alice", userpool.CodeInvalidParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFastEnv(t)
			e.confirmedUser("alice", "alice@example.com")
			sent := e.sent()
			_, err := e.forgot(tt.client, tt.username)
			wantCode(t, err, tt.want)
			if e.sent() != sent {
				t.Error("a message was sent")
			}
		})
	}
	t.Run("absurd usernames get a simulated answer and no message", func(t *testing.T) {
		e := newFastEnv(t)
		for _, name := range []string{mb, "al\xffice", "", " "} {
			d, err := e.forgot(webClient, name)
			if err != nil {
				wantCode(t, err, userpool.CodeInvalidParameter)
				continue
			}
			if !strings.Contains(d.Destination, "***") || !utf8.ValidString(d.Destination) || len(d.Destination) > 64 {
				t.Errorf("destination %.80q, want a short valid masked address", d.Destination)
			}
		}
		if e.sent() != 0 {
			t.Error("a message was sent")
		}
	})
}

func TestConfirmForgotPasswordRefusesBadInputWithoutSpendingTheCode(t *testing.T) {
	tests := []struct {
		name     string
		client   string
		username string
		code     string // "right" is replaced by the code sent
		password string
		want     userpool.ErrorCode
	}{
		{"a wrong code is a mismatch", webClient, "alice", "wrong", newPW, userpool.CodeCodeMismatch},
		{"an empty code is refused", webClient, "alice", "", newPW, userpool.CodeInvalidParameter},
		{"a 1 MB code is refused", webClient, "alice", strings.Repeat("1", 1<<20), newPW, userpool.CodeInvalidParameter},
		{"a too short password is refused", webClient, "alice", "right", "Ab1-x", userpool.CodeInvalidPassword},
		{"a common password is refused", webClient, "alice", "right", "password123", userpool.CodeInvalidPassword},
		{"a password with the username is refused", webClient, "alice", "right", "alice-Harbor-71", userpool.CodeInvalidPassword},
		{"a 1 MB password is refused", webClient, "alice", "right", strings.Repeat("p", 1<<20), userpool.CodeInvalidPassword},
		{"a password with invalid UTF-8 is refused", webClient, "alice", "right", "fresh-\xffLagoon-42", userpool.CodeInvalidPassword},
		{"an unknown client is not found", "nope", "alice", "right", newPW, userpool.CodeResourceNotFound},
		{"an unknown user looks like a login without a code", webClient, "mallory", "right", newPW, userpool.CodeExpiredCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFastEnv(t)
			e.confirmedUser("alice", "alice@example.com")
			_, err := e.forgot(webClient, "alice")
			wantNoError(t, "ForgotPassword", err)
			right := e.lastCode("alice@example.com")
			code := tt.code
			switch code {
			case "right":
				code = right
			case "wrong":
				code = otherCode(right)
			}
			wantCode(t, e.confirmForgot(tt.client, tt.username, code, tt.password), tt.want)
			e.mustSignIn("alice", goodPW)
			wantNoError(t, "ConfirmForgotPassword with the right code", e.confirmForgot(webClient, "alice", right, newPW))
			e.mustSignIn("alice", newPW)
		})
	}
}

func TestConfirmForgotPasswordAnswersAWeakPasswordAlikeForEveryone(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	for _, pw := range []string{"short", "password123", strings.Repeat("p", 300)} {
		known := e.confirmForgot(webClient, "alice", "123456", pw)
		unknown := e.confirmForgot(webClient, "mallory", "123456", pw)
		a, b := asPoolError(known), asPoolError(unknown)
		if a == nil || b == nil || a.Code != b.Code || a.Message != b.Message {
			t.Errorf("password %.10q: known user %v, unknown user %v", pw, known, unknown)
		}
	}
}

func TestForgotPasswordCodesExpireAndDieAfterFiveWrongTries(t *testing.T) {
	t.Run("a reset code expires after ten minutes", func(t *testing.T) {
		e := newFastEnv(t)
		e.confirmedUser("alice", "alice@example.com")
		_, err := e.forgot(webClient, "alice")
		wantNoError(t, "ForgotPassword", err)
		e.clock.Advance(10 * time.Minute)
		wantCode(t, e.confirmForgot(webClient, "alice", e.lastCode("alice@example.com"), newPW), userpool.CodeExpiredCode)
		e.mustSignIn("alice", goodPW)
	})
	t.Run("a reset code dies after five wrong tries", func(t *testing.T) {
		e := newFastEnv(t)
		e.confirmedUser("alice", "alice@example.com")
		_, err := e.forgot(webClient, "alice")
		wantNoError(t, "ForgotPassword", err)
		right := e.lastCode("alice@example.com")
		for range 5 {
			wantCode(t, e.confirmForgot(webClient, "alice", otherCode(right), newPW), userpool.CodeCodeMismatch)
		}
		wantCode(t, e.confirmForgot(webClient, "alice", right, newPW), userpool.CodeExpiredCode)
		e.mustSignIn("alice", goodPW)
	})
}

// A stranger asking for reset codes from one network cannot starve the
// owner, and the owner's mailbox gets at most four networks' worth.
func TestResetCodesAreLimitedPerSource(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	forgotFrom := func(ip string) error {
		_, err := e.pool.ForgotPassword(e.ctx, userpool.ForgotPasswordInput{ClientID: webClient, Username: "alice",
			UserContextData: &userpool.UserContextData{IPAddress: ip}})
		return err
	}
	for i := range 5 {
		wantNoError(t, fmt.Sprintf("request %d from the stranger", i+1), forgotFrom("203.0.113.7"))
	}
	wantCode(t, forgotFrom("203.0.113.7"), userpool.CodeLimitExceeded)
	wantNoError(t, "the owner's request", forgotFrom("198.51.100.2"))
	// The sign-up code, the stranger's five and the owner's one make 7 of
	// the 20 an hour that all sources together may send.
	for i := range 13 {
		wantNoError(t, fmt.Sprintf("request %d from other networks", i+1), forgotFrom(fmt.Sprintf("192.0.2.%d", i/4+1)))
	}
	wantCode(t, forgotFrom("192.0.2.200"), userpool.CodeLimitExceeded)
}

// A stranger's wrong guesses do not kill the owner's reset code.
func TestAStrangersGuessesLeaveTheOwnersCode(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	home := &userpool.UserContextData{IPAddress: "198.51.100.2"}
	if _, err := e.pool.ForgotPassword(e.ctx, userpool.ForgotPasswordInput{ClientID: webClient, Username: "alice", UserContextData: home}); err != nil {
		t.Fatal(err)
	}
	code := e.lastCode("alice@example.com")
	confirm := func(from *userpool.UserContextData, code string) error {
		_, err := e.pool.ConfirmForgotPassword(e.ctx, userpool.ConfirmForgotPasswordInput{ClientID: webClient, Username: "alice",
			ConfirmationCode: code, Password: newPW, UserContextData: from})
		return err
	}
	stranger := &userpool.UserContextData{IPAddress: "203.0.113.7"}
	for range 5 {
		wantCode(t, confirm(stranger, otherCode(code)), userpool.CodeCodeMismatch)
	}
	wantCode(t, confirm(stranger, otherCode(code)), userpool.CodeLimitExceeded)
	wantNoError(t, "the owner's code after a stranger's guesses", confirm(home, code))
	e.wantOutcome("alice", newPW, "ok")
}
