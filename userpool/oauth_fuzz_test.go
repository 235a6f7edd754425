package userpool

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// fuzzRedirects are registered redirect URIs of every kind: https, a
// loopback IPv4 literal without a port, an IPv6 loopback literal with a
// port and a query, "localhost" (which gets no port freedom) and an app's
// custom scheme.
var fuzzRedirects = []string{
	"https://app.example.com/callback",
	"http://127.0.0.1/cb",
	"http://[::1]:8080/cb?x=1",
	"http://localhost:3000/cb",
	"myapp://callback",
}

// FuzzRedirectAllowed: every registered URI matches itself, and a URI
// that is not byte-identical to a registered one is accepted only as a
// registered http loopback IP literal (never "localhost", never another
// host) with another port: the same host, path and query.
func FuzzRedirectAllowed(f *testing.F) {
	for _, s := range [][2]string{
		{"", "https://app.example.com/callback"},
		{"", "http://127.0.0.1:49152/cb"},
		{"", "http://[::1]/cb?x=1"},
		{"", "http://localhost:3001/cb"},
		{"", "https://app.example.com:443/callback"},
		{"", "http://127.0.0.1:80@evil.example/cb"},
		{"", "http://127.0.0.1:1/cb#frag"},
		{"", "HTTP://127.0.0.1:1/cb"},
		{"", "http://127.0.0.1:1/%63b"},
		{"http://127.0.0.2/a?b", "http://127.0.0.2:9/a?b"},
		{"http://[::ffff:127.0.0.1]/x", "http://[::ffff:127.0.0.1]:5/x"},
		{"http://[::1%25lo]/x", "http://[::1%25lo]:5/x"},
		{"http://127.1/x", "http://127.1:5/x"},
		{"http://0x7f.0.0.1/x", "http://0x7f.0.0.1:5/x"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, extra, uri string) {
		registered := append(slices.Clone(fuzzRedirects), extra)
		for _, r := range registered {
			if !redirectAllowed(registered, r) {
				t.Fatalf("registered %q does not match itself", r)
			}
		}
		if !redirectAllowed(registered, uri) || slices.Contains(registered, uri) {
			return
		}
		got, ok := splitLoopbackURI(uri)
		if !ok {
			t.Fatalf("accepted %q, which is not registered and not an http loopback IP literal", uri)
		}
		for _, r := range registered {
			if want, ok := splitLoopbackURI(r); ok && want.host == got.host && sameTarget(want.rest, got.rest) {
				return
			}
		}
		t.Fatalf("accepted %q, which differs from every registered loopback URI in more than its port", uri)
	})
}

// loopbackURI is an http URI cut as a browser cuts it: host, port and
// the rest (path, query, fragment).
type loopbackURI struct{ host, port, rest string }

// splitLoopbackURI cuts s as a browser would, without net/url: "http://"
// in any case, then the authority up to the first '/', '?', '#' or '\'. It
// reports whether the authority is a loopback IP literal (127.0.0.0/8 or
// an IPv6 loopback, without zone) with an optional all-digit port.
func splitLoopbackURI(s string) (loopbackURI, bool) {
	const scheme = "http://"
	if len(s) < len(scheme) || !strings.EqualFold(s[:len(scheme)], scheme) {
		return loopbackURI{}, false
	}
	s = s[len(scheme):]
	end := strings.IndexAny(s, "/?#\\")
	if end < 0 {
		end = len(s)
	}
	authority, rest := s[:end], s[end:]
	var host, port string
	if strings.HasPrefix(authority, "[") {
		i := strings.IndexByte(authority, ']')
		if i < 0 {
			return loopbackURI{}, false
		}
		host, port = authority[1:i], authority[i+1:]
	} else {
		h, p, found := strings.Cut(authority, ":")
		host = h
		if found {
			port = ":" + p
		}
	}
	if port != "" && (port[0] != ':' || strings.Trim(port[1:], "0123456789") != "") {
		return loopbackURI{}, false
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || addr.Zone() != "" || !addr.Unmap().IsLoopback() {
		return loopbackURI{}, false
	}
	return loopbackURI{host: host, port: port, rest: rest}, true
}

// sameTarget compares what follows the authority, where an empty query
// or fragment marker ("/cb?" for "/cb") changes nothing a browser loads.
func sameTarget(a, b string) bool {
	trim := func(s string) string {
		s = strings.TrimSuffix(s, "#")
		return strings.TrimSuffix(s, "?")
	}
	return a == b || trim(a) == trim(b)
}

// pkcePattern is RFC 7636 §4.1's code_verifier (and an S256
// code_challenge, which is 43 base64url characters).
var pkcePattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// FuzzValidPKCE: validPKCE accepts exactly 43–128 characters of
// [A-Za-z0-9-._~]; isLoopbackHost accepts exactly the zone-less IP
// literals in 127.0.0.0/8 and ::1 (IPv4-mapped included), never a name.
func FuzzValidPKCE(f *testing.F) {
	for _, s := range []string{
		strings.Repeat("a", 42), strings.Repeat("a", 43), strings.Repeat("~", 128), strings.Repeat("Z", 129),
		"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM",
		strings.Repeat("é", 43), "127.0.0.1", "127.255.255.254", "::1", "::ffff:127.0.0.1", "localhost", "::1%lo",
		"128.0.0.1", "0:0:0:0:0:0:0:1", "127.000.000.001", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validPKCE(s), pkcePattern.MatchString(s); got != want {
			t.Errorf("validPKCE(%q) = %v, want %v", s, got, want)
		}
		addr, err := netip.ParseAddr(s)
		want := err == nil && addr.Zone() == "" && addr.Unmap().IsLoopback()
		if got := isLoopbackHost(s); got != want {
			t.Errorf("isLoopbackHost(%q) = %v, want %v", s, got, want)
		}
	})
}
