package hostedui_test

// Browser tests: a real headless Chromium walks the hosted pages served on a
// loopback listener, and the application side is played by real OAuth2 and
// OIDC client libraries (golang.org/x/oauth2, coreos/go-oidc).

import (
	"context"
	"crypto/rand"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/cupola-auth/cupola/hostedui"
	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/mfa"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
	"github.com/cupola-auth/cupola/userpool/pooltest"
)

// browserClientID is the public app client the browser tests sign in to.
const browserClientID = "browsertestclient"

// uiSite is a hosted UI on a real loopback listener and an application
// (another listener, another origin) whose callback receives the code.
type uiSite struct {
	// issuer is the hosted UI's URL: the pool's Issuer and BaseURL.
	issuer string
	// now is the pool's and the hosted UI's clock, frozen.
	now      time.Time
	pool     *userpool.UserPool
	outbox   *message.Outbox
	callback string // the app's registered redirect URI
	// callbacks receives the query of every request to the callback.
	callbacks chan url.Values
}

// siteOption adjusts a uiSite: localhost names the hosted UI's server
// localhost rather than 127.0.0.1 (a WebAuthn relying party ID must be a
// domain), and pool changes the pool's configuration before it starts.
type siteOption struct {
	localhost bool
	pool      func(*userpool.Config)
}

// newUISite serves the hosted UI of a fresh pool (MFA mode as given) on
// httptest. The server's listener is opened first, so that the pool's
// Issuer and the hosted UI's BaseURL can be its real URL.
func newUISite(t *testing.T, mode userpool.MFAMode, opts ...siteOption) *uiSite {
	t.Helper()
	ctx := context.Background()
	s := &uiSite{outbox: message.NewOutbox(), callbacks: make(chan url.Values, 8)}

	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		select {
		case s.callbacks <- r.URL.Query():
		default:
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><title>App</title><h1 id="app-callback">Back in the app</h1></html>`))
	}))
	t.Cleanup(app.Close)
	s.callback = app.URL + "/callback"

	srv := httptest.NewUnstartedServer(nil)
	s.issuer = "http://" + srv.Listener.Addr().String()
	for _, o := range opts {
		if o.localhost {
			_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
			s.issuer = "http://localhost:" + port
		}
	}
	// Every step of a test happens at one instant, half a second past a
	// whole second: what a test sees does not depend on how fast the
	// machine is, and a time compared at two precisions (seconds in a
	// cookie, microseconds in the store) fails every time, not once in a
	// while. It is close to the real time, which the client libraries use
	// to check the tokens.
	frozen := time.Now().Truncate(time.Second).Add(500 * time.Millisecond)
	clock := func() time.Time { return frozen }
	cfg := userpool.Config{
		Clock:       clock,
		ID:          "browser",
		Name:        "Cupola browser test",
		Issuer:      s.issuer,
		Secret:      browserRandom(t, 32),
		Hashing:     pooltest.FastHashing(),
		EmailSender: s.outbox,
		MFA:         userpool.MFAConfig{Mode: mode},
		Clients: []userpool.ClientConfig{{
			ClientID:           browserClientID,
			ClientName:         "browser test app",
			CallbackURLs:       []string{s.callback},
			AllowedOAuthFlows:  []string{userpool.OAuthFlowCode},
			AllowedOAuthScopes: []string{userpool.ScopeOpenID, userpool.ScopeEmail, userpool.ScopeProfile},
		}},
	}
	for _, o := range opts {
		if o.pool != nil {
			o.pool(&cfg)
		}
	}
	pool, err := userpool.New(ctx, cfg, memory.New())
	if err != nil {
		t.Fatalf("userpool.New: %v", err)
	}
	s.pool, s.now = pool, frozen
	ui, err := hostedui.New(pool, hostedui.Options{BaseURL: s.issuer, CookieKeys: [][]byte{browserRandom(t, 32)}, Clock: clock})
	if err != nil {
		t.Fatalf("hostedui.New: %v", err)
	}
	srv.Config.Handler = ui
	srv.Start()
	t.Cleanup(srv.Close)
	return s
}

func browserRandom(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// relyingParty is the application's side: discovery, the OAuth2 config and
// the ID-token verifier, all from the real client libraries.
type relyingParty struct {
	provider *oidc.Provider
	conf     oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func (s *uiSite) relyingParty(t *testing.T, ctx context.Context) *relyingParty {
	t.Helper()
	provider, err := oidc.NewProvider(ctx, s.issuer)
	if err != nil {
		t.Fatalf("oidc.NewProvider(%s): %v", s.issuer, err)
	}
	return &relyingParty{
		provider: provider,
		conf: oauth2.Config{
			ClientID:    browserClientID,
			Endpoint:    provider.Endpoint(),
			RedirectURL: s.callback,
			Scopes:      []string{oidc.ScopeOpenID, "email", "profile"},
		},
		verifier: provider.Verifier(&oidc.Config{ClientID: browserClientID}),
	}
}

// awaitCallback returns the query the app's callback received.
func (s *uiSite) awaitCallback(t *testing.T) url.Values {
	t.Helper()
	select {
	case q := <-s.callbacks:
		return q
	case <-time.After(10 * time.Second):
		t.Fatal("the app's callback was never called")
		return nil
	}
}

// expectPage checks that a navigation ended on the hosted page at path
// (under the issuer), answered 200 as text/html.
func (s *uiSite) expectPage(t *testing.T, b *browser, resp *network.Response, path string) {
	t.Helper()
	loc := b.location()
	u, err := url.Parse(loc)
	if err != nil || u.Scheme+"://"+u.Host != s.issuer || u.Path != path {
		t.Fatalf("the browser is at %s (status %d), want %s%s", loc, resp.Status, s.issuer, path)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("%s answered %d %s, want 200", loc, resp.Status, resp.StatusText)
	}
	if ct := documentHeader(resp, "Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s is served as %q, want text/html", loc, ct)
	}
}

// documentHeader returns a response header, whatever the case of its name.
func documentHeader(resp *network.Response, name string) string {
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

var emailedCode = regexp.MustCompile(`\b\d{6}\b`)

// code returns the last code emailed to addr.
func (s *uiSite) code(t *testing.T, addr string) string {
	t.Helper()
	// Messages go out just after the answer; send what is queued now.
	if _, err := s.pool.DeliverMessages(t.Context(), userpool.DeliverMessagesInput{}); err != nil {
		t.Fatalf("DeliverMessages: %v", err)
	}
	m, ok := s.outbox.LastEmail(addr)
	if !ok {
		t.Fatalf("no email to %s in the outbox", addr)
	}
	c := emailedCode.FindString(m.Text)
	if c == "" {
		t.Fatalf("no code in the email to %s: %q", addr, m.Text)
	}
	return c
}

// Selectors of the hosted pages, as their templates define them: inputs
// named (and identified) as Cognito's, Cognito's button names.
const (
	selUsername   = `#username[name="username"]`
	selPassword   = `#password[name="password"][type="password"]`
	selEmail      = `#email[name="email"]`
	selCode       = `#code[name="code"]`
	selSignIn     = `button[name="signInSubmitButton"]`
	selSignUp     = `button[name="signUpButton"]`
	selConfirm    = `button[name="confirm"]`
	selVerify     = `button[name="verify"]`
	selContinue   = `button[name="continue"]`
	selTOTPSecret = `#secret`
	selFormError  = `#form-error.errorMessage-customizable[role="alert"]`
)

// TestBrowserSignUpConfirmSignInSetUpTOTPAndExchangeTheCode walks a new
// user through the hosted pages in Chromium, from the app's authorize URL
// to its callback, then lets the app exchange the code and verify the ID
// token with real client libraries.
func TestBrowserSignUpConfirmSignInSetUpTOTPAndExchangeTheCode(t *testing.T) {
	b := newBrowser(t)
	s := newUISite(t, userpool.MFAOn)
	ctx := b.ctx
	app := s.relyingParty(t, ctx)

	const (
		username = "ada"
		email    = "ada@example.com"
		password = "Analytical-Engine-1843"
	)
	verifier := oauth2.GenerateVerifier()
	state, nonce := rand.Text(), rand.Text()
	authURL := app.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce))

	// The authorize request lands on the sign-in page.
	s.expectPage(t, b, b.open(authURL), "/login")
	b.screenshot("login")

	// Sign up through the page's link.
	s.expectPage(t, b, b.load("follow the sign-up link", chromedp.Click(chromedp.CSS(`a[href$="/signup"]`), chromedp.NodeVisible)), "/signup")
	b.fill(browserField{selUsername, username}, browserField{selEmail, email}, browserField{selPassword, password})
	b.screenshot("signup")
	s.expectPage(t, b, b.submit(selSignUp), "/confirmUser")

	// Confirm with the code from the outbox; the username is pre-filled.
	if v, _ := b.attr(selUsername, "value"); v != username {
		t.Errorf("the confirmation page's username is %q, want %q", v, username)
	}
	b.fill(browserField{selCode, s.code(t, email)})
	b.screenshot("confirm")
	s.expectPage(t, b, b.submit(selConfirm), "/login")

	// Sign in: MFA is ON and the user has no factor, so TOTP set-up follows.
	b.fill(browserField{selUsername, username}, browserField{selPassword, password})
	s.expectPage(t, b, b.submit(selSignIn), "/mfaSetup")
	b.screenshot("mfa-setup")
	if b.count(`img[src^="data:image/png"]`) != 1 {
		t.Error("the TOTP set-up page shows no QR code")
	}
	secret := b.text(selTOTPSecret)
	key, err := mfa.DecodeSecret(secret)
	if err != nil {
		t.Fatalf("the set-up page's secret %q: %v", secret, err)
	}
	totp, err := mfa.NewTOTP(mfa.TOTPConfig{Issuer: "authenticator app"})
	if err != nil {
		t.Fatal(err)
	}
	otp, err := totp.Code(key, s.now)
	if err != nil {
		t.Fatal(err)
	}
	b.fill(browserField{selCode, otp})

	// Recovery codes are shown once; continuing goes back to the app.
	s.expectPage(t, b, b.submit(selVerify), "/mfaSetup")
	if n := b.count(`ul.recovery li code`); n == 0 {
		t.Error("no recovery codes shown after TOTP set-up")
	}
	b.screenshot("recovery-codes")
	b.submit(selContinue)
	if got := b.location(); !strings.HasPrefix(got, s.callback+"?") {
		t.Fatalf("after TOTP set-up the browser is at %s, want the app's callback %s", got, s.callback)
	}
	if got := b.text("#app-callback"); got != "Back in the app" {
		t.Errorf("callback page shows %q", got)
	}
	q := s.awaitCallback(t)
	if q.Get("state") != state {
		t.Errorf("callback state = %q, want %q", q.Get("state"), state)
	}
	if q.Get("iss") != s.issuer {
		t.Errorf("callback iss = %q, want %q (RFC 9207)", q.Get("iss"), s.issuer)
	}
	code := q.Get("code")
	if code == "" {
		t.Fatalf("callback has no code: %v", q)
	}

	// The app exchanges the code with the PKCE verifier and checks the ID
	// token against the discovered JWKS.
	tok, err := app.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	rawID, ok := tok.Extra("id_token").(string)
	if !ok || rawID == "" {
		t.Fatal("the token response has no id_token")
	}
	idt, err := app.verifier.Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
		Username      string `json:"cognito:username"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if idt.Nonce != nonce || claims.Email != email || !claims.EmailVerified || claims.Username != username || idt.Subject == "" {
		t.Errorf("ID token: sub %q nonce %q email %q verified %v username %q; want nonce %q, %s verified, %s",
			idt.Subject, idt.Nonce, claims.Email, claims.EmailVerified, claims.Username, nonce, email, username)
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			t.Errorf("at_hash: %v", err)
		}
	}
	ui, err := app.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	if ui.Subject != idt.Subject || ui.Email != email {
		t.Errorf("userinfo: sub %q email %q, want %q %q", ui.Subject, ui.Email, idt.Subject, email)
	}

	// The refresh token works through the library's token source.
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)
	fresh, err := app.conf.TokenSource(ctx, &expired).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if fresh.AccessToken == "" || fresh.AccessToken == tok.AccessToken {
		t.Error("refresh returned no new access token")
	}
	if rawID, _ := fresh.Extra("id_token").(string); rawID == "" {
		t.Error("refresh returned no ID token")
	} else if idt2, err := app.verifier.Verify(ctx, rawID); err != nil || idt2.Subject != idt.Subject {
		t.Errorf("refreshed ID token: %v (sub %v, want %q)", err, idt2, idt.Subject)
	}

	// The code is single-use.
	if _, err := app.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil {
		t.Error("a second exchange of the same code succeeded")
	}
	if p := b.consoleProblems(); len(p) > 0 {
		t.Errorf("the pages logged problems (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}

// TestBrowserSignInWithAWrongPasswordShowsTheErrorAndStaysOnThePage checks
// that a wrong password is answered on the sign-in page itself, with the
// error shown and tied to the form, no redirect to the app, and a form that
// still works.
func TestBrowserSignInWithAWrongPasswordShowsTheErrorAndStaysOnThePage(t *testing.T) {
	b := newBrowser(t)
	s := newUISite(t, userpool.MFAOff)
	ctx := b.ctx
	if _, err := s.pool.AdminCreateUser(ctx, userpool.AdminCreateUserInput{Username: "grace", MessageAction: "SUPPRESS"}); err != nil {
		t.Fatalf("AdminCreateUser: %v", err)
	}
	if _, err := s.pool.AdminSetUserPassword(ctx, userpool.AdminSetUserPasswordInput{Username: "grace", Password: "Compiler-A-0-1952", Permanent: true}); err != nil {
		t.Fatalf("AdminSetUserPassword: %v", err)
	}
	app := s.relyingParty(t, ctx)
	state := rand.Text()
	authURL := app.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))

	s.expectPage(t, b, b.open(authURL), "/login")
	b.fill(browserField{selUsername, "grace"}, browserField{selPassword, "not-her-password"})
	resp := b.submit(selSignIn)
	b.screenshot("wrong-password")

	if got := b.location(); !strings.HasPrefix(got, s.issuer+"/login") {
		t.Fatalf("after a wrong password the browser is at %s, want %s/login", got, s.issuer)
	}
	if resp.Status != http.StatusBadRequest && resp.Status != http.StatusUnauthorized {
		t.Errorf("a wrong password answered %d, want 400 or 401", resp.Status)
	}
	if ct := documentHeader(resp, "Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("the error page is served as %q, want text/html", ct)
	}
	// The error does not say which field is wrong (that would tell whether
	// the user exists): it stands above the form as an alert, and the form
	// points at it with aria-describedby.
	errText := b.text(selFormError)
	if !strings.Contains(errText, "Incorrect username or password") {
		t.Errorf("error text = %q, want Cognito's %q", errText, "Incorrect username or password.")
	}
	if d, _ := b.attr(`form[method="post"]`, "aria-describedby"); d != "form-error" {
		t.Errorf("the sign-in form's aria-describedby = %q, want form-error", d)
	}
	if v, _ := b.attr(selUsername, "value"); v != "grace" {
		t.Errorf("username field = %q, want it kept as grace", v)
	}
	if v, _ := b.attr(selPassword, "value"); v != "" {
		t.Errorf("password field echoes %q", v)
	}
	select {
	case q := <-s.callbacks:
		t.Errorf("the app's callback was called: %v", q)
	default:
	}

	// The page that showed the error is a working form: the right password
	// signs in and returns to the app.
	b.fill(browserField{selPassword, "Compiler-A-0-1952"})
	b.submit(selSignIn)
	if got := b.location(); !strings.HasPrefix(got, s.callback+"?") {
		t.Fatalf("the right password after a wrong one left the browser at %s, want the app's callback", got)
	}
	if q := s.awaitCallback(t); q.Get("code") == "" || q.Get("state") != state {
		t.Errorf("callback query %v, want a code and state %q", q, state)
	}
	if p := b.consoleProblems(); len(p) > 0 {
		t.Errorf("the pages logged problems (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}

// TestBrowserSingleSignOnSkipsTheLoginPageUntilPromptLoginOrGlobalSignOut
// checks the hosted session cookie in a real browser: once signed in, a new
// authorize request returns to the app at once; prompt=login asks again;
// and a global sign-out ends the hosted session too.
func TestBrowserSingleSignOnSkipsTheLoginPageUntilPromptLoginOrGlobalSignOut(t *testing.T) {
	b := newBrowser(t)
	s := newUISite(t, userpool.MFAOff)
	ctx := b.ctx
	const username, password = "hopper", "Mark-I-Bug-1947"
	if _, err := s.pool.AdminCreateUser(ctx, userpool.AdminCreateUserInput{Username: username, MessageAction: "SUPPRESS"}); err != nil {
		t.Fatalf("AdminCreateUser: %v", err)
	}
	if _, err := s.pool.AdminSetUserPassword(ctx, userpool.AdminSetUserPasswordInput{Username: username, Password: password, Permanent: true}); err != nil {
		t.Fatalf("AdminSetUserPassword: %v", err)
	}
	app := s.relyingParty(t, ctx)
	authorize := func(state string, opts ...oauth2.AuthCodeOption) string {
		opts = append(opts, oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
		return app.conf.AuthCodeURL(state, opts...)
	}

	s.expectPage(t, b, b.open(authorize("first")), "/login")
	b.fill(browserField{selUsername, username}, browserField{selPassword, password})
	b.submit(selSignIn)
	if q := s.awaitCallback(t); q.Get("state") != "first" || q.Get("code") == "" {
		t.Fatalf("sign-in: callback query %v, want a code and state first", q)
	}

	// Signed in: the next authorize request goes straight back to the app.
	b.open(authorize("second"))
	if got := b.location(); !strings.HasPrefix(got, s.callback+"?") {
		t.Fatalf("a second authorize request with a live session showed %s, want the app's callback", got)
	}
	if q := s.awaitCallback(t); q.Get("state") != "second" || q.Get("code") == "" {
		t.Errorf("single sign-on: callback query %v, want a code and state second", q)
	}

	// prompt=login asks for the password again.
	s.expectPage(t, b, b.open(authorize("third", oauth2.SetAuthURLParam("prompt", "login"))), "/login")

	// A global sign-out ends the hosted session as well as the tokens.
	if _, err := s.pool.AdminUserGlobalSignOut(ctx, userpool.AdminUserGlobalSignOutInput{Username: username}); err != nil {
		t.Fatalf("AdminUserGlobalSignOut: %v", err)
	}
	s.expectPage(t, b, b.open(authorize("fourth")), "/login")
	select {
	case q := <-s.callbacks:
		t.Errorf("the app's callback was called after prompt=login or a global sign-out: %v", q)
	default:
	}
	if p := b.consoleProblems(); len(p) > 0 {
		t.Errorf("the pages logged problems (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}
