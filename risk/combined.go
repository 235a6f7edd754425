package risk

import (
	"context"
	"errors"
)

// Combined asks checkers in order, cheapest first (CommonPasswords, then a
// RangeChecker), and stops at the first that finds the password without
// failing: the range service is asked only for passwords the offline list
// does not know. When none finds it, the answer is the OR of their
// answers (so a fail-closed checker's failure still says true) and the
// error joins their errors (errors.Is ErrUnavailable when one failed). Nil checkers are skipped.
func Combined(checkers ...BreachChecker) BreachChecker {
	return combined(append([]BreachChecker(nil), checkers...))
}

type combined []BreachChecker

func (cs combined) Breached(ctx context.Context, password string) (bool, error) {
	var (
		found bool
		errs  []error
	)
	for _, c := range cs {
		if c == nil {
			continue
		}
		got, err := c.Breached(ctx, password)
		if err == nil && got {
			return true, nil
		}
		found = found || got
		if err != nil {
			errs = append(errs, err)
		}
	}
	return found, errors.Join(errs...)
}
