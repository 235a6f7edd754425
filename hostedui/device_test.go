package hostedui_test

import (
	"net/url"
	"testing"
)

// TestTheBrowserGetsOneDeviceCookie: the login form gives a browser a
// device ID once and it keeps it, so the pool's risk assessor can tell a
// user's usual browser from a new one; another browser gets another.
func TestTheBrowserGetsOneDeviceCookie(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", goodPW)
	b := newAgent(t)
	if q := e.login(b, e.authorizeURL(nil), "alice", goodPW); q.Get("code") == "" {
		t.Fatalf("sign-in: %v", q)
	}
	first := b.cookie(e.base+"/login", "cupola_device")
	if first == nil || len(first.Value) != 43 {
		t.Fatalf("device cookie = %+v", first)
	}
	if q := e.login(b, e.authorizeURL(url.Values{"prompt": {"login"}}), "alice", goodPW); q.Get("code") == "" {
		t.Fatalf("second sign-in: %v", q)
	}
	if again := b.cookie(e.base+"/login", "cupola_device"); again == nil || again.Value != first.Value {
		t.Fatalf("the device ID changed: %+v then %+v", first, again)
	}
	other := newAgent(t)
	e.login(other, e.authorizeURL(nil), "alice", goodPW)
	if c := other.cookie(e.base+"/login", "cupola_device"); c == nil || c.Value == first.Value {
		t.Fatalf("another browser got %+v", c)
	}
}
