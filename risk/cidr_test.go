package risk

import (
	"errors"
	"net/netip"
	"testing"
)

func TestParseCIDRs(t *testing.T) {
	got, err := ParseCIDRs([]string{"192.0.2.0/24", " 198.51.100.7/24 ", "2001:db8::/32", "::ffff:203.0.113.0/120"})
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("203.0.113.0/24"),
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: %v, want %v", i, got[i], want[i])
		}
	}
	if got, err := ParseCIDRs(nil); err != nil || len(got) != 0 {
		t.Errorf("ParseCIDRs(nil) = %v, %v", got, err)
	}
}

func TestParseCIDRsRefusesMalformedEntries(t *testing.T) {
	for _, bad := range []string{"", "192.0.2.0", "192.0.2.0/33", "192.0.2/24", "fe80::1%eth0/64", "2001:db8::/129", "banana", "192.0.2.0/-1", "/24"} {
		_, err := ParseCIDRs([]string{"192.0.2.0/24", bad})
		var ce *CIDRError
		if !errors.As(err, &ce) || ce.Index != 1 || ce.Value != bad || ce.Err == nil {
			t.Errorf("ParseCIDRs(%q) = %v; want a *CIDRError at index 1", bad, err)
		}
	}
}

func TestContainsAddr(t *testing.T) {
	list, _ := ParseCIDRs([]string{"192.0.2.0/24", "2001:db8::/48"})
	for ip, want := range map[string]bool{
		"192.0.2.200": true, "::ffff:192.0.2.1": true, "192.0.3.1": false,
		"2001:db8:0:1::1": true, "2001:db8:1::1": false,
	} {
		if got := ContainsAddr(list, netip.MustParseAddr(ip)); got != want {
			t.Errorf("ContainsAddr(%s) = %v, want %v", ip, got, want)
		}
	}
	if ContainsAddr(list, netip.Addr{}) {
		t.Error("the zero address matched")
	}
}

func TestNetworkOf(t *testing.T) {
	for ip, want := range map[string]string{
		"192.0.2.77": "192.0.2.0/24", "::ffff:198.51.100.9": "198.51.100.0/24",
		"2001:db8:aa:bb::1": "2001:db8:aa::/48", "fe80::1%eth0": "fe80::/48",
	} {
		if got := NetworkOf(netip.MustParseAddr(ip)); got != netip.MustParsePrefix(want) {
			t.Errorf("NetworkOf(%s) = %v, want %s", ip, got, want)
		}
	}
	if NetworkOf(netip.Addr{}).IsValid() {
		t.Error("NetworkOf(zero) is valid")
	}
}
