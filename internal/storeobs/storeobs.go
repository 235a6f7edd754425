// Package storeobs decorates a store.Store with OpenTelemetry: every
// method that takes a context records its duration in the
// cupola.store.duration histogram (seconds, attribute operation = the
// method's name, such as "GetUserByUsername") and runs inside a span named
// "store.<method>", a child of the caller's span. Arguments and results are
// never recorded: they hold usernames, code and token hashes. A failed call
// marks its span with error.type, a fixed class of the store's sentinel
// errors (not_found, exists, conflict…), never the error's text.
//
// userpool applies it only when a MeterProvider or TracerProvider is
// configured, so a pool without them calls its store directly.
package storeobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/cupola-auth/cupola/store"
)

// ScopeName is the instrumentation scope of the meter and tracer.
const ScopeName = "github.com/cupola-auth/cupola/store"

// MetricDuration is the histogram of store call durations, in seconds.
const MetricDuration = "cupola.store.duration"

// Store is a store.Store whose calls are timed and traced. Close and any
// method added to store.Store later without a wrapper here pass through
// untimed (TestEveryMethod guards against the latter).
type Store struct {
	store.Store
	duration metric.Float64Histogram
	tracer   trace.Tracer
	// attrs are the histogram's attribute sets, one per operation, built
	// once so a call allocates none.
	attrs [numOps]metric.MeasurementOption
	// spanAttrs are each operation's span attributes.
	spanAttrs [numOps]trace.SpanStartOption
}

// operation indexes the wrapped methods (methods.go).
type operation int

// New wraps s. Nil providers mean no-op ones; attrs are added to every
// measurement and span (the pool's ID, for one).
func New(s store.Store, mp metric.MeterProvider, tp trace.TracerProvider, attrs ...attribute.KeyValue) (*Store, error) {
	o := &Store{Store: s}
	if mp != nil {
		h, err := mp.Meter(ScopeName).Float64Histogram(MetricDuration,
			metric.WithDescription("Duration of store calls, by operation."), metric.WithUnit("s"),
			metric.WithExplicitBucketBoundaries(0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
				0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
		if err != nil {
			return nil, fmt.Errorf("storeobs: %w", err)
		}
		o.duration = h
	}
	if tp != nil {
		o.tracer = tp.Tracer(ScopeName)
	}
	for op := range numOps {
		kv := append([]attribute.KeyValue{attribute.String("operation", opNames[op])}, attrs...)
		o.attrs[op] = metric.WithAttributeSet(attribute.NewSet(kv...))
		o.spanAttrs[op] = trace.WithAttributes(append([]attribute.KeyValue{attribute.String("db.operation.name", opNames[op])}, attrs...)...)
	}
	return o, nil
}

// call is one store call in progress.
type call struct {
	s     *Store
	op    operation
	start time.Time
	span  trace.Span
}

func (s *Store) begin(ctx context.Context, op operation) (context.Context, call) {
	c := call{s: s, op: op, start: time.Now()}
	if s.tracer != nil {
		ctx, c.span = s.tracer.Start(ctx, "store."+opNames[op], trace.WithSpanKind(trace.SpanKindClient), s.spanAttrs[op])
	}
	return ctx, c
}

func (c call) end(ctx context.Context, err error) {
	if c.s.duration != nil {
		c.s.duration.Record(ctx, time.Since(c.start).Seconds(), c.s.attrs[c.op])
	}
	if c.span == nil {
		return
	}
	if err != nil {
		class := ErrorClass(err)
		c.span.SetAttributes(attribute.String("error.type", class))
		if class == "other" || class == "invalid" || class == "canceled" {
			// The others are answers (no such user, a lost race), not faults.
			c.span.SetStatus(codes.Error, class)
		}
	}
	c.span.End()
}

// ErrorClass names a store error without its text: the sentinel it
// matches, "canceled" for a context ended, or "other".
func ErrorClass(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, store.ErrNotFound):
		return "not_found"
	case errors.Is(err, store.ErrExists):
		return "exists"
	case errors.Is(err, store.ErrConflict):
		return "conflict"
	case errors.Is(err, store.ErrCodeMismatch):
		return "code_mismatch"
	case errors.Is(err, store.ErrRevoked):
		return "revoked"
	case errors.Is(err, store.ErrTokenReuse):
		return "token_reuse"
	case errors.Is(err, store.ErrInvalid):
		return "invalid"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	}
	return "other"
}
