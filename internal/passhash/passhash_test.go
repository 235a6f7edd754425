package passhash

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func cheap() Params { return Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32} }

func newHasher(t *testing.T, p Params, n int) *Hasher {
	t.Helper()
	h, err := New(Options{Params: p, MaxConcurrent: n})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHashAndVerify(t *testing.T) {
	ctx := context.Background()
	h := newHasher(t, cheap(), 2)
	for _, pw := range []string{"correct horse", strings.Repeat("é", 128), "pässwörd 🔑"} {
		phc, err := h.Hash(ctx, pw)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(phc, "$argon2id$v=19$m=64,t=1,p=1$") {
			t.Fatalf("PHC = %q", phc)
		}
		if ok, rehash, err := h.Verify(ctx, phc, pw); !ok || rehash || err != nil {
			t.Fatalf("Verify(right) = %v %v %v", ok, rehash, err)
		}
		if ok, _, err := h.Verify(ctx, phc, pw+" "); ok || err != nil {
			t.Fatalf("Verify(wrong) = %v %v", ok, err)
		}
	}
}

func TestDefaultsAreOWASP(t *testing.T) {
	h := newHasher(t, Params{}, 1)
	if p := h.Params(); p.Memory != 19456 || p.Time != 2 || p.Threads != 1 || p.SaltLen < 16 {
		t.Fatalf("default params = %+v", p)
	}
}

func TestSaltsDiffer(t *testing.T) {
	h := newHasher(t, cheap(), 1)
	a, _ := h.Hash(context.Background(), "same")
	b, _ := h.Hash(context.Background(), "same")
	if a == b {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestOlderParametersAskForRehash(t *testing.T) {
	ctx := context.Background()
	old := newHasher(t, cheap(), 1)
	phc, _ := old.Hash(ctx, "pw")
	cur := newHasher(t, Params{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
	if ok, rehash, err := cur.Verify(ctx, phc, "pw"); !ok || !rehash || err != nil {
		t.Fatalf("Verify = %v %v %v, want ok and rehash", ok, rehash, err)
	}
}

func TestBcrypt(t *testing.T) {
	ctx := context.Background()
	h := newHasher(t, cheap(), 1)
	long := strings.Repeat("a", 72)
	bc, err := bcrypt.GenerateFromPassword([]byte(long), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash, err := h.Verify(ctx, string(bc), long); !ok || !rehash || err != nil {
		t.Fatalf("bcrypt right = %v %v %v", ok, rehash, err)
	}
	// bcrypt sees only 72 bytes; a longer password sharing them must fail.
	if ok, _, err := h.Verify(ctx, string(bc), long+"extra"); ok || err != nil {
		t.Fatalf("bcrypt 77-byte password = %v %v, want refused", ok, err)
	}
	if ok, _, _ := h.Verify(ctx, string(bc), "b"); ok {
		t.Fatal("bcrypt wrong password accepted")
	}
}

func TestMalformedAndCostlyHashesAreRefused(t *testing.T) {
	h := newHasher(t, cheap(), 1)
	for _, enc := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=999999999,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=99,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$2a$31$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
		// What a sign-in flood could not afford: 128 MiB, 64 MiB × 5 passes,
		// bcrypt cost 14.
		"$argon2id$v=19$m=131072,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=65536,t=5,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$2a$14$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
	} {
		if _, _, err := h.Verify(context.Background(), enc, "pw"); !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Verify(%q) = %v, want ErrMalformedHash", enc, err)
		}
		if err := Check(enc); err == nil {
			t.Errorf("Check(%q) accepted", enc)
		}
	}
}

func TestTooLongPasswordsAreRefused(t *testing.T) {
	h := newHasher(t, cheap(), 1)
	if _, err := h.Hash(context.Background(), strings.Repeat("x", MaxPasswordBytes+1)); !errors.Is(err, ErrTooLong) {
		t.Fatalf("Hash = %v", err)
	}
}

func TestWaitingForASlotHonoursTheContext(t *testing.T) {
	h := newHasher(t, cheap(), 1)
	h.sem <- struct{}{} // the only slot is busy
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Hash with no free slot = %v, want the context's deadline", err)
	}
	<-h.sem
}

func TestAFullQueueIsRefusedAtOnce(t *testing.T) {
	h, err := New(Options{Params: cheap(), MaxConcurrent: 1, MaxQueued: 1})
	if err != nil {
		t.Fatal(err)
	}
	h.sem <- struct{}{} // the only slot is busy
	waiting := make(chan error, 1)
	go func() {
		_, err := h.Hash(context.Background(), "pw") // takes the one place in the queue
		waiting <- err
	}()
	for h.queued.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	// No slot frees until this returns: a Verify that waited would hang.
	if _, _, err := h.Verify(context.Background(), h.dummy, "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Verify with a full queue = %v, want ErrBusy", err)
	}
	<-h.sem
	if err := <-waiting; err != nil {
		t.Fatalf("the queued hash: %v", err)
	}
}

func TestOnWaitIsToldEachWait(t *testing.T) {
	var waits []time.Duration
	h, err := New(Options{Params: cheap(), MaxConcurrent: 1, OnWait: func(_ context.Context, d time.Duration) {
		waits = append(waits, d) // one goroutine hashes at a time here
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(waits) != 0 {
		t.Fatalf("New's dummy hash was reported: %v", waits)
	}
	if _, err := h.Hash(context.Background(), "pw"); err != nil {
		t.Fatal(err)
	}
	h.sem <- struct{}{} // the only slot is busy
	done := make(chan error, 1)
	go func() { _, err := h.Hash(context.Background(), "pw"); done <- err }()
	for h.queued.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(5 * time.Millisecond)
	<-h.sem
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(waits) != 2 || waits[0] != 0 || waits[1] < 5*time.Millisecond {
		t.Fatalf("waits %v, want [0 ≥5ms]", waits)
	}
}

func TestInvalidParamsAreRefused(t *testing.T) {
	for _, p := range []Params{{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32}, {Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 128 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, {Memory: 64 * 1024, Time: 5, Threads: 1, SaltLen: 16, KeyLen: 32}} {
		if _, err := New(Options{Params: p}); !errors.Is(err, ErrParams) {
			t.Errorf("New(%+v) = %v", p, err)
		}
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5")
	f.Add("$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234")
	f.Fuzz(func(t *testing.T, s string) {
		if Check(s) == nil && !strings.HasPrefix(s, "$") {
			t.Fatalf("accepted %q", s)
		}
	})
}

func TestSlotsFollowTheMemoryBudget(t *testing.T) {
	p := Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32} // 1 MiB a hash
	for _, c := range []struct {
		concurrent int
		budget     int64
		want       int
	}{
		{8, 3 << 20, 3},        // the budget decides
		{8, 3<<20 + 1<<19, 3},  // whole hashes only
		{8, 1 << 19, 1},        // less than one hash: one all the same
		{8, 100 << 20, 8},      // MaxConcurrent decides
		{8, 0, 8},              // DefaultMaxMemory: 256 hashes' worth
		{300, 0, 256},          // DefaultMaxMemory decides
		{2, 1 << 30, 2},        // MaxConcurrent decides
		{0, 1 << 20, 1},        // GOMAXPROCS, within a one-hash budget
		{1, -1, 1},             // negative is the default
		{3, int64(3) << 20, 3}, // exactly
	} {
		h, err := New(Options{Params: p, MaxConcurrent: c.concurrent, MaxMemory: c.budget})
		if err != nil {
			t.Fatal(err)
		}
		if got := h.Slots(); got != c.want {
			t.Errorf("MaxConcurrent %d, MaxMemory %d: %d slots, want %d", c.concurrent, c.budget, got, c.want)
		}
	}
	if h := newHasher(t, Params{}, 64); h.Slots() != 13 {
		t.Errorf("OWASP parameters with the default budget: %d slots, want 13 (256 MiB / 19 MiB)", h.Slots())
	}
}

func TestACancelledCallerGetsNoHash(t *testing.T) {
	h := newHasher(t, cheap(), 4) // every slot free
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 20 {
		if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.Canceled) {
			t.Fatalf("Hash with a cancelled context = %v, want context.Canceled", err)
		}
		if err := h.VerifyDummy(ctx, "pw"); !errors.Is(err, context.Canceled) {
			t.Fatalf("VerifyDummy with a cancelled context = %v, want context.Canceled", err)
		}
	}
}
