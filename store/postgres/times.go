package postgres

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// PostgreSQL keeps microseconds; the store rounds every time it is handed
// the same way (toward the past) and returns times in UTC, so a record
// reads back exactly as the store returned it when it was written.

// errTimeRange is what binding a time PostgreSQL cannot hold gives; wrap
// turns it into store.ErrInvalid.
var errTimeRange = errors.New("time outside the range PostgreSQL keeps (years 1 to 294275)")

// norm is t as it will read back: UTC, truncated to the microsecond.
func norm(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Truncate(time.Microsecond).UTC()
}

// ts is the value to bind for t: NULL for the zero time. It is checked
// when pgx encodes it, because pgx would silently wrap a time whose
// microseconds overflow an int64.
func ts(t time.Time) timeParam { return timeParam(t) }

type timeParam time.Time

// TimestamptzValue implements pgtype.TimestamptzValuer.
func (p timeParam) TimestamptzValue() (pgtype.Timestamptz, error) {
	t := time.Time(p)
	if t.IsZero() {
		return pgtype.Timestamptz{}, nil
	}
	if y := t.UTC().Year(); y < 1 || y > 294275 {
		return pgtype.Timestamptz{}, errTimeRange
	}
	return pgtype.Timestamptz{Time: norm(t), Valid: true}, nil
}

// fromTS is the time a nullable column holds: the zero time for NULL.
func fromTS(v pgtype.Timestamptz) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return v.Time.UTC()
}
