package userpool_test

import (
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/store/postgres"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
	"github.com/cupola-auth/cupola/store/sqlite"
	"github.com/cupola-auth/cupola/userpool"
	"github.com/cupola-auth/cupola/userpool/pooltest"
)

// The harness: a pool on a chosen store with an outbox, a fake clock and
// cheap password hashing (the real parameters are exercised by the
// benchmarks and the passhash tests).

const (
	webClient  = "web" // public client allowing password and refresh flows
	testIssuer = "https://auth.example.test/pool"
	goodPW     = "cobalt-Harbor-71"
)

var codePattern = regexp.MustCompile(`\b[0-9]{6}\b`)

type env struct {
	t      testing.TB
	ctx    context.Context
	pool   *userpool.UserPool
	store  store.Store
	outbox *message.Outbox
	clock  *pooltest.Clock
	cfg    userpool.Config
}

func randomSecret(t testing.TB) []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// baseConfig is a pool as a typical service would configure it.
func baseConfig(t testing.TB, poolID string, outbox *message.Outbox, now func() time.Time) userpool.Config {
	return userpool.Config{
		ID:          poolID,
		Name:        "Example",
		Issuer:      testIssuer,
		Secret:      randomSecret(t),
		Hashing:     pooltest.FastHashing(),
		EmailSender: outbox,
		SMSSender:   outbox,
		Clock:       now,
		Clients: []userpool.ClientConfig{{
			ClientID:          webClient,
			ClientName:        "web",
			ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth, userpool.AllowAdminUserPasswordAuth, userpool.AllowRefreshTokenAuth},
		}},
	}
}

// newEnv builds a pool on s; mutate adjusts the config first.
func newEnv(t testing.TB, s store.Store, mutate ...func(*userpool.Config)) *env {
	t.Helper()
	e := &env{t: t, ctx: t.Context(), store: s, outbox: message.NewOutbox(),
		clock: pooltest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))}
	e.cfg = baseConfig(t, "pool_"+randomHex(t), e.outbox, e.clock.Now)
	for _, m := range mutate {
		m(&e.cfg)
	}
	p, err := userpool.New(e.ctx, e.cfg, s)
	if err != nil {
		t.Fatalf("userpool.New: %v", err)
	}
	e.pool = p
	return e
}

func newMemEnv(t *testing.T, mutate ...func(*userpool.Config)) *env {
	return newEnv(t, memory.New(), mutate...)
}

func randomHex(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 12)
	for _, c := range b {
		out = append(out, hex[c>>4], hex[c&15])
	}
	return string(out)
}

// storeKinds are the stores every end-to-end flow runs on. PostgreSQL
// skips (or fails under CUPOLA_TEST_REQUIRE_POSTGRES=1) without a DSN.
var storeKinds = []struct {
	name string
	open func(t testing.TB) store.Store
}{
	{"memory", func(t testing.TB) store.Store { return memory.New() }},
	{"sqlite", func(t testing.TB) store.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "cupola.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"postgres", func(t testing.TB) store.Store {
		s, err := postgres.Open(t.Context(), postgrestest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

// deliverInline sends messages before the pool answers, as Cognito does.
func deliverInline(c *userpool.Config) { c.Delivery = userpool.DeliverInline }

// mail is what the pool has sent: its queued messages are delivered first,
// as the background sender would moments after the answer.
func (e *env) mail() *message.Outbox {
	e.t.Helper()
	if _, err := e.pool.DeliverMessages(e.ctx, userpool.DeliverMessagesInput{}); err != nil {
		e.t.Fatalf("DeliverMessages: %v", err)
	}
	return e.outbox
}

// lastCode returns the code in the newest message to an address.
func (e *env) lastCode(to string) string {
	e.t.Helper()
	var text string
	if m, ok := e.mail().LastEmail(to); ok {
		text = m.Text
	} else if m, ok := e.mail().LastSMS(to); ok {
		text = m.Text
	} else {
		e.t.Fatalf("no message to %s", to)
	}
	code := codePattern.FindString(text)
	if code == "" {
		e.t.Fatalf("no code in message %q", text)
	}
	return code
}

func (e *env) signUp(username, email, password string) *userpool.SignUpOutput {
	e.t.Helper()
	out, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: username, Password: password,
		UserAttributes: []userpool.Attribute{{Name: "email", Value: email}}})
	if err != nil {
		e.t.Fatalf("SignUp(%s): %v", username, err)
	}
	return out
}

// confirmedUser signs a user up and confirms them with the emailed code.
func (e *env) confirmedUser(username, email string) string {
	e.t.Helper()
	out := e.signUp(username, email, goodPW)
	if _, err := e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient, Username: username,
		ConfirmationCode: e.lastCode(email)}); err != nil {
		e.t.Fatalf("ConfirmSignUp(%s): %v", username, err)
	}
	return out.UserSub
}

func (e *env) signIn(username, password string) (*userpool.AuthenticationResult, error) {
	out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth,
		ClientID: webClient, AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password}})
	if err != nil {
		return nil, err
	}
	if out.AuthenticationResult == nil {
		e.t.Fatalf("sign-in answered a challenge %q, want tokens", out.ChallengeName)
	}
	return out.AuthenticationResult, nil
}

func (e *env) mustSignIn(username, password string) *userpool.AuthenticationResult {
	e.t.Helper()
	res, err := e.signIn(username, password)
	if err != nil {
		e.t.Fatalf("sign in %s: %v", username, err)
	}
	return res
}

// wantCode fails unless err is a *userpool.Error with that code.
func wantCode(t *testing.T, err error, code userpool.ErrorCode) *userpool.Error {
	t.Helper()
	var pe *userpool.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if pe.Code != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
	return pe
}

// errOf is the error of an operation whose answer a test does not need.
func errOf[T any](_ T, err error) error { return err }
