package userpool_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/userpool"
)

// Helpers for the behaviour tests (signup_test.go, signin_test.go…), on
// top of harness_test.go.

// newFastEnv is newMemEnv with Ed25519 signing keys: generating an RSA key
// costs ~100 ms under -race, and most tests do not care which algorithm
// signs. Tests about the default algorithm use newMemEnv.
func newFastEnv(t *testing.T, mutate ...func(*userpool.Config)) *env {
	t.Helper()
	return newMemEnv(t, append([]func(*userpool.Config){func(c *userpool.Config) {
		c.SigningAlgorithm = token.EdDSA
	}}, mutate...)...)
}

// secretHash is Cognito's SECRET_HASH, computed independently of the pool.
func secretHash(secret, username, clientID string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// createClient registers an app client through the public API.
func (e *env) createClient(c userpool.ClientConfig) *userpool.ClientDescription {
	e.t.Helper()
	d, err := e.pool.CreateUserPoolClient(e.ctx, c)
	if err != nil {
		e.t.Fatalf("CreateUserPoolClient(%s): %v", c.ClientID, err)
	}
	return d.ClientDescription
}

// passwordClient creates a public client allowing password and refresh
// flows, with extra settings applied by mutate.
func (e *env) passwordClient(id string, mutate ...func(*userpool.ClientConfig)) *userpool.ClientDescription {
	e.t.Helper()
	c := userpool.ClientConfig{ClientID: id, ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth,
		userpool.AllowAdminUserPasswordAuth, userpool.AllowRefreshTokenAuth}}
	for _, m := range mutate {
		m(&c)
	}
	return e.createClient(c)
}

// signInWith runs USER_PASSWORD_AUTH through a given client.
func (e *env) signInWith(clientID, username, password string, extra map[string]string) (*userpool.AuthenticationResult, error) {
	params := map[string]string{"USERNAME": username, "PASSWORD": password}
	for k, v := range extra {
		params[k] = v
	}
	out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth,
		ClientID: clientID, AuthParameters: params})
	if err != nil {
		return nil, err
	}
	if out.AuthenticationResult == nil {
		e.t.Fatalf("sign-in answered a challenge %q, want tokens", out.ChallengeName)
	}
	return out.AuthenticationResult, nil
}

// refresh runs REFRESH_TOKEN_AUTH through InitiateAuth.
func (e *env) refresh(clientID, refreshToken string) (*userpool.AuthenticationResult, error) {
	out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowRefreshTokenAuth,
		ClientID: clientID, AuthParameters: map[string]string{"REFRESH_TOKEN": refreshToken}})
	if err != nil {
		return nil, err
	}
	return out.AuthenticationResult, nil
}

// rotate runs GetTokensFromRefreshToken.
func (e *env) rotate(clientID, refreshToken string) (*userpool.AuthenticationResult, error) {
	out, err := e.pool.GetTokensFromRefreshToken(e.ctx, userpool.GetTokensFromRefreshTokenInput{
		ClientID: clientID, RefreshToken: refreshToken})
	if err != nil {
		return nil, err
	}
	return out.AuthenticationResult, nil
}

// verifier checks tokens the way a resource server in the same process
// would: the pool's key set and issuer, the fake clock.
func (e *env) verifier() *token.Verifier {
	e.t.Helper()
	v, err := token.NewVerifier(token.VerifierConfig{Issuer: e.pool.Issuer(), Keys: e.pool.KeySet(),
		SkipClientIDCheck: true, Now: e.clock.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func (e *env) accessClaims(raw string) *token.AccessClaims {
	e.t.Helper()
	c, err := e.verifier().VerifyAccess(e.ctx, raw)
	if err != nil {
		e.t.Fatalf("VerifyAccess: %v", err)
	}
	return c
}

func (e *env) idClaims(raw string) *token.IDClaims {
	e.t.Helper()
	c, err := e.verifier().VerifyID(e.ctx, raw)
	if err != nil {
		e.t.Fatalf("VerifyID: %v", err)
	}
	return c
}

// user reads a user from the store by username, as the pool keys it in a
// case-insensitive pool.
func (e *env) user(username string) store.User {
	e.t.Helper()
	u, err := e.store.GetUserByUsername(e.ctx, e.cfg.ID, strings.ToLower(username))
	if err != nil {
		e.t.Fatalf("GetUserByUsername(%s): %v", username, err)
	}
	return u
}

// noUser fails unless no user has that (lower-cased) username key.
func (e *env) noUser(username string) {
	e.t.Helper()
	if u, err := e.store.GetUserByUsername(e.ctx, e.cfg.ID, strings.ToLower(username)); !errors.Is(err, store.ErrNotFound) {
		e.t.Fatalf("user %q: got %+v, %v; want none stored", username, u, err)
	}
}

// changeUser edits a stored user directly, as an administrator or an
// import would.
func (e *env) changeUser(sub string, change func(*store.User)) {
	e.t.Helper()
	u, err := e.store.GetUser(e.ctx, e.cfg.ID, sub)
	if err != nil {
		e.t.Fatal(err)
	}
	change(&u)
	if _, err := e.store.UpdateUser(e.ctx, u); err != nil {
		e.t.Fatal(err)
	}
}

// attrs returns GetUser's attributes as a map.
func (e *env) attrs(accessToken string) map[string]string {
	e.t.Helper()
	out, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: accessToken})
	if err != nil {
		e.t.Fatalf("GetUser: %v", err)
	}
	m := map[string]string{}
	for _, a := range out.UserAttributes {
		m[a.Name] = a.Value
	}
	return m
}

// sent counts every message in the outbox.
func (e *env) sent() int { return len(e.mail().Emails()) + len(e.mail().SMS()) }

// otherCode returns a 6-digit code different from code.
func otherCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

// asPoolError returns err as a *userpool.Error, or nil.
func asPoolError(err error) *userpool.Error {
	var pe *userpool.Error
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// wantNoError fails on err, naming what was being done.
func wantNoError(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantMessage fails unless err is a *userpool.Error with that code and
// message.
func wantMessage(t *testing.T, err error, code userpool.ErrorCode, msg string) {
	t.Helper()
	pe := wantCode(t, err, code)
	if pe.Message != msg {
		t.Fatalf("message = %q, want %q", pe.Message, msg)
	}
}

// kidOf returns a JWT's kid header.
func kidOf(t *testing.T, jwt string) string {
	t.Helper()
	head, _, ok := strings.Cut(jwt, ".")
	if !ok {
		t.Fatalf("not a JWT: %.40q", jwt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid
}

// switchableSender delivers through an outbox unless failing is set.
type switchableSender struct {
	out     *message.Outbox
	failing atomic.Bool
}

func (s *switchableSender) SendEmail(ctx context.Context, m message.Email) error {
	if s.failing.Load() {
		return &message.DeliveryError{Op: "send", Err: errors.New("mail relay refused the message")}
	}
	return s.out.SendEmail(ctx, m)
}

func (s *switchableSender) SendSMS(ctx context.Context, m message.SMS) error {
	if s.failing.Load() {
		return &message.DeliveryError{Op: "send", Err: errors.New("sms gateway down")}
	}
	return s.out.SendSMS(ctx, m)
}
