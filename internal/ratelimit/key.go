package ratelimit

import (
	"encoding/binary"
	"net/netip"
)

// key names one bucket: the 16-byte form of an IPv4 address
// (::ffff:a.b.c.d, so lo is never zero) or an IPv6 address cut to its
// /64 (lo always zero). They cannot collide.
type key struct{ hi, lo uint64 }

// keyOf returns the bucket key for ip: the IPv4 address (IPv4-mapped IPv6
// included) or the IPv6 /64. Every invalid Addr gets the same key, all
// ones, which is neither an IPv4 key nor a /64.
func keyOf(ip netip.Addr) key {
	if !ip.IsValid() {
		return key{hi: ^uint64(0), lo: ^uint64(0)}
	}
	ip = ip.Unmap()
	b := ip.As16()
	k := key{hi: binary.BigEndian.Uint64(b[:8]), lo: binary.BigEndian.Uint64(b[8:])}
	if ip.Is6() {
		k.lo = 0
	}
	return k
}

// hash spreads keys over shards. The seed is random per Limiter so that a
// client cannot aim all its addresses at one shard.
func (k key) hash(seed uint64) uint64 {
	return mix(mix(k.hi^seed) ^ k.lo)
}

// mix is the splitmix64 finalizer.
func mix(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	z ^= z >> 31
	return z
}
