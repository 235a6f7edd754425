package userpool

import (
	"errors"

	"github.com/cupola-auth/cupola/store"
)

// casRetries bounds how often a compare-and-swap update rereads after a
// concurrent change before giving up with TooManyRequestsException.
const casRetries = 5

// updateRecord reads a record, applies change and writes it back with the
// store's compare-and-swap, rereading when another writer got there first.
// A record missing at read or write is notFound; other store failures are
// internal errors of op.
func updateRecord[T any](op string, notFound *Error, read func() (T, error), write func(T) (T, error), change func(*T)) (T, error) {
	var zero T
	for range casRetries {
		rec, err := read()
		if errors.Is(err, store.ErrNotFound) {
			return zero, notFound
		}
		if err != nil {
			return zero, internalErr(op, err)
		}
		change(&rec)
		rec, err = write(rec)
		switch {
		case errors.Is(err, store.ErrConflict):
			continue
		case errors.Is(err, store.ErrNotFound):
			return zero, notFound
		case err != nil:
			return zero, internalErr(op, err)
		}
		return rec, nil
	}
	return zero, newErr(CodeTooManyRequests, "The record is being changed concurrently; retry.")
}
