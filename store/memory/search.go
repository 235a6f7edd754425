package memory

import (
	"context"
	"slices"
	"strings"

	"github.com/cupola-auth/cupola/store"
)

// maxListUsers caps a ListUsers page.
const maxListUsers = 1000

// ListUsers returns a page of the users matching q. The memory store scans
// the pool's users: it is a test store, and the order is what matters.
func (s *Store) ListUsers(ctx context.Context, poolID string, q store.UserQuery) ([]store.User, error) {
	const op = "list users"
	if q.Limit <= 0 {
		return nil, invalid(op, "limit not positive")
	}
	if q.Attribute != "" && !slices.Contains(store.SearchAttributes(), q.Attribute) {
		return nil, invalid(op, "attribute "+q.Attribute+" is not searchable")
	}
	limit := min(q.Limit, maxListUsers)
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()

	type hit struct {
		key string
		u   store.User
	}
	var hits []hit
	for k, u := range s.users {
		if k.pool != poolID {
			continue
		}
		if q.Attribute == "" {
			if u.Sub > q.AfterSub {
				hits = append(hits, hit{u: u})
			}
			continue
		}
		key, ok := store.SearchKey(u, q.Attribute)
		switch {
		case !ok:
		case q.Prefix && !strings.HasPrefix(key, q.Value):
		case !q.Prefix && key != q.Value:
		case key < q.AfterKey || key == q.AfterKey && u.Sub <= q.AfterSub:
		default:
			hits = append(hits, hit{key, u})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.u.Sub, b.u.Sub)
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]store.User, len(hits))
	for i, h := range hits {
		out[i] = cloneUser(h.u)
	}
	return out, nil
}
