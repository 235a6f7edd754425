package userpool_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// TestCancelledSignInsAreNeverInternalErrors: a client that goes away, or
// a deadline that passes, at any point of a sign-in (waiting for a hash
// slot, hashing, the store calls before and after) gets a context error
// (errors.Is context.Canceled or DeadlineExceeded) or
// TooManyRequestsException: never InternalErrorException, which would
// page an operator for a client's timeout.
func TestCancelledSignInsAreNeverInternalErrors(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			e := newEnv(t, kind.open(t), func(c *userpool.Config) {
				// Hashes of a few ms, two at a time, most of the sign-ins queued:
				// deadlines of 0–50 ms land before, in and after the hash wait;
				// the rest are refused by the full queue.
				c.Hashing = userpool.HashingParams{MemoryKiB: 2048, Iterations: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
				c.MaxConcurrentHashes, c.MaxQueuedHashes = 2, 150
			})
			const users = 8
			for i := range users {
				e.confirmedUser(fmt.Sprintf("user%d", i), fmt.Sprintf("user%d@example.test", i))
			}
			var (
				wg    sync.WaitGroup
				mu    sync.Mutex
				codes = map[string]int{}
			)
			for i := range 200 {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(e.ctx, time.Duration(i%51)*time.Millisecond)
					defer cancel()
					if i%7 == 0 { // the client goes away instead
						var cancelNow context.CancelFunc
						ctx, cancelNow = context.WithCancel(e.ctx)
						time.AfterFunc(time.Duration(i%23)*time.Millisecond, cancelNow)
					}
					login, pw := fmt.Sprintf("user%d", i%users), goodPW
					switch i % 5 {
					case 1:
						pw = "wrong-" + goodPW
					case 2:
						login = fmt.Sprintf("nobody%d", i)
					}
					_, err := e.pool.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
						AuthParameters:  map[string]string{"USERNAME": login, "PASSWORD": pw},
						UserContextData: &userpool.UserContextData{IPAddress: fmt.Sprintf("10.1.0.%d", i%250+1)}})
					code := "ok"
					var ue *userpool.Error
					switch {
					case err == nil:
					case errors.Is(err, userpool.ErrInternal):
						t.Errorf("sign-in %d (%s, deadline %d ms): %v (cause: %v)", i, login, i%51, err, errors.Unwrap(err))
						code = "internal"
					case errors.As(err, &ue):
						code = string(ue.Code)
					default:
						code = "untyped"
						if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
							t.Errorf("sign-in %d: untyped error %v", i, err)
						}
					}
					mu.Lock()
					codes[code]++
					mu.Unlock()
				})
			}
			wg.Wait()
			t.Logf("answers: %v", codes)
			if codes[string(userpool.CodeTooManyRequests)] == 0 {
				t.Error("no sign-in was cancelled or throttled: the deadlines missed the hashes")
			}
		})
	}
}
