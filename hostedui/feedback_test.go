package hostedui_test

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

// The token a risky sign-in's email carries, and the event it is about.
const (
	feedbackToken   = "token-from-the-email"
	feedbackEventID = "ev-1"
)

// feedbackEvent plants the event a notification was sent about for
// username, with the hash of feedbackToken as the pool stores it.
func (e *env) feedbackEvent(username string) {
	e.t.Helper()
	u, err := e.pool.AdminGetUser(e.ctx, userpool.AdminGetUserInput{Username: username})
	if err != nil {
		e.t.Fatalf("AdminGetUser: %v", err)
	}
	var sub string
	for _, a := range u.Attributes {
		if a.Name == "sub" {
			sub = a.Value
		}
	}
	sum := sha256.Sum256([]byte("auth event feedback " + feedbackToken))
	if err := e.store.PutAuthEvent(e.ctx, store.AuthEvent{PoolID: "hosted", Subject: sub, ID: feedbackEventID,
		Type: userpool.EventSignIn, Response: userpool.EventPass, CreatedAt: e.clock.Now(), FeedbackToken: sum[:]}); err != nil {
		e.t.Fatalf("PutAuthEvent: %v", err)
	}
}

// eventFeedback is the feedback recorded on the planted event, nil if none.
func (e *env) eventFeedback(username string) *userpool.EventFeedbackType {
	e.t.Helper()
	out, err := e.pool.AdminListUserAuthEvents(e.ctx, userpool.AdminListUserAuthEventsInput{Username: username})
	if err != nil {
		e.t.Fatalf("AdminListUserAuthEvents: %v", err)
	}
	for _, ev := range out.AuthEvents {
		if ev.EventID == feedbackEventID {
			return ev.EventFeedback
		}
	}
	e.t.Fatalf("no event %s among %+v", feedbackEventID, out.AuthEvents)
	return nil
}

// feedbackURL is one of the email's links.
func (e *env) feedbackURL(username, token, value string) string {
	return e.base + "/feedback?" + url.Values{"username": {username}, "event_id": {feedbackEventID}, "token": {token}, "value": {value}}.Encode()
}

const (
	feedbackThanks    = "Thanks — we&#39;ve noted it was you."
	feedbackSignedOut = "We&#39;ve signed your account out everywhere. Reset your password."
	feedbackRefused   = "The link is invalid or was already used."
)

// TestFeedbackFromTheEmailsLinks: a link only shows a page; its form
// records the feedback once, with the token of the email.
func TestFeedbackFromTheEmailsLinks(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", goodPW)
	e.feedbackEvent("alice")
	b := newAgent(t)
	link := e.feedbackURL("alice", feedbackToken, userpool.FeedbackValid)

	// A mail scanner, a link preview and the user all fetch the link.
	newAgent(t).get(link)
	page := b.get(link)
	if page.status != http.StatusOK || !strings.Contains(page.body, "Was this you?") || !strings.Contains(page.body, "Yes, it was me") {
		t.Fatalf("the link gave %d:\n%s", page.status, page.body)
	}
	if fb := e.eventFeedback("alice"); fb != nil {
		t.Fatalf("opening the link recorded %+v", fb)
	}
	t.Run("the page is not cached, framed or scripted", func(t *testing.T) {
		h := page.header
		if h.Get("Cache-Control") != "no-store" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("headers %v", h)
		}
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self';"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
	})
	if m := formPattern.FindAllStringSubmatch(page.body, -1); len(m) != 1 || m[0][1] != e.base+"/feedback" {
		t.Fatalf("want one form posting to /feedback, got %v", m)
	}
	v := formValues(page.body)
	for k, want := range map[string]string{"username": "alice", "event_id": feedbackEventID, "token": feedbackToken, "value": "Valid"} {
		if v.Get(k) != want {
			t.Errorf("the form's %s = %q, want %q", k, v.Get(k), want)
		}
	}
	if v.Get("_csrf") == "" {
		t.Fatal("the form has no CSRF token")
	}

	t.Run("a confirmation without the CSRF token changes nothing", func(t *testing.T) {
		forged := formValues(page.body)
		forged.Del("_csrf")
		if r := b.post(e.base+"/feedback", forged); r.status != http.StatusForbidden {
			t.Errorf("got %d, want 403", r.status)
		}
		forged.Set("_csrf", "AAAA"+strings.Repeat("B", 39))
		if r := b.post(e.base+"/feedback", forged); r.status != http.StatusForbidden {
			t.Errorf("with another token: got %d, want 403", r.status)
		}
		// Another browser's token does not do either.
		other := newAgent(t)
		if r := other.post(e.base+"/feedback", formValues(page.body)); r.status != http.StatusForbidden {
			t.Errorf("from another browser: got %d, want 403", r.status)
		}
		if fb := e.eventFeedback("alice"); fb != nil {
			t.Fatalf("a forged confirmation recorded %+v", fb)
		}
	})
	t.Run("a forged token gets the invalid-link page and records nothing", func(t *testing.T) {
		forged := b.get(e.feedbackURL("alice", "forged", userpool.FeedbackValid))
		r := b.submitNoFollow(forged, nil)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, feedbackRefused) || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("got %d:\n%s", r.status, r.body)
		}
		if fb := e.eventFeedback("alice"); fb != nil {
			t.Fatalf("a forged token recorded %+v", fb)
		}
	})
	t.Run("an unknown username gets the same page as a wrong token", func(t *testing.T) {
		r := b.submitNoFollow(b.get(e.feedbackURL("nobody", feedbackToken, userpool.FeedbackValid)), nil)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, feedbackRefused) {
			t.Errorf("got %d:\n%s", r.status, r.body)
		}
	})

	done := b.submitNoFollow(page, nil)
	if done.status != http.StatusOK || !strings.Contains(done.body, feedbackThanks) {
		t.Fatalf("the confirmation gave %d:\n%s", done.status, done.body)
	}
	if strings.Contains(done.body, "<form") {
		t.Error("the result page has a form")
	}
	if done.header.Get("Cache-Control") != "no-store" {
		t.Error("the result page may be cached")
	}
	if fb := e.eventFeedback("alice"); fb == nil || fb.FeedbackValue != userpool.FeedbackValid || fb.Provider != "User" {
		t.Fatalf("feedback = %+v, want Valid from User", fb)
	}

	t.Run("the same link again is refused", func(t *testing.T) {
		again := b.get(link)
		r := b.submitNoFollow(again, nil)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, feedbackRefused) {
			t.Errorf("got %d:\n%s", r.status, r.body)
		}
		// Nor may the other link of the same email change the answer.
		r = b.submitNoFollow(b.get(e.feedbackURL("alice", feedbackToken, userpool.FeedbackInvalid)), nil)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, feedbackRefused) {
			t.Errorf("the Invalid link after Valid: got %d:\n%s", r.status, r.body)
		}
		if fb := e.eventFeedback("alice"); fb == nil || fb.FeedbackValue != userpool.FeedbackValid {
			t.Errorf("feedback = %+v, want Valid still", fb)
		}
	})
}

// TestFeedbackThatItWasNotTheUserSignsThemOut: "this wasn't me" ends every
// session of the user: refresh tokens and the hosted single sign-on.
func TestFeedbackThatItWasNotTheUserSignsThemOut(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", goodPW)
	e.feedbackEvent("alice")
	signIn, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: publicClient,
		AuthParameters: map[string]string{userpool.ParamUsername: "alice", userpool.ParamPassword: goodPW}})
	if err != nil || signIn.AuthenticationResult == nil {
		t.Fatalf("InitiateAuth: %+v, %v", signIn, err)
	}
	// The client may rotate refresh tokens: refresh keeps the newest.
	rt := signIn.AuthenticationResult.RefreshToken
	refresh := func() error {
		out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowRefreshTokenAuth, ClientID: publicClient,
			AuthParameters: map[string]string{userpool.ParamRefreshToken: rt}})
		if err == nil && out.AuthenticationResult != nil && out.AuthenticationResult.RefreshToken != "" {
			rt = out.AuthenticationResult.RefreshToken
		}
		return err
	}
	if err := refresh(); err != nil {
		t.Fatalf("the refresh token before the feedback: %v", err)
	}
	b := newAgent(t)
	e.login(b, e.authorizeURL(nil), "alice", goodPW)

	page := b.get(e.feedbackURL("alice", feedbackToken, userpool.FeedbackInvalid))
	if page.status != http.StatusOK || !strings.Contains(page.body, "No, secure my account") || strings.Contains(page.body, "Yes, it was me") {
		t.Fatalf("the Invalid link gave %d:\n%s", page.status, page.body)
	}
	if err := refresh(); err != nil {
		t.Fatalf("opening the link signed the user out: %v", err)
	}
	if fb := e.eventFeedback("alice"); fb != nil {
		t.Fatalf("opening the link recorded %+v", fb)
	}
	if r := b.get(e.authorizeURL(url.Values{"prompt": {"none"}})); !strings.Contains(r.location(), "code=") {
		t.Fatalf("before the feedback the hosted session does not sign in silently: %d %s", r.status, r.location())
	}

	done := b.submitNoFollow(page, nil)
	if done.status != http.StatusOK || !strings.Contains(done.body, feedbackSignedOut) {
		t.Fatalf("the confirmation gave %d:\n%s", done.status, done.body)
	}
	if fb := e.eventFeedback("alice"); fb == nil || fb.FeedbackValue != userpool.FeedbackInvalid || fb.Provider != "User" {
		t.Fatalf("feedback = %+v, want Invalid from User", fb)
	}
	if err := refresh(); !errors.Is(err, userpool.ErrNotAuthorized) {
		t.Errorf("a refresh token issued before the feedback: %v, want NotAuthorizedException", err)
	}
	if r := b.get(e.authorizeURL(url.Values{"prompt": {"none"}})); strings.Contains(r.location(), "code=") {
		t.Errorf("the hosted session still signs in silently: %s", r.location())
	}
}

// TestFeedbackRefusesMalformedLinks: a link missing a parameter, with one
// too long or repeated, or another value, gets the error page.
func TestFeedbackRefusesMalformedLinks(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", goodPW)
	e.feedbackEvent("alice")
	good := url.Values{"username": {"alice"}, "event_id": {feedbackEventID}, "token": {feedbackToken}, "value": {"Valid"}}
	with := func(k string, vs ...string) url.Values {
		v := url.Values{}
		for kk, vv := range good {
			v[kk] = vv
		}
		if vs == nil {
			v.Del(k)
		} else {
			v[k] = vs
		}
		return v
	}
	bad := map[string]string{
		"no username":        with("username").Encode(),
		"no event_id":        with("event_id").Encode(),
		"no token":           with("token").Encode(),
		"no value":           with("value").Encode(),
		"an empty token":     with("token", "").Encode(),
		"another value":      with("value", "Maybe").Encode(),
		"a lowercase value":  with("value", "valid").Encode(),
		"a repeated value":   with("value", "Valid", "Invalid").Encode(),
		"a long username":    with("username", strings.Repeat("a", 129)).Encode(),
		"a long event_id":    with("event_id", strings.Repeat("e", 65)).Encode(),
		"a long token":       with("token", strings.Repeat("t", 257)).Encode(),
		"a malformed query":  good.Encode() + "&%zz",
		"no parameters":      "",
		"a repeated token":   with("token", feedbackToken, feedbackToken).Encode(),
		"a repeated user":    with("username", "alice", "bob").Encode(),
		"a repeated eventid": with("event_id", feedbackEventID, "ev-2").Encode(),
	}
	for name, q := range bad {
		t.Run(name+" gets the error page", func(t *testing.T) {
			b := newAgent(t)
			r := b.get(e.base + "/feedback?" + q)
			if r.status != http.StatusBadRequest || strings.Contains(r.body, "<form") || r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("got %d:\n%s", r.status, r.body)
			}
		})
	}
	t.Run("a form with a malformed value is refused and records nothing", func(t *testing.T) {
		b := newAgent(t)
		page := b.get(e.base + "/feedback?" + good.Encode())
		r := b.submitNoFollow(page, url.Values{"value": {"Maybe"}})
		if r.status != http.StatusBadRequest || strings.Contains(r.body, "<form") {
			t.Errorf("got %d:\n%s", r.status, r.body)
		}
		if fb := e.eventFeedback("alice"); fb != nil {
			t.Fatalf("a malformed form recorded %+v", fb)
		}
	})
	t.Run("the parameters of the form come from its body only", func(t *testing.T) {
		b := newAgent(t)
		page := b.get(e.base + "/feedback?" + good.Encode())
		csrf := formValues(page.body).Get("_csrf")
		r := b.post(e.base+"/feedback?"+good.Encode(), url.Values{"_csrf": {csrf}})
		if r.status != http.StatusBadRequest {
			t.Errorf("got %d:\n%s", r.status, r.body)
		}
		if fb := e.eventFeedback("alice"); fb != nil {
			t.Fatalf("query parameters recorded %+v", fb)
		}
	})
}
