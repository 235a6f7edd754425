package userpool_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/trigger"
	"github.com/cupola-auth/cupola/userpool"
)

// A challenge session answers only to the front end that began its
// sign-in (the API or the hosted UI), and the refusal comes before
// anything is checked or spent.

const bothClient = "both"

func frontEndsEnv(t *testing.T) (*env, *authenticator) {
	t.Helper()
	e := newMemEnv(t, withMFA(userpool.MFAOptional, userpool.FactorTOTP), func(c *userpool.Config) {
		c.Clients = append(c.Clients, userpool.ClientConfig{ClientID: bothClient, CallbackURLs: []string{callback},
			AllowedOAuthFlows: []string{userpool.OAuthFlowCode}, AllowedOAuthScopes: []string{"openid"},
			ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth, userpool.AllowRefreshTokenAuth}})
	})
	e.confirmedUser("alice", "alice@example.com")
	app, _ := e.enrollTOTP("alice")
	e.clock.Advance(time.Minute)
	return e, app
}

func (e *env) answerTOTPAt(clientID, session, code string) (*userpool.InitiateAuthOutput, error) {
	return e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: clientID,
		ChallengeName: userpool.ChallengeSoftwareTokenMFA, Session: session,
		ChallengeResponses: map[string]string{"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code}})
}

func (e *env) hostedTOTP(session, code string) (*userpool.HostedAuthOutput, error) {
	return e.pool.OAuth().RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: bothClient,
		ChallengeName: userpool.ChallengeSoftwareTokenMFA, Session: session,
		ChallengeResponses: map[string]string{"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code}})
}

func TestAHostedSignInCannotEndThroughTheAPI(t *testing.T) {
	e, app := frontEndsEnv(t)
	hosted, err := e.pool.OAuth().SignIn(e.ctx, userpool.SignInInput{ClientID: bothClient, Username: "alice", Password: goodPW})
	if err != nil || hosted.Challenge == nil || hosted.Challenge.ChallengeName != userpool.ChallengeSoftwareTokenMFA {
		t.Fatalf("hosted sign-in = %+v, %v", hosted, err)
	}
	code := app.code(e.clock.Now())
	_, err = e.answerTOTPAt(bothClient, hosted.Challenge.Session, code)
	wantExpiredSession(t, err)
	// The refusal spent nothing: the same code still signs in at the
	// hosted UI.
	again, err := e.pool.OAuth().SignIn(e.ctx, userpool.SignInInput{ClientID: bothClient, Username: "alice", Password: goodPW})
	if err != nil || again.Challenge == nil {
		t.Fatalf("hosted sign-in = %+v, %v", again, err)
	}
	done, err := e.hostedTOTP(again.Challenge.Session, code)
	if err != nil || done.Principal == nil {
		t.Fatalf("hosted answer with an unspent code = %+v, %v", done, err)
	}
}

func TestAnAPISignInCannotEndInTheHostedUI(t *testing.T) {
	e, app := frontEndsEnv(t)
	out := e.passwordStepAt(bothClient)
	code := app.code(e.clock.Now())
	_, err := e.hostedTOTP(out.Session, code)
	wantExpiredSession(t, err)
	wantTokens(t)(e.answerTOTPAt(bothClient, e.passwordStepAt(bothClient).Session, code))
}

// A hosted session written by the previous release (which knew it by its
// token-generation source) stays a hosted session.
func TestAHostedSessionOfThePreviousReleaseStaysHosted(t *testing.T) {
	e, app := frontEndsEnv(t)
	raw := "a-session-written-by-the-previous-release-0123456789"
	h := sha256.Sum256([]byte(raw))
	now := e.clock.Now()
	if err := e.store.PutAuthSession(e.ctx, store.AuthSession{PoolID: e.cfg.ID, ID: base64.RawURLEncoding.EncodeToString(h[:]),
		Subject: e.user("alice").Sub, ClientID: bothClient, Challenge: string(userpool.ChallengeSoftwareTokenMFA),
		Data: []byte(`{"u":"alice","s":"TokenGeneration_HostedAuth"}`), ExpiresAt: now.Add(3 * time.Minute), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	_, err := e.answerTOTPAt(bothClient, raw, app.code(now))
	wantExpiredSession(t, err)
}

func (e *env) passwordStepAt(clientID string) *userpool.InitiateAuthOutput {
	e.t.Helper()
	out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: clientID,
		AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": goodPW}})
	if err != nil || out.ChallengeName != userpool.ChallengeSoftwareTokenMFA {
		e.t.Fatalf("password step = %+v, %v", out, err)
	}
	return out
}

// Only malformed input keeps a session for a corrected answer; an
// InvalidParameter error from inside a trigger is not malformed input.
func TestATriggersInvalidParameterEndsTheSession(t *testing.T) {
	m := newMagicAuth()
	e := newFastEnv(t, withMagicAuth(m), func(c *userpool.Config) {
		c.Triggers.VerifyAuthChallengeResponse = func(context.Context, *trigger.VerifyAuthChallengeResponseEvent) error {
			return &userpool.Error{Code: userpool.CodeInvalidParameter, Message: "the trigger's own validation"}
		}
	})
	e.confirmedUser("ada", "ada@example.com")
	out := customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "ada"}))
	if _, err := e.answerCustom(out.Session, "ada", "123456"); err == nil {
		t.Fatal("the failing trigger's answer succeeded")
	}
	_, err := e.answerCustom(out.Session, "ada", "123456")
	wantExpiredSession(t, err)
}
