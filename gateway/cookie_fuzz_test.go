package gateway

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// FuzzSafeReturn: the page a browser returns to after signing in is "/"
// or the path asked for, and one a browser can only read as a path on
// this host: no scheme, no "//" or "/\" start, no bytes a browser strips
// or turns into a slash, and resolved against the app's URL it stays on
// the app's host. The same holds for returnPath of a request's URL.
func FuzzSafeReturn(f *testing.F) {
	for _, s := range []string{
		"/", "/a/b?c=d", "//evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example/",
		"/a b", "/%2F%2Fevil.example", "/.//evil.example", "/@evil.example", "/?next=//evil", "/;x", "/\u3002evil",
		"javascript:alert(1)", "/" + strings.Repeat("a", 2048),
	} {
		f.Add(s)
	}
	app, err := url.Parse("https://app.example/some/page?x=1")
	if err != nil {
		f.Fatal(err)
	}
	check := func(t *testing.T, in, got string) {
		t.Helper()
		if got == "/" {
			return
		}
		if got != in {
			t.Fatalf("%q became %q", in, got)
		}
		if len(got) > 2048 || got[0] != '/' || len(got) > 1 && (got[1] == '/' || got[1] == '\\') {
			t.Fatalf("kept %q", got)
		}
		for i := 0; i < len(got); i++ {
			// Browsers drop tabs and newlines and read '\' as '/'.
			if c := got[i]; c <= ' ' || c == 0x7f || c == '\\' {
				t.Fatalf("kept %q with byte %#x", got, c)
			}
		}
		ref, err := url.Parse(got)
		if err != nil {
			t.Fatalf("kept %q, which does not parse: %v", got, err)
		}
		if u := app.ResolveReference(ref); u.Scheme != "https" || u.Host != "app.example" || u.User != nil {
			t.Fatalf("kept %q, which leads to %s", got, u)
		}
	}
	f.Fuzz(func(t *testing.T, p string) {
		check(t, p, safeReturn(p))
		if u, err := url.ParseRequestURI(p); err == nil {
			rp := returnPath(u)
			want := u.EscapedPath()
			if u.RawQuery != "" {
				want += "?" + u.RawQuery
			}
			check(t, want, rp)
		}
	})
}

// FuzzSessionCookies: whatever a request's Cookie headers hold, the
// session read from them is nil or exactly a session this gateway sealed;
// and once the gateway's cookies are stripped, the application sees none
// of them but still every one of its own.
func FuzzSessionCookies(f *testing.F) {
	// A fixed secret and nonces, so every fuzzing process seals the same
	// cookies as the seeds.
	secret := bytes.Repeat([]byte{7, 1, 9, 3, 5, 2, 8, 4}, 4)
	sessions, err := newSealer([][]byte{secret}, "session", rand.NewChaCha8([32]byte{}))
	if err != nil {
		f.Fatal(err)
	}
	g := &gateway{cfg: &config{cookieName: "cupola"}, sessions: sessions}
	now := time.Unix(1_780_000_000, 0)

	small := &session{IDClaims: json.RawMessage(`{"sub":"u-1"}`), Subject: "u-1", AccessToken: "at", Expiry: now.Add(time.Hour).Unix()}
	big := &session{IDClaims: json.RawMessage(`{"x":"` + strings.Repeat("y", 4000) + `"}`), Subject: "u-2", AccessToken: "at2",
		RefreshToken: "rt", AccessExpiry: now.Unix(), Expiry: now.Add(time.Hour).Unix()}
	sealed := []*session{small, big}
	for _, s := range sealed {
		w := httptest.NewRecorder()
		if err := g.writeSession(w, httptest.NewRequest(http.MethodGet, "/", nil), s, now); err != nil {
			f.Fatal(err)
		}
		var parts []string
		for _, c := range w.Result().Cookies() {
			parts = append(parts, c.Name+"="+c.Value)
		}
		line := strings.Join(parts, "; ")
		f.Add(line, "app=1")
		f.Add("app=1; "+line, "cupola_flow_x=y; theme=dark")
		f.Add(strings.Replace(line, "=", "=A", 1), "")
		f.Add(line[:len(line)-1], "")
	}
	f.Add("cupola=; cupola_0=a; cupola_1=b", " Cupola=1; cupola =2;\tcupola_x=3; =4; ;app=\"q\"")
	f.Add("\vcupola=1; cupola\v=2", "a=b=c; d")

	own := func(name string) bool { return name == "cupola" || strings.HasPrefix(name, "cupola_") }
	f.Fuzz(func(t *testing.T, line1, line2 string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["Cookie"] = []string{line1, line2}

		if s, present := g.readSession(r, now); s != nil {
			if !present {
				t.Fatalf("a session from no session cookie")
			}
			if !reflect.DeepEqual(s, small) && !reflect.DeepEqual(s, big) {
				t.Fatalf("read a session the gateway never sealed: %+v", s)
			}
		}

		var before []string
		for _, c := range r.Cookies() {
			if !own(c.Name) {
				before = append(before, c.Name+"="+c.Value)
			}
		}
		h := r.Header.Clone()
		g.stripOwnCookies(h)
		after := map[string]int{}
		for _, c := range (&http.Request{Header: h}).Cookies() {
			if own(c.Name) {
				t.Fatalf("cookie %q reaches the application from %q", c.Name, h.Values("Cookie"))
			}
			after[c.Name+"="+c.Value]++
		}
		for _, c := range before {
			if after[c]--; after[c] < 0 {
				t.Fatalf("the application lost %q: %q became %q", c, []string{line1, line2}, h.Values("Cookie"))
			}
		}
	})
}
