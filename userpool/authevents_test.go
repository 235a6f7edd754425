package userpool_test

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

// eventLog is an EventSink that keeps what it is handed.
type eventLog struct {
	mu     sync.Mutex
	events []userpool.AuthEventType
}

func (l *eventLog) AuthEvent(_ context.Context, _ string, e userpool.AuthEventType) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *eventLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.events)
}

func (e *env) events(username string) []userpool.AuthEventType {
	e.t.Helper()
	out, err := e.pool.AdminListUserAuthEvents(e.ctx, userpool.AdminListUserAuthEventsInput{Username: username})
	if err != nil {
		e.t.Fatalf("AdminListUserAuthEvents: %v", err)
	}
	return out.AuthEvents
}

func TestSignInsAreRecordedNewestFirstWithWhereTheyCameFrom(t *testing.T) {
	sink := &eventLog{}
	e := newFastEnv(t, func(c *userpool.Config) { c.EventSink = sink })
	e.confirmedUser("alice", "alice@example.com")
	signIn := func(password string) error {
		_, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
			AuthParameters:  map[string]string{"USERNAME": "alice", "PASSWORD": password},
			UserContextData: &userpool.UserContextData{IPAddress: "203.0.113.7"}})
		return err
	}
	if signIn("wrong-Password-1") == nil {
		t.Fatal("a wrong password signed in")
	}
	e.clock.Advance(time.Second)
	wantNoError(t, "sign-in", signIn(goodPW))
	_ = signIn("wrong-Password-1") // an unknown user's attempt
	_, _ = e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
		AuthParameters: map[string]string{"USERNAME": "nobody", "PASSWORD": goodPW}})

	evs := e.events("alice")
	// Sign-up, then fail, pass, fail: newest first.
	want := []struct{ typ, resp string }{{userpool.EventSignIn, userpool.EventFail}, {userpool.EventSignIn, userpool.EventPass},
		{userpool.EventSignIn, userpool.EventFail}, {userpool.EventSignUp, userpool.EventPass}}
	if len(evs) != len(want) {
		t.Fatalf("%d events: %+v", len(evs), evs)
	}
	for i, w := range want {
		if evs[i].EventType != w.typ || evs[i].EventResponse != w.resp || evs[i].EventID == "" {
			t.Errorf("event %d = %s/%s, want %s/%s", i, evs[i].EventType, evs[i].EventResponse, w.typ, w.resp)
		}
	}
	if evs[0].EventContextData.IPAddress != "203.0.113.7" || len(evs[0].ChallengeResponses) != 1 ||
		evs[0].ChallengeResponses[0] != (userpool.ChallengeResponseType{ChallengeName: "Password", ChallengeResponse: "Failure"}) {
		t.Errorf("the failed sign-in's context and challenges: %+v", evs[0])
	}
	if sink.count() != 4 {
		t.Errorf("the sink got %d events, want the 4 recorded (none for the unknown user)", sink.count())
	}

	page, err := e.pool.AdminListUserAuthEvents(e.ctx, userpool.AdminListUserAuthEventsInput{Username: "alice", MaxResults: 3})
	wantNoError(t, "first page", err)
	next, err := e.pool.AdminListUserAuthEvents(e.ctx, userpool.AdminListUserAuthEventsInput{Username: "alice", MaxResults: 3, NextToken: page.NextToken})
	wantNoError(t, "second page", err)
	if len(page.AuthEvents) != 3 || page.NextToken == "" || len(next.AuthEvents) != 1 || next.AuthEvents[0].EventID != evs[3].EventID || next.NextToken != "" {
		t.Fatalf("pages: %d then %d (%q)", len(page.AuthEvents), len(next.AuthEvents), next.NextToken)
	}
}

func TestPasswordResetsAndChangesAreRecorded(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	wantNoError(t, "ForgotPassword", errOf(e.forgot(webClient, "alice")))
	code := e.lastCode("alice@example.com")
	wantCode(t, e.confirmForgot(webClient, "alice", otherCode(code), newPW), userpool.CodeCodeMismatch)
	wantNoError(t, "ConfirmForgotPassword", e.confirmForgot(webClient, "alice", code, newPW))
	res := e.mustSignIn("alice", newPW)
	_, err := e.pool.ChangePassword(e.ctx, userpool.ChangePasswordInput{AccessToken: res.AccessToken, PreviousPassword: "not-It-at-all-9", ProposedPassword: goodPW})
	wantCode(t, err, userpool.CodeNotAuthorized)
	wantNoError(t, "ChangePassword", errOf(e.pool.ChangePassword(e.ctx, userpool.ChangePasswordInput{AccessToken: res.AccessToken, PreviousPassword: newPW, ProposedPassword: goodPW})))
	var got []string
	for _, ev := range e.events("alice") {
		got = append(got, ev.EventType+"/"+ev.EventResponse)
	}
	want := []string{"PasswordChange/Pass", "PasswordChange/Fail", "SignIn/Pass", "ForgotPassword/Pass", "ForgotPassword/Fail",
		"ForgotPassword/InProgress", "SignUp/Pass"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("events %v, want %v", got, want)
	}
}

func TestAWrongSecondFactorIsRecorded(t *testing.T) {
	e := newMemEnv(t, withMFA(userpool.MFAOptional))
	e.confirmedUser("uma", "uma@example.com")
	app, _ := e.enrollTOTP("uma")
	e.clock.Advance(time.Minute)
	_, err := e.answerTOTP(e.passwordStep("uma").Session, "uma", otherCode(app.code(e.clock.Now())))
	wantCode(t, err, userpool.CodeCodeMismatch)
	ev := e.events("uma")[0]
	if ev.EventType != userpool.EventSignIn || ev.EventResponse != userpool.EventFail || len(ev.ChallengeResponses) != 1 ||
		ev.ChallengeResponses[0] != (userpool.ChallengeResponseType{ChallengeName: "Mfa", ChallengeResponse: "Failure"}) {
		t.Fatalf("event %+v, want a sign-in failed at its second factor", ev)
	}
}

func TestFeedbackOnAnEvent(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	res := e.mustSignIn("alice", goodPW)
	last := e.events("alice")[0]
	feedback := func(id, value string) error {
		return errOf(e.pool.AdminUpdateAuthEventFeedback(e.ctx, userpool.AdminUpdateAuthEventFeedbackInput{Username: "alice", EventID: id, FeedbackValue: value}))
	}
	wantCode(t, feedback(last.EventID, "Maybe"), userpool.CodeInvalidParameter)
	wantCode(t, feedback("no-such-event", userpool.FeedbackValid), userpool.CodeResourceNotFound)
	wantNoError(t, "Valid feedback", feedback(last.EventID, userpool.FeedbackValid))
	if fb := e.events("alice")[0].EventFeedback; fb == nil || fb.FeedbackValue != userpool.FeedbackValid || fb.Provider != "Admin" {
		t.Fatalf("feedback = %+v", fb)
	}
	if _, err := e.refresh(webClient, res.RefreshToken); err != nil {
		t.Fatalf("Valid feedback ended the session: %v", err)
	}
	wantNoError(t, "Invalid feedback", feedback(last.EventID, userpool.FeedbackInvalid))
	if _, err := e.refresh(webClient, res.RefreshToken); err == nil {
		t.Fatal("Invalid feedback (not the user) left the session alive")
	}
}

func TestUserFeedbackNeedsTheNotificationsTokenOnce(t *testing.T) {
	e := newFastEnv(t)
	sub := e.confirmedUser("alice", "alice@example.com")
	// The event a notification was sent about, with its token's hash.
	sum := sha256.Sum256([]byte("auth event feedback " + "token-from-the-email"))
	if err := e.store.PutAuthEvent(e.ctx, store.AuthEvent{PoolID: e.cfg.ID, Subject: sub, ID: "ev-1", Type: userpool.EventSignIn,
		Response: userpool.EventPass, CreatedAt: e.clock.Now(), FeedbackToken: sum[:]}); err != nil {
		t.Fatal(err)
	}
	send := func(username, token string) error {
		return errOf(e.pool.UpdateAuthEventFeedback(e.ctx, userpool.UpdateAuthEventFeedbackInput{Username: username, EventID: "ev-1",
			FeedbackToken: token, FeedbackValue: userpool.FeedbackValid}))
	}
	wantCode(t, send("alice", "forged"), userpool.CodeNotAuthorized)
	// A malformed value answers alike for a real user and for nobody.
	for _, who := range []string{"alice", "nobody"} {
		err := errOf(e.pool.UpdateAuthEventFeedback(e.ctx, userpool.UpdateAuthEventFeedbackInput{Username: who, EventID: "ev-1",
			FeedbackToken: "anything", FeedbackValue: "Maybe"}))
		wantCode(t, err, userpool.CodeInvalidParameter)
	}
	wantCode(t, send("nobody", "token-from-the-email"), userpool.CodeNotAuthorized)
	wantNoError(t, "feedback with the token", send("alice", "token-from-the-email"))
	wantCode(t, send("alice", "token-from-the-email"), userpool.CodeNotAuthorized)
	if fb := e.events("alice")[0].EventFeedback; fb == nil || fb.Provider != "User" {
		t.Fatalf("feedback = %+v", fb)
	}
}

func TestEventsAreKeptForTheRetentionPeriod(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) { c.AuthEventRetention = 30 * 24 * time.Hour })
	e.confirmedUser("alice", "alice@example.com") // the sign-up event
	e.clock.Advance(20 * 24 * time.Hour)
	e.mustSignIn("alice", goodPW)
	e.clock.Advance(15 * 24 * time.Hour) // the sign-up is 35 days old, the sign-in 15
	e.events("alice")                    // written
	wantNoError(t, "Cleanup", errOf(e.pool.Cleanup(e.ctx, userpool.CleanupInput{})))
	evs := e.events("alice")
	if len(evs) != 1 || evs[0].EventType != userpool.EventSignIn {
		t.Fatalf("after cleanup: %+v, want only the sign-in", evs)
	}
}
