package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxReadStmts bounds the statements a readPool keeps prepared. The
// store's reads are a few dozen fixed texts; ListUsers and
// AdminListUserAuthEvents build theirs from a handful of shapes. A text
// past the bound is run unprepared, as before.
const maxReadStmts = 256

// readPool is the pool of read-only connections, with each query text
// prepared once per connection and kept. database/sql prepares and
// finalizes a statement for every ad-hoc query, and SQLite parsing and
// planning a statement costs as much as the point lookup it runs: a kept
// statement halves the time of a read such as GetUser.
type readPool struct {
	*sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newReadPool(db *sql.DB) *readPool {
	return &readPool{DB: db, stmts: make(map[string]*sql.Stmt)}
}

// stmt returns the kept statement for query, preparing it on first use
// (outside the lock, so reads of kept statements never wait on it); nil
// when it cannot be kept (the caller runs the query unprepared, which
// reports any error in it).
func (r *readPool) stmt(ctx context.Context, query string) *sql.Stmt {
	r.mu.RLock()
	st, ok := r.stmts[query]
	full := len(r.stmts) >= maxReadStmts
	r.mu.RUnlock()
	if ok || full {
		return st
	}
	st, err := r.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if kept, ok := r.stmts[query]; ok || len(r.stmts) >= maxReadStmts {
		_ = st.Close() // another caller kept one first, or the pool is full
		return kept
	}
	r.stmts[query] = st
	return st
}

// QueryRowContext is sql.DB's, on the kept statement for query.
func (r *readPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return r.DB.QueryRowContext(ctx, query, args...)
}

// QueryContext is sql.DB's, on the kept statement for query.
func (r *readPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return r.DB.QueryContext(ctx, query, args...)
}

// Close closes the kept statements and the pool.
func (r *readPool) Close() error {
	r.mu.Lock()
	for q, st := range r.stmts {
		_ = st.Close()
		delete(r.stmts, q)
	}
	r.mu.Unlock()
	return r.DB.Close()
}
