package trigger

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"
)

// DefaultReplayCacheSize is the capacity of a [ReplayCache] created with a
// size of zero: room for about 330 deliveries a second over the default
// five-minute window, in about 12 MiB.
const DefaultReplayCacheSize = 100_000

// ReplayStore remembers the delivery IDs a [Receiver] has accepted, until
// their signatures expire. [ReplayCache] keeps them in memory, for one
// process; receivers running as several instances (several servers, or a
// Lambda function, whose concurrent instances share no memory) plug a store
// they all share, for example a table with a unique key and a time to
// live, or a key-value store's set-if-absent with an expiry.
type ReplayStore interface {
	// Add records delivery until expires. It must be atomic across
	// everything sharing the store: of concurrent Adds of one ID that is
	// not recorded, exactly one returns nil. It returns an error matching
	// [ErrReplay] when delivery is recorded and has not expired, and one
	// matching [ErrReplayStoreFull] when it has no room; it must not make
	// room by forgetting an ID that has not expired.
	Add(ctx context.Context, delivery string, expires time.Time) error
	// Remove forgets delivery, so that a retry of it is accepted again.
	// Removing an ID that is not recorded is not an error.
	Remove(ctx context.Context, delivery string) error
}

// ReplayCache is an in-memory [ReplayStore] holding at most a fixed number
// of delivery IDs. Expired IDs are forgotten as new ones are added; when the
// cache is full of unexpired IDs, Add refuses with [ErrReplayStoreFull]
// instead of forgetting one early. It is safe for concurrent use. Create it
// with [NewReplayCache].
type ReplayCache struct {
	size int
	now  func() time.Time

	mu       sync.Mutex
	entries  map[string]*replayEntry
	byExpiry replayHeap
}

// NewReplayCache returns a cache holding at most size delivery IDs (zero or
// negative: [DefaultReplayCacheSize]), which tells expired IDs by the clock
// now (nil: time.Now).
func NewReplayCache(size int, now func() time.Time) *ReplayCache {
	if size <= 0 {
		size = DefaultReplayCacheSize
	}
	if now == nil {
		now = time.Now
	}
	return &ReplayCache{size: size, now: now, entries: map[string]*replayEntry{}}
}

// Add implements [ReplayStore]. An ID whose expiry has already passed is
// not recorded: no signature that could carry it is valid any more.
func (c *ReplayCache) Add(_ context.Context, delivery string, expires time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.forgetExpired(now)
	if _, ok := c.entries[delivery]; ok {
		return fmt.Errorf("%w: delivery %s", ErrReplay, delivery)
	}
	if expires.Before(now) {
		return nil
	}
	if len(c.entries) >= c.size {
		return fmt.Errorf("%w: %d unexpired deliveries", ErrReplayStoreFull, c.size)
	}
	e := &replayEntry{id: delivery, expires: expires}
	c.entries[delivery] = e
	heap.Push(&c.byExpiry, e)
	return nil
}

// Remove implements [ReplayStore].
func (c *ReplayCache) Remove(_ context.Context, delivery string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[delivery]; ok {
		delete(c.entries, delivery)
		heap.Remove(&c.byExpiry, e.index)
	}
	return nil
}

// Len returns how many unexpired delivery IDs the cache holds.
func (c *ReplayCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgetExpired(c.now())
	return len(c.entries)
}

// forgetExpired drops the IDs whose expiry is before now. The heap makes
// this cost nothing while none has expired, so a full cache refuses
// quickly instead of scanning every entry on every Add.
func (c *ReplayCache) forgetExpired(now time.Time) {
	for len(c.byExpiry) > 0 && c.byExpiry[0].expires.Before(now) {
		e := heap.Pop(&c.byExpiry).(*replayEntry)
		delete(c.entries, e.id)
	}
}

type replayEntry struct {
	id      string
	expires time.Time
	index   int // in the heap, kept up to date for heap.Remove
}

// replayHeap orders entries by expiry, earliest first. Expiries come from
// signature timestamps, which may arrive out of order, so a queue in
// arrival order would not do.
type replayHeap []*replayEntry

func (h replayHeap) Len() int           { return len(h) }
func (h replayHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h replayHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *replayHeap) Push(x any) {
	e := x.(*replayEntry)
	e.index = len(*h)
	*h = append(*h, e)
}

func (h *replayHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
