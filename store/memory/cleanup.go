package memory

import (
	"context"
	"fmt"

	"github.com/cupola-auth/cupola/store"
)

// Cleanup implements store.Cleaner. It holds the store's lock for one walk
// over the maps, which is fine for the test and example sizes this store
// is for.
func (s *Store) Cleanup(ctx context.Context, poolID string, p store.CleanupParams) (int, error) {
	if poolID == "" {
		return 0, invalid("cleanup", "pool id missing")
	}
	if err := p.Check(); err != nil {
		return 0, invalid("cleanup", err.Error())
	}
	if err := s.lock(ctx); err != nil {
		return 0, fmt.Errorf("memory: cleanup: %w", err)
	}
	defer s.mu.Unlock()

	removed := sweep(s.sessions, p.Limit, func(k poolKey, as store.AuthSession) bool {
		return k.pool == poolID && expired(as.ExpiresAt, p.Now)
	})
	removed += sweep(s.codes, p.Limit-removed, func(k codeKey, c store.Code) bool {
		return k.pool == poolID && expired(c.ExpiresAt, p.Now)
	})
	removed += sweep(s.outbox, p.Limit-removed, func(k poolKey, d store.Delivery) bool {
		return k.pool == poolID && expired(d.ExpiresAt, p.Now)
	})
	removed += sweep(s.lockouts, p.Limit-removed, func(k poolKey, st store.LockoutState) bool {
		return k.pool == poolID && p.Forgets(st)
	})
	if !p.EventsBefore.IsZero() {
		removed += sweep(s.events, p.Limit-removed, func(k poolKey, e store.AuthEvent) bool {
			return k.pool == poolID && e.CreatedAt.Before(p.EventsBefore)
		})
	}
	return removed, nil
}

// sweep deletes up to limit entries of m that drop accepts and returns how
// many it deleted.
func sweep[K comparable, V any](m map[K]V, limit int, drop func(K, V) bool) int {
	n := 0
	for k, v := range m {
		if n == limit {
			break
		}
		if drop(k, v) {
			delete(m, k)
			n++
		}
	}
	return n
}
