package userpool_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

// Tests of setting up, replacing and removing MFA factors.

func TestAssociateAndVerifySoftwareTokenRefuseBadInput(t *testing.T) {
	e := newFastEnv(t, withMFA(userpool.MFAOn), lenientLockout)
	e.passwordClient("other")
	e.confirmedUser("bad", "bad@example.com")
	setup := func() string {
		t.Helper()
		out := e.passwordStep("bad")
		wantChallenge(t, out, nil, userpool.ChallengeMFASetup)
		return out.Session
	}
	session := setup()
	assocCases := []struct {
		name string
		in   userpool.AssociateSoftwareTokenInput
		want userpool.ErrorCode
	}{
		{"neither an access token nor a session", userpool.AssociateSoftwareTokenInput{ClientID: webClient}, userpool.CodeInvalidParameter},
		{"both an access token and a session", userpool.AssociateSoftwareTokenInput{AccessToken: "x.y.z", Session: session, ClientID: webClient}, userpool.CodeInvalidParameter},
		{"a session without its client", userpool.AssociateSoftwareTokenInput{Session: session}, userpool.CodeInvalidParameter},
		{"a forged access token", userpool.AssociateSoftwareTokenInput{AccessToken: "x.y.z"}, userpool.CodeNotAuthorized},
		{"an unknown session", userpool.AssociateSoftwareTokenInput{Session: "no-such-session", ClientID: webClient}, userpool.CodeNotAuthorized},
	}
	for _, tc := range assocCases {
		t.Run("AssociateSoftwareToken refuses "+tc.name, func(t *testing.T) {
			_, err := e.pool.AssociateSoftwareToken(e.ctx, tc.in)
			wantCode(t, err, tc.want)
		})
	}
	t.Run("AssociateSoftwareToken refuses a session of another client", func(t *testing.T) {
		_, err := e.pool.AssociateSoftwareToken(e.ctx, userpool.AssociateSoftwareTokenInput{Session: setup(), ClientID: "other"})
		wantExpiredSession(t, err)
	})
	t.Run("AssociateSoftwareToken refuses a session of another challenge", func(t *testing.T) {
		if _, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "tmp", TemporaryPassword: "Temp-Password-42", MessageAction: "SUPPRESS"}); err != nil {
			t.Fatal(err)
		}
		out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
			AuthParameters: map[string]string{"USERNAME": "tmp", "PASSWORD": "Temp-Password-42"}})
		wantChallenge(t, out, err, userpool.ChallengeNewPasswordRequired)
		_, err = e.pool.AssociateSoftwareToken(e.ctx, userpool.AssociateSoftwareTokenInput{Session: out.Session, ClientID: webClient})
		wantExpiredSession(t, err)
	})

	assoc, err := e.pool.AssociateSoftwareToken(e.ctx, userpool.AssociateSoftwareTokenInput{Session: setup(), ClientID: webClient})
	if err != nil {
		t.Fatal(err)
	}
	app := newAuthenticator(t, assoc.SecretCode)
	verifyCases := []struct {
		name string
		in   userpool.VerifySoftwareTokenInput
	}{
		{"neither an access token nor a session", userpool.VerifySoftwareTokenInput{ClientID: webClient, UserCode: "123456"}},
		{"both an access token and a session", userpool.VerifySoftwareTokenInput{AccessToken: "x.y.z", Session: assoc.Session, ClientID: webClient, UserCode: "123456"}},
		{"a code of five digits", userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: webClient, UserCode: "12345"}},
		{"a code of seven digits", userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: webClient, UserCode: "1234567"}},
		{"a code of letters", userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: webClient, UserCode: "abcdef"}},
		{"a code with a space", userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: webClient, UserCode: "123 56"}},
		{"a code of full-width digits", userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: webClient, UserCode: "１２"}},
		{"no code", userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: webClient}},
		{"a megabyte code", userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: webClient, UserCode: strings.Repeat("1", 1<<20)}},
		{"a device name over 128 characters", userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: webClient, UserCode: "123456", FriendlyDeviceName: strings.Repeat("p", 129)}},
		{"a session without its client", userpool.VerifySoftwareTokenInput{Session: assoc.Session, UserCode: "123456"}},
	}
	for _, tc := range verifyCases {
		t.Run("VerifySoftwareToken refuses "+tc.name, func(t *testing.T) {
			_, err := e.pool.VerifySoftwareToken(e.ctx, tc.in)
			wantCode(t, err, userpool.CodeInvalidParameter)
		})
	}
	t.Run("VerifySoftwareToken refuses the session at another client", func(t *testing.T) {
		other, err := e.pool.AssociateSoftwareToken(e.ctx, userpool.AssociateSoftwareTokenInput{Session: setup(), ClientID: webClient})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{Session: other.Session, ClientID: "other",
			UserCode: newAuthenticator(t, other.SecretCode).code(e.clock.Now())})
		wantExpiredSession(t, err)
	})
	t.Run("bad input leaves the session usable", func(t *testing.T) {
		v, err := e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: webClient, UserCode: app.code(e.clock.Now())})
		if err != nil || v.Session == "" {
			t.Fatalf("VerifySoftwareToken after refused input = %+v, %v", v, err)
		}
	})
	t.Run("a pool without software tokens refuses to associate one", func(t *testing.T) {
		e := newFastEnv(t, withMFA(userpool.MFAOptional, userpool.FactorEmail))
		e.confirmedUser("nat", "nat@example.com")
		res := e.mustSignIn("nat", goodPW)
		_, err := e.pool.AssociateSoftwareToken(e.ctx, userpool.AssociateSoftwareTokenInput{AccessToken: res.AccessToken})
		wantCode(t, err, userpool.CodeInvalidParameter)
	})
	t.Run("verifying with an access token before associating is refused", func(t *testing.T) {
		e := newFastEnv(t, withMFA(userpool.MFAOptional))
		e.confirmedUser("nat", "nat@example.com")
		res := e.mustSignIn("nat", goodPW)
		_, err := e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{AccessToken: res.AccessToken, UserCode: "123456"})
		wantCode(t, err, userpool.CodeInvalidParameter)
	})
}

func TestANewAuthenticatorReplacesTheOldOnlyOnceVerified(t *testing.T) {
	e := newFastEnv(t, withMFA(userpool.MFAOptional), lenientLockout)
	e.confirmedUser("rex", "rex@example.com")
	oldApp, oldRecovery := e.enrollTOTP("rex")
	signInWith := func(code func() string) (*userpool.InitiateAuthOutput, error) {
		t.Helper()
		e.clock.Advance(30 * time.Second)
		out := e.passwordStep("rex")
		wantChallenge(t, out, nil, userpool.ChallengeSoftwareTokenMFA)
		return e.answerTOTP(out.Session, "rex", code())
	}
	oldCode := func() string { return oldApp.code(e.clock.Now()) }

	res := wantTokens(t)(signInWith(oldCode))
	assoc, err := e.pool.AssociateSoftwareToken(e.ctx, userpool.AssociateSoftwareTokenInput{AccessToken: res.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	newApp := newAuthenticator(t, assoc.SecretCode)
	newCode := func() string { return newApp.code(e.clock.Now()) }

	// Associated, not verified: the old authenticator still signs in and
	// the new one does not.
	wantTokens(t)(signInWith(oldCode))
	if _, err := signInWith(newCode); !errors.Is(err, userpool.ErrCodeMismatch) {
		t.Fatalf("an unverified authenticator signed in: %v", err)
	}
	// A wrong verification changes nothing.
	e.clock.Advance(30 * time.Second)
	_, err = e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{AccessToken: res.AccessToken, UserCode: otherCode(newCode())})
	wantCode(t, err, userpool.CodeCodeMismatch)
	wantTokens(t)(signInWith(oldCode))

	e.clock.Advance(30 * time.Second)
	v, err := e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{AccessToken: res.AccessToken, UserCode: newCode(), FriendlyDeviceName: "new phone"})
	if err != nil || v.Status != "SUCCESS" || len(v.RecoveryCodes) != 10 {
		t.Fatalf("VerifySoftwareToken = %+v, %v", v, err)
	}
	if _, err := signInWith(oldCode); !errors.Is(err, userpool.ErrCodeMismatch) {
		t.Fatalf("the replaced authenticator still signs in: %v", err)
	}
	out := e.passwordStep("rex")
	if out.ChallengeParameters["FRIENDLY_DEVICE_NAME"] != "new phone" {
		t.Fatalf("challenge parameters = %v", out.ChallengeParameters)
	}
	if _, err := e.answerTOTP(out.Session, "rex", oldRecovery[0]); !errors.Is(err, userpool.ErrCodeMismatch) {
		t.Fatalf("a recovery code of the replaced set: %v", err)
	}
	wantTokens(t)(e.answerTOTP(out.Session, "rex", v.RecoveryCodes[0]))
	wantTokens(t)(signInWith(newCode))
}

func TestSetUserMFAPreferenceFollowsTheRules(t *testing.T) {
	e := newFastEnv(t, withMFA(userpool.MFAOptional, userpool.FactorTOTP, userpool.FactorEmail))
	e.confirmedUser("pam", "pam@example.com")
	res := e.mustSignIn("pam", goodPW)
	on, preferred := &userpool.MFASettings{Enabled: true}, &userpool.MFASettings{Enabled: true, PreferredMfa: true}
	set := func(in userpool.SetUserMFAPreferenceInput) error {
		in.AccessToken = res.AccessToken
		return errOf(e.pool.SetUserMFAPreference(e.ctx, in))
	}
	refused := []struct {
		name string
		in   userpool.SetUserMFAPreferenceInput
	}{
		{"a preferred factor that is not enabled", userpool.SetUserMFAPreferenceInput{EmailMfaSettings: &userpool.MFASettings{PreferredMfa: true}}},
		{"two preferred factors", userpool.SetUserMFAPreferenceInput{EmailMfaSettings: preferred, SoftwareTokenMfaSettings: preferred}},
		{"a software token that was never verified", userpool.SetUserMFAPreferenceInput{SoftwareTokenMfaSettings: on}},
		{"a factor the pool does not offer", userpool.SetUserMFAPreferenceInput{SMSMfaSettings: on}},
		{"a factor the pool does not offer, with one it does", userpool.SetUserMFAPreferenceInput{EmailMfaSettings: preferred, SMSMfaSettings: on}},
	}
	for _, tc := range refused {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			wantCode(t, set(tc.in), userpool.CodeInvalidParameter)
			if m := e.user("pam").MFA; m.EmailEnabled || m.SMSEnabled || m.TOTPEnabled || m.Preferred != "" {
				t.Fatalf("a refused preference changed the user: %+v", m)
			}
		})
	}
	t.Run("an enabled, preferred factor is asked for at sign-in", func(t *testing.T) {
		wantNoError(t, "set email preferred", set(userpool.SetUserMFAPreferenceInput{EmailMfaSettings: preferred}))
		if m := e.user("pam").MFA; !m.EmailEnabled || m.Preferred != userpool.FactorEmail {
			t.Fatalf("MFA = %+v", m)
		}
		wantChallenge(t, e.passwordStep("pam"), nil, userpool.ChallengeEmailOTP)
	})
	t.Run("enrolling TOTP keeps the preferred factor", func(t *testing.T) {
		assoc, err := e.pool.AssociateSoftwareToken(e.ctx, userpool.AssociateSoftwareTokenInput{AccessToken: res.AccessToken})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{AccessToken: res.AccessToken,
			UserCode: newAuthenticator(t, assoc.SecretCode).code(e.clock.Now())}); err != nil {
			t.Fatal(err)
		}
		if m := e.user("pam").MFA; m.Preferred != userpool.FactorEmail || !m.TOTPEnabled {
			t.Fatalf("MFA = %+v", m)
		}
		wantChallenge(t, e.passwordStep("pam"), nil, userpool.ChallengeEmailOTP)
	})
	t.Run("preferring another factor moves the preference", func(t *testing.T) {
		wantNoError(t, "prefer TOTP", set(userpool.SetUserMFAPreferenceInput{SoftwareTokenMfaSettings: preferred}))
		if m := e.user("pam").MFA; m.Preferred != userpool.FactorTOTP || !m.EmailEnabled {
			t.Fatalf("MFA = %+v", m)
		}
		wantChallenge(t, e.passwordStep("pam"), nil, userpool.ChallengeSoftwareTokenMFA)
	})
	t.Run("disabling the preferred factor clears the preference", func(t *testing.T) {
		wantNoError(t, "disable TOTP", set(userpool.SetUserMFAPreferenceInput{SoftwareTokenMfaSettings: &userpool.MFASettings{}}))
		if m := e.user("pam").MFA; m.Preferred != "" || m.TOTPEnabled {
			t.Fatalf("MFA = %+v", m)
		}
		wantChallenge(t, e.passwordStep("pam"), nil, userpool.ChallengeEmailOTP)
	})
	t.Run("a nil setting leaves the factor alone", func(t *testing.T) {
		wantNoError(t, "empty preference", set(userpool.SetUserMFAPreferenceInput{}))
		if m := e.user("pam").MFA; !m.EmailEnabled || !m.TOTPVerified {
			t.Fatalf("MFA = %+v", m)
		}
	})
	t.Run("email MFA needs an email", func(t *testing.T) {
		e.changeUser(e.user("pam").Sub, func(u *store.User) { delete(u.Attributes, "email"); delete(u.Attributes, "email_verified") })
		wantCode(t, set(userpool.SetUserMFAPreferenceInput{EmailMfaSettings: on}), userpool.CodeInvalidParameter)
	})
	t.Run("the admin version refuses unknown users", func(t *testing.T) {
		wantCode(t, errOf(e.pool.AdminSetUserMFAPreference(e.ctx, userpool.AdminSetUserMFAPreferenceInput{Username: "nobody", EmailMfaSettings: on})), userpool.CodeUserNotFound)
	})
	t.Run("a forged access token is refused", func(t *testing.T) {
		_, err := e.pool.SetUserMFAPreference(e.ctx, userpool.SetUserMFAPreferenceInput{AccessToken: "x.y.z", EmailMfaSettings: on})
		wantCode(t, err, userpool.CodeNotAuthorized)
	})
}

func TestAdminDeleteSoftwareToken(t *testing.T) {
	t.Run("in an optional pool the user then signs in without a code", func(t *testing.T) {
		e := newFastEnv(t, withMFA(userpool.MFAOptional))
		e.confirmedUser("lou", "lou@example.com")
		e.enrollTOTP("lou")
		wantChallenge(t, e.passwordStep("lou"), nil, userpool.ChallengeSoftwareTokenMFA)
		wantNoError(t, "AdminDeleteSoftwareToken", errOf(e.pool.AdminDeleteSoftwareToken(e.ctx, userpool.AdminDeleteSoftwareTokenInput{Username: "lou"})))
		if m := e.user("lou").MFA; m.TOTPEnabled || m.TOTPVerified || len(m.TOTPSecret) != 0 || len(m.RecoveryCodes) != 0 || m.Preferred != "" {
			t.Fatalf("MFA after deletion = %+v", m)
		}
		e.mustSignIn("lou", goodPW)
		// Recovery codes went with the token.
		_, err := e.pool.GenerateRecoveryCodes(e.ctx, userpool.GenerateRecoveryCodesInput{AccessToken: e.mustSignIn("lou", goodPW).AccessToken})
		wantCode(t, err, userpool.CodeInvalidParameter)
	})
	t.Run("in a required pool the user sets a token up again", func(t *testing.T) {
		e := newFastEnv(t, withMFA(userpool.MFAOn))
		e.confirmedUser("lou", "lou@example.com")
		out := e.passwordStep("lou")
		assoc, err := e.pool.AssociateSoftwareToken(e.ctx, userpool.AssociateSoftwareTokenInput{Session: out.Session, ClientID: webClient})
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: webClient,
			UserCode: newAuthenticator(t, assoc.SecretCode).code(e.clock.Now())})
		if err != nil {
			t.Fatal(err)
		}
		wantTokens(t)(e.respondAs(userpool.ChallengeMFASetup, v.Session, "lou"))
		wantChallenge(t, e.passwordStep("lou"), nil, userpool.ChallengeSoftwareTokenMFA)
		wantNoError(t, "AdminDeleteSoftwareToken", errOf(e.pool.AdminDeleteSoftwareToken(e.ctx, userpool.AdminDeleteSoftwareTokenInput{Username: "lou"})))
		wantChallenge(t, e.passwordStep("lou"), nil, userpool.ChallengeMFASetup)
	})
	t.Run("an unknown user is UserNotFoundException", func(t *testing.T) {
		e := newFastEnv(t, withMFA(userpool.MFAOptional))
		wantCode(t, errOf(e.pool.AdminDeleteSoftwareToken(e.ctx, userpool.AdminDeleteSoftwareTokenInput{Username: "nobody"})), userpool.CodeUserNotFound)
	})
}

func TestRegeneratedRecoveryCodesReplaceTheOldSet(t *testing.T) {
	e := newFastEnv(t, withMFA(userpool.MFAOptional), lenientLockout)
	e.confirmedUser("rae", "rae@example.com")
	_, first := e.enrollTOTP("rae")
	e.clock.Advance(time.Minute)
	out := e.passwordStep("rae")
	res := wantTokens(t)(e.answerTOTP(out.Session, "rae", first[0]))

	regenerated, err := e.pool.GenerateRecoveryCodes(e.ctx, userpool.GenerateRecoveryCodesInput{AccessToken: res.AccessToken})
	if err != nil || len(regenerated.RecoveryCodes) != 10 {
		t.Fatalf("GenerateRecoveryCodes = %v, %v", regenerated, err)
	}
	second := regenerated.RecoveryCodes
	seen := map[string]bool{}
	for _, c := range second {
		if seen[c] || len(c) < 10 {
			t.Fatalf("recovery codes %v are not ten distinct codes", second)
		}
		seen[c] = true
		for _, old := range first {
			if c == old {
				t.Fatalf("a recovery code survived regeneration: %s", c)
			}
		}
	}
	out = e.passwordStep("rae")
	for _, old := range first[1:3] {
		if _, err := e.answerTOTP(out.Session, "rae", old); !errors.Is(err, userpool.ErrCodeMismatch) {
			t.Fatalf("an old recovery code after regeneration: %v", err)
		}
	}
	wantTokens(t)(e.answerTOTP(out.Session, "rae", strings.ToUpper(second[4])))
	out = e.passwordStep("rae")
	if _, err := e.answerTOTP(out.Session, "rae", second[4]); !errors.Is(err, userpool.ErrCodeMismatch) {
		t.Fatalf("a spent recovery code: %v", err)
	}
	wantTokens(t)(e.answerTOTP(out.Session, "rae", second[5]))
	_, err = e.pool.GenerateRecoveryCodes(e.ctx, userpool.GenerateRecoveryCodesInput{AccessToken: "x.y.z"})
	wantCode(t, err, userpool.CodeNotAuthorized)
}

// Weakening the second factor needs a recent sign-in, not just a live
// access token: a stolen token or a device left signed in cannot strip it.
func TestWeakeningMFANeedsARecentSignIn(t *testing.T) {
	e := newFastEnv(t, withMFA(userpool.MFAOptional, userpool.FactorTOTP))
	e.confirmedUser("ray", "ray@example.com")
	app, _ := e.enrollTOTP("ray")
	e.clock.Advance(time.Minute)
	out := e.passwordStep("ray")
	res := wantTokens(t)(e.answerTOTP(out.Session, "ray", app.code(e.clock.Now())))

	e.clock.Advance(20 * time.Minute) // the access token lives an hour; the sign-in is no longer recent
	off := userpool.SetUserMFAPreferenceInput{AccessToken: res.AccessToken, SoftwareTokenMfaSettings: &userpool.MFASettings{Enabled: false}}
	_, err := e.pool.SetUserMFAPreference(e.ctx, off)
	wantMessage(t, err, userpool.CodeNotAuthorized, "Sign in again to change your second factor.")
	_, err = e.pool.GenerateRecoveryCodes(e.ctx, userpool.GenerateRecoveryCodesInput{AccessToken: res.AccessToken})
	wantCode(t, err, userpool.CodeNotAuthorized)
	assoc, err := e.pool.AssociateSoftwareToken(e.ctx, userpool.AssociateSoftwareTokenInput{AccessToken: res.AccessToken})
	wantNoError(t, "AssociateSoftwareToken", err)
	_, err = e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{AccessToken: res.AccessToken,
		UserCode: newAuthenticator(t, assoc.SecretCode).code(e.clock.Now())})
	wantCode(t, err, userpool.CodeNotAuthorized)
	if u := e.user("ray"); !u.MFA.TOTPEnabled || !u.MFA.TOTPVerified {
		t.Fatal("a stale token weakened the second factor")
	}
	// Strengthening needs no fresh sign-in, and a fresh one may weaken.
	_, err = e.pool.SetUserMFAPreference(e.ctx, userpool.SetUserMFAPreferenceInput{AccessToken: res.AccessToken,
		SoftwareTokenMfaSettings: &userpool.MFASettings{Enabled: true, PreferredMfa: true}})
	wantNoError(t, "keeping TOTP on", err)
	out = e.passwordStep("ray")
	fresh := wantTokens(t)(e.answerTOTP(out.Session, "ray", app.code(e.clock.Now())))
	_, err = e.pool.SetUserMFAPreference(e.ctx, userpool.SetUserMFAPreferenceInput{AccessToken: fresh.AccessToken,
		SoftwareTokenMfaSettings: &userpool.MFASettings{Enabled: false}})
	wantNoError(t, "turning TOTP off right after signing in", err)
}
