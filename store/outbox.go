package store

import (
	"context"
	"errors"
	"time"
)

// Delivery is one message waiting to be sent: a code, a notice. The pool
// queues it instead of sending while the caller waits, so an answer's
// timing depends neither on the mail server nor on whether the user
// exists. Payload is sealed by the pool (it carries codes); the store
// never reads it.
type Delivery struct {
	PoolID  string
	ID      string
	Payload []byte
	// Attempts counts the claims so far: each claim is one try to send.
	Attempts int
	// DueAt is when the delivery may next be claimed: when it was queued,
	// then the end of each claim's lease.
	DueAt time.Time
	// ExpiresAt is when sending stops mattering (the code inside lapsed);
	// an expired delivery is never claimed, and Cleanup removes it.
	ExpiresAt time.Time
	CreatedAt time.Time
}

// Outbox queues deliveries for a sender that may run in another instance
// sharing the store. Delivery is at least once: a sender that crashed
// between sending and DeleteDelivery leaves the delivery to be claimed
// again when its lease ends.
type Outbox interface {
	// EnqueueDelivery stores d; an existing ID is *ExistsError.
	EnqueueDelivery(ctx context.Context, d Delivery) error
	// ClaimDeliveries takes up to limit deliveries of poolID that are due
	// and unexpired at now, the earliest due first (returned in no
	// particular order). Each one's Attempts is
	// incremented and its DueAt moved to now+lease in the same atomic
	// step, so concurrent claimers (in this process or another) never get
	// the same delivery while its lease runs. The claimed deliveries are
	// returned as updated.
	ClaimDeliveries(ctx context.Context, poolID string, now time.Time, lease time.Duration, limit int) ([]Delivery, error)
	// DeleteDelivery removes a delivery that was sent or given up on.
	// Absent: ErrNotFound.
	DeleteDelivery(ctx context.Context, poolID, id string) error
}

// Check reports what is wrong with d, if anything: stores refuse such a
// delivery with ErrInvalid, since no claimer could handle it.
func (d Delivery) Check() error {
	switch {
	case d.PoolID == "":
		return errors.New("pool id missing")
	case d.ID == "":
		return errors.New("id missing")
	case len(d.Payload) == 0:
		return errors.New("payload missing")
	case d.DueAt.IsZero() || d.ExpiresAt.IsZero():
		return errors.New("due or expiry time missing")
	}
	return nil
}

// CheckClaim reports what is wrong with ClaimDeliveries' arguments, if
// anything; stores refuse such a call with ErrInvalid.
func CheckClaim(poolID string, lease time.Duration, limit int) error {
	switch {
	case poolID == "":
		return errors.New("pool id missing")
	case lease <= 0:
		return errors.New("lease must be positive")
	case limit <= 0:
		return errors.New("limit must be positive")
	}
	return nil
}
