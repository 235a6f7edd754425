package userpool_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// flakyStore fails the next failures calls of one kind, as a database
// restart would.
type flakyStore struct {
	store.Store
	getUser, createFamily, redeem atomic.Int32
}

func (f *flakyStore) RedeemAuthSession(ctx context.Context, poolID, id, clientID string, now time.Time, next store.AuthSession) (store.AuthSession, error) {
	if f.redeem.Add(-1) >= 0 {
		return store.AuthSession{}, errOutage
	}
	return f.Store.RedeemAuthSession(ctx, poolID, id, clientID, now, next)
}

var errOutage = errors.New("connection reset by peer")

func (f *flakyStore) GetUser(ctx context.Context, poolID, sub string) (store.User, error) {
	if f.getUser.Add(-1) >= 0 {
		return store.User{}, errOutage
	}
	return f.Store.GetUser(ctx, poolID, sub)
}

func (f *flakyStore) CreateFamily(ctx context.Context, fam store.RefreshFamily, first []byte) error {
	if f.createFamily.Add(-1) >= 0 {
		return errOutage
	}
	return f.Store.CreateFamily(ctx, fam, first)
}

// TestAStoreOutageDuringTheCodeExchangeKeepsTheCode: a transient store
// failure after the code was spent answers server_error (503), never
// invalid_grant, and the same code works once the store is back.
func TestAStoreOutageDuringTheCodeExchangeKeepsTheCode(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(*flakyStore)
	}{
		{"spending the code", func(f *flakyStore) { f.redeem.Store(1) }},
		{"reading the user", func(f *flakyStore) { f.getUser.Store(1) }},
		{"storing the sign-in", func(f *flakyStore) { f.createFamily.Store(1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := &flakyStore{Store: memory.New()}
			exchange := pendingCode(t, fs)
			tc.fail(fs)
			_, err := exchange()
			var oe *userpool.OAuthError
			if !errors.As(err, &oe) || oe.Code != "server_error" || oe.Status != 503 {
				t.Fatalf("during the outage: %v, want server_error 503", err)
			}
			tok, err := exchange()
			if err != nil || tok.AccessToken == "" {
				t.Fatalf("after the outage the code does not work: %v", err)
			}
		})
	}
}

// pendingCode signs alice in through the hosted UI of a pool on st and
// returns the exchange of her authorization code, not yet made.
func pendingCode(t *testing.T, st store.Store) func() (*userpool.TokenResponse, error) {
	t.Helper()
	e := newEnv(t, st, func(c *userpool.Config) {
		c.Clients = append(c.Clients, userpool.ClientConfig{ClientID: oauthClient, CallbackURLs: []string{callback},
			AllowedOAuthFlows: []string{userpool.OAuthFlowCode}, AllowedOAuthScopes: []string{"openid", "email"}})
	})
	e.confirmedUser("alice", "alice@example.com")
	a, err := authorize(e, nil)
	if err != nil {
		t.Fatal(err)
	}
	code := hostedCode(t, e, a)
	return func() (*userpool.TokenResponse, error) {
		return e.pool.OAuth().Token(e.ctx, userpool.TokenRequest{GrantType: "authorization_code", Code: code,
			RedirectURI: callback, CodeVerifier: verifier, ClientID: oauthClient})
	}
}
