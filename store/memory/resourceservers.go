package memory

import (
	"context"
	"sort"

	"github.com/cupola-auth/cupola/store"
)

// CreateResourceServer stores a new resource server with Version 1.
func (s *Store) CreateResourceServer(ctx context.Context, r store.ResourceServer) (store.ResourceServer, error) {
	if err := validResourceServer("create resource server", r); err != nil {
		return store.ResourceServer{}, err
	}
	if err := s.lock(ctx); err != nil {
		return store.ResourceServer{}, err
	}
	defer s.mu.Unlock()

	k := poolKey{r.PoolID, r.Identifier}
	if _, ok := s.servers[k]; ok {
		return store.ResourceServer{}, &store.ExistsError{Key: "identifier"}
	}
	r = cloneServer(r)
	r.Version = 1
	s.servers[k] = r
	return cloneServer(r), nil
}

// GetResourceServer returns the resource server with that identifier.
func (s *Store) GetResourceServer(ctx context.Context, poolID, identifier string) (store.ResourceServer, error) {
	if err := s.lock(ctx); err != nil {
		return store.ResourceServer{}, err
	}
	defer s.mu.Unlock()
	r, ok := s.servers[poolKey{poolID, identifier}]
	if !ok {
		return store.ResourceServer{}, store.ErrNotFound
	}
	return cloneServer(r), nil
}

// UpdateResourceServer replaces the server if r.Version is the stored
// version.
func (s *Store) UpdateResourceServer(ctx context.Context, r store.ResourceServer) (store.ResourceServer, error) {
	if err := validResourceServer("update resource server", r); err != nil {
		return store.ResourceServer{}, err
	}
	if err := s.lock(ctx); err != nil {
		return store.ResourceServer{}, err
	}
	defer s.mu.Unlock()

	k := poolKey{r.PoolID, r.Identifier}
	old, ok := s.servers[k]
	if !ok {
		return store.ResourceServer{}, store.ErrNotFound
	}
	if old.Version != r.Version {
		return store.ResourceServer{}, store.ErrConflict
	}
	r = cloneServer(r)
	r.CreatedAt = old.CreatedAt
	r.Version = old.Version + 1
	s.servers[k] = r
	return cloneServer(r), nil
}

// DeleteResourceServer removes a resource server.
func (s *Store) DeleteResourceServer(ctx context.Context, poolID, identifier string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	k := poolKey{poolID, identifier}
	if _, ok := s.servers[k]; !ok {
		return store.ErrNotFound
	}
	delete(s.servers, k)
	return nil
}

// ListResourceServers returns the pool's servers ordered by identifier.
func (s *Store) ListResourceServers(ctx context.Context, poolID string) ([]store.ResourceServer, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []store.ResourceServer
	for k, r := range s.servers {
		if k.pool == poolID {
			out = append(out, cloneServer(r))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Identifier < out[j].Identifier })
	return out, nil
}

func validResourceServer(op string, r store.ResourceServer) error {
	switch {
	case r.PoolID == "":
		return invalid(op, "pool id missing")
	case r.Identifier == "":
		return invalid(op, "identifier missing")
	}
	return nil
}
