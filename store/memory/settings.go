package memory

import (
	"context"
	"slices"
	"strings"

	"github.com/cupola-auth/cupola/store"
)

// settingKey is a setting's key: kind and scope within a pool.
type settingKey struct{ pool, kind, scope string }

func cloneSetting(s store.Setting) store.Setting {
	s.Document = cloneBytes(s.Document)
	return s
}

// GetSetting implements store.Settings.
func (s *Store) GetSetting(ctx context.Context, poolID, kind, scope string) (store.Setting, error) {
	if err := s.lock(ctx); err != nil {
		return store.Setting{}, err
	}
	defer s.mu.Unlock()
	st, ok := s.settings[settingKey{poolID, kind, scope}]
	if !ok {
		return store.Setting{}, store.ErrNotFound
	}
	return cloneSetting(st), nil
}

// PutSetting implements store.Settings under the store's lock.
func (s *Store) PutSetting(ctx context.Context, st store.Setting) (store.Setting, error) {
	if err := st.Check(); err != nil {
		return store.Setting{}, invalid("put setting", err.Error())
	}
	if err := s.lock(ctx); err != nil {
		return store.Setting{}, err
	}
	defer s.mu.Unlock()
	k := settingKey{st.PoolID, st.Kind, st.Scope}
	old, ok := s.settings[k]
	switch {
	case st.Version == 0 && ok:
		return store.Setting{}, &store.ExistsError{Key: "setting"}
	case st.Version != 0 && !ok:
		return store.Setting{}, store.ErrNotFound
	case st.Version != 0 && old.Version != st.Version:
		return store.Setting{}, store.ErrConflict
	}
	st = cloneSetting(st)
	st.Version++
	s.settings[k] = st
	return cloneSetting(st), nil
}

// DeleteSetting implements store.Settings.
func (s *Store) DeleteSetting(ctx context.Context, poolID, kind, scope string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	k := settingKey{poolID, kind, scope}
	if _, ok := s.settings[k]; !ok {
		return store.ErrNotFound
	}
	delete(s.settings, k)
	return nil
}

// ListSettings implements store.Settings.
func (s *Store) ListSettings(ctx context.Context, poolID, kind string) ([]store.Setting, error) {
	if err := store.CheckSettingList(poolID, kind); err != nil {
		return nil, invalid("list settings", err.Error())
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []store.Setting
	for k, st := range s.settings {
		if k.pool == poolID && k.kind == kind {
			out = append(out, cloneSetting(st))
		}
	}
	slices.SortFunc(out, func(a, b store.Setting) int { return strings.Compare(a.Scope, b.Scope) })
	return out, nil
}
