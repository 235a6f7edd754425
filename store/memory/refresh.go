package memory

import (
	"context"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// family is a refresh-token family with the hashes issued from it.
type family struct {
	rec     store.RefreshFamily
	current string   // hash of the current token
	hashes  []string // every hash of the family, current and rotated
}

// tokenState is what the store knows of one token hash.
type tokenState struct {
	family    string // family ID
	current   bool
	rotatedAt time.Time // when it stopped being current
}

// CreateFamily stores a family whose current token hash is tokenHash.
func (s *Store) CreateFamily(ctx context.Context, f store.RefreshFamily, tokenHash []byte) error {
	const op = "create refresh family"
	switch {
	case f.PoolID == "":
		return invalid(op, "pool id missing")
	case f.ID == "":
		return invalid(op, "family id missing")
	case len(tokenHash) == 0:
		return invalid(op, "token hash missing")
	case f.ExpiresAt.IsZero():
		return invalid(op, "expiry missing")
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()

	fk := poolKey{f.PoolID, f.ID}
	tk := poolKey{f.PoolID, string(tokenHash)}
	if _, ok := s.families[fk]; ok {
		return &store.ExistsError{Key: "id"}
	}
	if _, ok := s.tokens[tk]; ok {
		return &store.ExistsError{Key: "token"}
	}
	s.families[fk] = &family{rec: cloneFamily(f), current: tk.key, hashes: []string{tk.key}}
	s.tokens[tk] = &tokenState{family: f.ID, current: true}
	return nil
}

// GetFamily returns a family by ID, revoked or not.
func (s *Store) GetFamily(ctx context.Context, poolID, id string) (store.RefreshFamily, error) {
	if err := s.lock(ctx); err != nil {
		return store.RefreshFamily{}, err
	}
	defer s.mu.Unlock()
	f, ok := s.families[poolKey{poolID, id}]
	if !ok {
		return store.RefreshFamily{}, store.ErrNotFound
	}
	return cloneFamily(f.rec), nil
}

// FamilyByToken returns the family a token hash belongs to and whether the
// hash is the family's current token.
func (s *Store) FamilyByToken(ctx context.Context, poolID string, tokenHash []byte) (store.RefreshFamily, bool, error) {
	if err := s.lock(ctx); err != nil {
		return store.RefreshFamily{}, false, err
	}
	defer s.mu.Unlock()
	ts, f, ok := s.token(poolID, tokenHash)
	if !ok {
		return store.RefreshFamily{}, false, store.ErrNotFound
	}
	return cloneFamily(f.rec), ts.current, nil
}

// RotateRefresh replaces the family's current token by next, accepts a
// retry of a token rotated less than grace ago, and revokes the family on
// any other reuse.
func (s *Store) RotateRefresh(ctx context.Context, poolID string, presented, next []byte, now time.Time, grace time.Duration) (store.RefreshFamily, error) {
	if len(next) == 0 {
		return store.RefreshFamily{}, invalid("rotate refresh token", "next token hash missing")
	}
	if err := s.lock(ctx); err != nil {
		return store.RefreshFamily{}, err
	}
	defer s.mu.Unlock()

	ts, f, ok := s.token(poolID, presented)
	switch {
	case !ok:
		return store.RefreshFamily{}, store.ErrNotFound
	case !f.rec.RevokedAt.IsZero():
		return store.RefreshFamily{}, store.ErrRevoked
	case expired(f.rec.ExpiresAt, now):
		return store.RefreshFamily{}, store.ErrNotFound
	case !ts.current && !(grace > 0 && now.Sub(ts.rotatedAt) < grace):
		f.rec.RevokedAt = now
		return store.RefreshFamily{}, store.ErrTokenReuse
	}
	nk := poolKey{poolID, string(next)}
	if _, taken := s.tokens[nk]; taken {
		return store.RefreshFamily{}, &store.ExistsError{Key: "token"}
	}
	cur := s.tokens[poolKey{poolID, f.current}]
	cur.current = false
	cur.rotatedAt = now
	s.tokens[nk] = &tokenState{family: f.rec.ID, current: true}
	f.current = nk.key
	f.hashes = append(f.hashes, nk.key)
	return cloneFamily(f.rec), nil
}

// RevokeFamily marks one family revoked; revoking it again keeps the first
// revocation time.
func (s *Store) RevokeFamily(ctx context.Context, poolID, id string, now time.Time) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	f, ok := s.families[poolKey{poolID, id}]
	if !ok {
		return store.ErrNotFound
	}
	if f.rec.RevokedAt.IsZero() {
		f.rec.RevokedAt = now
	}
	return nil
}

// RevokeSubjectFamilies revokes every live family of a user.
func (s *Store) RevokeSubjectFamilies(ctx context.Context, poolID, subject string, now time.Time) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	for k, f := range s.families {
		if k.pool == poolID && f.rec.Subject == subject && f.rec.RevokedAt.IsZero() {
			f.rec.RevokedAt = now
		}
	}
	return nil
}

// token finds a token hash and its family.
func (s *Store) token(poolID string, hash []byte) (*tokenState, *family, bool) {
	ts, ok := s.tokens[poolKey{poolID, string(hash)}]
	if !ok {
		return nil, nil, false
	}
	f, ok := s.families[poolKey{poolID, ts.family}]
	return ts, f, ok
}

// dropFamily deletes a family and every token hash issued from it.
func (s *Store) dropFamily(poolID string, f *family) {
	for _, h := range f.hashes {
		delete(s.tokens, poolKey{poolID, h})
	}
	delete(s.families, poolKey{poolID, f.rec.ID})
}
