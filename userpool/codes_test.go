package userpool_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

func (e *env) confirm(username, code string) error {
	return errOf(e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient, Username: username, ConfirmationCode: code}))
}

func (e *env) resend(username string) (*userpool.ResendConfirmationCodeOutput, error) {
	return e.pool.ResendConfirmationCode(e.ctx, userpool.ResendConfirmationCodeInput{ClientID: webClient, Username: username})
}

func (e *env) wantConfirmed(username string, want bool) {
	e.t.Helper()
	if got := e.user(username).Status == store.StatusConfirmed; got != want {
		e.t.Fatalf("%s confirmed = %v, want %v", username, got, want)
	}
}

func TestCodesAreSixRandomDigitsSentOnlyToTheUser(t *testing.T) {
	e := newFastEnv(t)
	seen := map[string]bool{}
	for _, name := range []string{"ann", "ben", "cat", "dan", "eve", "fay"} {
		e.signUp(name, name+"@example.com", goodPW)
		m, _ := e.mail().LastEmail(name + "@example.com")
		codes := codePattern.FindAllString(m.Text, -1)
		if len(codes) != 1 || len(codes[0]) != 6 {
			t.Fatalf("message %q, want exactly one 6-digit code", m.Text)
		}
		seen[codes[0]] = true
	}
	if len(seen) < 2 {
		t.Errorf("six sign-ups got codes %v: not random", seen)
	}
	if n := len(e.mail().Emails()); n != 6 {
		t.Errorf("%d emails, want one per user", n)
	}
}

func TestConfirmSignUpConfirmsAndVerifiesTheEmail(t *testing.T) {
	e := newFastEnv(t)
	e.signUp("alice", "alice@example.com", goodPW)
	wantNoError(t, "ConfirmSignUp", e.confirm("alice", e.lastCode("alice@example.com")))
	u := e.user("alice")
	if u.Status != store.StatusConfirmed || u.Attributes["email_verified"] != "true" {
		t.Errorf("after confirmation: %s %v", u.Status, u.Attributes)
	}
	// Confirming again answers as for a login without a code: whether the
	// user exists (confirmed) is not told. A LEGACY client is told.
	err := e.confirm("alice", e.lastCode("alice@example.com"))
	wantCode(t, err, userpool.CodeExpiredCode)
	e.passwordClient("legacy", func(c *userpool.ClientConfig) { c.PreventUserExistenceErrors = "LEGACY" })
	_, err = e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: "legacy", Username: "alice", ConfirmationCode: "123456"})
	wantMessage(t, err, userpool.CodeNotAuthorized, "User cannot be confirmed. Current status is CONFIRMED")
}

func TestCodesDieAfterFiveWrongTries(t *testing.T) {
	tests := []struct {
		name     string
		wrong    int
		wantCode userpool.ErrorCode // of the right code afterwards; "" means accepted
	}{
		{"the right code works after four wrong tries", 4, ""},
		{"the right code is dead after five wrong tries", 5, userpool.CodeExpiredCode},
		{"the right code stays dead after six wrong tries", 6, userpool.CodeExpiredCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFastEnv(t)
			e.signUp("alice", "alice@example.com", goodPW)
			code := e.lastCode("alice@example.com")
			for i := range tt.wrong {
				err := e.confirm("alice", otherCode(code))
				if i < 5 {
					wantMessage(t, err, userpool.CodeCodeMismatch, "Invalid verification code provided, please try again.")
				} else {
					wantCode(t, err, userpool.CodeExpiredCode)
				}
			}
			err := e.confirm("alice", code)
			if tt.wantCode == "" {
				wantNoError(t, "ConfirmSignUp", err)
				e.wantConfirmed("alice", true)
				return
			}
			wantMessage(t, err, tt.wantCode, "Invalid code provided, please request a code again.")
			e.wantConfirmed("alice", false)
		})
	}
}

func TestCodesExpire(t *testing.T) {
	tests := []struct {
		name     string
		validity time.Duration // Config.CodeValidity; 0 is the default
		wait     time.Duration
		expired  bool
	}{
		{"a code just inside the default ten minutes works", 0, 10*time.Minute - time.Second, false},
		{"a code at the end of the default ten minutes is expired", 0, 10 * time.Minute, true},
		{"a code an hour old is expired", 0, time.Hour, true},
		{"a configured validity is honoured", 30 * time.Minute, 29 * time.Minute, false},
		{"a configured validity ends too", 30 * time.Minute, 30*time.Minute + time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFastEnv(t, func(c *userpool.Config) { c.CodeValidity = tt.validity })
			e.signUp("alice", "alice@example.com", goodPW)
			code := e.lastCode("alice@example.com") // sent moments after the answer
			e.clock.Advance(tt.wait)
			err := e.confirm("alice", code)
			if !tt.expired {
				wantNoError(t, "ConfirmSignUp", err)
				return
			}
			wantCode(t, err, userpool.CodeExpiredCode)
			e.wantConfirmed("alice", false)
			// A new code works.
			_, err = e.resend("alice")
			wantNoError(t, "ResendConfirmationCode", err)
			wantNoError(t, "ConfirmSignUp with the new code", e.confirm("alice", e.lastCode("alice@example.com")))
		})
	}
}

func TestACodeBelongsToOneUser(t *testing.T) {
	e := newFastEnv(t)
	e.signUp("alice", "alice@example.com", goodPW)
	e.signUp("bob", "bob@example.com", goodPW)
	aliceCode := e.lastCode("alice@example.com")
	for e.lastCode("bob@example.com") == aliceCode {
		_, err := e.resend("bob")
		wantNoError(t, "resend", err)
	}
	wantCode(t, e.confirm("bob", aliceCode), userpool.CodeCodeMismatch)
	e.wantConfirmed("bob", false)
	wantNoError(t, "alice's own confirmation", e.confirm("alice", aliceCode))
	wantNoError(t, "bob's own confirmation", e.confirm("bob", e.lastCode("bob@example.com")))
}

func TestACodeServesOnePurpose(t *testing.T) {
	e := newFastEnv(t)
	sub := e.signUp("alice", "alice@example.com", goodPW).UserSub
	signUpCode := e.lastCode("alice@example.com")
	// An imported user may be unconfirmed with a verified address; then
	// both a sign-up and a reset code can be live at once.
	e.changeUser(sub, func(u *store.User) { u.Attributes["email_verified"] = "true" })

	resetWith := func(code string) error {
		return errOf(e.pool.ConfirmForgotPassword(e.ctx, userpool.ConfirmForgotPasswordInput{ClientID: webClient,
			Username: "alice", ConfirmationCode: code, Password: "fresh-Lagoon-42"}))
	}
	wantCode(t, resetWith(signUpCode), userpool.CodeExpiredCode) // no reset code was asked for

	resetCode := signUpCode
	for resetCode == signUpCode { // redraw on a one-in-a-million collision
		_, err := e.pool.ForgotPassword(e.ctx, userpool.ForgotPasswordInput{ClientID: webClient, Username: "alice"})
		wantNoError(t, "ForgotPassword", err)
		resetCode = e.lastCode("alice@example.com")
	}
	wantCode(t, resetWith(signUpCode), userpool.CodeCodeMismatch)
	wantCode(t, e.confirm("alice", resetCode), userpool.CodeCodeMismatch)
	e.wantConfirmed("alice", false)
	_, err := e.signIn("alice", goodPW)
	wantCode(t, err, userpool.CodeUserNotConfirmed) // the password did not change
	// Each code still serves its own purpose.
	wantNoError(t, "ConfirmSignUp", e.confirm("alice", signUpCode))
	wantNoError(t, "ConfirmForgotPassword", resetWith(resetCode))
}

func TestResendReplacesTheCode(t *testing.T) {
	e := newFastEnv(t)
	e.signUp("alice", "alice@example.com", goodPW)
	old := e.lastCode("alice@example.com")
	for range 4 {
		wantCode(t, e.confirm("alice", otherCode(old)), userpool.CodeCodeMismatch)
	}
	d, err := e.resend("alice")
	wantNoError(t, "ResendConfirmationCode", err)
	want := userpool.CodeDeliveryDetails{Destination: "a***@e***", DeliveryMedium: "EMAIL", AttributeName: "email"}
	if *d.CodeDeliveryDetails != want {
		t.Errorf("delivery = %+v, want %+v", *d, want)
	}
	fresh := e.lastCode("alice@example.com")
	if fresh != old {
		wantCode(t, e.confirm("alice", old), userpool.CodeCodeMismatch)
	}
	// The new code starts with a fresh count of wrong tries.
	for range 3 {
		wantCode(t, e.confirm("alice", otherCode(fresh)), userpool.CodeCodeMismatch)
	}
	wantNoError(t, "ConfirmSignUp with the new code", e.confirm("alice", fresh))
}

func TestCodeSendsAreLimitedPerHour(t *testing.T) {
	e := newFastEnv(t)
	e.signUp("alice", "alice@example.com", goodPW) // send 1
	for i := 2; i <= 5; i++ {
		_, err := e.resend("alice")
		wantNoError(t, "resend", err)
	}
	sent := e.sent()
	_, err := e.resend("alice")
	wantMessage(t, err, userpool.CodeLimitExceeded, "Attempt limit exceeded, please try after some time.")
	if e.sent() != sent {
		t.Error("the refused send sent a message")
	}
	// The last code sent still works meanwhile.
	code := e.lastCode("alice@example.com")
	e.clock.Advance(59 * time.Minute)
	_, err = e.resend("alice")
	wantCode(t, err, userpool.CodeLimitExceeded)
	e.clock.Advance(time.Minute + time.Second)
	_, err = e.resend("alice")
	wantNoError(t, "resend after the hour", err)
	if fresh := e.lastCode("alice@example.com"); fresh != code {
		wantCode(t, e.confirm("alice", code), userpool.CodeCodeMismatch)
	}
	wantNoError(t, "ConfirmSignUp", e.confirm("alice", e.lastCode("alice@example.com")))
}

func TestResendConfirmationCodeEdgeCases(t *testing.T) {
	e := newFastEnv(t)
	e.passwordClient("legacy", func(c *userpool.ClientConfig) { c.PreventUserExistenceErrors = "LEGACY" })
	e.confirmedUser("carol", "carol@example.com")
	e.signUp("alice", "alice@example.com", goodPW)
	sent := e.sent()

	d, err := e.resend("mallory")
	wantNoError(t, "resend for an unknown user", err)
	if d.DeliveryMedium != "EMAIL" || d.AttributeName != "email" || !strings.Contains(d.Destination, "***@") {
		t.Errorf("simulated delivery = %+v, want a plausible masked email", d)
	}
	d, err = e.resend("+12065550100")
	wantNoError(t, "resend for an unknown phone", err)
	if d.DeliveryMedium != "SMS" || d.AttributeName != "phone_number" {
		t.Errorf("simulated delivery = %+v, want SMS", d)
	}
	_, err = e.pool.ResendConfirmationCode(e.ctx, userpool.ResendConfirmationCodeInput{ClientID: "legacy", Username: "mallory"})
	wantCode(t, err, userpool.CodeUserNotFound)
	// A confirmed user is answered as an unknown one: nothing is sent.
	sent = e.sent()
	d, err = e.resend("carol")
	wantNoError(t, "resend for a confirmed user", err)
	if d.DeliveryMedium != "EMAIL" || e.sent() != sent {
		t.Errorf("resend for a confirmed user = %+v, %d sent", d, e.sent()-sent)
	}
	_, err = e.pool.ResendConfirmationCode(e.ctx, userpool.ResendConfirmationCodeInput{ClientID: "nope", Username: "alice"})
	wantCode(t, err, userpool.CodeResourceNotFound)
	_, err = e.pool.ResendConfirmationCode(e.ctx, userpool.ResendConfirmationCodeInput{ClientID: "", Username: "alice"})
	wantCode(t, err, userpool.CodeInvalidParameter)
	if e.sent() != sent {
		t.Errorf("%d messages sent, want none", e.sent()-sent)
	}
}

func TestConfirmSignUpRefusesBadInputWithoutSpendingTheCode(t *testing.T) {
	tests := []struct {
		name string
		in   userpool.ConfirmSignUpInput
		want userpool.ErrorCode
	}{
		{"an empty code is refused", userpool.ConfirmSignUpInput{ClientID: webClient, Username: "alice"}, userpool.CodeInvalidParameter},
		{"a 17-character code is refused", userpool.ConfirmSignUpInput{ClientID: webClient, Username: "alice", ConfirmationCode: strings.Repeat("1", 17)}, userpool.CodeInvalidParameter},
		{"a 1 MB code is refused", userpool.ConfirmSignUpInput{ClientID: webClient, Username: "alice", ConfirmationCode: strings.Repeat("1", 1<<20)}, userpool.CodeInvalidParameter},
		{"an unknown client is not found", userpool.ConfirmSignUpInput{ClientID: "nope", Username: "alice", ConfirmationCode: "123456"}, userpool.CodeResourceNotFound},
		{"a missing client is refused", userpool.ConfirmSignUpInput{Username: "alice", ConfirmationCode: "123456"}, userpool.CodeInvalidParameter},
		{"an unknown user looks like a login without a code", userpool.ConfirmSignUpInput{ClientID: webClient, Username: "mallory", ConfirmationCode: "123456"}, userpool.CodeExpiredCode},
		{"a 1 MB username looks like a login without a code", userpool.ConfirmSignUpInput{ClientID: webClient, Username: strings.Repeat("a", 1<<20), ConfirmationCode: "123456"}, userpool.CodeExpiredCode},
		{"a username with invalid UTF-8 looks like a login without a code", userpool.ConfirmSignUpInput{ClientID: webClient, Username: "al\xffice", ConfirmationCode: "123456"}, userpool.CodeExpiredCode},
		{"an unknown user is named to a legacy client", userpool.ConfirmSignUpInput{ClientID: "legacy", Username: "mallory", ConfirmationCode: "123456"}, userpool.CodeUserNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFastEnv(t)
			e.passwordClient("legacy", func(c *userpool.ClientConfig) { c.PreventUserExistenceErrors = "LEGACY" })
			e.signUp("alice", "alice@example.com", goodPW)
			code := e.lastCode("alice@example.com")
			for range 4 {
				wantCode(t, e.confirm("alice", otherCode(code)), userpool.CodeCodeMismatch)
			}
			wantCode(t, errOf(e.pool.ConfirmSignUp(e.ctx, tt.in)), tt.want)
			e.wantConfirmed("alice", false)
			wantNoError(t, "ConfirmSignUp with the right code", e.confirm("alice", code))
		})
	}
}

func TestResendLimitLooksTheSameForUnknownUsers(t *testing.T) {
	e := newFastEnv(t)
	for i := 1; i <= 5; i++ {
		_, err := e.resend("mallory")
		wantNoError(t, "resend for an unknown user", err)
	}
	_, err := e.resend("mallory")
	wantCode(t, err, userpool.CodeLimitExceeded)
	e.clock.Advance(time.Hour + time.Second)
	_, err = e.resend("mallory")
	wantNoError(t, "resend after the hour", err)
	if e.sent() != 0 {
		t.Error("a message was sent for an unknown user")
	}
}

func TestAResetCodeRedeemedInParallelWinsOnce(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	_, err := e.forgot(webClient, "alice")
	wantNoError(t, "ForgotPassword", err)
	code := e.lastCode("alice@example.com")
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = e.confirmForgot(webClient, "alice", code, fmt.Sprintf("parallel-Lagoon-%02d", i)) })
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Fatalf("requests %d and %d both redeemed the code", winner, i)
			}
			winner = i
			continue
		}
		wantCode(t, err, userpool.CodeExpiredCode)
	}
	if winner < 0 {
		t.Fatal("no request redeemed the code")
	}
	e.mustSignIn("alice", fmt.Sprintf("parallel-Lagoon-%02d", winner))
}

func TestConfirmingWithAnEmailCodeDoesNotClaimTheUnverifiedPhone(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) {
		c.AliasAttributes = []string{"email", "phone_number"}
		c.AutoVerifiedAttributes = []string{"email", "phone_number"}
	})
	// Alice verifies +12065551212 as her sign-in alias.
	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "alice", Password: goodPW,
		UserAttributes: []userpool.Attribute{{Name: "phone_number", Value: "+12065551212"}}})
	wantNoError(t, "SignUp alice", err)
	wantNoError(t, "ConfirmSignUp alice", e.confirm("alice", e.lastCode("+12065551212")))
	// Bob gives the same number (a typo, or a shared phone); his code goes
	// to his email, which is all the code proves.
	_, err = e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "bob", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("bob@example.com"), {Name: "phone_number", Value: "+12065551212"}}})
	wantNoError(t, "SignUp bob", err)
	wantNoError(t, "ConfirmSignUp bob", e.confirm("bob", e.lastCode("bob@example.com")))
	u := e.user("bob")
	if u.Attributes["email_verified"] != "true" || u.Attributes["phone_number_verified"] != "false" {
		t.Errorf("bob's flags = %v, want only the email verified", u.Attributes)
	}
	if res := e.mustSignIn("+12065551212", goodPW); e.accessClaims(res.AccessToken).Username != "alice" {
		t.Error("the phone alias left alice")
	}
	e.mustSignIn("bob@example.com", goodPW)
}
