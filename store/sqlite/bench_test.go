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
