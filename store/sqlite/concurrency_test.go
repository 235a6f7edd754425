package sqlite_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/sqlite"
)

// randomBytes returns 32 random bytes (crypto/rand.Read never fails).
func randomBytes() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

var epoch = time.Date(2031, time.March, 14, 15, 9, 26, 535897000, time.UTC)

// signInMix is one client's loop of what a sign-in and a refresh cost the
// store: a user lookup, a lockout attempt, a session put and consume, a
// refresh rotation and a token lookup, plus an occasional new user.
func signInMix(ctx context.Context, s store.Store, pool string, client int, deadline time.Time, ops, writes *atomic.Int64) error {
	var subs []string
	newUser := func(i int) error {
		sub := fmt.Sprintf("sub-%d-%d", client, i)
		_, err := s.CreateUser(ctx, store.User{
			PoolID: pool, Sub: sub, Username: sub, UsernameKey: sub,
			Aliases:    map[string]string{"email": sub + "@example.com"},
			Attributes: map[string]string{"email": sub + "@example.com", "email_verified": "true"},
			Status:     store.StatusConfirmed, Enabled: true, CreatedAt: epoch, UpdatedAt: epoch,
		})
		subs = append(subs, sub)
		ops.Add(1)
		writes.Add(1)
		return err
	}
	if err := newUser(0); err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	family := fmt.Sprintf("fam-%d", client)
	current := randomBytes()
	if err := s.CreateFamily(ctx, store.RefreshFamily{PoolID: pool, ID: family, Subject: subs[0], ClientID: "c",
		CreatedAt: epoch, ExpiresAt: epoch.Add(time.Hour)}, current); err != nil {
		return fmt.Errorf("create family: %w", err)
	}
	for i := 1; time.Now().Before(deadline); i++ {
		sub := subs[i%len(subs)]
		if _, err := s.GetUserByUsername(ctx, pool, sub); err != nil {
			return fmt.Errorf("get user by username: %w", err)
		}
		if _, err := s.GetUserByAlias(ctx, pool, "email", sub+"@example.com"); err != nil {
			return fmt.Errorf("get user by alias: %w", err)
		}
		if _, err := s.BeginAttempt(ctx, pool, sub, epoch.Add(time.Duration(i)*time.Second), store.LockoutPolicy{Threshold: 1 << 30, ResetAfter: time.Hour}); err != nil {
			return fmt.Errorf("begin attempt: %w", err)
		}
		sessionID := fmt.Sprintf("sess-%d-%d", client, i)
		if err := s.PutAuthSession(ctx, store.AuthSession{PoolID: pool, ID: sessionID, Subject: sub, ExpiresAt: epoch.Add(time.Hour)}); err != nil {
			return fmt.Errorf("put auth session: %w", err)
		}
		if _, err := s.ConsumeAuthSession(ctx, pool, sessionID, "", epoch); err != nil {
			return fmt.Errorf("consume auth session: %w", err)
		}
		next := randomBytes()
		if _, err := s.RotateRefresh(ctx, pool, current, next, epoch.Add(time.Duration(i)*time.Second), 0); err != nil {
			return fmt.Errorf("rotate refresh: %w", err)
		}
		current = next
		if _, cur, err := s.FamilyByToken(ctx, pool, current); err != nil || !cur {
			return fmt.Errorf("family by token: current %v, %w", cur, err)
		}
		if _, err := s.GetUser(ctx, pool, sub); err != nil {
			return fmt.Errorf("get user: %w", err)
		}
		ops.Add(8)
		writes.Add(4)
		if i%8 == 0 {
			if err := newUser(i); err != nil {
				return fmt.Errorf("create user: %w", err)
			}
		}
	}
	return nil
}

// runClients runs n clients of signInMix against the stores (round robin)
// for d and fails the test on any error.
func runClients(t *testing.T, stores []store.Store, n int, d time.Duration) {
	t.Helper()
	ctx := t.Context()
	pool := fmt.Sprintf("pool-%d", time.Now().UnixNano())
	var ops, writes atomic.Int64
	errs := make(chan error, n)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for c := range n {
		wg.Go(func() {
			if err := signInMix(ctx, stores[c%len(stores)], pool, c, deadline, &ops, &writes); err != nil {
				errs <- fmt.Errorf("client %d: %w", c, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	elapsed := time.Since(start)
	failed := 0
	for err := range errs {
		failed++
		t.Error(err)
	}
	t.Logf("%d clients on %d store(s), %v: %d operations (%.0f/s), %d write transactions (%.0f/s), %d clients failed",
		n, len(stores), elapsed.Round(time.Millisecond), ops.Load(), float64(ops.Load())/elapsed.Seconds(),
		writes.Load(), float64(writes.Load())/elapsed.Seconds(), failed)
	if ops.Load() < int64(n) {
		t.Errorf("only %d operations in %v", ops.Load(), elapsed)
	}
}

func TestSixtyFourConcurrentClientsSeeNoErrors(t *testing.T) {
	s, _ := openTemp(t)
	runClients(t, []store.Store{s}, 64, time.Second)
}

func TestTwoStoresOnOneFileShareTheWriterWithoutErrors(t *testing.T) {
	// Two Opens of one file stand for two processes: their writers contend
	// for the file lock, which BEGIN IMMEDIATE and the busy timeout settle.
	a, path := openTemp(t)
	b, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	runClients(t, []store.Store{a, b}, 32, 750*time.Millisecond)
}

func TestParallelAttemptsAreEachCounted(t *testing.T) {
	s, _ := openTemp(t)
	const n = 100
	p := store.LockoutPolicy{Threshold: 5, Base: time.Second, Max: time.Hour, ResetAfter: time.Hour}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			// Every attempt at one instant: once the key locks, the rest
			// are refused without being counted.
			a, err := s.BeginAttempt(t.Context(), "pool", "alice", epoch, p)
			if err != nil {
				t.Error(err)
				return
			}
			if a.Allowed {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got != int64(p.Threshold) {
		t.Errorf("%d of %d parallel attempts allowed, want exactly %d", got, n, p.Threshold)
	}
}

func TestParallelCreatesWithOneAliasHaveOneWinner(t *testing.T) {
	s, _ := openTemp(t)
	const n = 32
	var won, lost atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			name := fmt.Sprintf("user-%d", i)
			_, err := s.CreateUser(t.Context(), store.User{PoolID: "pool", Sub: name, Username: name, UsernameKey: name,
				Aliases: map[string]string{"email": "same@example.com"}})
			var ee *store.ExistsError
			switch {
			case err == nil:
				won.Add(1)
			case errors.As(err, &ee) && ee.Key == "email":
				lost.Add(1)
			default:
				t.Errorf("CreateUser: %v", err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 || lost.Load() != n-1 {
		t.Errorf("won %d, lost %d; want 1 and %d", won.Load(), lost.Load(), n-1)
	}
}
