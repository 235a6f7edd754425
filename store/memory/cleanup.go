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

	removed := 0
	for k, as := range s.sessions {
		if removed == p.Limit {
			return removed, nil
		}
		if k.pool == poolID && expired(as.ExpiresAt, p.Now) {
			delete(s.sessions, k)
			removed++
		}
	}
	for k, c := range s.codes {
		if removed == p.Limit {
			return removed, nil
		}
		if k.pool == poolID && expired(c.ExpiresAt, p.Now) {
			delete(s.codes, k)
			removed++
		}
	}
	for k, st := range s.lockouts {
		if removed == p.Limit {
			return removed, nil
		}
		if k.pool == poolID && p.Forgets(st) {
			delete(s.lockouts, k)
			removed++
		}
	}
	return removed, nil
}
