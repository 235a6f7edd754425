package clientip

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// HeaderXFF is the header a Resolver reads hops from.
const HeaderXFF = "X-Forwarded-For"

// Resolver finds a request's client among the X-Forwarded-For hops
// written by trusted proxies. A nil or zero Resolver trusts no proxy and
// so always answers the connection's peer. A Resolver is immutable and
// safe for concurrent use.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a Resolver trusting the proxies in the given prefixes. A
// prefix for IPv4-mapped IPv6 addresses is turned into its IPv4 form and
// host bits are cleared. An invalid (zero) prefix is reported as a
// *[ParseError].
func New(trusted []netip.Prefix) (*Resolver, error) {
	ps := make([]netip.Prefix, 0, len(trusted))
	for i, p := range trusted {
		n, err := normalize(p)
		if err != nil {
			return nil, &ParseError{Index: i, Entry: p.String(), Err: err}
		}
		ps = append(ps, n)
	}
	return &Resolver{trusted: ps}, nil
}

// Parse returns a Resolver trusting the proxies in entries, each a CIDR
// prefix or a bare address as [ParsePrefixes] reads them.
func Parse(entries []string) (*Resolver, error) {
	ps, err := ParsePrefixes(entries)
	if err != nil {
		return nil, err
	}
	return New(ps)
}

// Trusted returns a copy of the trusted prefixes, normalized.
func (res *Resolver) Trusted() []netip.Prefix {
	if res == nil {
		return nil
	}
	return append([]netip.Prefix(nil), res.trusted...)
}

// Trusts reports whether a is a trusted proxy. IPv4-mapped IPv6 addresses
// match IPv4 prefixes; zones are ignored.
func (res *Resolver) Trusts(a netip.Addr) bool {
	if res == nil || !a.IsValid() {
		return false
	}
	a = a.WithZone("").Unmap()
	for _, p := range res.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP returns the address of the client that made r: the
// connection's peer (r.RemoteAddr) unless the peer is a trusted proxy.
// Then X-Forwarded-For, all its header lines read as one comma-separated
// list, is walked from the right, skipping trusted hops, and the first
// untrusted address is the client. If every hop is trusted, the leftmost
// one is. A malformed entry ends the walk at the last trusted hop, so a
// value left of it, which the client may have written, is never used.
// Entries may carry a port ("192.0.2.1:4711", "[2001:db8::1]:443").
// IPv4-mapped IPv6 addresses are returned as IPv4 and zones are dropped.
// The zero Addr means r.RemoteAddr is not an IP address (a Unix socket,
// a hand-built request).
func (res *Resolver) ClientIP(r *http.Request) netip.Addr {
	a, _ := res.resolve(r)
	return a
}

// resolve is ClientIP also reporting whether the answer is the peer.
func (res *Resolver) resolve(r *http.Request) (client netip.Addr, isPeer bool) {
	peer := Peer(r)
	if !res.Trusts(peer) {
		return peer, true
	}
	client, isPeer = peer, true
	lines := r.Header.Values(HeaderXFF)
	for i := len(lines) - 1; i >= 0; i-- {
		line := lines[i]
		for {
			j := strings.LastIndexByte(line, ',')
			hop, ok := parseHop(line[j+1:])
			if !ok {
				return client, isPeer
			}
			client, isPeer = hop, false
			if !res.Trusts(hop) {
				return client, false
			}
			if j < 0 {
				break
			}
			line = line[:j]
		}
	}
	return client, isPeer
}

// parseHop reads one X-Forwarded-For entry: an address, optionally with
// a port, surrounded by optional white space.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.Trim(s, " \t")
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.WithZone("").Unmap(), true
}

// Peer returns the address in r.RemoteAddr ("ip:port", "[ipv6]:port" or
// a bare address), IPv4-mapped IPv6 unmapped and any zone dropped, or the
// zero Addr if it holds no IP address. Below [Resolver.Middleware] it is
// the client's address.
func Peer(r *http.Request) netip.Addr {
	a, _ := peerAddrPort(r.RemoteAddr)
	return a
}

func peerAddrPort(s string) (netip.Addr, uint16) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().WithZone("").Unmap(), ap.Port()
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.WithZone("").Unmap(), 0
	}
	return netip.Addr{}, 0
}

// String describes the Resolver for logs: the trusted prefixes.
func (res *Resolver) String() string {
	if res == nil || len(res.trusted) == 0 {
		return "clientip: no trusted proxies"
	}
	return fmt.Sprintf("clientip: trusted proxies %v", res.trusted)
}
