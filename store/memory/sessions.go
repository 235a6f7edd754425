package memory

import (
	"context"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// PutAuthSession stores a new challenge session.
func (s *Store) PutAuthSession(ctx context.Context, as store.AuthSession) error {
	const op = "put auth session"
	switch {
	case as.PoolID == "":
		return invalid(op, "pool id missing")
	case as.ID == "":
		return invalid(op, "session id missing")
	case as.ExpiresAt.IsZero():
		return invalid(op, "expiry missing")
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	k := poolKey{as.PoolID, as.ID}
	if _, ok := s.sessions[k]; ok {
		return &store.ExistsError{Key: "id"}
	}
	s.sessions[k] = cloneSession(as)
	return nil
}

// ConsumeAuthSession returns and deletes the session of clientID unless it
// has expired.
func (s *Store) ConsumeAuthSession(ctx context.Context, poolID, id, clientID string, now time.Time) (store.AuthSession, error) {
	if err := s.lock(ctx); err != nil {
		return store.AuthSession{}, err
	}
	defer s.mu.Unlock()
	as, err := s.liveSessionLocked(poolID, id, clientID, now)
	if err != nil {
		return store.AuthSession{}, err
	}
	delete(s.sessions, poolKey{poolID, id})
	return as, nil // as is no longer referenced by the store
}

// RedeemAuthSession implements store.AuthSessions under one lock.
func (s *Store) RedeemAuthSession(ctx context.Context, poolID, id, clientID string, now time.Time, next store.AuthSession) (store.AuthSession, error) {
	if next.PoolID != poolID || next.ID == "" || next.ID == id || next.ExpiresAt.IsZero() {
		return store.AuthSession{}, invalid("redeem auth session", "the next session needs the pool's id, an id of its own and an expiry")
	}
	if err := s.lock(ctx); err != nil {
		return store.AuthSession{}, err
	}
	defer s.mu.Unlock()
	as, err := s.liveSessionLocked(poolID, id, clientID, now)
	if err != nil {
		return store.AuthSession{}, err
	}
	nk := poolKey{poolID, next.ID}
	if _, ok := s.sessions[nk]; ok {
		return store.AuthSession{}, &store.ExistsError{Key: "id"}
	}
	delete(s.sessions, poolKey{poolID, id})
	s.sessions[nk] = cloneSession(next)
	return as, nil
}

// liveSessionLocked returns the session id of clientID, which the caller
// may spend; absent, another client's or expired it is store.ErrNotFound
// (an expired one is deleted on the way). The caller holds s.mu.
func (s *Store) liveSessionLocked(poolID, id, clientID string, now time.Time) (store.AuthSession, error) {
	k := poolKey{poolID, id}
	as, ok := s.sessions[k]
	if !ok || as.ClientID != clientID {
		return store.AuthSession{}, store.ErrNotFound
	}
	if expired(as.ExpiresAt, now) {
		delete(s.sessions, k)
		return store.AuthSession{}, store.ErrNotFound
	}
	return as, nil
}
