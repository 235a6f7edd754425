package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cupola-auth/cupola/store"
)

// Deferred writes (store.DeferSync). A write is one statement committing
// in an implicit transaction; one marked store.DeferSync is sent with
// set_config('synchronous_commit', 'off', true) in one batch, which pgx
// sends as one pipeline ending in one Sync: one round trip and one
// implicit transaction, whose commit does not wait for its WAL flush. The
// setting is local to that transaction. PostgreSQL flushes its WAL in
// order, so a synchronous commit — any session's — that writes WAL and
// begins after the deferred one was acknowledged carries it to
// disk, which is store.DeferSync's contract. Writes not marked, and those
// made in explicit transactions (inTx), commit synchronously as before.

// asyncCommit is the statement that makes the rest of its implicit
// transaction commit without waiting for the WAL flush.
const asyncCommit = `SELECT set_config('synchronous_commit', 'off', true)`

// execWrite is s.pool.Exec, with synchronous_commit off when ctx is
// store.DeferSync.
func (s *Store) execWrite(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if !store.SyncDeferred(ctx) {
		return s.pool.Exec(ctx, sql, args...)
	}
	br, err := s.sendAsync(ctx, sql, args...)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// queryRowWrite is s.pool.QueryRow for a write that returns a row, with
// synchronous_commit off when ctx is store.DeferSync.
func (s *Store) queryRowWrite(ctx context.Context, sql string, args ...any) pgx.Row {
	if !store.SyncDeferred(ctx) {
		return s.pool.QueryRow(ctx, sql, args...)
	}
	br, err := s.sendAsync(ctx, sql, args...)
	if err != nil {
		return errRow{err}
	}
	return batchRow{br: br, row: br.QueryRow()}
}

// sendAsync sends sql behind asyncCommit in one batch and reads
// asyncCommit's result; the caller reads sql's and closes the batch.
func (s *Store) sendAsync(ctx context.Context, sql string, args ...any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	b.Queue(asyncCommit)
	b.Queue(sql, args...)
	br := s.pool.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, err
	}
	return br, nil
}

// batchRow is the row of a batch's last statement: scanning it ends the
// batch, whose commit is the write's.
type batchRow struct {
	br  pgx.BatchResults
	row pgx.Row
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// errRow is a row that could not be read.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
