package ratelimit

import (
	"errors"
	"math"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestLimitValidate(t *testing.T) {
	good := []Limit{{}, {Rate: 1, Burst: 1}, PerMinute(10), {Rate: rate.Inf}, {Rate: rate.Inf, Burst: 5}, {Rate: 0.001, Burst: 100}}
	for _, l := range good {
		if err := l.Validate(); err != nil {
			t.Errorf("%#v.Validate() = %v, want nil", l, err)
		}
	}
	bad := []Limit{{Rate: -1, Burst: 1}, {Rate: rate.Limit(math.NaN()), Burst: 1}, {Rate: 0, Burst: 5}, {Rate: 5, Burst: 0}, {Rate: 1, Burst: -1}}
	for _, l := range bad {
		if err := l.Validate(); !errors.Is(err, ErrInvalidLimit) {
			t.Errorf("%#v.Validate() = %v, want ErrInvalidLimit", l, err)
		}
		if _, err := New(Options{Limit: l}); !errors.Is(err, ErrInvalidLimit) {
			t.Errorf("New with %#v: %v, want ErrInvalidLimit", l, err)
		}
	}
}

func TestPerMinute(t *testing.T) {
	l := PerMinute(30)
	if l.Burst != 30 || float64(l.Rate) != 0.5 {
		t.Errorf("PerMinute(30) = %v, want 0.5/s burst 30", l)
	}
	if !PerMinute(0).Off() || !PerMinute(-3).Off() {
		t.Error("PerMinute of zero or less is not off")
	}
	if PerMinute(1).Off() {
		t.Error("PerMinute(1) is off")
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int
	}{
		{0, 1}, {-time.Second, 1}, {time.Nanosecond, 1}, {time.Second, 1},
		{time.Second + time.Nanosecond, 2}, {1500 * time.Millisecond, 2}, {30 * time.Second, 30}, {time.Hour, 3600},
	}
	for _, tt := range tests {
		if got := RetryAfterSeconds(tt.d); got != tt.want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}
