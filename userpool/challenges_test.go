package userpool_test

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/internal/srp"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

// Helpers for the MFA, USER_AUTH and device tests, on top of mfa_test.go.

const expiredSession = "Invalid session for the user, session is expired."

// respondAt answers a challenge at a client with the given responses.
func (e *env) respondAt(clientID string, name userpool.ChallengeName, session string, responses map[string]string) (*userpool.InitiateAuthOutput, error) {
	return e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: clientID,
		ChallengeName: name, Session: session, ChallengeResponses: responses})
}

// respondAs answers a challenge at the web client as username, with
// further key/value pairs.
func (e *env) respondAs(name userpool.ChallengeName, session, username string, kv ...string) (*userpool.InitiateAuthOutput, error) {
	r := map[string]string{"USERNAME": username}
	for i := 0; i+1 < len(kv); i += 2 {
		r[kv[i]] = kv[i+1]
	}
	return e.respondAt(webClient, name, session, r)
}

// verifiedPhone gives a user a verified phone number.
func (e *env) verifiedPhone(username, phone string) {
	e.t.Helper()
	if _, err := e.pool.AdminUpdateUserAttributes(e.ctx, userpool.AdminUpdateUserAttributesInput{Username: username, UserAttributes: []userpool.Attribute{
		{Name: "phone_number", Value: phone}, {Name: "phone_number_verified", Value: "true"}}}); err != nil {
		e.t.Fatalf("verified phone for %s: %v", username, err)
	}
}

// enableFactors turns on SMS and/or email MFA for a user.
func (e *env) enableFactors(username string, sms, email bool) {
	e.t.Helper()
	in := userpool.AdminSetUserMFAPreferenceInput{Username: username}
	if sms {
		in.SMSMfaSettings = &userpool.MFASettings{Enabled: true}
	}
	if email {
		in.EmailMfaSettings = &userpool.MFASettings{Enabled: true}
	}
	if _, err := e.pool.AdminSetUserMFAPreference(e.ctx, in); err != nil {
		e.t.Fatalf("AdminSetUserMFAPreference(%s): %v", username, err)
	}
}

// passwordStepWith runs the password step with extra parameters
// (DEVICE_KEY) and expects a challenge or tokens, not an error.
func (e *env) passwordStepWith(username string, extra map[string]string) *userpool.InitiateAuthOutput {
	e.t.Helper()
	params := map[string]string{"USERNAME": username, "PASSWORD": goodPW}
	for k, v := range extra {
		params[k] = v
	}
	out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient, AuthParameters: params})
	if err != nil {
		e.t.Fatalf("password step: %v", err)
	}
	return out
}

// wantChallenge fails unless out asks for that challenge with a session.
func wantChallenge(t *testing.T, out *userpool.InitiateAuthOutput, err error, name userpool.ChallengeName) {
	t.Helper()
	if err != nil {
		t.Fatalf("want %s, got error %v", name, err)
	}
	if out.ChallengeName != name || out.Session == "" || out.AuthenticationResult != nil {
		t.Fatalf("got %+v, want the %s challenge", out, name)
	}
}

// wantTokens returns a check that fails unless a response carries tokens:
// wantTokens(t)(e.respondAs(…)).
func wantTokens(t *testing.T) func(*userpool.InitiateAuthOutput, error) *userpool.AuthenticationResult {
	return func(out *userpool.InitiateAuthOutput, err error) *userpool.AuthenticationResult {
		t.Helper()
		if err != nil {
			t.Fatalf("want tokens, got error %v", err)
		}
		if out.AuthenticationResult == nil || out.AuthenticationResult.AccessToken == "" {
			t.Fatalf("got %+v, want tokens", out)
		}
		return out.AuthenticationResult
	}
}

// wantExpiredSession fails unless err is Cognito's invalid-session answer.
func wantExpiredSession(t *testing.T, err error) {
	t.Helper()
	wantMessage(t, err, userpool.CodeNotAuthorized, expiredSession)
}

// probeAttempts registers one attempt on key under a policy that never
// locks, and returns the count including it. Comparing two probes tells
// how many attempts the pool counted between them (minus the probe).
func (e *env) probeAttempts(key string) int {
	e.t.Helper()
	a, err := e.store.BeginAttempt(e.ctx, e.cfg.ID, key, e.clock.Now(),
		store.LockoutPolicy{Threshold: 100, Base: time.Second, Max: time.Second, ResetAfter: 24 * time.Hour})
	if err != nil || !a.Allowed {
		e.t.Fatalf("probe attempts: %+v, %v", a, err)
	}
	return a.Failures
}

// attemptsCountedBy returns how many sign-in attempts f registered on key.
func (e *env) attemptsCountedBy(key string, f func()) int {
	e.t.Helper()
	before := e.probeAttempts(key)
	f()
	return e.probeAttempts(key) - before - 1
}

// lenientLockout keeps counting tests clear of the lockout.
func lenientLockout(c *userpool.Config) {
	c.Lockout = store.LockoutPolicy{Threshold: 50, Base: time.Second, Max: time.Minute, ResetAfter: 15 * time.Minute}
}

// withUserAuth allows USER_AUTH at the web client with these first factors.
func withUserAuth(factors ...string) func(*userpool.Config) {
	return func(c *userpool.Config) {
		c.AllowedFirstAuthFactors = factors
		c.Clients[0].ExplicitAuthFlows = append(c.Clients[0].ExplicitAuthFlows, userpool.AllowUserAuth)
	}
}

// userAuth starts USER_AUTH at the web client.
func (e *env) userAuth(username, preferred string) (*userpool.InitiateAuthOutput, error) {
	params := map[string]string{"USERNAME": username}
	if preferred != "" {
		params["PREFERRED_CHALLENGE"] = preferred
	}
	return e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserAuth, ClientID: webClient, AuthParameters: params})
}

// openChallenge is a challenge waiting for its answer, with a right one.
type openChallenge struct {
	name    userpool.ChallengeName
	session string
	answer  map[string]string
}

// challengeKinds start each kind of challenge in a fresh pool.
var challengeKinds = []struct {
	name  string
	start func(t *testing.T) (*env, openChallenge)
}{
	{"NEW_PASSWORD_REQUIRED", func(t *testing.T) (*env, openChallenge) {
		e := newFastEnv(t)
		if _, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "nia", TemporaryPassword: "Temp-Password-42", MessageAction: "SUPPRESS"}); err != nil {
			t.Fatal(err)
		}
		out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
			AuthParameters: map[string]string{"USERNAME": "nia", "PASSWORD": "Temp-Password-42"}})
		wantChallenge(t, out, err, userpool.ChallengeNewPasswordRequired)
		return e, openChallenge{out.ChallengeName, out.Session, map[string]string{"USERNAME": "nia", "NEW_PASSWORD": goodPW}}
	}},
	{"SOFTWARE_TOKEN_MFA", func(t *testing.T) (*env, openChallenge) {
		e := newFastEnv(t, withMFA(userpool.MFAOptional))
		e.confirmedUser("nia", "nia@example.com")
		app, _ := e.enrollTOTP("nia")
		e.clock.Advance(30 * time.Second)
		out := e.passwordStep("nia")
		wantChallenge(t, out, nil, userpool.ChallengeSoftwareTokenMFA)
		return e, openChallenge{out.ChallengeName, out.Session, map[string]string{"USERNAME": "nia", "SOFTWARE_TOKEN_MFA_CODE": app.code(e.clock.Now())}}
	}},
	{"SMS_MFA", func(t *testing.T) (*env, openChallenge) {
		e := newFastEnv(t, withMFA(userpool.MFAOptional, userpool.FactorSMS))
		e.confirmedUser("nia", "nia@example.com")
		e.verifiedPhone("nia", "+15555550101")
		e.enableFactors("nia", true, false)
		out := e.passwordStep("nia")
		wantChallenge(t, out, nil, userpool.ChallengeSMSMFA)
		return e, openChallenge{out.ChallengeName, out.Session, map[string]string{"USERNAME": "nia", "SMS_MFA_CODE": e.lastCode("+15555550101")}}
	}},
	{"EMAIL_OTP as a second factor", func(t *testing.T) (*env, openChallenge) {
		e := newFastEnv(t, withMFA(userpool.MFAOptional, userpool.FactorEmail))
		e.confirmedUser("nia", "nia@example.com")
		e.enableFactors("nia", false, true)
		out := e.passwordStep("nia")
		wantChallenge(t, out, nil, userpool.ChallengeEmailOTP)
		return e, openChallenge{out.ChallengeName, out.Session, map[string]string{"USERNAME": "nia", "EMAIL_OTP_CODE": e.lastCode("nia@example.com")}}
	}},
	{"SELECT_MFA_TYPE", func(t *testing.T) (*env, openChallenge) {
		e := newFastEnv(t, withMFA(userpool.MFAOptional, userpool.FactorSMS, userpool.FactorEmail))
		e.confirmedUser("nia", "nia@example.com")
		e.verifiedPhone("nia", "+15555550101")
		e.enableFactors("nia", true, true)
		out := e.passwordStep("nia")
		wantChallenge(t, out, nil, userpool.ChallengeSelectMFAType)
		return e, openChallenge{out.ChallengeName, out.Session, map[string]string{"USERNAME": "nia", "ANSWER": userpool.FactorSMS}}
	}},
	{"MFA_SETUP", func(t *testing.T) (*env, openChallenge) {
		e := newFastEnv(t, withMFA(userpool.MFAOn))
		e.confirmedUser("nia", "nia@example.com")
		out := e.passwordStep("nia")
		wantChallenge(t, out, nil, userpool.ChallengeMFASetup)
		assoc, err := e.pool.AssociateSoftwareToken(e.ctx, userpool.AssociateSoftwareTokenInput{Session: out.Session, ClientID: webClient})
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: webClient,
			UserCode: newAuthenticator(t, assoc.SecretCode).code(e.clock.Now())})
		if err != nil {
			t.Fatal(err)
		}
		return e, openChallenge{userpool.ChallengeMFASetup, v.Session, map[string]string{"USERNAME": "nia"}}
	}},
	{"DEVICE_SRP_AUTH", func(t *testing.T) (*env, openChallenge) {
		e := newFastEnv(t, withMFA(userpool.MFAOptional), withRememberedDevices(false))
		e.confirmedUser("nia", "nia@example.com")
		app, _ := e.enrollTOTP("nia")
		d := e.rememberDevice("nia", app)
		out := e.passwordStepWith("nia", map[string]string{"DEVICE_KEY": d.key})
		wantChallenge(t, out, nil, userpool.ChallengeDeviceSRPAuth)
		cl, err := srp.NewClient(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return e, openChallenge{out.ChallengeName, out.Session, map[string]string{"USERNAME": "nia", "DEVICE_KEY": d.key, "SRP_A": cl.SRPA()}}
	}},
	{"DEVICE_PASSWORD_VERIFIER", func(t *testing.T) (*env, openChallenge) {
		e := newFastEnv(t, withMFA(userpool.MFAOptional), withRememberedDevices(false))
		e.confirmedUser("nia", "nia@example.com")
		app, _ := e.enrollTOTP("nia")
		d := e.rememberDevice("nia", app)
		out := e.passwordStepWith("nia", map[string]string{"DEVICE_KEY": d.key})
		wantChallenge(t, out, nil, userpool.ChallengeDeviceSRPAuth)
		cl, ch := e.devicePasswordVerifier(d, out)
		answer := e.deviceAnswer(d, cl, ch)
		for _, k := range []string{"USERNAME", "DEVICE_KEY", "PASSWORD_CLAIM_SECRET_BLOCK", "TIMESTAMP", "PASSWORD_CLAIM_SIGNATURE"} {
			if answer[k] == "" {
				t.Fatalf("the right answer lacks %s: %v", k, answer)
			}
		}
		return e, openChallenge{ch.ChallengeName, ch.Session, answer}
	}},
	{"SELECT_CHALLENGE", func(t *testing.T) (*env, openChallenge) {
		e := newFastEnv(t, withUserAuth(userpool.FirstFactorPassword, userpool.FirstFactorEmailOTP))
		e.confirmedUser("nia", "nia@example.com")
		out, err := e.userAuth("nia", "")
		wantChallenge(t, out, err, userpool.ChallengeSelectChallenge)
		return e, openChallenge{out.ChallengeName, out.Session, map[string]string{"USERNAME": "nia", "ANSWER": userpool.FirstFactorEmailOTP}}
	}},
	{"EMAIL_OTP as a first factor", func(t *testing.T) (*env, openChallenge) {
		e := newFastEnv(t, withUserAuth(userpool.FirstFactorEmailOTP))
		e.confirmedUser("nia", "nia@example.com")
		out, err := e.userAuth("nia", userpool.FirstFactorEmailOTP)
		wantChallenge(t, out, err, userpool.ChallengeEmailOTP)
		return e, openChallenge{out.ChallengeName, out.Session, map[string]string{"USERNAME": "nia", "EMAIL_OTP_CODE": e.lastCode("nia@example.com")}}
	}},
	{"SMS_OTP", func(t *testing.T) (*env, openChallenge) {
		e := newFastEnv(t, withUserAuth(userpool.FirstFactorSMSOTP))
		e.confirmedUser("nia", "nia@example.com")
		e.verifiedPhone("nia", "+15555550101")
		out, err := e.userAuth("nia", userpool.FirstFactorSMSOTP)
		wantChallenge(t, out, err, userpool.ChallengeSMSOTP)
		return e, openChallenge{out.ChallengeName, out.Session, map[string]string{"USERNAME": "nia", "SMS_OTP_CODE": e.lastCode("+15555550101")}}
	}},
}

func TestEveryChallengeRefusesAWrongExpiredOrReusedSession(t *testing.T) {
	for _, kind := range challengeKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Run("the right answer with the right session succeeds", func(t *testing.T) {
				e, c := kind.start(t)
				if _, err := e.respondAt(webClient, c.name, c.session, c.answer); err != nil {
					t.Fatalf("right answer: %v", err)
				}
			})
			t.Run("a made-up session is refused", func(t *testing.T) {
				e, c := kind.start(t)
				_, err := e.respondAt(webClient, c.name, "bm90LWEtc2Vzc2lvbi1hdC1hbGwtYnV0LWxvbmctZW5vdWdo", c.answer)
				wantExpiredSession(t, err)
			})
			t.Run("a missing session is refused", func(t *testing.T) {
				e, c := kind.start(t)
				_, err := e.respondAt(webClient, c.name, "", c.answer)
				wantExpiredSession(t, err)
			})
			t.Run("a huge session is refused", func(t *testing.T) {
				e, c := kind.start(t)
				_, err := e.respondAt(webClient, c.name, c.session+strings.Repeat("A", 1<<20), c.answer)
				wantExpiredSession(t, err)
			})
			t.Run("a session past its validity is refused", func(t *testing.T) {
				e, c := kind.start(t)
				e.clock.Advance(3*time.Minute + time.Second)
				_, err := e.respondAt(webClient, c.name, c.session, c.answer)
				wantExpiredSession(t, err)
			})
			t.Run("a session used once is refused the second time", func(t *testing.T) {
				e, c := kind.start(t)
				if _, err := e.respondAt(webClient, c.name, c.session, c.answer); err != nil {
					t.Fatalf("first answer: %v", err)
				}
				_, err := e.respondAt(webClient, c.name, c.session, c.answer)
				wantExpiredSession(t, err)
			})
			t.Run("a session answered as another challenge is refused", func(t *testing.T) {
				e, c := kind.start(t)
				other := userpool.ChallengeNewPasswordRequired
				if c.name == other {
					other = userpool.ChallengeSoftwareTokenMFA
				}
				_, err := e.respondAt(webClient, other, c.session, c.answer)
				wantExpiredSession(t, err)
			})
			t.Run("a session answered at another client is refused", func(t *testing.T) {
				e, c := kind.start(t)
				e.passwordClient("other", func(cc *userpool.ClientConfig) {
					cc.ExplicitAuthFlows = append(cc.ExplicitAuthFlows, userpool.AllowUserAuth)
				})
				_, err := e.respondAt("other", c.name, c.session, c.answer)
				wantExpiredSession(t, err)
			})
			t.Run("a session answered for another user is refused", func(t *testing.T) {
				e, c := kind.start(t)
				e.confirmedUser("bob", "bob@example.com")
				answer := map[string]string{}
				for k, v := range c.answer {
					answer[k] = v
				}
				answer["USERNAME"] = "bob"
				out, err := e.respondAt(webClient, c.name, c.session, answer)
				if err == nil {
					t.Fatalf("answered for bob with nia's session: %+v", out)
				}
				// The refusal is bad input: nia can still answer.
				if _, err := e.respondAt(webClient, c.name, c.session, c.answer); err != nil {
					t.Fatalf("nia's own answer after the refused one: %v", err)
				}
			})
		})
	}
}

func TestACodeSentForAnotherUserIsRefused(t *testing.T) {
	e := newFastEnv(t, withMFA(userpool.MFAOptional, userpool.FactorEmail))
	for _, u := range []string{"ann", "ben"} {
		e.confirmedUser(u, u+"@example.com")
		e.enableFactors(u, false, true)
	}
	ann := e.passwordStep("ann")
	ben := e.passwordStep("ben")
	annCode, benCode := e.lastCode("ann@example.com"), e.lastCode("ben@example.com")
	for annCode == benCode { // one chance in a million: ask Ben for another code
		ben = e.passwordStep("ben")
		benCode = e.lastCode("ben@example.com")
	}
	_, err := e.respondAs(userpool.ChallengeEmailOTP, ann.Session, "ann", "EMAIL_OTP_CODE", benCode)
	wantCode(t, err, userpool.CodeCodeMismatch)
	wantTokens(t)(e.respondAs(userpool.ChallengeEmailOTP, ann.Session, "ann", "EMAIL_OTP_CODE", annCode))
	// Ben's session with Ben's code, named as Ann, is refused too.
	if _, err := e.respondAs(userpool.ChallengeEmailOTP, ben.Session, "ann", "EMAIL_OTP_CODE", benCode); err == nil {
		t.Fatal("ben's session answered as ann")
	}
	wantTokens(t)(e.respondAs(userpool.ChallengeEmailOTP, ben.Session, "ben", "EMAIL_OTP_CODE", benCode))
}

func TestMalformedCodesAreRefusedWithoutSpendingTheSession(t *testing.T) {
	malformed := []struct{ name, code string }{
		{"letters", "abcdef"},
		{"five digits", "12345"},
		{"seven digits", "1234567"},
		{"digits with a space", "123 45"},
		{"a megabyte", strings.Repeat("1", 1<<20)},
		{"nothing", ""},
	}
	kinds := []struct {
		name  userpool.ChallengeName
		key   string
		setup func(t *testing.T) (*env, string, func() string)
	}{
		{userpool.ChallengeSoftwareTokenMFA, "SOFTWARE_TOKEN_MFA_CODE", func(t *testing.T) (*env, string, func() string) {
			e := newFastEnv(t, withMFA(userpool.MFAOptional), lenientLockout)
			sub := e.confirmedUser("mal", "mal@example.com")
			app, _ := e.enrollTOTP("mal")
			e.clock.Advance(30 * time.Second)
			return e, sub, func() string { return app.code(e.clock.Now()) }
		}},
		{userpool.ChallengeSMSMFA, "SMS_MFA_CODE", func(t *testing.T) (*env, string, func() string) {
			e := newFastEnv(t, withMFA(userpool.MFAOptional, userpool.FactorSMS), lenientLockout)
			sub := e.confirmedUser("mal", "mal@example.com")
			e.verifiedPhone("mal", "+15555550102")
			e.enableFactors("mal", true, false)
			return e, sub, func() string { return e.lastCode("+15555550102") }
		}},
		{userpool.ChallengeEmailOTP, "EMAIL_OTP_CODE", func(t *testing.T) (*env, string, func() string) {
			e := newFastEnv(t, withMFA(userpool.MFAOptional, userpool.FactorEmail), lenientLockout)
			sub := e.confirmedUser("mal", "mal@example.com")
			e.enableFactors("mal", false, true)
			return e, sub, func() string { return e.lastCode("mal@example.com") }
		}},
	}
	for _, k := range kinds {
		t.Run(string(k.name), func(t *testing.T) {
			e, sub, right := k.setup(t)
			out := e.passwordStep("mal")
			wantChallenge(t, out, nil, k.name)
			for _, m := range malformed {
				counted := e.attemptsCountedBy(sub, func() {
					res, err := e.respondAs(k.name, out.Session, "mal", k.key, m.code)
					if err == nil {
						t.Fatalf("%s accepted: %+v", m.name, res)
					}
					if pe := asPoolError(err); pe == nil || (pe.Code != userpool.CodeInvalidParameter && pe.Code != userpool.CodeCodeMismatch) {
						t.Fatalf("%s: %v, want InvalidParameterException or CodeMismatchException", m.name, err)
					}
				})
				if counted > 1 {
					t.Fatalf("%s counted %d attempts, want at most one", m.name, counted)
				}
			}
			wantTokens(t)(e.respondAs(k.name, out.Session, "mal", k.key, right()))
		})
	}
}

func TestACodeLivesNoLongerThanItsSession(t *testing.T) {
	setup := func(t *testing.T, mutate ...func(*userpool.Config)) (*env, *userpool.InitiateAuthOutput) {
		e := newFastEnv(t, append([]func(*userpool.Config){withMFA(userpool.MFAOptional, userpool.FactorSMS)}, mutate...)...)
		e.confirmedUser("cody", "cody@example.com")
		e.verifiedPhone("cody", "+15555550103")
		e.enableFactors("cody", true, false)
		out := e.passwordStep("cody")
		wantChallenge(t, out, nil, userpool.ChallengeSMSMFA)
		return e, out
	}
	t.Run("a code answered just inside the session's validity is accepted", func(t *testing.T) {
		e, out := setup(t)
		e.clock.Advance(3*time.Minute - time.Second)
		wantTokens(t)(e.respondAs(userpool.ChallengeSMSMFA, out.Session, "cody", "SMS_MFA_CODE", e.lastCode("+15555550103")))
	})
	t.Run("a code answered after the session's validity is refused", func(t *testing.T) {
		e, out := setup(t)
		e.clock.Advance(3*time.Minute + time.Second)
		_, err := e.respondAs(userpool.ChallengeSMSMFA, out.Session, "cody", "SMS_MFA_CODE", e.lastCode("+15555550103"))
		wantExpiredSession(t, err)
	})
	t.Run("a wrong answer does not extend the session", func(t *testing.T) {
		e, out := setup(t)
		code := e.lastCode("+15555550103")
		e.clock.Advance(2 * time.Minute)
		if _, err := e.respondAs(userpool.ChallengeSMSMFA, out.Session, "cody", "SMS_MFA_CODE", otherCode(code)); !errors.Is(err, userpool.ErrCodeMismatch) {
			t.Fatalf("wrong code: %v", err)
		}
		e.clock.Advance(time.Minute + time.Second)
		_, err := e.respondAs(userpool.ChallengeSMSMFA, out.Session, "cody", "SMS_MFA_CODE", code)
		wantExpiredSession(t, err)
	})
	t.Run("a long session validity does not stretch a code past CodeValidity", func(t *testing.T) {
		e, out := setup(t, func(c *userpool.Config) {
			c.Clients[0].AuthSessionValidity = 15 * time.Minute
			c.CodeValidity = 10 * time.Minute
		})
		code := e.lastCode("+15555550103")
		e.clock.Advance(10*time.Minute + time.Second)
		_, err := e.respondAs(userpool.ChallengeSMSMFA, out.Session, "cody", "SMS_MFA_CODE", code)
		wantExpiredSession(t, err)
	})
	t.Run("a long session validity applies to challenges without codes", func(t *testing.T) {
		e := newFastEnv(t, withMFA(userpool.MFAOptional), func(c *userpool.Config) { c.Clients[0].AuthSessionValidity = 15 * time.Minute })
		e.confirmedUser("cody", "cody@example.com")
		app, _ := e.enrollTOTP("cody")
		out := e.passwordStep("cody")
		e.clock.Advance(14 * time.Minute)
		wantTokens(t)(e.answerTOTP(out.Session, "cody", app.code(e.clock.Now())))
	})
}

func TestSelectMFATypeRefusesAFactorItDidNotOffer(t *testing.T) {
	e := newFastEnv(t, withMFA(userpool.MFAOptional, userpool.FactorTOTP, userpool.FactorSMS, userpool.FactorEmail))
	e.confirmedUser("sel", "sel@example.com")
	e.verifiedPhone("sel", "+15555550104")
	e.enableFactors("sel", true, true)
	out := e.passwordStep("sel")
	wantChallenge(t, out, nil, userpool.ChallengeSelectMFAType)
	if got := out.ChallengeParameters["MFAS_CAN_CHOOSE"]; got != `["SMS_MFA","EMAIL_OTP"]` {
		t.Fatalf("MFAS_CAN_CHOOSE = %s", got)
	}
	sentBefore := e.sent()
	for _, answer := range []string{userpool.FactorTOTP, "sms_mfa", "", "SMS_MFA ", strings.Repeat("X", 1<<16)} {
		_, err := e.respondAs(userpool.ChallengeSelectMFAType, out.Session, "sel", "ANSWER", answer)
		wantCode(t, err, userpool.CodeInvalidParameter)
	}
	if n := e.sent(); n != sentBefore {
		t.Fatalf("refused choices sent %d messages", n-sentBefore)
	}
	next, err := e.respondAs(userpool.ChallengeSelectMFAType, out.Session, "sel", "ANSWER", userpool.FactorEmail)
	wantChallenge(t, next, err, userpool.ChallengeEmailOTP)
	wantTokens(t)(e.respondAs(userpool.ChallengeEmailOTP, next.Session, "sel", "EMAIL_OTP_CODE", e.lastCode("sel@example.com")))
}

func TestMFASetupCannotBeAnsweredBeforeTheTokenIsVerified(t *testing.T) {
	e := newFastEnv(t, withMFA(userpool.MFAOn))
	e.confirmedUser("set", "set@example.com")
	out := e.passwordStep("set")
	wantChallenge(t, out, nil, userpool.ChallengeMFASetup)

	// Answering before anything was set up is bad input; the session stays.
	_, err := e.respondAs(userpool.ChallengeMFASetup, out.Session, "set")
	wantCode(t, err, userpool.CodeInvalidParameter)
	// So is verifying before associating.
	_, err = e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{Session: out.Session, ClientID: webClient, UserCode: "123456"})
	wantCode(t, err, userpool.CodeInvalidParameter)

	assoc, err := e.pool.AssociateSoftwareToken(e.ctx, userpool.AssociateSoftwareTokenInput{Session: out.Session, ClientID: webClient})
	if err != nil {
		t.Fatalf("associate with the session after refused answers: %v", err)
	}
	// Associating spent the first session.
	_, err = e.respondAs(userpool.ChallengeMFASetup, out.Session, "set")
	wantExpiredSession(t, err)
	// Associated but not verified: still refused.
	_, err = e.respondAs(userpool.ChallengeMFASetup, assoc.Session, "set")
	wantCode(t, err, userpool.CodeInvalidParameter)
	app := newAuthenticator(t, assoc.SecretCode)
	_, err = e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: webClient, UserCode: otherCode(app.code(e.clock.Now()))})
	wantCode(t, err, userpool.CodeCodeMismatch)
	if u := e.user("set"); u.MFA.TOTPVerified || len(u.MFA.TOTPSecret) != 0 {
		t.Fatalf("a wrong code enabled TOTP: %+v", u.MFA)
	}
	_, err = e.respondAs(userpool.ChallengeMFASetup, assoc.Session, "set")
	wantCode(t, err, userpool.CodeInvalidParameter)
	v, err := e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: webClient, UserCode: app.code(e.clock.Now())})
	if err != nil || v.Session == "" || v.Status != "SUCCESS" {
		t.Fatalf("VerifySoftwareToken = %+v, %v", v, err)
	}
	// The verifying session is spent; the one it returned completes set-up.
	_, err = e.respondAs(userpool.ChallengeMFASetup, assoc.Session, "set")
	wantExpiredSession(t, err)
	wantTokens(t)(e.respondAs(userpool.ChallengeMFASetup, v.Session, "set"))
}

func TestAnOpenChallengeEndsWhenTheAdministratorSteps(t *testing.T) {
	steps := []struct {
		name string
		act  func(e *env) error
		want userpool.ErrorCode
	}{
		{"disabling the user", func(e *env) error {
			return errOf(e.pool.AdminDisableUser(e.ctx, userpool.AdminDisableUserInput{Username: "ola"}))
		}, userpool.CodeNotAuthorized},
		{"resetting the password", func(e *env) error {
			return errOf(e.pool.AdminResetUserPassword(e.ctx, userpool.AdminResetUserPasswordInput{Username: "ola"}))
		}, userpool.CodePasswordResetRequired},
		{"setting a temporary password", func(e *env) error {
			return errOf(e.pool.AdminSetUserPassword(e.ctx, userpool.AdminSetUserPasswordInput{Username: "ola", Password: "Temporary-pw-88"}))
		}, ""},
		{"deleting the user", func(e *env) error {
			return errOf(e.pool.AdminDeleteUser(e.ctx, userpool.AdminDeleteUserInput{Username: "ola"}))
		}, userpool.CodeNotAuthorized},
	}
	for _, s := range steps {
		t.Run("a TOTP challenge ends on "+s.name, func(t *testing.T) {
			e := newFastEnv(t, withMFA(userpool.MFAOptional))
			e.confirmedUser("ola", "ola@example.com")
			app, _ := e.enrollTOTP("ola")
			e.clock.Advance(30 * time.Second)
			out := e.passwordStep("ola")
			wantNoError(t, s.name, s.act(e))
			res, err := e.answerTOTP(out.Session, "ola", app.code(e.clock.Now()))
			if err == nil {
				t.Fatalf("the challenge completed after %s: %+v", s.name, res)
			}
			if s.want != "" {
				wantCode(t, err, s.want)
			}
		})
	}
	t.Run("a NEW_PASSWORD_REQUIRED challenge ends when the user is disabled", func(t *testing.T) {
		e := newFastEnv(t)
		if _, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "ola", TemporaryPassword: "Temp-Password-42", MessageAction: "SUPPRESS"}); err != nil {
			t.Fatal(err)
		}
		out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
			AuthParameters: map[string]string{"USERNAME": "ola", "PASSWORD": "Temp-Password-42"}})
		wantChallenge(t, out, err, userpool.ChallengeNewPasswordRequired)
		wantNoError(t, "disable", errOf(e.pool.AdminDisableUser(e.ctx, userpool.AdminDisableUserInput{Username: "ola"})))
		res, err := e.respondAs(userpool.ChallengeNewPasswordRequired, out.Session, "ola", "NEW_PASSWORD", goodPW)
		if err == nil {
			t.Fatalf("a disabled user chose a password and got tokens: %+v", res)
		}
		wantCode(t, err, userpool.CodeNotAuthorized)
		if u := e.user("ola"); u.Status != store.StatusForceChangePassword {
			t.Fatalf("status = %s", u.Status)
		}
	})
}

// deviceOf is a remembered device as the client keeps it (Cognito's JS
// client keeps the key, the group key and the device password), with the
// DeviceSecretVerifierConfig it confirms.
type deviceOf struct {
	key, groupKey, username, access string
	password                        string // the device's random password; stays on the device
	salt, verifier                  string // base64, as sent to ConfirmDevice
}

// verifierConfig is what the device sends to ConfirmDevice.
func (d deviceOf) verifierConfig() userpool.DeviceSecretVerifierConfig {
	return userpool.DeviceSecretVerifierConfig{PasswordVerifier: d.verifier, Salt: d.salt}
}

// withRememberedDevices tracks devices and lets remembered ones skip MFA.
func withRememberedDevices(onPromptOnly bool) func(*userpool.Config) {
	return func(c *userpool.Config) {
		c.Devices = userpool.DeviceConfig{Enabled: true, SkipMFAOnRememberedDevice: true, OnlyRememberedOnUserPrompt: onPromptOnly}
	}
}

// newDevice signs username in with the authenticator and returns the
// device that sign-in created, unconfirmed, with a password and verifier
// made as Cognito's JS client makes them.
func (e *env) newDevice(username string, app *authenticator) deviceOf {
	e.t.Helper()
	e.clock.Advance(30 * time.Second)
	out := e.passwordStep(username)
	done, err := e.answerTOTP(out.Session, username, app.code(e.clock.Now()))
	if err != nil || done.AuthenticationResult == nil || done.AuthenticationResult.NewDeviceMetadata == nil {
		e.t.Fatalf("sign-in with device tracking: %+v, %v", done, err)
	}
	meta := done.AuthenticationResult.NewDeviceMetadata
	if meta.DeviceKey == "" || meta.DeviceGroupKey == "" {
		e.t.Fatalf("NewDeviceMetadata = %+v", meta)
	}
	password, salt, verifier, err := srp.DeviceVerifierConfig(rand.Reader, meta.DeviceGroupKey, meta.DeviceKey)
	if err != nil {
		e.t.Fatal(err)
	}
	return deviceOf{key: meta.DeviceKey, groupKey: meta.DeviceGroupKey, username: username,
		access: done.AuthenticationResult.AccessToken, password: password, salt: salt, verifier: verifier}
}

// confirmDevice registers the device's verifier with its own access token.
func (e *env) confirmDevice(d deviceOf) (bool, error) {
	out, err := e.pool.ConfirmDevice(e.ctx, userpool.ConfirmDeviceInput{AccessToken: d.access, DeviceKey: d.key,
		DeviceSecretVerifierConfig: d.verifierConfig(), DeviceName: "laptop"})
	if err != nil {
		return false, err
	}
	return out.UserConfirmationNecessary, nil
}

// rememberDevice creates and confirms a device.
func (e *env) rememberDevice(username string, app *authenticator) deviceOf {
	e.t.Helper()
	d := e.newDevice(username, app)
	if _, err := e.confirmDevice(d); err != nil {
		e.t.Fatalf("ConfirmDevice: %v", err)
	}
	return d
}

// deviceSRPAuth answers a DEVICE_SRP_AUTH challenge as d, with a fresh
// SRP_A, and returns the client's side of the handshake with the pool's
// answer (DEVICE_PASSWORD_VERIFIER when all is well).
func (e *env) deviceSRPAuth(d deviceOf, out *userpool.InitiateAuthOutput) (*srp.Client, *userpool.InitiateAuthOutput, error) {
	e.t.Helper()
	cl, err := srp.NewClient(rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	next, err := e.respondAt(webClient, userpool.ChallengeDeviceSRPAuth, out.Session, map[string]string{
		userpool.ParamUsername: d.username, userpool.ParamDeviceKey: d.key, userpool.ParamSRPA: cl.SRPA()})
	return cl, next, err
}

// deviceClaim is PASSWORD_CLAIM_SIGNATURE for a DEVICE_PASSWORD_VERIFIER
// challenge ch, as a device computes it: the key from SRP_B and SALT for
// password of deviceKey in groupKey, the claim over block at ts. The
// right claim passes d's own values and ch's SECRET_BLOCK.
func (e *env) deviceClaim(cl *srp.Client, ch *userpool.InitiateAuthOutput, groupKey, deviceKey, password, block, ts string) string {
	e.t.Helper()
	p := ch.ChallengeParameters
	key, err := cl.Key(p[userpool.ParamSRPB], p[userpool.ParamSalt], groupKey, deviceKey, password)
	if err != nil {
		e.t.Fatalf("device key from SRP_B %q and SALT %q: %v", p[userpool.ParamSRPB], p[userpool.ParamSalt], err)
	}
	claim, err := srp.Claim(key, groupKey, deviceKey, block, ts)
	if err != nil {
		e.t.Fatalf("device claim: %v", err)
	}
	return claim
}

// verifierAnswer is an answer to DEVICE_PASSWORD_VERIFIER ch as d:
// ch's SECRET_BLOCK, the TIMESTAMP ts and the chosen signature.
func (d deviceOf) verifierAnswer(ch *userpool.InitiateAuthOutput, ts, signature string) map[string]string {
	return map[string]string{userpool.ParamUsername: d.username, userpool.ParamDeviceKey: d.key,
		userpool.ParamPasswordClaimSecretBlock: ch.ChallengeParameters[userpool.ParamSecretBlock],
		userpool.ParamTimestamp:                ts, userpool.ParamPasswordClaimSignature: signature}
}

// deviceAnswer is the right answer to DEVICE_PASSWORD_VERIFIER ch for d,
// at the pool's now.
func (e *env) deviceAnswer(d deviceOf, cl *srp.Client, ch *userpool.InitiateAuthOutput) map[string]string {
	e.t.Helper()
	ts := srp.FormatTimestamp(e.clock.Now())
	return d.verifierAnswer(ch, ts, e.deviceClaim(cl, ch, d.groupKey, d.key, d.password, ch.ChallengeParameters[userpool.ParamSecretBlock], ts))
}

// answerDeviceVerifier answers DEVICE_PASSWORD_VERIFIER ch as d with a
// chosen signature, at the pool's now.
func (e *env) answerDeviceVerifier(d deviceOf, ch *userpool.InitiateAuthOutput, signature string) (*userpool.InitiateAuthOutput, error) {
	return e.respondAt(webClient, userpool.ChallengeDevicePasswordVerifier, ch.Session,
		d.verifierAnswer(ch, srp.FormatTimestamp(e.clock.Now()), signature))
}

// devicePasswordVerifier answers the DEVICE_SRP_AUTH challenge out as d
// and fails unless the pool answers DEVICE_PASSWORD_VERIFIER for d, with
// the salt d confirmed.
func (e *env) devicePasswordVerifier(d deviceOf, out *userpool.InitiateAuthOutput) (*srp.Client, *userpool.InitiateAuthOutput) {
	e.t.Helper()
	if out.ChallengeName != userpool.ChallengeDeviceSRPAuth || out.Session == "" {
		e.t.Fatalf("got %+v, want the DEVICE_SRP_AUTH challenge", out)
	}
	cl, ch, err := e.deviceSRPAuth(d, out)
	if err != nil {
		e.t.Fatalf("DEVICE_SRP_AUTH: %v", err)
	}
	if ch.ChallengeName != userpool.ChallengeDevicePasswordVerifier || ch.Session == "" || ch.AuthenticationResult != nil {
		e.t.Fatalf("DEVICE_SRP_AUTH answered %+v, want DEVICE_PASSWORD_VERIFIER", ch)
	}
	p := ch.ChallengeParameters
	if p[userpool.ParamDeviceKey] != d.key || p[userpool.ParamUsername] != d.username || p[userpool.ParamSRPB] == "" || p[userpool.ParamSecretBlock] == "" {
		e.t.Fatalf("DEVICE_PASSWORD_VERIFIER parameters = %v", p)
	}
	salt, err := srp.ParseHex(p[userpool.ParamSalt])
	confirmed, _ := base64.StdEncoding.DecodeString(d.salt)
	if err != nil || salt.Cmp(new(big.Int).SetBytes(confirmed)) != 0 {
		e.t.Fatalf("SALT = %q, want the salt the device confirmed (%s)", p[userpool.ParamSalt], d.salt)
	}
	return cl, ch
}

// proveDevice answers the DEVICE_SRP_AUTH challenge out as d, then
// DEVICE_PASSWORD_VERIFIER with the right claim, and returns the pool's
// last answer.
func (e *env) proveDevice(d deviceOf, out *userpool.InitiateAuthOutput) (*userpool.InitiateAuthOutput, error) {
	e.t.Helper()
	cl, ch := e.devicePasswordVerifier(d, out)
	return e.respondAt(webClient, ch.ChallengeName, ch.Session, e.deviceAnswer(d, cl, ch))
}

func TestEveryWrongCodeCountsOnceTowardTheLockout(t *testing.T) {
	codeKeys := []string{"SOFTWARE_TOKEN_MFA_CODE", "SMS_MFA_CODE", "EMAIL_OTP_CODE", "SMS_OTP_CODE"}
	for _, kind := range challengeKinds {
		t.Run(kind.name, func(t *testing.T) {
			e, c := kind.start(t)
			key := ""
			for _, k := range codeKeys {
				if _, ok := c.answer[k]; ok {
					key = k
				}
			}
			if key == "" {
				return // no code in this challenge
			}
			wrong := map[string]string{}
			for k, v := range c.answer {
				wrong[k] = v
			}
			wrong[key] = otherCode(c.answer[key])
			counted := e.attemptsCountedBy(e.user("nia").Sub, func() {
				_, err := e.respondAt(webClient, c.name, c.session, wrong)
				wantCode(t, err, userpool.CodeCodeMismatch)
			})
			if counted != 1 {
				t.Fatalf("a wrong code counted %d attempts, want 1", counted)
			}
			if _, err := e.respondAt(webClient, c.name, c.session, c.answer); err != nil {
				t.Fatalf("the right code after a wrong one: %v", err)
			}
		})
	}
	t.Run("a wrong recovery code", func(t *testing.T) {
		e := newFastEnv(t, withMFA(userpool.MFAOptional), lenientLockout)
		sub := e.confirmedUser("rob", "rob@example.com")
		e.enrollTOTP("rob")
		out := e.passwordStep("rob")
		counted := e.attemptsCountedBy(sub, func() {
			_, err := e.answerTOTP(out.Session, "rob", "abcde-fghjk")
			wantCode(t, err, userpool.CodeCodeMismatch)
		})
		if counted != 1 {
			t.Fatalf("a wrong recovery code counted %d attempts, want 1", counted)
		}
	})
	t.Run("a wrong code while setting up a software token", func(t *testing.T) {
		e := newFastEnv(t, withMFA(userpool.MFAOn), lenientLockout)
		sub := e.confirmedUser("rob", "rob@example.com")
		out := e.passwordStep("rob")
		assoc, err := e.pool.AssociateSoftwareToken(e.ctx, userpool.AssociateSoftwareTokenInput{Session: out.Session, ClientID: webClient})
		if err != nil {
			t.Fatal(err)
		}
		code := newAuthenticator(t, assoc.SecretCode).code(e.clock.Now())
		counted := e.attemptsCountedBy(sub, func() {
			_, err := e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: webClient, UserCode: otherCode(code)})
			wantCode(t, err, userpool.CodeCodeMismatch)
		})
		if counted != 1 {
			t.Fatalf("a wrong set-up code counted %d attempts, want 1", counted)
		}
	})
}

func TestAPasswordResetDoesNotSkipMFA(t *testing.T) {
	e := newFastEnv(t, withMFA(userpool.MFAOptional))
	e.confirmedUser("tom", "tom@example.com")
	e.enrollTOTP("tom")
	if _, err := e.pool.ForgotPassword(e.ctx, userpool.ForgotPasswordInput{ClientID: webClient, Username: "tom"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.ConfirmForgotPassword(e.ctx, userpool.ConfirmForgotPasswordInput{ClientID: webClient, Username: "tom",
		ConfirmationCode: e.lastCode("tom@example.com"), Password: "reset-Password-93"}); err != nil {
		t.Fatal(err)
	}
	out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
		AuthParameters: map[string]string{"USERNAME": "tom", "PASSWORD": "reset-Password-93"}})
	wantChallenge(t, out, err, userpool.ChallengeSoftwareTokenMFA)
	wantNoError(t, "AdminSetUserPassword", errOf(e.pool.AdminSetUserPassword(e.ctx, userpool.AdminSetUserPasswordInput{Username: "tom", Password: goodPW, Permanent: true})))
	wantChallenge(t, e.passwordStep("tom"), nil, userpool.ChallengeSoftwareTokenMFA)
}
