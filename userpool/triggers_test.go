package userpool_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
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
	_, err := e.pool.AdminGetUser(e.ctx, userpool.AdminGetUserInput{Username: username})
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
	u, err := e.pool.AdminGetUser(e.ctx, userpool.AdminGetUserInput{Username: "bob"})
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
	_, err := e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient, Username: "ada",
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
	wantNoError(t, "ConfirmForgotPassword", e.confirmForgot(webClient, "ada", e.lastCode("ada@example.com"), "new-Harbor-72xyz"))
	if ev := log.last(t); ev.TriggerSource != trigger.TriggerPostConfirmationConfirmForgotPassword || log.count() != 2 {
		t.Fatalf("after ConfirmForgotPassword: %d events, last %+v", log.count(), ev.Common)
	}

	e.signUp("bob", "bob@example.com", goodPW)
	wantNoError(t, "AdminConfirmSignUp", errOf(e.pool.AdminConfirmSignUp(e.ctx, userpool.AdminConfirmSignUpInput{Username: "bob"})))
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
	err = e.confirmForgot(webClient, "ada", e.lastCode("ada@example.com"), "new-Harbor-72xyz")
	wantCode(t, err, userpool.CodeUserLambdaValidation)
	e.mustSignIn("ada", "new-Harbor-72xyz")
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
	// Never confirmed, the device is offered again for confirmation, under
	// its own key; it is not new.
	if again.NewDeviceMetadata == nil || again.NewDeviceMetadata.DeviceKey != first.NewDeviceMetadata.DeviceKey || log.last(t).Request.NewDeviceUsed {
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
