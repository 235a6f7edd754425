// Package clock provides a settable clock for tests. Production code takes
// a func() time.Time (time.Now by default); tests pass Fake.Now.
//
//	c := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
//	pool, _ := userpool.New(ctx, userpool.Config{Clock: c.Now, ...}, s)
//	c.Advance(time.Hour)
package clock

import (
	"sync"
	"time"
)

// Fake is a clock that moves only when told. Safe for concurrent use.
type Fake struct {
	mu  sync.Mutex
	now time.Time
}

// NewFake returns a Fake reading t.
func NewFake(t time.Time) *Fake { return &Fake{now: t} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// Set moves the clock to t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.now = t
	f.mu.Unlock()
}
