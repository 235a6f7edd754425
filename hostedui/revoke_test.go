package hostedui_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// flakyStore fails refresh-family look-ups on demand.
type flakyStore struct {
	store.Store
	fail atomic.Bool
}

func (s *flakyStore) FamilyByToken(ctx context.Context, poolID string, hash []byte) (store.RefreshFamily, bool, error) {
	if s.fail.Load() {
		return store.RefreshFamily{}, false, errors.New("database is down")
	}
	return s.Store.FamilyByToken(ctx, poolID, hash)
}

// TestRevoke: RFC 7009 as Cognito answers it (checklist 31).
func TestRevoke(t *testing.T) {
	fs := &flakyStore{Store: memory.New()}
	e := newEnv(t, envOption{store: fs})
	e.user("alice", "alice@example.com", goodPW)
	tokens := func() map[string]any {
		form := exchangeForm(e.codeFor(newAgent(t), url.Values{"prompt": {"login"}}), pkceVerifier)
		form.Set("redirect_uri", e.cbURL)
		r := e.postToken(form, "", "")
		if r.status != 200 {
			t.Fatalf("exchange: %d %s", r.status, r.body)
		}
		return tokenJSON(t, r.body)
	}
	revoke := func(v url.Values) *response { return newAgent(t).post(e.base+"/oauth2/revoke", v) }

	t.Run("a refresh token is revoked and stops refreshing", func(t *testing.T) {
		tok := tokens()
		rt := tok["refresh_token"].(string)
		if r := revoke(url.Values{"token": {rt}, "client_id": {publicClient}}); r.status != 200 {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		r := e.postToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {publicClient}}, "", "")
		if r.status != 400 || tokenJSON(t, r.body)["error"] != "invalid_grant" {
			t.Errorf("refresh after revocation: %d %s", r.status, r.body)
		}
		if r := e.userInfo(tok["access_token"].(string)); r.status != 401 {
			t.Errorf("the access token of a revoked sign-in still works: %d", r.status)
		}
	})
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantError  string
	}{
		{"an unknown token is 200", url.Values{"token": {"no-such-token"}, "client_id": {publicClient}}, 200, ""},
		{"an access token is unsupported_token_type", url.Values{"token": {"a.b.c"}, "client_id": {publicClient}}, 400, "unsupported_token_type"},
		{"a missing token is invalid_request", url.Values{"client_id": {publicClient}}, 400, "invalid_request"},
		{"a missing client is invalid_client", url.Values{"token": {"x"}}, 401, "invalid_client"},
		{"an unknown client is invalid_client", url.Values{"token": {"x"}, "client_id": {"nobody"}}, 401, "invalid_client"},
		{"a wrong client secret is invalid_client", url.Values{"token": {"x"}, "client_id": {e.confidential}, "client_secret": {"wrong"}}, 401, "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := revoke(tt.form)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d %s, want %d", r.status, r.body, tt.wantStatus)
			}
			if tt.wantError != "" && tokenJSON(t, r.body)["error"] != tt.wantError {
				t.Errorf("body %s, want %s", r.body, tt.wantError)
			}
		})
	}
	t.Run("a store failure is 503, never a false success", func(t *testing.T) {
		fs.fail.Store(true)
		defer fs.fail.Store(false)
		r := revoke(url.Values{"token": {"some-refresh-token"}, "client_id": {publicClient}})
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("got %d %s, want 503", r.status, r.body)
		}
	})
	t.Run("a client with revocation disabled is invalid_request", func(t *testing.T) {
		c, err := e.pool.CreateUserPoolClient(e.ctx, userpool.ClientConfig{ClientName: "norevoke", DisableTokenRevocation: true,
			CallbackURLs: []string{e.cbURL}, AllowedOAuthFlows: []string{"code"}, AllowedOAuthScopes: []string{"openid"}})
		if err != nil {
			t.Fatal(err)
		}
		r := revoke(url.Values{"token": {"x"}, "client_id": {c.ClientID}})
		if r.status != 400 || tokenJSON(t, r.body)["error"] != "invalid_request" {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
}
