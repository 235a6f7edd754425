package userpool_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
)

// syncStore records the writes of a sign-in in order, each with whether
// its caller let the store defer its flush (store.DeferSync).
type syncStore struct {
	store.Store
	mu     sync.Mutex
	writes []syncedWrite
}

type syncedWrite struct {
	op       string
	deferred bool
}

func (s *syncStore) note(ctx context.Context, op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes = append(s.writes, syncedWrite{op, store.SyncDeferred(ctx)})
}

// take returns the writes recorded since the last take.
func (s *syncStore) take() []syncedWrite {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.writes
	s.writes = nil
	return w
}

func (s *syncStore) BeginAttempts(ctx context.Context, poolID string, now time.Time, keys ...store.AttemptKey) ([]store.Attempt, error) {
	s.note(ctx, "BeginAttempts")
	return s.Store.BeginAttempts(ctx, poolID, now, keys...)
}

func (s *syncStore) ClearAttempts(ctx context.Context, poolID string, keys ...string) error {
	s.note(ctx, "ClearAttempts")
	return s.Store.ClearAttempts(ctx, poolID, keys...)
}

func (s *syncStore) CreateFamily(ctx context.Context, fam store.RefreshFamily, first []byte) error {
	s.note(ctx, "CreateFamily")
	return s.Store.CreateFamily(ctx, fam, first)
}

func (s *syncStore) PutAuthSession(ctx context.Context, a store.AuthSession) error {
	s.note(ctx, "PutAuthSession")
	return s.Store.PutAuthSession(ctx, a)
}

func (s *syncStore) RedeemAuthSession(ctx context.Context, poolID, id, clientID string, now time.Time, next store.AuthSession) (store.AuthSession, error) {
	s.note(ctx, "RedeemAuthSession")
	return s.Store.RedeemAuthSession(ctx, poolID, id, clientID, now, next)
}

func (s *syncStore) UpdateUser(ctx context.Context, u store.User) (store.User, error) {
	s.note(ctx, "UpdateUser")
	return s.Store.UpdateUser(ctx, u)
}

// TestASignInDefersOnlyWritesADurableOneFollows: a sign-in lets the store
// defer the flush of the attempts' clearing and of the code's
// redemption, and of nothing else, and every operation's last write is
// durable — its flush carries the deferred ones before anything is
// answered (store.DeferSync's contract).
func TestASignInDefersOnlyWritesADurableOneFollows(t *testing.T) {
	ss := &syncStore{Store: memory.New()}
	exchange := pendingCode(t, ss) // a hosted sign-in up to its code
	login := ss.take()
	if _, err := exchange(); err != nil {
		t.Fatal(err)
	}
	tokens := ss.take()
	e := newEnv(t, ss)
	e.confirmedUser("bob", "bob@example.com")
	ss.take()
	e.mustSignIn("bob", goodPW)
	api := ss.take()

	for _, op := range []struct {
		name   string
		writes []syncedWrite
		defers string
	}{
		{"hosted sign-in", login, "ClearAttempts"},
		{"code exchange", tokens, "RedeemAuthSession"},
		{"API sign-in", api, "ClearAttempts"},
	} {
		if len(op.writes) == 0 {
			t.Errorf("%s: no writes recorded", op.name)
			continue
		}
		if last := op.writes[len(op.writes)-1]; last.deferred {
			t.Errorf("%s: its last write %s is deferred: %v", op.name, last.op, op.writes)
		}
		var deferred []string
		for _, w := range op.writes {
			if w.deferred {
				deferred = append(deferred, w.op)
			}
		}
		if !slices.Equal(deferred, []string{op.defers}) {
			t.Errorf("%s: deferred %v, want [%s] (writes %v)", op.name, deferred, op.defers, op.writes)
		}
	}
}
