package gateway_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// TestRefreshWhenTheAccessTokenExpires: once the access token is due, the
// next request renews it with the refresh token, rewrites the cookie and
// hands the upstream the new token; the requests after it use the new
// cookie without refreshing again.
func TestRefreshWhenTheAccessTokenExpires(t *testing.T) {
	e := newEnv(t)
	sub := e.user("alice", "alice@example.com")
	b := newAgent(t)
	e.signIn(b, "/", "alice")
	before := e.last().claims
	calls := e.tokenCalls.Load()

	e.clock.Advance(30 * time.Minute)
	if r := b.get(e.appURL + "/early"); r.status != http.StatusOK || r.setCookie("cupola_gate") != nil {
		t.Fatalf("a fresh access token was refreshed: %d %v", r.status, r.header["Set-Cookie"])
	}
	if e.tokenCalls.Load() != calls {
		t.Fatal("token endpoint called before the access token was due")
	}

	e.clock.Advance(30 * time.Minute) // past the access token's hour, less a minute
	r := b.get(e.appURL + "/late")
	if r.status != http.StatusOK {
		t.Fatalf("status %d after expiry", r.status)
	}
	if c := r.setCookie("cupola_gate"); c == nil || c.MaxAge <= 0 {
		t.Fatalf("the cookie was not rewritten: %v", r.header["Set-Cookie"])
	}
	if e.tokenCalls.Load() != calls+1 {
		t.Fatalf("token endpoint calls: %d, want one refresh", e.tokenCalls.Load()-calls)
	}
	after := e.last()
	if after.claims.Subject != sub || after.claims.AccessToken == before.AccessToken ||
		after.header.Get("X-Amzn-Oidc-Accesstoken") != after.claims.AccessToken {
		t.Fatalf("upstream after the refresh: %+v", after.claims)
	}
	if !after.claims.AccessTokenExpiry.After(e.clock.Now().Add(50 * time.Minute)) {
		t.Errorf("new access token expires at %v", after.claims.AccessTokenExpiry)
	}
	if !after.claims.SessionExpiry.Equal(before.SessionExpiry) {
		t.Errorf("a refresh moved the end of the session from %v to %v", before.SessionExpiry, after.claims.SessionExpiry)
	}

	if r := b.get(e.appURL + "/next"); r.status != http.StatusOK || r.setCookie("cupola_gate") != nil || e.tokenCalls.Load() != calls+1 {
		t.Errorf("the request after the refresh refreshed again: %d %v", r.status, r.header["Set-Cookie"])
	}
}

// TestParallelRequestsShareOneRefresh: a page's parallel requests with the
// same stale cookie make one refresh and all get its tokens, so a
// provider rotating refresh tokens sees no reuse.
func TestParallelRequestsShareOneRefresh(t *testing.T) {
	e := newEnv(t, envOption{pool: func(c *userpool.Config) { c.Clients[0].RefreshTokenRotation = true }})
	e.user("alice", "alice@example.com")
	b := newAgent(t)
	e.signIn(b, "/", "alice")
	stale := cookieHeader(e.cookies(b))
	calls := e.tokenCalls.Load()
	e.clock.Advance(time.Hour)

	const n = 8
	var wg sync.WaitGroup
	answers := make([]*response, n)
	for i := range n {
		wg.Go(func() {
			answers[i] = e.rawGet("/asset", stale, nil)
		})
	}
	wg.Wait()
	fresh := ""
	for i, r := range answers {
		c := r.setCookie("cupola_gate")
		if r.status != http.StatusOK || c == nil {
			t.Fatalf("request %d: status %d, cookies %v", i, r.status, r.header["Set-Cookie"])
		}
		if fresh == "" {
			fresh = c.Value
		}
	}
	if got := e.tokenCalls.Load() - calls; got != 1 {
		t.Errorf("%d refreshes for %d parallel requests, want 1", got, n)
	}
	// The rotated refresh token works: the family was not revoked by a
	// reuse.
	e.clock.Advance(time.Hour)
	if r := e.rawGet("/later", "cupola_gate="+fresh, nil); r.status != http.StatusOK {
		t.Errorf("refreshing with the rotated token: %d", r.status)
	}
	if got := e.tokenCalls.Load() - calls; got != 2 {
		t.Errorf("%d refreshes, want 2", got)
	}
}

// TestFailedRefreshStartsSignInAgain: when the refresh token no longer
// works (the user was signed out everywhere), the session is deleted; a
// browser signs in again, an API call gets 401.
func TestFailedRefreshStartsSignInAgain(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com")
	b := newAgent(t)
	e.signIn(b, "/", "alice")
	stale := cookieHeader(e.cookies(b))
	if _, err := e.pool.AdminUserGlobalSignOut(e.ctx, userpool.AdminUserGlobalSignOutInput{Username: "alice"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	n := e.upstreamCount()

	api := e.rawGet("/data", stale, http.Header{"Accept": {"application/json"}})
	if api.status != http.StatusUnauthorized || !deletes(api, "cupola_gate") {
		t.Errorf("API call: %d %v, want 401 and the cookie deleted", api.status, api.header["Set-Cookie"])
	}
	page := e.rawGet("/page", stale, htmlAccept)
	if page.status != http.StatusFound || !strings.HasPrefix(page.location(), e.issuer+"/oauth2/authorize?") || !deletes(page, "cupola_gate") {
		t.Errorf("page: %d to %q, %v; want a new sign-in", page.status, page.location(), page.header["Set-Cookie"])
	}
	if e.upstreamCount() != n {
		t.Error("the upstream was reached with a dead session")
	}
}
