package clientip

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestMiddleware(t *testing.T) {
	res := mustParse(t, "10.0.0.0/8", "::1")
	tests := []struct {
		remote string
		xff    []string
		want   string
	}{
		{"10.0.0.1:443", []string{"203.0.113.5"}, "203.0.113.5:0"},
		{"[::1]:443", []string{"2001:db8::7"}, "[2001:db8::7]:0"},
		{"198.51.100.7:5555", []string{"203.0.113.5"}, "198.51.100.7:5555"},
		{"[::ffff:198.51.100.7]:5555", nil, "198.51.100.7:5555"},
		{"10.0.0.1:443", []string{"garbage"}, "10.0.0.1:443"},
		{"10.0.0.1", []string{"garbage"}, "10.0.0.1:0"},
		{"@", []string{"203.0.113.5"}, "@"},
	}
	for _, tt := range tests {
		var seen string
		h := res.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = r.RemoteAddr
		}))
		r := request(tt.remote, tt.xff...)
		h.ServeHTTP(httptest.NewRecorder(), r)
		if seen != tt.want {
			t.Errorf("remote %q XFF %q: downstream RemoteAddr %q, want %q", tt.remote, tt.xff, seen, tt.want)
		}
		if r.RemoteAddr != tt.remote {
			t.Errorf("remote %q: the caller's request was modified to %q", tt.remote, r.RemoteAddr)
		}
		if tt.want != "@" {
			if _, _, err := net.SplitHostPort(seen); err != nil {
				t.Errorf("downstream RemoteAddr %q does not split: %v", seen, err)
			}
		}
	}
}

func TestMiddlewareKeepsRequestWhenUnchanged(t *testing.T) {
	res := mustParse(t, "10.0.0.0/8")
	r := request("198.51.100.7:5555")
	var seen *http.Request
	res.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r })).ServeHTTP(httptest.NewRecorder(), r)
	if seen != r {
		t.Error("a request already naming its client was copied")
	}
}
