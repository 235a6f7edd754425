package ratelimit

import (
	"net/netip"
	"sync/atomic"
	"testing"

	"golang.org/x/time/rate"
)

const benchKeys = 100_000

// benchLimit lets every request through, so the figures measure the
// lookup, not the refusal path, and refills slowly enough that no bucket
// is full again (and so droppable) while the table is being built.
var benchLimit = Limit{Rate: 1, Burst: 1_000_000}

// benchIPs returns n distinct clients, IPv4 and IPv6 mixed.
func benchIPs(n int) []netip.Addr {
	ips := make([]netip.Addr, n)
	for i := range ips {
		if i%4 == 3 {
			ips[i] = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i), 15: 1})
		} else {
			ips[i] = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		}
	}
	return ips
}

// trackingLimiter returns a Limiter (real clock) already tracking every
// address in ips.
func trackingLimiter(b *testing.B, ips []netip.Addr) *Limiter {
	l := newLimiter(b, Options{Limit: benchLimit, MaxKeys: 4 * len(ips)})
	for _, ip := range ips {
		l.Allow(ip)
	}
	if l.Len() != len(ips) {
		b.Fatalf("tracking %d clients, want %d", l.Len(), len(ips))
	}
	return l
}

// BenchmarkAllow measures Allow on a Limiter tracking 100,000 clients
// beside the raw primitive, one rate.Limiter's Allow, so that the figures
// compare within one run.
func BenchmarkAllow(b *testing.B) {
	ips := benchIPs(benchKeys)
	b.Run("limiter-100k-ips", func(b *testing.B) {
		l := trackingLimiter(b, ips)
		i := 0
		for b.Loop() {
			l.Allow(ips[i])
			if i++; i == len(ips) {
				i = 0
			}
		}
	})
	b.Run("bare-rate.Limiter", func(b *testing.B) {
		rl := rate.NewLimiter(benchLimit.Rate, benchLimit.Burst)
		for b.Loop() {
			rl.Allow()
		}
	})
}

// BenchmarkAllowParallel is BenchmarkAllow from GOMAXPROCS goroutines.
// The bare rate.Limiter is one lock all goroutines contend on, the worst
// case the shards avoid.
func BenchmarkAllowParallel(b *testing.B) {
	ips := benchIPs(benchKeys)
	b.Run("limiter-100k-ips", func(b *testing.B) {
		l := trackingLimiter(b, ips)
		var start atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := int(start.Add(7919)) % len(ips)
			for pb.Next() {
				l.Allow(ips[i])
				if i++; i == len(ips) {
					i = 0
				}
			}
		})
	})
	b.Run("bare-rate.Limiter", func(b *testing.B) {
		rl := rate.NewLimiter(benchLimit.Rate, benchLimit.Burst)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				rl.Allow()
			}
		})
	})
}

// BenchmarkAllowNewClients measures the flood case: every request from an
// address never seen, each one evicting another from a full table.
func BenchmarkAllowNewClients(b *testing.B) {
	l := newLimiter(b, Options{Limit: benchLimit, MaxKeys: benchKeys})
	var n uint32
	for b.Loop() {
		n++
		l.Allow(netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}))
	}
	if l.Len() > l.MaxKeys() {
		b.Fatalf("%d clients tracked, cap %d", l.Len(), l.MaxKeys())
	}
}
