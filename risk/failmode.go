package risk

import (
	"context"
	"errors"
	"fmt"
)

// ErrUnavailable is what every failure of an assessor or of a breach
// service wraps: errors.Is(err, ErrUnavailable) tells a pool that the
// answer it got is the fail mode's, not a judgement.
var ErrUnavailable = errors.New("risk: service unavailable")

// UnavailableError is a failed assessment or breach check: which service
// failed and why. It matches ErrUnavailable with errors.Is and unwraps to
// the cause (a timeout is context.DeadlineExceeded, and so on).
type UnavailableError struct {
	Service string // "assessor", "range", "geoip"…
	Err     error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("risk: %s unavailable: %v", e.Service, e.Err)
}

// Unwrap returns the cause and ErrUnavailable.
func (e *UnavailableError) Unwrap() []error { return []error{ErrUnavailable, e.Err} }

// unavailable wraps err unless it already is an UnavailableError.
func unavailable(service string, err error) error {
	if _, ok := errors.AsType[*UnavailableError](err); ok {
		return err
	}
	return &UnavailableError{Service: service, Err: err}
}

// FailMode says what a failed assessment or breach check counts as. The
// zero value, FailClosed, is the safe one.
type FailMode int

const (
	// FailClosed treats a failure as the worst answer: a High risk, a
	// breached password. A pool whose action for that answer is BLOCK
	// blocks.
	FailClosed FailMode = iota
	// FailOpen treats a failure as the best answer: a Low risk, a password
	// not known to be breached. Availability wins over protection.
	FailOpen
)

// String returns "FailClosed" or "FailOpen".
func (m FailMode) String() string {
	if m == FailOpen {
		return "FailOpen"
	}
	return "FailClosed"
}

// ReasonUnavailable is the reason an assessment made up by a fail mode
// carries.
const ReasonUnavailable = "assessor_unavailable"

// Assess asks a and, if it fails, applies the fail mode: the assessment
// returned is then Level High (FailClosed) or Low (FailOpen) with
// ReasonUnavailable, and the error (an *UnavailableError) is returned
// beside it so the pool can log it. The assessment is always usable; the
// error is never nil when the assessment is made up. A nil assessor is a
// failure too.
func (m FailMode) Assess(ctx context.Context, a Assessor, s Signals) (Assessment, error) {
	var (
		as  Assessment
		err error
	)
	if a == nil {
		err = errors.New("no assessor configured")
	} else {
		as, err = a.Assess(ctx, s)
	}
	if err == nil {
		return as, nil
	}
	as = Assessment{Level: Low, Score: 0, Reasons: []string{ReasonUnavailable}}
	if m != FailOpen {
		as.Level, as.Score = High, maxScore
	}
	return as, unavailable("assessor", err)
}

// Breached asks c and, if it fails, applies the fail mode: the answer is
// then true (FailClosed: refuse or block the password) or false
// (FailOpen), and the error (wrapping ErrUnavailable) is returned beside
// it. A nil checker is a failure too.
func (m FailMode) Breached(ctx context.Context, c BreachChecker, password string) (bool, error) {
	if c == nil {
		return m != FailOpen, unavailable("breach", errors.New("no breach checker configured"))
	}
	got, err := c.Breached(ctx, password)
	if err == nil {
		return got, nil
	}
	return m != FailOpen, unavailable("breach", err)
}
