package memory

import (
	"context"
	"sort"

	"github.com/cupola-auth/cupola/store"
)

// CreateUser stores a new user with Version 1 unless its username key or
// an alias is taken in the pool.
func (s *Store) CreateUser(ctx context.Context, u store.User) (store.User, error) {
	if err := validUser("create user", u); err != nil {
		return store.User{}, err
	}
	if err := s.lock(ctx); err != nil {
		return store.User{}, err
	}
	defer s.mu.Unlock()

	if err := s.checkUnique(u); err != nil {
		return store.User{}, err
	}
	if _, ok := s.users[poolKey{u.PoolID, u.Sub}]; ok {
		return store.User{}, &store.ExistsError{Key: "sub"}
	}
	u = cloneUser(u)
	u.Version = 1
	s.putUser(u)
	return cloneUser(u), nil
}

// CreateUsers creates the users in order under one hold of the mutex,
// so the batch is all-or-nothing with respect to every other call: no
// reader sees part of it.
func (s *Store) CreateUsers(ctx context.Context, users []store.User) ([]error, error) {
	if len(users) > store.MaxCreateUsers {
		return nil, invalid("create users", "more than store.MaxCreateUsers users")
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()

	outcomes := make([]error, len(users))
	for i, u := range users {
		if err := validUser("create users", u); err != nil {
			outcomes[i] = err
			continue
		}
		if err := s.checkUnique(u); err != nil {
			outcomes[i] = err
			continue
		}
		if _, ok := s.users[poolKey{u.PoolID, u.Sub}]; ok {
			outcomes[i] = &store.ExistsError{Key: "sub"}
			continue
		}
		u = cloneUser(u)
		u.Version = 1
		s.putUser(u)
	}
	return outcomes, nil
}

// GetUser returns the user with that sub.
func (s *Store) GetUser(ctx context.Context, poolID, sub string) (store.User, error) {
	if err := s.lock(ctx); err != nil {
		return store.User{}, err
	}
	defer s.mu.Unlock()
	return s.userBySub(poolID, sub)
}

// GetUserByUsername looks a user up by normalized username key.
func (s *Store) GetUserByUsername(ctx context.Context, poolID, usernameKey string) (store.User, error) {
	if err := s.lock(ctx); err != nil {
		return store.User{}, err
	}
	defer s.mu.Unlock()
	sub, ok := s.usernames[poolKey{poolID, usernameKey}]
	if !ok {
		return store.User{}, store.ErrNotFound
	}
	return s.userBySub(poolID, sub)
}

// GetUserByAlias looks a user up by alias kind and normalized value.
func (s *Store) GetUserByAlias(ctx context.Context, poolID, kind, value string) (store.User, error) {
	if err := s.lock(ctx); err != nil {
		return store.User{}, err
	}
	defer s.mu.Unlock()
	sub, ok := s.aliases[aliasKey{poolID, kind, value}]
	if !ok {
		return store.User{}, store.ErrNotFound
	}
	return s.userBySub(poolID, sub)
}

// UpdateUser replaces the user if u.Version is the stored version.
func (s *Store) UpdateUser(ctx context.Context, u store.User) (store.User, error) {
	if err := validUser("update user", u); err != nil {
		return store.User{}, err
	}
	if err := s.lock(ctx); err != nil {
		return store.User{}, err
	}
	defer s.mu.Unlock()

	old, ok := s.users[poolKey{u.PoolID, u.Sub}]
	if !ok {
		return store.User{}, store.ErrNotFound
	}
	if old.Version != u.Version {
		return store.User{}, store.ErrConflict
	}
	if err := s.checkUnique(u); err != nil {
		return store.User{}, err
	}
	s.dropUser(old)
	u = cloneUser(u)
	u.CreatedAt = old.CreatedAt
	u.Version = old.Version + 1
	s.putUser(u)
	return cloneUser(u), nil
}

// DeleteUser removes the user and everything keyed by its sub, group
// memberships, devices and auth events included.
func (s *Store) DeleteUser(ctx context.Context, poolID, sub string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()

	u, ok := s.users[poolKey{poolID, sub}]
	if !ok {
		return store.ErrNotFound
	}
	s.dropUser(u)
	for k := range s.codes {
		if k.pool == poolID && k.subject == sub {
			delete(s.codes, k)
		}
	}
	for k, as := range s.sessions {
		if k.pool == poolID && as.Subject == sub {
			delete(s.sessions, k)
		}
	}
	for k, f := range s.families {
		if k.pool == poolID && f.rec.Subject == sub {
			s.dropFamily(k.pool, f)
		}
	}
	s.dropMemberships(poolID, sub)
	s.dropDevices(poolID, sub)
	s.dropEvents(poolID, sub)
	s.dropPasskeys(poolID, sub)
	delete(s.lockouts, poolKey{poolID, sub})
	return nil
}

func (s *Store) userBySub(poolID, sub string) (store.User, error) {
	u, ok := s.users[poolKey{poolID, sub}]
	if !ok {
		return store.User{}, store.ErrNotFound
	}
	return cloneUser(u), nil
}

// checkUnique reports the first unique key of u that belongs to another
// user of the pool. Alias kinds are checked in sorted order so the key
// named does not depend on map iteration.
func (s *Store) checkUnique(u store.User) error {
	if sub, ok := s.usernames[poolKey{u.PoolID, u.UsernameKey}]; ok && sub != u.Sub {
		return &store.ExistsError{Key: "username"}
	}
	kinds := make([]string, 0, len(u.Aliases))
	for kind := range u.Aliases {
		kinds = append(kinds, kind)
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		if sub, ok := s.aliases[aliasKey{u.PoolID, kind, u.Aliases[kind]}]; ok && sub != u.Sub {
			return &store.ExistsError{Key: kind}
		}
	}
	return nil
}

func (s *Store) putUser(u store.User) {
	s.users[poolKey{u.PoolID, u.Sub}] = u
	s.usernames[poolKey{u.PoolID, u.UsernameKey}] = u.Sub
	for kind, value := range u.Aliases {
		s.aliases[aliasKey{u.PoolID, kind, value}] = u.Sub
	}
}

func (s *Store) dropUser(u store.User) {
	delete(s.users, poolKey{u.PoolID, u.Sub})
	delete(s.usernames, poolKey{u.PoolID, u.UsernameKey})
	for kind, value := range u.Aliases {
		delete(s.aliases, aliasKey{u.PoolID, kind, value})
	}
}

func validUser(op string, u store.User) error {
	switch {
	case u.PoolID == "":
		return invalid(op, "pool id missing")
	case u.Sub == "":
		return invalid(op, "sub missing")
	case u.UsernameKey == "":
		return invalid(op, "username key missing")
	}
	for kind, value := range u.Aliases {
		if kind == "" || value == "" {
			return invalid(op, "alias kind or value empty")
		}
	}
	return nil
}
