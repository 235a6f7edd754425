package gateway

import (
	"bytes"
	"crypto/rand"
	"errors"
	"net/http"
	"testing"
)

func TestSafeReturn(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a path is kept", "/a/b", "/a/b"},
		{"a path with a query is kept", "/a?b=c&d=%2F", "/a?b=c&d=%2F"},
		{"the root is kept", "/", "/"},
		{"a scheme-relative URL is refused", "//evil.example", "/"},
		{"a backslash is refused", `/\evil.example`, "/"},
		{"an absolute URL is refused", "https://evil.example/", "/"},
		{"a javascript URL is refused", "javascript:alert(1)", "/"},
		{"a relative path is refused", "a/b", "/"},
		{"an empty path is refused", "", "/"},
		{"a tab is refused", "/\t/evil.example", "/"},
		{"a CR LF is refused", "/a\r\nSet-Cookie: x=y", "/"},
		{"a space is refused", "/a b", "/"},
		{"a very long path is refused", "/" + string(bytes.Repeat([]byte("a"), 3000)), "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := safeReturn(tt.in); got != tt.want {
				t.Errorf("safeReturn(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func key(t *testing.T) []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealer(t *testing.T) {
	k1, k2 := key(t), key(t)
	old, err := newSealer([][]byte{k1}, "session", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := old.seal([]byte("payload"), []byte("name"))
	if err != nil {
		t.Fatal(err)
	}
	rotated, _ := newSealer([][]byte{k2, k1}, "session", rand.Reader)
	dropped, _ := newSealer([][]byte{k2}, "session", rand.Reader)
	otherPurpose, _ := newSealer([][]byte{k1}, "sign-in", rand.Reader)

	tests := []struct {
		name   string
		s      *sealer
		value  string
		aad    string
		wantOK bool
	}{
		{"the sealing key opens", old, sealed, "name", true},
		{"an old key second in line opens", rotated, sealed, "name", true},
		{"a dropped key does not open", dropped, sealed, "name", false},
		{"the same key for another purpose does not open", otherPurpose, sealed, "name", false},
		{"another cookie name does not open", old, sealed, "other", false},
		{"a truncated value does not open", old, sealed[:10], "name", false},
		{"an empty value does not open", old, "", "name", false},
		{"padding is refused", old, sealed + "=", "name", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt, err := tt.s.open(tt.value, []byte(tt.aad))
			if tt.wantOK && (err != nil || string(pt) != "payload") {
				t.Fatalf("open = %q, %v", pt, err)
			}
			if !tt.wantOK && !errors.Is(err, errSession) {
				t.Fatalf("open = %q, %v; want errSession", pt, err)
			}
		})
	}
	again, _ := old.seal([]byte("payload"), []byte("name"))
	if again == sealed {
		t.Error("two seals of the same payload are equal: the nonce is not random")
	}
}

func TestStripOwnCookies(t *testing.T) {
	g := &gateway{cfg: &config{cookieName: "gate"}}
	tests := []struct{ name, in, want string }{
		{"the application's cookies stay as sent", "a=1; b=2", "a=1; b=2"},
		{"the session and its chunks go", "a=1; gate=x; gate_0=y; gate_flow_abc=z; b=2", "a=1; b=2"},
		{"a cookie whose name only starts alike stays", "gateway=1; gate=x", "gateway=1"},
		{"nothing left removes the header", "gate=x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Cookie": {tt.in}}
			g.stripOwnCookies(h)
			if got := h.Get("Cookie"); got != tt.want {
				t.Errorf("Cookie = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStripIdentity(t *testing.T) {
	tests := []struct {
		name     string
		in, want http.Header
	}{
		{"identity headers go, whatever their case",
			http.Header{"X-Amzn-Oidc-Data": {"x"}, "x-amzn-oidc-identity": {"y"}, "X-Amzn-Trace-Id": {"z"}},
			http.Header{"X-Amzn-Trace-Id": {"z"}}},
		{"Connection may not name them",
			http.Header{"Connection": {"keep-alive, X-Amzn-Oidc-Identity", "x-amzn-oidc-data"}},
			http.Header{"Connection": {"keep-alive"}}},
		{"a Connection naming only them goes",
			http.Header{"Connection": {"X-Amzn-Oidc-Accesstoken"}},
			http.Header{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stripIdentity(tt.in)
			if len(tt.in) != len(tt.want) {
				t.Fatalf("got %v, want %v", tt.in, tt.want)
			}
			for k, v := range tt.want {
				if got := tt.in[k]; len(got) != len(v) || got[0] != v[0] {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}
