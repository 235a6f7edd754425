package sqlite_test

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cupola-auth/cupola/internal/proccpu"
	"github.com/cupola-auth/cupola/store"
)

// BenchmarkHostedSignInWrites runs, one after the other, the seven
// durable writes of a browser sign-in through the hosted UI (the attempt
// counted, the attempts cleared, the hosted session, the authorization
// code, the code redeemed for its reuse guard, the refresh family, the
// auth event), reporting the CPU of each (…-cpu-µs) and of all seven
// (cpu-µs/op), which is what SQLite adds to a sign-in's hash. /durable
// makes every write durable; /deferred marks the clearing and the
// redemption store.DeferSync, as userpool does (the session and the
// family after them carry their fsync). /fsync is the
// raw primitive beneath them, seven 4 KiB writes each followed by an
// fsync in the same directory: the ratio of the two says how much of a
// write is the disk's and how much SQLite's.
//
//	go test -run '^$' -bench HostedSignInWrites -cpu 1 ./store/sqlite/
func BenchmarkHostedSignInWrites(b *testing.B) {
	for _, mode := range []struct {
		name     string
		deferred map[string]bool
	}{{"durable", nil}, {"deferred", map[string]bool{"clear": true, "redeem": true}}} {
		b.Run(mode.name, func(b *testing.B) { benchSignInWrites(b, mode.deferred) })
	}
	b.Run("fsync", func(b *testing.B) {
		f, err := os.Create(filepath.Join(b.TempDir(), "raw"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		page := make([]byte, 4096)
		cpu0 := proccpu.Used()
		b.ResetTimer()
		for i := range b.N {
			for j := range 7 {
				if _, err := f.WriteAt(page, int64(i*7+j)%1024*4096); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(proccpu.Used()-cpu0)/float64(b.N)/1e3, "cpu-µs/op")
	})
}

// benchSignInWrites runs the seven writes, those named in deferred with
// store.DeferSync.
func benchSignInWrites(b *testing.B, deferred map[string]bool) {
	s := benchStore(b)
	ctx := b.Context()
	if _, err := s.CreateUser(ctx, store.User{PoolID: "p", Sub: "u1", Username: "u1", UsernameKey: "u1",
		Status: store.StatusConfirmed, Enabled: true}); err != nil {
		b.Fatal(err)
	}
	policy := store.LockoutPolicy{Threshold: 5, Base: time.Second, Max: time.Minute, ResetAfter: time.Hour}
	now := time.Now()
	data := make([]byte, 300)
	names := []string{"attempt", "clear", "session", "code", "redeem", "family", "event"}
	spent := make([]time.Duration, len(names))
	cpu0 := proccpu.Used()
	b.ResetTimer()
	for range b.N {
		sub, from := uuid.NewString(), "198.51.100.7"
		code := store.AuthSession{PoolID: "p", ID: uuid.NewString(), Subject: sub, ClientID: "c", Challenge: "code",
			Data: data, ExpiresAt: now.Add(time.Minute), CreatedAt: now}
		hash := sha256.Sum256([]byte(sub))
		writes := []func(ctx context.Context) error{
			func(ctx context.Context) error {
				_, err := s.BeginAttempts(ctx, "p", now, store.AttemptKey{Key: sub + "@" + from, Policy: policy},
					store.AttemptKey{Key: sub, Policy: policy}, store.AttemptKey{Key: "src:" + from, Policy: policy, Peek: true})
				return err
			},
			func(ctx context.Context) error { return s.ClearAttempts(ctx, "p", sub+"@"+from, sub, "all:"+sub) },
			func(ctx context.Context) error {
				return s.PutAuthSession(ctx, store.AuthSession{PoolID: "p", ID: uuid.NewString(), Subject: sub, ClientID: "c",
					Challenge: "hosted", Data: data, ExpiresAt: now.Add(time.Hour), CreatedAt: now})
			},
			func(ctx context.Context) error { return s.PutAuthSession(ctx, code) },
			func(ctx context.Context) error {
				_, err := s.RedeemAuthSession(ctx, "p", code.ID, "c", now, store.AuthSession{PoolID: "p", ID: uuid.NewString(),
					ClientID: "c", Challenge: "guard", ExpiresAt: now.Add(time.Hour), CreatedAt: now})
				return err
			},
			func(ctx context.Context) error {
				return s.CreateFamily(ctx, store.RefreshFamily{PoolID: "p", ID: uuid.NewString(), Subject: sub, ClientID: "c",
					Scopes: []string{"openid"}, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, hash[:])
			},
			func(ctx context.Context) error {
				return s.PutAuthEvent(ctx, store.AuthEvent{PoolID: "p", Subject: "u1", ID: uuid.NewString(), Type: "SignIn",
					Response: "Pass", CreatedAt: now, IPAddress: from})
			},
		}
		for i, write := range writes {
			c := proccpu.Used()
			ctx := ctx
			if deferred[names[i]] {
				ctx = store.DeferSync(ctx)
			}
			if err := write(ctx); err != nil {
				b.Fatalf("%s: %v", names[i], err)
			}
			spent[i] += proccpu.Used() - c
		}
	}
	b.ReportMetric(float64(proccpu.Used()-cpu0)/float64(b.N)/1e3, "cpu-µs/op")
	for i, name := range names {
		b.ReportMetric(float64(spent[i])/float64(b.N)/1e3, name+"-cpu-µs")
	}
}
