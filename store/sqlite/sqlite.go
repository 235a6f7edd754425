package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	// The driver registers itself as "sqlite".
	_ "modernc.org/sqlite"

	"github.com/cupola-auth/cupola/store"
)

// DefaultBusyTimeout is how long a connection waits for a lock held by
// another connection (another process on the same file, a checkpoint)
// before it gives up with SQLITE_BUSY.
const DefaultBusyTimeout = 5 * time.Second

// DefaultReaders is the size of the read-only connection pool.
const DefaultReaders = 4

// ErrInMemory is returned by Open for ":memory:" and other paths that do not
// name a file: the store opens the database twice (a writer and a reader
// pool), and two in-memory connections would be two different databases.
var ErrInMemory = errors.New("sqlite: an in-memory database is not supported, use store/memory or a file")

// Store is a store.Store kept in one SQLite file. It is safe for concurrent
// use. Writes are serialized on one connection in short BEGIN IMMEDIATE
// transactions, concurrent ones sharing a commit (commit.go); reads run on
// a separate pool of read-only connections that WAL mode lets proceed
// while a write is in progress, each query's statement prepared once and
// kept (readpool.go).
type Store struct {
	// writer is the one write connection; every write goes through
	// commits, which groups concurrent writes into one commit (commit.go).
	writer  *sql.DB
	commits *committer
	reader  *readPool
	log     *slog.Logger
}

var _ store.Store = (*Store)(nil)

// Option configures Open.
type Option func(*config)

type config struct {
	logger      *slog.Logger
	busyTimeout time.Duration
	readers     int
}

// WithLogger sets the logger for migrations and other rare events. The
// default discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithBusyTimeout sets how long a statement waits for a lock held by another
// connection before it fails (default DefaultBusyTimeout). Values below one
// millisecond are raised to one millisecond.
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) { c.busyTimeout = max(d, time.Millisecond) }
}

// WithReaders sets how many read-only connections may be open at once
// (default DefaultReaders; at least 1).
func WithReaders(n int) Option {
	return func(c *config) { c.readers = max(n, 1) }
}

// Open opens (creating if needed) the SQLite database at path, applies any
// pending migrations and returns the store. Every connection runs with
// journal_mode=WAL, synchronous=FULL, foreign_keys=ON and the busy timeout
// (the writer commits writes marked store.DeferSync, and only those, with
// synchronous=NORMAL: commit.go).
// A database written by a newer version of this package, whose schema
// version is unknown here, is refused with ErrSchemaTooNew.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := config{
		logger:      slog.New(slog.DiscardHandler),
		busyTimeout: DefaultBusyTimeout,
		readers:     DefaultReaders,
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if path == "" {
		return nil, errors.New("sqlite: open: empty path")
	}
	if path == ":memory:" || strings.HasPrefix(path, "file::memory:") {
		return nil, ErrInMemory
	}
	if strings.HasPrefix(path, "file:") {
		return nil, errors.New("sqlite: open: path must be a file path, not a uri")
	}

	writer, err := sql.Open("sqlite", dsn(path, cfg.busyTimeout, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	// One connection: SQLite has one writer per file anyway, and queueing
	// in database/sql (which honours ctx) beats spinning on SQLITE_BUSY.
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)

	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := migrate(ctx, writer, migrationsFS, migrationSteps(), cfg.logger); err != nil {
		writer.Close()
		return nil, err
	}

	reader, err := sql.Open("sqlite", dsn(path, cfg.busyTimeout, true))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open reader: %w", err)
	}
	reader.SetMaxOpenConns(cfg.readers)
	reader.SetMaxIdleConns(cfg.readers)
	reader.SetConnMaxLifetime(0)
	reader.SetConnMaxIdleTime(0)
	if err := reader.PingContext(ctx); err != nil {
		reader.Close()
		writer.Close()
		return nil, fmt.Errorf("sqlite: open reader %s: %w", path, err)
	}
	return &Store{writer: writer, commits: newCommitter(writer), reader: newReadPool(reader), log: cfg.logger}, nil
}

// Close closes both connection pools. The writer is closed last so that
// the final connection checkpoints the write-ahead log into the database.
func (s *Store) Close() error {
	s.commits.close()
	rerr := s.reader.Close()
	// Keeps query-planner statistics fresh; cheap when nothing changed.
	if _, err := s.writer.Exec("PRAGMA optimize"); err != nil {
		s.log.Debug("sqlite: optimize on close", "err", err)
	}
	werr := s.writer.Close()
	if err := errors.Join(rerr, werr); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// dsn builds the modernc.org/sqlite data source name. The path travels as a
// file: URI so that '?', '#' and '%' in it are escaped rather than parsed.
func dsn(path string, busy time.Duration, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(ON)")
	if readOnly {
		q.Add("_pragma", "query_only(ON)")
		q.Set("_txlock", "deferred")
	} else {
		// Truncate the WAL file back to 64 MiB after a checkpoint.
		q.Add("_pragma", "journal_size_limit(67108864)")
		// Bulk writes (CreateUsers) touch pages all over the trees whose
		// keys hold random subs (users by sub, the search keys shared by
		// many users, ordered by sub within a key): a 64 MiB page cache
		// keeps them in memory rather than
		// spilling them mid-transaction, statement journals of multi-row
		// statements stay in memory, and checkpointing every 64 MiB of WAL
		// rather than 4 MiB writes a page touched by successive batches to
		// the database once. Together they made an import about 1.6
		// times faster (before migration 0012).
		q.Add("_pragma", "cache_size(-65536)")
		q.Add("_pragma", "temp_store(MEMORY)")
		q.Add("_pragma", "wal_autocheckpoint(16384)")
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Path: path}
	return "file:" + u.EscapedPath() + "?" + q.Encode()
}

// writeTx runs fn in a BEGIN IMMEDIATE transaction on the writer
// connection, alone or beside other writes in a group commit (commit.go),
// and returns once the commit is on disk. fn's changes are kept only when
// it returns nil. fn must use the ctx it is given.
func (s *Store) writeTx(ctx context.Context, fn writeFunc) error {
	return s.commits.do(ctx, fn)
}

// writeExec is one statement as a write of its own.
func (s *Store) writeExec(ctx context.Context, query string, args ...any) (res sql.Result, err error) {
	err = s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}
