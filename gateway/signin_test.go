package gateway_test

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rawTarget sends GET with an exact request-target to the gateway, as a
// browser or attacker may, and returns the answer.
func (e *env) rawTarget(target string) *response {
	e.t.Helper()
	u, _ := url.Parse(e.appURL)
	conn, err := net.Dial("tcp", "127.0.0.1:"+u.Port())
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte("GET " + target + " HTTP/1.1\r\nHost: " + u.Host + "\r\nAccept: text/html\r\nConnection: close\r\n\r\n")); err != nil {
		e.t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	return &response{status: res.StatusCode, header: res.Header, url: u, cookies: res.Cookies()}
}

// reachCallback starts a sign-in from first (the gateway's answer to an
// unauthenticated page), signs in at the provider and returns the
// callback URL the provider sent the browser to, not yet visited.
func (e *env) reachCallback(b *agent, first *response, username string) *url.URL {
	e.t.Helper()
	if first.status != http.StatusFound {
		e.t.Fatalf("the gateway answered %d, not a redirect to sign in", first.status)
	}
	page := b.open(first.location())
	r := b.submitNoFollow(page, url.Values{"username": {username}, "password": {password}})
	for i := 0; ; i++ {
		next, err := r.url.Parse(r.location())
		if err != nil || r.status < 300 || r.status > 399 || i > 8 {
			e.t.Fatalf("the provider did not redirect to the callback: %d %q\n%s", r.status, r.location(), r.body)
		}
		if next.Path == callbackPath {
			return next
		}
		r = b.get(next.String())
	}
}

// TestReturnToIsNeverAnotherSite: whatever the first request's target,
// the browser comes back to a path on the gateway's own host (no open
// redirect through the sign-in).
func TestReturnToIsNeverAnotherSite(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com")
	tests := []struct {
		name, target, want string
	}{
		{"a plain path comes back as is", "/a/b?c=d&e=%2F", "/a/b?c=d&e=%2F"},
		{"a scheme-relative URL goes to the root", "//evil.example/x", "/"},
		{"a triple slash goes to the root", "///evil.example/x", "/"},
		{"a backslash is escaped or refused", `/\evil.example/x`, ""},
		{"encoded slashes stay a path", "/%2F%2Fevil.example", "/%2F%2Fevil.example"},
		{"an absolute-form target keeps only its path", "http://evil.example/x?y=1", "/x?y=1"},
		{"a query naming another site stays a query", "/login?next=https://evil.example", "/login?next=https://evil.example"},
	}
	app, _ := url.Parse(e.appURL)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := e.rawTarget(tt.target)
			b := newAgent(t)
			b.c.Jar.SetCookies(app, first.cookies)
			cb := e.reachCallback(b, first, "alice")
			end := b.get(cb.String())
			loc := end.location()
			if end.status != http.StatusFound {
				t.Fatalf("callback: %d %s", end.status, end.body)
			}
			dest, err := app.Parse(loc)
			if err != nil || dest.Host != app.Host || strings.HasPrefix(loc, "//") || strings.Contains(loc, `\`) || !strings.HasPrefix(loc, "/") {
				t.Fatalf("callback redirects to %q: another site", loc)
			}
			if tt.want != "" && loc != tt.want {
				t.Errorf("Location = %q, want %q", loc, tt.want)
			}
		})
	}
}

// TestCallbackRefusals: a callback that does not continue this browser's
// own, live sign-in is refused and no session is made.
func TestCallbackRefusals(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com")
	app, _ := url.Parse(e.appURL)

	// fresh returns a browser stopped before the callback, its URL and
	// its sign-in cookie.
	fresh := func(t *testing.T) (*agent, *url.URL, *http.Cookie) {
		b := newAgent(t)
		cb := e.reachCallback(b, b.get(e.appURL+"/x"), "alice")
		for _, c := range b.c.Jar.Cookies(app) {
			if strings.HasPrefix(c.Name, "cupola_gate_flow_") {
				return b, cb, c
			}
		}
		t.Fatal("no sign-in cookie")
		return nil, nil, nil
	}
	with := func(u *url.URL, set map[string]string) string {
		q := u.Query()
		for k, v := range set {
			if v == "" {
				q.Del(k)
			} else {
				q.Set(k, v)
			}
		}
		c := *u
		c.RawQuery = q.Encode()
		return c.String()
	}

	tests := []struct {
		name  string
		visit func(t *testing.T) *response
		want  int
	}{
		{"no state", func(t *testing.T) *response {
			b, cb, _ := fresh(t)
			return b.get(with(cb, map[string]string{"state": ""}))
		}, http.StatusBadRequest},
		{"another state (login CSRF: the attacker's own code)", func(t *testing.T) *response {
			b, cb, _ := fresh(t)
			return b.get(with(cb, map[string]string{"state": strings.Repeat("A", 32)}))
		}, http.StatusBadRequest},
		{"a callback in a browser that never started the sign-in", func(t *testing.T) *response {
			_, cb, _ := fresh(t)
			return newAgent(t).get(cb.String())
		}, http.StatusBadRequest},
		{"a tampered sign-in cookie", func(t *testing.T) *response {
			_, cb, c := fresh(t)
			return e.rawGet(cb.RequestURI(), c.Name+"="+flip(c.Value), nil)
		}, http.StatusBadRequest},
		{"a sign-in cookie moved to another state's name", func(t *testing.T) *response {
			_, cb, c := fresh(t)
			_, _, other := fresh(t)
			return e.rawGet(cb.RequestURI(), c.Name+"="+other.Value, nil)
		}, http.StatusBadRequest},
		{"an expired sign-in", func(t *testing.T) *response {
			b, cb, _ := fresh(t)
			e.clock.Advance(11 * time.Minute)
			return b.get(cb.String())
		}, http.StatusBadRequest},
		{"a response from another issuer (mix-up)", func(t *testing.T) *response {
			b, cb, _ := fresh(t)
			return b.get(with(cb, map[string]string{"iss": "https://evil.example"}))
		}, http.StatusBadRequest},
		{"a response without iss from a provider that sends it", func(t *testing.T) *response {
			b, cb, _ := fresh(t)
			return b.get(with(cb, map[string]string{"iss": ""}))
		}, http.StatusBadRequest},
		{"an error from the provider", func(t *testing.T) *response {
			b, cb, _ := fresh(t)
			return b.get(with(cb, map[string]string{"code": "", "error": "access_denied"}))
		}, http.StatusUnauthorized},
		{"a wrong code", func(t *testing.T) *response {
			b, cb, _ := fresh(t)
			return b.get(with(cb, map[string]string{"code": "not-a-code"}))
		}, http.StatusBadRequest},
		{"a replayed callback with a used code", func(t *testing.T) *response {
			b, cb, c := fresh(t)
			if r := b.get(cb.String()); r.status != http.StatusFound {
				t.Fatalf("first use: %d %s", r.status, r.body)
			}
			return e.rawGet(cb.RequestURI(), c.Name+"="+c.Value, nil)
		}, http.StatusBadRequest},
		{"a POST", func(t *testing.T) *response {
			b, cb, _ := fresh(t)
			return b.post(cb.String(), nil)
		}, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.visit(t)
			if r.status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.status, tt.want, r.body)
			}
			if c := r.setCookie("cupola_gate"); c != nil && c.MaxAge > 0 {
				t.Errorf("a session cookie was set: %v", r.header["Set-Cookie"])
			}
		})
	}
}
