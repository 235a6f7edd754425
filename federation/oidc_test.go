package federation_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/federation"
	"github.com/oauth2-proxy/mockoidc"
)

func runMockOIDC(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return m
}

// TestOIDCAgainstMockOIDC runs the whole browser round trip against
// mockoidc: Start, the authorization endpoint's redirect, Complete.
func TestOIDCAgainstMockOIDC(t *testing.T) {
	m := runMockOIDC(t)
	cfg := m.Config()
	tests := []struct {
		name    string
		newFunc func(context.Context, federation.Config) (federation.Provider, error)
		typ     string
		details map[string]string
		// userinfo claims mockoidc has that its ID token lacks
		wantUserinfo bool
	}{
		{
			name:    "an OIDC provider found by discovery signs the user in",
			newFunc: federation.NewOIDC,
			typ:     federation.TypeOIDC,
			details: map[string]string{"oidc_issuer": cfg.Issuer},
		},
		{
			name:    "an OIDC provider with every endpoint configured needs no discovery",
			newFunc: federation.NewOIDC,
			typ:     federation.TypeOIDC,
			details: map[string]string{
				"oidc_issuer":   cfg.Issuer,
				"authorize_url": m.AuthorizationEndpoint(),
				"token_url":     m.TokenEndpoint(),
				"jwks_uri":      m.JWKSEndpoint(),
			},
		},
		{
			name:    "an OIDC provider with attributes_request_method GET merges the userinfo answer",
			newFunc: federation.NewOIDC,
			typ:     federation.TypeOIDC,
			details: map[string]string{
				"oidc_issuer":               cfg.Issuer,
				"attributes_request_method": "GET",
			},
			wantUserinfo: true,
		},
		{
			name:    "the Google preset pointed at mockoidc signs the user in",
			newFunc: federation.NewGoogle,
			typ:     federation.TypeGoogle,
			details: map[string]string{"oidc_issuer": cfg.Issuer, "authorize_scopes": "email profile"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := map[string]string{
				"client_id":     cfg.ClientID,
				"client_secret": cfg.ClientSecret,
				// mockoidc reads the client's credentials from the form.
				"token_endpoint_auth_method": "client_secret_post",
			}
			for k, v := range tt.details {
				d[k] = v
			}
			p, err := tt.newFunc(context.Background(), federation.Config{Name: "MockIdP", Type: tt.typ, Details: d})
			if err != nil {
				t.Fatal(err)
			}
			user := &mockoidc.MockUser{
				Subject:           "sub-" + tt.typ,
				Email:             "jane@example.com",
				EmailVerified:     true,
				PreferredUsername: "jane",
				Phone:             "+15555550100",
			}
			m.QueueUser(user)

			ctx := context.Background()
			s, err := p.Start(ctx, federation.StartInput{CallbackURL: testCallback, State: "browser-state-1", LoginHint: "jane@example.com"})
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			authURL, _ := url.Parse(s.URL)
			q := authURL.Query()
			for k, want := range map[string]string{
				"response_type": "code", "client_id": cfg.ClientID, "redirect_uri": testCallback,
				"state": "browser-state-1", "code_challenge_method": "S256", "nonce": s.Pending.Nonce,
				"login_hint": "jane@example.com",
			} {
				if got := q.Get(k); got != want {
					t.Errorf("authorize %s = %q, want %q", k, got, want)
				}
			}
			if len(s.Pending.Nonce) < 22 || s.Pending.CodeVerifier == "" || q.Get("code_challenge") == "" {
				t.Errorf("pending %+v lacks a strong nonce or verifier", s.Pending)
			}
			if s.Pending.Provider != "MockIdP" || s.Pending.CallbackURL != testCallback || s.Pending.Started.IsZero() {
				t.Errorf("pending %+v", s.Pending)
			}

			back := followAuthorize(t, s.URL)
			id, err := p.Complete(ctx, federation.CompleteInput{Params: back, Pending: s.Pending})
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if id.Subject != user.Subject || id.Email != "jane@example.com" || !id.EmailVerified {
				t.Errorf("identity = %+v", id)
			}
			if id.Provider != "MockIdP" || id.Type != tt.typ {
				t.Errorf("identity names %s/%s", id.Provider, id.Type)
			}
			if id.Attributes["preferred_username"] != "jane" || id.Attributes["iss"] != cfg.Issuer {
				t.Errorf("attributes = %v", id.Attributes)
			}
			if _, ok := id.Attributes["nonce"]; ok {
				t.Errorf("attributes carry the nonce")
			}
			if tt.wantUserinfo && id.Attributes["phone_number"] != "+15555550100" {
				t.Errorf("userinfo not merged: %v", id.Attributes)
			}

			// The code is spent: the same callback again is refused.
			if _, err := p.Complete(ctx, federation.CompleteInput{Params: back, Pending: s.Pending}); err == nil {
				t.Error("a replayed callback was accepted")
			}
		})
	}
}

// TestOIDCDiscoveryUnavailable: a provider that cannot be discovered is
// ErrUnavailable on Start, and comes back once it can be.
func TestOIDCDiscoveryUnavailable(t *testing.T) {
	f := newFakeIdP(t)
	cfg := f.config(map[string]string{"oidc_issuer": f.issuer() + "/missing"})
	p, err := federation.NewOIDC(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Start(context.Background(), federation.StartInput{CallbackURL: testCallback, State: "s"})
	wantKind(t, err, federation.ErrUnavailable)
}

// TestOIDCDiscoveryIsBounded: a discovery document over 1 MiB is refused,
// not buffered (go-oidc itself reads it whole).
func TestOIDCDiscoveryIsBounded(t *testing.T) {
	f := newFakeIdP(t)
	f.locked(func() {
		f.discoveryEdit = func(doc map[string]any) { doc["padding"] = strings.Repeat("x", 2<<20) }
	})
	p, err := federation.NewOIDC(context.Background(), f.config(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Start(context.Background(), federation.StartInput{CallbackURL: testCallback, State: "s"})
	wantKind(t, err, federation.ErrUnavailable)
	if !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("error %q does not say the body was too large", err)
	}
}

// TestOIDCPendingExpires checks the ten-minute window with Config.Now.
func TestOIDCPendingExpires(t *testing.T) {
	f := newFakeIdP(t)
	c := newClock()
	cfg := f.config(nil)
	cfg.Now = c.Now
	p, err := federation.NewOIDC(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, p)
	f.setIDToken(f.sign(t, f.claims(s.Pending)))
	c.Advance(10*time.Minute + time.Second)
	_, err = p.Complete(context.Background(), callback(s, "code"))
	wantKind(t, err, federation.ErrState)
}

// TestOIDCConcurrentFirstUse: many sign-ins starting at once on a new
// provider share one discovery (run with -race).
func TestOIDCConcurrentFirstUse(t *testing.T) {
	f := newFakeIdP(t)
	p, err := federation.NewOIDC(context.Background(), f.config(nil))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			_, err := p.Start(context.Background(), federation.StartInput{CallbackURL: testCallback, State: fmt.Sprint("s", i)})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
