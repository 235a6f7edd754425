package memory

import (
	"context"
	"slices"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// BeginAttempt implements store.Lockouts. The state is read, decided on
// and written under the store's lock, so parallel attempts are each counted.
func (s *Store) BeginAttempt(ctx context.Context, poolID, key string, now time.Time, p store.LockoutPolicy) (store.Attempt, error) {
	if poolID == "" || key == "" {
		return store.Attempt{}, invalid("begin attempt", "pool id or key missing")
	}
	if err := s.lock(ctx); err != nil {
		return store.Attempt{}, err
	}
	defer s.mu.Unlock()

	k := poolKey{poolID, key}
	next, a := p.Decide(s.lockouts[k], now)
	if a.Allowed {
		s.lockouts[k] = next
	}
	return a, nil
}

// BeginAttempts implements store.Lockouts under one lock.
func (s *Store) BeginAttempts(ctx context.Context, poolID string, now time.Time, keys ...store.AttemptKey) ([]store.Attempt, error) {
	if poolID == "" || slices.ContainsFunc(keys, func(k store.AttemptKey) bool { return k.Key == "" }) {
		return nil, invalid("begin attempts", "pool id or a key missing")
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	out := make([]store.Attempt, 0, len(keys))
	for _, key := range keys {
		k := poolKey{poolID, key.Key}
		next, a := key.Policy.Decide(s.lockouts[k], now)
		out = append(out, a)
		if !a.Allowed {
			break
		}
		if !key.Peek {
			s.lockouts[k] = next
		}
	}
	return out, nil
}

// PeekAttempt implements store.Lockouts.
func (s *Store) PeekAttempt(ctx context.Context, poolID, key string, now time.Time, p store.LockoutPolicy) (store.Attempt, error) {
	if poolID == "" || key == "" {
		return store.Attempt{}, invalid("peek attempt", "pool id or key missing")
	}
	if err := s.lock(ctx); err != nil {
		return store.Attempt{}, err
	}
	defer s.mu.Unlock()
	_, a := p.Decide(s.lockouts[poolKey{poolID, key}], now)
	return a, nil
}

// ClearAttempts forgets the keys' counts.
func (s *Store) ClearAttempts(ctx context.Context, poolID string, keys ...string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	for _, key := range keys {
		delete(s.lockouts, poolKey{poolID, key})
	}
	return nil
}
