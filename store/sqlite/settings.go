package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/cupola-auth/cupola/store"
)

func scanSetting(r rowScanner, poolID, kind string) (store.Setting, error) {
	s := store.Setting{PoolID: poolID, Kind: kind}
	var upd sql.NullInt64
	if err := r.Scan(&s.Scope, &s.Document, &s.Version, &upd); err != nil {
		return store.Setting{}, err
	}
	s.UpdatedAt = fromMicros(upd)
	return s, nil
}

// GetSetting implements store.Settings.
func (s *Store) GetSetting(ctx context.Context, poolID, kind, scope string) (store.Setting, error) {
	st, err := scanSetting(s.reader.QueryRowContext(ctx, `SELECT scope, document, version, updated_at FROM settings
		WHERE pool_id = ? AND kind = ? AND scope = ?`, poolID, kind, scope), poolID, kind)
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Setting{}, fmt.Errorf("sqlite: get setting: %w", err)
	}
	return st, nil
}

// PutSetting implements store.Settings: a create is an INSERT the primary
// key refuses twice, an update a compare-and-swap on version in one write
// transaction.
func (s *Store) PutSetting(ctx context.Context, st store.Setting) (store.Setting, error) {
	const op = "sqlite: put setting"
	if err := st.Check(); err != nil {
		return store.Setting{}, fmt.Errorf("%s: %w: %s", op, store.ErrInvalid, err)
	}
	st.Document = slices.Clone(st.Document)
	st.UpdatedAt = normTime(st.UpdatedAt)
	if st.Version == 0 {
		st.Version = 1
		_, err := s.writeExec(ctx, `INSERT INTO settings (pool_id, kind, scope, document, version, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, st.PoolID, st.Kind, st.Scope, st.Document, st.Version, toMicros(st.UpdatedAt))
		if isUniqueViolation(err) {
			return store.Setting{}, &store.ExistsError{Key: "setting"}
		}
		if err != nil {
			return store.Setting{}, fmt.Errorf("%s: %w", op, err)
		}
		return st, nil
	}
	// The version to compare is read before the write runs: the
	// committer may run it twice (commit.go), and st.Version changes.
	want := st.Version
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		var version int64
		err := tx.QueryRowContext(ctx, `SELECT version FROM settings WHERE pool_id = ? AND kind = ? AND scope = ?`,
			st.PoolID, st.Kind, st.Scope).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if version != want {
			return store.ErrConflict
		}
		st.Version = version + 1
		_, err = tx.ExecContext(ctx, `UPDATE settings SET document = ?, version = ?, updated_at = ?
			WHERE pool_id = ? AND kind = ? AND scope = ?`,
			st.Document, st.Version, toMicros(st.UpdatedAt), st.PoolID, st.Kind, st.Scope)
		return err
	})
	if err != nil {
		return store.Setting{}, fmt.Errorf("%s: %w", op, err)
	}
	return st, nil
}

// DeleteSetting implements store.Settings.
func (s *Store) DeleteSetting(ctx context.Context, poolID, kind, scope string) error {
	res, err := s.writeExec(ctx, `DELETE FROM settings WHERE pool_id = ? AND kind = ? AND scope = ?`, poolID, kind, scope)
	if err != nil {
		return fmt.Errorf("sqlite: delete setting: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: delete setting: %w", err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: delete setting: %w", store.ErrNotFound)
	}
	return nil
}

// ListSettings implements store.Settings, walking the primary key.
func (s *Store) ListSettings(ctx context.Context, poolID, kind string) ([]store.Setting, error) {
	const op = "sqlite: list settings"
	if err := store.CheckSettingList(poolID, kind); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", op, store.ErrInvalid, err)
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT scope, document, version, updated_at FROM settings
		WHERE pool_id = ? AND kind = ? ORDER BY scope`, poolID, kind)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	var out []store.Setting
	for rows.Next() {
		st, err := scanSetting(rows, poolID, kind)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}
