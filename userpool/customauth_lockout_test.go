package userpool_test

import (
	"errors"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

// CUSTOM_AUTH answers are credential checks like any other: they count
// toward the account lockout before the VerifyAuthChallengeResponse trigger
// sees them, and a locked account gets nothing from the flow.

func TestCustomAuthGivesALockedAccountNothing(t *testing.T) {
	m := newMagicAuth()
	e := newFastEnv(t, withMagicAuth(m))
	e.confirmedUser("ada", "ada@example.com")
	for i := range 5 {
		if _, err := e.signIn("ada", "wrong-Password-1"); !errors.Is(err, userpool.ErrNotAuthorized) {
			t.Fatalf("wrong password %d: %v", i, err)
		}
	}
	_, err := e.startCustom(magicClient, map[string]string{"USERNAME": "ada"})
	wantMessage(t, err, userpool.CodeNotAuthorized, "Password attempts exceeded")
	if n := m.creates.count(); n != 0 {
		t.Fatalf("CreateAuthChallenge ran %d times for a locked account", n)
	}
	e.clock.Advance(16 * time.Minute)
	out := customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "ada"}))
	authResult(t)(e.answerCustom(out.Session, "ada", m.code(t, "ada@example.com")))
}

func TestCustomAuthRefusesARightAnswerOnceLocked(t *testing.T) {
	m := newMagicAuth()
	e := newFastEnv(t, withMagicAuth(m))
	e.confirmedUser("ada", "ada@example.com")
	// Three wrong answers end a conversation (the flow's own rule); two
	// more in a second one reach the lockout's five.
	out := customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "ada"}))
	for range 3 {
		next, err := e.answerCustom(out.Session, "ada", "000000")
		if err != nil {
			wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
			break
		}
		out = next
	}
	out = customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "ada"}))
	for range 2 {
		out = customStep(t)(e.answerCustom(out.Session, "ada", "000000"))
	}
	verified := m.verifies.count()
	_, err := e.answerCustom(out.Session, "ada", m.code(t, "ada@example.com"))
	wantMessage(t, err, userpool.CodeNotAuthorized, "Password attempts exceeded")
	if m.verifies.count() != verified {
		t.Fatal("VerifyAuthChallengeResponse saw an answer for a locked account")
	}
}

func TestCustomAuthGuessesCannotOutrunTheLockout(t *testing.T) {
	m := newMagicAuth()
	// Send limits apart, an attacker loops initiations and wrong answers.
	e := newFastEnv(t, withMagicAuth(m), func(c *userpool.Config) {
		c.CodeSendLimit = store.LockoutPolicy{Threshold: 100, Base: time.Hour, Max: time.Hour, ResetAfter: time.Hour}
	})
	e.confirmedUser("ada", "ada@example.com")
	for range 40 {
		out, err := e.startCustom(magicClient, map[string]string{"USERNAME": "ada"})
		if err != nil {
			continue
		}
		_, _ = e.answerCustom(out.Session, "ada", "000000")
	}
	if n := m.verifies.count(); n > 5 || n == 0 {
		t.Fatalf("VerifyAuthChallengeResponse checked %d guesses, want at most the lockout's 5", n)
	}
}

func TestCustomAuthInitiationsAreThrottledPerUser(t *testing.T) {
	m := newMagicAuth()
	e := newFastEnv(t, withMagicAuth(m))
	e.confirmedUser("ada", "ada@example.com")
	for i := range 5 {
		customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "ada"}))
		if n := len(m.outbox.Emails()); n != i+1 {
			t.Fatalf("after %d initiations %d codes were mailed", i+1, n)
		}
	}
	_, err := e.startCustom(magicClient, map[string]string{"USERNAME": "ada"})
	wantCode(t, err, userpool.CodeLimitExceeded)
	if n := len(m.outbox.Emails()); n != 5 {
		t.Fatalf("%d codes mailed, want 5: the throttled initiation sent one", n)
	}
	// Another user is not throttled by ada's initiations.
	e.confirmedUser("bob", "bob@example.com")
	customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "bob"}))
	e.clock.Advance(time.Hour + time.Second)
	customStep(t)(e.startCustom(magicClient, map[string]string{"USERNAME": "ada"}))
}
