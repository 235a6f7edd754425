package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// rawDB opens the file with plain database/sql, bypassing the store.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, time.Second, false))
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func versions(t *testing.T, db *sql.DB) []int {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}

func tableExists(t *testing.T, db *sql.DB, name string) bool {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func migrationFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys["migrations/"+name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

var discard = slog.New(slog.DiscardHandler)

func TestOpenAppliesEveryEmbeddedMigrationOnce(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "cupola.db")
	known, err := loadMigrations(migrationsFS)
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	s.Close()

	db := rawDB(t, path)
	var firstApplied int64
	if err := db.QueryRowContext(ctx, `SELECT applied_at FROM schema_migrations WHERE version = 1`).Scan(&firstApplied); err != nil {
		t.Fatalf("read applied_at: %v", err)
	}
	if got := versions(t, db); len(got) != len(known) || got[len(got)-1] != len(known) {
		t.Fatalf("versions after first open = %v, want 1..%d", got, len(known))
	}
	db.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	s.Close()
	db = rawDB(t, path)
	var again int64
	if err := db.QueryRowContext(ctx, `SELECT applied_at FROM schema_migrations WHERE version = 1`).Scan(&again); err != nil {
		t.Fatalf("read applied_at: %v", err)
	}
	if got := versions(t, db); len(got) != len(known) {
		t.Errorf("versions after second open = %v, want %d rows", got, len(known))
	}
	if again != firstApplied {
		t.Errorf("migration 1 re-applied: applied_at %d, then %d", firstApplied, again)
	}
}

func TestOpenRefusesADatabaseFromANewerBuild(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "cupola.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	s.Close()
	db := rawDB(t, path)
	if _, err := db.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err = Open(ctx, path)
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded on a database at version 9999")
	}
	if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "9999") {
		t.Fatalf("Open: %v, want ErrSchemaTooNew naming version 9999", err)
	}
}

func TestMigrate(t *testing.T) {
	v1 := map[string]string{"0001_a.sql": `CREATE TABLE a (x INTEGER);`}
	v2 := map[string]string{"0001_a.sql": v1["0001_a.sql"], "0002_b.sql": `CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1);`}
	tests := []struct {
		name       string
		before     map[string]string // migrations applied first, if any
		files      map[string]string
		wantErr    string
		wantTables []string
		noTables   []string
		want       []int
		steps      map[int]migrationStep
	}{
		{name: "an upgrade applies only the new migration", before: v1, files: v2, wantTables: []string{"a", "b"}, want: []int{1, 2}},
		{name: "a failing migration leaves nothing behind", before: v1,
			files:   map[string]string{"0001_a.sql": v1["0001_a.sql"], "0002_b.sql": `CREATE TABLE b (y INTEGER);`, "0003_c.sql": `CREATE TABLE broken (`},
			wantErr: "0003_c.sql", wantTables: []string{"a"}, noTables: []string{"b"}, want: []int{1}},
		{name: "a gap in the numbering is refused", files: map[string]string{"0001_a.sql": "SELECT 1;", "0003_c.sql": "SELECT 1;"},
			wantErr: "want 2"},
		{name: "a file without a number is refused", files: map[string]string{"init.sql": "SELECT 1;"}, wantErr: "NNNN_name.sql"},
		{name: "a go step runs right after the sql of its version", before: v1, files: v2,
			steps: map[int]migrationStep{2: func(ctx context.Context, tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO b SELECT x FROM a`)
				return err
			}}, wantTables: []string{"a", "b"}, want: []int{1, 2}},
		{name: "a go step for a version without a file is refused", files: v1,
			steps: map[int]migrationStep{2: func(context.Context, *sql.Tx) error { return nil }}, wantErr: "version 2"},
		{name: "files that are not sql are ignored", files: map[string]string{"0001_a.sql": v1["0001_a.sql"], "README": "x"},
			wantTables: []string{"a"}, want: []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := rawDB(t, filepath.Join(t.TempDir(), "m.db"))
			if tt.before != nil {
				if err := migrate(ctx, db, migrationFS(tt.before), nil, discard); err != nil {
					t.Fatalf("first migrate: %v", err)
				}
			}
			err := migrate(ctx, db, migrationFS(tt.files), tt.steps, discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("migrate: %v, want error containing %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("migrate: %v", err)
			}
			for _, name := range tt.wantTables {
				if !tableExists(t, db, name) {
					t.Errorf("table %s missing", name)
				}
			}
			for _, name := range tt.noTables {
				if tableExists(t, db, name) {
					t.Errorf("table %s exists, want it rolled back", name)
				}
			}
			if tt.want != nil {
				if got := versions(t, db); !equalInts(got, tt.want) {
					t.Errorf("versions = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestEveryConnectionRunsThePragmas(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "cupola.db"), WithBusyTimeout(1234*time.Millisecond), WithReaders(3))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()

	check := func(t *testing.T, conn *sql.Conn, pragma, want string) {
		t.Helper()
		var got string
		if err := conn.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
	// Hold every reader connection at once so that each one is checked.
	var readers []*sql.Conn
	for range 3 {
		c, err := s.reader.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		readers = append(readers, c)
	}
	w, err := s.writer.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	for i, c := range append([]*sql.Conn{w}, readers...) {
		wantQueryOnly := "1"
		if i == 0 {
			wantQueryOnly = "0"
		}
		check(t, c, "journal_mode", "wal")
		check(t, c, "synchronous", "2")
		check(t, c, "foreign_keys", "1")
		check(t, c, "busy_timeout", "1234")
		check(t, c, "query_only", wantQueryOnly)
	}
	if _, err := readers[0].ExecContext(ctx, `DELETE FROM users`); err == nil {
		t.Error("a reader connection accepted a write")
	}
}
