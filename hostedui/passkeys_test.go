package hostedui_test

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/internal/passkeytest"
	"github.com/cupola-auth/cupola/userpool"
)

// The passkey pages through HTTP, with internal/passkeytest playing the
// browser's authenticator: the pool's relying party is the harness's
// loopback server named localhost, and its origin the hosted UI's.

// withPasskeys turns passkeys on beside passwords; more tweaks the pool
// further.
func withPasskeys(more ...func(*userpool.Config)) envOption {
	return envOption{localhost: true, pool: func(c *userpool.Config) {
		c.AllowedFirstAuthFactors = []string{userpool.FirstFactorPassword, userpool.FirstFactorWebAuthn}
		for _, f := range more {
			f(c)
		}
	}}
}

// origin is the hosted UI's origin, which the authenticator reports.
func (e *env) origin() string { return strings.TrimSuffix(e.base, "/auth") }

// authenticator is a new software authenticator at the hosted UI's origin.
func (e *env) authenticator() *passkeytest.Authenticator {
	e.t.Helper()
	a, err := passkeytest.New(e.origin())
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

var dataOptionsPattern = regexp.MustCompile(`data-options="([^"]*)"`)

// passkeyOptions returns the ceremony options a passkey page carries for
// its script.
func passkeyOptions(t *testing.T, r *response) []byte {
	t.Helper()
	m := dataOptionsPattern.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no data-options on %s (status %d):\n%s", r.url, r.status, r.body)
	}
	opts := []byte(html.UnescapeString(m[1]))
	if !json.Valid(opts) {
		t.Fatalf("data-options is not JSON: %s", opts)
	}
	return opts
}

// csrfOf returns the CSRF token of a page's forms.
func csrfOf(t *testing.T, r *response) string {
	t.Helper()
	c := formValues(r.body).Get("_csrf")
	if c == "" {
		t.Fatalf("no CSRF token on %s:\n%s", r.url, r.body)
	}
	return c
}

// passwordToOffer signs username in with the password from a new
// authorize request and returns the page that follows, which should be
// the offer to add a passkey.
func (e *env) passwordToOffer(b *agent, username string) *response {
	e.t.Helper()
	login := b.open(e.authorizeURL(nil))
	offer := b.submit(login, url.Values{"username": {username}, "password": {goodPW}})
	if offer.url.Path != "/auth/passkeys/add" || offer.status != http.StatusOK {
		e.t.Fatalf("after the password: %s %d, want the offer to add a passkey\n%s", offer.url, offer.status, offer.body)
	}
	return offer
}

// addPasskey answers the offer page with a new passkey of a and returns
// where the browser ends.
func (e *env) addPasskey(b *agent, offer *response, a *passkeytest.Authenticator) *response {
	e.t.Helper()
	cred, err := a.Create(passkeyOptions(e.t, offer))
	if err != nil {
		e.t.Fatal(err)
	}
	return b.follow(b.post(e.base+"/passkeys/add", url.Values{"_csrf": {csrfOf(e.t, offer)}, "credential": {string(cred)}}))
}

// startPasskey opens a new authorize request and presses "Sign in with a
// passkey" with username ("" for none); it returns the passkey page.
func (e *env) startPasskey(b *agent, username string) *response {
	e.t.Helper()
	login := b.open(e.authorizeURL(nil))
	if !strings.Contains(login.body, `formaction="`+e.base+`/login/passkey"`) {
		e.t.Fatalf("no passkey button on the login page:\n%s", login.body)
	}
	r := b.post(e.base+"/login/passkey", url.Values{"_csrf": {csrfOf(e.t, login)}, "username": {username}, "password": {""}})
	if r.status != http.StatusSeeOther || r.location() != e.base+"/passkey" {
		e.t.Fatalf("the passkey button answered %d %q, want 303 to /passkey\n%s", r.status, r.location(), r.body)
	}
	page := b.follow(r)
	if page.status != http.StatusOK || page.url.Path != "/auth/passkey" {
		e.t.Fatalf("passkey page: %s %d\n%s", page.url, page.status, page.body)
	}
	return page
}

// answerPasskey posts a credential on the passkey page, without following.
func (e *env) answerPasskey(b *agent, page *response, credential string) *response {
	e.t.Helper()
	return b.post(e.base+"/passkey", url.Values{"_csrf": {csrfOf(e.t, page)}, "credential": {credential}})
}

// signInWithPasskey runs a whole passkey sign-in and returns where the
// browser ends.
func (e *env) signInWithPasskey(b *agent, username string, a *passkeytest.Authenticator) *response {
	e.t.Helper()
	page := e.startPasskey(b, username)
	cred, err := a.Get(passkeyOptions(e.t, page))
	if err != nil {
		e.t.Fatal(err)
	}
	return b.follow(e.answerPasskey(b, page, string(cred)))
}

// exchange trades a code of the public client for tokens and returns the
// ID token's claims.
func (e *env) exchange(code string) map[string]any {
	e.t.Helper()
	form := exchangeForm(code, pkceVerifier)
	form.Set("redirect_uri", e.cbURL)
	res := e.postToken(form, "", "")
	if res.status != http.StatusOK {
		e.t.Fatalf("exchange: %d %s", res.status, res.body)
	}
	return idClaims(e.t, res.body)
}

// signedInCode checks that r is the callback with a code and state, and
// that the code is username's tokens.
func (e *env) signedInCode(r *response, username string) {
	e.t.Helper()
	q := e.callbackParams(r)
	if q.Get("code") == "" || q.Get("state") != "st-123" {
		e.t.Fatalf("callback query %v, want a code and the state", q)
	}
	if got := e.exchange(q.Get("code"))["cognito:username"]; got != username {
		e.t.Fatalf("the code's ID token is %v's, want %s's", got, username)
	}
}

// TestPasskeyButtonOnlyWhenEnabled: the login page offers a passkey only
// when the pool has passkeys, and the offer leaves the password form as
// it was (the Sign in button stays the form's default).
func TestPasskeyButtonOnlyWhenEnabled(t *testing.T) {
	t.Run("a pool without passkeys shows no button and refuses the start", func(t *testing.T) {
		e := newEnv(t)
		b := newAgent(t)
		login := b.open(e.authorizeURL(nil))
		if strings.Contains(login.body, "passkey") {
			t.Errorf("the login page mentions passkeys:\n%s", login.body)
		}
		r := b.post(e.base+"/login/passkey", url.Values{"_csrf": {csrfOf(t, login)}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `name="password"`) || !strings.Contains(r.body, "not enabled") {
			t.Errorf("a passkey start without passkeys answered %d:\n%s", r.status, r.body)
		}
	})
	t.Run("a pool with passkeys shows the button after Sign in", func(t *testing.T) {
		e := newEnv(t, withPasskeys())
		login := newAgent(t).open(e.authorizeURL(nil))
		signIn := strings.Index(login.body, `name="signInSubmitButton"`)
		passkey := strings.Index(login.body, `formaction="`+e.base+`/login/passkey"`)
		if signIn < 0 || passkey < signIn {
			t.Fatalf("want Sign in, then the passkey button, in the password form:\n%s", login.body)
		}
		if csp := login.header.Get("Content-Security-Policy"); strings.Contains(csp, "script-src") {
			t.Errorf("the login page allows scripts: %q", csp)
		}
		if strings.Contains(login.body, "<script") {
			t.Errorf("the login page has a script:\n%s", login.body)
		}
	})
}

// TestPasskeyAddAfterPasswordThenSignIn: after a password sign-in the user
// is offered a passkey and adds it; the code then reaches the app. Later
// the passkey alone signs in, named or not, each time with a code that
// the token endpoint honours, and no offer (the user has one).
func TestPasskeyAddAfterPasswordThenSignIn(t *testing.T) {
	e := newEnv(t, withPasskeys())
	e.user("alice", "alice@example.com", goodPW)
	a := e.authenticator()

	b := newAgent(t)
	offer := e.passwordToOffer(b, "alice")
	if !strings.Contains(offer.body, "Add a passkey for faster sign-in") || !strings.Contains(offer.body, ">Not now</button>") {
		t.Errorf("the offer page lacks its heading or Not now:\n%s", offer.body)
	}
	var creation struct {
		RP struct {
			ID string `json:"id"`
		} `json:"rp"`
		User struct {
			Name string `json:"name"`
		} `json:"user"`
	}
	if err := json.Unmarshal(passkeyOptions(t, offer), &creation); err != nil || creation.RP.ID != "localhost" || creation.User.Name == "" {
		t.Errorf("creation options: %+v %v", creation, err)
	}
	e.signedInCode(e.addPasskey(b, offer, a), "alice")

	t.Run("the passkey signs in without a username", func(t *testing.T) {
		e.signedInCode(e.signInWithPasskey(newAgent(t), "", a), "alice")
	})
	t.Run("the passkey signs in with the username", func(t *testing.T) {
		b := newAgent(t)
		page := e.startPasskey(b, "alice")
		// The client prevents user existence errors (the default): the
		// options list no passkey, so they tell nothing about the account.
		if allow := allowList(t, page); len(allow) != 0 {
			t.Errorf("a named sign-in's options list %v at a client that prevents existence errors", allow)
		}
		cred, err := a.Get(passkeyOptions(t, page))
		if err != nil {
			t.Fatal(err)
		}
		e.signedInCode(b.follow(e.answerPasskey(b, page, string(cred))), "alice")
	})
	t.Run("a password sign-in of a user with a passkey is not interrupted", func(t *testing.T) {
		b := newAgent(t)
		login := b.open(e.authorizeURL(nil))
		r := b.submitNoFollow(login, url.Values{"username": {"alice"}, "password": {goodPW}})
		if r.status != http.StatusSeeOther || r.location() != e.base+"/passkeys/add" {
			t.Fatalf("the password answered %d %q", r.status, r.location())
		}
		e.signedInCode(b.follow(r), "alice")
	})
	t.Run("another passkey's answer to a named sign-in is refused", func(t *testing.T) {
		b := newAgent(t)
		page := e.startPasskey(b, "alice")
		cred, err := e.authenticator().Get(passkeyOptions(t, page))
		if err != nil {
			t.Fatal(err)
		}
		r := b.follow(e.answerPasskey(b, page, string(cred)))
		if r.url.Path != "/auth/login" || !strings.Contains(r.body, "Incorrect username or passkey") {
			t.Fatalf("an unknown passkey ended at %s:\n%s", r.url, r.body)
		}
	})
}

// allowList returns the passkey IDs a passkey page's request options
// list.
func allowList(t *testing.T, page *response) []string {
	t.Helper()
	var req struct {
		Allow []struct {
			ID string `json:"id"`
		} `json:"allowCredentials"`
	}
	if err := json.Unmarshal(passkeyOptions(t, page), &req); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range req.Allow {
		out = append(out, c.ID)
	}
	return out
}

// TestPasskeyNamedSignInWhereExistenceShows: at a client that lets user
// existence show (LEGACY), a named passkey sign-in lists the account's
// passkeys; an account without one, or no account, is told on the login
// page, with the username kept.
func TestPasskeyNamedSignInWhereExistenceShows(t *testing.T) {
	e := newEnv(t, withPasskeys(func(c *userpool.Config) { c.Clients[0].PreventUserExistenceErrors = "LEGACY" }))
	e.user("alice", "alice@example.com", goodPW)
	e.user("bob", "bob@example.com", goodPW)
	a := e.authenticator()
	b := newAgent(t)
	e.signedInCode(e.addPasskey(b, e.passwordToOffer(b, "alice"), a), "alice")

	b = newAgent(t)
	page := e.startPasskey(b, "alice")
	if allow := allowList(t, page); len(allow) != 1 || allow[0] != base64.RawURLEncoding.EncodeToString(a.ID) {
		t.Errorf("alice's options list %v, want her passkey", allow)
	}
	e.signedInCode(b.follow(e.answerPasskey(b, page, string(must(a.Get(passkeyOptions(t, page)))))), "alice")

	for _, tt := range []struct{ username, want string }{
		{"bob", "This account has no passkey yet"},
		{"nobody", "User does not exist"},
	} {
		b := newAgent(t)
		login := b.open(e.authorizeURL(nil))
		r := b.post(e.base+"/login/passkey", url.Values{"_csrf": {csrfOf(t, login)}, "username": {tt.username}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, tt.want) || !strings.Contains(r.body, `value="`+tt.username+`"`) {
			t.Errorf("a passkey sign-in as %s answered %d, want the login page saying %q:\n%s", tt.username, r.status, tt.want, r.body)
		}
	}
}

// TestPasskeyRefusedCredentials: a garbled credential is shown on the
// passkey page, which stays answerable; a wrong one ends the challenge
// at the login page with the reason; neither signs anyone in.
func TestPasskeyRefusedCredentials(t *testing.T) {
	e := newEnv(t, withPasskeys())
	e.user("alice", "alice@example.com", goodPW)
	a := e.authenticator()
	first := newAgent(t)
	e.signedInCode(e.addPasskey(first, e.passwordToOffer(first, "alice"), a), "alice")

	notSignedIn := func(t *testing.T, b *agent) {
		t.Helper()
		r := b.open(e.authorizeURL(nil))
		if !strings.Contains(r.body, `name="password"`) {
			t.Fatalf("after a refused passkey the browser is signed in: %s\n%s", r.url, r.body)
		}
	}
	t.Run("a garbled credential keeps the challenge open", func(t *testing.T) {
		b := newAgent(t)
		page := e.startPasskey(b, "")
		for _, bad := range []string{"not json", `{"id":"","type":"public-key","response":{}}`} {
			r := e.answerPasskey(b, page, bad)
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, `role="alert" id="form-error"`) ||
				!strings.Contains(r.body, `data-passkey="get"`) || r.location() != "" {
				t.Fatalf("credential %q answered %d %q:\n%s", bad, r.status, r.location(), r.body)
			}
			if strings.Contains(r.body, "data-autostart") {
				t.Error("a page that shows an error asks for the passkey again at once")
			}
		}
		e.signedInCode(b.follow(e.answerPasskey(b, page, string(must(a.Get(passkeyOptions(t, page)))))), "alice")
	})
	t.Run("an empty credential is asked for again", func(t *testing.T) {
		b := newAgent(t)
		page := e.startPasskey(b, "")
		r := e.answerPasskey(b, page, "")
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "returned no passkey") {
			t.Fatalf("no credential answered %d:\n%s", r.status, r.body)
		}
		notSignedIn(t, b)
	})
	t.Run("a spoilt signature ends the challenge", func(t *testing.T) {
		b := newAgent(t)
		page := e.startPasskey(b, "")
		cred := spoilSignature(t, must(a.Get(passkeyOptions(t, page))))
		r := e.answerPasskey(b, page, string(cred))
		if r.status != http.StatusSeeOther || r.location() != e.base+"/login" {
			t.Fatalf("a wrong signature answered %d %q:\n%s", r.status, r.location(), r.body)
		}
		login := b.follow(r)
		if !strings.Contains(login.body, "Incorrect username or passkey") || !strings.Contains(login.body, `name="password"`) {
			t.Errorf("the login page does not say why:\n%s", login.body)
		}
		// The challenge is spent: the right answer no longer counts.
		if r := b.follow(e.answerPasskey(b, page, string(must(a.Get(passkeyOptions(t, page)))))); r.url.Path != "/auth/login" {
			t.Errorf("a spent challenge answered at %s", r.url)
		}
		notSignedIn(t, b)
	})
	t.Run("another origin's passkey answer is refused", func(t *testing.T) {
		b := newAgent(t)
		page := e.startPasskey(b, "")
		a.Origin = "http://evil.example"
		defer func() { a.Origin = e.origin() }()
		r := b.follow(e.answerPasskey(b, page, string(must(a.Get(passkeyOptions(t, page))))))
		if r.url.Path != "/auth/login" || !strings.Contains(r.body, "origin") {
			t.Fatalf("a foreign origin ended at %s:\n%s", r.url, r.body)
		}
		notSignedIn(t, b)
	})
	t.Run("the passkey page without a passkey challenge starts over", func(t *testing.T) {
		b := newAgent(t)
		b.open(e.authorizeURL(nil))
		if r := b.get(e.base + "/passkey"); r.status != http.StatusFound || r.location() != e.base+"/login" {
			t.Errorf("GET /passkey outside a passkey sign-in answered %d %q", r.status, r.location())
		}
	})
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// spoilSignature flips a bit of an assertion's signature.
func spoilSignature(t *testing.T, b []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	r := m["response"].(map[string]any)
	sig, err := base64.RawURLEncoding.DecodeString(r["signature"].(string))
	if err != nil {
		t.Fatal(err)
	}
	sig[len(sig)-1] ^= 1
	r["signature"] = base64.RawURLEncoding.EncodeToString(sig)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPasskeyOfferNotNow: "Not now" continues to the app and is
// remembered in the browser for that user, not for another.
func TestPasskeyOfferNotNow(t *testing.T) {
	e := newEnv(t, withPasskeys())
	e.user("alice", "alice@example.com", goodPW)
	e.user("bob", "bob@example.com", goodPW)
	b := newAgent(t)
	offer := e.passwordToOffer(b, "alice")
	r := b.post(e.base+"/passkeys/add", url.Values{"_csrf": {csrfOf(t, offer)}, "later": {"1"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), e.cbURL+"?code=") {
		t.Fatalf("Not now answered %d %q", r.status, r.location())
	}
	e.signedInCode(b.follow(r), "alice")

	// Signing in again (prompt=login): no offer for alice.
	login := b.open(e.authorizeURL(url.Values{"prompt": {"login"}}))
	again := b.submitNoFollow(login, url.Values{"username": {"alice"}, "password": {goodPW}})
	if !strings.HasPrefix(again.location(), e.cbURL+"?code=") {
		t.Errorf("after Not now the next sign-in went to %q", again.location())
	}
	// bob, in the same browser, is asked.
	login = b.open(e.authorizeURL(url.Values{"prompt": {"login"}}))
	if r := b.submitNoFollow(login, url.Values{"username": {"bob"}, "password": {goodPW}}); r.location() != e.base+"/passkeys/add" {
		t.Errorf("bob's sign-in went to %q, want the offer", r.location())
	}
}

// TestPasskeyOfferOnlyAnswersItsSignIn: the offer page completes only the
// authorization whose sign-in just happened, for that user's session: a
// session that signed in earlier cannot use it to skip prompt=login, and
// without a session it starts over.
func TestPasskeyOfferOnlyAnswersItsSignIn(t *testing.T) {
	e := newEnv(t, withPasskeys())
	e.user("alice", "alice@example.com", goodPW)
	b := newAgent(t)
	offer := e.passwordToOffer(b, "alice")
	csrf := csrfOf(t, offer)
	if r := b.post(e.base+"/passkeys/add", url.Values{"_csrf": {csrf}, "later": {"1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("Not now: %d", r.status)
	}

	// Signed in, a new authorize with prompt=login shows the login page;
	// the offer page must not hand out a code for it.
	login := b.open(e.authorizeURL(url.Values{"prompt": {"login"}}))
	if !strings.Contains(login.body, `name="password"`) {
		t.Fatalf("prompt=login did not ask: %s", login.url)
	}
	for _, r := range []*response{
		b.get(e.base + "/passkeys/add"),
		b.post(e.base+"/passkeys/add", url.Values{"_csrf": {csrfOf(t, login)}, "later": {"1"}}),
	} {
		if strings.Contains(r.location(), "code=") || r.location() != e.base+"/login" {
			t.Errorf("the offer page outside its sign-in answered %d %q", r.status, r.location())
		}
	}

	t.Run("without a session it starts over", func(t *testing.T) {
		b := newAgent(t)
		b.open(e.authorizeURL(nil))
		if r := b.get(e.base + "/passkeys/add"); r.location() != e.base+"/login" {
			t.Errorf("GET /passkeys/add without a session answered %d %q", r.status, r.location())
		}
	})
}

// TestPasskeyFormsNeedCSRF: every passkey form is refused without its
// token, and nothing moves on.
func TestPasskeyFormsNeedCSRF(t *testing.T) {
	e := newEnv(t, withPasskeys())
	e.user("alice", "alice@example.com", goodPW)
	a := e.authenticator()

	b := newAgent(t)
	offer := e.passwordToOffer(b, "alice")
	cred := string(must(a.Create(passkeyOptions(t, offer))))
	for _, v := range []url.Values{{"credential": {cred}}, {"later": {"1"}}, {"_csrf": {"forged"}, "later": {"1"}}} {
		if r := b.post(e.base+"/passkeys/add", v); r.status != http.StatusForbidden || r.location() != "" {
			t.Errorf("POST /passkeys/add %v answered %d %q", v, r.status, r.location())
		}
	}
	// The refused forms changed nothing: the real one still works.
	e.signedInCode(b.follow(b.post(e.base+"/passkeys/add", url.Values{"_csrf": {csrfOf(t, offer)}, "credential": {cred}})), "alice")

	b = newAgent(t)
	b.open(e.authorizeURL(nil))
	if r := b.post(e.base+"/login/passkey", url.Values{"username": {"alice"}}); r.status != http.StatusForbidden || r.location() != "" {
		t.Errorf("POST /login/passkey without a token answered %d %q", r.status, r.location())
	}
	page := e.startPasskey(b, "")
	answer := string(must(a.Get(passkeyOptions(t, page))))
	if r := b.post(e.base+"/passkey", url.Values{"credential": {answer}}); r.status != http.StatusForbidden || r.location() != "" {
		t.Errorf("POST /passkey without a token answered %d %q", r.status, r.location())
	}
	e.signedInCode(b.follow(e.answerPasskey(b, page, answer)), "alice")
}

// TestPasskeyPagesRunOnlyTheirScript: the two passkey pages let the hosted
// UI's own script run and nothing else (no inline script, no connect);
// every other page still forbids scripts; the script is served as
// JavaScript.
func TestPasskeyPagesRunOnlyTheirScript(t *testing.T) {
	e := newEnv(t, withPasskeys())
	e.user("alice", "alice@example.com", goodPW)
	a := e.authenticator()
	b := newAgent(t)
	offer := e.passwordToOffer(b, "alice")
	e.addPasskey(b, offer, a)
	b2 := newAgent(t)
	page := e.startPasskey(b2, "")

	script := `<script src="` + e.base + `/assets/passkey.js" defer></script>`
	for name, r := range map[string]*response{"the passkey page": page, "the offer page": offer} {
		t.Run(name, func(t *testing.T) {
			csp := r.header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self';", "form-action 'self' " + e.cb.URL + ";", "frame-ancestors 'none'", "base-uri 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe") || strings.Contains(csp, "connect-src") {
				t.Errorf("CSP %q allows more than the script", csp)
			}
			if strings.Count(r.body, "<script") != 1 || !strings.Contains(r.body, script) {
				t.Errorf("want exactly %s:\n%s", script, r.body)
			}
			if !strings.Contains(r.body, "<noscript>") || r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("no <noscript> message, or a cacheable page:\n%s", r.body)
			}
		})
	}
	t.Run("the passkey page links back to the password sign-in", func(t *testing.T) {
		if !strings.Contains(page.body, `<a href="`+e.base+`/login">Sign in with your password instead</a>`) {
			t.Errorf("no way back:\n%s", page.body)
		}
	})
	t.Run("other pages still forbid scripts", func(t *testing.T) {
		for _, r := range []*response{b2.open(e.authorizeURL(nil)), b2.get(e.base + "/signup"), b2.get(e.base + "/forgotPassword")} {
			if csp := r.header.Get("Content-Security-Policy"); strings.Contains(csp, "script-src") || !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("%s: CSP %q", r.url, csp)
			}
		}
	})
	t.Run("the script is served as JavaScript", func(t *testing.T) {
		r := b.get(e.base + "/assets/passkey.js")
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/javascript; charset=utf-8" ||
			!strings.Contains(r.body, "navigator.credentials.get") || !strings.Contains(r.body, "navigator.credentials.create") {
			t.Errorf("passkey.js: %d %q", r.status, r.header.Get("Content-Type"))
		}
	})
}

// TestPasskeyWithoutUserVerificationAsksForMFA: with user verification
// only preferred, a passkey that did not verify the user is one factor, so
// MFA follows on the /mfa page; the account, named by the passkey alone,
// carries through to the code.
func TestPasskeyWithoutUserVerificationAsksForMFA(t *testing.T) {
	e := newEnv(t, withPasskeys(func(c *userpool.Config) {
		c.WebAuthn.UserVerification = "preferred"
		c.MFA = userpool.MFAConfig{Mode: userpool.MFAOn, Factors: []string{userpool.FactorEmail}}
	}))
	e.user("alice", "alice@example.com", goodPW)
	a := e.authenticator()
	b := newAgent(t)
	login := b.open(e.authorizeURL(nil))
	mfaPage := b.submit(login, url.Values{"username": {"alice"}, "password": {goodPW}})
	if mfaPage.url.Path != "/auth/mfa" {
		t.Fatalf("after the password: %s\n%s", mfaPage.url, mfaPage.body)
	}
	offer := b.submit(mfaPage, url.Values{"code": {e.lastCode("alice@example.com")}})
	if offer.url.Path != "/auth/passkeys/add" {
		t.Fatalf("after MFA: %s\n%s", offer.url, offer.body)
	}
	e.signedInCode(e.addPasskey(b, offer, a), "alice")

	a.NoUV = true
	b = newAgent(t)
	mfaPage = e.signInWithPasskey(b, "", a)
	if mfaPage.url.Path != "/auth/mfa" {
		t.Fatalf("a passkey without user verification ended at %s, want /mfa\n%s", mfaPage.url, mfaPage.body)
	}
	r := b.submit(mfaPage, url.Values{"code": {e.lastCode("alice@example.com")}})
	e.signedInCode(r, "alice")
}

// TestPasskeyAtAConfidentialClient: a client with a secret signs users in
// with a passkey too, username or not; the hosted UI computes the
// SECRET_HASH the pool expects, for the empty username as well.
func TestPasskeyAtAConfidentialClient(t *testing.T) {
	e := newEnv(t, withPasskeys())
	e.user("alice", "alice@example.com", goodPW)
	a := e.authenticator()
	b := newAgent(t)
	e.signedInCode(e.addPasskey(b, e.passwordToOffer(b, "alice"), a), "alice")

	authorize := e.authorizeURL(url.Values{"client_id": {e.confidential}, "code_challenge": nil, "code_challenge_method": nil})
	for _, username := range []string{"", "alice"} {
		b := newAgent(t)
		login := b.open(authorize)
		page := b.follow(b.post(e.base+"/login/passkey", url.Values{"_csrf": {csrfOf(t, login)}, "username": {username}}))
		if page.url.Path != "/auth/passkey" {
			t.Fatalf("passkey start as %q ended at %s:\n%s", username, page.url, page.body)
		}
		q := e.callbackParams(b.follow(e.answerPasskey(b, page, string(must(a.Get(passkeyOptions(t, page)))))))
		res := e.postToken(url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {e.cbURL}}, e.confidential, e.secret)
		if res.status != http.StatusOK || idClaims(t, res.body)["cognito:username"] != "alice" {
			t.Fatalf("passkey sign-in as %q at the confidential client: %d %s", username, res.status, res.body)
		}
	}
}
