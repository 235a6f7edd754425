package risk

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// BenchmarkAssess is one assessment with GeoIP on (a generated database of
// the scenario's world) and a history of 1,000 events: 1,000 earlier
// successes (with Country, as a pool stores it), 20 devices, 50 known
// networks, a few hostile ones. /known-network is the everyday case; /new-network
// pays for the ASN and country look-ups.
func BenchmarkAssess(b *testing.B) {
	w := newSimWorld(b)
	a, err := NewDefaultAssessor(Options{Geo: w.geo})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	var h History
	for i := range 1000 {
		ip := w.addr(r, w.home[0][0], i%40)
		loc, _ := w.geo.Locate(ip)
		h.LastSuccesses = append(h.LastSuccesses, Sighting{Time: now.Add(-time.Duration(i+1) * time.Hour), IP: ip, Country: loc.Country})
	}
	for i := range 20 {
		h.KnownDevices = append(h.KnownDevices, fmt.Sprintf("device-%02d", i))
	}
	for i := range 50 {
		h.KnownNetworks = append(h.KnownNetworks, NetworkOf(w.addr(r, w.business[0], i)))
	}
	h.HostileNetworks = []netip.Prefix{NetworkOf(w.addr(r, w.hosting[10], 1))}
	h.HostileDevices = []string{"evil"}
	h.SourceFailures, h.SourceAccounts, h.UserFailures = 2, 2, 1
	for _, bc := range []struct {
		name string
		ip   netip.Addr
	}{
		{"known-network", w.addr(r, w.home[0][0], 39)},
		{"new-network", w.addr(r, w.hosting[12], 3)},
	} {
		s := Signals{Time: now, IP: bc.ip, UserAgent: browserUA, DeviceKey: "device-19", Login: "alice", History: h}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Assess(b.Context(), s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
