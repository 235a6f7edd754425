package userpool_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/risk"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

// fixedRisk is an assessor that answers one level (or fails).
func fixedRisk(l risk.Level, err error) risk.Assessor {
	return risk.AssessorFunc(func(context.Context, risk.Signals) (risk.Assessment, error) {
		return risk.Assessment{Level: l, Score: float64(l) * 40, Reasons: []string{"test"}}, err
	})
}

// breachedSet says exactly these passwords are breached.
type breachedSet map[string]bool

func (b breachedSet) Breached(_ context.Context, pw string) (bool, error) { return b[pw], nil }

func withThreat(mode string, a risk.Assessor) func(*userpool.Config) {
	return func(c *userpool.Config) {
		c.ThreatProtection.Mode = mode
		c.ThreatProtection.Assessor = a
	}
}

func (e *env) riskSignIn(username, password, ip, userAgent string) (*userpool.InitiateAuthOutput, error) {
	return e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
		AuthParameters:  map[string]string{"USERNAME": username, "PASSWORD": password},
		UserContextData: &userpool.UserContextData{IPAddress: ip, EncodedData: userAgent}})
}

func (e *env) setRisk(in userpool.SetRiskConfigurationInput) {
	e.t.Helper()
	if _, err := e.pool.SetRiskConfiguration(e.ctx, in); err != nil {
		e.t.Fatalf("SetRiskConfiguration: %v", err)
	}
}

func takeover(low, medium, high string) *userpool.AccountTakeoverRiskConfigurationType {
	return &userpool.AccountTakeoverRiskConfigurationType{Actions: userpool.AccountTakeoverActionsType{
		LowAction: &userpool.AccountTakeoverActionType{EventAction: low}, MediumAction: &userpool.AccountTakeoverActionType{EventAction: medium},
		HighAction: &userpool.AccountTakeoverActionType{EventAction: high}}}
}

func TestWithThreatProtectionOffNothingIsAssessed(t *testing.T) {
	e := newFastEnv(t, withThreat("", fixedRisk(risk.High, nil)))
	e.confirmedUser("alice", "alice@example.com")
	e.mustSignIn("alice", goodPW)
	if ev := e.events("alice")[0]; ev.EventRisk.RiskLevel != "" {
		t.Fatalf("risk recorded with threat protection off: %+v", ev.EventRisk)
	}
}

func TestAuditModeRecordsRiskAndNeverActs(t *testing.T) {
	e := newFastEnv(t, withThreat(userpool.ThreatProtectionAudit, fixedRisk(risk.High, nil)))
	e.confirmedUser("alice", "alice@example.com")
	e.setRisk(userpool.SetRiskConfigurationInput{AccountTakeoverRiskConfiguration: takeover(userpool.ActionBlock, userpool.ActionBlock, userpool.ActionBlock),
		RiskExceptionConfiguration: &userpool.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"203.0.113.0/24"}}})
	for _, ip := range []string{"198.51.100.7", "203.0.113.5"} {
		out, err := e.riskSignIn("alice", goodPW, ip, "")
		if err != nil || out.AuthenticationResult == nil {
			t.Fatalf("AUDIT acted on a sign-in from %s: %+v, %v", ip, out, err)
		}
	}
	for _, ev := range e.events("alice")[:2] {
		if ev.EventResponse != userpool.EventPass || ev.EventRisk.RiskLevel != "High" || ev.EventRisk.RiskDecision != "Block" {
			t.Errorf("event %+v, want Pass with the High/Block assessment recorded", ev)
		}
	}
}

func TestEnforcedActionsPerLevel(t *testing.T) {
	for _, tc := range []struct {
		name  string
		level risk.Level
		email bool // the user's email is verified
		want  string
	}{
		{"a low-risk sign-in goes through", risk.Low, true, "tokens"},
		{"a medium-risk one asks a user without MFA nothing more (MFA_IF_CONFIGURED)", risk.Medium, true, "tokens"},
		{"a high-risk one asks for an emailed code (MFA_REQUIRED)", risk.High, true, "EMAIL_OTP"},
		{"a high-risk one without a verified email is refused", risk.High, false, "blocked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newFastEnv(t, withThreat(userpool.ThreatProtectionEnforced, fixedRisk(tc.level, nil)))
			if tc.email {
				e.confirmedUser("alice", "alice@example.com")
			} else {
				sub := e.confirmedUser("alice", "alice@example.com")
				e.changeUser(sub, func(u *store.User) { u.Attributes["email_verified"] = "false" })
			}
			out, err := e.riskSignIn("alice", goodPW, "198.51.100.7", "")
			switch tc.want {
			case "tokens":
				if err != nil || out.AuthenticationResult == nil {
					t.Fatalf("got %+v, %v; want tokens", out, err)
				}
			case "blocked":
				pe := wantCode(t, err, userpool.CodeNotAuthorized)
				if pe.Message != "Unable to login because of security reasons." {
					t.Fatalf("message %q", pe.Message)
				}
				if ev := e.events("alice")[0]; ev.EventResponse != userpool.EventFail || ev.EventRisk.RiskDecision != "Block" {
					t.Fatalf("event %+v, want a blocked failure", ev)
				}
			case "EMAIL_OTP":
				if err != nil || out.ChallengeName != userpool.ChallengeEmailOTP {
					t.Fatalf("got %+v, %v; want an EMAIL_OTP step-up", out, err)
				}
				res, err := e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient,
					ChallengeName: userpool.ChallengeEmailOTP, Session: out.Session,
					ChallengeResponses: map[string]string{"USERNAME": "alice", "EMAIL_OTP_CODE": e.lastCode("alice@example.com")}})
				if err != nil || res.AuthenticationResult == nil {
					t.Fatalf("answering the step-up: %+v, %v", res, err)
				}
				if ev := e.events("alice")[0]; ev.EventResponse != userpool.EventPass || ev.EventRisk.RiskLevel != "High" ||
					ev.EventRisk.RiskDecision != "AccountTakeover" {
					t.Fatalf("event %+v, want a Pass recording the High risk", ev)
				}
			}
		})
	}
}

func TestBlockedAndSkippedAddressRanges(t *testing.T) {
	e := newFastEnv(t, withThreat(userpool.ThreatProtectionEnforced, fixedRisk(risk.High, nil)))
	e.confirmedUser("alice", "alice@example.com")
	e.setRisk(userpool.SetRiskConfigurationInput{AccountTakeoverRiskConfiguration: takeover(userpool.ActionNoAction, userpool.ActionBlock, userpool.ActionBlock),
		RiskExceptionConfiguration: &userpool.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"203.0.113.0/24"},
			SkippedIPRangeList: []string{"10.0.0.0/8", "2001:db8::/32"}}})
	_, err := e.riskSignIn("alice", goodPW, "203.0.113.9", "")
	wantCode(t, err, userpool.CodeNotAuthorized)
	for _, ip := range []string{"10.1.2.3", "2001:db8::1"} {
		if out, err := e.riskSignIn("alice", goodPW, ip, ""); err != nil || out.AuthenticationResult == nil {
			t.Fatalf("a skipped address %s was assessed: %+v, %v", ip, out, err)
		}
	}
	_, err = e.riskSignIn("alice", goodPW, "198.51.100.7", "") // assessed: High → BLOCK
	wantCode(t, err, userpool.CodeNotAuthorized)
}

func TestAClientsRiskConfigurationOverridesThePools(t *testing.T) {
	e := newFastEnv(t, withThreat(userpool.ThreatProtectionEnforced, fixedRisk(risk.Medium, nil)))
	e.confirmedUser("alice", "alice@example.com")
	e.setRisk(userpool.SetRiskConfigurationInput{AccountTakeoverRiskConfiguration: takeover(userpool.ActionNoAction, userpool.ActionBlock, userpool.ActionBlock)})
	_, err := e.riskSignIn("alice", goodPW, "198.51.100.7", "")
	wantCode(t, err, userpool.CodeNotAuthorized)
	e.setRisk(userpool.SetRiskConfigurationInput{ClientID: webClient,
		AccountTakeoverRiskConfiguration: takeover(userpool.ActionNoAction, userpool.ActionNoAction, userpool.ActionBlock)})
	if out, err := e.riskSignIn("alice", goodPW, "198.51.100.7", ""); err != nil || out.AuthenticationResult == nil {
		t.Fatalf("the client's NO_ACTION for Medium did not apply: %+v, %v", out, err)
	}
	d, err := e.pool.DescribeRiskConfiguration(e.ctx, userpool.DescribeRiskConfigurationInput{ClientID: webClient})
	wantNoError(t, "DescribeRiskConfiguration", err)
	if d.RiskConfiguration.ClientID != webClient || d.RiskConfiguration.AccountTakeoverRiskConfiguration.Actions.MediumAction.EventAction != userpool.ActionNoAction {
		t.Fatalf("described %+v", d.RiskConfiguration)
	}
}

func TestABadRiskConfigurationIsRefusedAndChangesNothing(t *testing.T) {
	e := newFastEnv(t)
	for name, in := range map[string]userpool.SetRiskConfigurationInput{
		"an unknown action":     {AccountTakeoverRiskConfiguration: takeover("ALLOW", userpool.ActionBlock, userpool.ActionBlock)},
		"an unknown filter":     {CompromisedCredentialsRiskConfiguration: &userpool.CompromisedCredentialsRiskConfigurationType{EventFilter: []string{"LOGIN"}, Actions: userpool.CompromisedCredentialsActionsType{EventAction: userpool.ActionBlock}}},
		"MFA for compromised":   {CompromisedCredentialsRiskConfiguration: &userpool.CompromisedCredentialsRiskConfigurationType{Actions: userpool.CompromisedCredentialsActionsType{EventAction: userpool.ActionMFARequired}}},
		"a malformed CIDR":      {RiskExceptionConfiguration: &userpool.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"300.1.2.0/24"}}},
		"an unknown app client": {ClientID: "nope", AccountTakeoverRiskConfiguration: takeover(userpool.ActionNoAction, userpool.ActionNoAction, userpool.ActionNoAction)},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := e.pool.SetRiskConfiguration(e.ctx, in); err == nil {
				t.Fatal("accepted")
			}
			d, err := e.pool.DescribeRiskConfiguration(e.ctx, userpool.DescribeRiskConfigurationInput{})
			wantNoError(t, "DescribeRiskConfiguration", err)
			if d.RiskConfiguration.AccountTakeoverRiskConfiguration != nil || d.RiskConfiguration.RiskExceptionConfiguration != nil {
				t.Fatalf("something was stored: %+v", d.RiskConfiguration)
			}
		})
	}
}

func TestAFailingAssessorGetsTheFailModeAndIsLogged(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failMode risk.FailMode
		blocked  bool
	}{
		{"fail closed (the default) treats the sign-in as High risk", risk.FailClosed, true},
		{"fail open lets it through", risk.FailOpen, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncBuffer
			e := newFastEnv(t, withThreat(userpool.ThreatProtectionEnforced, fixedRisk(risk.Low, errors.New("model server down"))),
				func(c *userpool.Config) {
					c.ThreatProtection.FailMode = tc.failMode
					c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
				})
			e.confirmedUser("alice", "alice@example.com")
			e.setRisk(userpool.SetRiskConfigurationInput{AccountTakeoverRiskConfiguration: takeover(userpool.ActionNoAction, userpool.ActionNoAction, userpool.ActionBlock)})
			_, err := e.riskSignIn("alice", goodPW, "198.51.100.7", "")
			if blocked := err != nil; blocked != tc.blocked {
				t.Fatalf("blocked = %v (%v), want %v", blocked, err, tc.blocked)
			}
			if !strings.Contains(logs.String(), "risk assessment failed") {
				t.Fatal("the failure was not logged")
			}
		})
	}
}

func TestABreachedPasswordIsRefusedAtSignUpChangeAndSignIn(t *testing.T) {
	const leaked = "Leaked-in-2024-breach-9"
	e := newFastEnv(t, withThreat(userpool.ThreatProtectionEnforced, fixedRisk(risk.Low, nil)),
		func(c *userpool.Config) { c.ThreatProtection.Breach = breachedSet{leaked: true} })
	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "bob", Password: leaked,
		UserAttributes: []userpool.Attribute{email("bob@example.com")}})
	wantCode(t, err, userpool.CodeInvalidPassword)

	e.confirmedUser("alice", "alice@example.com")
	res := e.mustSignIn("alice", goodPW)
	_, err = e.pool.ChangePassword(e.ctx, userpool.ChangePasswordInput{AccessToken: res.AccessToken, PreviousPassword: goodPW, ProposedPassword: leaked})
	wantCode(t, err, userpool.CodeInvalidPassword)

	// A password set before it leaked: the sign-in stops and a reset is due.
	// (An administrator's password is checked against the policy only.)
	_, err = e.pool.AdminSetUserPassword(e.ctx, userpool.AdminSetUserPasswordInput{Username: "alice", Password: leaked, Permanent: true})
	wantNoError(t, "AdminSetUserPassword", err)
	_, err = e.riskSignIn("alice", leaked, "198.51.100.7", "")
	wantCode(t, err, userpool.CodePasswordResetRequired)
	if u := e.user("alice"); u.Status != store.StatusResetRequired {
		t.Fatalf("status %s, want RESET_REQUIRED", u.Status)
	}
	if ev := e.events("alice")[0]; !ev.EventRisk.CompromisedCredentialsDetected || ev.EventResponse != userpool.EventFail {
		t.Fatalf("event %+v", ev)
	}
}

func TestTheDefaultAssessorSeesANewNetworkSprayingAccounts(t *testing.T) {
	e := newFastEnv(t, withThreat(userpool.ThreatProtectionAudit, nil))
	e.confirmedUser("alice", "alice@example.com")
	for range 5 {
		if _, err := e.riskSignIn("alice", goodPW, "198.51.100.7", ""); err != nil {
			t.Fatal(err)
		}
	}
	// A network that has just failed 20 sign-ins across many names.
	for i := range 20 {
		_, _ = e.riskSignIn(fmt.Sprint("victim", i), "Summer2026!", "203.0.113.9", "")
	}
	if _, err := e.riskSignIn("alice", goodPW, "203.0.113.9", ""); err != nil {
		t.Fatal(err)
	}
	evs := e.events("alice")
	if evs[0].EventRisk.RiskLevel == "Low" || evs[0].EventRisk.RiskLevel == "" || evs[1].EventRisk.RiskLevel != "Low" {
		t.Fatalf("a spraying network scored %q after the usual one scored %q", evs[0].EventRisk.RiskLevel, evs[1].EventRisk.RiskLevel)
	}
}

func notifyAll(action string) *userpool.AccountTakeoverRiskConfigurationType {
	a := &userpool.AccountTakeoverActionType{EventAction: action, Notify: true}
	return &userpool.AccountTakeoverRiskConfigurationType{Actions: userpool.AccountTakeoverActionsType{LowAction: a, MediumAction: a, HighAction: a}}
}

// feedbackLink finds the link for value in a notification's text.
func feedbackLink(t *testing.T, text, value string) url.Values {
	t.Helper()
	for _, f := range strings.Fields(text) {
		if u, err := url.Parse(f); err == nil && u.Query().Get("value") == value {
			if !strings.HasPrefix(f, testIssuer+"/feedback?") {
				t.Fatalf("link %s is not the hosted UI's feedback page", f)
			}
			return u.Query()
		}
	}
	t.Fatalf("no %s link in %q", value, text)
	return nil
}

func TestARiskySignInIsToldToTheUserWithLinksThatWorkOnce(t *testing.T) {
	e := newFastEnv(t, withThreat(userpool.ThreatProtectionEnforced, fixedRisk(risk.High, nil)))
	e.confirmedUser("alice", "alice@example.com")
	e.setRisk(userpool.SetRiskConfigurationInput{AccountTakeoverRiskConfiguration: notifyAll(userpool.ActionMFARequired)})
	before := e.mustSignInNoRisk(t)
	out, err := e.riskSignIn("alice", goodPW, "203.0.113.9", "")
	if err != nil || out.ChallengeName != userpool.ChallengeEmailOTP {
		t.Fatalf("got %+v, %v; want the step-up", out, err)
	}
	var notice *message.Email
	for _, m := range e.mail().Emails() {
		if m.Subject == "A sign-in to your account needed an extra step" {
			notice = &m
		}
	}
	if notice == nil || !strings.Contains(notice.Text, "203.0.113.9") {
		t.Fatalf("no risk notice with the address: %+v", e.mail().Emails())
	}
	q := feedbackLink(t, notice.Text, userpool.FeedbackInvalid)
	in := userpool.UpdateAuthEventFeedbackInput{Username: q.Get("username"), EventID: q.Get("event_id"),
		FeedbackToken: q.Get("token"), FeedbackValue: q.Get("value")}
	wantNoError(t, "the Invalid link", errOf(e.pool.UpdateAuthEventFeedback(e.ctx, in)))
	wantCode(t, errOf(e.pool.UpdateAuthEventFeedback(e.ctx, in)), userpool.CodeNotAuthorized)
	ev := e.events("alice")[0]
	if ev.EventID != q.Get("event_id") || ev.EventResponse != userpool.EventInProgress || ev.EventFeedback == nil ||
		ev.EventFeedback.FeedbackValue != userpool.FeedbackInvalid {
		t.Fatalf("the linked event: %+v", ev)
	}
	if _, err := e.refresh(webClient, before.RefreshToken); err == nil {
		t.Fatal("“this wasn't me” left the user's sessions alive")
	}
}

func TestABlockedSignInsNoticeUsesTheConfiguredEmail(t *testing.T) {
	e := newFastEnv(t, withThreat(userpool.ThreatProtectionEnforced, fixedRisk(risk.High, nil)))
	e.confirmedUser("alice", "alice@example.com")
	cfg := notifyAll(userpool.ActionBlock)
	cfg.NotifyConfiguration = &userpool.NotifyConfigurationType{BlockEmail: &userpool.NotifyEmailType{Subject: "Blocked at {login-time}",
		TextBody: "From {ip-address}. Me: {one-click-link-valid} Not me: {one-click-link-invalid}"}}
	e.setRisk(userpool.SetRiskConfigurationInput{AccountTakeoverRiskConfiguration: cfg})
	_, err := e.riskSignIn("alice", goodPW, "203.0.113.9", "")
	wantCode(t, err, userpool.CodeNotAuthorized)
	m, ok := e.mail().LastEmail("alice@example.com")
	if !ok || !strings.HasPrefix(m.Subject, "Blocked at ") || !strings.HasPrefix(m.Text, "From 203.0.113.9.") {
		t.Fatalf("notice %+v", m)
	}
	q := feedbackLink(t, m.Text, userpool.FeedbackValid)
	wantNoError(t, "the Valid link", errOf(e.pool.UpdateAuthEventFeedback(e.ctx, userpool.UpdateAuthEventFeedbackInput{
		Username: q.Get("username"), EventID: q.Get("event_id"), FeedbackToken: q.Get("token"), FeedbackValue: q.Get("value")})))
	if ev := e.events("alice")[0]; ev.EventResponse != userpool.EventFail || ev.EventFeedback == nil || ev.EventFeedback.FeedbackValue != userpool.FeedbackValid {
		t.Fatalf("the blocked event: %+v", ev)
	}

	bad := notifyAll(userpool.ActionBlock)
	bad.NotifyConfiguration = &userpool.NotifyConfigurationType{BlockEmail: &userpool.NotifyEmailType{Subject: "two\nlines", TextBody: "x"}}
	_, err = e.pool.SetRiskConfiguration(e.ctx, userpool.SetRiskConfigurationInput{AccountTakeoverRiskConfiguration: bad})
	wantCode(t, err, userpool.CodeInvalidParameter)
}

// mustSignInNoRisk signs alice in from a skipped range, so the sign-in is
// not assessed: a session to watch.
func (e *env) mustSignInNoRisk(t *testing.T) *userpool.AuthenticationResult {
	t.Helper()
	e.setRisk(userpool.SetRiskConfigurationInput{ClientID: webClient,
		RiskExceptionConfiguration: &userpool.RiskExceptionConfigurationType{SkippedIPRangeList: []string{"10.0.0.0/8"}}})
	out, err := e.riskSignIn("alice", goodPW, "10.0.0.1", "")
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("sign-in from a skipped range: %+v, %v", out, err)
	}
	return out.AuthenticationResult
}

func TestValidFeedbackMakesABlockedSignInsNetworkKnown(t *testing.T) {
	e := newFastEnv(t, withThreat(userpool.ThreatProtectionEnforced, nil), func(c *userpool.Config) {
		c.Lockout = store.LockoutPolicy{Threshold: 50, Base: time.Second, Max: time.Minute, ResetAfter: time.Minute}
	})
	e.confirmedUser("alice", "alice@example.com")
	e.setRisk(userpool.SetRiskConfigurationInput{AccountTakeoverRiskConfiguration: takeover(userpool.ActionNoAction, userpool.ActionNoAction, userpool.ActionBlock)})
	for range 3 {
		if _, err := e.riskSignIn("alice", goodPW, "198.51.100.7", ""); err != nil {
			t.Fatal(err)
		}
	}
	// Three wrong passwords, then a network that has just sprayed 20
	// names: new network 15 + failure streak 20 + source velocity 45 =
	// High, blocked.
	for range 3 {
		_, _ = e.riskSignIn("alice", "wrong-Password-1", "198.51.100.7", "")
	}
	for i := range 20 {
		_, _ = e.riskSignIn(fmt.Sprint("victim", i), "Summer2026!", "203.0.113.9", "")
	}
	_, err := e.riskSignIn("alice", goodPW, "203.0.113.9", "")
	wantCode(t, err, userpool.CodeNotAuthorized)
	blocked := e.events("alice")[0]
	if blocked.EventRisk.RiskLevel != "High" {
		t.Fatalf("the blocked sign-in scored %q", blocked.EventRisk.RiskLevel)
	}
	// "It was me": the network is known now, and the same attempt is
	// Medium (NO_ACTION) instead.
	wantNoError(t, "Valid feedback", errOf(e.pool.AdminUpdateAuthEventFeedback(e.ctx, userpool.AdminUpdateAuthEventFeedbackInput{
		Username: "alice", EventID: blocked.EventID, FeedbackValue: userpool.FeedbackValid})))
	if out, err := e.riskSignIn("alice", goodPW, "203.0.113.9", ""); err != nil || out.AuthenticationResult == nil {
		t.Fatalf("the network the user vouched for is still blocked: %+v, %v", out, err)
	}
}

func TestTheHostedUIsDeviceIsKnownAfterItSignedIn(t *testing.T) {
	var mu sync.Mutex
	var seen []risk.Signals
	capture := risk.AssessorFunc(func(_ context.Context, s risk.Signals) (risk.Assessment, error) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, s)
		return risk.Assessment{Level: risk.Low}, nil
	})
	e := newFastEnv(t, withThreat(userpool.ThreatProtectionAudit, capture), func(c *userpool.Config) {
		c.Clients = append(c.Clients, userpool.ClientConfig{ClientID: bothClient, CallbackURLs: []string{callback},
			AllowedOAuthFlows: []string{userpool.OAuthFlowCode}, AllowedOAuthScopes: []string{"openid"}})
	})
	e.confirmedUser("alice", "alice@example.com")
	signIn := func(device string) {
		t.Helper()
		out, err := e.pool.OAuth().SignIn(e.ctx, userpool.SignInInput{ClientID: bothClient, Username: "alice", Password: goodPW,
			IPAddress: "198.51.100.7", DeviceID: device})
		if err != nil || out.Principal == nil {
			t.Fatalf("hosted sign-in: %+v, %v", out, err)
		}
		e.events("alice") // written before the next assessment reads them
	}
	signIn("browser-1")
	signIn("browser-2")
	last := seen[len(seen)-1]
	if last.DeviceKey != "browser-2" || !slices.Contains(last.History.KnownDevices, "browser-1") || slices.Contains(last.History.KnownDevices, "browser-2") {
		t.Fatalf("signals: device %q, known %v; want browser-2 assessed with browser-1 known", last.DeviceKey, last.History.KnownDevices)
	}
}
