package trigger

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand; safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func testID(n int) string { return fmt.Sprintf("%032x", n) }

func TestReplayCacheForgetsExpiredDeliveries(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c := NewReplayCache(10, clock.Now)
	ctx := t.Context()
	if err := c.Add(ctx, testID(1), clock.Now().Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := c.Add(ctx, testID(1), clock.Now().Add(5*time.Minute)); !errors.Is(err, ErrReplay) {
		t.Fatalf("second add: err = %v, want ErrReplay", err)
	}
	clock.Add(5 * time.Minute)
	if err := c.Add(ctx, testID(1), clock.Now().Add(5*time.Minute)); !errors.Is(err, ErrReplay) {
		t.Fatalf("at the expiry itself (the signature is still valid): err = %v, want ErrReplay", err)
	}
	clock.Add(time.Second)
	if n := c.Len(); n != 0 {
		t.Fatalf("Len = %d after the expiry, want 0", n)
	}
	if err := c.Add(ctx, testID(1), clock.Now().Add(5*time.Minute)); err != nil {
		t.Fatalf("after the expiry: %v", err)
	}
}

func TestReplayCache(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name string
		run  func(t *testing.T, c *ReplayCache, clock *fakeClock)
	}{
		{"a full cache refuses a new delivery and keeps the ones it has", func(t *testing.T, c *ReplayCache, clock *fakeClock) {
			add(t, c, 1, start.Add(time.Minute), nil)
			add(t, c, 2, start.Add(time.Minute), nil)
			add(t, c, 3, start.Add(time.Minute), ErrReplayStoreFull)
			add(t, c, 1, start.Add(time.Minute), ErrReplay)
			add(t, c, 2, start.Add(time.Minute), ErrReplay)
		}},
		{"an expired delivery makes room", func(t *testing.T, c *ReplayCache, clock *fakeClock) {
			add(t, c, 1, start.Add(2*time.Minute), nil)
			add(t, c, 2, start.Add(time.Minute), nil)
			clock.Add(time.Minute + time.Second)
			add(t, c, 3, start.Add(5*time.Minute), nil)
			add(t, c, 1, start.Add(2*time.Minute), ErrReplay) // the later expiry, added first, is kept
		}},
		{"a removed delivery is accepted again and frees its place", func(t *testing.T, c *ReplayCache, clock *fakeClock) {
			add(t, c, 1, start.Add(time.Minute), nil)
			add(t, c, 2, start.Add(time.Minute), nil)
			if err := c.Remove(t.Context(), testID(1)); err != nil {
				t.Fatal(err)
			}
			add(t, c, 1, start.Add(time.Minute), nil)
			add(t, c, 3, start.Add(time.Minute), ErrReplayStoreFull)
		}},
		{"removing an unknown delivery is not an error", func(t *testing.T, c *ReplayCache, clock *fakeClock) {
			if err := c.Remove(t.Context(), testID(9)); err != nil {
				t.Fatal(err)
			}
		}},
		{"a delivery that has already expired is not kept", func(t *testing.T, c *ReplayCache, clock *fakeClock) {
			add(t, c, 1, start.Add(-time.Second), nil)
			if n := c.Len(); n != 0 {
				t.Errorf("Len = %d, want 0", n)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{t: start}
			tc.run(t, NewReplayCache(2, clock.Now), clock)
		})
	}
	t.Run("a size of zero means the default size", func(t *testing.T) {
		if c := NewReplayCache(0, nil); c.size != DefaultReplayCacheSize {
			t.Errorf("size = %d", c.size)
		}
	})
}

func add(t *testing.T, c *ReplayCache, id int, expires time.Time, want error) {
	t.Helper()
	err := c.Add(t.Context(), testID(id), expires)
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Errorf("Add(%d) err = %v, want %v", id, err, want)
	}
}

// TestReplayCacheMatchesAModel runs random adds, removes and clock moves
// against the cache and against a plain map scanned in full, so a heap
// that loses track of an entry shows up as a difference.
func TestReplayCacheMatchesAModel(t *testing.T) {
	const size = 8
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c := NewReplayCache(size, clock.Now)
	model := map[string]time.Time{}
	rng := rand.New(rand.NewPCG(1, 2))
	for step := range 20_000 {
		id := testID(rng.IntN(20))
		switch op := rng.IntN(10); {
		case op < 6:
			now := clock.Now()
			expires := now.Add(time.Duration(rng.IntN(60)-5) * time.Second)
			for k, e := range model {
				if e.Before(now) {
					delete(model, k)
				}
			}
			var want error
			switch _, seen := model[id]; {
			case seen:
				want = ErrReplay
			case expires.Before(now):
			case len(model) >= size:
				want = ErrReplayStoreFull
			default:
				model[id] = expires
			}
			if err := c.Add(t.Context(), id, expires); want == nil && err != nil || want != nil && !errors.Is(err, want) {
				t.Fatalf("step %d: Add(%s) err = %v, want %v", step, id, err, want)
			}
		case op < 8:
			delete(model, id)
			if err := c.Remove(t.Context(), id); err != nil {
				t.Fatal(err)
			}
		default:
			clock.Add(time.Duration(rng.IntN(5)) * time.Second)
		}
		if len(c.entries) != len(c.byExpiry) {
			t.Fatalf("step %d: %d entries, %d in the heap", step, len(c.entries), len(c.byExpiry))
		}
	}
}

func TestReplayCacheUnderConcurrency(t *testing.T) {
	const size, workers, perWorker = 50, 8, 100
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	expires := clock.Now().Add(time.Minute)

	t.Run("the bound holds", func(t *testing.T) {
		c := NewReplayCache(size, clock.Now)
		var accepted, full atomic.Int32
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range perWorker {
					err := c.Add(t.Context(), testID(w*perWorker+i), expires)
					switch {
					case err == nil:
						accepted.Add(1)
					case errors.Is(err, ErrReplayStoreFull):
						full.Add(1)
					default:
						t.Errorf("err = %v", err)
					}
					if n := c.Len(); n > size {
						t.Errorf("Len = %d, above the bound %d", n, size)
					}
				}
			})
		}
		wg.Wait()
		if accepted.Load() != size || full.Load() != workers*perWorker-size || c.Len() != size {
			t.Errorf("accepted %d, refused as full %d, Len %d; want %d, %d, %d",
				accepted.Load(), full.Load(), c.Len(), size, workers*perWorker-size, size)
		}
	})
	t.Run("one delivery is accepted once", func(t *testing.T) {
		c := NewReplayCache(size, clock.Now)
		var accepted, replays atomic.Int32
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				switch err := c.Add(t.Context(), testID(1), expires); {
				case err == nil:
					accepted.Add(1)
				case errors.Is(err, ErrReplay):
					replays.Add(1)
				default:
					t.Errorf("err = %v", err)
				}
			})
		}
		wg.Wait()
		if accepted.Load() != 1 || replays.Load() != workers-1 {
			t.Errorf("accepted %d, replays %d; want 1, %d", accepted.Load(), replays.Load(), workers-1)
		}
	})
}
