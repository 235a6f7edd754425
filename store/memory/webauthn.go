package memory

import (
	"bytes"
	"context"
	"slices"

	"github.com/cupola-auth/cupola/store"
)

func cloneWebAuthn(c store.WebAuthnCredential) store.WebAuthnCredential {
	c.ID = cloneBytes(c.ID)
	c.PublicKey = cloneBytes(c.PublicKey)
	c.AAGUID = cloneBytes(c.AAGUID)
	c.Transports = slices.Clone(c.Transports)
	return c
}

// CreateWebAuthnCredential implements store.WebAuthnCredentials.
func (s *Store) CreateWebAuthnCredential(ctx context.Context, c store.WebAuthnCredential, max int) error {
	if err := c.Check(); err != nil {
		return invalid("create webauthn credential", err.Error())
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.users[poolKey{c.PoolID, c.Subject}]; !ok {
		return store.ErrNotFound
	}
	k := poolKey{c.PoolID, string(c.ID)}
	if _, ok := s.passkeys[k]; ok {
		return &store.ExistsError{Key: "credential"}
	}
	if max > 0 && s.countPasskeys(c.PoolID, c.Subject) >= max {
		return store.ErrLimit
	}
	s.passkeys[k] = cloneWebAuthn(c)
	return nil
}

func (s *Store) countPasskeys(poolID, sub string) int {
	n := 0
	for k, c := range s.passkeys {
		if k.pool == poolID && c.Subject == sub {
			n++
		}
	}
	return n
}

// GetWebAuthnCredential implements store.WebAuthnCredentials.
func (s *Store) GetWebAuthnCredential(ctx context.Context, poolID string, id []byte) (store.WebAuthnCredential, error) {
	if err := s.lock(ctx); err != nil {
		return store.WebAuthnCredential{}, err
	}
	defer s.mu.Unlock()
	c, ok := s.passkeys[poolKey{poolID, string(id)}]
	if !ok {
		return store.WebAuthnCredential{}, store.ErrNotFound
	}
	return cloneWebAuthn(c), nil
}

// ListWebAuthnCredentials implements store.WebAuthnCredentials.
func (s *Store) ListWebAuthnCredentials(ctx context.Context, poolID, subject string, afterID []byte, limit int) ([]store.WebAuthnCredential, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []store.WebAuthnCredential
	for k, c := range s.passkeys {
		if k.pool == poolID && c.Subject == subject && bytes.Compare(c.ID, afterID) > 0 {
			out = append(out, cloneWebAuthn(c))
		}
	}
	slices.SortFunc(out, func(a, b store.WebAuthnCredential) int { return bytes.Compare(a.ID, b.ID) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// UseWebAuthnCredential implements store.WebAuthnCredentials.
func (s *Store) UseWebAuthnCredential(ctx context.Context, poolID string, id []byte, u store.WebAuthnUse) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	k := poolKey{poolID, string(id)}
	c, ok := s.passkeys[k]
	if !ok {
		return store.ErrNotFound
	}
	if c.CloneWarning || !(u.SignCount > c.SignCount || (u.SignCount == 0 && c.SignCount == 0)) {
		return store.ErrConflict
	}
	c.SignCount, c.BackupState, c.LastUsedAt = u.SignCount, u.BackupState, u.At
	s.passkeys[k] = c
	return nil
}

// FlagWebAuthnCredential implements store.WebAuthnCredentials.
func (s *Store) FlagWebAuthnCredential(ctx context.Context, poolID string, id []byte) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	k := poolKey{poolID, string(id)}
	c, ok := s.passkeys[k]
	if !ok {
		return store.ErrNotFound
	}
	c.CloneWarning = true
	s.passkeys[k] = c
	return nil
}

// DeleteWebAuthnCredential implements store.WebAuthnCredentials.
func (s *Store) DeleteWebAuthnCredential(ctx context.Context, poolID, subject string, id []byte) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	k := poolKey{poolID, string(id)}
	c, ok := s.passkeys[k]
	if !ok || c.Subject != subject {
		return store.ErrNotFound
	}
	delete(s.passkeys, k)
	return nil
}

func (s *Store) dropPasskeys(poolID, sub string) {
	for k, c := range s.passkeys {
		if k.pool == poolID && c.Subject == sub {
			delete(s.passkeys, k)
		}
	}
}
