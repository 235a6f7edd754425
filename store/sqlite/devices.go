package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cupola-auth/cupola/store"
)

const deviceColumns = `key, name, verifier, remembered, attributes, created_at, updated_at, last_authenticated`

func scanDevice(r rowScanner, poolID, subject string) (store.Device, error) {
	d := store.Device{PoolID: poolID, Subject: subject}
	var (
		remembered         int64
		attrs              string
		cr, upd, lastAuthn sql.NullInt64
	)
	if err := r.Scan(&d.Key, &d.Name, &d.Verifier, &remembered, &attrs, &cr, &upd, &lastAuthn); err != nil {
		return store.Device{}, err
	}
	d.Remembered = remembered != 0
	if err := json.Unmarshal([]byte(attrs), &d.Attributes); err != nil {
		return store.Device{}, fmt.Errorf("decode attributes: %w", err)
	}
	d.CreatedAt = fromMicros(cr)
	d.UpdatedAt = fromMicros(upd)
	d.LastAuthenticated = fromMicros(lastAuthn)
	return d, nil
}

// PutDevice implements store.Devices: one upsert on (pool_id, subject,
// key). The devices row references its user, so a device of an unknown
// subject is refused by the database itself, even against a concurrent
// DeleteUser.
func (s *Store) PutDevice(ctx context.Context, d store.Device) error {
	if d.PoolID == "" || d.Subject == "" || d.Key == "" {
		return fmt.Errorf("sqlite: put device: %w: device needs pool id, subject and key", store.ErrInvalid)
	}
	attrs, err := json.Marshal(d.Attributes)
	if err != nil {
		return fmt.Errorf("sqlite: put device: encode attributes: %w", err)
	}
	err = s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO devices (pool_id, subject, `+deviceColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (pool_id, subject, key) DO UPDATE SET name = excluded.name,
				verifier = excluded.verifier, remembered = excluded.remembered,
				attributes = excluded.attributes, created_at = excluded.created_at,
				updated_at = excluded.updated_at, last_authenticated = excluded.last_authenticated`,
			d.PoolID, d.Subject, d.Key, d.Name, d.Verifier, boolInt(d.Remembered), string(attrs),
			toMicros(d.CreatedAt), toMicros(d.UpdatedAt), toMicros(d.LastAuthenticated))
		if isForeignKeyViolation(err) {
			return store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: put device: %w", err)
	}
	return nil
}

// GetDevice implements store.Devices.
func (s *Store) GetDevice(ctx context.Context, poolID, subject, key string) (store.Device, error) {
	row := s.reader.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM devices
		WHERE pool_id = ? AND subject = ? AND key = ?`, poolID, subject, key)
	d, err := scanDevice(row, poolID, subject)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Device{}, fmt.Errorf("sqlite: get device: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Device{}, fmt.Errorf("sqlite: get device: %w", err)
	}
	return d, nil
}

// ListDevices implements store.Devices as one range scan of the primary
// key: keys compare bytewise (BINARY collation). A limit below 1 is
// ErrInvalid; an unknown user has no devices.
func (s *Store) ListDevices(ctx context.Context, poolID, subject, afterKey string, limit int) ([]store.Device, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("sqlite: list devices: %w: limit %d must be positive", store.ErrInvalid, limit)
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT `+deviceColumns+` FROM devices
		WHERE pool_id = ? AND subject = ? AND key > ? ORDER BY key LIMIT ?`, poolID, subject, afterKey, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list devices: %w", err)
	}
	defer rows.Close()
	var out []store.Device
	for rows.Next() {
		d, err := scanDevice(rows, poolID, subject)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list devices: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list devices: %w", err)
	}
	return out, nil
}

// DeleteDevice implements store.Devices.
func (s *Store) DeleteDevice(ctx context.Context, poolID, subject, key string) error {
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM devices WHERE pool_id = ? AND subject = ? AND key = ?`,
			poolID, subject, key)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete device: %w", err)
	}
	return nil
}
