package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cupola-auth/cupola/store"
)

// TestGroupCommitKeepsEachWriteItsOwn: concurrent writes share commits,
// and within a shared commit one write's failure (a taken username) or
// its caller's cancellation leaves the others as they would be alone.
func TestGroupCommitKeepsEachWriteItsOwn(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "gc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "gc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "gc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	const n = 40
	users := make([]store.User, n)
	groups := make([]store.Group, n)
	for i := range n {
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
