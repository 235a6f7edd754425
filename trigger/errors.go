package trigger

import (
	"errors"
	"fmt"
)

// Errors returned by [Invoke], [HTTP], [VerifySignature], [Receiver] and
// [ReplayCache]. A trigger's own error is returned unchanged.
var (
	// ErrTimeout: the trigger did not finish before its deadline.
	ErrTimeout = errors.New("trigger timed out")
	// ErrPanic: the trigger panicked; the error is a [*PanicError].
	ErrPanic = errors.New("trigger panicked")
	// ErrNilEvent: Invoke was given a nil event.
	ErrNilEvent = errors.New("trigger event is nil")
	// ErrInvalidConfig: an HTTP trigger's endpoint or options, or a
	// signature secret, are not usable.
	ErrInvalidConfig = errors.New("invalid trigger configuration")
	// ErrInvalidResponse: an HTTP trigger answered 2xx with something that
	// is not an event of the right shape.
	ErrInvalidResponse = errors.New("invalid trigger response")
	// ErrResponseTooLarge: an HTTP trigger's answer exceeded
	// [HTTPOptions.MaxResponseBytes]; it also matches ErrInvalidResponse.
	ErrResponseTooLarge = errors.New("trigger response too large")
	// ErrUnavailable: an HTTP trigger's endpoint could not be reached.
	ErrUnavailable = errors.New("trigger endpoint unavailable")
	// ErrSignatureInvalid: a signature header is malformed or does not
	// match the body.
	ErrSignatureInvalid = errors.New("invalid trigger signature")
	// ErrSignatureExpired: a signature's timestamp is outside the replay
	// window.
	ErrSignatureExpired = errors.New("trigger signature expired")
	// ErrReplay: a delivery ID was already accepted within its signature's
	// window; the request is a replay, or a retry of a delivery the
	// receiver has taken.
	ErrReplay = errors.New("trigger delivery replayed")
	// ErrReplayStoreFull: a [ReplayStore] has no room for another delivery
	// ID. The delivery is refused rather than an ID forgotten early, which
	// would let that ID be replayed.
	ErrReplayStoreFull = errors.New("trigger replay store full")
)

// PanicError is returned by [Invoke] when the trigger panicked. It matches
// [ErrPanic]; when the panic value is an error, it also unwraps to it.
type PanicError struct {
	// Value is the value the trigger panicked with.
	Value any
	// Stack is the trigger goroutine's stack at the panic, for logs.
	Stack []byte
}

// Error describes the panic.
func (e *PanicError) Error() string { return fmt.Sprintf("trigger panicked: %v", e.Value) }

// Is reports whether target is [ErrPanic].
func (e *PanicError) Is(target error) bool { return target == ErrPanic }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// StatusError is returned by an [HTTP] trigger whose endpoint answered with a
// status other than 2xx. Its text is the endpoint's message, so a Lambda
// handler's thrown error reads as it does in Cognito.
type StatusError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Message is the body's errorMessage (Lambda's error JSON) or a short
	// sanitized excerpt of the body; empty when there was none.
	Message string
}

// Error returns Message, or the status when there is no message.
func (e *StatusError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("trigger endpoint returned status %d", e.StatusCode)
}
