package userpool_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/store/postgres"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
	"github.com/cupola-auth/cupola/store/sqlite"
	"github.com/cupola-auth/cupola/userpool"
)

// Benchmarks at scale: the same operations on pools of 1k and 1M users,
// whose figures must stay close (sign-in at 1M ≤ 1.10 × at 1k; a
// ListUsers first page at 1M ≤ 2 × at 1k). The pools are built once per
// `go test` run, shared by every benchmark that asks for them, through
// the store's batched CreateUsers with one precomputed password hash;
// -short skips the 1M ones.
//
//	go test ./userpool -run '^$' -bench 'SignInAtScale|ListUsers' -benchtime 3s

// scaleSizes are the pool sizes compared.
var scaleSizes = []struct {
	name  string
	users int
}{{"1k", 1_000}, {"1M", 1_000_000}}

// largeFixture is the size from which -short skips a fixture (the 100k
// and 1M pools: seconds to minutes to build).
const largeFixture = 100_000

// scaleFixture is a store holding one pool of users user0000000,
// user0000001… (email userNNNNNNN@alpha.example, verified), all confirmed
// with the password goodPW hashed once with production parameters.
type scaleFixture struct {
	store  store.Store
	poolID string
	secret []byte
}

// env is a pool with production hashing over the fixture, as
// BenchmarkSignIn's: same pool ID and secret (hence the same signing
// keys) as the pool that built it.
func (f *scaleFixture) env(b *testing.B) *env {
	return newEnv(b, f.store, func(c *userpool.Config) {
		c.ID, c.Secret, c.Hashing = f.poolID, f.secret, userpool.HashingParams{}
	})
}

// scaleFixtures are built lazily, once per run, and torn down by TestMain.
var scaleFixtures struct {
	sync.Mutex
	built    map[string]*scaleFixture
	cleanups []func()
}

// TestMain tears the scale fixtures down after every test and benchmark.
func TestMain(m *testing.M) {
	code := m.Run()
	scaleFixtures.Lock()
	for i := len(scaleFixtures.cleanups) - 1; i >= 0; i-- {
		scaleFixtures.cleanups[i]()
	}
	scaleFixtures.Unlock()
	os.Exit(code)
}

// scaleFixtureFor returns the fixture of n users on a store of that kind,
// building it on first use.
func scaleFixtureFor(b *testing.B, kind string, n int) *scaleFixture {
	b.Helper()
	if n >= largeFixture && testing.Short() {
		b.Skipf("-short: skipping the %d-user %s pool (building it takes minutes)", n, kind)
	}
	scaleFixtures.Lock()
	defer scaleFixtures.Unlock()
	key := fmt.Sprintf("%s/%d", kind, n)
	if f, ok := scaleFixtures.built[key]; ok {
		return f
	}
	f := buildScaleFixture(b, kind, n)
	if scaleFixtures.built == nil {
		scaleFixtures.built = map[string]*scaleFixture{}
	}
	scaleFixtures.built[key] = f
	return f
}

// openScaleStore opens an empty store of that kind that outlives the
// benchmark asking for it: a SQLite file in a temporary directory, or a
// PostgreSQL schema of its own. Both go at the end of the run. settle,
// run once the users are in, brings the store to its steady state: on
// PostgreSQL it vacuums and analyzes the user tables, as autovacuum would
// within a minute or so of a bulk load (and as store/postgres's seeded
// benchmarks do), so that the figures do not depend on whether
// autoanalyze has run yet.
func openScaleStore(b *testing.B, kind string) (s store.Store, settle func() error) {
	ctx := context.Background()
	switch kind {
	case "sqlite":
		dir, err := os.MkdirTemp("", "cupola-scale-")
		if err != nil {
			b.Fatal(err)
		}
		s, err := sqlite.Open(ctx, filepath.Join(dir, "cupola.db"))
		if err != nil {
			os.RemoveAll(dir)
			b.Fatal(err)
		}
		scaleFixtures.cleanups = append(scaleFixtures.cleanups, func() { s.Close(); os.RemoveAll(dir) })
		return s, func() error { return nil }
	case "postgres":
		dsn := postgrestest.DSN(b)
		raw := make([]byte, 8)
		if _, err := rand.Read(raw); err != nil {
			b.Fatal(err)
		}
		schema := "cupola_scale_" + hex.EncodeToString(raw)
		exec := func(q string) error {
			ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
			defer cancel()
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				return err
			}
			defer conn.Close(ctx)
			_, err = conn.Exec(ctx, q)
			return err
		}
		if err := exec("CREATE SCHEMA " + schema); err != nil {
			b.Fatalf("create schema: %v", err)
		}
		drop := func() {
			if err := exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
				fmt.Fprintf(os.Stderr, "drop schema %s: %v\n", schema, err)
			}
		}
		s, err := postgres.Open(ctx, postgrestest.WithSearchPath(dsn, schema))
		if err != nil {
			drop()
			b.Fatal(err)
		}
		scaleFixtures.cleanups = append(scaleFixtures.cleanups, func() { s.Close(); drop() })
		return s, func() error {
			for _, table := range []string{"users", "user_aliases", "user_search"} {
				if err := exec("VACUUM (ANALYZE) " + schema + "." + table); err != nil {
					return err
				}
			}
			return nil
		}
	}
	b.Fatalf("no store %q", kind)
	return nil, nil
}

// buildScaleFixture creates n users in batches of store.MaxCreateUsers.
// The password hash is the one a pool with production parameters stores
// at sign-up (made once, on a memory store): a stored hash is not
// re-hashed, and sign-in verifies it like any other.
func buildScaleFixture(b *testing.B, kind string, n int) *scaleFixture {
	s, settle := openScaleStore(b, kind)
	f := &scaleFixture{store: s, poolID: "pool_scale_" + randomHex(b), secret: randomSecret(b)}
	src := newEnv(b, memory.New(), func(c *userpool.Config) {
		c.ID, c.Secret, c.Hashing = f.poolID, f.secret, userpool.HashingParams{}
	})
	src.confirmedUser("hashsource", "hashsource@example.com")
	u, err := src.store.GetUserByUsername(src.ctx, f.poolID, "hashsource")
	if err != nil || u.Password.Hash == "" {
		b.Fatalf("hash source: %+v, %v", u.Password, err)
	}
	hash, now := u.Password.Hash, src.clock.Now()

	ctx := context.Background()
	start := time.Now()
	batch := make([]store.User, 0, store.MaxCreateUsers)
	for lo := 0; lo < n; lo += store.MaxCreateUsers {
		batch = batch[:0]
		for i := lo; i < min(n, lo+store.MaxCreateUsers); i++ {
			name := fmt.Sprintf("user%07d", i)
			batch = append(batch, store.User{PoolID: f.poolID, Sub: fmt.Sprintf("%08x-0000-4000-8000-5ca1e0000000", i),
				Username: name, UsernameKey: name, Status: store.StatusConfirmed, Enabled: true,
				Attributes: map[string]string{"email": name + "@alpha.example", "email_verified": "true", "given_name": "User"},
				Aliases:    map[string]string{},
				Password:   store.PasswordCredential{Hash: hash, ChangedAt: now},
				CreatedAt:  now, UpdatedAt: now})
		}
		outcomes, err := s.CreateUsers(ctx, batch)
		if err != nil {
			b.Fatalf("CreateUsers at %d: %v", lo, err)
		}
		for i, o := range outcomes {
			if o != nil {
				b.Fatalf("CreateUsers: user %d: %v", lo+i, o)
			}
		}
	}
	took := time.Since(start)
	b.Logf("built %d %s users in %v: %.0f rows/s", n, kind, took.Round(time.Millisecond), float64(n)/took.Seconds())
	start = time.Now()
	if err := settle(); err != nil {
		b.Fatalf("settle: %v", err)
	}
	b.Logf("settled in %v", time.Since(start).Round(time.Millisecond))
	return f
}

// BenchmarkSignInAtScale signs random users of a 1k and a 1M pool in with
// USER_PASSWORD_AUTH and production hashing, as BenchmarkSignIn does one
// user: the 1M figure must be at most 1.10 × the 1k one.
func BenchmarkSignInAtScale(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		for _, size := range scaleSizes {
			b.Run(kind+"/"+size.name, func(b *testing.B) {
				e := scaleFixtureFor(b, kind, size.users).env(b)
				rng := mrand.New(mrand.NewPCG(1, uint64(size.users)))
				for b.Loop() {
					name := fmt.Sprintf("user%07d", rng.IntN(size.users))
					if _, err := e.signIn(name, goodPW); err != nil {
						b.Fatalf("sign in %s: %v", name, err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sign-ins/s")
			})
		}
	}
}
