package postgres_test

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/postgres"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
	"github.com/cupola-auth/cupola/store/storetest"
)

// TestConformance runs the store suite on the shared test database. Every
// subtest works in a random pool of its own, so one schema serves them
// all, and runs in parallel with other test processes using it.
func TestConformance(t *testing.T) {
	pool := testPool(t, postgrestest.DSN(t))
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := postgres.New(t.Context(), pool)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

// testPool opens a pool wide enough for the suite's concurrency cases to
// really run concurrently, closed when the test ends.
func testPool(t *testing.T, dsn string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("parse dsn: %v", err)
	}
	cfg.MaxConns = 16
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatalf("pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}
