package store

import (
	"context"
	"errors"
	"time"
)

// CleanupParams says which records a Cleanup call may remove, and how many.
// The times are fields rather than arguments because two instants side by
// side are easy to swap, and a swap here would delete live state.
type CleanupParams struct {
	// Now is the instant records are judged at, as every other method of
	// the contract takes it: a code or auth session is expired at Now when
	// Now is not before its ExpiresAt.
	Now time.Time
	// IdleBefore is where a lockout key's quiet time must begin, at the
	// latest, for the key to be forgotten: a key whose last attempt and
	// lock both ended before it. Callers pass Now minus the longest
	// ResetAfter of the policies the pool's keys are counted with, so that
	// every one of those policies would restart the key's count from zero
	// at its next attempt: deleting the row changes no decision.
	IdleBefore time.Time
	// KeepFailures keeps every lockout key with at least this many
	// failures, however old: a key at a policy's HardLimit stays locked
	// until ClearAttempts, and deleting its row would unlock it. The store
	// does not know which policy a key is counted with, so callers pass the
	// smallest non-zero HardLimit among the pool's policies; zero keeps no
	// key for its count.
	KeepFailures int
	// EventsBefore is the retention cutoff for authentication events: an
	// event created before it is removed. The zero time keeps every event,
	// so a caller that sets no retention loses none. It may not be after
	// Now: a cutoff in the future is a swapped or mistaken argument, and
	// would delete the events just written.
	EventsBefore time.Time
	// Limit is the most records one call removes, over every kind, so one
	// call is a bounded amount of work (a few short write transactions).
	Limit int
}

// Check reports what is wrong with the parameters, if anything. Stores
// refuse such a call with ErrInvalid: IdleBefore after Now or a missing
// time would make Forgets remove keys that are still counted.
func (c CleanupParams) Check() error {
	switch {
	case c.Now.IsZero():
		return errors.New("now missing")
	case c.IdleBefore.IsZero():
		return errors.New("idle-before missing")
	case c.IdleBefore.After(c.Now):
		return errors.New("idle-before is after now")
	case !c.EventsBefore.IsZero() && c.EventsBefore.After(c.Now):
		return errors.New("events-before is after now")
	case c.KeepFailures < 0:
		return errors.New("keep-failures is negative")
	case c.Limit <= 0:
		return errors.New("limit must be positive")
	}
	return nil
}

// Forgets reports whether Cleanup may delete a lockout key in state s: the
// key is not locked at Now, has been quiet since before IdleBefore (its
// last attempt and the end of its lock both before it) and has fewer than
// KeepFailures failures. Every policy whose ResetAfter is at most
// Now-IdleBefore and whose HardLimit is zero or at least KeepFailures then
// decides the key's next attempt as it decides a key with no row (see
// LockoutPolicy.Decide). The SQL stores write the same rule as a WHERE
// clause; this is its reference.
func (c CleanupParams) Forgets(s LockoutState) bool {
	if c.KeepFailures > 0 && s.Failures >= c.KeepFailures {
		return false
	}
	return s.LastAttempt.Before(c.IdleBefore) && s.LockedUntil.Before(c.IdleBefore) && !c.Now.Before(s.LockedUntil)
}

// Cleaner removes the records of a pool that can no longer matter, so the
// store does not grow without bound: the lookups of the contract already
// treat expired codes and sessions as absent and forgettable lockout keys
// as never attempted, and keys are made by unauthenticated callers
// (unknown usernames, decoy challenge sessions).
type Cleaner interface {
	// Cleanup deletes at most p.Limit records of poolID and returns how
	// many it deleted:
	//   - auth sessions expired at p.Now;
	//   - codes expired at p.Now;
	//   - deliveries expired at p.Now, sent or not;
	//   - lockout keys that p.Forgets;
	//   - auth events created before p.EventsBefore (none when it is
	//     zero).
	// Nothing else goes: refresh-token families stay until their user does,
	// because a family's access tokens are checked against it. Other pools
	// are untouched. A call that deletes fewer than p.Limit found nothing
	// more to delete (records written meanwhile aside), so a caller that
	// wants everything gone repeats the call until then. Each kind is
	// deleted in a short write of its own, so a call never holds a store
	// lock for long; on an error the count of what was deleted before it
	// is returned with it. Malformed params are ErrInvalid.
	Cleanup(ctx context.Context, poolID string, p CleanupParams) (removed int, err error)
}

// Exclusive is implemented by stores that several instances share (the
// PostgreSQL store), so that periodic work such as a cleanup run happens
// on one instance at a time rather than on all of them at once, each
// competing for the same rows. A store only one process opens (memory,
// SQLite) does not implement it; callers then just run the work.
type Exclusive interface {
	// TryExclusive takes the lock named name if no other instance holds
	// it, without waiting. It reports false when another holds it. A true
	// answer comes with release, which gives the lock back; the lock is
	// also given back when the instance's connection ends, so a crashed
	// instance does not hold it.
	TryExclusive(ctx context.Context, name string) (release func(), ok bool, err error)
}
