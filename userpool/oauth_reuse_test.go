package userpool_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// interleavingStore runs during once, just before the first CreateFamily
// after it is armed: another request landing while an exchange is between
// spending its code and storing its token family.
type interleavingStore struct {
	store.Store
	armed  atomic.Bool
	during func()
}

func (s *interleavingStore) CreateFamily(ctx context.Context, f store.RefreshFamily, tokenHash []byte) error {
	if s.armed.CompareAndSwap(true, false) {
		s.during()
	}
	return s.Store.CreateFamily(ctx, f, tokenHash)
}

// TestACodePresentedAgainDuringItsExchangeIssuesNothing: a stolen code
// replayed while its first exchange is still running must not leave that
// exchange's tokens alive (RFC 9700 §4.2.4): both answers are
// invalid_grant and no token is issued.
func TestACodePresentedAgainDuringItsExchangeIssuesNothing(t *testing.T) {
	is := &interleavingStore{Store: memory.New()}
	exchange := pendingCode(t, is)
	var replayed error
	is.during = func() { _, replayed = exchange() }
	is.armed.Store(true)
	tok, first := exchange()
	if tok != nil {
		t.Error("the first exchange issued tokens although its code was replayed")
	}
	for name, err := range map[string]error{"the first exchange": first, "the replay": replayed} {
		var oe *userpool.OAuthError
		if !errors.As(err, &oe) || oe.Code != "invalid_grant" {
			t.Errorf("%s answered %v; want invalid_grant", name, err)
		}
	}
	if _, err := exchange(); err == nil {
		t.Fatal("the code works after the replay")
	}
}
