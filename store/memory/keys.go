package memory

import (
	"context"
	"sort"

	"github.com/cupola-auth/cupola/store"
)

// PutSigningKey inserts or replaces the key with that ID.
func (s *Store) PutSigningKey(ctx context.Context, k store.SigningKey) error {
	switch {
	case k.PoolID == "":
		return invalid("put signing key", "pool id missing")
	case k.ID == "":
		return invalid("put signing key", "key id missing")
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.keys[poolKey{k.PoolID, k.ID}] = cloneKey(k)
	return nil
}

// ListSigningKeys returns the pool's keys ordered by Published, then ID.
func (s *Store) ListSigningKeys(ctx context.Context, poolID string) ([]store.SigningKey, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []store.SigningKey
	for pk, k := range s.keys {
		if pk.pool == poolID {
			out = append(out, cloneKey(k))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if c := out[i].Published.Compare(out[j].Published); c != 0 {
			return c < 0
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// DeleteSigningKey removes a key.
func (s *Store) DeleteSigningKey(ctx context.Context, poolID, id string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	k := poolKey{poolID, id}
	if _, ok := s.keys[k]; !ok {
		return store.ErrNotFound
	}
	delete(s.keys, k)
	return nil
}
