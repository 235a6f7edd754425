package userpool_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/trigger"
	"github.com/cupola-auth/cupola/userpool"
)

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
	m, ok := e.mail().LastEmail("ada@example.com")
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
		m, _ := e.mail().LastEmail("ada@example.com")
		if !strings.HasSuffix(m.Text, "("+tc.source+")") || codePattern.FindString(m.Text) == "" {
			t.Fatalf("%s email = %q", tc.source, m.Text)
		}
	}
	e.signUp("bob", "bob@example.com", goodPW)
	_, err := e.resend("bob")
	wantNoError(t, "ResendConfirmationCode", err)
	if m, _ := e.mail().LastEmail("bob@example.com"); !strings.HasSuffix(m.Text, "(CustomMessage_ResendCode)") {
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
			_, err := e.pool.GetUserAttributeVerificationCode(e.ctx, userpool.GetUserAttributeVerificationCodeInput{AccessToken: access, AttributeName: "email"})
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
			m, ok := e.mail().LastEmail(step.to)
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

func TestCustomSenderFailureFailsTheSignUpWhenDeliveryIsInline(t *testing.T) {
	e := newFastEnv(t, deliverInline, withTriggerSet(func(s *trigger.Set) {
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
