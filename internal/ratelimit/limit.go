package ratelimit

import (
	"errors"
	"fmt"
	"math"

	"golang.org/x/time/rate"
)

// ErrInvalidLimit is matched (errors.Is) by errors reporting a Limit that
// cannot be enforced (a negative rate, a burst below one…).
var ErrInvalidLimit = errors.New("ratelimit: invalid limit")

// Limit is a token bucket: each client starts with Burst tokens, a request
// takes one, and tokens come back at Rate per second up to Burst. The
// zero Limit means no limit.
type Limit struct {
	Rate  rate.Limit // tokens refilled per second; rate.Inf never limits
	Burst int        // bucket size: requests a client may make at once
}

// PerMinute returns the Limit allowing n requests a minute, all of which
// may come at once: n tokens, refilled one every minute/n.
func PerMinute(n int) Limit {
	if n <= 0 {
		return Limit{}
	}
	return Limit{Rate: rate.Limit(float64(n) / 60), Burst: n}
}

// Off reports whether the Limit never refuses a request: the zero Limit,
// or an infinite rate.
func (l Limit) Off() bool {
	return l == Limit{} || l.Rate == rate.Inf
}

// Validate reports a Limit that cannot be enforced, wrapping
// [ErrInvalidLimit]: a negative or NaN rate, a zero rate with a burst
// (a bucket that never refills; the zero Limit turns limiting off), or a
// burst below one with a finite rate (nothing would ever pass).
func (l Limit) Validate() error {
	r := float64(l.Rate)
	switch {
	case l == Limit{}:
		return nil
	case math.IsNaN(r) || r < 0:
		return fmt.Errorf("%w: rate %v per second", ErrInvalidLimit, r)
	case l.Burst < 0:
		return fmt.Errorf("%w: burst %d", ErrInvalidLimit, l.Burst)
	case l.Rate == rate.Inf:
		return nil
	case r == 0:
		return fmt.Errorf("%w: rate 0 with burst %d never refills (the zero Limit means no limit)", ErrInvalidLimit, l.Burst)
	case l.Burst == 0:
		return fmt.Errorf("%w: burst 0 with rate %v per second lets nothing through", ErrInvalidLimit, r)
	}
	return nil
}

// String describes the Limit for logs: "2/s burst 10" or "off".
func (l Limit) String() string {
	if l.Off() {
		return "off"
	}
	return fmt.Sprintf("%v/s burst %d", float64(l.Rate), l.Burst)
}
