package userpool_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// startTogether hides the stored keys from the first listing of each of
// two instances, as when both start on an empty store at the same moment
// and neither sees the other's first key yet.
type startTogether struct {
	store.Store
	calls atomic.Int32
}

func (s *startTogether) ListSigningKeys(ctx context.Context, poolID string) ([]store.SigningKey, error) {
	if n := s.calls.Add(1); n == 1 || n == 3 {
		return nil, nil
	}
	return s.Store.ListSigningKeys(ctx, poolID)
}

// TestInstancesStartedTogetherAcceptEachOthersTokens: two instances that
// each created a first signing key verify each other's tokens (the one
// meeting an unknown kid re-reads the keys), and publish both keys.
func TestInstancesStartedTogetherAcceptEachOthersTokens(t *testing.T) {
	shared := &startTogether{Store: memory.New()}
	a := newEnv(t, shared)
	// B starts a second later, so its key is the newer one and B signs
	// with it; both instances read one clock.
	a.clock.Advance(time.Second)
	b := newEnv(t, shared, func(c *userpool.Config) {
		c.ID, c.Secret, c.Clients = a.cfg.ID, a.cfg.Secret, nil
		c.Clock = a.clock.Now
	})
	if len(a.pool.KeySet().Keys()) != 1 {
		t.Fatalf("instance A started with %d keys, want its own one (the test's premise)", len(a.pool.KeySet().Keys()))
	}
	a.confirmedUser("alice", "alice@example.com")
	for name, pair := range map[string][2]*env{"A's token at B": {a, b}, "B's token at A": {b, a}} {
		res := pair[0].mustSignIn("alice", goodPW)
		if _, err := pair[1].pool.GetUser(pair[1].ctx, userpool.GetUserInput{AccessToken: res.AccessToken}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(a.pool.KeySet().Keys()); n != 2 {
		t.Errorf("instance A publishes %d keys after meeting B's, want both", n)
	}
}
