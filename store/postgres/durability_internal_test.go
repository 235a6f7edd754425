package postgres

import (
	"testing"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
)

// TestDeferredWritesCommitAsynchronously: a write marked store.DeferSync
// runs with synchronous_commit off in its own implicit transaction, and
// only there — neither other writes nor the pooled connection it ran on
// keep the setting.
func TestDeferredWritesCommitAsynchronously(t *testing.T) {
	ctx := t.Context()
	// One connection, so that "afterwards" is the connection the deferred
	// write ran on; synchronous commits for the session whatever the
	// server's default (the test cluster of .ci/postgres.sh has them off).
	s, err := Open(ctx, postgrestest.FreshSchemaDSN(t)+"&pool_max_conns=1&synchronous_commit=on")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deferred := store.DeferSync(ctx)
	// The statement reports the setting its own transaction commits with.
	const setting = `SELECT current_setting('synchronous_commit')`
	for _, tc := range []struct {
		name string
		read func() (string, error)
		want string
	}{
		{"a deferred write", func() (v string, err error) { err = s.queryRowWrite(deferred, setting).Scan(&v); return }, "off"},
		{"a durable write", func() (v string, err error) { err = s.queryRowWrite(ctx, setting).Scan(&v); return }, "on"},
		{"the connection afterwards", func() (v string, err error) { err = s.pool.QueryRow(ctx, setting).Scan(&v); return }, "on"},
	} {
		got, err := tc.read()
		if err != nil || got != tc.want {
			t.Errorf("%s: synchronous_commit %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	if tag, err := s.execWrite(deferred, `CREATE TABLE deferred_probe (x int)`); err != nil || tag.String() != "CREATE TABLE" {
		t.Fatalf("a deferred statement: %q, %v", tag, err)
	}
	if _, err := s.execWrite(deferred, `INSERT INTO deferred_probe VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM deferred_probe`).Scan(&n); err != nil || n != 1 {
		t.Errorf("the deferred insert: %d rows, %v; want 1", n, err)
	}
	if _, err := s.execWrite(deferred, `INSERT INTO no_such_table VALUES (1)`); err == nil {
		t.Error("a deferred statement on a missing table succeeded")
	}
	var missing string
	if err := s.queryRowWrite(deferred, `SELECT 'x' FROM deferred_probe WHERE x = 2`).Scan(&missing); err == nil {
		t.Errorf("a deferred query that finds nothing scanned %q", missing)
	}
}
