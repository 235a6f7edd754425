package sqlite

import (
	"context"
	"database/sql"
)

// The writer's statements, kept prepared as readPool keeps the readers'
// (readpool.go): SQLite parsing and planning a statement costs about as
// much as running it, and a sign-in runs the same dozen write texts every
// time — a third of the writer's CPU went to parsing them.
//
// The writer has one connection, and a write holds it for its whole
// transaction, so a text cannot be prepared on the database where it is
// first used (that would wait for the connection the transaction holds).
// It is noted there and run unprepared; the committer prepares the noted
// texts between transactions (prepareNoted), when the connection is free,
// and from then on a transaction runs the text on the kept statement
// (tx.StmtContext finds it already prepared on the connection).
//
// Only the committer goroutine touches a writeStmts, so it has no lock.

// maxWriteStmts bounds the statements the writer keeps prepared. The
// store's writes are a few dozen fixed texts; a text past the bound is
// run unprepared.
const maxWriteStmts = 256

type writeStmts struct {
	db     *sql.DB
	kept   map[string]*sql.Stmt
	noted  map[string]bool
	failed map[string]bool // texts that would not prepare; never tried again
}

func newWriteStmts(db *sql.DB) *writeStmts {
	return &writeStmts{db: db, kept: map[string]*sql.Stmt{}, noted: map[string]bool{}, failed: map[string]bool{}}
}

// get returns the kept statement for query, or nil after noting query to
// be prepared once the transaction is over.
func (w *writeStmts) get(query string) *sql.Stmt {
	if st, ok := w.kept[query]; ok {
		return st
	}
	if !w.failed[query] && len(w.kept)+len(w.noted) < maxWriteStmts {
		w.noted[query] = true
	}
	return nil
}

// prepareNoted prepares the texts noted since the last call. It must run
// between transactions.
func (w *writeStmts) prepareNoted() {
	if len(w.noted) == 0 {
		return
	}
	for query := range w.noted {
		st, err := w.db.PrepareContext(context.Background(), query)
		if err != nil {
			w.failed[query] = true // run unprepared, where its error shows
			continue
		}
		w.kept[query] = st
	}
	clear(w.noted)
}

// close closes the kept statements.
func (w *writeStmts) close() {
	for query, st := range w.kept {
		_ = st.Close()
		delete(w.kept, query)
	}
}

// wtx is the transaction a write runs in: sql.Tx, whose ExecContext,
// QueryContext and QueryRowContext run on the writer's kept statements.
type wtx struct {
	*sql.Tx
	stmts *writeStmts
}

// ExecContext is sql.Tx's, on the kept statement for query.
func (t *wtx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmts.get(query); st != nil {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

// QueryContext is sql.Tx's, on the kept statement for query.
func (t *wtx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmts.get(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext is sql.Tx's, on the kept statement for query.
func (t *wtx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmts.get(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// unkept returns what runs tx's statements without the writer's kept
// ones, for a text built per call (a multi-row insert of any length) that
// would only fill the cache and crowd out the fixed texts.
func unkept(tx execer) execer {
	if w, ok := tx.(*wtx); ok {
		return w.Tx
	}
	return tx
}

// execer is what the writes' helpers run statements on: a write's *wtx,
// or a migration's *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
