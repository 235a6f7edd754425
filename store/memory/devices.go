package memory

import (
	"context"
	"sort"

	"github.com/cupola-auth/cupola/store"
)

// deviceKey is one device of one user of one pool.
type deviceKey struct{ pool, subject, key string }

// PutDevice inserts or replaces the device (PoolID, Subject, Key). Every
// field is replaced, CreatedAt included: the caller keeps what it wants.
func (s *Store) PutDevice(ctx context.Context, d store.Device) error {
	switch {
	case d.PoolID == "":
		return invalid("put device", "pool id missing")
	case d.Subject == "":
		return invalid("put device", "subject missing")
	case d.Key == "":
		return invalid("put device", "device key missing")
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.users[poolKey{d.PoolID, d.Subject}]; !ok {
		return store.ErrNotFound
	}
	s.devices[deviceKey{d.PoolID, d.Subject, d.Key}] = cloneDevice(d)
	return nil
}

// GetDevice returns a device of the user.
func (s *Store) GetDevice(ctx context.Context, poolID, subject, key string) (store.Device, error) {
	if err := s.lock(ctx); err != nil {
		return store.Device{}, err
	}
	defer s.mu.Unlock()
	d, ok := s.devices[deviceKey{poolID, subject, key}]
	if !ok {
		return store.Device{}, store.ErrNotFound
	}
	return cloneDevice(d), nil
}

// ListDevices returns at most limit devices of the user with a key after
// afterKey, ordered by key. An unknown user has no devices.
func (s *Store) ListDevices(ctx context.Context, poolID, subject, afterKey string, limit int) ([]store.Device, error) {
	if limit <= 0 {
		return nil, invalid("list devices", "limit not positive")
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []store.Device
	for k, d := range s.devices {
		if k.pool == poolID && k.subject == subject && k.key > afterKey {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	if len(out) > limit {
		out = out[:limit]
	}
	for i := range out {
		out[i] = cloneDevice(out[i])
	}
	return out, nil
}

// DeleteDevice forgets a device.
func (s *Store) DeleteDevice(ctx context.Context, poolID, subject, key string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	k := deviceKey{poolID, subject, key}
	if _, ok := s.devices[k]; !ok {
		return store.ErrNotFound
	}
	delete(s.devices, k)
	return nil
}

// dropDevices forgets every device of a user; the caller holds the mutex.
func (s *Store) dropDevices(poolID, sub string) {
	for k := range s.devices {
		if k.pool == poolID && k.subject == sub {
			delete(s.devices, k)
		}
	}
}
