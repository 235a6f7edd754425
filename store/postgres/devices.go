package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cupola-auth/cupola/store"
)

const deviceSelect = `SELECT pool_id, subject, key, name, verifier, remembered, attributes,
	created_at, updated_at, last_authenticated FROM devices`

func scanDevice(row pgx.Row) (store.Device, error) {
	var (
		d                             store.Device
		attrs                         []byte
		createdAt, updatedAt, lastAut pgtype.Timestamptz
	)
	err := row.Scan(&d.PoolID, &d.Subject, &d.Key, &d.Name, &d.Verifier, &d.Remembered, &attrs,
		&createdAt, &updatedAt, &lastAut)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Device{}, store.ErrNotFound
	}
	if err != nil {
		return store.Device{}, err
	}
	if attrs != nil {
		if err := json.Unmarshal(attrs, &d.Attributes); err != nil {
			return store.Device{}, err
		}
	}
	d.CreatedAt, d.UpdatedAt, d.LastAuthenticated = fromTS(createdAt), fromTS(updatedAt), fromTS(lastAut)
	return d, nil
}

func validDevice(op string, d store.Device) error {
	switch {
	case d.PoolID == "":
		return invalid(op, "pool id is empty")
	case d.Subject == "":
		return invalid(op, "subject is empty")
	case d.Key == "":
		return invalid(op, "device key is empty")
	}
	for name, value := range d.Attributes {
		if !validUTF8(name, value) {
			return invalid(op, "device attribute "+name+" is not valid UTF-8")
		}
	}
	return nil
}

// PutDevice inserts or replaces the device (PoolID, Subject, Key), every
// field included. The foreign key to users decides, in the one statement,
// that the user exists: an unknown subject is store.ErrNotFound. Empty
// keys are store.ErrInvalid.
func (s *Store) PutDevice(ctx context.Context, d store.Device) error {
	const op = "put device"
	if err := validDevice(op, d); err != nil {
		return err
	}
	attrs, err := attributesJSON(d.Attributes)
	if err != nil {
		return wrap(op, err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO devices (pool_id, subject, key, name, verifier, remembered,
		attributes, created_at, updated_at, last_authenticated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (pool_id, subject, key) DO UPDATE SET name = excluded.name,
			verifier = excluded.verifier, remembered = excluded.remembered,
			attributes = excluded.attributes, created_at = excluded.created_at,
			updated_at = excluded.updated_at, last_authenticated = excluded.last_authenticated`,
		d.PoolID, d.Subject, d.Key, d.Name, d.Verifier, d.Remembered,
		attrs, ts(d.CreatedAt), ts(d.UpdatedAt), ts(d.LastAuthenticated))
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == codeForeignKeyViolation {
		return store.ErrNotFound
	}
	return wrap(op, err)
}

// GetDevice returns the user's device with that key, or
// store.ErrNotFound: a device of another user or pool is not found.
func (s *Store) GetDevice(ctx context.Context, poolID, subject, key string) (store.Device, error) {
	if !storable(poolID, subject, key) {
		return store.Device{}, store.ErrNotFound
	}
	d, err := scanDevice(s.pool.QueryRow(ctx, deviceSelect+`
		WHERE pool_id = $1 AND subject = $2 AND key = $3`, poolID, subject, key))
	return d, wrap("get device", err)
}

// ListDevices returns at most limit devices of the user ordered by key
// (bytewise), starting after afterKey: a range of the primary key. An
// unknown user has none; a limit <= 0 is store.ErrInvalid.
func (s *Store) ListDevices(ctx context.Context, poolID, subject, afterKey string, limit int) ([]store.Device, error) {
	const op = "list devices"
	if limit <= 0 {
		return nil, invalid(op, "limit must be positive")
	}
	if !storable(poolID, subject) {
		return nil, nil
	}
	floor, exact := seekAfter(afterKey)
	rows, err := s.pool.Query(ctx, deviceSelect+`
		WHERE pool_id = $1 AND subject = $2 AND key >= $3 AND convert_to(key, 'UTF8') > $4
		ORDER BY key
		LIMIT $5`, poolID, subject, floor, exact, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Device, error) { return scanDevice(r) })
	return ds, wrap(op, err)
}

// DeleteDevice forgets a device (unknown: store.ErrNotFound).
func (s *Store) DeleteDevice(ctx context.Context, poolID, subject, key string) error {
	if !storable(poolID, subject, key) {
		return store.ErrNotFound
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM devices WHERE pool_id = $1 AND subject = $2 AND key = $3`,
		poolID, subject, key)
	if err != nil {
		return wrap("delete device", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	return nil
}
