package clientip

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzClientIP checks that any header resolves without panicking to the
// peer or to an address that appears in the header, and that an untrusted
// peer is always the answer.
func FuzzClientIP(f *testing.F) {
	f.Add("10.0.0.1:443", "1.2.3.4, 10.0.0.2")
	f.Add("10.0.0.1:443", "[::1]:80,,x")
	f.Add("198.51.100.1:1", "10.0.0.1")
	f.Add("[::ffff:10.0.0.1]:1", "::ffff:1.2.3.4%z")
	res, err := Parse([]string{"10.0.0.0/8", "::1"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := request(remote, xff)
		got := res.ClientIP(r)
		peer := Peer(r)
		if !res.Trusts(peer) && got != peer {
			t.Fatalf("untrusted peer %v, ClientIP %v", peer, got)
		}
		if got != peer {
			found := false
			for _, e := range strings.Split(xff, ",") {
				if a, ok := parseHop(e); ok && a == got {
					found = true
				}
			}
			if !found {
				t.Fatalf("ClientIP %v is neither the peer %v nor in %q", got, peer, xff)
			}
		}
		_ = netip.AddrPortFrom(got, 0).String()
	})
}
