package risk

import (
	"fmt"
	"net/netip"
	"strings"
)

// CIDRError is a malformed entry of a CIDR list, as ParseCIDRs found it.
type CIDRError struct {
	Index int    // the entry's position in the list
	Value string // the entry as given
	Err   error  // what netip said, or why the entry was refused
}

func (e *CIDRError) Error() string {
	return fmt.Sprintf("risk: CIDR entry %d %q: %v", e.Index, e.Value, e.Err)
}

func (e *CIDRError) Unwrap() error { return e.Err }

// ParseCIDRs parses a list of networks in CIDR notation ("192.0.2.0/24",
// "2001:db8::/32"), such as Cognito's BlockedIPRangeList and
// SkippedIPRangeList. Surrounding spaces are ignored; host bits are
// cleared ("192.0.2.7/24" is 192.0.2.0/24); an IPv4-mapped IPv6 network
// becomes its IPv4 network. A bare address, an empty entry or a zone is
// refused. The first bad entry is returned as a *CIDRError.
func ParseCIDRs(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for i, s := range list {
		v := strings.TrimSpace(s)
		if !strings.Contains(v, "/") {
			return nil, &CIDRError{Index: i, Value: s, Err: fmt.Errorf("not in CIDR notation (address/length)")}
		}
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return nil, &CIDRError{Index: i, Value: s, Err: err}
		}
		out = append(out, unmapPrefix(p).Masked())
	}
	return out, nil
}

// ContainsAddr reports whether ip lies in any of prefixes. An
// IPv4-mapped IPv6 address matches IPv4 networks; the zero Addr matches
// nothing.
func ContainsAddr(prefixes []netip.Prefix, ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	ip = ip.Unmap()
	for _, p := range prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// unmapPrefix turns ::ffff:a.b.c.d/n (n ≥ 96) into a.b.c.d/(n-96).
func unmapPrefix(p netip.Prefix) netip.Prefix {
	a := p.Addr()
	if a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}

// Network prefix lengths that make up "one network" for the novelty and
// velocity features: a /24 of IPv4, a /48 of IPv6 (a site).
const (
	networkBits4 = 24
	networkBits6 = 48
)

// NetworkOf returns the network ip belongs to for this package's
// purposes: its /24 for IPv4 (IPv4-mapped addresses included), its /48 for
// IPv6. The pool groups failures by it for History.SourceFailures. The
// zero Addr gives the zero Prefix.
func NetworkOf(ip netip.Addr) netip.Prefix {
	if !ip.IsValid() {
		return netip.Prefix{}
	}
	ip = ip.Unmap()
	bits := networkBits6
	if ip.Is4() {
		bits = networkBits4
	}
	p, _ := ip.WithZone("").Prefix(bits)
	return p
}
