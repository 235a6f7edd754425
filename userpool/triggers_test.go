package userpool_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/trigger"
	"github.com/cupola-auth/cupola/userpool"
)

// The trigger wiring: each Cognito trigger runs where Cognito runs it, with
// Cognito's event, and its answer (or failure) changes the operation as in
// Cognito. Custom authentication is in customauth_test.go.

// trigLog keeps the events a trigger saw. Triggers run on goroutines of
// their own, so it locks.
type trigLog[E any] struct {
	mu  sync.Mutex
	evs []E
}

// fn returns a trigger that lets respond (if any) answer each event, then
// records the event with its answer.
func (l *trigLog[E]) fn(respond func(context.Context, *E) error) func(context.Context, *E) error {
	return func(ctx context.Context, ev *E) error {
		var err error
		if respond != nil {
			err = respond(ctx, ev)
		}
		l.mu.Lock()
		l.evs = append(l.evs, *ev)
		l.mu.Unlock()
		return err
	}
}

func (l *trigLog[E]) all() []E {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.evs)
}

func (l *trigLog[E]) count() int { return len(l.all()) }

// last returns the newest event, failing when there is none.
func (l *trigLog[E]) last(t *testing.T) E {
	t.Helper()
	evs := l.all()
	if len(evs) == 0 {
		t.Fatalf("the %T trigger was never called", *new(E))
	}
	return evs[len(evs)-1]
}

// withTriggerSet sets the pool's triggers.
func withTriggerSet(set func(*trigger.Set)) func(*userpool.Config) {
	return func(c *userpool.Config) { set(&c.Triggers) }
}

// trigFail is a trigger body returning err.
func trigFail[E any](msg string) func(context.Context, *E) error {
	return func(context.Context, *E) error { return errors.New(msg) }
}

func wantAttrIs(t *testing.T, attrs map[string]string, name, want string) {
	t.Helper()
	if got, ok := attrs[name]; !ok || got != want {
		t.Fatalf("attribute %s = %q (present %v), want %q; all: %v", name, got, ok, want, attrs)
	}
}

// wantNoSuchUser fails unless AdminGetUser reports the user unknown.
func (e *env) wantNoSuchUser(t *testing.T, username string) {
	t.Helper()
	_, err := e.pool.AdminGetUser(e.ctx, username)
	wantCode(t, err, userpool.CodeUserNotFound)
}

// ---------------------------------------------------------------- PreSignUp

func TestPreSignUpCanConfirmAndVerifyTheUser(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		resp                      trigger.PreSignUpResponse
		emailVerified, phoneVerif string
	}{
		{"auto-confirm with email and phone auto-verified", trigger.PreSignUpResponse{AutoConfirmUser: true, AutoVerifyEmail: true, AutoVerifyPhone: true}, "true", "true"},
		{"auto-confirm with only the email auto-verified", trigger.PreSignUpResponse{AutoConfirmUser: true, AutoVerifyEmail: true}, "true", "false"},
		{"auto-confirm alone verifies nothing", trigger.PreSignUpResponse{AutoConfirmUser: true}, "false", "false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log trigLog[trigger.PreSignUpEvent]
			e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
				s.PreSignUp = log.fn(func(_ context.Context, ev *trigger.PreSignUpEvent) error {
					ev.Response = tc.resp
					return nil
				})
			}))
			out, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "ada", Password: goodPW,
				UserAttributes: []userpool.Attribute{email("ada@example.com"), {Name: "phone_number", Value: "+14155550100"}}})
			wantNoError(t, "SignUp", err)
			if !out.UserConfirmed || out.CodeDeliveryDetails != nil {
				t.Fatalf("SignUp = %+v, want confirmed without a code", out)
			}
			if n := e.sent(); n != 0 {
				t.Fatalf("%d messages sent, want none", n)
			}
			u := e.user("ada")
			if u.Status != store.StatusConfirmed {
				t.Fatalf("status = %s", u.Status)
			}
			wantAttrIs(t, u.Attributes, "email_verified", tc.emailVerified)
			wantAttrIs(t, u.Attributes, "phone_number_verified", tc.phoneVerif)
			res := e.mustSignIn("ada", goodPW)
			if got := e.idClaims(res.IDToken).Attributes["email_verified"]; got != tc.emailVerified {
				t.Fatalf("ID token email_verified = %q", got)
			}
		})
	}
}

func TestPreSignUpMayNotAutoVerifyWithoutAutoConfirming(t *testing.T) {
	for _, resp := range []trigger.PreSignUpResponse{{AutoVerifyEmail: true}, {AutoVerifyPhone: true}} {
		e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
			s.PreSignUp = func(_ context.Context, ev *trigger.PreSignUpEvent) error { ev.Response = resp; return nil }
		}))
		_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "ada", Password: goodPW,
			UserAttributes: []userpool.Attribute{email("ada@example.com"), {Name: "phone_number", Value: "+14155550100"}}})
		wantCode(t, err, userpool.CodeInvalidLambdaResponse)
		e.wantNoSuchUser(t, "ada")
		if n := e.sent(); n != 0 {
			t.Fatalf("%d messages sent", n)
		}
	}
}

func TestPreSignUpErrorRejectsTheSignUpAndWritesNothing(t *testing.T) {
	for _, msg := range []string{"sign-ups are closed", "sign-ups are closed."} {
		e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) { s.PreSignUp = trigFail[trigger.PreSignUpEvent](msg) }))
		_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "ada", Password: goodPW,
			UserAttributes: []userpool.Attribute{email("ada@example.com")}})
		wantMessage(t, err, userpool.CodeUserLambdaValidation, "PreSignUp failed with error sign-ups are closed.")
		if !errors.Is(err, userpool.ErrUserLambdaValidation) {
			t.Fatalf("%v does not match ErrUserLambdaValidation", err)
		}
		e.wantNoSuchUser(t, "ada")
		e.noUser("ada")
		if n := e.sent(); n != 0 {
			t.Fatalf("%d messages sent", n)
		}
	}
}

func TestPreSignUpSeesTheSignUp(t *testing.T) {
	var log trigLog[trigger.PreSignUpEvent]
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) { s.PreSignUp = log.fn(nil) }))
	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "ada", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("ada@example.com"), {Name: "name", Value: "Ada"}},
		ValidationData: []userpool.Attribute{{Name: "captcha", Value: "tok-1"}},
		ClientMetadata: map[string]string{"campaign": "spring"}})
	wantNoError(t, "SignUp", err)
	ev := log.last(t)
	if ev.Version != "1" || ev.TriggerSource != trigger.TriggerPreSignUpSignUp || ev.UserPoolID != e.cfg.ID ||
		ev.UserName != "ada" || ev.CallerContext.ClientID != webClient || ev.Region == "" {
		t.Fatalf("envelope = %+v", ev.Common)
	}
	wantAttrIs(t, ev.Request.UserAttributes, "email", "ada@example.com")
	wantAttrIs(t, ev.Request.UserAttributes, "name", "Ada")
	if !reflect.DeepEqual(ev.Request.ValidationData, map[string]string{"captcha": "tok-1"}) {
		t.Fatalf("validationData = %v", ev.Request.ValidationData)
	}
	if !reflect.DeepEqual(ev.Request.ClientMetadata, map[string]string{"campaign": "spring"}) {
		t.Fatalf("clientMetadata = %v", ev.Request.ClientMetadata)
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), goodPW) {
		t.Fatalf("the PreSignUp event carries the password: %s", raw)
	}
	// The user is UNCONFIRMED as without a trigger: the trigger said nothing.
	if u := e.user("ada"); u.Status != store.StatusUnconfirmed {
		t.Fatalf("status = %s", u.Status)
	}
	if _, ok := e.user("ada").Attributes["captcha"]; ok {
		t.Fatal("validation data was stored")
	}
}

func TestPreSignUpRunsForAdminCreateUserButCannotConfirm(t *testing.T) {
	var log trigLog[trigger.PreSignUpEvent]
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.PreSignUp = log.fn(func(_ context.Context, ev *trigger.PreSignUpEvent) error {
			if ev.UserName == "mallory" {
				return errors.New("not on the allow list")
			}
			ev.Response = trigger.PreSignUpResponse{AutoConfirmUser: true, AutoVerifyEmail: true, AutoVerifyPhone: true}
			return nil
		})
	}))
	_, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "bob", TemporaryPassword: goodPW,
		MessageAction: "SUPPRESS", UserAttributes: []userpool.Attribute{email("bob@example.com")},
		ValidationData: []userpool.Attribute{{Name: "ticket", Value: "T-7"}}, ClientMetadata: map[string]string{"by": "ops"}})
	wantNoError(t, "AdminCreateUser", err)
	ev := log.last(t)
	if ev.TriggerSource != trigger.TriggerPreSignUpAdminCreateUser || ev.UserName != "bob" {
		t.Fatalf("envelope = %+v", ev.Common)
	}
	if ev.Request.ValidationData["ticket"] != "T-7" || ev.Request.ClientMetadata["by"] != "ops" {
		t.Fatalf("request = %+v", ev.Request)
	}
	u, err := e.pool.AdminGetUser(e.ctx, "bob")
	wantNoError(t, "AdminGetUser", err)
	if u.UserStatus != store.StatusForceChangePassword {
		t.Fatalf("status = %s, want the response ignored", u.UserStatus)
	}
	if got := e.user("bob").Attributes["email_verified"]; got == "true" {
		t.Fatal("the response of an AdminCreateUser PreSignUp verified the email")
	}

	_, err = e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "mallory", TemporaryPassword: goodPW,
		MessageAction: "SUPPRESS", UserAttributes: []userpool.Attribute{email("mallory@example.com")}})
	wantMessage(t, err, userpool.CodeUserLambdaValidation, "PreSignUp failed with error not on the allow list.")
	e.wantNoSuchUser(t, "mallory")
}

// ---------------------------------------------------------------- semantics

func TestAPanickingTriggerFailsOnlyItsOwnCall(t *testing.T) {
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.PreSignUp = func(_ context.Context, ev *trigger.PreSignUpEvent) error {
			switch ev.UserName {
			case "boom":
				panic("nil map somewhere")
			case "boom-err":
				panic(errors.New("an error value"))
			}
			return nil
		}
	}))
	for _, name := range []string{"boom", "boom-err"} {
		_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: name, Password: goodPW,
			UserAttributes: []userpool.Attribute{email(name + "@example.com")}})
		pe := wantCode(t, err, userpool.CodeUnexpectedLambda)
		if strings.Contains(pe.Message, "nil map") || strings.Contains(pe.Message, "error value") {
			t.Fatalf("the panic value reached the caller: %q", pe.Message)
		}
		e.wantNoSuchUser(t, name)
	}
	// The pool keeps serving.
	e.confirmedUser("ada", "ada@example.com")
	e.mustSignIn("ada", goodPW)
}

func TestASlowTriggerIsCutOffAtItsDeadline(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	for _, tc := range []struct {
		name string
		fn   func(context.Context, *trigger.PreSignUpEvent) error
	}{
		{"a trigger waiting on its context", func(ctx context.Context, _ *trigger.PreSignUpEvent) error {
			<-ctx.Done()
			return ctx.Err()
		}},
		{"a trigger ignoring its context", func(context.Context, *trigger.PreSignUpEvent) error {
			<-release
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
				s.PreSignUp = tc.fn
				s.Timeout = 50 * time.Millisecond
			}))
			start := time.Now()
			_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "ada", Password: goodPW,
				UserAttributes: []userpool.Attribute{email("ada@example.com")}})
			took := time.Since(start)
			wantCode(t, err, userpool.CodeUnexpectedLambda)
			if took > 2*time.Second {
				t.Fatalf("SignUp took %v with a 50ms trigger timeout", took)
			}
			e.wantNoSuchUser(t, "ada")
		})
	}
}

func TestTriggersRunUnderADeadline(t *testing.T) {
	for _, tc := range []struct {
		name     string
		timeout  time.Duration // Set.Timeout
		caller   time.Duration // the caller's own deadline, 0 for none
		wantSpan time.Duration
	}{
		{"the default is five seconds", 0, 0, 5 * time.Second},
		{"Set.Timeout replaces it", 2 * time.Second, 0, 2 * time.Second},
		{"a sooner caller deadline wins", 0, time.Second, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var deadline time.Time
			var ok bool
			e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
				s.Timeout = tc.timeout
				s.PreSignUp = func(ctx context.Context, _ *trigger.PreSignUpEvent) error {
					deadline, ok = ctx.Deadline()
					return nil
				}
			}))
			before := time.Now()
			ctx := e.ctx
			if tc.caller > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.caller)
				defer cancel()
			}
			_, err := e.pool.SignUp(ctx, userpool.SignUpInput{ClientID: webClient, Username: "ada", Password: goodPW,
				UserAttributes: []userpool.Attribute{email("ada@example.com")}})
			after := time.Now()
			wantNoError(t, "SignUp", err)
			if !ok {
				t.Fatal("the trigger's context has no deadline")
			}
			if deadline.Before(before.Add(tc.wantSpan)) || deadline.After(after.Add(tc.wantSpan)) {
				t.Fatalf("deadline %v after the call began, want %v", deadline.Sub(before), tc.wantSpan)
			}
		})
	}
}

// ---------------------------------------------------------- PostConfirmation

func TestPostConfirmationRunsAfterEachKindOfConfirmation(t *testing.T) {
	var log trigLog[trigger.PostConfirmationEvent]
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) { s.PostConfirmation = log.fn(nil) }))
	e.signUp("ada", "ada@example.com", goodPW)
	if log.count() != 0 {
		t.Fatal("PostConfirmation ran at sign-up")
	}
	err := e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient, Username: "ada",
		ConfirmationCode: e.lastCode("ada@example.com"), ClientMetadata: map[string]string{"ref": "mail"}})
	wantNoError(t, "ConfirmSignUp", err)
	ev := log.last(t)
	if ev.TriggerSource != trigger.TriggerPostConfirmationConfirmSignUp || ev.UserName != "ada" ||
		ev.CallerContext.ClientID != webClient || ev.UserPoolID != e.cfg.ID {
		t.Fatalf("envelope = %+v", ev.Common)
	}
	wantAttrIs(t, ev.Request.UserAttributes, "email_verified", "true")
	wantAttrIs(t, ev.Request.UserAttributes, "cognito:user_status", "CONFIRMED")
	wantAttrIs(t, ev.Request.UserAttributes, "sub", e.user("ada").Sub)
	if ev.Request.ClientMetadata["ref"] != "mail" {
		t.Fatalf("clientMetadata = %v", ev.Request.ClientMetadata)
	}

	if _, err := e.forgot(webClient, "ada"); err != nil {
		t.Fatal(err)
	}
	wantNoError(t, "ConfirmForgotPassword", e.confirmForgot(webClient, "ada", e.lastCode("ada@example.com"), "new-Harbor-72x"))
	if ev := log.last(t); ev.TriggerSource != trigger.TriggerPostConfirmationConfirmForgotPassword || log.count() != 2 {
		t.Fatalf("after ConfirmForgotPassword: %d events, last %+v", log.count(), ev.Common)
	}

	e.signUp("bob", "bob@example.com", goodPW)
	wantNoError(t, "AdminConfirmSignUp", e.pool.AdminConfirmSignUp(e.ctx, "bob"))
	if ev := log.last(t); ev.TriggerSource != trigger.TriggerPostConfirmationConfirmSignUp || ev.UserName != "bob" || log.count() != 3 {
		t.Fatalf("after AdminConfirmSignUp: %d events, last %+v", log.count(), ev.Common)
	}
}

func TestPostConfirmationFailureIsReportedButTheConfirmationStands(t *testing.T) {
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.PostConfirmation = trigFail[trigger.PostConfirmationEvent]("crm unavailable")
	}))
	e.signUp("ada", "ada@example.com", goodPW)
	err := e.confirm("ada", e.lastCode("ada@example.com"))
	wantMessage(t, err, userpool.CodeUserLambdaValidation, "PostConfirmation failed with error crm unavailable.")
	if u := e.user("ada"); u.Status != store.StatusConfirmed || u.Attributes["email_verified"] != "true" {
		t.Fatalf("user after a failed PostConfirmation: %s %v", u.Status, u.Attributes)
	}
	e.mustSignIn("ada", goodPW)

	if _, err := e.forgot(webClient, "ada"); err != nil {
		t.Fatal(err)
	}
	err = e.confirmForgot(webClient, "ada", e.lastCode("ada@example.com"), "new-Harbor-72x")
	wantCode(t, err, userpool.CodeUserLambdaValidation)
	e.mustSignIn("ada", "new-Harbor-72x")
	if _, err := e.signIn("ada", goodPW); err == nil {
		t.Fatal("the old password still works after the reset")
	}
}

// -------------------------------------------------------- PreAuthentication

func TestPreAuthenticationDeniesBeforeThePasswordIsChecked(t *testing.T) {
	var log trigLog[trigger.PreAuthenticationEvent]
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.PreAuthentication = log.fn(func(_ context.Context, ev *trigger.PreAuthenticationEvent) error {
			if ev.UserName == "ada" {
				return errors.New("account frozen")
			}
			return nil
		})
	}))
	e.confirmedUser("ada", "ada@example.com")
	e.confirmedUser("bob", "bob@example.com")
	for _, pw := range []string{goodPW, "wrong-Password-1"} {
		_, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
			AuthParameters: map[string]string{"USERNAME": "ada", "PASSWORD": pw}, ClientMetadata: map[string]string{"app": "ios"}})
		wantMessage(t, err, userpool.CodeUserLambdaValidation, "PreAuthentication failed with error account frozen.")
	}
	ev := log.last(t)
	if ev.TriggerSource != trigger.TriggerPreAuthenticationAuthentication || ev.CallerContext.ClientID != webClient || ev.Request.UserNotFound {
		t.Fatalf("event = %+v", ev)
	}
	wantAttrIs(t, ev.Request.UserAttributes, "email", "ada@example.com")
	if ev.Request.ClientMetadata["app"] != "ios" {
		t.Fatalf("clientMetadata = %v", ev.Request.ClientMetadata)
	}
	e.mustSignIn("bob", goodPW)
	if _, err := e.signIn("bob", "wrong-Password-1"); asPoolError(err) == nil || asPoolError(err).Code != userpool.CodeNotAuthorized {
		t.Fatalf("an allowed sign-in with a wrong password: %v", err)
	}
}

func TestPreAuthenticationSeesUnknownUsersOnlyWhenExistenceErrorsArePrevented(t *testing.T) {
	var log trigLog[trigger.PreAuthenticationEvent]
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) { s.PreAuthentication = log.fn(nil) }))
	_, err := e.signIn("ghost", goodPW)
	wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
	ev := log.last(t)
	if !ev.Request.UserNotFound || ev.UserName != "ghost" || len(ev.Request.UserAttributes) != 0 {
		t.Fatalf("event for an unknown user = %+v", ev)
	}

	e.passwordClient("legacy", func(c *userpool.ClientConfig) { c.PreventUserExistenceErrors = "LEGACY" })
	before := log.count()
	_, err = e.signInWith("legacy", "ghost", goodPW, nil)
	wantCode(t, err, userpool.CodeUserNotFound)
	if log.count() != before {
		t.Fatal("PreAuthentication ran for an unknown user at a LEGACY client")
	}
}

func TestPreAuthenticationGuardsEveryFlow(t *testing.T) {
	magic := newMagicAuth()
	var log trigLog[trigger.PreAuthenticationEvent]
	e := newFastEnv(t, withMagicAuth(magic), func(c *userpool.Config) {
		c.AllowedFirstAuthFactors = []string{userpool.FirstFactorPassword, userpool.FirstFactorEmailOTP}
		c.Clients[0].ExplicitAuthFlows = append(c.Clients[0].ExplicitAuthFlows, userpool.AllowUserAuth)
	}, withTriggerSet(func(s *trigger.Set) {
		s.PreAuthentication = log.fn(func(_ context.Context, ev *trigger.PreAuthenticationEvent) error {
			if ev.UserName == "ada" {
				return errors.New("maintenance")
			}
			return nil
		})
	}))
	e.confirmedUser("ada", "ada@example.com")
	sentBefore := e.sent()
	for _, tc := range []struct {
		name string
		call func() (*userpool.InitiateAuthOutput, error)
	}{
		{"USER_PASSWORD_AUTH", func() (*userpool.InitiateAuthOutput, error) {
			return e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
				AuthParameters: map[string]string{"USERNAME": "ada", "PASSWORD": goodPW}})
		}},
		{"ADMIN_USER_PASSWORD_AUTH", func() (*userpool.InitiateAuthOutput, error) {
			return e.pool.AdminInitiateAuth(e.ctx, userpool.AdminInitiateAuthInput{AuthFlow: userpool.FlowAdminUserPasswordAuth, ClientID: webClient,
				AuthParameters: map[string]string{"USERNAME": "ada", "PASSWORD": goodPW}})
		}},
		{"USER_AUTH with an emailed code", func() (*userpool.InitiateAuthOutput, error) {
			return e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserAuth, ClientID: webClient,
				AuthParameters: map[string]string{"USERNAME": "ada", "PREFERRED_CHALLENGE": userpool.FirstFactorEmailOTP}})
		}},
		{"USER_AUTH with a password", func() (*userpool.InitiateAuthOutput, error) {
			return e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserAuth, ClientID: webClient,
				AuthParameters: map[string]string{"USERNAME": "ada", "PREFERRED_CHALLENGE": userpool.FirstFactorPassword, "PASSWORD": goodPW}})
		}},
		{"CUSTOM_AUTH", func() (*userpool.InitiateAuthOutput, error) {
			return e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowCustomAuth, ClientID: magicClient,
				AuthParameters: map[string]string{"USERNAME": "ada"}})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := log.count()
			_, err := tc.call()
			wantMessage(t, err, userpool.CodeUserLambdaValidation, "PreAuthentication failed with error maintenance.")
			if log.count() != before+1 {
				t.Fatalf("PreAuthentication ran %d times", log.count()-before)
			}
		})
	}
	if e.sent() != sentBefore || len(magic.outbox.Emails()) != 0 || magic.defines.count() != 0 {
		t.Fatal("a denied sign-in went on to send a code or start a challenge")
	}
}

// ------------------------------------------------------- PostAuthentication

func TestPostAuthenticationKnowsWhetherTheDeviceIsNew(t *testing.T) {
	var log trigLog[trigger.PostAuthenticationEvent]
	e := newFastEnv(t, func(c *userpool.Config) { c.Devices = userpool.DeviceConfig{Enabled: true} },
		withTriggerSet(func(s *trigger.Set) { s.PostAuthentication = log.fn(nil) }))
	e.confirmedUser("ada", "ada@example.com")
	first := e.mustSignIn("ada", goodPW)
	if first.NewDeviceMetadata == nil {
		t.Fatal("no device tracked")
	}
	ev := log.last(t)
	if !ev.Request.NewDeviceUsed || ev.TriggerSource != trigger.TriggerPostAuthenticationAuthentication ||
		ev.CallerContext.ClientID != webClient || ev.UserName != "ada" {
		t.Fatalf("first sign-in event = %+v", ev)
	}
	wantAttrIs(t, ev.Request.UserAttributes, "email", "ada@example.com")
	again, err := e.signInWith(webClient, "ada", goodPW, map[string]string{"DEVICE_KEY": first.NewDeviceMetadata.DeviceKey})
	wantNoError(t, "sign-in from the known device", err)
	if again.NewDeviceMetadata != nil || log.last(t).Request.NewDeviceUsed {
		t.Fatalf("a known device reported as new: %+v, %+v", again.NewDeviceMetadata, log.last(t).Request)
	}
}

// trigRandom is crypto/rand, remembering every 32-byte read: refresh
// tokens are 32 random bytes, so a test can find the token a refused
// sign-in minted without the pool ever returning it.
type trigRandom struct {
	mu    sync.Mutex
	reads [][]byte
}

func (r *trigRandom) Read(p []byte) (int, error) {
	n, err := rand.Read(p)
	if len(p) == 32 {
		r.mu.Lock()
		r.reads = append(r.reads, slices.Clone(p[:n]))
		r.mu.Unlock()
	}
	return n, err
}

func (r *trigRandom) reset() {
	r.mu.Lock()
	r.reads = nil
	r.mu.Unlock()
}

// minted returns the refresh tokens of the families created since reset.
func (r *trigRandom) minted(e *env) []string {
	e.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, b := range r.reads {
		raw := base64.RawURLEncoding.EncodeToString(b)
		h := sha256.Sum256([]byte(raw))
		if _, _, err := e.store.FamilyByToken(e.ctx, e.cfg.ID, h[:]); err == nil {
			out = append(out, raw)
		}
	}
	return out
}

func TestPostAuthenticationFailureRefusesTheSignInAndRevokesItsTokens(t *testing.T) {
	rnd := &trigRandom{}
	var fail sync.Mutex
	failing := false
	e := newFastEnv(t, func(c *userpool.Config) { c.Random = rnd }, withTriggerSet(func(s *trigger.Set) {
		s.PostAuthentication = func(context.Context, *trigger.PostAuthenticationEvent) error {
			fail.Lock()
			defer fail.Unlock()
			if failing {
				return errors.New("audit log unavailable")
			}
			return nil
		}
	}))
	e.confirmedUser("ada", "ada@example.com")
	// The finder finds the token of an accepted sign-in, which works.
	rnd.reset()
	ok := e.mustSignIn("ada", goodPW)
	if got := rnd.minted(e); len(got) != 1 || got[0] != ok.RefreshToken {
		t.Fatalf("minted tokens = %v, want the one returned", got)
	}

	fail.Lock()
	failing = true
	fail.Unlock()
	rnd.reset()
	_, err := e.signIn("ada", goodPW)
	wantMessage(t, err, userpool.CodeUserLambdaValidation, "PostAuthentication failed with error audit log unavailable.")
	minted := rnd.minted(e)
	if len(minted) != 1 {
		t.Fatalf("the refused sign-in minted %d refresh tokens, want 1", len(minted))
	}
	h := sha256.Sum256([]byte(minted[0]))
	fam, _, err := e.store.FamilyByToken(e.ctx, e.cfg.ID, h[:])
	if err != nil || fam.RevokedAt.IsZero() {
		t.Fatalf("family of the refused sign-in: %+v, %v; want revoked", fam, err)
	}
	fail.Lock()
	failing = false
	fail.Unlock()
	_, err = e.refresh(webClient, minted[0])
	wantCode(t, err, userpool.CodeNotAuthorized)
	// The earlier sign-in is untouched.
	if _, err := e.refresh(webClient, ok.RefreshToken); err != nil {
		t.Fatalf("the accepted sign-in's refresh token: %v", err)
	}
}

// ------------------------------------------------------- PreTokenGeneration

// v1Pool is a pool whose V1 pre token generation trigger answers with d,
// and a confirmed user ada in group staff.
func v1Pool(t *testing.T, d *trigger.ClaimsOverrideDetails, log *trigLog[trigger.PreTokenGenerationEvent]) *env {
	t.Helper()
	if log == nil {
		log = &trigLog[trigger.PreTokenGenerationEvent]{}
	}
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.PreTokenGeneration = log.fn(func(_ context.Context, ev *trigger.PreTokenGenerationEvent) error {
			ev.Response.ClaimsOverrideDetails = d
			return nil
		})
	}))
	e.confirmedUser("ada", "ada@example.com")
	if _, err := e.pool.CreateGroup(e.ctx, userpool.CreateGroupInput{GroupName: "staff",
		RoleArn: "arn:aws:iam::123456789012:role/staff"}); err != nil {
		t.Fatal(err)
	}
	wantNoError(t, "AdminAddUserToGroup", e.pool.AdminAddUserToGroup(e.ctx, "ada", "staff"))
	return e
}

func TestPreTokenGenerationV1ChangesTheIDToken(t *testing.T) {
	admin := "arn:aws:iam::123456789012:role/admin"
	for _, tc := range []struct {
		name  string
		d     *trigger.ClaimsOverrideDetails
		check func(t *testing.T, c *tokenClaimsPair)
	}{
		{"no answer changes nothing", nil, func(t *testing.T, c *tokenClaimsPair) {
			if c.id.Attributes["email"] != "ada@example.com" || !slices.Equal(c.id.Groups, []string{"staff"}) || len(c.id.Extra) != 0 {
				t.Fatalf("ID token = %+v", c.id)
			}
		}},
		{"a string claim is added", &trigger.ClaimsOverrideDetails{ClaimsToAddOrOverride: map[string]string{"tenant": "acme"}},
			func(t *testing.T, c *tokenClaimsPair) {
				if c.id.Extra["tenant"] != "acme" {
					t.Fatalf("ID token extra = %v", c.id.Extra)
				}
				if _, ok := c.access.Extra["tenant"]; ok {
					t.Fatal("V1 changed the access token")
				}
			}},
		{"an attribute is overridden", &trigger.ClaimsOverrideDetails{ClaimsToAddOrOverride: map[string]string{"email": "ada@corp.example"}},
			func(t *testing.T, c *tokenClaimsPair) { wantAttrIs(t, c.id.Attributes, "email", "ada@corp.example") }},
		{"email is suppressed", &trigger.ClaimsOverrideDetails{ClaimsToSuppress: []string{"email"}},
			func(t *testing.T, c *tokenClaimsPair) {
				if _, ok := c.id.Attributes["email"]; ok {
					t.Fatalf("email still in the ID token: %v", c.id.Attributes)
				}
				if c.id.Attributes["email_verified"] != "true" {
					t.Fatalf("suppressing email took email_verified too: %v", c.id.Attributes)
				}
			}},
		{"groups and roles are overridden", &trigger.ClaimsOverrideDetails{GroupOverrideDetails: &trigger.GroupConfiguration{
			GroupsToOverride: []string{"admins", "ops"}, IAMRolesToOverride: []string{admin}, PreferredRole: &admin}},
			func(t *testing.T, c *tokenClaimsPair) {
				if !slices.Equal(c.id.Groups, []string{"admins", "ops"}) || !slices.Equal(c.id.Roles, []string{admin}) || c.id.PreferredRole != admin {
					t.Fatalf("ID token groups %v roles %v preferred %q", c.id.Groups, c.id.Roles, c.id.PreferredRole)
				}
				if !slices.Equal(c.access.Groups, []string{"admins", "ops"}) {
					t.Fatalf("access token groups %v", c.access.Groups)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log trigLog[trigger.PreTokenGenerationEvent]
			e := v1Pool(t, tc.d, &log)
			res := e.mustSignIn("ada", goodPW)
			tc.check(t, &tokenClaimsPair{id: e.idClaims(res.IDToken), access: e.accessClaims(res.AccessToken)})
			ev := log.last(t)
			if ev.Version != "1" || ev.TriggerSource != trigger.TriggerTokenGenerationAuthentication || ev.CallerContext.ClientID != webClient {
				t.Fatalf("envelope = %+v", ev.Common)
			}
			g := ev.Request.GroupConfiguration
			if !slices.Equal(g.GroupsToOverride, []string{"staff"}) || !slices.Equal(g.IAMRolesToOverride, []string{"arn:aws:iam::123456789012:role/staff"}) {
				t.Fatalf("groupConfiguration = %+v", g)
			}
		})
	}
}

type tokenClaimsPair struct {
	id     *token.IDClaims
	access *token.AccessClaims
}

func TestPreTokenGenerationCannotTouchLockedClaims(t *testing.T) {
	locked := []string{"sub", "aud", "iss", "exp", "iat", "auth_time", "jti", "origin_jti", "token_use", "cognito:username", "identities", "nonce"}
	type variant struct {
		name string
		set  func(claim string) func(*trigger.Set)
	}
	variants := []variant{
		{"V1 add", func(claim string) func(*trigger.Set) {
			return func(s *trigger.Set) {
				s.PreTokenGeneration = func(_ context.Context, ev *trigger.PreTokenGenerationEvent) error {
					ev.Response.ClaimsOverrideDetails = &trigger.ClaimsOverrideDetails{ClaimsToAddOrOverride: map[string]string{claim: "x"}}
					return nil
				}
			}
		}},
		{"V1 suppress", func(claim string) func(*trigger.Set) {
			return func(s *trigger.Set) {
				s.PreTokenGeneration = func(_ context.Context, ev *trigger.PreTokenGenerationEvent) error {
					ev.Response.ClaimsOverrideDetails = &trigger.ClaimsOverrideDetails{ClaimsToSuppress: []string{claim}}
					return nil
				}
			}
		}},
		{"V2 ID add", func(claim string) func(*trigger.Set) {
			return func(s *trigger.Set) {
				s.PreTokenGenerationV2 = func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
					ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
						IDTokenGeneration: &trigger.TokenGeneration{ClaimsToAddOrOverride: map[string]any{claim: 1}}}
					return nil
				}
			}
		}},
		{"V2 access add", func(claim string) func(*trigger.Set) {
			return func(s *trigger.Set) {
				s.PreTokenGenerationV2 = func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
					ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
						AccessTokenGeneration: &trigger.AccessTokenGeneration{ClaimsToAddOrOverride: map[string]any{claim: "x"}}}
					return nil
				}
			}
		}},
		{"V2 access suppress", func(claim string) func(*trigger.Set) {
			return func(s *trigger.Set) {
				s.PreTokenGenerationV2 = func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
					ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
						AccessTokenGeneration: &trigger.AccessTokenGeneration{ClaimsToSuppress: []string{claim}}}
					return nil
				}
			}
		}},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			claims := locked
			if strings.HasPrefix(v.name, "V2 access") {
				claims = append(slices.Clone(locked), "client_id", "scope", "username")
			}
			for _, claim := range claims {
				e := newFastEnv(t, withTriggerSet(v.set(claim)))
				e.confirmedUser("ada", "ada@example.com")
				_, err := e.signIn("ada", goodPW)
				if pe := asPoolError(err); pe == nil || pe.Code != userpool.CodeInvalidLambdaResponse {
					t.Fatalf("%s %q: %v, want InvalidLambdaResponseException", v.name, claim, err)
				}
			}
		})
	}
}

func TestPreTokenGenerationRefusesMalformedValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*trigger.Set)
	}{
		{"V1 email_verified that is not a boolean", func(s *trigger.Set) {
			s.PreTokenGeneration = func(_ context.Context, ev *trigger.PreTokenGenerationEvent) error {
				ev.Response.ClaimsOverrideDetails = &trigger.ClaimsOverrideDetails{ClaimsToAddOrOverride: map[string]string{"email_verified": "maybe"}}
				return nil
			}
		}},
		{"V2 ID claim that is not JSON", func(s *trigger.Set) {
			s.PreTokenGenerationV2 = func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
				ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
					IDTokenGeneration: &trigger.TokenGeneration{ClaimsToAddOrOverride: map[string]any{"ch": make(chan int)}}}
				return nil
			}
		}},
		{"V2 access claim that is not JSON", func(s *trigger.Set) {
			s.PreTokenGenerationV2 = func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
				ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
					AccessTokenGeneration: &trigger.AccessTokenGeneration{ClaimsToAddOrOverride: map[string]any{"f": func() {}}}}
				return nil
			}
		}},
		{"V2 scope with a space", func(s *trigger.Set) {
			s.PreTokenGenerationV2 = func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
				ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
					AccessTokenGeneration: &trigger.AccessTokenGeneration{ScopesToAdd: []string{"a b"}}}
				return nil
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newFastEnv(t, withTriggerSet(tc.set))
			e.confirmedUser("ada", "ada@example.com")
			_, err := e.signIn("ada", goodPW)
			wantCode(t, err, userpool.CodeInvalidLambdaResponse)
		})
	}
}

func TestPreTokenGenerationV2ChangesBothTokensAndTheScopes(t *testing.T) {
	var log trigLog[trigger.PreTokenGenerationV2Event]
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.PreTokenGenerationV2 = log.fn(func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
			ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
				IDTokenGeneration: &trigger.TokenGeneration{
					ClaimsToAddOrOverride: map[string]any{"tenant": "acme", "seats": 5, "beta": true,
						"regions": []string{"eu", "us"}, "limits": map[string]any{"rps": 10}},
					ClaimsToSuppress: []string{"email"},
				},
				AccessTokenGeneration: &trigger.AccessTokenGeneration{
					ClaimsToAddOrOverride: map[string]any{"tenant": "acme", "plan": map[string]any{"tier": "gold"}},
					ScopesToAdd:           []string{"orders/read", "orders/write"},
					ScopesToSuppress:      []string{userpool.ScopeAdmin, "orders/write"},
				},
			}
			return nil
		})
	}))
	e.confirmedUser("ada", "ada@example.com")
	res := e.mustSignIn("ada", goodPW)
	id, acc := e.idClaims(res.IDToken), e.accessClaims(res.AccessToken)
	wantExtra := map[string]any{"tenant": "acme", "seats": float64(5), "beta": true,
		"regions": []any{"eu", "us"}, "limits": map[string]any{"rps": float64(10)}}
	if !reflect.DeepEqual(id.Extra, wantExtra) {
		t.Fatalf("ID token extra claims = %#v, want %#v", id.Extra, wantExtra)
	}
	if _, ok := id.Attributes["email"]; ok {
		t.Fatal("email not suppressed from the ID token")
	}
	if !reflect.DeepEqual(acc.Extra, map[string]any{"tenant": "acme", "plan": map[string]any{"tier": "gold"}}) {
		t.Fatalf("access token extra claims = %#v", acc.Extra)
	}
	if !slices.Equal(acc.Scopes, []string{"orders/read"}) {
		t.Fatalf("access token scopes = %v", acc.Scopes)
	}
	ev := log.last(t)
	if ev.Version != "2" || ev.TriggerSource != trigger.TriggerTokenGenerationAuthentication ||
		!slices.Equal(ev.Request.Scopes, []string{userpool.ScopeAdmin}) {
		t.Fatalf("event = %+v", ev)
	}
	// Without the admin scope the token no longer opens self-service.
	_, err := e.pool.GetUser(e.ctx, res.AccessToken)
	if err == nil {
		t.Fatal("GetUser accepted a token whose admin scope was suppressed")
	}
}

func TestPreTokenGenerationV2SourceNamesTheFlow(t *testing.T) {
	var log trigLog[trigger.PreTokenGenerationV2Event]
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.PreTokenGenerationV2 = log.fn(func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
			ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
				IDTokenGeneration: &trigger.TokenGeneration{ClaimsToAddOrOverride: map[string]any{"source": ev.TriggerSource}}}
			return nil
		})
	}))
	e.confirmedUser("ada", "ada@example.com")
	check := func(raw, want string) {
		t.Helper()
		if ev := log.last(t); ev.TriggerSource != want {
			t.Fatalf("triggerSource = %q, want %q", ev.TriggerSource, want)
		}
		if got := e.idClaims(raw).Extra["source"]; got != want {
			t.Fatalf("ID token claim source = %v, want %q", got, want)
		}
	}
	res := e.mustSignIn("ada", goodPW)
	check(res.IDToken, trigger.TriggerTokenGenerationAuthentication)
	ref, err := e.refresh(webClient, res.RefreshToken)
	wantNoError(t, "refresh", err)
	check(ref.IDToken, trigger.TriggerTokenGenerationRefreshTokens)

	_, err = e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "bob", TemporaryPassword: goodPW,
		MessageAction: "SUPPRESS", UserAttributes: []userpool.Attribute{email("bob@example.com")}})
	wantNoError(t, "AdminCreateUser", err)
	out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
		AuthParameters: map[string]string{"USERNAME": "bob", "PASSWORD": goodPW}})
	if err != nil || out.ChallengeName != userpool.ChallengeNewPasswordRequired {
		t.Fatalf("first sign-in = %+v, %v", out, err)
	}
	done, err := e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient,
		ChallengeName: userpool.ChallengeNewPasswordRequired, Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": "bob", "NEW_PASSWORD": "new-Harbor-72x"}})
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("NEW_PASSWORD_REQUIRED answer = %+v, %v", done, err)
	}
	check(done.AuthenticationResult.IDToken, trigger.TriggerTokenGenerationNewPasswordChallenge)
}

func TestPreTokenGenerationFailureIssuesNoTokens(t *testing.T) {
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.PreTokenGenerationV2 = trigFail[trigger.PreTokenGenerationV2Event]("claims service down")
	}))
	e.confirmedUser("ada", "ada@example.com")
	_, err := e.signIn("ada", goodPW)
	wantMessage(t, err, userpool.CodeUserLambdaValidation, "PreTokenGeneration failed with error claims service down.")
}

// ---------------------------------------------------------------- MigrateUser

const legacyPW = "legacy-Secret-9"

// legacySystem is the MigrateUser trigger of a team leaving an old user
// store that knows olduser with legacyPW.
func legacySystem(resp trigger.MigrateUserResponse, log *trigLog[trigger.MigrateUserEvent]) func(*trigger.Set) {
	return func(s *trigger.Set) {
		s.MigrateUser = log.fn(func(_ context.Context, ev *trigger.MigrateUserEvent) error {
			if ev.UserName != "olduser" {
				return errors.New("user not found in the legacy system")
			}
			if ev.TriggerSource == trigger.TriggerUserMigrationAuthentication && ev.Request.Password != legacyPW {
				return errors.New("bad password")
			}
			ev.Response = resp
			return nil
		})
	}
}

var legacyUser = trigger.MigrateUserResponse{
	UserAttributes: map[string]string{"email": "old@example.com", "email_verified": "true", "name": "Old User"},
	MessageAction:  trigger.MessageActionSuppress,
}

func TestMigrateUserMovesAUserAtSignIn(t *testing.T) {
	var log trigLog[trigger.MigrateUserEvent]
	e := newFastEnv(t, withTriggerSet(legacySystem(legacyUser, &log)))
	res, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
		AuthParameters: map[string]string{"USERNAME": "olduser", "PASSWORD": legacyPW}, ClientMetadata: map[string]string{"app": "web"}})
	wantNoError(t, "migrating sign-in", err)
	if res.AuthenticationResult == nil {
		t.Fatalf("migrating sign-in answered %+v", res)
	}
	ev := log.last(t)
	if ev.TriggerSource != trigger.TriggerUserMigrationAuthentication || ev.Request.Password != legacyPW ||
		ev.CallerContext.ClientID != webClient || ev.Request.ClientMetadata["app"] != "web" {
		t.Fatalf("event = %+v", ev)
	}
	u := e.user("olduser")
	if u.Status != store.StatusConfirmed || !u.Enabled {
		t.Fatalf("migrated user status = %s enabled %v", u.Status, u.Enabled)
	}
	wantAttrIs(t, u.Attributes, "email", "old@example.com")
	wantAttrIs(t, u.Attributes, "email_verified", "true")
	wantAttrIs(t, u.Attributes, "name", "Old User")
	if !strings.HasPrefix(u.Password.Hash, "$argon2id$") || strings.Contains(u.Password.Hash, legacyPW) {
		t.Fatalf("stored password = %q, want an argon2id hash", u.Password.Hash)
	}
	if id := e.idClaims(res.AuthenticationResult.IDToken); id.Username != "olduser" || id.Subject != u.Sub || id.Attributes["name"] != "Old User" {
		t.Fatalf("ID token = %+v", id)
	}
	if e.sent() != 0 {
		t.Fatal("a suppressed migration sent a message")
	}
	// From now on the pool knows the user: no more trigger calls.
	calls := log.count()
	e.mustSignIn("olduser", legacyPW)
	_, err = e.signIn("olduser", "wrong-Password-1")
	wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
	if log.count() != calls {
		t.Fatal("MigrateUser ran for a user the pool knows")
	}
}

func TestMigrateUserRefusalLooksLikeAnyUnknownUser(t *testing.T) {
	var log trigLog[trigger.MigrateUserEvent]
	e := newFastEnv(t, withTriggerSet(legacySystem(legacyUser, &log)))
	for _, tc := range []struct{ name, user, pw string }{
		{"the legacy system refuses the password", "olduser", "wrong-Password-1"},
		{"the legacy system does not know the user", "nobody", legacyPW},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.signIn(tc.user, tc.pw)
			wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
			e.noUser(tc.user)
		})
	}
	if log.count() != 2 {
		t.Fatalf("MigrateUser ran %d times", log.count())
	}
	// Without the trigger, an unknown user gets the same answer.
	plain := newFastEnv(t)
	_, err := plain.signIn("olduser", legacyPW)
	wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
}

func TestMigrateUserWithAResetRequiredStatus(t *testing.T) {
	resp := legacyUser
	resp.FinalUserStatus = trigger.FinalUserStatusResetRequired
	var log trigLog[trigger.MigrateUserEvent]
	e := newFastEnv(t, withTriggerSet(legacySystem(resp, &log)))
	_, err := e.signIn("olduser", legacyPW)
	wantCode(t, err, userpool.CodePasswordResetRequired)
	if u := e.user("olduser"); u.Status != store.StatusResetRequired {
		t.Fatalf("status = %s", u.Status)
	}
	// The reset works as for any user.
	_, err = e.forgot(webClient, "olduser")
	wantNoError(t, "ForgotPassword", err)
	wantNoError(t, "ConfirmForgotPassword", e.confirmForgot(webClient, "olduser", e.lastCode("old@example.com"), "new-Harbor-72x"))
	e.mustSignIn("olduser", "new-Harbor-72x")
}

func TestMigrateUserAtForgotPassword(t *testing.T) {
	var log trigLog[trigger.MigrateUserEvent]
	e := newFastEnv(t, withTriggerSet(legacySystem(legacyUser, &log)))
	d, err := e.forgot(webClient, "olduser")
	wantNoError(t, "ForgotPassword", err)
	ev := log.last(t)
	if ev.TriggerSource != trigger.TriggerUserMigrationForgotPassword || ev.Request.Password != "" {
		t.Fatalf("event = %+v", ev)
	}
	if d.DeliveryMedium != "EMAIL" || d.AttributeName != "email" {
		t.Fatalf("delivery = %+v", d)
	}
	u := e.user("olduser")
	if u.Status != store.StatusResetRequired {
		t.Fatalf("a user migrated without a password has status %s", u.Status)
	}
	code := e.lastCode("old@example.com")
	wantNoError(t, "ConfirmForgotPassword", e.confirmForgot(webClient, "olduser", code, "new-Harbor-72x"))
	e.mustSignIn("olduser", "new-Harbor-72x")
	if log.count() != 1 {
		t.Fatalf("MigrateUser ran %d times", log.count())
	}
}

func TestMigrateUserRefusesABadResponseAndCreatesNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*trigger.MigrateUserResponse)
	}{
		{"an unknown finalUserStatus", func(r *trigger.MigrateUserResponse) { r.FinalUserStatus = "ACTIVE" }},
		{"an unknown messageAction", func(r *trigger.MigrateUserResponse) { r.MessageAction = "SHOUT" }},
		{"an invalid email", func(r *trigger.MigrateUserResponse) {
			r.UserAttributes = map[string]string{"email": "not an address"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := legacyUser
			resp.UserAttributes = map[string]string{}
			for k, v := range legacyUser.UserAttributes {
				resp.UserAttributes[k] = v
			}
			tc.change(&resp)
			var log trigLog[trigger.MigrateUserEvent]
			e := newFastEnv(t, withTriggerSet(legacySystem(resp, &log)))
			_, err := e.signIn("olduser", legacyPW)
			wantCode(t, err, userpool.CodeInvalidLambdaResponse)
			e.noUser("olduser")
			_, err = e.forgot(webClient, "olduser")
			wantCode(t, err, userpool.CodeInvalidLambdaResponse)
			e.noUser("olduser")
		})
	}
}

// ------------------------------------------------------------ CustomMessage

func TestCustomMessageWritesTheTextAroundTheRealCode(t *testing.T) {
	var log trigLog[trigger.CustomMessageEvent]
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.CustomMessage = log.fn(func(_ context.Context, ev *trigger.CustomMessageEvent) error {
			ev.Response.EmailSubject = "Welcome to Example"
			ev.Response.EmailMessage = "Hello " + ev.Request.UsernameParameter + ", your code is " + ev.Request.CodeParameter + " (" + ev.TriggerSource + ")"
			return nil
		})
	}))
	e.signUp("ada", "ada@example.com", goodPW)
	m, ok := e.outbox.LastEmail("ada@example.com")
	if !ok {
		t.Fatal("no email")
	}
	code := codePattern.FindString(m.Text)
	if m.Subject != "Welcome to Example" || m.Text != "Hello ada, your code is "+code+" (CustomMessage_SignUp)" || code == "" {
		t.Fatalf("email = %+v", m)
	}
	ev := log.last(t)
	if ev.Request.CodeParameter != "{####}" || ev.UserName != "ada" {
		t.Fatalf("event = %+v", ev)
	}
	raw, _ := json.Marshal(log.all())
	if strings.Contains(string(raw), code) {
		t.Fatalf("the trigger saw the code: %s", raw)
	}
	wantNoError(t, "ConfirmSignUp", e.confirm("ada", code))

	for _, tc := range []struct {
		source string
		send   func() error
	}{
		{trigger.TriggerCustomMessageForgotPassword, func() error { _, err := e.forgot(webClient, "ada"); return err }},
	} {
		wantNoError(t, tc.source, tc.send())
		m, _ := e.outbox.LastEmail("ada@example.com")
		if !strings.HasSuffix(m.Text, "("+tc.source+")") || codePattern.FindString(m.Text) == "" {
			t.Fatalf("%s email = %q", tc.source, m.Text)
		}
	}
	e.signUp("bob", "bob@example.com", goodPW)
	_, err := e.resend("bob")
	wantNoError(t, "ResendConfirmationCode", err)
	if m, _ := e.outbox.LastEmail("bob@example.com"); !strings.HasSuffix(m.Text, "(CustomMessage_ResendCode)") {
		t.Fatalf("resent email = %q", m.Text)
	}
	wantNoError(t, "confirm with the resent code", e.confirm("bob", e.lastCode("bob@example.com")))
}

func TestCustomMessageRunsForEveryKindOfMessage(t *testing.T) {
	var log trigLog[trigger.CustomMessageEvent]
	e := newFastEnv(t, func(c *userpool.Config) {
		c.CodeSendLimit = store.LockoutPolicy{Threshold: 50, Base: time.Hour, Max: time.Hour, ResetAfter: time.Hour}
		c.AllowedFirstAuthFactors = []string{userpool.FirstFactorPassword, userpool.FirstFactorEmailOTP}
		c.Clients[0].ExplicitAuthFlows = append(c.Clients[0].ExplicitAuthFlows, userpool.AllowUserAuth)
	}, withTriggerSet(func(s *trigger.Set) {
		s.CustomMessage = log.fn(func(_ context.Context, ev *trigger.CustomMessageEvent) error {
			ev.Response.EmailMessage = "code " + ev.Request.CodeParameter + " for " + ev.Request.UsernameParameter + " via " + ev.TriggerSource
			return nil
		})
	}))
	var access string
	for _, step := range []struct {
		source, to string
		do         func() error
	}{
		{trigger.TriggerCustomMessageSignUp, "ada@example.com", func() error {
			_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "ada", Password: goodPW,
				UserAttributes: []userpool.Attribute{email("ada@example.com")}})
			return err
		}},
		{trigger.TriggerCustomMessageResendCode, "ada@example.com", func() error { _, err := e.resend("ada"); return err }},
		{trigger.TriggerCustomMessageForgotPassword, "ada@example.com", func() error {
			if err := e.confirm("ada", e.lastCode("ada@example.com")); err != nil {
				return err
			}
			_, err := e.forgot(webClient, "ada")
			return err
		}},
		{trigger.TriggerCustomMessageAuthentication, "ada@example.com", func() error {
			_, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserAuth, ClientID: webClient,
				AuthParameters: map[string]string{"USERNAME": "ada", "PREFERRED_CHALLENGE": userpool.FirstFactorEmailOTP}})
			return err
		}},
		{trigger.TriggerCustomMessageUpdateUserAttribute, "ada@new.example", func() error {
			access = e.mustSignIn("ada", goodPW).AccessToken
			_, err := e.pool.UpdateUserAttributes(e.ctx, userpool.UpdateUserAttributesInput{AccessToken: access,
				UserAttributes: []userpool.Attribute{email("ada@new.example")}})
			return err
		}},
		{trigger.TriggerCustomMessageVerifyUserAttribute, "ada@example.com", func() error {
			_, err := e.pool.GetUserAttributeVerificationCode(e.ctx, access, "email")
			return err
		}},
		{trigger.TriggerCustomMessageAdminCreateUser, "bob@example.com", func() error {
			_, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "bob",
				UserAttributes: []userpool.Attribute{email("bob@example.com")}})
			return err
		}},
	} {
		t.Run(step.source, func(t *testing.T) {
			wantNoError(t, step.source, step.do())
			if ev := log.last(t); ev.TriggerSource != step.source || ev.Request.CodeParameter != "{####}" {
				t.Fatalf("event = %+v", ev)
			}
			m, ok := e.outbox.LastEmail(step.to)
			if !ok || !strings.HasSuffix(m.Text, " via "+step.source) || strings.Contains(m.Text, "{####}") || strings.Contains(m.Text, "{username}") {
				t.Fatalf("email to %s = %q", step.to, m.Text)
			}
		})
	}
}

func TestCustomMessageWithoutAnAnswerKeepsThePoolsText(t *testing.T) {
	var log trigLog[trigger.CustomMessageEvent]
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) { s.CustomMessage = log.fn(nil) }))
	e.confirmedUser("ada", "ada@example.com")
	if log.count() != 1 {
		t.Fatalf("CustomMessage ran %d times", log.count())
	}
}

func TestCustomMessageMustKeepTheCodePlaceholder(t *testing.T) {
	for _, tc := range []struct {
		name string
		resp trigger.CustomMessageResponse
	}{
		{"an email body without the code", trigger.CustomMessageResponse{EmailMessage: "Welcome aboard!"}},
		{"an SMS text without the code", trigger.CustomMessageResponse{SMSMessage: "Welcome aboard!"}},
		{"a code spelled out instead of the placeholder", trigger.CustomMessageResponse{EmailMessage: "Your code is 123456"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
				s.CustomMessage = func(_ context.Context, ev *trigger.CustomMessageEvent) error { ev.Response = tc.resp; return nil }
			}))
			_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "ada", Password: goodPW,
				UserAttributes: []userpool.Attribute{email("ada@example.com")}})
			wantCode(t, err, userpool.CodeInvalidLambdaResponse)
			if e.sent() != 0 {
				t.Fatal("a message was sent")
			}
			e.wantNoSuchUser(t, "ada")
		})
	}
}

// ---------------------------------------------------- custom email/SMS senders

func TestCustomSendersDeliverThePlaintextCodeInsteadOfThePool(t *testing.T) {
	for _, tc := range []struct {
		name, attr, to, wantType, wantSource string
		medium                               string
	}{
		{"email", "email", "ada@example.com", trigger.CustomEmailSenderRequestV1, trigger.TriggerCustomEmailSenderSignUp, "EMAIL"},
		{"sms", "phone_number", "+14155550100", trigger.CustomSMSSenderRequestV1, trigger.TriggerCustomSMSSenderSignUp, "SMS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var emails trigLog[trigger.CustomEmailSenderEvent]
			var texts trigLog[trigger.CustomSMSSenderEvent]
			e := newFastEnv(t, func(c *userpool.Config) { c.AutoVerifiedAttributes = []string{tc.attr} },
				withTriggerSet(func(s *trigger.Set) {
					s.CustomEmailSender = emails.fn(nil)
					s.CustomSMSSender = texts.fn(nil)
				}))
			out, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "ada", Password: goodPW,
				UserAttributes: []userpool.Attribute{{Name: tc.attr, Value: tc.to}}})
			wantNoError(t, "SignUp", err)
			if out.CodeDeliveryDetails == nil || out.CodeDeliveryDetails.DeliveryMedium != tc.medium {
				t.Fatalf("delivery = %+v", out.CodeDeliveryDetails)
			}
			if e.sent() != 0 {
				t.Fatal("the pool's own sender was used")
			}
			var common trigger.Common
			var typ, code string
			var attrs map[string]string
			if tc.attr == "email" {
				ev := emails.last(t)
				common, typ, code, attrs = ev.Common, ev.Request.Type, ev.Request.Code, ev.Request.UserAttributes
				if texts.count() != 0 {
					t.Fatal("the SMS sender ran")
				}
			} else {
				ev := texts.last(t)
				common, typ, code, attrs = ev.Common, ev.Request.Type, ev.Request.Code, ev.Request.UserAttributes
				if emails.count() != 0 {
					t.Fatal("the email sender ran")
				}
			}
			if common.TriggerSource != tc.wantSource || typ != tc.wantType || common.UserName != "ada" {
				t.Fatalf("event: source %q type %q user %q", common.TriggerSource, typ, common.UserName)
			}
			wantAttrIs(t, attrs, tc.attr, tc.to)
			if !codePattern.MatchString(code) || len(code) != 6 {
				t.Fatalf("code handed to the sender = %q", code)
			}
			wantNoError(t, "ConfirmSignUp with the sender's code", e.confirm("ada", code))
		})
	}
}

func TestCustomSenderFailureFailsTheSignUp(t *testing.T) {
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.CustomEmailSender = trigFail[trigger.CustomEmailSenderEvent]("provider throttled")
	}))
	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "ada", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("ada@example.com")}})
	// The trigger's own error is reported as for any trigger, and the
	// sign-up is undone so that it can be retried, as when the pool's
	// sender fails.
	wantMessage(t, err, userpool.CodeUserLambdaValidation, "CustomEmailSender failed with error provider throttled.")
	e.wantNoSuchUser(t, "ada")
	if e.sent() != 0 {
		t.Fatal("the pool's sender was used")
	}
}

// ------------------------------------------------------------ HTTP triggers

func TestAnHTTPTriggerRunsALambdaHandlerUnchanged(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	// A PreSignUp Lambda as a team would have written it for Cognito.
	handler := func(_ context.Context, ev events.CognitoEventUserPoolsPreSignup) (events.CognitoEventUserPoolsPreSignup, error) {
		mail := ev.Request.UserAttributes["email"]
		if strings.HasSuffix(mail, "@evil.test") {
			return ev, errors.New("sign-ups from evil.test are closed")
		}
		if strings.HasSuffix(mail, "@example.com") && ev.TriggerSource == "PreSignUp_SignUp" {
			ev.Response.AutoConfirmUser = true
			ev.Response.AutoVerifyEmail = true
		}
		return ev, nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := trigger.VerifySignature(secret, r.Header.Get(trigger.SignatureHeader), body, time.Now(), 0); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var ev events.CognitoEventUserPoolsPreSignup
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		out, err := handler(r.Context(), ev)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"errorMessage": err.Error(), "errorType": "errorString"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)

	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.PreSignUp = trigger.HTTP[trigger.PreSignUpEvent](srv.URL, trigger.HTTPOptions{Secret: secret})
	}))
	out, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "ada", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("ada@example.com")}})
	wantNoError(t, "SignUp", err)
	if !out.UserConfirmed || out.CodeDeliveryDetails != nil || e.sent() != 0 {
		t.Fatalf("SignUp = %+v, want auto-confirmed", out)
	}
	if u := e.user("ada"); u.Status != store.StatusConfirmed || u.Attributes["email_verified"] != "true" {
		t.Fatalf("user = %s %v", u.Status, u.Attributes)
	}
	e.mustSignIn("ada", goodPW)

	out, err = e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "bob", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("bob@elsewhere.test")}})
	wantNoError(t, "SignUp", err)
	if out.UserConfirmed || out.CodeDeliveryDetails == nil {
		t.Fatalf("SignUp = %+v, want a code sent", out)
	}

	_, err = e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "eve", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("eve@evil.test")}})
	wantMessage(t, err, userpool.CodeUserLambdaValidation, "PreSignUp failed with error sign-ups from evil.test are closed.")
	e.wantNoSuchUser(t, "eve")
}
