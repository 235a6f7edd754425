package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/postgres"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
)

func TestOpen(t *testing.T) {
	t.Run("concurrent opens on a fresh schema all succeed and migrate once", func(t *testing.T) {
		t.Parallel()
		dsn := postgrestest.FreshSchemaDSN(t)
		const n = 6
		var (
			wg     sync.WaitGroup
			stores [n]*postgres.Store
			errs   [n]error
		)
		for i := range n {
			wg.Go(func() { stores[i], errs[i] = postgres.Open(t.Context(), dsn) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("Open %d: %v", i, err)
			}
			t.Cleanup(func() { _ = stores[i].Close() })
		}
		pool := testPool(t, dsn)
		var rows, distinct int
		if err := pool.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct); err != nil {
			t.Fatalf("read schema_migrations: %v", err)
		}
		if rows == 0 || rows != distinct {
			t.Errorf("schema_migrations has %d rows for %d versions, want each version once", rows, distinct)
		}
		// Every instance works on the one schema.
		u := store.User{PoolID: "p", Sub: "s1", Username: "a", UsernameKey: "a"}
		if _, err := stores[0].CreateUser(t.Context(), u); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if _, err := stores[n-1].GetUser(t.Context(), "p", "s1"); err != nil {
			t.Errorf("GetUser on another instance: %v", err)
		}
	})

	t.Run("a schema newer than the build is refused with ErrSchemaTooNew", func(t *testing.T) {
		t.Parallel()
		dsn := postgrestest.FreshSchemaDSN(t)
		s, err := postgres.Open(t.Context(), dsn)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		_ = s.Close()
		pool := testPool(t, dsn)
		if _, err := pool.Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')`); err != nil {
			t.Fatalf("insert version: %v", err)
		}
		s, err = postgres.Open(t.Context(), dsn)
		if !errors.Is(err, postgres.ErrSchemaTooNew) {
			if s != nil {
				_ = s.Close()
			}
			t.Fatalf("Open on a newer schema: %v, want ErrSchemaTooNew", err)
		}
		if _, err := postgres.New(t.Context(), pool); !errors.Is(err, postgres.ErrSchemaTooNew) {
			t.Errorf("New on a newer schema: %v, want ErrSchemaTooNew", err)
		}
	})

	t.Run("reopening a migrated schema changes nothing", func(t *testing.T) {
		t.Parallel()
		dsn := postgrestest.FreshSchemaDSN(t)
		for i := range 2 {
			s, err := postgres.Open(t.Context(), dsn)
			if err != nil {
				t.Fatalf("Open %d: %v", i, err)
			}
			_ = s.Close()
		}
	})

	t.Run("an unreachable server is an error, not a hang", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		s, err := postgres.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=5")
		if err == nil {
			_ = s.Close()
			t.Fatal("Open succeeded against a closed port")
		}
	})

	t.Run("a malformed DSN is an error", func(t *testing.T) {
		t.Parallel()
		if _, err := postgres.Open(t.Context(), "postgres://%zz"); err == nil {
			t.Fatal("Open accepted a malformed DSN")
		}
	})
}

func TestNew(t *testing.T) {
	t.Run("Close leaves the caller's pool open", func(t *testing.T) {
		pool := testPool(t, postgrestest.FreshSchemaDSN(t))
		s, err := postgres.New(t.Context(), pool)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := pool.Ping(t.Context()); err != nil {
			t.Errorf("Ping after Close: %v", err)
		}
	})
	t.Run("a nil pool is an error", func(t *testing.T) {
		if _, err := postgres.New(t.Context(), (*pgxpool.Pool)(nil)); err == nil {
			t.Fatal("New accepted a nil pool")
		}
	})
}
