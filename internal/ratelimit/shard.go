package ratelimit

import (
	"sync"
	"time"
	"unsafe"

	"golang.org/x/time/rate"
)

// entry is one client's bucket, linked into its shard's recency list.
type entry struct {
	key        key
	lim        *rate.Limiter
	prev, next *entry // towards the most / least recently used
}

// shardState is a part of the table: a map and a list ordered by last
// use, most recent first, holding at most max entries.
type shardState struct {
	mu         sync.Mutex
	m          map[key]*entry
	head, tail *entry
	max        int
}

// shard pads shardState to its own cache lines so that shards locked by
// different cores do not share one.
type shard struct {
	shardState
	_ [128 - unsafe.Sizeof(shardState{})%128]byte
}

// get returns the entry for k, marked most recently used, creating it
// with a full bucket if there is none. Making room, it first drops idle
// entries whose bucket has refilled (they behave exactly like absent
// ones), then the least recently used. s.mu must be held.
func (s *shardState) get(k key, now time.Time, l Limit) *entry {
	if e := s.m[k]; e != nil {
		s.moveToFront(e)
		return e
	}
	for range 2 {
		if t := s.tail; t != nil && t.lim.TokensAt(now) >= float64(l.Burst) {
			s.remove(t)
		}
	}
	if len(s.m) >= s.max {
		s.remove(s.tail)
	}
	e := &entry{key: k, lim: rate.NewLimiter(l.Rate, l.Burst)}
	s.m[k] = e
	s.pushFront(e)
	return e
}

func (s *shardState) pushFront(e *entry) {
	e.prev, e.next = nil, s.head
	if s.head != nil {
		s.head.prev = e
	}
	s.head = e
	if s.tail == nil {
		s.tail = e
	}
}

func (s *shardState) unlink(e *entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		s.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		s.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

func (s *shardState) moveToFront(e *entry) {
	if s.head == e {
		return
	}
	s.unlink(e)
	s.pushFront(e)
}

func (s *shardState) remove(e *entry) {
	s.unlink(e)
	delete(s.m, e.key)
}
