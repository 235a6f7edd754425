package memory

import (
	"context"
	"slices"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// EnqueueDelivery implements store.Outbox.
func (s *Store) EnqueueDelivery(ctx context.Context, d store.Delivery) error {
	if err := d.Check(); err != nil {
		return invalid("enqueue delivery", err.Error())
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	k := poolKey{d.PoolID, d.ID}
	if _, ok := s.outbox[k]; ok {
		return &store.ExistsError{Key: "delivery"}
	}
	d.Payload = slices.Clone(d.Payload)
	s.outbox[k] = d
	return nil
}

// ClaimDeliveries implements store.Outbox under the store's lock.
func (s *Store) ClaimDeliveries(ctx context.Context, poolID string, now time.Time, lease time.Duration, limit int) ([]store.Delivery, error) {
	if err := store.CheckClaim(poolID, lease, limit); err != nil {
		return nil, invalid("claim deliveries", err.Error())
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var due []store.Delivery
	for k, d := range s.outbox {
		if k.pool == poolID && !d.DueAt.After(now) && !expired(d.ExpiresAt, now) {
			due = append(due, d)
		}
	}
	slices.SortFunc(due, func(a, b store.Delivery) int { return a.DueAt.Compare(b.DueAt) })
	if len(due) > limit {
		due = due[:limit]
	}
	for i := range due {
		due[i].Attempts++
		due[i].DueAt = now.Add(lease)
		s.outbox[poolKey{poolID, due[i].ID}] = due[i]
		due[i].Payload = slices.Clone(due[i].Payload)
	}
	return due, nil
}

// DeleteDelivery implements store.Outbox.
func (s *Store) DeleteDelivery(ctx context.Context, poolID, id string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	k := poolKey{poolID, id}
	if _, ok := s.outbox[k]; !ok {
		return store.ErrNotFound
	}
	delete(s.outbox, k)
	return nil
}
