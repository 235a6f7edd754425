package sqlite

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/cupola-auth/cupola/store"
)

// TestGroupCommitKeepsEachWriteItsOwn: concurrent writes share commits,
// and within a shared commit one write's failure (a taken username) or
// its caller's cancellation leaves the others as they would be alone.
func TestGroupCommitKeepsEachWriteItsOwn(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	user := func(i int, name string) store.User {
		return store.User{PoolID: "p", Sub: fmt.Sprintf("sub-%d", i), Username: name, UsernameKey: name, Status: "CONFIRMED"}
	}
	if _, err := s.CreateUser(ctx, user(-1, "taken")); err != nil {
		t.Fatal(err)
	}
	const n = 200
	errs := make([]error, n)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			switch {
			case i%10 == 3: // a duplicate: refused, alone
				_, errs[i] = s.CreateUser(ctx, user(i, "taken"))
			case i%10 == 7: // its caller gave up: never written
				_, errs[i] = s.CreateUser(cancelled, user(i, fmt.Sprintf("gone%d", i)))
			default:
				_, errs[i] = s.CreateUser(ctx, user(i, fmt.Sprintf("u%d", i)))
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		var want error
		switch i % 10 {
		case 3:
			want = store.ErrExists
		case 7:
			want = context.Canceled
		}
		if want == nil && err != nil || want != nil && !errors.Is(err, want) {
			t.Errorf("write %d: %v, want %v", i, err, want)
		}
		_, gerr := s.GetUser(ctx, "p", fmt.Sprintf("sub-%d", i))
		if stored := gerr == nil; stored != (want == nil) {
			t.Errorf("write %d: stored %v, err %v", i, stored, gerr)
		}
	}
	batches, writes := s.commits.batches.Load(), s.commits.writes.Load()
	t.Logf("%d writes in %d commits", writes, batches)
	if batches >= writes {
		t.Errorf("%d writes took %d commits: nothing was grouped", writes, batches)
	}
}

// TestGroupCommitFallsBackWhenTheBatchBreaks: a write that breaks the
// shared transaction (here: it commits it under the committer) makes the
// batch run again write by write, and the others still land.
func TestGroupCommitFallsBackWhenTheBatchBreaks(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Go(func() {
			if i == 20 {
				errs[i] = s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
					_, err := tx.ExecContext(ctx, "ROLLBACK") // breaks any shared transaction
					return err
				})
				return
			}
			_, errs[i] = s.CreateUser(ctx, store.User{PoolID: "p", Sub: fmt.Sprintf("s%d", i),
				Username: fmt.Sprintf("u%d", i), UsernameKey: fmt.Sprintf("u%d", i), Status: "CONFIRMED"})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i == 20 {
			continue
		}
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
		if _, err := s.GetUser(ctx, "p", fmt.Sprintf("s%d", i)); err != nil {
			t.Errorf("write %d not stored: %v", i, err)
		}
	}
}

// A compare-and-swap run again alone after its batch broke must compare
// the version its caller read, not the one its first run already
// advanced: else every update of a broken batch answers ErrConflict.
func TestACompareAndSwapRunAgainAloneStillSucceeds(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	const n = 40
	users := make([]store.User, n)
	groups := make([]store.Group, n)
	for i := range n {
		var err error
		if users[i], err = s.CreateUser(ctx, store.User{PoolID: "p", Sub: fmt.Sprintf("s%d", i),
			Username: fmt.Sprintf("u%d", i), UsernameKey: fmt.Sprintf("u%d", i), Status: "CONFIRMED"}); err != nil {
			t.Fatal(err)
		}
		if groups[i], err = s.CreateGroup(ctx, store.Group{PoolID: "p", Name: fmt.Sprintf("g%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for round := range 5 {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				switch {
				case i == n/2:
					errs[i] = s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
						_, err := tx.ExecContext(ctx, "ROLLBACK") // breaks any shared transaction
						return err
					})
					errs[i] = nil
				case i%2 == 0:
					u := users[i]
					u.Attributes = map[string]string{"name": fmt.Sprint("round ", round)}
					u, errs[i] = s.UpdateUser(ctx, u)
					if errs[i] == nil {
						users[i] = u
					}
				default:
					g := groups[i]
					g.Description = fmt.Sprint("round ", round)
					g, errs[i] = s.UpdateGroup(ctx, g)
					if errs[i] == nil {
						groups[i] = g
					}
				}
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d, write %d: %v", round, i, err)
			}
		}
	}
}

// TestDeferredWritesWaitForTheNextDurableCommit: writes marked
// store.DeferSync commit with synchronous=NORMAL, appending to the log
// without a fsync; the next durable write commits with FULL, whose fsync
// carries them; a batch holding deferred and durable writes is durable.
func TestDeferredWritesWaitForTheNextDurableCommit(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	deferred := store.DeferSync(ctx)
	create := func(ctx context.Context, name string) error {
		_, err := s.CreateUser(ctx, store.User{PoolID: "p", Sub: "sub-" + name, Username: name, UsernameKey: name, Status: "CONFIRMED"})
		return err
	}
	synchronous := func() int { // 1 NORMAL, 2 FULL
		t.Helper()
		var level int
		if err := s.writer.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&level); err != nil {
			t.Fatal(err)
		}
		return level
	}
	counts := func() (batches, deferred int64) {
		return s.commits.batches.Load(), s.commits.deferred.Load()
	}

	if got := synchronous(); got != 2 {
		t.Fatalf("a fresh store commits with synchronous=%d, want 2 (FULL)", got)
	}
	b0, d0 := counts()
	for _, name := range []string{"a", "b", "c"} {
		if err := create(deferred, name); err != nil {
			t.Fatal(err)
		}
	}
	if b, d := counts(); b-b0 != 3 || d-d0 != 3 {
		t.Errorf("three deferred writes: %d commits, %d of them without a fsync; want 3 and 3", b-b0, d-d0)
	}
	if got := synchronous(); got != 1 {
		t.Errorf("after deferred writes synchronous=%d, want 1 (NORMAL)", got)
	}
	if err := create(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	if b, d := counts(); b-b0 != 4 || d-d0 != 3 {
		t.Errorf("then a durable write: %d commits, %d without a fsync; want 4 and 3", b-b0, d-d0)
	}
	if got := synchronous(); got != 2 {
		t.Errorf("after a durable write synchronous=%d, want 2 (FULL)", got)
	}

	// A deferred write holds the committer while a deferred and a durable
	// write queue behind it: they share the next commit, which is durable.
	started, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		err := s.writeTx(deferred, func(ctx context.Context, tx *wtx) error {
			close(started)
			<-release
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	})
	<-started
	b0, d0 = counts()
	wg.Go(func() {
		if err := create(deferred, "e"); err != nil {
			t.Error(err)
		}
	})
	wg.Go(func() {
		if err := create(ctx, "f"); err != nil {
			t.Error(err)
		}
	})
	for len(s.commits.queue) < 2 {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if b, d := counts(); b-b0 != 2 || d-d0 != 1 {
		t.Errorf("the holder, then a deferred and a durable write together: %d commits, %d without a fsync; want 2 and 1", b-b0, d-d0)
	}
	if got := synchronous(); got != 2 {
		t.Errorf("after a shared durable commit synchronous=%d, want 2 (FULL)", got)
	}

	// The connection follows every change, not only the first ones.
	for i := range 4 {
		if err := create(deferred, fmt.Sprint("deferred", i)); err != nil {
			t.Fatal(err)
		}
		if got := synchronous(); got != 1 {
			t.Errorf("round %d: after a deferred write synchronous=%d, want 1 (NORMAL)", i, got)
		}
		if err := create(ctx, fmt.Sprint("durable", i)); err != nil {
			t.Fatal(err)
		}
		if got := synchronous(); got != 2 {
			t.Errorf("round %d: after a durable write synchronous=%d, want 2 (FULL)", i, got)
		}
	}
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "deferred3", "durable3"} {
		if _, err := s.GetUser(ctx, "p", "sub-"+name); err != nil {
			t.Errorf("user %s: %v", name, err)
		}
	}
}

// TestTheWriterKeepsItsStatementsPrepared: a write's statement is
// prepared after its first transaction and reused; one that cannot be
// prepared runs unprepared every time, its error reaching the caller.
func TestTheWriterKeepsItsStatementsPrepared(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	for i := range 3 {
		if _, err := s.CreateUser(ctx, store.User{PoolID: "p", Sub: fmt.Sprint("s", i), Username: fmt.Sprint("u", i),
			UsernameKey: fmt.Sprint("u", i), Status: "CONFIRMED"}); err != nil {
			t.Fatal(err)
		}
	}
	const broken = `INSERT INTO no_such_table VALUES (1)`
	for range 2 {
		if _, err := s.writeExec(ctx, broken); err == nil || !strings.Contains(err.Error(), "no_such_table") {
			t.Fatalf("a statement on a missing table: %v", err)
		}
	}
	// The committer owns the statements: look at them from a write, which
	// runs on it after the previous writes' statements were prepared.
	err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
		stmts := s.commits.stmts
		if stmts.kept[insertUserSQL] == nil {
			t.Errorf("the user insert is not kept prepared; kept: %d statements", len(stmts.kept))
		}
		if stmts.kept[broken] != nil || !stmts.failed[broken] {
			t.Errorf("the broken statement: kept %v, failed %v; want not kept, failed", stmts.kept[broken] != nil, stmts.failed[broken])
		}
		if len(stmts.noted) != 0 {
			t.Errorf("%d statements still noted after the writes", len(stmts.noted))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
