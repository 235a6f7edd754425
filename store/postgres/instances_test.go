package postgres_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/postgres"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
)

// These tests play several application instances: Stores with pools of
// their own on one database, racing for the same rows.

const instances = 3

func openInstances(t *testing.T) []*postgres.Store {
	t.Helper()
	dsn := postgrestest.DSN(t)
	ss := make([]*postgres.Store, instances)
	for i := range ss {
		s, err := postgres.New(t.Context(), testPool(t, dsn))
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		ss[i] = s
	}
	return ss
}

func randomHex(t *testing.T, prefix string, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random: %v", err)
	}
	return prefix + hex.EncodeToString(b)
}

// race runs f(i) on n goroutines, each on instance i%instances, started
// together.
func race(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

func TestInstances(t *testing.T) {
	ss := openInstances(t)
	epoch := time.Date(2031, time.March, 14, 15, 9, 26, 535897000, time.UTC)

	t.Run("of concurrent sign-ups for one username on several instances exactly one succeeds", func(t *testing.T) {
		t.Parallel()
		pool := randomHex(t, "pool-", 8)
		const n = 30
		errs := make([]error, n)
		race(n, func(i int) {
			_, errs[i] = ss[i%instances].CreateUser(t.Context(), store.User{
				PoolID: pool, Sub: randomHex(t, "sub-", 8), Username: "Bob", UsernameKey: "bob",
				Aliases: map[string]string{"email": randomHex(t, "", 4) + "@example.com"},
			})
		})
		wins := 0
		for _, err := range errs {
			var ee *store.ExistsError
			switch {
			case err == nil:
				wins++
			case errors.As(err, &ee) && ee.Key == "username":
			default:
				t.Errorf("CreateUser: %v, want nil or ExistsError{username}", err)
			}
		}
		if wins != 1 {
			t.Errorf("%d creates succeeded, want 1", wins)
		}
	})

	t.Run("of concurrent claims of one email on several instances exactly one succeeds", func(t *testing.T) {
		t.Parallel()
		pool := randomHex(t, "pool-", 8)
		const n = 30
		errs := make([]error, n)
		race(n, func(i int) {
			name := randomHex(t, "user-", 8)
			_, errs[i] = ss[i%instances].CreateUser(t.Context(), store.User{
				PoolID: pool, Sub: randomHex(t, "sub-", 8), Username: name, UsernameKey: name,
				Aliases: map[string]string{"email": "carol@example.com", "phone_number": randomHex(t, "+", 6)},
			})
		})
		wins := 0
		for _, err := range errs {
			var ee *store.ExistsError
			switch {
			case err == nil:
				wins++
			case errors.As(err, &ee) && ee.Key == "email":
			default:
				t.Errorf("CreateUser: %v, want nil or ExistsError{email}", err)
			}
		}
		if wins != 1 {
			t.Errorf("%d creates succeeded, want 1", wins)
		}
	})

	t.Run("concurrent attempts on several instances are each counted once", func(t *testing.T) {
		t.Parallel()
		pool := randomHex(t, "pool-", 8)
		const n = 30
		p := store.LockoutPolicy{Threshold: 1000, Base: time.Second, Max: time.Hour, ResetAfter: time.Hour}
		got := make([]int, n)
		errs := make([]error, n)
		race(n, func(i int) {
			a, err := ss[i%instances].BeginAttempt(t.Context(), pool, "sub-x", epoch, p)
			got[i], errs[i] = a.Failures, err
		})
		for _, err := range errs {
			if err != nil {
				t.Fatalf("BeginAttempt: %v", err)
			}
		}
		slices.Sort(got)
		for i, f := range got {
			if f != i+1 {
				t.Fatalf("failure counts %v, want 1…%d each once", got, n)
			}
		}
	})

	t.Run("of concurrent rotations of one token on several instances one wins and the family is revoked", func(t *testing.T) {
		t.Parallel()
		pool := randomHex(t, "pool-", 8)
		first := []byte(randomHex(t, "", 32))
		if err := ss[0].CreateFamily(t.Context(), store.RefreshFamily{
			PoolID: pool, ID: "fam", Subject: "sub", ClientID: "c", ExpiresAt: epoch.Add(time.Hour),
		}, first); err != nil {
			t.Fatalf("CreateFamily: %v", err)
		}
		const n = 12
		errs := make([]error, n)
		race(n, func(i int) {
			_, errs[i] = ss[i%instances].RotateRefresh(t.Context(), pool, first, []byte(randomHex(t, "", 32)), epoch, 0)
		})
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case errors.Is(err, store.ErrTokenReuse), errors.Is(err, store.ErrRevoked):
			default:
				t.Errorf("RotateRefresh: %v, want nil, ErrTokenReuse or ErrRevoked", err)
			}
		}
		if wins != 1 {
			t.Errorf("%d rotations succeeded, want 1", wins)
		}
		f, err := ss[1].GetFamily(t.Context(), pool, "fam")
		if err != nil {
			t.Fatalf("GetFamily: %v", err)
		}
		if f.RevokedAt.IsZero() {
			t.Error("family not revoked after reuse")
		}
	})
}

func TestInstancesMFA(t *testing.T) {
	ss := openInstances(t)

	t.Run("of concurrent updates from one read accepting different TOTP steps on several instances exactly one wins", func(t *testing.T) {
		t.Parallel()
		pool := randomHex(t, "pool-", 8)
		u, err := ss[0].CreateUser(t.Context(), store.User{PoolID: pool, Sub: "sub", Username: "u", UsernameKey: "u",
			MFA: store.MFA{TOTPSecret: []byte("sealed"), TOTPEnabled: true, TOTPLastStep: 100}})
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		const n = 30
		errs := make([]error, n)
		race(n, func(i int) {
			v := u
			v.MFA.TOTPLastStep = int64(101 + i)
			_, errs[i] = ss[i%instances].UpdateUser(t.Context(), v)
		})
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Errorf("updates %d and %d both succeeded", winner, i)
				}
				winner = i
			case errors.Is(err, store.ErrConflict):
			default:
				t.Errorf("UpdateUser: %v, want nil or ErrConflict", err)
			}
		}
		if winner < 0 {
			t.Fatal("no update succeeded")
		}
		got, err := ss[1].GetUser(t.Context(), pool, "sub")
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		if got.MFA.TOTPLastStep != int64(101+winner) || got.Version != 2 {
			t.Errorf("stored step %d at version %d, want the winner's %d at version 2", got.MFA.TOTPLastStep, got.Version, 101+winner)
		}
	})

	t.Run("devices put on several instances while the user is deleted do not outlive it", func(t *testing.T) {
		t.Parallel()
		pool := randomHex(t, "pool-", 8)
		for round := range 5 {
			if _, err := ss[0].CreateUser(t.Context(), store.User{PoolID: pool, Sub: "sub", Username: "u", UsernameKey: "u"}); err != nil {
				t.Fatalf("round %d: CreateUser: %v", round, err)
			}
			const n = 12
			errs := make([]error, n)
			race(n, func(i int) {
				if i == n/2 {
					errs[i] = ss[i%instances].DeleteUser(t.Context(), pool, "sub")
					return
				}
				errs[i] = ss[i%instances].PutDevice(t.Context(), store.Device{PoolID: pool, Subject: "sub", Key: randomHex(t, "dev-", 8)})
			})
			for i, err := range errs {
				if err != nil && (i == n/2 || !errors.Is(err, store.ErrNotFound)) {
					t.Errorf("round %d, call %d: %v", round, i, err)
				}
			}
			// The same sub again: a device left over would be listed.
			if _, err := ss[1].CreateUser(t.Context(), store.User{PoolID: pool, Sub: "sub", Username: "u", UsernameKey: "u"}); err != nil {
				t.Fatalf("round %d: CreateUser again: %v", round, err)
			}
			if ds, err := ss[2].ListDevices(t.Context(), pool, "sub", "", 100); err != nil || len(ds) != 0 {
				t.Errorf("round %d: ListDevices after the delete: %d devices, %v; want none", round, len(ds), err)
			}
			if err := ss[0].DeleteUser(t.Context(), pool, "sub"); err != nil {
				t.Fatalf("round %d: DeleteUser: %v", round, err)
			}
		}
	})
}

func TestTimes(t *testing.T) {
	s, err := postgres.New(t.Context(), testPool(t, postgrestest.DSN(t)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	pool := randomHex(t, "pool-", 8)
	in := time.Date(2031, time.March, 14, 20, 39, 26, 535897999, time.FixedZone("UTC+05:30", 5*3600+30*60))
	want := time.Date(2031, time.March, 14, 15, 9, 26, 535897000, time.UTC)

	t.Run("a time comes back in UTC truncated to the microsecond, as CreateUser returned it", func(t *testing.T) {
		created, err := s.CreateUser(t.Context(), store.User{PoolID: pool, Sub: "s", Username: "u", UsernameKey: "u", CreatedAt: in})
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		got, err := s.GetUser(t.Context(), pool, "s")
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		if got.CreatedAt != want || created.CreatedAt != want {
			t.Errorf("CreatedAt read %v, returned %v, want %v (==, so in UTC)", got.CreatedAt, created.CreatedAt, want)
		}
	})
	t.Run("a zero time comes back as the zero time", func(t *testing.T) {
		got, err := s.GetUser(t.Context(), pool, "s")
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		if got.UpdatedAt != (time.Time{}) || got.Password.ExpiresAt != (time.Time{}) {
			t.Errorf("UpdatedAt %v, Password.ExpiresAt %v, want zero", got.UpdatedAt, got.Password.ExpiresAt)
		}
	})
}
