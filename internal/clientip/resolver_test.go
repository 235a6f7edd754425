package clientip

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func mustParse(t *testing.T, entries ...string) *Resolver {
	t.Helper()
	res, err := Parse(entries)
	if err != nil {
		t.Fatalf("Parse(%q): %v", entries, err)
	}
	return res
}

func request(remote string, xff ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = remote
	for _, v := range xff {
		r.Header.Add("X-Forwarded-For", v)
	}
	return r
}

func TestClientIP(t *testing.T) {
	res := mustParse(t, "10.0.0.0/8", "192.0.2.10", "fd00::/8", "::1/128")
	tests := []struct {
		name   string
		remote string
		xff    []string
		want   string
	}{
		{"direct client, no header", "198.51.100.7:5555", nil, "198.51.100.7"},
		{"spoofed header from untrusted peer ignored", "198.51.100.7:5555", []string{"1.2.3.4"}, "198.51.100.7"},
		{"spoofed header naming a trusted proxy ignored", "198.51.100.7:5555", []string{"10.0.0.1"}, "198.51.100.7"},
		{"one proxy", "10.0.0.1:443", []string{"203.0.113.5"}, "203.0.113.5"},
		{"client-written prefix left of the real entry ignored", "10.0.0.1:443", []string{"1.1.1.1, 203.0.113.5"}, "203.0.113.5"},
		{"chain of trusted proxies", "10.0.0.1:443", []string{"6.6.6.6, 203.0.113.5, 192.0.2.10, 10.9.9.9"}, "203.0.113.5"},
		{"several header lines are one list", "10.0.0.1:443", []string{"6.6.6.6, 203.0.113.5", "192.0.2.10", "10.2.3.4,10.9.9.9"}, "203.0.113.5"},
		{"client on the last header line", "10.0.0.1:443", []string{"6.6.6.6", "203.0.113.9"}, "203.0.113.9"},
		{"every hop trusted: leftmost", "10.0.0.1:443", []string{"10.1.1.1, 10.2.2.2"}, "10.1.1.1"},
		{"trusted peer, no header", "10.0.0.1:443", nil, "10.0.0.1"},
		{"garbage rightmost: peer", "10.0.0.1:443", []string{"1.2.3.4, garbage"}, "10.0.0.1"},
		{"garbage mid-chain: last trusted hop", "10.0.0.1:443", []string{"1.2.3.4, unknown, 10.5.5.5"}, "10.5.5.5"},
		{"empty entry stops the walk", "10.0.0.1:443", []string{"1.2.3.4,,10.5.5.5"}, "10.5.5.5"},
		{"trailing comma stops the walk", "10.0.0.1:443", []string{"1.2.3.4,"}, "10.0.0.1"},
		{"empty header line stops the walk", "10.0.0.1:443", []string{"1.2.3.4", ""}, "10.0.0.1"},
		{"obfuscated RFC 7239 identifier stops the walk", "10.0.0.1:443", []string{"_hidden"}, "10.0.0.1"},
		{"entry with port", "10.0.0.1:443", []string{"203.0.113.5:4711"}, "203.0.113.5"},
		{"tabs and spaces", "10.0.0.1:443", []string{" \t203.0.113.5 \t"}, "203.0.113.5"},
		{"IPv6 peer direct", "[2001:db8::1]:443", []string{"1.2.3.4"}, "2001:db8::1"},
		{"IPv6 proxy, IPv6 client", "[fd00::1]:443", []string{"2001:db8:1::7"}, "2001:db8:1::7"},
		{"IPv6 entry with port", "[::1]:443", []string{"[2001:db8::9]:5000"}, "2001:db8::9"},
		{"IPv6 proxy, IPv4 client", "[::1]:443", []string{"203.0.113.5"}, "203.0.113.5"},
		{"IPv6 zone dropped", "[fd00::1%eth0]:443", []string{"fe80::1%eth1"}, "fe80::1"},
		{"IPv4-mapped peer unmapped and trusted", "[::ffff:10.0.0.1]:443", []string{"203.0.113.5"}, "203.0.113.5"},
		{"IPv4-mapped client unmapped", "10.0.0.1:443", []string{"::ffff:203.0.113.5"}, "203.0.113.5"},
		{"IPv4-mapped trusted hop skipped", "10.0.0.1:443", []string{"203.0.113.5, ::ffff:10.3.3.3"}, "203.0.113.5"},
		{"IPv4-mapped untrusted peer unmapped", "[::ffff:198.51.100.7]:1", nil, "198.51.100.7"},
		{"peer without port", "10.0.0.1", []string{"203.0.113.5"}, "203.0.113.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := res.ClientIP(request(tt.remote, tt.xff...))
			if got != netip.MustParseAddr(tt.want) {
				t.Errorf("ClientIP(remote %q, XFF %q) = %v, want %s", tt.remote, tt.xff, got, tt.want)
			}
		})
	}
}

func TestClientIPNoTrustedProxiesIgnoresHeader(t *testing.T) {
	for _, res := range []*Resolver{nil, {}, mustParse(t)} {
		r := request("10.0.0.1:443", "203.0.113.5")
		if got := res.ClientIP(r); got != netip.MustParseAddr("10.0.0.1") {
			t.Errorf("%v: ClientIP = %v, want the peer 10.0.0.1", res, got)
		}
	}
}

func TestClientIPUnparsableRemoteAddr(t *testing.T) {
	res := mustParse(t, "0.0.0.0/0", "::/0")
	for _, remote := range []string{"", "@", "pipe", "example.com:80"} {
		if got := res.ClientIP(request(remote, "203.0.113.5")); got.IsValid() {
			t.Errorf("RemoteAddr %q: ClientIP = %v, want the zero Addr", remote, got)
		}
	}
}

func TestParseErrors(t *testing.T) {
	bad := []string{"10.0.0/8", "10.0.0.0/33", "", "  ", "example.com", "fe80::1%eth0", "::ffff:10.0.0.0/80", "1.2.3.4:80"}
	for _, e := range bad {
		_, err := Parse([]string{"10.0.0.0/8", e})
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q): error %v, want *ParseError", e, err)
			continue
		}
		if pe.Index != 1 || pe.Entry != e {
			t.Errorf("Parse(%q): ParseError{Index %d, Entry %q}, want {1, %q}", e, pe.Index, pe.Entry, e)
		}
		if !errors.Is(err, ErrInvalidProxy) {
			t.Errorf("Parse(%q): %v does not match ErrInvalidProxy", e, err)
		}
	}
	if _, err := New([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), {}}); !errors.Is(err, ErrInvalidProxy) {
		t.Errorf("New with a zero prefix: %v, want ErrInvalidProxy", err)
	}
}

func TestParseNormalizes(t *testing.T) {
	res := mustParse(t, " 10.1.2.3/8 ", "192.0.2.10", "::1", "::ffff:172.16.0.0/108")
	want := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("192.0.2.10/32"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("172.16.0.0/12"),
	}
	got := res.Trusted()
	if len(got) != len(want) {
		t.Fatalf("Trusted() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Trusted()[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if !res.Trusts(netip.MustParseAddr("::ffff:172.31.255.255")) {
		t.Error("an IPv4-mapped address in 172.16.0.0/12 is not trusted")
	}
	if res.Trusts(netip.MustParseAddr("172.32.0.0")) {
		t.Error("172.32.0.0 is trusted, outside 172.16.0.0/12")
	}
}

func TestPeer(t *testing.T) {
	tests := map[string]string{
		"192.0.2.1:80":            "192.0.2.1",
		"[2001:db8::1]:443":       "2001:db8::1",
		"[::ffff:192.0.2.1]:1234": "192.0.2.1",
		"192.0.2.1":               "192.0.2.1",
		"2001:db8::1":             "2001:db8::1",
	}
	for remote, want := range tests {
		if got := Peer(request(remote)); got != netip.MustParseAddr(want) {
			t.Errorf("Peer(%q) = %v, want %s", remote, got, want)
		}
	}
}
