package postgres

import (
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// PostgreSQL keeps microseconds; the store rounds every time it is handed
// the same way (toward the past) and returns times in UTC, so a record
// reads back exactly as the store returned it when it was written.

// norm is t as it will read back: UTC, truncated to the microsecond.
func norm(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Truncate(time.Microsecond).UTC()
}

// ts is the value to bind for t: NULL for the zero time.
func ts(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: norm(t), Valid: true}
}

// fromTS is the time a nullable column holds: the zero time for NULL.
func fromTS(v pgtype.Timestamptz) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return v.Time.UTC()
}
