package memory

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/cupola-auth/cupola/store"
)

func cloneProvider(p store.IdentityProvider) store.IdentityProvider {
	p.Details = cloneBytes(p.Details)
	p.AttributeMapping = maps.Clone(p.AttributeMapping)
	p.Identifiers = slices.Clone(p.Identifiers)
	return p
}

// identifierHolder returns the provider of the pool other than except
// that holds identifier, if any. The caller holds the lock.
func (s *Store) identifierHolder(poolID, identifier, except string) (string, bool) {
	for k, p := range s.providers {
		if k.pool == poolID && k.key != except && slices.Contains(p.Identifiers, identifier) {
			return k.key, true
		}
	}
	return "", false
}

// CreateIdentityProvider implements store.IdentityProviders.
func (s *Store) CreateIdentityProvider(ctx context.Context, p store.IdentityProvider) (store.IdentityProvider, error) {
	if err := p.Check(); err != nil {
		return store.IdentityProvider{}, invalid("create identity provider", err.Error())
	}
	if err := s.lock(ctx); err != nil {
		return store.IdentityProvider{}, err
	}
	defer s.mu.Unlock()
	k := poolKey{p.PoolID, p.Name}
	if _, ok := s.providers[k]; ok {
		return store.IdentityProvider{}, &store.ExistsError{Key: "provider"}
	}
	for _, id := range p.Identifiers {
		if _, taken := s.identifierHolder(p.PoolID, id, ""); taken {
			return store.IdentityProvider{}, &store.ExistsError{Key: "idp_identifier"}
		}
	}
	p = cloneProvider(p)
	p.Version = 1
	s.providers[k] = p
	return cloneProvider(p), nil
}

// GetIdentityProvider implements store.IdentityProviders.
func (s *Store) GetIdentityProvider(ctx context.Context, poolID, name string) (store.IdentityProvider, error) {
	if err := s.lock(ctx); err != nil {
		return store.IdentityProvider{}, err
	}
	defer s.mu.Unlock()
	p, ok := s.providers[poolKey{poolID, name}]
	if !ok {
		return store.IdentityProvider{}, store.ErrNotFound
	}
	return cloneProvider(p), nil
}

// GetIdentityProviderByIdentifier implements store.IdentityProviders.
func (s *Store) GetIdentityProviderByIdentifier(ctx context.Context, poolID, identifier string) (store.IdentityProvider, error) {
	if err := s.lock(ctx); err != nil {
		return store.IdentityProvider{}, err
	}
	defer s.mu.Unlock()
	name, ok := s.identifierHolder(poolID, identifier, "")
	if !ok || identifier == "" {
		return store.IdentityProvider{}, store.ErrNotFound
	}
	return cloneProvider(s.providers[poolKey{poolID, name}]), nil
}

// UpdateIdentityProvider implements store.IdentityProviders.
func (s *Store) UpdateIdentityProvider(ctx context.Context, p store.IdentityProvider) (store.IdentityProvider, error) {
	if err := p.Check(); err != nil {
		return store.IdentityProvider{}, invalid("update identity provider", err.Error())
	}
	if err := s.lock(ctx); err != nil {
		return store.IdentityProvider{}, err
	}
	defer s.mu.Unlock()
	k := poolKey{p.PoolID, p.Name}
	old, ok := s.providers[k]
	if !ok {
		return store.IdentityProvider{}, store.ErrNotFound
	}
	if old.Version != p.Version {
		return store.IdentityProvider{}, store.ErrConflict
	}
	for _, id := range p.Identifiers {
		if _, taken := s.identifierHolder(p.PoolID, id, p.Name); taken {
			return store.IdentityProvider{}, &store.ExistsError{Key: "idp_identifier"}
		}
	}
	p = cloneProvider(p)
	p.Version = old.Version + 1
	p.CreatedAt = old.CreatedAt
	s.providers[k] = p
	return cloneProvider(p), nil
}

// DeleteIdentityProvider implements store.IdentityProviders.
func (s *Store) DeleteIdentityProvider(ctx context.Context, poolID, name string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	k := poolKey{poolID, name}
	if _, ok := s.providers[k]; !ok {
		return store.ErrNotFound
	}
	delete(s.providers, k)
	return nil
}

// ListIdentityProviders implements store.IdentityProviders.
func (s *Store) ListIdentityProviders(ctx context.Context, poolID, after string, limit int) ([]store.IdentityProvider, error) {
	if poolID == "" || limit <= 0 {
		return nil, invalid("list identity providers", "pool id and a positive limit are needed")
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []store.IdentityProvider
	for k, p := range s.providers {
		if k.pool == poolID && k.key > after {
			out = append(out, cloneProvider(p))
		}
	}
	slices.SortFunc(out, func(a, b store.IdentityProvider) int { return strings.Compare(a.Name, b.Name) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
