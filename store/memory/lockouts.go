package memory

import (
	"context"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// lockout is one key's attempt counter.
type lockout struct {
	failures    int
	last        time.Time
	lockedUntil time.Time
}

// BeginAttempt registers an attempt on key unless the key is locked.
func (s *Store) BeginAttempt(ctx context.Context, poolID, key string, now time.Time, p store.LockoutPolicy) (store.Attempt, error) {
	if poolID == "" || key == "" {
		return store.Attempt{}, invalid("begin attempt", "pool id or key missing")
	}
	if err := s.lock(ctx); err != nil {
		return store.Attempt{}, err
	}
	defer s.mu.Unlock()

	k := poolKey{poolID, key}
	l := s.lockouts[k]
	if now.Before(l.lockedUntil) {
		return store.Attempt{Allowed: false, Failures: l.failures, LockedUntil: l.lockedUntil}, nil
	}
	if now.Sub(l.last) > p.ResetAfter {
		l.failures = 0
	}
	l.failures++
	l.last = now
	l.lockedUntil = now.Add(p.LockFor(l.failures))
	s.lockouts[k] = l
	return store.Attempt{Allowed: true, Failures: l.failures, LockedUntil: l.lockedUntil}, nil
}

// ClearAttempts forgets the key's count.
func (s *Store) ClearAttempts(ctx context.Context, poolID, key string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	delete(s.lockouts, poolKey{poolID, key})
	return nil
}
