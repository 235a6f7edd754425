package ratelimit

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxKeys is how many clients a Limiter tracks when Options.MaxKeys
// is zero: about 14 MB of buckets (some 140 bytes a client).
const DefaultMaxKeys = 100_000

// maxShards is how many independently locked parts a table has at most.
const maxShards = 64

// Options configure a Limiter.
type Options struct {
	// Limit is each client's bucket. The zero Limit turns limiting off.
	Limit Limit

	// MaxKeys caps how many clients (IPv4 addresses, IPv6 /64s) are
	// tracked at once; 0 means DefaultMaxKeys. The table is split into
	// up to 64 shards of MaxKeys/shards entries each, and a full shard
	// forgets its least recently used client, whose next request starts
	// with a full bucket. As keys do not spread over shards perfectly
	// evenly, a shard may fill while the table as a whole holds slightly
	// fewer than MaxKeys. A cap well above the number of clients active
	// within one refill period (Burst/Rate) keeps eviction from mattering;
	// clients idle long enough for their bucket to refill are dropped
	// first, as they are no different from clients never seen.
	MaxKeys int

	// Exempt lists networks that are never limited (health checks,
	// monitoring, the deployment's own services).
	Exempt []netip.Prefix

	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Limiter holds one token bucket per client address. It is safe for
// concurrent use. A nil *Limiter allows everything.
type Limiter struct {
	limit  Limit
	off    bool
	exempt []netip.Prefix
	now    func() time.Time
	seed   uint64
	shift  uint // a key's shard is its hash >> shift
	shards []shard
}

// New returns a Limiter. It reports an invalid Limit (wrapping
// [ErrInvalidLimit]), a negative MaxKeys, or an invalid Exempt prefix.
func New(o Options) (*Limiter, error) {
	if err := o.Limit.Validate(); err != nil {
		return nil, err
	}
	if o.MaxKeys < 0 {
		return nil, fmt.Errorf("ratelimit: MaxKeys %d is negative", o.MaxKeys)
	}
	exempt, err := normalizePrefixes(o.Exempt)
	if err != nil {
		return nil, err
	}
	l := &Limiter{limit: o.Limit, off: o.Limit.Off(), exempt: exempt, now: o.Now, seed: rand.Uint64()}
	if l.now == nil {
		l.now = time.Now
	}
	maxKeys := o.MaxKeys
	if maxKeys == 0 {
		maxKeys = DefaultMaxKeys
	}
	// A power of two no larger than maxKeys, so that every shard holds at
	// least one entry and the shards together at most maxKeys.
	n := min(maxShards, 1<<(bits.Len(uint(maxKeys))-1))
	l.shift = uint(64 - bits.TrailingZeros(uint(n)))
	l.shards = make([]shard, n)
	for i := range l.shards {
		l.shards[i].m = make(map[key]*entry)
		l.shards[i].max = maxKeys / n
	}
	return l, nil
}

// Allow takes a token from ip's bucket and reports whether there was one.
// If not, retryAfter is how long until there is. IPv4 addresses (and
// IPv4-mapped IPv6 ones) have a bucket each; IPv6 addresses share one
// per /64. Exempt addresses are always allowed without being tracked.
// Invalid (zero) Addrs, from requests whose peer is not an IP address,
// all share one bucket.
func (l *Limiter) Allow(ip netip.Addr) (ok bool, retryAfter time.Duration) {
	if l == nil || l.off || l.Exempt(ip) {
		return true, 0
	}
	k := keyOf(ip)
	s := &l.shards[k.hash(l.seed)>>l.shift]
	now := l.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.get(k, now, l.limit)
	if e.lim.AllowN(now, 1) {
		return true, 0
	}
	return false, wait(1-e.lim.TokensAt(now), l.limit.Rate)
}

// wait is how long rate r takes to refill the given tokens, rounded up.
func wait(tokens float64, r rate.Limit) time.Duration {
	if tokens <= 0 {
		return 0
	}
	d := math.Ceil(tokens / float64(r) * float64(time.Second))
	if d >= math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(d)
}

// Exempt reports whether ip is in an exempt network.
func (l *Limiter) Exempt(ip netip.Addr) bool {
	if l == nil || !ip.IsValid() {
		return false
	}
	ip = ip.WithZone("").Unmap()
	for _, p := range l.exempt {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Limit returns the Limit the Limiter enforces.
func (l *Limiter) Limit() Limit {
	if l == nil {
		return Limit{}
	}
	return l.limit
}

// Len returns how many clients are being tracked.
func (l *Limiter) Len() int {
	if l == nil {
		return 0
	}
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// MaxKeys returns how many clients the Limiter tracks at most.
func (l *Limiter) MaxKeys() int {
	if l == nil {
		return 0
	}
	return len(l.shards) * l.shards[0].max
}

// normalizePrefixes checks prefixes, clears host bits and turns
// IPv4-mapped IPv6 prefixes into IPv4 ones, as addresses are unmapped
// before they are matched.
func normalizePrefixes(ps []netip.Prefix) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(ps))
	for i, p := range ps {
		a, n := p.Addr(), p.Bits()
		switch {
		case !p.IsValid():
			return nil, fmt.Errorf("ratelimit: exempt prefix %d is not a valid prefix", i)
		case a.Zone() != "":
			return nil, fmt.Errorf("ratelimit: exempt prefix %d %v: IPv6 zone not allowed", i, p)
		case a.Is4In6() && n < 96:
			return nil, fmt.Errorf("ratelimit: exempt prefix %d %v: IPv4-mapped prefix shorter than /96", i, p)
		case a.Is4In6():
			a, n = a.Unmap(), n-96
		}
		out = append(out, netip.PrefixFrom(a, n).Masked())
	}
	return out, nil
}
