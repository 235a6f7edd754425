package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cupola-auth/cupola/store"
)

// Store is a store.Store kept in PostgreSQL. It is safe for concurrent use,
// and any number of Stores, in any number of processes, may share one
// database: every atomic operation is a single statement or a short
// transaction that locks the row it decides on.
type Store struct {
	pool     *pgxpool.Pool
	ownsPool bool
	log      *slog.Logger
	bulk     bulkAnalyzer
}

var _ store.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*options)

type options struct {
	log *slog.Logger
}

// WithLogger sets the logger for migrations and retried transactions. The
// default discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.log = l
		}
	}
}

func buildOptions(opts []Option) options {
	o := options{log: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// Open connects to the database named by dsn (a postgres:// URL or a
// keyword/value string, as pgx accepts), checks the connection and brings
// the schema up to date. Close closes the connection pool it creates.
//
// Runtime parameters in the DSN reach the server, so
// "…?search_path=cupola" keeps Cupola's tables in a schema of their own.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse dsn: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s, err := newStore(ctx, pool, true, opts)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// New returns a Store on a pool the caller owns, after bringing the schema
// up to date. Close leaves the pool open.
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	if pool == nil {
		return nil, errors.New("postgres: nil pool")
	}
	return newStore(ctx, pool, false, opts)
}

func newStore(ctx context.Context, pool *pgxpool.Pool, owns bool, opts []Option) (*Store, error) {
	o := buildOptions(opts)
	s := &Store{pool: pool, ownsPool: owns, log: o.log}
	if err := migrate(ctx, pool, s.log); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the connection pool if Open created it; a pool handed to
// New stays open.
func (s *Store) Close() error {
	if s.ownsPool {
		s.pool.Close()
	}
	return nil
}
