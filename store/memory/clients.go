package memory

import (
	"context"
	"sort"

	"github.com/cupola-auth/cupola/store"
)

// CreateClient stores a new client with Version 1.
func (s *Store) CreateClient(ctx context.Context, c store.Client) (store.Client, error) {
	if err := validClient("create client", c); err != nil {
		return store.Client{}, err
	}
	if err := s.lock(ctx); err != nil {
		return store.Client{}, err
	}
	defer s.mu.Unlock()

	k := poolKey{c.PoolID, c.ID}
	if _, ok := s.clients[k]; ok {
		return store.Client{}, &store.ExistsError{Key: "id"}
	}
	c = cloneClient(c)
	c.Version = 1
	s.clients[k] = c
	return cloneClient(c), nil
}

// GetClient returns the client with that ID.
func (s *Store) GetClient(ctx context.Context, poolID, id string) (store.Client, error) {
	if err := s.lock(ctx); err != nil {
		return store.Client{}, err
	}
	defer s.mu.Unlock()
	c, ok := s.clients[poolKey{poolID, id}]
	if !ok {
		return store.Client{}, store.ErrNotFound
	}
	return cloneClient(c), nil
}

// UpdateClient replaces the client if c.Version is the stored version.
func (s *Store) UpdateClient(ctx context.Context, c store.Client) (store.Client, error) {
	if err := validClient("update client", c); err != nil {
		return store.Client{}, err
	}
	if err := s.lock(ctx); err != nil {
		return store.Client{}, err
	}
	defer s.mu.Unlock()

	k := poolKey{c.PoolID, c.ID}
	old, ok := s.clients[k]
	if !ok {
		return store.Client{}, store.ErrNotFound
	}
	if old.Version != c.Version {
		return store.Client{}, store.ErrConflict
	}
	c = cloneClient(c)
	c.CreatedAt = old.CreatedAt
	c.Version = old.Version + 1
	s.clients[k] = c
	return cloneClient(c), nil
}

// DeleteClient removes a client.
func (s *Store) DeleteClient(ctx context.Context, poolID, id string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	k := poolKey{poolID, id}
	if _, ok := s.clients[k]; !ok {
		return store.ErrNotFound
	}
	delete(s.clients, k)
	return nil
}

// ListClients returns the pool's clients ordered by ID.
func (s *Store) ListClients(ctx context.Context, poolID string) ([]store.Client, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []store.Client
	for k, c := range s.clients {
		if k.pool == poolID {
			out = append(out, cloneClient(c))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func validClient(op string, c store.Client) error {
	switch {
	case c.PoolID == "":
		return invalid(op, "pool id missing")
	case c.ID == "":
		return invalid(op, "client id missing")
	}
	return nil
}
