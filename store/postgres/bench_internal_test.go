package postgres

import (
	"testing"

	"github.com/cupola-auth/cupola/store"
)

// BenchmarkListUsers reads the first page of 61 users of an email prefix
// that every seeded user matches, in a pool of 1k and one of 100k users
// (each in a database schema of its own): from an index, the page costs
// the same whatever the pool's size.
func BenchmarkListUsers(b *testing.B) {
	for _, size := range []struct {
		name  string
		users int
	}{{"1k", 1000}, {"100k", 100000}} {
		b.Run(size.name, func(b *testing.B) {
			s, _ := seededStore(b, "bench", size.users)
			q := store.UserQuery{Attribute: store.SearchEmail, Value: "user0", Prefix: true, Limit: 61}
			for b.Loop() {
				us, err := s.ListUsers(b.Context(), "bench", q)
				if err != nil {
					b.Fatalf("ListUsers: %v", err)
				}
				if len(us) != q.Limit {
					b.Fatalf("ListUsers returned %d users, want %d", len(us), q.Limit)
				}
			}
		})
	}
}
