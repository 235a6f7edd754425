package userpool_test

import (
	"errors"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// TestAFullHashQueueIsRefusedAtOnce: with the one hash slot taken and the
// queue (one place) full, a further sign-in is answered
// TooManyRequestsException at once, whoever it names and whatever its
// password: never a wait, and never NotAuthorizedException (a throttled
// sign-in did not check the password).
func TestAFullHashQueueIsRefusedAtOnce(t *testing.T) {
	e := newMemEnv(t, func(c *userpool.Config) {
		// A hash of some 0.3 s: long enough to find the queue full.
		c.Hashing = userpool.HashingParams{MemoryKiB: 32 * 1024, Iterations: 8, Threads: 1, SaltLen: 16, KeyLen: 32}
		c.MaxConcurrentHashes, c.MaxQueuedHashes = 1, 1
	})
	e.confirmedUser("alice", "alice@example.test")
	e.confirmedUser("bob", "bob@example.test")
	for _, c := range []struct{ name, login, password string }{
		{"right password", "alice", goodPW},
		{"wrong password", "alice", "wrong-" + goodPW},
		{"unknown user", "nobody", goodPW},
	} {
		t.Run(c.name, func(t *testing.T) {
			done := make(chan error, 2)
			go func() { _, err := e.signIn("bob", goodPW); done <- err }() // runs
			waitHashLoad(t, e.pool, 1, 0)
			go func() { _, err := e.signIn("bob", goodPW); done <- err }() // waits
			waitHashLoad(t, e.pool, 1, 1)
			start := time.Now()
			_, err := e.signIn(c.login, c.password)
			took := time.Since(start)
			if !errors.Is(err, userpool.ErrTooManyRequests) {
				t.Errorf("sign-in with the hash queue full = %v, want TooManyRequestsException", err)
			}
			if running, _ := userpool.HashLoad(e.pool); running != 1 || took > 100*time.Millisecond {
				t.Errorf("the refusal took %s (the running hash still running: %v), want it at once", took, running == 1)
			}
			for range 2 {
				if err := <-done; err != nil {
					t.Errorf("a sign-in that had a place: %v", err)
				}
			}
		})
	}
}

func waitHashLoad(t *testing.T, p *userpool.UserPool, running, waiting int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if r, w := userpool.HashLoad(p); r == running && w == waiting {
			return
		}
	}
	r, w := userpool.HashLoad(p)
	t.Fatalf("hash load %d running, %d waiting; want %d, %d", r, w, running, waiting)
}
