package userpool_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/trigger"
	"github.com/cupola-auth/cupola/userpool"
)

// CUSTOM_AUTH: a passwordless sign-in with a code sent by email, built from
// the three custom-auth triggers as a team would build it for Cognito.

// magicClient is the app client that allows CUSTOM_AUTH.
const magicClient = "passwordless"

// magicAuth is the magic-code flow: DefineAuthChallenge asks for a
// CUSTOM_CHALLENGE until one is answered right (tokens) or three are
// answered wrong (failure); a PASSWORD_VERIFIER first step must succeed.
// CreateAuthChallenge mails a fresh code through its own outbox and keeps
// it as the private answer; VerifyAuthChallengeResponse compares.
type magicAuth struct {
	outbox   *message.Outbox
	defines  trigLog[trigger.DefineAuthChallengeEvent]
	creates  trigLog[trigger.CreateAuthChallengeEvent]
	verifies trigLog[trigger.VerifyAuthChallengeResponseEvent]
	// define, when set, replaces the flow's DefineAuthChallenge logic.
	define func(*trigger.DefineAuthChallengeEvent)
}

func newMagicAuth() *magicAuth { return &magicAuth{outbox: message.NewOutbox()} }

func magicDefine(ev *trigger.DefineAuthChallengeEvent) {
	s := ev.Request.Session
	failures := 0
	for _, r := range s {
		if r.ChallengeName == trigger.ChallengeCustom && !r.ChallengeResult {
			failures++
		}
	}
	switch {
	case len(s) == 0:
		ev.Response.ChallengeName = trigger.ChallengeCustom
	case s[len(s)-1].ChallengeName == trigger.ChallengePasswordVerifier:
		if s[len(s)-1].ChallengeResult {
			ev.Response.ChallengeName = trigger.ChallengeCustom
		} else {
			ev.Response.FailAuthentication = true
		}
	case s[len(s)-1].ChallengeResult:
		ev.Response.IssueTokens = true
	case failures >= 3:
		ev.Response.FailAuthentication = true
	default:
		ev.Response.ChallengeName = trigger.ChallengeCustom
	}
}

func newMagicCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// set installs the three triggers.
func (m *magicAuth) set(s *trigger.Set) {
	s.DefineAuthChallenge = m.defines.fn(func(_ context.Context, ev *trigger.DefineAuthChallengeEvent) error {
		if m.define != nil {
			m.define(ev)
		} else {
			magicDefine(ev)
		}
		return nil
	})
	s.CreateAuthChallenge = m.creates.fn(func(ctx context.Context, ev *trigger.CreateAuthChallengeEvent) error {
		code, err := newMagicCode()
		if err != nil {
			return err
		}
		if to := ev.Request.UserAttributes["email"]; !ev.Request.UserNotFound && to != "" {
			if err := m.outbox.SendEmail(ctx, message.Email{To: to, Subject: "Your sign-in code", Text: "Your code is " + code}); err != nil {
				return err
			}
		}
		ev.Response.PublicChallengeParameters = map[string]string{"hint": "Enter the code we emailed you"}
		ev.Response.PrivateChallengeParameters = map[string]string{"answer": code}
		ev.Response.ChallengeMetadata = fmt.Sprintf("MAGIC-%d", len(ev.Request.Session)+1)
		return nil
	})
	s.VerifyAuthChallengeResponse = m.verifies.fn(func(_ context.Context, ev *trigger.VerifyAuthChallengeResponseEvent) error {
		ev.Response.AnswerCorrect = ev.Request.ChallengeAnswer != "" && ev.Request.ChallengeAnswer == ev.Request.PrivateChallengeParameters["answer"]
		return nil
	})
}

// code returns the code last mailed to an address.
func (m *magicAuth) code(t *testing.T, to string) string {
	t.Helper()
	mail, ok := m.outbox.LastEmail(to)
	if !ok {
		t.Fatalf("no code mailed to %s", to)
	}
	code := codePattern.FindString(mail.Text)
	if code == "" {
		t.Fatalf("no code in %q", mail.Text)
	}
	return code
}

// withMagicAuth installs the flow and a client that allows CUSTOM_AUTH.
func withMagicAuth(m *magicAuth) func(*userpool.Config) {
	return func(c *userpool.Config) {
		m.set(&c.Triggers)
		c.Clients = append(c.Clients, userpool.ClientConfig{ClientID: magicClient, ClientName: magicClient,
			ExplicitAuthFlows: []string{userpool.AllowCustomAuth, userpool.AllowRefreshTokenAuth}})
	}
}

func (e *env) startCustom(clientID string, params map[string]string) (*userpool.InitiateAuthOutput, error) {
	return e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowCustomAuth, ClientID: clientID, AuthParameters: params})
}

func (e *env) answerCustom(session, username, answer string) (*userpool.InitiateAuthOutput, error) {
	return e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: magicClient,
		ChallengeName: userpool.ChallengeCustom, Session: session,
		ChallengeResponses: map[string]string{"USERNAME": username, "ANSWER": answer}})
}

// customStep returns a check that fails unless a sign-in step answered a
// CUSTOM_CHALLENGE.
func customStep(t *testing.T) func(*userpool.InitiateAuthOutput, error) *userpool.InitiateAuthOutput {
	t.Helper()
	return func(out *userpool.InitiateAuthOutput, err error) *userpool.InitiateAuthOutput {
		t.Helper()
		if err != nil {
			t.Fatalf("want CUSTOM_CHALLENGE, got %v", err)
		}
		if out.ChallengeName != userpool.ChallengeCustom || out.Session == "" || out.AuthenticationResult != nil {
			t.Fatalf("want CUSTOM_CHALLENGE, got %+v", out)
		}
		return out
	}
}

// authResult returns a check that fails unless a sign-in step issued
// tokens.
func authResult(t *testing.T) func(*userpool.InitiateAuthOutput, error) *userpool.AuthenticationResult {
	t.Helper()
	return func(out *userpool.InitiateAuthOutput, err error) *userpool.AuthenticationResult {
		t.Helper()
		if err != nil {
			t.Fatalf("want tokens, got %v", err)
		}
		if out == nil || out.AuthenticationResult == nil || out.AuthenticationResult.AccessToken == "" {
			t.Fatalf("want tokens, got %+v", out)
		}
		return out.AuthenticationResult
	}
}

// history renders the session histories DefineAuthChallenge saw.
func (m *magicAuth) histories() []string {
	var out []string
	for _, ev := range m.defines.all() {
		var parts []string
		for _, r := range ev.Request.Session {
			parts = append(parts, fmt.Sprintf("%s:%v:%s", r.ChallengeName, r.ChallengeResult, r.ChallengeMetadata))
		}
		out = append(out, "["+strings.Join(parts, " ")+"]")
	}
	return out
}

func TestCustomAuthSignsInWithAMagicCode(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			m := newMagicAuth()
			e := newEnv(t, sk.open(t), withMagicAuth(m), func(c *userpool.Config) { c.SigningAlgorithm = token.EdDSA })
			e.confirmedUser("ada", "ada@example.com")
			out := customStep(t)(e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowCustomAuth,
				ClientID: magicClient, AuthParameters: map[string]string{"USERNAME": "ada"}, ClientMetadata: map[string]string{"lang": "fr"}}))
			code := m.code(t, "ada@example.com")

			// Public parameters reach the client; private ones never do.
			want := map[string]string{"hint": "Enter the code we emailed you", "USERNAME": "ada"}
			if !reflect.DeepEqual(out.ChallengeParameters, want) {
				t.Fatalf("ChallengeParameters = %v, want %v", out.ChallengeParameters, want)
			}
			if strings.Contains(fmt.Sprintf("%+v", *out), code) || strings.Contains(out.Session, code) {
				t.Fatalf("the private answer reached the client: %+v", *out)
			}

			res := authResult(t)(e.answerCustom(out.Session, "ada", code))
			id := e.idClaims(res.IDToken)
			if id.Username != "ada" || id.Audience != magicClient {
				t.Fatalf("ID token = %+v", id)
			}
			if _, err := e.refresh(magicClient, res.RefreshToken); err != nil {
				t.Fatalf("refresh: %v", err)
			}

			if got, want := m.histories(), []string{"[]", "[CUSTOM_CHALLENGE:true:MAGIC-1]"}; !slices.Equal(got, want) {
				t.Fatalf("DefineAuthChallenge saw %v, want %v", got, want)
			}
			def := m.defines.all()[0]
			if def.TriggerSource != trigger.TriggerDefineAuthChallengeAuthentication || def.UserName != "ada" ||
				def.CallerContext.ClientID != magicClient || def.Request.UserNotFound || def.Request.ClientMetadata["lang"] != "fr" {
				t.Fatalf("DefineAuthChallenge event = %+v", def)
			}
			wantAttrIs(t, def.Request.UserAttributes, "email", "ada@example.com")
			cr := m.creates.last(t)
			if cr.TriggerSource != trigger.TriggerCreateAuthChallengeAuthentication || cr.Request.ChallengeName != trigger.ChallengeCustom ||
				len(cr.Request.Session) != 0 || cr.Request.UserNotFound {
				t.Fatalf("CreateAuthChallenge event = %+v", cr)
			}
			ver := m.verifies.last(t)
			if ver.TriggerSource != trigger.TriggerVerifyAuthChallengeResponseAuthentication || ver.Request.ChallengeAnswer != code ||
				ver.Request.PrivateChallengeParameters["answer"] != code || ver.Request.UserNotFound {
				t.Fatalf("VerifyAuthChallengeResponse event = %+v", ver)
			}
		})
	}
}

func TestCustomAuthGivesANewRoundAfterAWrongAnswer(t *testing.T) {
	m := newMagicAuth()
	e := newFastEnv(t, withMagicAuth(m))
	e.confirmedUser("ada", "ada@example.com")
	out := customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "ada"}))
	first := m.code(t, "ada@example.com")
	next := customStep(t)(e.answerCustom(out.Session, "ada", otherCode(first)))
	if next.Session == out.Session || len(m.outbox.Emails()) != 2 {
		t.Fatalf("the second round reuses the session or mailed no new code (%d mails)", len(m.outbox.Emails()))
	}
	authResult(t)(e.answerCustom(next.Session, "ada", m.code(t, "ada@example.com")))
	want := []string{"[]", "[CUSTOM_CHALLENGE:false:MAGIC-1]", "[CUSTOM_CHALLENGE:false:MAGIC-1 CUSTOM_CHALLENGE:true:MAGIC-2]"}
	if got := m.histories(); !slices.Equal(got, want) {
		t.Fatalf("DefineAuthChallenge saw %v, want %v", got, want)
	}
	if got := m.creates.all()[1].Request.Session; len(got) != 1 || got[0].ChallengeResult {
		t.Fatalf("CreateAuthChallenge of round 2 saw %+v", got)
	}
}

func TestCustomAuthFailsAfterThreeWrongAnswers(t *testing.T) {
	m := newMagicAuth()
	e := newFastEnv(t, withMagicAuth(m))
	e.confirmedUser("ada", "ada@example.com")
	out := customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "ada"}))
	out = customStep(t)(e.answerCustom(out.Session, "ada", "000000x"))
	out = customStep(t)(e.answerCustom(out.Session, "ada", "000000y"))
	_, err := e.answerCustom(out.Session, "ada", "000000z")
	wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
	if got := m.histories(); len(got) != 4 || got[3] != "[CUSTOM_CHALLENGE:false:MAGIC-1 CUSTOM_CHALLENGE:false:MAGIC-2 CUSTOM_CHALLENGE:false:MAGIC-3]" {
		t.Fatalf("DefineAuthChallenge saw %v", got)
	}
	// The failed conversation is over; a new one starts from scratch.
	out = customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "ada"}))
	authResult(t)(e.answerCustom(out.Session, "ada", m.code(t, "ada@example.com")))
}

func TestCustomAuthRoundsAreBounded(t *testing.T) {
	m := newMagicAuth()
	// A DefineAuthChallenge that never decides.
	m.define = func(ev *trigger.DefineAuthChallengeEvent) { ev.Response.ChallengeName = trigger.ChallengeCustom }
	// Every answer counts toward the lockout until the sign-in completes;
	// a lenient lockout lets this test reach the round limit first.
	e := newFastEnv(t, withMagicAuth(m), lenientLockout)
	e.confirmedUser("ada", "ada@example.com")
	out := customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "ada"}))
	rounds := 0
	for ; rounds < 50; rounds++ {
		next, err := e.answerCustom(out.Session, "ada", m.code(t, "ada@example.com"))
		if err != nil {
			wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
			break
		}
		out = customStep(t)(next, err)
	}
	// maxCustomRounds is 8: the eighth answer ends the conversation.
	if rounds+1 != 8 {
		t.Fatalf("the conversation ended after %d answers, want 8", rounds+1)
	}
	longest := 0
	for _, ev := range m.defines.all() {
		longest = max(longest, len(ev.Request.Session))
	}
	if longest != 7 {
		t.Fatalf("DefineAuthChallenge saw a history of %d rounds, want at most 7", longest)
	}
}

func TestCustomAuthCanVerifyThePasswordFirst(t *testing.T) {
	for _, tc := range []struct {
		name     string
		password string
		wantHist string
	}{
		{"the right password", goodPW, "[PASSWORD_VERIFIER:true:]"},
		{"a wrong password", "wrong-Password-1", "[PASSWORD_VERIFIER:false:]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMagicAuth()
			e := newFastEnv(t, withMagicAuth(m))
			e.confirmedUser("ada", "ada@example.com")
			out, err := e.startCustom(magicClient, map[string]string{"USERNAME": "ada", "CHALLENGE_NAME": "PASSWORD_VERIFIER"})
			if err != nil || out.ChallengeName != userpool.ChallengePasswordVerifier || out.Session == "" {
				t.Fatalf("InitiateAuth = %+v, %v", out, err)
			}
			if m.creates.count() != 0 {
				t.Fatal("a challenge was created before the password step")
			}
			next, err := e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: magicClient,
				ChallengeName: userpool.ChallengePasswordVerifier, Session: out.Session,
				ChallengeResponses: map[string]string{"USERNAME": "ada", "PASSWORD": tc.password}})
			if hist := m.histories(); len(hist) != 1 || hist[0] != tc.wantHist {
				t.Fatalf("DefineAuthChallenge saw %v, want [%s]", hist, tc.wantHist)
			}
			if tc.password != goodPW {
				wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
				return
			}
			next = customStep(t)(next, err)
			authResult(t)(e.answerCustom(next.Session, "ada", m.code(t, "ada@example.com")))
			if hist := m.histories(); hist[len(hist)-1] != "[PASSWORD_VERIFIER:true: CUSTOM_CHALLENGE:true:MAGIC-2]" {
				t.Fatalf("DefineAuthChallenge saw %v", hist)
			}
		})
	}
}

func TestCustomAuthNeverIssuesTokensToAnUnknownUser(t *testing.T) {
	m := newMagicAuth()
	// A DefineAuthChallenge that issues tokens after any round, and an
	// attacker who knows the round's private answer: still no tokens for a
	// user the pool does not know.
	m.define = func(ev *trigger.DefineAuthChallengeEvent) {
		if len(ev.Request.Session) > 0 {
			ev.Response.IssueTokens = true
			return
		}
		ev.Response.ChallengeName = trigger.ChallengeCustom
	}
	e := newFastEnv(t, withMagicAuth(m), func(c *userpool.Config) {
		c.Clients = append(c.Clients, userpool.ClientConfig{ClientID: "legacy_custom", ExplicitAuthFlows: []string{userpool.AllowCustomAuth},
			PreventUserExistenceErrors: "LEGACY"})
	})
	e.confirmedUser("ada", "ada@example.com")
	out := customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "ada"}))
	authResult(t)(e.answerCustom(out.Session, "ada", "anything"))

	calls := m.defines.count()
	out = customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "ghost"}))
	if want := map[string]string{"hint": "Enter the code we emailed you", "USERNAME": "ghost"}; !reflect.DeepEqual(out.ChallengeParameters, want) {
		t.Fatalf("an unknown user's challenge looks different: %v", out.ChallengeParameters)
	}
	_, err := e.answerCustom(out.Session, "ghost", m.creates.last(t).Response.PrivateChallengeParameters["answer"])
	wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
	if !m.verifies.last(t).Response.AnswerCorrect {
		t.Fatal("VerifyAuthChallengeResponse did not find the answer right: the test proves nothing")
	}
	for _, ev := range m.defines.all()[calls:] {
		if !ev.Request.UserNotFound || len(ev.Request.UserAttributes) != 0 {
			t.Fatalf("DefineAuthChallenge for an unknown user: %+v", ev.Request)
		}
		for _, r := range ev.Request.Session {
			if r.ChallengeResult {
				t.Fatalf("an unknown user's round counted as right: %+v", ev.Request.Session)
			}
		}
	}
	if !m.creates.last(t).Request.UserNotFound || !m.verifies.last(t).Request.UserNotFound {
		t.Fatal("Create/Verify were not told the user is unknown")
	}

	// A PASSWORD_VERIFIER step for an unknown user fails the same way.
	out, err = e.startCustom(magicClient, map[string]string{"USERNAME": "ghost", "CHALLENGE_NAME": "PASSWORD_VERIFIER"})
	if err != nil || out.ChallengeName != userpool.ChallengePasswordVerifier {
		t.Fatalf("InitiateAuth = %+v, %v", out, err)
	}
	next, err := e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: magicClient,
		ChallengeName: userpool.ChallengePasswordVerifier, Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": "ghost", "PASSWORD": goodPW}})
	if err == nil {
		next = customStep(t)(next, err)
		_, err = e.answerCustom(next.Session, "ghost", m.creates.last(t).Response.PrivateChallengeParameters["answer"])
	}
	wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")

	// A LEGACY client names the problem, and no trigger runs.
	calls = m.defines.count()
	_, err = e.startCustom("legacy_custom", map[string]string{"USERNAME": "ghost"})
	wantCode(t, err, userpool.CodeUserNotFound)
	if m.defines.count() != calls {
		t.Fatal("DefineAuthChallenge ran for an unknown user at a LEGACY client")
	}
}

func TestCustomAuthNeedsTheFlowAndAllThreeTriggers(t *testing.T) {
	t.Run("a client without ALLOW_CUSTOM_AUTH", func(t *testing.T) {
		m := newMagicAuth()
		e := newFastEnv(t, withMagicAuth(m))
		e.confirmedUser("ada", "ada@example.com")
		_, err := e.startCustom(webClient, map[string]string{"USERNAME": "ada"})
		wantCode(t, err, userpool.CodeInvalidParameter)
		if m.defines.count() != 0 {
			t.Fatal("a trigger ran")
		}
	})
	for _, tc := range []struct {
		name  string
		strip func(*trigger.Set)
	}{
		{"no DefineAuthChallenge", func(s *trigger.Set) { s.DefineAuthChallenge = nil }},
		{"no CreateAuthChallenge", func(s *trigger.Set) { s.CreateAuthChallenge = nil }},
		{"no VerifyAuthChallengeResponse", func(s *trigger.Set) { s.VerifyAuthChallengeResponse = nil }},
		{"no triggers at all", func(s *trigger.Set) { *s = trigger.Set{} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMagicAuth()
			e := newFastEnv(t, withMagicAuth(m), withTriggerSet(tc.strip))
			e.confirmedUser("ada", "ada@example.com")
			_, err := e.startCustom(magicClient, map[string]string{"USERNAME": "ada"})
			wantCode(t, err, userpool.CodeInvalidUserPoolConfig)
			if m.defines.count()+m.creates.count() != 0 || len(m.outbox.Emails()) != 0 {
				t.Fatal("a trigger ran")
			}
		})
	}
}

func TestCustomAuthSessionsAreAnsweredOnce(t *testing.T) {
	m := newMagicAuth()
	e := newFastEnv(t, withMagicAuth(m))
	e.confirmedUser("ada", "ada@example.com")

	out := customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "ada"}))
	code := m.code(t, "ada@example.com")
	authResult(t)(e.answerCustom(out.Session, "ada", code))
	_, err := e.answerCustom(out.Session, "ada", code)
	wantMessage(t, err, userpool.CodeNotAuthorized, "Invalid session for the user, session is expired.")

	// A wrong answer spends its session too: the next round has its own.
	out = customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "ada"}))
	stale := out.Session
	customStep(t)(e.answerCustom(stale, "ada", "wrong"))
	_, err = e.answerCustom(stale, "ada", m.code(t, "ada@example.com"))
	wantMessage(t, err, userpool.CodeNotAuthorized, "Invalid session for the user, session is expired.")

	// A session expires.
	out = customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "ada"}))
	e.clock.Advance(16 * time.Minute)
	_, err = e.answerCustom(out.Session, "ada", m.code(t, "ada@example.com"))
	wantMessage(t, err, userpool.CodeNotAuthorized, "Invalid session for the user, session is expired.")
}

func TestCustomAuthRefusesAnswersForAnotherUser(t *testing.T) {
	m := newMagicAuth()
	e := newFastEnv(t, withMagicAuth(m))
	e.confirmedUser("ada", "ada@example.com")
	e.confirmedUser("bob", "bob@example.com")
	out := customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "ada"}))
	_, err := e.answerCustom(out.Session, "bob", m.code(t, "ada@example.com"))
	wantCode(t, err, userpool.CodeInvalidParameter)
	// Refused before it was checked, the session still serves its user.
	authResult(t)(e.answerCustom(out.Session, "ada", m.code(t, "ada@example.com")))
}
