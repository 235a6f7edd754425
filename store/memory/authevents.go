package memory

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// newestFirst orders events as ListAuthEvents returns them: CreatedAt
// descending, then ID descending (bytewise).
func newestFirst(a, b store.AuthEvent) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

// PutAuthEvent implements store.AuthEvents. The event's user must exist.
func (s *Store) PutAuthEvent(ctx context.Context, e store.AuthEvent) error {
	if err := e.Check(); err != nil {
		return invalid("put auth event", err.Error())
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.users[poolKey{e.PoolID, e.Subject}]; !ok {
		return store.ErrNotFound
	}
	k := poolKey{e.PoolID, e.ID}
	if _, ok := s.events[k]; ok {
		return &store.ExistsError{Key: "id"}
	}
	s.events[k] = cloneEvent(e)
	return nil
}

// ListAuthEvents implements store.AuthEvents with a walk over every event,
// which is fine for the sizes this store is for.
func (s *Store) ListAuthEvents(ctx context.Context, poolID, subject string, beforeTime time.Time, beforeID string, limit int) ([]store.AuthEvent, error) {
	if limit <= 0 {
		return nil, invalid("list auth events", "limit not positive")
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	cursor := store.AuthEvent{CreatedAt: beforeTime, ID: beforeID}
	var out []store.AuthEvent
	for k, e := range s.events {
		if k.pool != poolID || e.Subject != subject {
			continue
		}
		if beforeID != "" && newestFirst(e, cursor) <= 0 {
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, newestFirst)
	if len(out) > limit {
		out = out[:limit]
	}
	for i := range out {
		out[i] = cloneEvent(out[i])
	}
	return out, nil
}

// GetAuthEvent implements store.AuthEvents.
func (s *Store) GetAuthEvent(ctx context.Context, poolID, subject, id string) (store.AuthEvent, error) {
	if err := s.lock(ctx); err != nil {
		return store.AuthEvent{}, err
	}
	defer s.mu.Unlock()
	e, ok := s.events[poolKey{poolID, id}]
	if !ok || e.Subject != subject {
		return store.AuthEvent{}, store.ErrNotFound
	}
	return cloneEvent(e), nil
}

// SetAuthEventFeedback implements store.AuthEvents under the store's
// lock, which makes the token's check and its clearing one step.
func (s *Store) SetAuthEventFeedback(ctx context.Context, poolID, subject, id string, f store.AuthEventFeedback) (store.AuthEvent, error) {
	if err := s.lock(ctx); err != nil {
		return store.AuthEvent{}, err
	}
	defer s.mu.Unlock()
	k := poolKey{poolID, id}
	e, ok := s.events[k]
	if !ok || e.Subject != subject {
		return store.AuthEvent{}, store.ErrNotFound
	}
	if !store.FeedbackTokenMatches(e.FeedbackToken, f.Token) {
		return store.AuthEvent{}, store.ErrCodeMismatch
	}
	e.Feedback, e.FeedbackProvider, e.FeedbackAt = f.Value, f.Provider, f.At
	e.FeedbackToken = nil
	s.events[k] = e
	return cloneEvent(e), nil
}

// dropEvents forgets every auth event of a user; the caller holds the
// mutex.
func (s *Store) dropEvents(poolID, sub string) {
	for k, e := range s.events {
		if k.pool == poolID && e.Subject == sub {
			delete(s.events, k)
		}
	}
}
