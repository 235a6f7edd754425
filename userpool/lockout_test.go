package userpool_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

const (
	wrongPW          = "wrong-Password-1"
	attemptsExceeded = "Password attempts exceeded"
	incorrect        = "Incorrect username or password."
)

// outcome is what one sign-in attempt answered: "ok" or the error message.
func (e *env) outcome(username, password string) string {
	e.t.Helper()
	_, err := e.signIn(username, password)
	if err == nil {
		return "ok"
	}
	pe := asPoolError(err)
	if pe == nil || pe.Code != userpool.CodeNotAuthorized {
		e.t.Fatalf("sign in %s: %v, want NotAuthorizedException", username, err)
	}
	return pe.Message
}

func (e *env) wantOutcome(username, password, want string) {
	e.t.Helper()
	if got := e.outcome(username, password); got != want {
		e.t.Fatalf("at %s sign in %s: %q, want %q", e.clock.Now().Format("15:04:05.000"), username, got, want)
	}
}

func TestLockoutFollowsCognitosSchedule(t *testing.T) {
	for _, who := range []string{"alice", "ghost"} {
		t.Run("for "+who, func(t *testing.T) {
			e := newFastEnv(t)
			e.confirmedUser("alice", "alice@example.com")
			for range 4 {
				e.wantOutcome(who, wrongPW, incorrect)
			}
			// Every further failure locks for 1 s, doubling, at most 15 min;
			// attempts during the lock, even with the right password, are
			// refused and do not extend it.
			lock := time.Second
			for failure := 5; failure <= 16; failure++ {
				e.wantOutcome(who, wrongPW, incorrect)
				if who == "alice" {
					e.wantOutcome(who, goodPW, attemptsExceeded)
				}
				e.wantOutcome(who, wrongPW, attemptsExceeded)
				e.clock.Advance(lock - time.Millisecond)
				e.wantOutcome(who, wrongPW, attemptsExceeded)
				e.clock.Advance(time.Millisecond)
				lock = min(2*lock, 15*time.Minute)
			}
			if who == "alice" {
				e.wantOutcome("alice", goodPW, "ok")
				e.wantOutcome("alice", wrongPW, incorrect) // the success reset the count
			}
		})
	}
}

func TestLockoutIsForgottenAfterFifteenQuietMinutes(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	for range 4 {
		e.wantOutcome("alice", wrongPW, incorrect)
	}
	e.clock.Advance(15*time.Minute + time.Second)
	for range 4 {
		e.wantOutcome("alice", wrongPW, incorrect)
	}
	e.wantOutcome("alice", goodPW, "ok")
}

func TestLockoutCountsConsecutiveFailuresOnly(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	for range 3 {
		for range 4 {
			e.wantOutcome("alice", wrongPW, incorrect)
		}
		e.wantOutcome("alice", goodPW, "ok")
	}
}

func TestLockoutIsPerUserAndPerPool(t *testing.T) {
	s := memory.New()
	e := newEnv(t, s, fastKeys)
	other := newEnv(t, s, fastKeys)
	e.confirmedUser("alice", "alice@example.com")
	e.confirmedUser("bob", "bob@example.com")
	other.confirmedUser("alice", "alice@example.com")
	for range 5 {
		e.wantOutcome("alice", wrongPW, incorrect)
	}
	e.wantOutcome("alice", goodPW, attemptsExceeded)
	e.wantOutcome("bob", goodPW, "ok")
	other.wantOutcome("alice", goodPW, "ok")
}

func TestLockoutCoversEveryNameOfTheUser(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) { c.AliasAttributes = []string{"email"} })
	e.confirmedUser("alice", "alice@example.com")
	for _, login := range []string{"alice", "ALICE", "alice@example.com", "Alice@Example.com", "alice"} {
		e.wantOutcome(login, wrongPW, incorrect)
	}
	e.wantOutcome("alice@example.com", goodPW, attemptsExceeded)
	e.wantOutcome("alice", goodPW, attemptsExceeded)
}

func TestLockoutFollowsAConfiguredPolicy(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) {
		c.Lockout.Threshold, c.Lockout.Base, c.Lockout.Max, c.Lockout.ResetAfter = 3, time.Minute, time.Hour, time.Hour
	})
	e.confirmedUser("alice", "alice@example.com")
	for range 3 {
		e.wantOutcome("alice", wrongPW, incorrect)
	}
	e.clock.Advance(59 * time.Second)
	e.wantOutcome("alice", goodPW, attemptsExceeded)
	e.clock.Advance(time.Second)
	e.wantOutcome("alice", goodPW, "ok")
}

func TestLockoutCountsChangePasswordChecks(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	access := e.mustSignIn("alice", goodPW).AccessToken
	change := func(previous string) error {
		return errOf(e.pool.ChangePassword(e.ctx, userpool.ChangePasswordInput{AccessToken: access,
			PreviousPassword: previous, ProposedPassword: "fresh-Lagoon-42"}))
	}
	for range 5 {
		wantMessage(t, change(wrongPW), userpool.CodeNotAuthorized, incorrect)
	}
	e.wantOutcome("alice", goodPW, attemptsExceeded)
	wantCode(t, change(goodPW), userpool.CodeLimitExceeded)
	e.clock.Advance(time.Second)
	wantNoError(t, "ChangePassword after the lock", change(goodPW))
	e.wantOutcome("alice", "fresh-Lagoon-42", "ok")
}

func TestLockoutFromSignInsBlocksChangePassword(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	access := e.mustSignIn("alice", goodPW).AccessToken
	for range 5 {
		e.wantOutcome("alice", wrongPW, incorrect)
	}
	_, err := e.pool.ChangePassword(e.ctx, userpool.ChangePasswordInput{AccessToken: access,
		PreviousPassword: goodPW, ProposedPassword: "fresh-Lagoon-42"})
	wantCode(t, err, userpool.CodeLimitExceeded)
	e.clock.Advance(time.Second)
	e.wantOutcome("alice", goodPW, "ok") // the password did not change
}

func TestLockoutHoldsAgainstParallelGuesses(t *testing.T) {
	for _, who := range []string{"alice", "ghost"} {
		t.Run("for "+who, func(t *testing.T) {
			e := newFastEnv(t)
			e.confirmedUser("alice", "alice@example.com")
			const n = 100
			msgs := make([]string, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					_, err := e.signIn(who, fmt.Sprintf("guess-%03d-Password", i))
					if err == nil {
						msgs[i] = "ok"
					} else if pe := asPoolError(err); pe != nil && pe.Code == userpool.CodeNotAuthorized {
						msgs[i] = pe.Message
					} else {
						msgs[i] = fmt.Sprint(err)
					}
				})
			}
			wg.Wait()
			count := map[string]int{}
			for _, m := range msgs {
				count[m]++
			}
			if count[incorrect] != 5 || count[attemptsExceeded] != 95 || len(count) != 2 {
				t.Fatalf("answers = %v, want 5 %q and 95 %q", count, incorrect, attemptsExceeded)
			}
			if who == "alice" {
				e.wantOutcome("alice", goodPW, attemptsExceeded)
			}
		})
	}
}

func fastKeys(c *userpool.Config) { c.SigningAlgorithm = "EdDSA" }

// Waiting out each lock no longer buys guesses without end: after 100
// failures in a row the account stays locked until a password reset.
func TestLockoutCapsGuessesUntilAPasswordReset(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	counted := 0
	for counted < 100 {
		switch e.outcome("alice", wrongPW) {
		case incorrect:
			counted++
		case attemptsExceeded:
			e.clock.Advance(time.Minute) // retry soon after the lock ends, so the count never rests
		}
	}
	e.clock.Advance(30 * 24 * time.Hour)
	e.wantOutcome("alice", goodPW, attemptsExceeded)

	if _, err := e.forgot(webClient, "alice"); err != nil {
		t.Fatal(err)
	}
	wantNoError(t, "ConfirmForgotPassword", e.confirmForgot(webClient, "alice", e.lastCode("alice@example.com"), newPW))
	e.wantOutcome("alice", newPW, "ok")
}

// The quiet time that forgets failures starts when a lock ends, not at
// the last attempt: a lock longer than the quiet period does not wipe
// the count.
func TestLockoutQuietTimeStartsWhenTheLockEnds(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) {
		c.Lockout = store.LockoutPolicy{Threshold: 2, Base: 20 * time.Minute, Max: time.Hour, ResetAfter: 15 * time.Minute}
	})
	e.confirmedUser("alice", "alice@example.com")
	e.wantOutcome("alice", wrongPW, incorrect)
	e.wantOutcome("alice", wrongPW, incorrect) // locked for 20 minutes
	e.clock.Advance(25 * time.Minute)          // 25 min after the last attempt, 5 after the lock
	e.wantOutcome("alice", wrongPW, incorrect) // counted as the third: locked for 40 minutes
	e.clock.Advance(39 * time.Minute)
	e.wantOutcome("alice", goodPW, attemptsExceeded)
}

// signInFrom signs in with the caller's address, as a web app or the
// hosted UI passes it.
func (e *env) signInFrom(ip, username, password string) string {
	e.t.Helper()
	_, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
		AuthParameters:  map[string]string{userpool.ParamUsername: username, userpool.ParamPassword: password},
		UserContextData: &userpool.UserContextData{IPAddress: ip}})
	if err == nil {
		return "ok"
	}
	pe := asPoolError(err)
	if pe == nil || pe.Code != userpool.CodeNotAuthorized {
		e.t.Fatalf("sign in %s from %s: %v, want NotAuthorizedException", username, ip, err)
	}
	return pe.Message
}

// A stranger who keeps failing from one network locks only that network
// out of the account: the owner, elsewhere, still signs in.
func TestAStrangerCannotLockTheOwnerOut(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	for i := range 5 {
		// One IPv6 /64 is one source, whichever address in it.
		if got := e.signInFrom(fmt.Sprintf("2001:db8:1:2::%x", i+1), "alice", wrongPW); got != incorrect {
			t.Fatalf("failure %d: %q", i+1, got)
		}
	}
	if got := e.signInFrom("2001:db8:1:2::ffff", "alice", goodPW); got != attemptsExceeded {
		t.Fatalf("the stranger's network after five failures: %q, want locked", got)
	}
	if got := e.signInFrom("198.51.100.2", "alice", goodPW); got != "ok" {
		t.Fatalf("the owner from home: %q", got)
	}
}

// Many sources spraying one account meet the account-wide limit.
func TestManySourcesMeetTheAccountLimit(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	for i := range 20 {
		if got := e.signInFrom(fmt.Sprintf("203.0.113.%d", i+1), "alice", wrongPW); got != incorrect {
			t.Fatalf("source %d: %q", i+1, got)
		}
	}
	if got := e.signInFrom("198.51.100.2", "alice", goodPW); got != attemptsExceeded {
		t.Fatalf("after 20 sources failed: %q, want the account locked", got)
	}
}

// One source trying a password on many accounts meets its own limit, for
// real and unknown accounts alike.
func TestOneSourceMeetsItsLimitAcrossAccounts(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	for i := range 100 {
		if got := e.signInFrom("203.0.113.9", fmt.Sprintf("user%d", i), wrongPW); got != incorrect {
			t.Fatalf("account %d: %q", i, got)
		}
	}
	if got := e.signInFrom("203.0.113.9", "alice", goodPW); got != attemptsExceeded {
		t.Fatalf("the spraying source: %q, want refused", got)
	}
	if got := e.signInFrom("198.51.100.2", "alice", goodPW); got != "ok" {
		t.Fatalf("another source: %q", got)
	}
}

func TestManySuccessfulSignInsFromOneAddressLockNobodyOut(t *testing.T) {
	// An office behind one NAT address: its users' right passwords are no
	// spraying, however many; its failures still count.
	e := newFastEnv(t)
	for i := range 3 {
		e.confirmedUser(fmt.Sprint("staff", i), fmt.Sprintf("staff%d@example.com", i))
	}
	for i := range 150 {
		if got := e.signInFrom("198.51.100.7", fmt.Sprint("staff", i%3), goodPW); got != "ok" {
			t.Fatalf("sign-in %d from the office: %q", i+1, got)
		}
	}
	for i := range 100 {
		if got := e.signInFrom("198.51.100.7", fmt.Sprintf("nobody%d", i), wrongPW); got != incorrect {
			t.Fatalf("failure %d: %q", i+1, got)
		}
	}
	if got := e.signInFrom("198.51.100.7", "staff0", goodPW); got != attemptsExceeded {
		t.Fatalf("after 100 failures from the address: %q, want refused", got)
	}
}
