package ratelimit

import (
	"testing"
	"time"
)

func newShard(max int) *shardState {
	return &shardState{m: make(map[key]*entry), max: max}
}

func (s *shardState) order() []uint64 {
	var out []uint64
	for e := s.head; e != nil; e = e.next {
		out = append(out, e.key.lo)
	}
	return out
}

func TestShardLRU(t *testing.T) {
	now := newClock().Now()
	lim := Limit{Rate: 1, Burst: 5}
	s := newShard(3)
	for _, k := range []uint64{1, 2, 3} {
		s.get(key{lo: k}, now, lim).lim.AllowN(now, 1)
	}
	s.get(key{lo: 1}, now, lim) // 1 becomes the most recent; 2 the least
	s.get(key{lo: 4}, now, lim)
	if got := s.order(); len(got) != 3 || got[0] != 4 || got[1] != 1 || got[2] != 3 {
		t.Fatalf("recency order %v, want [4 1 3]", got)
	}
	if s.m[key{lo: 2}] != nil || len(s.m) != 3 {
		t.Fatalf("map %v: want the least recently used key 2 evicted", s.m)
	}
	if s.tail.next != nil || s.head.prev != nil {
		t.Fatal("list ends not terminated")
	}
}

func TestShardDropsIdleFullBuckets(t *testing.T) {
	clk := newClock()
	lim := Limit{Rate: 1, Burst: 5}
	s := newShard(100)
	s.get(key{lo: 1}, clk.Now(), lim).lim.AllowN(clk.Now(), 1)
	s.get(key{lo: 2}, clk.Now(), lim).lim.AllowN(clk.Now(), 5)
	clk.Advance(2 * time.Second) // 1 is full again, 2 is not
	s.get(key{lo: 3}, clk.Now(), lim)
	if s.m[key{lo: 1}] != nil {
		t.Error("an idle client with a full bucket was kept")
	}
	if s.m[key{lo: 2}] == nil {
		t.Error("a client with a partly empty bucket was dropped below the cap")
	}
	if len(s.m) != 2 {
		t.Errorf("%d keys, want 2", len(s.m))
	}
}
