package memory

import (
	"context"
	"crypto/subtle"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// PutCode stores the code with no attempts counted, replacing any code of
// the same subject and purpose.
func (s *Store) PutCode(ctx context.Context, c store.Code) error {
	const op = "put code"
	switch {
	case c.PoolID == "":
		return invalid(op, "pool id missing")
	case c.Subject == "":
		return invalid(op, "subject missing")
	case c.Purpose == "":
		return invalid(op, "purpose missing")
	case len(c.Hash) == 0:
		return invalid(op, "hash missing")
	case c.ExpiresAt.IsZero():
		return invalid(op, "expiry missing")
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	c = cloneCode(c)
	c.Attempts = 0
	s.codes[codeKey{c.PoolID, c.Subject, c.Purpose}] = c
	return nil
}

// ConsumeCode checks a presented code hash in constant time: a match
// deletes and returns the code, a mismatch counts an attempt and deletes
// the code once maxAttempts is reached.
func (s *Store) ConsumeCode(ctx context.Context, poolID, subject, purpose string, hash []byte, now time.Time, maxAttempts int) (store.Code, error) {
	if err := s.lock(ctx); err != nil {
		return store.Code{}, err
	}
	defer s.mu.Unlock()

	k := codeKey{poolID, subject, purpose}
	c, ok := s.codes[k]
	if !ok {
		return store.Code{}, store.ErrNotFound
	}
	if expired(c.ExpiresAt, now) {
		delete(s.codes, k)
		return store.Code{}, store.ErrNotFound
	}
	if subtle.ConstantTimeCompare(c.Hash, hash) == 1 {
		delete(s.codes, k)
		return c, nil // c is no longer referenced by the store
	}
	c.Attempts++
	if c.Attempts >= maxAttempts {
		delete(s.codes, k)
	} else {
		s.codes[k] = c
	}
	return store.Code{}, store.ErrCodeMismatch
}
