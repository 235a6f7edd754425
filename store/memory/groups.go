package memory

import (
	"context"
	"sort"
	"strings"

	"github.com/cupola-auth/cupola/store"
)

// memberKey is one membership: a user of a pool in a group of that pool.
type memberKey struct{ pool, group, sub string }

// CreateGroup stores a new group with Version 1.
func (s *Store) CreateGroup(ctx context.Context, g store.Group) (store.Group, error) {
	if err := validGroup("create group", g); err != nil {
		return store.Group{}, err
	}
	if err := s.lock(ctx); err != nil {
		return store.Group{}, err
	}
	defer s.mu.Unlock()

	k := poolKey{g.PoolID, g.Name}
	if _, ok := s.groups[k]; ok {
		return store.Group{}, &store.ExistsError{Key: "group"}
	}
	g.Version = 1
	s.groups[k] = g
	return g, nil
}

// GetGroup returns the group with that name.
func (s *Store) GetGroup(ctx context.Context, poolID, name string) (store.Group, error) {
	if err := s.lock(ctx); err != nil {
		return store.Group{}, err
	}
	defer s.mu.Unlock()
	g, ok := s.groups[poolKey{poolID, name}]
	if !ok {
		return store.Group{}, store.ErrNotFound
	}
	return g, nil
}

// UpdateGroup replaces the group if g.Version is the stored version.
func (s *Store) UpdateGroup(ctx context.Context, g store.Group) (store.Group, error) {
	if err := validGroup("update group", g); err != nil {
		return store.Group{}, err
	}
	if err := s.lock(ctx); err != nil {
		return store.Group{}, err
	}
	defer s.mu.Unlock()

	k := poolKey{g.PoolID, g.Name}
	old, ok := s.groups[k]
	if !ok {
		return store.Group{}, store.ErrNotFound
	}
	if old.Version != g.Version {
		return store.Group{}, store.ErrConflict
	}
	g.CreatedAt = old.CreatedAt
	g.Version = old.Version + 1
	s.groups[k] = g
	return g, nil
}

// DeleteGroup removes the group and its memberships.
func (s *Store) DeleteGroup(ctx context.Context, poolID, name string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	k := poolKey{poolID, name}
	if _, ok := s.groups[k]; !ok {
		return store.ErrNotFound
	}
	delete(s.groups, k)
	for m := range s.members {
		if m.pool == poolID && m.group == name {
			delete(s.members, m)
		}
	}
	return nil
}

// ListGroups returns at most limit groups named after after, by name.
func (s *Store) ListGroups(ctx context.Context, poolID, after string, limit int) ([]store.Group, error) {
	if limit <= 0 {
		return nil, invalid("list groups", "limit not positive")
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []store.Group
	for k, g := range s.groups {
		if k.pool == poolID && k.key > after {
			out = append(out, g)
		}
	}
	sortGroups(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// AddUserToGroup makes the user a member of the group.
func (s *Store) AddUserToGroup(ctx context.Context, poolID, sub, group string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if err := s.userAndGroup(poolID, sub, group); err != nil {
		return err
	}
	s.members[memberKey{poolID, group, sub}] = struct{}{}
	return nil
}

// RemoveUserFromGroup ends a membership.
func (s *Store) RemoveUserFromGroup(ctx context.Context, poolID, sub, group string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if err := s.userAndGroup(poolID, sub, group); err != nil {
		return err
	}
	delete(s.members, memberKey{poolID, group, sub})
	return nil
}

// ListGroupsForUser returns every group of the user ordered by name.
func (s *Store) ListGroupsForUser(ctx context.Context, poolID, sub string) ([]store.Group, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []store.Group
	for m := range s.members {
		if m.pool == poolID && m.sub == sub {
			out = append(out, s.groups[poolKey{poolID, m.group}])
		}
	}
	sortGroups(out)
	return out, nil
}

// ListUsersInGroup returns at most limit members with a sub after
// afterSub, ordered by sub.
func (s *Store) ListUsersInGroup(ctx context.Context, poolID, group, afterSub string, limit int) ([]store.User, error) {
	if limit <= 0 {
		return nil, invalid("list users in group", "limit not positive")
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if _, ok := s.groups[poolKey{poolID, group}]; !ok {
		return nil, store.ErrNotFound
	}
	var subs []string
	for m := range s.members {
		if m.pool == poolID && m.group == group && m.sub > afterSub {
			subs = append(subs, m.sub)
		}
	}
	sort.Strings(subs)
	if len(subs) > limit {
		subs = subs[:limit]
	}
	out := make([]store.User, 0, len(subs))
	for _, sub := range subs {
		out = append(out, cloneUser(s.users[poolKey{poolID, sub}]))
	}
	return out, nil
}

// userAndGroup reports ErrNotFound unless both the user and the group
// exist in the pool.
func (s *Store) userAndGroup(poolID, sub, group string) error {
	if _, ok := s.users[poolKey{poolID, sub}]; !ok {
		return store.ErrNotFound
	}
	if _, ok := s.groups[poolKey{poolID, group}]; !ok {
		return store.ErrNotFound
	}
	return nil
}

// dropMemberships ends every membership of a user; the caller holds the
// mutex.
func (s *Store) dropMemberships(poolID, sub string) {
	for m := range s.members {
		if m.pool == poolID && m.sub == sub {
			delete(s.members, m)
		}
	}
}

func sortGroups(gs []store.Group) {
	sort.Slice(gs, func(i, j int) bool { return strings.Compare(gs[i].Name, gs[j].Name) < 0 })
}

func validGroup(op string, g store.Group) error {
	switch {
	case g.PoolID == "":
		return invalid(op, "pool id missing")
	case g.Name == "":
		return invalid(op, "group name missing")
	}
	return nil
}
