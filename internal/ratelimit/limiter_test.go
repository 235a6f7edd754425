package ratelimit

import (
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newLimiter(t testing.TB, o Options) *Limiter {
	t.Helper()
	l, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return l
}

var (
	ipA = netip.MustParseAddr("203.0.113.1")
	ipB = netip.MustParseAddr("203.0.113.2")
)

func TestBurstThenRefusedThenRefill(t *testing.T) {
	clk := newClock()
	l := newLimiter(t, Options{Limit: PerMinute(6), Now: clk.Now}) // 6 at once, one back every 10 s
	for i := range 6 {
		if ok, _ := l.Allow(ipA); !ok {
			t.Fatalf("request %d of a burst of 6 refused", i+1)
		}
	}
	ok, retry := l.Allow(ipA)
	if ok || retry != 10*time.Second {
		t.Fatalf("7th request: ok=%v retryAfter=%v, want refused, 10s", ok, retry)
	}
	clk.Advance(4 * time.Second)
	if ok, retry := l.Allow(ipA); ok || retry != 6*time.Second {
		t.Fatalf("after 4 s: ok=%v retryAfter=%v, want refused, 6s", ok, retry)
	}
	if ok, _ := l.Allow(ipB); !ok {
		t.Fatal("another client refused: buckets are shared")
	}
	clk.Advance(6 * time.Second)
	if ok, _ := l.Allow(ipA); !ok {
		t.Fatal("refused after the token came back")
	}
	if ok, retry := l.Allow(ipA); ok || retry != 10*time.Second {
		t.Fatalf("second request after one token came back: ok=%v retryAfter=%v, want refused, 10s", ok, retry)
	}
	clk.Advance(time.Hour)
	for i := range 6 {
		if ok, _ := l.Allow(ipA); !ok {
			t.Fatalf("after an hour, request %d of 6 refused: the bucket did not refill to Burst", i+1)
		}
	}
	if ok, _ := l.Allow(ipA); ok {
		t.Fatal("after an hour, 7 requests passed: the bucket grew beyond Burst")
	}
}

func TestRetryAfterRoundsUp(t *testing.T) {
	clk := newClock()
	l := newLimiter(t, Options{Limit: Limit{Rate: 3, Burst: 1}, Now: clk.Now})
	l.Allow(ipA)
	_, retry := l.Allow(ipA)
	if retry < time.Second/3 || retry > time.Second/3+time.Microsecond {
		t.Errorf("retryAfter = %v, want 1/3 s", retry)
	}
	clk.Advance(retry)
	if ok, _ := l.Allow(ipA); !ok {
		t.Error("refused exactly retryAfter later")
	}
}

func drain(l *Limiter, ip netip.Addr) int {
	n := 0
	for ; n < 1000; n++ {
		if ok, _ := l.Allow(ip); !ok {
			break
		}
	}
	return n
}

func TestKeys(t *testing.T) {
	clk := newClock()
	l := newLimiter(t, Options{Limit: Limit{Rate: 1, Burst: 3}, Now: clk.Now})
	if n := drain(l, netip.MustParseAddr("2001:db8:1:2::1")); n != 3 {
		t.Fatalf("%d requests passed, want 3", n)
	}
	same := []string{"2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2:abcd::9"}
	for _, s := range same {
		if ok, _ := l.Allow(netip.MustParseAddr(s)); ok {
			t.Errorf("%s allowed: addresses in one /64 do not share a bucket", s)
		}
	}
	other := []string{"2001:db8:1:3::1", "2001:db8:1:1::1", "2001:db9:1:2::1", "::ffff:0:0", "0.0.0.0", "::"}
	for _, s := range other {
		if ok, _ := l.Allow(netip.MustParseAddr(s)); !ok {
			t.Errorf("%s refused: it shares a bucket with 2001:db8:1:2::/64", s)
		}
	}

	if n := drain(l, netip.MustParseAddr("198.51.100.1")); n != 3 {
		t.Fatalf("%d requests passed, want 3", n)
	}
	if ok, _ := l.Allow(netip.MustParseAddr("::ffff:198.51.100.1")); ok {
		t.Error("the IPv4-mapped form of a drained address was allowed")
	}
	for _, s := range []string{"198.51.100.0", "198.51.100.2", "198.51.101.1"} {
		if ok, _ := l.Allow(netip.MustParseAddr(s)); !ok {
			t.Errorf("IPv4 %s refused: IPv4 addresses must have a bucket each", s)
		}
	}

	// Requests with no IP address share one bucket, apart from every IP.
	if n := drain(l, netip.Addr{}); n != 3 {
		t.Fatalf("invalid address: %d requests passed, want 3", n)
	}
	if ok, _ := l.Allow(netip.MustParseAddr("ffff:ffff:ffff:ffff::1")); !ok {
		t.Error("ffff:ffff:ffff:ffff::/64 shares the invalid address's bucket")
	}
}

func TestExempt(t *testing.T) {
	clk := newClock()
	l := newLimiter(t, Options{
		Limit:  Limit{Rate: 1, Burst: 1},
		Exempt: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("::ffff:192.0.2.0/120")},
		Now:    clk.Now,
	})
	for _, s := range []string{"10.1.2.3", "::ffff:10.1.2.3", "2001:db8:ffff::1", "192.0.2.200"} {
		ip := netip.MustParseAddr(s)
		if n := drain(l, ip); n != 1000 {
			t.Errorf("exempt %s: limited after %d requests", s, n)
		}
	}
	if l.Len() != 0 {
		t.Errorf("exempt clients tracked: Len = %d", l.Len())
	}
	if n := drain(l, netip.MustParseAddr("11.0.0.1")); n != 1 {
		t.Errorf("11.0.0.1, not exempt: %d requests passed, want 1", n)
	}
	if _, err := New(Options{Exempt: []netip.Prefix{{}}}); err == nil {
		t.Error("New accepted an invalid exempt prefix")
	}
}

func TestOff(t *testing.T) {
	for _, lim := range []Limit{{}, PerMinute(0)} {
		l := newLimiter(t, Options{Limit: lim})
		if n := drain(l, ipA); n != 1000 {
			t.Errorf("%v: limited after %d requests", lim, n)
		}
		if l.Len() != 0 {
			t.Errorf("%v: Len = %d, want nothing tracked", lim, l.Len())
		}
	}
	var nilLimiter *Limiter
	if ok, _ := nilLimiter.Allow(ipA); !ok {
		t.Error("a nil Limiter refused")
	}
}

func TestMaxKeysBounded(t *testing.T) {
	clk := newClock()
	for _, maxKeys := range []int{1, 7, 64, 1000} {
		l := newLimiter(t, Options{Limit: Limit{Rate: 1, Burst: 5}, MaxKeys: maxKeys, Now: clk.Now})
		if l.MaxKeys() > maxKeys || l.MaxKeys() < maxKeys/2 {
			t.Errorf("MaxKeys %d: cap %d", maxKeys, l.MaxKeys())
		}
		for i := range 20 * maxKeys {
			ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
			if ok, _ := l.Allow(ip); !ok {
				t.Fatalf("new client %v refused", ip)
			}
			if l.Len() > l.MaxKeys() {
				t.Fatalf("MaxKeys %d: %d keys tracked after %d clients", maxKeys, l.Len(), i+1)
			}
		}
		if l.Len() != l.MaxKeys() {
			t.Errorf("MaxKeys %d: %d keys tracked after %d clients, want the cap %d", maxKeys, l.Len(), 20*maxKeys, l.MaxKeys())
		}
	}
}

func TestEvictedClientStartsFull(t *testing.T) {
	clk := newClock()
	l := newLimiter(t, Options{Limit: Limit{Rate: 1, Burst: 2}, MaxKeys: 1, Now: clk.Now})
	if n := drain(l, ipA); n != 2 {
		t.Fatalf("%d passed, want 2", n)
	}
	l.Allow(ipB) // evicts A, the only shard holding one key
	if l.Len() != 1 {
		t.Fatalf("Len = %d, want 1", l.Len())
	}
	if n := drain(l, ipA); n != 2 {
		t.Errorf("evicted client: %d passed, want a full bucket of 2", n)
	}
}

func TestConcurrentSameClient(t *testing.T) {
	clk := newClock()
	l := newLimiter(t, Options{Limit: Limit{Rate: 1, Burst: 100}, Now: clk.Now})
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				if ok, _ := l.Allow(ipA); ok {
					allowed.Add(1)
				}
				// Other clients at the same time.
				l.Allow(netip.AddrFrom4([4]byte{192, 0, byte(g), byte(i)}))
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != 100 {
		t.Errorf("%d concurrent requests passed with the clock stopped, want exactly Burst 100", n)
	}
}

func TestConcurrentChurn(t *testing.T) {
	clk := newClock()
	l := newLimiter(t, Options{Limit: Limit{Rate: 10, Burst: 2}, MaxKeys: 256, Now: clk.Now})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				var ip netip.Addr
				if i%2 == 0 {
					ip = netip.AddrFrom4([4]byte{10, byte(g), byte(i >> 8), byte(i)})
				} else {
					ip = netip.MustParseAddr(fmt.Sprintf("2001:db8:%x:%x::1", g, i))
				}
				l.Allow(ip)
				if i%100 == 0 {
					clk.Advance(time.Millisecond)
					_ = l.Len()
				}
			}
		})
	}
	wg.Wait()
	if n := l.Len(); n > l.MaxKeys() || n == 0 {
		t.Errorf("Len = %d after churn, cap %d", n, l.MaxKeys())
	}
}
