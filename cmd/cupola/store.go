package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/postgres"
	"github.com/cupola-auth/cupola/store/sqlite"
)

// isPostgresDSN reports whether -db names a PostgreSQL database.
func isPostgresDSN(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// openStore opens the store -db names: PostgreSQL for a postgres:// DSN,
// else the SQLite file.
func openStore(ctx context.Context, db string, log *slog.Logger) (store.Store, error) {
	if db == "" {
		return nil, usagef("-db is empty")
	}
	if isPostgresDSN(db) {
		s, err := postgres.Open(ctx, db, postgres.WithLogger(log))
		if err != nil {
			return nil, fmt.Errorf("open postgresql %s: %w", redactDSN(db), err)
		}
		log.Info("store opened", "kind", "postgresql", "dsn", redactDSN(db))
		return s, nil
	}
	s, err := sqlite.Open(ctx, db, sqlite.WithLogger(log))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", db, err)
	}
	log.Debug("store opened", "kind", "sqlite", "path", db)
	return s, nil
}

// redactDSN hides the password of a DSN, for logs and errors.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable DSN)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
