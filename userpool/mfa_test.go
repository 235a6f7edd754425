package userpool_test

import (
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/internal/srp"
	"github.com/cupola-auth/cupola/mfa"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

// authenticator is the user's TOTP app in tests.
type authenticator struct {
	t      testing.TB
	totp   *mfa.TOTP
	secret []byte
}

func newAuthenticator(t testing.TB, secretCode string) *authenticator {
	t.Helper()
	secret, err := mfa.DecodeSecret(secretCode)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := mfa.NewTOTP(mfa.TOTPConfig{Issuer: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return &authenticator{t: t, totp: tp, secret: secret}
}

func (a *authenticator) code(now time.Time) string {
	a.t.Helper()
	c, err := a.totp.Code(a.secret, now)
	if err != nil {
		a.t.Fatal(err)
	}
	return c
}

func withMFA(mode userpool.MFAMode, factors ...string) func(*userpool.Config) {
	return func(c *userpool.Config) {
		c.MFA = userpool.MFAConfig{Mode: mode, Factors: factors}
	}
}

// enrollTOTP signs the user in and sets up an authenticator with the
// access token, returning it and the recovery codes.
func (e *env) enrollTOTP(username string) (*authenticator, []string) {
	e.t.Helper()
	res := e.mustSignIn(username, goodPW)
	assoc, err := e.pool.AssociateSoftwareToken(e.ctx, userpool.AssociateSoftwareTokenInput{AccessToken: res.AccessToken})
	if err != nil {
		e.t.Fatal(err)
	}
	if !strings.HasPrefix(assoc.URI, "otpauth://totp/") || len(assoc.QRCodePNG) == 0 || len(assoc.SecretCode) < 32 {
		e.t.Fatalf("association = %+v", assoc)
	}
	app := newAuthenticator(e.t, assoc.SecretCode)
	v, err := e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{AccessToken: res.AccessToken,
		UserCode: app.code(e.clock.Now()), FriendlyDeviceName: "phone"})
	if err != nil || v.Status != "SUCCESS" || len(v.RecoveryCodes) != 10 {
		e.t.Fatalf("VerifySoftwareToken = %+v, %v", v, err)
	}
	return app, v.RecoveryCodes
}

func (e *env) answerTOTP(session, username, code string) (*userpool.InitiateAuthOutput, error) {
	return e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient,
		ChallengeName: userpool.ChallengeSoftwareTokenMFA, Session: session,
		ChallengeResponses: map[string]string{"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code}})
}

func (e *env) passwordStep(username string) *userpool.InitiateAuthOutput {
	e.t.Helper()
	out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": goodPW}})
	if err != nil {
		e.t.Fatalf("password step: %v", err)
	}
	return out
}

func TestTOTPSignIn(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t), withMFA(userpool.MFAOptional))
			e.confirmedUser("tia", "tia@example.com")
			app, recovery := e.enrollTOTP("tia")

			e.clock.Advance(time.Minute)
			out := e.passwordStep("tia")
			if out.ChallengeName != userpool.ChallengeSoftwareTokenMFA || out.AuthenticationResult != nil {
				t.Fatalf("password step = %+v, want SOFTWARE_TOKEN_MFA", out)
			}
			code := app.code(e.clock.Now())
			done, err := e.answerTOTP(out.Session, "tia", code)
			if err != nil || done.AuthenticationResult == nil {
				t.Fatalf("TOTP answer: %+v, %v", done, err)
			}

			// The same code again, in a new sign-in, is a replay.
			out = e.passwordStep("tia")
			if _, err := e.answerTOTP(out.Session, "tia", code); !errors.Is(err, userpool.ErrCodeMismatch) {
				t.Fatalf("replayed code: %v, want CodeMismatchException", err)
			}
			// A recovery code works once.
			if done, err := e.answerTOTP(out.Session, "tia", recovery[0]); err != nil || done.AuthenticationResult == nil {
				t.Fatalf("recovery code: %+v, %v", done, err)
			}
			out = e.passwordStep("tia")
			if _, err := e.answerTOTP(out.Session, "tia", recovery[0]); !errors.Is(err, userpool.ErrCodeMismatch) {
				t.Fatalf("recovery code reused: %v", err)
			}
		})
	}
}

func TestTOTPSameCodeInParallelWinsOnce(t *testing.T) {
	// Ten open sign-ins would reach the default lockout (each counts until
	// its second factor is right), so this pool allows more.
	e := newMemEnv(t, withMFA(userpool.MFAOptional), func(c *userpool.Config) {
		c.Lockout = store.LockoutPolicy{Threshold: 50, Base: time.Second, Max: time.Minute, ResetAfter: time.Minute}
	})
	e.confirmedUser("uma", "uma@example.com")
	app, _ := e.enrollTOTP("uma")
	e.clock.Advance(time.Minute)
	code := app.code(e.clock.Now())
	sessions := make([]string, 10)
	for i := range sessions {
		sessions[i] = e.passwordStep("uma").Session
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for _, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := e.answerTOTP(s, "uma", code)
			if err == nil && out.AuthenticationResult != nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d sign-ins accepted one TOTP code, want 1", wins)
	}
}

func TestTOTPWindow(t *testing.T) {
	e := newMemEnv(t, withMFA(userpool.MFAOptional))
	e.confirmedUser("val", "val@example.com")
	app, _ := e.enrollTOTP("val")
	for _, tc := range []struct {
		name   string
		offset time.Duration
		ok     bool
	}{
		{"a code two steps old is refused", -60 * time.Second, false},
		{"a code two steps ahead is refused", 60 * time.Second, false},
		{"a code one step old is accepted", -30 * time.Second, true},
		{"a code one step ahead is accepted", 30 * time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.clock.Advance(16 * time.Minute) // past any step used before, and the lockout's memory
			out := e.passwordStep("val")
			_, err := e.answerTOTP(out.Session, "val", app.code(e.clock.Now().Add(tc.offset)))
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestMFASetupAtSignInWhenRequired(t *testing.T) {
	e := newMemEnv(t, withMFA(userpool.MFAOn))
	e.confirmedUser("wes", "wes@example.com")
	out := e.passwordStep("wes")
	if out.ChallengeName != userpool.ChallengeMFASetup || !strings.Contains(out.ChallengeParameters["MFAS_CAN_SETUP"], "SOFTWARE_TOKEN_MFA") {
		t.Fatalf("password step = %+v, want MFA_SETUP", out)
	}
	assoc, err := e.pool.AssociateSoftwareToken(e.ctx, userpool.AssociateSoftwareTokenInput{Session: out.Session, ClientID: webClient})
	if err != nil {
		t.Fatal(err)
	}
	app := newAuthenticator(t, assoc.SecretCode)
	if _, err := e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: webClient, UserCode: "000000"}); !errors.Is(err, userpool.ErrCodeMismatch) {
		t.Fatalf("wrong setup code: %v", err)
	}
	v, err := e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: webClient, UserCode: app.code(e.clock.Now())})
	if err != nil || v.Session == "" {
		t.Fatalf("VerifySoftwareToken = %+v, %v", v, err)
	}
	done, err := e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient, ChallengeName: userpool.ChallengeMFASetup,
		Session: v.Session, ChallengeResponses: map[string]string{"USERNAME": "wes"}})
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("MFA_SETUP answer = %+v, %v", done, err)
	}
	// Next time the user is asked for the code.
	if out := e.passwordStep("wes"); out.ChallengeName != userpool.ChallengeSoftwareTokenMFA {
		t.Fatalf("second sign-in = %+v", out)
	}
}

func TestEmailAndSMSMFA(t *testing.T) {
	e := newMemEnv(t, withMFA(userpool.MFAOptional, userpool.FactorTOTP, userpool.FactorSMS, userpool.FactorEmail))
	e.confirmedUser("xia", "xia@example.com")
	if _, err := e.pool.AdminUpdateUserAttributes(e.ctx, userpool.AdminUpdateUserAttributesInput{Username: "xia", UserAttributes: []userpool.Attribute{
		{Name: "phone_number", Value: "+15555550100"}, {Name: "phone_number_verified", Value: "true"}}}); err != nil {
		t.Fatal(err)
	}
	on := &userpool.MFASettings{Enabled: true}
	if _, err := e.pool.AdminSetUserMFAPreference(e.ctx, userpool.AdminSetUserMFAPreferenceInput{Username: "xia", SMSMfaSettings: on, EmailMfaSettings: on}); err != nil {
		t.Fatal(err)
	}
	out := e.passwordStep("xia")
	if out.ChallengeName != userpool.ChallengeSelectMFAType {
		t.Fatalf("two factors, none preferred: %+v", out)
	}
	sel, err := e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient, ChallengeName: userpool.ChallengeSelectMFAType,
		Session: out.Session, ChallengeResponses: map[string]string{"USERNAME": "xia", "ANSWER": "SMS_MFA"}})
	if err != nil || sel.ChallengeName != userpool.ChallengeSMSMFA {
		t.Fatalf("select SMS: %+v, %v", sel, err)
	}
	answer := func(name userpool.ChallengeName, session, key, code string) (*userpool.InitiateAuthOutput, error) {
		return e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient, ChallengeName: name,
			Session: session, ChallengeResponses: map[string]string{"USERNAME": "xia", key: code}})
	}
	if done, err := answer(userpool.ChallengeSMSMFA, sel.Session, "SMS_MFA_CODE", e.lastCode("+15555550100")); err != nil || done.AuthenticationResult == nil {
		t.Fatalf("SMS code: %+v, %v", done, err)
	}

	// Email preferred: asked directly; five wrong codes end the session.
	if _, err := e.pool.AdminSetUserMFAPreference(e.ctx, userpool.AdminSetUserMFAPreferenceInput{Username: "xia", EmailMfaSettings: &userpool.MFASettings{Enabled: true, PreferredMfa: true}}); err != nil {
		t.Fatal(err)
	}
	out = e.passwordStep("xia")
	if out.ChallengeName != userpool.ChallengeEmailOTP {
		t.Fatalf("email preferred: %+v", out)
	}
	right := e.lastCode("xia@example.com")
	wrong := "000000"
	if right == wrong {
		wrong = "111111"
	}
	for i := range 4 {
		if _, err := answer(userpool.ChallengeEmailOTP, out.Session, "EMAIL_OTP_CODE", wrong); !errors.Is(err, userpool.ErrCodeMismatch) {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	if _, err := answer(userpool.ChallengeEmailOTP, out.Session, "EMAIL_OTP_CODE", wrong); !errors.Is(err, userpool.ErrNotAuthorized) {
		t.Fatalf("fifth wrong code: %v, want the session ended", err)
	}
	if _, err := answer(userpool.ChallengeEmailOTP, out.Session, "EMAIL_OTP_CODE", right); !errors.Is(err, userpool.ErrNotAuthorized) {
		t.Fatalf("right code after the session ended: %v", err)
	}
}

func TestMFAFailuresCountTowardLockout(t *testing.T) {
	e := newMemEnv(t, withMFA(userpool.MFAOptional))
	e.confirmedUser("yan", "yan@example.com")
	e.enrollTOTP("yan")
	// A sign-in counts as an attempt until its second factor is right, so
	// wrong codes behind the right password reach the lockout.
	for round := range 5 {
		out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
			AuthParameters: map[string]string{"USERNAME": "yan", "PASSWORD": goodPW}})
		if err != nil {
			if !strings.Contains(err.Error(), "Password attempts exceeded") {
				t.Fatalf("round %d: %v", round, err)
			}
			return
		}
		if _, err := e.answerTOTP(out.Session, "yan", "000000"); err == nil {
			t.Fatal("a wrong TOTP code was accepted")
		}
	}
	t.Fatal("five rounds of wrong MFA codes never reached the lockout")
}

func TestPasswordlessEmailSignIn(t *testing.T) {
	e := newMemEnv(t, func(c *userpool.Config) {
		c.AllowedFirstAuthFactors = []string{userpool.FirstFactorPassword, userpool.FirstFactorEmailOTP}
		c.Clients[0].ExplicitAuthFlows = append(c.Clients[0].ExplicitAuthFlows, userpool.AllowUserAuth)
	})
	e.confirmedUser("zed", "zed@example.com")
	start := func(user, preferred string) *userpool.InitiateAuthOutput {
		t.Helper()
		out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserAuth, ClientID: webClient,
			AuthParameters: map[string]string{"USERNAME": user, "PREFERRED_CHALLENGE": preferred}})
		if err != nil {
			t.Fatalf("USER_AUTH: %v", err)
		}
		return out
	}
	sel := start("zed", "")
	if sel.ChallengeName != userpool.ChallengeSelectChallenge || len(sel.AvailableChallenges) != 2 {
		t.Fatalf("USER_AUTH without preference = %+v", sel)
	}
	unknown := start("nobody", "")
	if unknown.ChallengeName != sel.ChallengeName || len(unknown.AvailableChallenges) != len(sel.AvailableChallenges) {
		t.Fatalf("an unknown user is answered differently: %+v", unknown)
	}
	out := start("zed", "EMAIL_OTP")
	if out.ChallengeName != userpool.ChallengeEmailOTP {
		t.Fatalf("preferred EMAIL_OTP = %+v", out)
	}
	done, err := e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient, ChallengeName: userpool.ChallengeEmailOTP,
		Session: out.Session, ChallengeResponses: map[string]string{"USERNAME": "zed", "EMAIL_OTP_CODE": e.lastCode("zed@example.com")}})
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("email code sign-in: %+v, %v", done, err)
	}
	// An unverified email never receives a sign-in code.
	e.signUp("unv", "unv@example.com", goodPW)
	if _, err := e.pool.AdminConfirmSignUp(e.ctx, userpool.AdminConfirmSignUpInput{Username: "unv"}); err != nil {
		t.Fatal(err)
	}
	e.mail().Reset()
	// It is asked for the code as anyone is (the answer must not tell who
	// has what), but nothing is sent and no code will do.
	out = start("unv", "EMAIL_OTP")
	if out.ChallengeName != userpool.ChallengeEmailOTP {
		t.Fatalf("unverified email: %+v", out)
	}
	if len(e.mail().Emails()) != 0 {
		t.Fatal("a code went to an unverified address")
	}
}

func TestRememberedDeviceSkipsMFA(t *testing.T) {
	e := newMemEnv(t, withMFA(userpool.MFAOptional), func(c *userpool.Config) {
		c.Devices = userpool.DeviceConfig{Enabled: true, SkipMFAOnRememberedDevice: true}
	})
	e.confirmedUser("amy", "amy@example.com")
	app, _ := e.enrollTOTP("amy")
	e.clock.Advance(time.Minute)
	out := e.passwordStep("amy")
	done, err := e.answerTOTP(out.Session, "amy", app.code(e.clock.Now()))
	if err != nil || done.AuthenticationResult.NewDeviceMetadata == nil {
		t.Fatalf("sign-in with device tracking: %+v, %v", done, err)
	}
	key, groupKey := done.AuthenticationResult.NewDeviceMetadata.DeviceKey, done.AuthenticationResult.NewDeviceMetadata.DeviceGroupKey
	// As Cognito's JS client: a random device password, and the SRP
	// verifier of it for DeviceGroupKey and DeviceKey.
	password, salt, verifier, err := srp.DeviceVerifierConfig(rand.Reader, groupKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.ConfirmDevice(e.ctx, userpool.ConfirmDeviceInput{AccessToken: done.AuthenticationResult.AccessToken, DeviceKey: key,
		DeviceSecretVerifierConfig: userpool.DeviceSecretVerifierConfig{PasswordVerifier: verifier, Salt: salt}, DeviceName: "laptop"}); err != nil {
		t.Fatal(err)
	}
	out, err = e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
		AuthParameters: map[string]string{"USERNAME": "amy", "PASSWORD": goodPW, "DEVICE_KEY": key}})
	if err != nil || out.ChallengeName != userpool.ChallengeDeviceSRPAuth || out.Session == "" {
		t.Fatalf("remembered device: %+v, %v", out, err)
	}
	cl, err := srp.NewClient(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient, ChallengeName: userpool.ChallengeDeviceSRPAuth,
		Session: out.Session, ChallengeResponses: map[string]string{"USERNAME": "amy", "DEVICE_KEY": key, "SRP_A": cl.SRPA()}})
	if err != nil || ch.ChallengeName != userpool.ChallengeDevicePasswordVerifier || ch.Session == "" || ch.AuthenticationResult != nil {
		t.Fatalf("DEVICE_SRP_AUTH: %+v, %v", ch, err)
	}
	p := ch.ChallengeParameters
	if p["DEVICE_KEY"] != key || p["USERNAME"] != "amy" {
		t.Fatalf("DEVICE_PASSWORD_VERIFIER parameters = %v", p)
	}
	srpKey, err := cl.Key(p["SRP_B"], p["SALT"], groupKey, key, password)
	if err != nil {
		t.Fatal(err)
	}
	ts := srp.FormatTimestamp(e.clock.Now())
	claim, err := srp.Claim(srpKey, groupKey, key, p["SECRET_BLOCK"], ts)
	if err != nil {
		t.Fatal(err)
	}
	done, err = e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient, ChallengeName: userpool.ChallengeDevicePasswordVerifier,
		Session: ch.Session, ChallengeResponses: map[string]string{"USERNAME": "amy", "DEVICE_KEY": key,
			"PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"], "TIMESTAMP": ts, "PASSWORD_CLAIM_SIGNATURE": claim}})
	if err != nil || done.AuthenticationResult == nil || done.AuthenticationResult.NewDeviceMetadata != nil {
		t.Fatalf("device proof: %+v, %v", done, err)
	}
	devices, err := e.pool.ListDevices(e.ctx, userpool.ListDevicesInput{AccessToken: done.AuthenticationResult.AccessToken, Limit: 0, PaginationToken: ""})
	if err != nil {
		t.Fatal(err)
	}
	remembered := 0
	for _, d := range devices.Devices {
		if d.DeviceRememberedStatus == "remembered" {
			remembered++
			if d.DeviceKey != key {
				t.Fatalf("remembered the wrong device: %+v", d)
			}
		}
	}
	if remembered != 1 {
		t.Fatalf("ListDevices = %+v", devices)
	}
	if _, err := e.pool.ForgetDevice(e.ctx, userpool.ForgetDeviceInput{AccessToken: done.AuthenticationResult.AccessToken, DeviceKey: key}); err != nil {
		t.Fatal(err)
	}
	out, err = e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
		AuthParameters: map[string]string{"USERNAME": "amy", "PASSWORD": goodPW, "DEVICE_KEY": key}})
	if err != nil || out.ChallengeName != userpool.ChallengeSoftwareTokenMFA {
		t.Fatalf("forgotten device: %+v, %v", out, err)
	}
}
