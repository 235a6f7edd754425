package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// ErrSchemaTooNew is returned by Open when the database records a schema
// version that this build does not know: it was migrated by a newer
// version of Cupola, and writing to it could corrupt it.
var ErrSchemaTooNew = errors.New("sqlite: database schema is newer than this build")

type migration struct {
	version int
	name    string
	sql     string
}

// migrationStep is Go code that completes a numbered migration, run in the
// migration transaction right after that version's SQL: a backfill that
// SQL cannot compute (such as store.SearchKey for every stored user).
type migrationStep func(ctx context.Context, tx *sql.Tx) error

// migrationSteps returns the Go steps of the embedded migrations, by
// version.
func migrationSteps() map[int]migrationStep {
	return map[int]migrationStep{
		2: backfillUserSearch,
	}
}

// loadMigrations reads migrations/NNNN_name.sql from fsys, ordered by
// version. Versions must run 1, 2, 3… without gaps or duplicates.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlite: migration %q: name must be NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sqlite: read migration %q: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlite: migration %q: version %d, want %d", m.name, m.version, i+1)
		}
	}
	return ms, nil
}

// migrate applies the migrations the database has not seen, in order, in
// one IMMEDIATE transaction, so two processes opening a new file at once
// cannot both apply them, and a failing migration leaves nothing behind.
// steps[v], when present, runs right after the SQL of version v.
func migrate(ctx context.Context, db *sql.DB, fsys fs.FS, steps map[int]migrationStep, log *slog.Logger) error {
	ms, err := loadMigrations(fsys)
	if err != nil {
		return err
	}
	for v := range steps {
		if v <= 0 || v > len(ms) {
			return fmt.Errorf("sqlite: migrate: go step for version %d has no migration file", v)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: begin: %w", err)
	}
	defer tx.Rollback()

	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("sqlite: migrate: create schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("sqlite: migrate: read version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("%w: database is at version %d, this build knows up to %d", ErrSchemaTooNew, current, len(ms))
	}
	if current == len(ms) {
		return nil
	}
	for _, m := range ms[current:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("sqlite: migrate: apply %s: %w", m.name, err)
		}
		if step := steps[m.version]; step != nil {
			if err := step(ctx, tx); err != nil {
				return fmt.Errorf("sqlite: migrate: apply %s: go step: %w", m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			m.version, time.Now().UnixMicro()); err != nil {
			return fmt.Errorf("sqlite: migrate: record %s: %w", m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrate: commit: %w", err)
	}
	log.Info("sqlite: applied migrations", "from", current, "to", len(ms))
	return nil
}
