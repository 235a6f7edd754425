package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"
)

// Invoke runs fn on ev under a deadline and returns its outcome. The pool
// calls every trigger through it.
//
//   - A nil fn does nothing and returns nil.
//   - fn runs in its own goroutine on a deep copy of ev, with a context that
//     ends after timeout (zero or negative: [DefaultTimeout]) or at ctx's own
//     deadline if that is sooner.
//   - When fn returns nil in time, ev's Response becomes the copy's
//     Response; anything fn did to the request part is dropped.
//   - When fn returns an error in time, the error is returned unchanged and
//     ev is left as it was.
//   - When the deadline passes first, Invoke returns an error matching
//     [ErrTimeout] and [context.DeadlineExceeded] without waiting: fn's
//     goroutine is abandoned, and since it only holds the copy, its later
//     writes never reach ev. Its context is cancelled; a trigger that
//     ignores it keeps its goroutine until it returns. (If ctx is cancelled
//     rather than timed out, ctx's error is returned.)
//   - A panic in fn is recovered into a [*PanicError] matching [ErrPanic].
//
// ev is one of this package's event types; any other type is copied by a
// JSON round trip and adopted whole.
func Invoke[E any](ctx context.Context, timeout time.Duration, fn func(context.Context, *E) error, ev *E) error {
	if fn == nil {
		return nil
	}
	if ev == nil {
		return ErrNilEvent
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if err := ctx.Err(); err != nil {
		return contextError(err)
	}
	work, err := copyEvent(ev)
	if err != nil {
		return err
	}

	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// Buffered: an abandoned trigger must be able to finish without a
	// receiver.
	done := make(chan error, 1)
	go runTrigger(tctx, fn, work, done)

	select {
	case err := <-done:
		if err != nil {
			var pe *PanicError
			if tctx.Err() != nil && !errors.As(err, &pe) &&
				(errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
				// fn gave up because its context ended: report why.
				return contextError(tctx.Err())
			}
			return err
		}
		adopt(ev, work)
		return nil
	case <-tctx.Done():
		return contextError(tctx.Err())
	}
}

// runTrigger calls fn and sends exactly one result, whatever fn does.
func runTrigger[E any](ctx context.Context, fn func(context.Context, *E) error, ev *E, done chan<- error) {
	returned := false
	defer func() {
		if r := recover(); r != nil {
			done <- &PanicError{Value: r, Stack: debug.Stack()}
			return
		}
		if !returned {
			// runtime.Goexit: no value, no return.
			done <- &PanicError{Value: "trigger called runtime.Goexit", Stack: debug.Stack()}
		}
	}()
	err := fn(ctx, ev)
	returned = true
	done <- err
}

// contextError turns the end of a trigger's context into Invoke's error.
func contextError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrTimeout, context.DeadlineExceeded)
	}
	return err
}

// copyEvent returns a deep copy of ev that shares no maps, slices or
// pointers with it.
func copyEvent[E any](ev *E) (*E, error) {
	if e, ok := any(ev).(event); ok {
		if c, ok := e.cloneEvent().(*E); ok {
			return c, nil
		}
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("copy trigger event: %w", err)
	}
	c := new(E)
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("copy trigger event: %w", err)
	}
	return c, nil
}

// adopt moves the trigger's result into the caller's event: the Response
// only for this package's events, the whole value otherwise.
func adopt[E any](ev, result *E) {
	if e, ok := any(ev).(event); ok {
		e.takeResponse(result)
		return
	}
	*ev = *result
}
