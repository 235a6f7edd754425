package userpool_test

import (
	"testing"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

// answer is how an outsider sees an operation's result: the exception
// and its message, or "ok".
func answer[T any](_ T, err error) string {
	if err == nil {
		return "ok"
	}
	pe := asPoolError(err)
	if pe == nil {
		return err.Error()
	}
	return string(pe.Code) + ": " + pe.Message
}

// With existence errors prevented, every path answers a real user exactly
// as it answers a login that names nobody.
func TestAStrangerCannotTellWhoExists(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")                     // confirmed
	noContact := e.signUp("nick", "nick@example.com", goodPW).UserSub // never verified
	e.changeUser(noContact, func(u *store.User) { u.Status = store.StatusConfirmed })
	imported := e.confirmedUser("ivy", "ivy@example.com")
	e.changeUser(imported, func(u *store.User) { u.Password = store.PasswordCredential{}; u.Status = store.StatusResetRequired })

	same := func(what string, real, nobody string) {
		t.Helper()
		if real != nobody {
			t.Errorf("%s: a real user gets %q, nobody gets %q", what, real, nobody)
		}
	}
	confirmForgot := func(name string) string {
		return answer(e.pool.ConfirmForgotPassword(e.ctx, userpool.ConfirmForgotPasswordInput{ClientID: webClient, Username: name,
			ConfirmationCode: "123456", Password: newPW}))
	}
	same("ConfirmForgotPassword before any code", confirmForgot("alice"), confirmForgot("ghost1"))
	e.forgot(webClient, "alice")
	e.forgot(webClient, "ghost1")
	same("ConfirmForgotPassword with a wrong code", confirmForgot("alice"), confirmForgot("ghost1"))

	confirmSignUp := func(name string) string {
		return answer(e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient, Username: name, ConfirmationCode: "123456"}))
	}
	same("ConfirmSignUp of a confirmed user", confirmSignUp("alice"), confirmSignUp("ghost2"))

	resend := func(name string) string {
		out, err := e.pool.ResendConfirmationCode(e.ctx, userpool.ResendConfirmationCodeInput{ClientID: webClient, Username: name})
		if err != nil {
			return answer(out, err)
		}
		return out.DeliveryMedium
	}
	same("ResendConfirmationCode for a confirmed user", resend("alice"), resend("ghost3"))
	same("ConfirmSignUp after a resend", confirmSignUp("alice"), confirmSignUp("ghost3"))

	forgot := func(name string) string {
		out, err := e.forgot(webClient, name)
		if err != nil {
			return answer(out, err)
		}
		return out.DeliveryMedium
	}
	same("ForgotPassword without a verified contact", forgot("nick"), forgot("ghost4"))

	signIn := func(name string) string { return answer(e.signIn(name, "some-Password-77")) }
	same("a sign-in of a user imported without a password", signIn("ivy"), signIn("ghost5"))
}
