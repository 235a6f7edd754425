package userpool_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// availableChallenges returns a SELECT_CHALLENGE's choices as strings.
func availableChallenges(out *userpool.InitiateAuthOutput) []string {
	var s []string
	for _, c := range out.AvailableChallenges {
		s = append(s, string(c))
	}
	return s
}

// quietUser creates a confirmed user with a verified email and no message
// sent, so send limits start from zero.
func (e *env) quietUser(username, email string) {
	e.t.Helper()
	if _, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: username, MessageAction: "SUPPRESS",
		UserAttributes: []userpool.Attribute{{Name: "email", Value: email}, {Name: "email_verified", Value: "true"}}}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.pool.AdminSetUserPassword(e.ctx, userpool.AdminSetUserPasswordInput{Username: username, Password: goodPW, Permanent: true}); err != nil {
		e.t.Fatal(err)
	}
}

func TestUserAuthNeedsAClientThatAllowsIt(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) {
		c.AllowedFirstAuthFactors = []string{userpool.FirstFactorPassword, userpool.FirstFactorEmailOTP}
	})
	e.confirmedUser("amy", "amy@example.com")
	e.mail().Reset()
	params := map[string]string{"USERNAME": "amy", "PREFERRED_CHALLENGE": userpool.FirstFactorEmailOTP}
	_, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserAuth, ClientID: webClient, AuthParameters: params})
	wantCode(t, err, userpool.CodeInvalidParameter)
	_, err = e.pool.AdminInitiateAuth(e.ctx, userpool.AdminInitiateAuthInput{AuthFlow: userpool.FlowUserAuth, ClientID: webClient, AuthParameters: params})
	wantCode(t, err, userpool.CodeInvalidParameter)
	if e.sent() != 0 {
		t.Fatal("a client without ALLOW_USER_AUTH had a sign-in code sent")
	}
}

func TestUserAuthOffersOnlyWhatThePoolAllows(t *testing.T) {
	t.Run("a preferred challenge the pool does not allow falls back to a choice", func(t *testing.T) {
		e := newFastEnv(t, withUserAuth(userpool.FirstFactorPassword, userpool.FirstFactorEmailOTP))
		e.confirmedUser("ben", "ben@example.com")
		e.verifiedPhone("ben", "+15555550110")
		e.mail().Reset()
		out, err := e.userAuth("ben", userpool.FirstFactorSMSOTP)
		wantChallenge(t, out, err, userpool.ChallengeSelectChallenge)
		if got := availableChallenges(out); !slices.Equal(got, []string{"PASSWORD", "EMAIL_OTP"}) {
			t.Fatalf("AvailableChallenges = %v", got)
		}
		if e.sent() != 0 {
			t.Fatal("a code was sent for a factor the pool does not allow")
		}
		_, err = e.respondAs(userpool.ChallengeSelectChallenge, out.Session, "ben", "ANSWER", userpool.FirstFactorSMSOTP)
		wantCode(t, err, userpool.CodeInvalidParameter)
	})
	t.Run("a password is not checked when the pool does not allow passwords", func(t *testing.T) {
		e := newFastEnv(t, withUserAuth(userpool.FirstFactorEmailOTP))
		sub := e.confirmedUser("ben", "ben@example.com")
		counted := e.attemptsCountedBy(sub, func() {
			out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserAuth, ClientID: webClient,
				AuthParameters: map[string]string{"USERNAME": "ben", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": goodPW}})
			wantChallenge(t, out, err, userpool.ChallengeSelectChallenge)
			if got := availableChallenges(out); !slices.Equal(got, []string{"EMAIL_OTP"}) {
				t.Fatalf("AvailableChallenges = %v", got)
			}
			_, err = e.respondAs(userpool.ChallengeSelectChallenge, out.Session, "ben", "ANSWER", "PASSWORD", "PASSWORD", goodPW)
			wantCode(t, err, userpool.CodeInvalidParameter)
		})
		if counted != 0 {
			t.Fatalf("%d password attempts counted in a pool without passwords", counted)
		}
	})
	t.Run("an unknown preferred challenge falls back to a choice", func(t *testing.T) {
		e := newFastEnv(t, withUserAuth(userpool.FirstFactorPassword, userpool.FirstFactorEmailOTP))
		e.confirmedUser("ben", "ben@example.com")
		out, err := e.userAuth("ben", "WEB_AUTHN")
		wantChallenge(t, out, err, userpool.ChallengeSelectChallenge)
	})
}

func TestUserAuthPasswordAnswersCountTowardTheLockout(t *testing.T) {
	e := newFastEnv(t, withUserAuth(userpool.FirstFactorPassword, userpool.FirstFactorEmailOTP))
	e.confirmedUser("cat", "cat@example.com")
	answer := func(password string) error {
		t.Helper()
		out, err := e.userAuth("cat", "")
		if errors.Is(err, userpool.ErrNotAuthorized) {
			return err // a locked account is not even offered a challenge
		}
		wantChallenge(t, out, err, userpool.ChallengeSelectChallenge)
		_, err = e.respondAs(userpool.ChallengeSelectChallenge, out.Session, "cat", "ANSWER", "PASSWORD", "PASSWORD", password)
		return err
	}
	for i := range 5 {
		if err := answer("wrong-Password-" + fmt.Sprint(i)); !errors.Is(err, userpool.ErrNotAuthorized) {
			t.Fatalf("wrong password %d: %v", i, err)
		}
	}
	wantMessage(t, answer(goodPW), userpool.CodeNotAuthorized, "Password attempts exceeded")
	// The lockout is the account's: the USER_PASSWORD_AUTH flow is locked too.
	_, err := e.signIn("cat", goodPW)
	wantMessage(t, err, userpool.CodeNotAuthorized, "Password attempts exceeded")
	e.clock.Advance(16 * time.Minute)
	if err := answer(goodPW); err != nil {
		t.Fatalf("right password after the lockout: %v", err)
	}
}

func TestUserAuthSendsSMSCodesOnlyToAVerifiedPhone(t *testing.T) {
	e := newFastEnv(t, withUserAuth(userpool.FirstFactorPassword, userpool.FirstFactorSMSOTP))
	e.confirmedUser("dan", "dan@example.com")
	if _, err := e.pool.AdminUpdateUserAttributes(e.ctx, userpool.AdminUpdateUserAttributesInput{Username: "dan",
		UserAttributes: []userpool.Attribute{{Name: "phone_number", Value: "+15555550111"}}}); err != nil {
		t.Fatal(err)
	}
	e.mail().Reset()
	// Offered the pool's factors as anyone is, dan may pick SMS: he is
	// asked for a code that was never sent, and none will do.
	out, err := e.userAuth("dan", "")
	wantChallenge(t, out, err, userpool.ChallengeSelectChallenge)
	if got := availableChallenges(out); !slices.Equal(got, []string{"PASSWORD", "SMS_OTP"}) {
		t.Fatalf("AvailableChallenges with an unverified phone = %v", got)
	}
	decoy, err := e.respondAs(userpool.ChallengeSelectChallenge, out.Session, "dan", "ANSWER", userpool.FirstFactorSMSOTP)
	wantChallenge(t, decoy, err, userpool.ChallengeSMSOTP)
	_, err = e.respondAs(userpool.ChallengeSMSOTP, decoy.Session, "dan", "SMS_OTP_CODE", "123456")
	wantCode(t, err, userpool.CodeCodeMismatch)
	if len(e.mail().SMS()) != 0 {
		t.Fatalf("a sign-in code went to an unverified phone: %+v", e.mail().SMS())
	}

	e.verifiedPhone("dan", "+15555550111")
	out, err = e.userAuth("dan", "")
	wantChallenge(t, out, err, userpool.ChallengeSelectChallenge)
	next, err := e.respondAs(userpool.ChallengeSelectChallenge, out.Session, "dan", "ANSWER", userpool.FirstFactorSMSOTP)
	wantChallenge(t, next, err, userpool.ChallengeSMSOTP)
	if next.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != "SMS" {
		t.Fatalf("challenge parameters = %v", next.ChallengeParameters)
	}
	res := wantTokens(t)(e.respondAs(userpool.ChallengeSMSOTP, next.Session, "dan", "SMS_OTP_CODE", e.lastCode("+15555550111")))
	if e.accessClaims(res.AccessToken).Username != "dan" {
		t.Fatal("tokens of the wrong user")
	}
	// The code was the phone's own: an email code is not one.
	out, err = e.userAuth("dan", userpool.FirstFactorSMSOTP)
	wantChallenge(t, out, err, userpool.ChallengeSMSOTP)
	_, err = e.respondAs(userpool.ChallengeSMSOTP, out.Session, "dan", "EMAIL_OTP_CODE", e.lastCode("+15555550111"))
	wantCode(t, err, userpool.CodeInvalidParameter)
}

func TestUserAuthCodeSendsAreLimitedPerHourForKnownAndUnknownUsersAlike(t *testing.T) {
	e := newFastEnv(t, withUserAuth(userpool.FirstFactorEmailOTP))
	e.quietUser("eve", "eve@example.com")
	for _, name := range []string{"eve", "ghost"} {
		t.Run(name, func(t *testing.T) {
			for i := range 5 {
				out, err := e.userAuth(name, userpool.FirstFactorEmailOTP)
				if err != nil {
					t.Fatalf("send %d: %v", i+1, err)
				}
				if out.ChallengeName != userpool.ChallengeEmailOTP {
					t.Fatalf("send %d: %+v", i+1, out)
				}
				e.mail() // sent moments after the answer
				e.clock.Advance(time.Minute)
			}
			_, err := e.userAuth(name, userpool.FirstFactorEmailOTP)
			wantCode(t, err, userpool.CodeLimitExceeded)
			e.mail()
			e.clock.Advance(time.Hour)
			if _, err := e.userAuth(name, userpool.FirstFactorEmailOTP); err != nil {
				t.Fatalf("a send an hour later: %v", err)
			}
		})
	}
	if n := len(e.mail().Emails()); n != 6 {
		t.Fatalf("%d emails sent, want 6 (all to eve)", n)
	}
}

// outcome is an error as a caller sees it.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	if pe := asPoolError(err); pe != nil {
		return string(pe.Code) + ": " + pe.Message
	}
	return err.Error()
}

func TestUserAuthUnknownUsersFailLikeWrongCodes(t *testing.T) {
	e := newFastEnv(t, withUserAuth(userpool.FirstFactorPassword, userpool.FirstFactorEmailOTP))
	e.quietUser("fay", "fay@example.com")
	run := func(name string) (keys []string, outcomes []string) {
		out, err := e.userAuth(name, userpool.FirstFactorEmailOTP)
		wantChallenge(t, out, err, userpool.ChallengeEmailOTP)
		for k := range out.ChallengeParameters {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		wrong := "000000"
		if name == "fay" {
			wrong = otherCode(e.lastCode("fay@example.com"))
		}
		// Named as someone else: bad input, the session stays.
		_, err = e.respondAs(userpool.ChallengeEmailOTP, out.Session, "someone-else", "EMAIL_OTP_CODE", wrong)
		outcomes = append(outcomes, outcome(err))
		for range 5 {
			_, err := e.respondAs(userpool.ChallengeEmailOTP, out.Session, name, "EMAIL_OTP_CODE", wrong)
			outcomes = append(outcomes, outcome(err))
		}
		// After five failures the account's lockout refuses a new session.
		_, err = e.userAuth(name, userpool.FirstFactorEmailOTP)
		outcomes = append(outcomes, outcome(err))
		return keys, outcomes
	}
	knownKeys, known := run("fay")
	unknownKeys, unknown := run("ghost")
	if !slices.Equal(knownKeys, unknownKeys) {
		t.Errorf("challenge parameters: known user %v, unknown user %v", knownKeys, unknownKeys)
	}
	for i := range known {
		if known[i] != unknown[i] {
			t.Errorf("answer %d: known user %q, unknown user %q", i, known[i], unknown[i])
		}
	}
	if !strings.HasPrefix(known[1], string(userpool.CodeCodeMismatch)) || !strings.HasPrefix(known[len(known)-1], string(userpool.CodeNotAuthorized)) {
		t.Errorf("known user's answers = %q", known)
	}
}

func TestUserAuthSelectChallengeRefusesBadAnswersWithoutSpendingTheSession(t *testing.T) {
	e := newFastEnv(t, withUserAuth(userpool.FirstFactorPassword, userpool.FirstFactorEmailOTP))
	sub := e.confirmedUser("gil", "gil@example.com")
	out, err := e.userAuth("gil", "")
	wantChallenge(t, out, err, userpool.ChallengeSelectChallenge)
	bad := []struct {
		name string
		kv   []string
	}{
		{"no answer", nil},
		{"an answer not offered", []string{"ANSWER", "SMS_OTP"}},
		{"an answer in the wrong case", []string{"ANSWER", "password", "PASSWORD", goodPW}},
		{"PASSWORD without the password", []string{"ANSWER", "PASSWORD"}},
	}
	counted := e.attemptsCountedBy(sub, func() {
		for _, b := range bad {
			_, err := e.respondAs(userpool.ChallengeSelectChallenge, out.Session, "gil", b.kv...)
			if pe := asPoolError(err); pe == nil || pe.Code != userpool.CodeInvalidParameter {
				t.Fatalf("%s: %v, want InvalidParameterException", b.name, err)
			}
		}
		_, err := e.respondAs(userpool.ChallengeSelectChallenge, out.Session, "hal", "ANSWER", "PASSWORD", "PASSWORD", goodPW)
		wantCode(t, err, userpool.CodeInvalidParameter)
	})
	if counted != 0 {
		t.Fatalf("bad answers counted %d sign-in attempts", counted)
	}
	wantTokens(t)(e.respondAs(userpool.ChallengeSelectChallenge, out.Session, "gil", "ANSWER", "PASSWORD", "PASSWORD", goodPW))
}

func TestUserAuthNamesTheMediumOfTheCodeForUnknownUsersToo(t *testing.T) {
	e := newFastEnv(t, withUserAuth(userpool.FirstFactorEmailOTP, userpool.FirstFactorSMSOTP))
	e.confirmedUser("ivy", "ivy@example.com")
	e.verifiedPhone("ivy", "+15555550112")
	for _, tc := range []struct{ login, factor, medium string }{
		{"ivy", userpool.FirstFactorSMSOTP, "SMS"},
		{"ivy", userpool.FirstFactorEmailOTP, "EMAIL"},
		{"ghost", userpool.FirstFactorSMSOTP, "SMS"},
		{"ghost", userpool.FirstFactorEmailOTP, "EMAIL"},
		{"+15555550199", userpool.FirstFactorEmailOTP, "EMAIL"},
		{"+15555550199", userpool.FirstFactorSMSOTP, "SMS"},
	} {
		t.Run(tc.login+" asking for "+tc.factor, func(t *testing.T) {
			out, err := e.userAuth(tc.login, tc.factor)
			wantChallenge(t, out, err, userpool.ChallengeName(tc.factor))
			if got := out.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"]; got != tc.medium {
				t.Fatalf("medium = %q, want %s (%v)", got, tc.medium, out.ChallengeParameters)
			}
			if out.ChallengeParameters["CODE_DELIVERY_DESTINATION"] == "" {
				t.Fatalf("no destination in %v", out.ChallengeParameters)
			}
		})
	}
}

// A code sign-in is one factor: a user who enabled TOTP is asked for it
// after the emailed code.
func TestUserAuthCodeIsFollowedByTheUsersOtherFactor(t *testing.T) {
	e := newFastEnv(t, withUserAuth(userpool.FirstFactorPassword, userpool.FirstFactorEmailOTP),
		withMFA(userpool.MFAOptional, userpool.FactorTOTP, userpool.FactorEmail))
	e.confirmedUser("ida", "ida@example.com")
	app, _ := e.enrollTOTP("ida")
	e.clock.Advance(time.Minute)

	out, err := e.userAuth("ida", userpool.FirstFactorEmailOTP)
	wantChallenge(t, out, err, userpool.ChallengeEmailOTP)
	next, err := e.respondAs(userpool.ChallengeEmailOTP, out.Session, "ida", "EMAIL_OTP_CODE", e.lastCode("ida@example.com"))
	wantChallenge(t, next, err, userpool.ChallengeSoftwareTokenMFA)
	wantTokens(t)(e.answerTOTP(next.Session, "ida", app.code(e.clock.Now())))
}

// The medium the code came through is not asked for again: a user whose
// only second factor is email signs in with the emailed code alone.
func TestUserAuthCodeIsNotAskedForTwice(t *testing.T) {
	e := newFastEnv(t, withUserAuth(userpool.FirstFactorPassword, userpool.FirstFactorEmailOTP),
		withMFA(userpool.MFAOptional, userpool.FactorTOTP, userpool.FactorEmail))
	e.confirmedUser("jo", "jo@example.com")
	e.enableFactors("jo", false, true)

	out, err := e.userAuth("jo", userpool.FirstFactorEmailOTP)
	wantChallenge(t, out, err, userpool.ChallengeEmailOTP)
	wantTokens(t)(e.respondAs(userpool.ChallengeEmailOTP, out.Session, "jo", "EMAIL_OTP_CODE", e.lastCode("jo@example.com")))
}
