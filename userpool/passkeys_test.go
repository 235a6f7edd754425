package userpool_test

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/internal/passkeytest"
	"github.com/cupola-auth/cupola/userpool"
)

// The hosted UI's origin for testIssuer: passkeys default to its host as
// the relying party ID.
const passkeyOrigin = "https://auth.example.test"

// withPasskeys turns passkeys on beside passwords, at a web client that
// allows USER_AUTH.
func withPasskeys(c *userpool.Config) {
	withUserAuth(userpool.FirstFactorPassword, userpool.FirstFactorWebAuthn)(c)
}

// registerPasskey signs the user in with their password and registers a
// new software passkey for them.
func (e *env) registerPasskey(username string) *passkeytest.Authenticator {
	e.t.Helper()
	a, err := passkeytest.New(passkeyOrigin)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.tryRegisterPasskey(username, a); err != nil {
		e.t.Fatalf("register passkey: %v", err)
	}
	return a
}

func (e *env) tryRegisterPasskey(username string, a *passkeytest.Authenticator) error {
	e.t.Helper()
	res := e.mustSignIn(username, goodPW)
	start, err := e.pool.StartWebAuthnRegistration(e.ctx, userpool.StartWebAuthnRegistrationInput{AccessToken: res.AccessToken})
	if err != nil {
		return err
	}
	resp, err := a.Create(start.CredentialCreationOptions)
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = e.pool.CompleteWebAuthnRegistration(e.ctx, userpool.CompleteWebAuthnRegistrationInput{AccessToken: res.AccessToken, Credential: resp})
	return err
}

// passkeyChallenge starts USER_AUTH with WEB_AUTHN preferred ("" signs in
// without a username) and returns the challenge.
func (e *env) passkeyChallenge(username string) *userpool.InitiateAuthOutput {
	e.t.Helper()
	params := map[string]string{userpool.ParamPreferredChallenge: userpool.FirstFactorWebAuthn}
	if username != "" {
		params[userpool.ParamUsername] = username
	}
	out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserAuth, ClientID: webClient, AuthParameters: params})
	wantChallenge(e.t.(*testing.T), out, err, userpool.ChallengeWebAuthn)
	if out.ChallengeParameters[userpool.ParamCredentialRequestOptions] == "" {
		e.t.Fatalf("WEB_AUTHN challenge without request options: %+v", out.ChallengeParameters)
	}
	return out
}

// passkeySignInDiscoverable signs in without a username.
func (e *env) passkeySignInDiscoverable(a *passkeytest.Authenticator) (*userpool.InitiateAuthOutput, error) {
	e.t.Helper()
	return e.passkeySignIn("", a)
}

// flipSignature spoils an assertion's signature (one bit of its last byte).
func flipSignature(t *testing.T, b []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	r := m["response"].(map[string]any)
	sig, err := base64.RawURLEncoding.DecodeString(r["signature"].(string))
	if err != nil {
		t.Fatal(err)
	}
	sig[len(sig)-1] ^= 1
	r["signature"] = base64.RawURLEncoding.EncodeToString(sig)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// answerPasskey answers a WEB_AUTHN challenge with credential.
func (e *env) answerPasskey(ch *userpool.InitiateAuthOutput, username string, credential []byte) (*userpool.InitiateAuthOutput, error) {
	r := map[string]string{userpool.ParamCredential: string(credential)}
	if username != "" {
		r[userpool.ParamUsername] = username
	}
	return e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient,
		ChallengeName: userpool.ChallengeWebAuthn, Session: ch.Session, ChallengeResponses: r})
}

// passkeySignIn signs in with a passkey: challenge, assertion, answer.
func (e *env) passkeySignIn(username string, a *passkeytest.Authenticator) (*userpool.InitiateAuthOutput, error) {
	e.t.Helper()
	ch := e.passkeyChallenge(username)
	cred, err := a.Get([]byte(ch.ChallengeParameters[userpool.ParamCredentialRequestOptions]))
	if err != nil {
		e.t.Fatal(err)
	}
	return e.answerPasskey(ch, username, cred)
}

func TestPasskeyRegistrationAndSignIn(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t), withPasskeys)
			sub := e.confirmedUser("ann", "ann@example.com")
			a := e.registerPasskey("ann")

			res := e.mustSignIn("ann", goodPW)
			list, err := e.pool.ListWebAuthnCredentials(e.ctx, userpool.ListWebAuthnCredentialsInput{AccessToken: res.AccessToken})
			if err != nil || len(list.Credentials) != 1 {
				t.Fatalf("ListWebAuthnCredentials = %+v, %v", list, err)
			}
			d := list.Credentials[0]
			if d.CredentialID != base64.RawURLEncoding.EncodeToString(a.ID) || d.RelyingPartyID != "auth.example.test" ||
				d.AuthenticatorAttachment != "platform" || !slices.Equal(d.AuthenticatorTransports, []string{"internal"}) || d.CreatedAt.IsZero() {
				t.Fatalf("credential = %+v", d)
			}
			factors, err := e.pool.GetUserAuthFactors(e.ctx, userpool.GetUserAuthFactorsInput{AccessToken: res.AccessToken})
			if err != nil || !slices.Equal(factors.ConfiguredUserAuthFactors, []string{"PASSWORD", "WEB_AUTHN"}) || factors.Username != "ann" {
				t.Fatalf("GetUserAuthFactors = %+v, %v", factors, err)
			}

			t.Run("with the username", func(t *testing.T) {
				tok := wantTokens(t)(e.passkeySignIn("ann", a))
				if c := e.accessClaims(tok.AccessToken); c.Subject != sub {
					t.Fatalf("signed in %q, want %q", c.Subject, sub)
				}
			})
			t.Run("without a username: the passkey names the account", func(t *testing.T) {
				tok := wantTokens(t)(e.passkeySignIn("", a))
				if c := e.accessClaims(tok.AccessToken); c.Subject != sub {
					t.Fatalf("signed in %q, want %q", c.Subject, sub)
				}
			})
			t.Run("the use is recorded", func(t *testing.T) {
				list, err := e.pool.ListWebAuthnCredentials(e.ctx, userpool.ListWebAuthnCredentialsInput{AccessToken: res.AccessToken})
				if err != nil || list.Credentials[0].LastUsedAt.IsZero() {
					t.Fatalf("after sign-in: %+v, %v", list, err)
				}
			})
			t.Run("a deleted passkey signs nobody in", func(t *testing.T) {
				if _, err := e.pool.DeleteWebAuthnCredential(e.ctx, userpool.DeleteWebAuthnCredentialInput{AccessToken: res.AccessToken, CredentialID: d.CredentialID}); err != nil {
					t.Fatal(err)
				}
				out, err := e.passkeySignIn("", a)
				if err == nil {
					t.Fatalf("deleted passkey signed in: %+v", out)
				}
				wantCode(t, err, userpool.CodeNotAuthorized)
				wantCode(t, errOf(e.pool.DeleteWebAuthnCredential(e.ctx, userpool.DeleteWebAuthnCredentialInput{AccessToken: res.AccessToken, CredentialID: d.CredentialID})), userpool.CodeResourceNotFound)
			})
		})
	}
}

func TestPasskeyChallengeIsSingleUse(t *testing.T) {
	e := newFastEnv(t, withPasskeys)
	e.confirmedUser("bea", "bea@example.com")
	a := e.registerPasskey("bea")
	ch := e.passkeyChallenge("bea")
	cred, err := a.Get([]byte(ch.ChallengeParameters[userpool.ParamCredentialRequestOptions]))
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t)(e.answerPasskey(ch, "bea", cred))
	// The same answer again: its session is spent.
	wantCode(t, errOf(e.answerPasskey(ch, "bea", cred)), userpool.CodeNotAuthorized)
	// Replayed into a fresh challenge: it answers another challenge.
	a.SignCount-- // as a recorded assertion would carry its old counter… the counter is checked after the challenge
	fresh := e.passkeyChallenge("bea")
	wantCode(t, errOf(e.answerPasskey(fresh, "bea", cred)), userpool.CodeWebAuthnChallengeNotFound)
}

func TestPasskeyAttacksAreRefusedWithTheirErrors(t *testing.T) {
	cases := []struct {
		name string
		edit func(a *passkeytest.Authenticator)
		want userpool.ErrorCode
		// wantRegistration is the registration's answer when it differs.
		wantRegistration userpool.ErrorCode
	}{
		{"another origin", func(a *passkeytest.Authenticator) { a.Origin = "https://evil.example.net" }, userpool.CodeWebAuthnOriginNotAllowed, ""},
		{"another relying party", func(a *passkeytest.Authenticator) { a.RPID = "evil.example.net" }, userpool.CodeWebAuthnRelyingPartyMismatch, ""},
		{"no user verification", func(a *passkeytest.Authenticator) { a.NoUV = true }, userpool.CodeNotAuthorized, userpool.CodeWebAuthnCredentialNotSupported},
	}
	for _, tc := range cases {
		t.Run("sign-in from "+tc.name, func(t *testing.T) {
			e := newFastEnv(t, withPasskeys)
			e.confirmedUser("cat", "cat@example.com")
			a := e.registerPasskey("cat")
			tc.edit(a)
			wantCode(t, errOf(e.passkeySignIn("cat", a)), tc.want)
		})
		t.Run("registration from "+tc.name+" stores nothing", func(t *testing.T) {
			e := newFastEnv(t, withPasskeys)
			e.confirmedUser("cat", "cat@example.com")
			a, err := passkeytest.New(passkeyOrigin)
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(a)
			want := tc.want
			if tc.wantRegistration != "" {
				want = tc.wantRegistration
			}
			wantCode(t, e.tryRegisterPasskey("cat", a), want)
			res := e.mustSignIn("cat", goodPW)
			list, err := e.pool.ListWebAuthnCredentials(e.ctx, userpool.ListWebAuthnCredentialsInput{AccessToken: res.AccessToken})
			if err != nil || len(list.Credentials) != 0 {
				t.Fatalf("after a refused registration: %+v, %v", list, err)
			}
		})
	}
}

func TestPasskeyCounterGoingBackwardsFlagsTheCredential(t *testing.T) {
	e := newFastEnv(t, withPasskeys)
	e.confirmedUser("dan", "dan@example.com")
	a := e.registerPasskey("dan")
	a.SignCount = 10
	wantTokens(t)(e.passkeySignIn("dan", a)) // counter 11 stored
	a.SignCount = 3                          // a copy of the key, behind the original
	wantCode(t, errOf(e.passkeySignIn("dan", a)), userpool.CodeNotAuthorized)
	a.SignCount = 20 // the original, moving forward: the passkey stays refused
	wantCode(t, errOf(e.passkeySignIn("dan", a)), userpool.CodeNotAuthorized)
	events, err := e.pool.AdminListUserAuthEvents(e.ctx, userpool.AdminListUserAuthEventsInput{Username: "dan"})
	if err != nil {
		t.Fatal(err)
	}
	fails := 0
	for _, ev := range events.AuthEvents {
		if ev.EventType == userpool.EventSignIn && ev.EventResponse == userpool.EventFail {
			fails++
		}
	}
	if fails != 2 {
		t.Fatalf("%d failed sign-in events recorded, want 2: %+v", fails, events.AuthEvents)
	}
}

func TestFailedPasskeyAssertionsCountTowardTheLockout(t *testing.T) {
	e := newFastEnv(t, withPasskeys)
	e.confirmedUser("eve", "eve@example.com")
	a := e.registerPasskey("eve")
	pending := e.passkeyChallenge("eve") // opened before the lock, answered after it
	for i := range 5 {
		ch := e.passkeyChallenge("eve")
		cred, err := a.Get([]byte(ch.ChallengeParameters[userpool.ParamCredentialRequestOptions]))
		if err != nil {
			t.Fatal(err)
		}
		bad := flipSignature(t, cred)
		wantCode(t, errOf(e.answerPasskey(ch, "eve", bad)), userpool.CodeNotAuthorized)
		_ = i
	}
	cred, err := a.Get([]byte(pending.ChallengeParameters[userpool.ParamCredentialRequestOptions]))
	if err != nil {
		t.Fatal(err)
	}
	pe := wantCode(t, errOf(e.answerPasskey(pending, "eve", cred)), userpool.CodeNotAuthorized)
	if !strings.Contains(pe.Message, "attempts exceeded") {
		t.Fatalf("right passkey after 5 failures: %v, want the lockout", pe)
	}
	_, err = e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserAuth, ClientID: webClient,
		AuthParameters: map[string]string{userpool.ParamUsername: "eve", userpool.ParamPreferredChallenge: userpool.FirstFactorWebAuthn}})
	if pe := wantCode(t, err, userpool.CodeNotAuthorized); !strings.Contains(pe.Message, "attempts exceeded") {
		t.Fatalf("a new passkey sign-in while locked: %v", pe)
	}
	_, err = e.passkeySignInDiscoverable(a)
	if pe := wantCode(t, err, userpool.CodeNotAuthorized); !strings.Contains(pe.Message, "attempts exceeded") {
		t.Fatalf("a discoverable passkey sign-in while locked: %v", pe)
	}
	// A locked account gets nothing from the password either.
	wantCode(t, errOf(e.signIn("eve", goodPW)), userpool.CodeNotAuthorized)
}

func TestPasskeyAndMFA(t *testing.T) {
	t.Run("a passkey with user verification satisfies MFA", func(t *testing.T) {
		e := newFastEnv(t, withPasskeys, withMFA(userpool.MFAOptional, userpool.FactorTOTP))
		e.confirmedUser("fay", "fay@example.com")
		a := e.registerPasskey("fay")
		e.enrollTOTP("fay")
		if out := e.passwordStep("fay"); out.ChallengeName != userpool.ChallengeSoftwareTokenMFA {
			t.Fatalf("password sign-in answered %q, want the TOTP challenge", out.ChallengeName)
		}
		wantTokens(t)(e.passkeySignIn("fay", a))
	})
	t.Run("a passkey without it is one factor: MFA follows", func(t *testing.T) {
		e := newFastEnv(t, withPasskeys, withMFA(userpool.MFAOptional, userpool.FactorTOTP),
			func(c *userpool.Config) { c.WebAuthn.UserVerification = "preferred" })
		e.confirmedUser("gil", "gil@example.com")
		a := e.registerPasskey("gil")
		app, _ := e.enrollTOTP("gil")
		a.NoUV = true
		out, err := e.passkeySignIn("", a)
		wantChallenge(t, out, err, userpool.ChallengeSoftwareTokenMFA)
		e.clock.Advance(30 * time.Second) // the enrolment spent this step's code
		wantTokens(t)(e.answerTOTP(out.Session, "gil", app.code(e.clock.Now())))
	})
	t.Run("with MFA ON a one-factor passkey leads to MFA set-up", func(t *testing.T) {
		e := newFastEnv(t, withPasskeys, func(c *userpool.Config) { c.WebAuthn.UserVerification = "preferred" })
		e.confirmedUser("hob", "hob@example.com")
		a := e.registerPasskey("hob")
		e2 := e.withConfig(t, withMFA(userpool.MFAOn, userpool.FactorTOTP))
		a.NoUV = true
		out, err := e2.passkeySignIn("hob", a)
		wantChallenge(t, out, err, userpool.ChallengeMFASetup)
		a.NoUV = false
		wantTokens(t)(e2.passkeySignIn("hob", a))
	})
}

func TestPasskeyBadInput(t *testing.T) {
	e := newFastEnv(t, withPasskeys)
	e.confirmedUser("gus", "gus@example.com")
	a := e.registerPasskey("gus")
	ch := e.passkeyChallenge("gus")
	cdj := base64.RawURLEncoding.EncodeToString([]byte("{not json"))
	for _, bad := range []string{`{"id":`, `{}`,
		`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"` + cdj + `","authenticatorData":"AAAA","signature":"AAAA"}}`, `{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{}}`, strings.Repeat("x", 70<<10)} {
		out, err := e.answerPasskey(ch, "gus", []byte(bad))
		if err == nil {
			t.Fatalf("CREDENTIAL %.40q signed in: %+v", bad, out)
		}
		wantCode(t, err, userpool.CodeInvalidParameter)
	}
	// Malformed answers checked nothing: the session takes a right one.
	cred, err := a.Get([]byte(ch.ChallengeParameters[userpool.ParamCredentialRequestOptions]))
	if err != nil {
		t.Fatal(err)
	}
	wantTokens(t)(e.answerPasskey(ch, "gus", cred))

	t.Run("an unknown credential", func(t *testing.T) {
		stranger, err := passkeytest.New(passkeyOrigin)
		if err != nil {
			t.Fatal(err)
		}
		stranger.Handle = []byte("someone")
		wantCode(t, errOf(e.passkeySignIn("gus", stranger)), userpool.CodeNotAuthorized)
		wantCode(t, errOf(e.passkeySignIn("", stranger)), userpool.CodeNotAuthorized)
	})
	t.Run("another user's passkey for a named account", func(t *testing.T) {
		e.confirmedUser("hal", "hal@example.com")
		wantCode(t, errOf(e.passkeySignIn("hal", a)), userpool.CodeNotAuthorized)
	})
}

func TestPasskeyRegistrationRules(t *testing.T) {
	t.Run("a pool without passkeys refuses them", func(t *testing.T) {
		e := newFastEnv(t)
		e.confirmedUser("ida", "ida@example.com")
		res := e.mustSignIn("ida", goodPW)
		wantCode(t, errOf(e.pool.StartWebAuthnRegistration(e.ctx, userpool.StartWebAuthnRegistrationInput{AccessToken: res.AccessToken})), userpool.CodeWebAuthnNotEnabled)
	})
	t.Run("the ceremony is spent once and expires", func(t *testing.T) {
		e := newFastEnv(t, withPasskeys)
		e.confirmedUser("jo", "jo@example.com")
		res := e.mustSignIn("jo", goodPW)
		a, _ := passkeytest.New(passkeyOrigin)
		start, err := e.pool.StartWebAuthnRegistration(e.ctx, userpool.StartWebAuthnRegistrationInput{AccessToken: res.AccessToken})
		if err != nil {
			t.Fatal(err)
		}
		var opts map[string]any
		if err := json.Unmarshal(start.CredentialCreationOptions, &opts); err != nil || opts["challenge"] == nil || opts["rp"] == nil {
			t.Fatalf("creation options %s", start.CredentialCreationOptions)
		}
		resp, _ := a.Create(start.CredentialCreationOptions)
		in := userpool.CompleteWebAuthnRegistrationInput{AccessToken: res.AccessToken, Credential: resp}
		if _, err := e.pool.CompleteWebAuthnRegistration(e.ctx, in); err != nil {
			t.Fatal(err)
		}
		wantCode(t, errOf(e.pool.CompleteWebAuthnRegistration(e.ctx, in)), userpool.CodeWebAuthnChallengeNotFound)

		b, _ := passkeytest.New(passkeyOrigin)
		start, err = e.pool.StartWebAuthnRegistration(e.ctx, userpool.StartWebAuthnRegistrationInput{AccessToken: res.AccessToken})
		if err != nil {
			t.Fatal(err)
		}
		resp, _ = b.Create(start.CredentialCreationOptions)
		e.clock.Advance(6 * time.Minute)
		res = e.mustSignIn("jo", goodPW)
		wantCode(t, errOf(e.pool.CompleteWebAuthnRegistration(e.ctx, userpool.CompleteWebAuthnRegistrationInput{AccessToken: res.AccessToken, Credential: resp})), userpool.CodeWebAuthnChallengeNotFound)
	})
	t.Run("an algorithm the pool did not offer, or an oversized answer, stores nothing", func(t *testing.T) {
		e := newFastEnv(t, withPasskeys)
		e.confirmedUser("uma", "uma@example.com")
		a, _ := passkeytest.New(passkeyOrigin)
		a.Alg = -999
		wantCode(t, e.tryRegisterPasskey("uma", a), userpool.CodeWebAuthnCredentialNotSupported)
		res := e.mustSignIn("uma", goodPW)
		if _, err := e.pool.StartWebAuthnRegistration(e.ctx, userpool.StartWebAuthnRegistrationInput{AccessToken: res.AccessToken}); err != nil {
			t.Fatal(err)
		}
		huge := []byte(`{"id":"` + strings.Repeat("A", 70<<10) + `"}`)
		wantCode(t, errOf(e.pool.CompleteWebAuthnRegistration(e.ctx, userpool.CompleteWebAuthnRegistrationInput{AccessToken: res.AccessToken, Credential: huge})), userpool.CodeInvalidParameter)
		list, err := e.pool.ListWebAuthnCredentials(e.ctx, userpool.ListWebAuthnCredentialsInput{AccessToken: res.AccessToken})
		if err != nil || len(list.Credentials) != 0 {
			t.Fatalf("after refused registrations: %+v, %v", list, err)
		}
	})
	t.Run("a user holds at most MaxCredentials", func(t *testing.T) {
		e := newFastEnv(t, withPasskeys, func(c *userpool.Config) { c.WebAuthn.MaxCredentials = 2 })
		e.confirmedUser("kim", "kim@example.com")
		e.registerPasskey("kim")
		e.registerPasskey("kim")
		a, _ := passkeytest.New(passkeyOrigin)
		wantCode(t, e.tryRegisterPasskey("kim", a), userpool.CodeLimitExceeded)
	})
	t.Run("the list pages", func(t *testing.T) {
		e := newFastEnv(t, withPasskeys)
		e.confirmedUser("lee", "lee@example.com")
		for range 3 {
			e.registerPasskey("lee")
		}
		res := e.mustSignIn("lee", goodPW)
		var seen []string
		in := userpool.ListWebAuthnCredentialsInput{AccessToken: res.AccessToken, MaxResults: 2}
		for {
			page, err := e.pool.ListWebAuthnCredentials(e.ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Credentials {
				seen = append(seen, c.CredentialID)
			}
			if page.NextToken == "" {
				break
			}
			in.NextToken = page.NextToken
		}
		if len(seen) != 3 || !slices.IsSorted(seen) && len(slices.Compact(slices.Sorted(slices.Values(seen)))) != 3 {
			t.Fatalf("listed %v, want 3 distinct passkeys", seen)
		}
		wantCode(t, errOf(e.pool.ListWebAuthnCredentials(e.ctx, userpool.ListWebAuthnCredentialsInput{AccessToken: res.AccessToken, MaxResults: 21})), userpool.CodeInvalidParameter)
	})
}

func TestPasskeySignInDoesNotTellWhoExists(t *testing.T) {
	e := newFastEnv(t, withPasskeys)
	e.confirmedUser("mo", "mo@example.com")
	a := e.registerPasskey("mo")
	e.confirmedUser("ned", "ned@example.com") // no passkey
	shape := func(username string) map[string]any {
		ch := e.passkeyChallenge(username)
		var o map[string]any
		if err := json.Unmarshal([]byte(ch.ChallengeParameters[userpool.ParamCredentialRequestOptions]), &o); err != nil {
			t.Fatal(err)
		}
		delete(o, "challenge")
		return o
	}
	real, without, stranger := shape("mo"), shape("ned"), shape("nobody")
	rj, _ := json.Marshal(real)
	for name, o := range map[string]map[string]any{"a user without a passkey": without, "an unknown user": stranger} {
		if oj, _ := json.Marshal(o); string(oj) != string(rj) {
			t.Errorf("options for %s = %s, for a user with a passkey %s", name, oj, rj)
		}
	}
	// A stranger's answer fails as a wrong passkey does.
	wantCode(t, errOf(e.passkeySignIn("nobody", a)), userpool.CodeNotAuthorized)
	wantCode(t, errOf(e.passkeySignIn("ned", a)), userpool.CodeNotAuthorized)
}

// withConfig is the same pool (store, secret, clock) reopened with its
// configuration changed, as after a redeploy.
func (e *env) withConfig(t *testing.T, mutate func(*userpool.Config)) *env {
	t.Helper()
	e2 := *e
	mutate(&e2.cfg)
	p, err := userpool.New(e.ctx, e2.cfg, e.store)
	if err != nil {
		t.Fatalf("userpool.New: %v", err)
	}
	e2.pool = p
	return &e2
}

func TestADisabledUserIsToldOnlyAfterTheirPasskey(t *testing.T) {
	e := newFastEnv(t, withPasskeys)
	e.confirmedUser("ola", "ola@example.com")
	a := e.registerPasskey("ola")
	if _, err := e.pool.AdminDisableUser(e.ctx, userpool.AdminDisableUserInput{Username: "ola"}); err != nil {
		t.Fatal(err)
	}
	ch := e.passkeyChallenge("ola") // the same challenge anyone gets
	stranger, _ := passkeytest.New(passkeyOrigin)
	stranger.Handle = []byte("x")
	cred, _ := stranger.Get([]byte(ch.ChallengeParameters[userpool.ParamCredentialRequestOptions]))
	if pe := wantCode(t, errOf(e.answerPasskey(ch, "ola", cred)), userpool.CodeNotAuthorized); strings.Contains(pe.Message, "disabled") {
		t.Fatalf("a wrong passkey learned the account is disabled: %v", pe)
	}
	pe := wantCode(t, errOf(e.passkeySignIn("ola", a)), userpool.CodeNotAuthorized)
	if !strings.Contains(pe.Message, "disabled") {
		t.Fatalf("the owner's passkey: %v, want the disabled answer", pe)
	}
}

func TestPasskeysNeedADomainName(t *testing.T) {
	_, err := userpool.New(t.Context(), func() userpool.Config {
		c := baseConfig(t, "pool_ip", nil, nil)
		c.Issuer = "http://127.0.0.1:8080"
		withPasskeys(&c)
		return c
	}(), storeKinds[0].open(t))
	if err == nil || !strings.Contains(err.Error(), "domain name") {
		t.Fatalf("passkeys on an IP-address issuer: %v, want the domain-name error", err)
	}
}
