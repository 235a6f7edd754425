package userpool_test

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// leaseEnd is a little more than the outbox lease: a send that failed is
// due again after it.
const leaseEnd = 31 * time.Second

func TestAQueuedCodeSurvivesAFailingSenderAndGoesOutWhenItRecovers(t *testing.T) {
	sender := &switchableSender{}
	e := newFastEnv(t, func(c *userpool.Config) { c.EmailSender = sender })
	sender.out = e.outbox
	sender.failing.Store(true)

	// The answer does not wait for the mail relay, so its failure is not
	// the caller's: the sign-up stands.
	e.signUp("alice", "alice@example.com", goodPW)
	if n := len(e.mail().Emails()); n != 0 {
		t.Fatalf("%d emails sent through a failing sender", n)
	}
	sender.failing.Store(false)
	if n := len(e.mail().Emails()); n != 0 {
		t.Fatalf("the failed message was retried within its lease (%d emails)", n)
	}
	e.clock.Advance(leaseEnd)
	wantNoError(t, "ConfirmSignUp with the retried code", e.confirm("alice", e.lastCode("alice@example.com")))
	if n := len(e.mail().Emails()); n != 1 {
		t.Fatalf("%d emails after the retry, want exactly 1", n)
	}
}

func TestAMessageIsDroppedAndLoggedAfterTenFailedAttempts(t *testing.T) {
	var logs syncBuffer
	sender := &switchableSender{}
	e := newFastEnv(t, func(c *userpool.Config) {
		c.EmailSender = sender
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	sender.out = e.outbox
	sender.failing.Store(true)
	e.signUp("alice", "alice@example.com", goodPW)
	for range 10 {
		e.mail()
		e.clock.Advance(leaseEnd)
	}
	sender.failing.Store(false)
	if n := len(e.mail().Emails()); n != 0 {
		t.Fatalf("a message was sent after ten failures: %d emails", n)
	}
	if !strings.Contains(logs.String(), "message dropped after repeated failures") {
		t.Fatalf("the dropped message was not logged as an error:\n%s", logs.String())
	}
	if left := claimAll(t, e.store, e.cfg.ID, e.clock.Now().Add(time.Hour)); len(left) != 0 {
		t.Fatalf("%d deliveries left in the outbox", len(left))
	}
}

func TestTheOutboxHoldsNeitherTheCodeNorTheAddressInTheClear(t *testing.T) {
	sender := &switchableSender{}
	e := newFastEnv(t, func(c *userpool.Config) { c.EmailSender = sender })
	sender.out = e.outbox
	sender.failing.Store(true)
	e.signUp("alice", "alice@example.com", goodPW)
	e.mail()
	queued := claimAll(t, e.store, e.cfg.ID, e.clock.Now().Add(leaseEnd))
	if len(queued) != 1 {
		t.Fatalf("%d deliveries queued, want 1", len(queued))
	}
	payload := queued[0].Payload
	if bytes.Contains(payload, []byte("alice")) || bytes.Contains(payload, []byte("example.com")) ||
		regexp.MustCompile(`[0-9]{6}`).Match(payload) {
		t.Fatalf("the queued payload shows the address or a code: %q", payload)
	}
}

func TestAnotherInstanceSendsWhatThisOneQueued(t *testing.T) {
	shared := memory.New()
	sender := &switchableSender{out: message.NewOutbox()}
	sender.failing.Store(true) // this instance's relay is down, as if it crashed after answering
	a := newEnv(t, shared, func(c *userpool.Config) { c.EmailSender = sender })
	b := newEnv(t, shared, func(c *userpool.Config) {
		c.ID, c.Secret = a.cfg.ID, a.cfg.Secret
		c.Clients = nil
	})
	a.signUp("alice", "alice@example.com", goodPW)
	a.mail()
	b.clock.Set(a.clock.Now().Add(leaseEnd))
	wantNoError(t, "ConfirmSignUp with the code the other instance sent", a.confirm("alice", b.lastCode("alice@example.com")))
	if n := len(sender.out.Emails()); n != 0 {
		t.Fatalf("the failing instance sent %d emails", n)
	}
}

func TestARealAndAnUnknownUserCostTheSameStoreWrites(t *testing.T) {
	rec := &recordingStore{Store: memory.New()}
	e := newEnv(t, rec)
	e.confirmedUser("alice", "alice@example.com")
	e.signUp("bob", "bob@example.com", goodPW) // unconfirmed
	e.mail()

	for _, tc := range []struct {
		name string
		call func(username string) error
		real string
	}{
		{"ForgotPassword", func(u string) error { return errOf(e.forgot(webClient, u)) }, "alice"},
		{"ResendConfirmationCode", func(u string) error {
			return errOf(e.pool.ResendConfirmationCode(e.ctx, userpool.ResendConfirmationCodeInput{ClientID: webClient, Username: u}))
		}, "bob"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writes := func(username string) []string {
				rec.start()
				wantNoError(t, tc.name+" for "+username, tc.call(username))
				return rec.stop()
			}
			real, nobody := writes(tc.real), writes("ghost-"+tc.real)
			if !slices.Contains(real, "EnqueueDelivery") {
				t.Fatalf("the real user's message was not queued: %v", real)
			}
			if !slices.Equal(real, nobody) {
				t.Fatalf("a real user costs %v, an unknown one %v", real, nobody)
			}
		})
	}
}

// claimAll takes every delivery of the pool due at now.
func claimAll(t *testing.T, s store.Store, poolID string, now time.Time) []store.Delivery {
	t.Helper()
	ds, err := s.ClaimDeliveries(t.Context(), poolID, now, time.Minute, 100)
	if err != nil {
		t.Fatalf("ClaimDeliveries: %v", err)
	}
	return ds
}

// recordingStore notes the writes a call makes (the background sender's
// own claims and deletes aside), while recording is on.
type recordingStore struct {
	store.Store
	mu     sync.Mutex
	on     bool
	writes []string
}

func (r *recordingStore) start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on, r.writes = true, nil
}

func (r *recordingStore) stop() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.writes
}

func (r *recordingStore) note(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		r.writes = append(r.writes, name)
	}
}

func (r *recordingStore) PutCode(ctx context.Context, c store.Code) error {
	r.note("PutCode")
	return r.Store.PutCode(ctx, c)
}

func (r *recordingStore) EnqueueDelivery(ctx context.Context, d store.Delivery) error {
	r.note("EnqueueDelivery")
	return r.Store.EnqueueDelivery(ctx, d)
}

func (r *recordingStore) BeginAttempt(ctx context.Context, poolID, key string, now time.Time, policy store.LockoutPolicy) (store.Attempt, error) {
	r.note("BeginAttempt")
	return r.Store.BeginAttempt(ctx, poolID, key, now, policy)
}

func (r *recordingStore) BeginAttempts(ctx context.Context, poolID string, now time.Time, keys ...store.AttemptKey) ([]store.Attempt, error) {
	r.note("BeginAttempts")
	return r.Store.BeginAttempts(ctx, poolID, now, keys...)
}

func (r *recordingStore) UpdateUser(ctx context.Context, u store.User) (store.User, error) {
	r.note("UpdateUser")
	return r.Store.UpdateUser(ctx, u)
}

func (r *recordingStore) PutAuthSession(ctx context.Context, s store.AuthSession) error {
	r.note("PutAuthSession")
	return r.Store.PutAuthSession(ctx, s)
}

// syncBuffer is a bytes.Buffer a logger may write from the background
// sender while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
