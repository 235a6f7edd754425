package clientip

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ErrInvalidProxy is matched (errors.Is) by every error reporting a
// trusted proxy entry that is neither an IP address nor a CIDR prefix.
var ErrInvalidProxy = errors.New("clientip: invalid trusted proxy")

// ParseError reports the trusted proxy entry that did not parse.
type ParseError struct {
	Index int    // position of the entry in the list given
	Entry string // the entry as given
	Err   error  // what was wrong with it
}

// Error names the entry and what was wrong with it.
func (e *ParseError) Error() string {
	return fmt.Sprintf("clientip: trusted proxy %d %q: %v", e.Index, e.Entry, e.Err)
}

// Unwrap lets errors.Is match both [ErrInvalidProxy] and the underlying
// netip error.
func (e *ParseError) Unwrap() []error { return []error{ErrInvalidProxy, e.Err} }

// ParsePrefixes parses trusted proxy entries: CIDR prefixes ("10.0.0.0/8",
// "fd00::/8") or bare addresses ("192.0.2.7", "::1"), which stand for a
// single host. Surrounding spaces are ignored. Host bits set in a prefix
// ("10.1.2.3/8") are cleared; IPv4-mapped IPv6 entries become IPv4. An
// entry that is empty, carries an IPv6 zone, or does not parse is
// reported as a *[ParseError] naming it.
func ParsePrefixes(entries []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(entries))
	for i, raw := range entries {
		p, err := parsePrefix(strings.TrimSpace(raw))
		if err != nil {
			return nil, &ParseError{Index: i, Entry: raw, Err: err}
		}
		out = append(out, p)
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if s == "" {
		return netip.Prefix{}, errors.New("empty entry")
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return normalize(p)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, errors.New("IPv6 zone not allowed")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// normalize clears host bits and turns an IPv4-mapped IPv6 prefix
// (::ffff:10.0.0.0/104) into its IPv4 form, because addresses are
// unmapped before they are matched.
func normalize(p netip.Prefix) (netip.Prefix, error) {
	if !p.IsValid() {
		return netip.Prefix{}, errors.New("not a valid prefix")
	}
	a, bits := p.Addr(), p.Bits()
	if a.Zone() != "" {
		return netip.Prefix{}, errors.New("IPv6 zone not allowed")
	}
	if a.Is4In6() {
		if bits < 96 {
			return netip.Prefix{}, errors.New("IPv4-mapped prefix shorter than /96")
		}
		a, bits = a.Unmap(), bits-96
	}
	return netip.PrefixFrom(a, bits).Masked(), nil
}
