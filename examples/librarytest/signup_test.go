package librarytest_test

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
	"github.com/cupola-auth/cupola/userpool/pooltest"
)

const client = "web"

// newPool is what a library user's test helper looks like: the in-memory
// store, fast hashing, a fake clock and an outbox to read codes from.
func newPool(t *testing.T) (*userpool.UserPool, *pooltest.Clock, *message.Outbox) {
	t.Helper()
	clock := pooltest.NewClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	outbox := message.NewOutbox()
	pool, err := userpool.New(t.Context(), userpool.Config{
		ID:           "test_pool",
		Issuer:       "https://auth.example.test/test_pool",
		Secret:       []byte("a test secret of at least 32 bytes, never a real one"),
		Clock:        clock.Now,
		Hashing:      pooltest.FastHashing(),
		CodeValidity: 10 * time.Minute,
		EmailSender:  outbox,
		Clients: []userpool.ClientConfig{{
			ClientID:          client,
			ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth, userpool.AllowRefreshTokenAuth},
		}},
	}, memory.New())
	if err != nil {
		t.Fatal(err)
	}
	return pool, clock, outbox
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// codeFor reads the newest code emailed to address. The pool queues
// messages and sends them just after it answers; DeliverMessages sends
// what is queued now, so the test reads it without waiting.
func codeFor(t *testing.T, pool *userpool.UserPool, outbox *message.Outbox, address string) string {
	t.Helper()
	if _, err := pool.DeliverMessages(t.Context(), userpool.DeliverMessagesInput{}); err != nil {
		t.Fatal(err)
	}
	m, ok := outbox.LastEmail(address)
	if !ok {
		t.Fatalf("no email to %s", address)
	}
	code := sixDigits.FindString(m.Text)
	if code == "" {
		t.Fatalf("no code in %q", m.Text)
	}
	return code
}

func signUp(ctx context.Context, t *testing.T, pool *userpool.UserPool) {
	t.Helper()
	_, err := pool.SignUp(ctx, userpool.SignUpInput{ClientID: client, Username: "alice", Password: "correct-Horse-battery-9",
		UserAttributes: []userpool.Attribute{{Name: "email", Value: "alice@example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestASignUpCodeExpires(t *testing.T) {
	ctx := t.Context()
	pool, clock, outbox := newPool(t)
	signUp(ctx, t, pool)
	code := codeFor(t, pool, outbox, "alice@example.com")

	clock.Advance(10*time.Minute + time.Second)
	_, err := pool.ConfirmSignUp(ctx, userpool.ConfirmSignUpInput{ClientID: client, Username: "alice", ConfirmationCode: code})
	if !errors.Is(err, userpool.ErrExpiredCode) {
		t.Fatalf("ConfirmSignUp after the code expired = %v, want ExpiredCodeException", err)
	}
	// The user is still unconfirmed and cannot sign in.
	_, err = pool.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: client,
		AuthParameters: map[string]string{userpool.ParamUsername: "alice", userpool.ParamPassword: "correct-Horse-battery-9"}})
	if !errors.Is(err, userpool.ErrUserNotConfirmed) {
		t.Fatalf("sign-in of an unconfirmed user = %v, want UserNotConfirmedException", err)
	}
}

func TestAFreshCodeConfirmsAndTheUserSignsIn(t *testing.T) {
	ctx := t.Context()
	pool, clock, outbox := newPool(t)
	signUp(ctx, t, pool)
	clock.Advance(time.Hour)
	if _, err := pool.ResendConfirmationCode(ctx, userpool.ResendConfirmationCodeInput{ClientID: client, Username: "alice"}); err != nil {
		t.Fatal(err)
	}
	code := codeFor(t, pool, outbox, "alice@example.com")
	if _, err := pool.ConfirmSignUp(ctx, userpool.ConfirmSignUpInput{ClientID: client, Username: "alice", ConfirmationCode: code}); err != nil {
		t.Fatalf("ConfirmSignUp with a fresh code: %v", err)
	}
	out, err := pool.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: client,
		AuthParameters: map[string]string{userpool.ParamUsername: "alice", userpool.ParamPassword: "correct-Horse-battery-9"}})
	if err != nil || out.AuthenticationResult == nil || out.AuthenticationResult.AccessToken == "" {
		t.Fatalf("sign-in after confirming = %+v, %v", out, err)
	}
	// The access token expires with the fake clock too (one hour by default).
	clock.Advance(time.Hour + time.Second)
	if _, err := pool.GetUser(ctx, userpool.GetUserInput{AccessToken: out.AuthenticationResult.AccessToken}); !errors.Is(err, userpool.ErrNotAuthorized) {
		t.Fatalf("GetUser with an expired access token = %v, want NotAuthorizedException", err)
	}
}
