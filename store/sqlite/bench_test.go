package sqlite_test

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/sqlite"
)

func benchStore(b *testing.B) *sqlite.Store {
	b.Helper()
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "cupola.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkGetUserParallel measures lookups on the reader pool.
func BenchmarkGetUserParallel(b *testing.B) {
	s := benchStore(b)
	for i := range 100 {
		sub := fmt.Sprintf("sub-%d", i)
		if _, err := s.CreateUser(b.Context(), store.User{PoolID: "p", Sub: sub, Username: sub, UsernameKey: sub,
			Attributes: map[string]string{"email": sub + "@example.com"}}); err != nil {
			b.Fatal(err)
		}
	}
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.GetUser(b.Context(), "p", fmt.Sprintf("sub-%d", n.Add(1)%100)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkBeginAttemptParallel measures one small durable write
// transaction (read-modify-write of a lockout counter) from many goroutines.
func BenchmarkBeginAttemptParallel(b *testing.B) {
	s := benchStore(b)
	var n atomic.Int64
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		key := fmt.Sprintf("key-%d", n.Add(1))
		for i := 0; pb.Next(); i++ {
			if _, err := s.BeginAttempt(b.Context(), "p", key, epoch.Add(time.Duration(i)*time.Second), store.LockoutPolicy{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkListUsers measures one page of an email-prefix search (61 rows,
// the page of 60 plus one to tell whether another follows) in pools of 1k
// and 100k users: answered from the user_search index, its cost must grow
// with the page, not with the pool.
func BenchmarkListUsers(b *testing.B) {
	for _, n := range []struct {
		name  string
		users int
	}{{"1k", 1_000}, {"100k", 100_000}} {
		b.Run(n.name, func(b *testing.B) {
			s := benchStore(b)
			if err := sqlite.SeedUsers(b.Context(), s, "p", n.users, 4); err != nil {
				b.Fatal(err)
			}
			q := store.UserQuery{Attribute: store.SearchEmail, Value: "user0", Prefix: true, Limit: 61}
			for b.Loop() {
				got, err := s.ListUsers(b.Context(), "p", q)
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != q.Limit {
					b.Fatalf("ListUsers returned %d users, want %d", len(got), q.Limit)
				}
			}
		})
	}
}
