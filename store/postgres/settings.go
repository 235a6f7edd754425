package postgres

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cupola-auth/cupola/store"
)

const settingSelect = `SELECT pool_id, kind, scope, document, version, updated_at FROM settings`

func scanSetting(row pgx.Row) (store.Setting, error) {
	var (
		s   store.Setting
		upd pgtype.Timestamptz
	)
	err := row.Scan(&s.PoolID, &s.Kind, &s.Scope, &s.Document, &s.Version, &upd)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Setting{}, store.ErrNotFound
	}
	if err != nil {
		return store.Setting{}, err
	}
	s.UpdatedAt = fromTS(upd)
	return s, nil
}

// GetSetting implements store.Settings.
func (s *Store) GetSetting(ctx context.Context, poolID, kind, scope string) (store.Setting, error) {
	if !storable(poolID, kind, scope) {
		return store.Setting{}, store.ErrNotFound
	}
	st, err := scanSetting(s.pool.QueryRow(ctx, settingSelect+` WHERE pool_id = $1 AND kind = $2 AND scope = $3`,
		poolID, kind, scope))
	return st, wrap("get setting", err)
}

// PutSetting implements store.Settings: a create is an INSERT that
// settings_pkey refuses twice; an update locks the row, compares its
// version and replaces it in one transaction.
func (s *Store) PutSetting(ctx context.Context, st store.Setting) (store.Setting, error) {
	const op = "put setting"
	if err := st.Check(); err != nil {
		return store.Setting{}, invalid(op, err.Error())
	}
	if !storable(st.PoolID, st.Kind, st.Scope) {
		return store.Setting{}, invalid(op, "a pool id, kind or scope is not valid UTF-8 or holds a NUL byte")
	}
	st.Document = slices.Clone(st.Document)
	st.UpdatedAt = norm(st.UpdatedAt)
	if st.Version == 0 {
		st.Version = 1
		_, err := s.pool.Exec(ctx, `INSERT INTO settings (pool_id, kind, scope, document, version, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, st.PoolID, st.Kind, st.Scope, st.Document, st.Version, ts(st.UpdatedAt))
		if err != nil {
			return store.Setting{}, wrap(op, asExists(err))
		}
		return st, nil
	}
	err := s.inTx(ctx, op, func(tx pgx.Tx) (error, error) {
		var version int64
		err := tx.QueryRow(ctx, `SELECT version FROM settings WHERE pool_id = $1 AND kind = $2 AND scope = $3 FOR UPDATE`,
			st.PoolID, st.Kind, st.Scope).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, store.ErrNotFound
		}
		if err != nil {
			return nil, err
		}
		if version != st.Version {
			return nil, store.ErrConflict
		}
		_, err = tx.Exec(ctx, `UPDATE settings SET document = $4, version = $5, updated_at = $6
			WHERE pool_id = $1 AND kind = $2 AND scope = $3`,
			st.PoolID, st.Kind, st.Scope, st.Document, version+1, ts(st.UpdatedAt))
		return nil, err
	})
	if err != nil {
		return store.Setting{}, wrap(op, err)
	}
	st.Version++
	return st, nil
}

// DeleteSetting implements store.Settings.
func (s *Store) DeleteSetting(ctx context.Context, poolID, kind, scope string) error {
	if !storable(poolID, kind, scope) {
		return store.ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM settings WHERE pool_id = $1 AND kind = $2 AND scope = $3`, poolID, kind, scope)
	if err != nil {
		return wrap("delete setting", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}

// ListSettings implements store.Settings, walking settings_pkey.
func (s *Store) ListSettings(ctx context.Context, poolID, kind string) ([]store.Setting, error) {
	const op = "list settings"
	if err := store.CheckSettingList(poolID, kind); err != nil {
		return nil, invalid(op, err.Error())
	}
	if !storable(poolID, kind) {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, settingSelect+` WHERE pool_id = $1 AND kind = $2 ORDER BY scope`, poolID, kind)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Setting, error) { return scanSetting(r) })
	return out, wrap(op, err)
}
