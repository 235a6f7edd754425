package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/cupola-auth/cupola/store"
)

// Group commit. Every write of the store is a function run in a
// transaction on the single writer connection (writeTx). Instead of one
// BEGIN IMMEDIATE … COMMIT — one fsync — per write, one goroutine, the
// committer, takes every write queued while the previous commit was on
// disk and runs them in one transaction, each inside a SAVEPOINT of its
// own, then commits once:
//
//   - each write is still atomic: an error rolls back to its savepoint,
//     and the other writes of the batch go on;
//   - each write sees the writes queued before it, in queue order, so the
//     batch is the same as running them one after the other;
//   - nobody is answered before the commit that holds their write is on
//     disk (synchronous=FULL), so nothing acknowledged is lost;
//   - if the batch itself fails (its commit, or a write that broke the
//     transaction rather than returning an error), it is rolled back and
//     each of its writes is run again alone, so one write's failure is
//     never another's.
//
// There is no waiting for a batch to fill: a lone write commits at once,
// and batches grow only while writes queue behind an fsync, which is when
// sharing it pays.
//
// A write whose caller marked it store.DeferSync may be acknowledged
// before it is on disk: a batch of such writes only commits with
// synchronous=NORMAL, which in WAL mode appends to the log without a
// fsync. Any batch holding a durable write commits with synchronous=FULL,
// whose fsync of the log carries every frame appended before it, so each
// deferred write is on disk once the next durable one that changes data
// is acknowledged (a commit that appends no frame does not fsync) —
// the contract store.DeferSync states. A checkpoint (NORMAL syncs the log
// before one) makes them durable too.
//
// A write runs with its caller's context values but without its
// cancellation: an interrupted statement would roll back the whole shared
// transaction. A caller whose context ends while its write is still queued
// gets the context's error, and the write never runs.

// maxBatch bounds the writes of one transaction.
const maxBatch = 64

// writeFunc is one write: it runs in tx, with ctx (its caller's values,
// never cancelled while it runs).
type writeFunc func(ctx context.Context, tx *wtx) error

// Write states.
const (
	writeQueued int32 = iota
	writeStarted
	writeAbandoned
)

type writeReq struct {
	ctx      context.Context
	fn       writeFunc
	deferred bool // store.DeferSync: may be acknowledged before its fsync
	state    atomic.Int32
	err      error
	done     chan struct{}
}

// committer runs the queued writes on db.
type committer struct {
	db    *sql.DB
	stmts *writeStmts // the writer's kept statements (writestmts.go)
	// synchronous is the writer connection's PRAGMA synchronous as last
	// set: FULL as the DSN opens it, NORMAL while batches of deferred
	// writes only commit, "" when setting it failed (set again before
	// the next batch).
	synchronous string
	queue       chan *writeReq
	stop        chan struct{}
	wg          sync.WaitGroup
	// mu guards closed: senders hold it shared, so that once close has
	// set it nothing more enters the queue the committer drains.
	mu     sync.RWMutex
	closed bool
	// batches and writes count the transactions committed and the writes
	// in them, deferred the transactions committed without a fsync (every
	// write in them deferred), for tests and benchmarks.
	batches, writes, deferred atomic.Int64
}

func newCommitter(db *sql.DB) *committer {
	c := &committer{db: db, stmts: newWriteStmts(db), synchronous: "FULL", queue: make(chan *writeReq, 4*maxBatch), stop: make(chan struct{})}
	c.wg.Go(c.run)
	return c
}

// close stops the committer once the writes queued so far are done, and
// closes the writer's kept statements. A second close does nothing.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.stop)
	}
	c.mu.Unlock()
	c.wg.Wait()
	c.stmts.close()
}

// errClosed answers a write after Close.
var errClosed = errors.New("sqlite: store is closed")

// do queues fn and waits for the commit that holds it.
func (c *committer) do(ctx context.Context, fn writeFunc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &writeReq{ctx: ctx, fn: fn, deferred: store.SyncDeferred(ctx), done: make(chan struct{})}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errClosed
	}
	select {
	case c.queue <- r:
		c.mu.RUnlock()
	case <-ctx.Done():
		c.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		if r.state.CompareAndSwap(writeQueued, writeAbandoned) {
			return ctx.Err() // it will never run
		}
		<-r.done // it runs or has run: its outcome is the answer
		return r.err
	}
}

func (c *committer) run() {
	batch := make([]*writeReq, 0, maxBatch)
	for {
		var first *writeReq
		select {
		case first = <-c.queue:
		case <-c.stop:
			// Writes already queued still run; later ones see errClosed.
			for {
				select {
				case r := <-c.queue:
					c.commit([]*writeReq{r})
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxBatch {
			select {
			case r := <-c.queue:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		c.commit(batch)
		c.stmts.prepareNoted()
	}
}

// commit runs a batch and answers each of its writes.
func (c *committer) commit(batch []*writeReq) {
	live := batch[:0:0]
	for _, r := range batch {
		if r.state.CompareAndSwap(writeQueued, writeStarted) {
			live = append(live, r)
		} else {
			close(r.done) // abandoned: its caller has its answer
		}
	}
	if len(live) == 0 {
		return
	}
	durable := slices.ContainsFunc(live, func(r *writeReq) bool { return !r.deferred })
	if err := c.setSynchronous(durable); err != nil && durable {
		// Never commit a durable write without its fsync.
		for _, r := range live {
			r.err = fmt.Errorf("synchronous: %w", err)
			close(r.done)
		}
		return
	}
	if len(live) == 1 {
		c.alone(live[0])
		return
	}
	if err := c.together(live); err != nil {
		for _, r := range live {
			c.alone(r)
		}
		return
	}
	for _, r := range live {
		close(r.done)
	}
}

// setSynchronous sets the writer's PRAGMA synchronous for the next
// commit: FULL when it holds a durable write, NORMAL when every write in
// it is deferred. SQLite refuses to change it inside a transaction, so it
// is set between them, and only when it changes.
func (c *committer) setSynchronous(durable bool) error {
	want := "NORMAL"
	if durable {
		want = "FULL"
	}
	if c.synchronous == want {
		return nil
	}
	// Never on a kept statement: SQLite applies this pragma when it
	// prepares it, so a kept one would change nothing when run again.
	if _, err := c.db.ExecContext(context.Background(), "PRAGMA synchronous = "+want); err != nil {
		c.synchronous = ""
		return err
	}
	c.synchronous = want
	return nil
}

// begin starts a transaction on the writer, its statements run on the
// kept ones.
func (c *committer) begin() (*wtx, error) {
	tx, err := c.db.BeginTx(context.Background(), nil)
	if err != nil {
		return nil, err
	}
	return &wtx{Tx: tx, stmts: c.stmts}, nil
}

// alone runs one write in a transaction of its own.
func (c *committer) alone(r *writeReq) {
	defer close(r.done)
	tx, err := c.begin()
	if err != nil {
		r.err = fmt.Errorf("begin: %w", err)
		return
	}
	if err := r.fn(context.WithoutCancel(r.ctx), tx); err != nil {
		_ = tx.Rollback()
		r.err = err
		return
	}
	if err := tx.Commit(); err != nil {
		r.err = fmt.Errorf("commit: %w", err)
		return
	}
	c.counted(1)
}

// together runs the writes of live in one transaction, each in a
// savepoint, and commits. Each write's own error is left in its r.err; an
// error returned means the batch failed as a whole and was rolled back.
func (c *committer) together(live []*writeReq) error {
	bg := context.Background()
	tx, err := c.begin()
	if err != nil {
		return err
	}
	for _, r := range live {
		if _, err := tx.ExecContext(bg, "SAVEPOINT w"); err != nil {
			_ = tx.Rollback()
			return err
		}
		r.err = r.fn(context.WithoutCancel(r.ctx), tx)
		undo := "RELEASE w"
		if r.err != nil {
			undo = "ROLLBACK TO w"
		}
		if _, err := tx.ExecContext(bg, undo); err != nil {
			_ = tx.Rollback()
			return err
		}
		if r.err != nil {
			if _, err := tx.ExecContext(bg, "RELEASE w"); err != nil {
				_ = tx.Rollback()
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	c.counted(len(live))
	return nil
}

// counted counts a committed transaction of n writes.
func (c *committer) counted(n int) {
	c.batches.Add(1)
	c.writes.Add(int64(n))
	if c.synchronous == "NORMAL" {
		c.deferred.Add(1)
	}
}
