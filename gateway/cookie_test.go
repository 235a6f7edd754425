package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/gateway"
	"github.com/cupola-auth/cupola/userpool"
)

// flip changes one character of a cookie value, inside the ciphertext.
func flip(v string) string {
	i := len(v) / 2
	c := byte('A')
	if v[i] == 'A' {
		c = 'B'
	}
	return v[:i] + string(c) + v[i+1:]
}

// deletes reports whether r deletes the cookie name.
func deletes(r *response, name string) bool {
	c := r.setCookie(name)
	return c != nil && c.MaxAge < 0
}

// TestBadSessionCookiesAreRefused: a session cookie that was tampered
// with, moved, sealed with an unknown key, or whose sign-in is over, is
// refused (a browser signs in again, an API call gets 401) and deleted.
func TestBadSessionCookiesAreRefused(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com")
	b := newAgent(t)
	e.signIn(b, "/", "alice")
	value := e.cookies(b)["cupola_gate"]
	if value == "" {
		t.Fatal("no session cookie after signing in")
	}

	other := newEnv(t) // another gateway, with other keys
	other.user("alice", "alice@example.com")
	ob := newAgent(t)
	other.signIn(ob, "/", "alice")
	foreign := other.cookies(ob)["cupola_gate"]

	tests := []struct {
		name   string
		cookie string
	}{
		{"a flipped character", "cupola_gate=" + flip(value)},
		{"a truncated value", "cupola_gate=" + value[:len(value)-10]},
		{"a value that is not base64", "cupola_gate=!!!" + value[3:]},
		{"an empty value", "cupola_gate="},
		{"a value sealed by another gateway's keys", "cupola_gate=" + foreign},
		{"the value moved to a chunk's name", "cupola_gate_0=" + value},
		{"an oversized value", "cupola_gate_0=" + strings.Repeat("A", 3800) + "; cupola_gate_1=" + strings.Repeat("A", 3800)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := e.upstreamCount()
			api := e.rawGet("/private", tt.cookie, http.Header{"Accept": {"application/json"}})
			if api.status != http.StatusUnauthorized {
				t.Errorf("API call: %d, want 401", api.status)
			}
			page := e.rawGet("/private", tt.cookie, htmlAccept)
			if page.status != http.StatusFound || !strings.HasPrefix(page.location(), e.issuer+"/oauth2/authorize?") {
				t.Errorf("page: %d to %q, want a new sign-in", page.status, page.location())
			}
			name, _, _ := strings.Cut(tt.cookie, "=")
			if !deletes(page, name) || !deletes(page, "cupola_gate") {
				t.Errorf("the bad cookie was not deleted: %v", page.header["Set-Cookie"])
			}
			if e.upstreamCount() != n {
				t.Error("the upstream was reached")
			}
		})
	}

	t.Run("the genuine cookie still works", func(t *testing.T) {
		if r := e.rawGet("/private", "cupola_gate="+value, nil); r.status != http.StatusOK {
			t.Fatalf("status %d", r.status)
		}
	})
	t.Run("a session past SessionTTL is refused even if the browser kept it", func(t *testing.T) {
		e.clock.Advance(8*time.Hour + time.Second)
		r := e.rawGet("/private", "cupola_gate="+value, nil)
		if r.status != http.StatusUnauthorized || !deletes(r, "cupola_gate") {
			t.Fatalf("status %d, cookies %v; want 401 and the cookie deleted", r.status, r.header["Set-Cookie"])
		}
	})
}

// TestCookieKeyRotation: with a new key put first, sessions sealed with
// the old key still open and are resealed with the new one when next
// written; once the old key is dropped its cookies are refused.
func TestCookieKeyRotation(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com")
	b := newAgent(t)
	e.signIn(b, "/", "alice")
	oldValue := e.cookies(b)["cupola_gate"]
	oldKey := e.opts.CookieKeys[0]
	newKey := randomKey(t)

	rotated := e.opts
	rotated.CookieKeys = [][]byte{newKey, oldKey}
	e.serve(rotated)
	if r := b.get(e.appURL + "/after-rotation"); r.status != http.StatusOK {
		t.Fatalf("a session sealed with the old key is refused after rotation: %d", r.status)
	}

	// The next write (a refresh) seals with the new key.
	e.clock.Advance(time.Hour)
	r := b.get(e.appURL + "/refresh")
	if r.status != http.StatusOK || r.setCookie("cupola_gate") == nil {
		t.Fatalf("refresh after rotation: %d, cookies %v", r.status, r.header["Set-Cookie"])
	}
	newValue := e.cookies(b)["cupola_gate"]

	dropped := e.opts
	dropped.CookieKeys = [][]byte{newKey}
	e.serve(dropped)
	if r := e.rawGet("/private", "cupola_gate="+newValue, nil); r.status != http.StatusOK {
		t.Errorf("a session resealed with the new key: %d, want 200", r.status)
	}
	if r := e.rawGet("/private", "cupola_gate="+oldValue, nil); r.status != http.StatusUnauthorized {
		t.Errorf("a session sealed with the dropped key: %d, want 401", r.status)
	}
}

// TestLargeSessionsAreChunked: a session too large for one cookie is
// split into cupola_gate_0, cupola_gate_1…, read back whole, refused when
// a chunk is missing, and written as one cookie again (deleting the
// chunks) when it shrinks.
func TestLargeSessionsAreChunked(t *testing.T) {
	e := newEnv(t)
	e.user("bob", "bob@example.com")
	var groups []string
	for i := range 30 {
		g := fmt.Sprintf("group-%02d-%s", i, strings.Repeat("x", 90))
		groups = append(groups, g)
		if _, err := e.pool.CreateGroup(e.ctx, userpool.CreateGroupInput{GroupName: g}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.pool.AdminAddUserToGroup(e.ctx, userpool.AdminAddUserToGroupInput{Username: "bob", GroupName: g}); err != nil {
			t.Fatal(err)
		}
	}
	b := newAgent(t)
	steps := e.signIn(b, "/big", "bob")
	cb := e.callbackStep(steps)
	var chunks []string
	for _, c := range cb.cookies {
		if strings.HasPrefix(c.Name, "cupola_gate_") && !strings.HasPrefix(c.Name, "cupola_gate_flow_") {
			chunks = append(chunks, c.Name)
			if len(c.Name)+len(c.Value) > 4000 || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("chunk %s: %d bytes, %+v", c.Name, len(c.Name)+len(c.Value), c)
			}
		}
	}
	if len(chunks) < 2 || chunks[0] != "cupola_gate_0" || chunks[1] != "cupola_gate_1" {
		t.Fatalf("session cookies %v, want cupola_gate_0, cupola_gate_1…", chunks)
	}
	got := e.last()
	if len(got.claims.Groups) != len(groups) {
		t.Fatalf("upstream sees %d groups, want %d", len(got.claims.Groups), len(groups))
	}

	jar := e.cookies(b)
	t.Run("a missing chunk refuses the session", func(t *testing.T) {
		partial := map[string]string{}
		for k, v := range jar {
			if k != "cupola_gate_1" {
				partial[k] = v
			}
		}
		if r := e.rawGet("/private", cookieHeader(partial), nil); r.status != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", r.status)
		}
	})
	t.Run("swapped chunks refuse the session", func(t *testing.T) {
		swapped := map[string]string{"cupola_gate_0": jar["cupola_gate_1"], "cupola_gate_1": jar["cupola_gate_0"]}
		if r := e.rawGet("/private", cookieHeader(swapped), nil); r.status != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", r.status)
		}
	})

	t.Run("a smaller session goes back to one cookie", func(t *testing.T) {
		for _, g := range groups {
			if _, err := e.pool.AdminRemoveUserFromGroup(e.ctx, userpool.AdminRemoveUserFromGroupInput{Username: "bob", GroupName: g}); err != nil {
				t.Fatal(err)
			}
		}
		e.clock.Advance(time.Hour) // the refreshed tokens carry no groups
		r := b.get(e.appURL + "/small")
		if r.status != http.StatusOK {
			t.Fatalf("status %d", r.status)
		}
		if c := r.setCookie("cupola_gate"); c == nil || c.MaxAge <= 0 {
			t.Errorf("no single session cookie written: %v", r.header["Set-Cookie"])
		}
		for _, name := range chunks {
			if !deletes(r, name) {
				t.Errorf("chunk %s not deleted: %v", name, r.header["Set-Cookie"])
			}
		}
		if got := e.last(); len(got.claims.Groups) != 0 {
			t.Errorf("groups after the refresh: %v", got.claims.Groups)
		}
		if r := b.get(e.appURL + "/again"); r.status != http.StatusOK {
			t.Errorf("the single cookie does not work: %d", r.status)
		}
	})
}

// compile-time check that the context helpers round-trip.
var _ = func() bool {
	c, ok := gateway.ClaimsFrom(gateway.ContextWithClaims(context.Background(), &gateway.Claims{Subject: "x"}))
	return ok && c.Subject == "x"
}
