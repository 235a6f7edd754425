package hostedui_test

// The passkey pages in a real headless Chromium, whose WebAuthn domain
// gives it a virtual platform authenticator: assets/passkey.js runs the
// ceremonies as it would for a person with a fingerprint reader.

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/cupola-auth/cupola/userpool"
)

// virtualAuthenticator enables the tab's WebAuthn domain and adds a
// platform authenticator that holds discoverable passkeys, verifies the
// user and answers at once, as a device with a biometric would.
func (b *browser) virtualAuthenticator() webauthn.AuthenticatorID {
	b.t.Helper()
	var id webauthn.AuthenticatorID
	b.do("add a virtual authenticator", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		res, err := cdp.Call(ctx, t, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
			Options: &webauthn.VirtualAuthenticatorOptions{
				Protocol:                    webauthn.AuthenticatorProtocolCtap2,
				Transport:                   webauthn.AuthenticatorTransportInternal,
				HasResidentKey:              true,
				HasUserVerification:         true,
				IsUserVerified:              true,
				AutomaticPresenceSimulation: true,
			}})
		id = res.AuthenticatorID
		return err
	}))
	return id
}

// passkeysHeld lists the passkeys the virtual authenticator holds.
func (b *browser) passkeysHeld(id webauthn.AuthenticatorID) []*webauthn.Credential {
	b.t.Helper()
	var out []*webauthn.Credential
	b.do("list the authenticator's passkeys", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		res, err := cdp.Call(ctx, t, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: id})
		out = res.Credentials
		return err
	}))
	return out
}

// Selectors of the passkey pages.
const (
	selPasskeySignIn = `button[name="passkeySignInButton"][formaction$="/login/passkey"]`
	selAddPasskey    = `button[name="addPasskeyButton"]`
)

// withoutJSONHelpers makes every page of the tab look like a browser that
// predates WebAuthn's JSON helpers (PublicKeyCredential.toJSON and
// parse*OptionsFromJSON), so passkey.js decodes and encodes by hand. A
// script the DevTools protocol injects is not the page's: CSP does not
// apply to it.
func (b *browser) withoutJSONHelpers() {
	b.t.Helper()
	b.do("remove the WebAuthn JSON helpers", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
if (window.PublicKeyCredential) {
  delete PublicKeyCredential.parseRequestOptionsFromJSON;
  delete PublicKeyCredential.parseCreationOptionsFromJSON;
  delete PublicKeyCredential.prototype.toJSON;
}`})
		return err
	}))
}

// TestBrowserPasskeyAddSignOutSignInDelete walks a user through passkeys
// in Chromium with a virtual authenticator: a password sign-in, the offer
// to add a passkey and its creation, the code at the app; a sign-out; a
// sign-in with the passkey alone, no username typed, and the code
// exchanged for tokens; then, the passkey deleted through the pool's API
// with that access token, the same passkey refused at the login page. It
// runs with Chromium's WebAuthn JSON helpers, and again without them, as
// in a browser that lacks them.
func TestBrowserPasskeyAddSignOutSignInDelete(t *testing.T) {
	t.Run("with the WebAuthn JSON helpers", func(t *testing.T) { passkeyJourney(t, false) })
	t.Run("without them, decoding by hand", func(t *testing.T) { passkeyJourney(t, true) })
}

func passkeyJourney(t *testing.T, byHand bool) {
	b := newBrowser(t)
	if byHand {
		b.withoutJSONHelpers()
	}
	s := newUISite(t, userpool.MFAOff, siteOption{localhost: true, pool: func(c *userpool.Config) {
		c.AllowedFirstAuthFactors = []string{userpool.FirstFactorPassword, userpool.FirstFactorWebAuthn}
		c.Clients[0].AllowedOAuthScopes = append(c.Clients[0].AllowedOAuthScopes, userpool.ScopeAdmin)
	}})
	ctx := b.ctx
	const username, password = "lovelace", "Bernoulli-Numbers-1843"
	if _, err := s.pool.AdminCreateUser(ctx, userpool.AdminCreateUserInput{Username: username, MessageAction: "SUPPRESS"}); err != nil {
		t.Fatalf("AdminCreateUser: %v", err)
	}
	if _, err := s.pool.AdminSetUserPassword(ctx, userpool.AdminSetUserPasswordInput{Username: username, Password: password, Permanent: true}); err != nil {
		t.Fatalf("AdminSetUserPassword: %v", err)
	}
	authenticator := b.virtualAuthenticator()
	app := s.relyingParty(t, ctx)
	app.conf.Scopes = append(app.conf.Scopes, userpool.ScopeAdmin)
	verifier := oauth2.GenerateVerifier()
	authorize := func(state string) string {
		return app.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(rand.Text()))
	}
	// signOut uses the logout endpoint as an app would to sign out and
	// sign in again: the session ends and the login page follows.
	signOut := func(state string) {
		t.Helper()
		next, err := url.Parse(authorize(state))
		if err != nil {
			t.Fatal(err)
		}
		s.expectPage(t, b, b.open(s.issuer+"/logout?"+next.RawQuery), "/login")
	}
	awaitCode := func(state string) string {
		t.Helper()
		awaitLocation(t, b, s.callback+"?", 15*time.Second)
		q := s.awaitCallback(t)
		if q.Get("state") != state || q.Get("code") == "" {
			t.Fatalf("callback query %v, want a code and state %s", q, state)
		}
		return q.Get("code")
	}

	// A password sign-in ends at the offer, where the script shows "Add a
	// passkey"; the authenticator creates one and the app gets its code.
	s.expectPage(t, b, b.open(authorize("first")), "/login")
	if b.count(selPasskeySignIn) != 1 {
		t.Fatal("the login page has no passkey button")
	}
	b.fill(browserField{selUsername, username}, browserField{selPassword, password})
	s.expectPage(t, b, b.submit(selSignIn), "/passkeys/add")
	b.do("wait for the script", chromedp.WaitVisible(chromedp.CSS(selAddPasskey)))
	helpers, err := chromedp.Run(ctx, chromedp.Evaluate[string](`typeof PublicKeyCredential.parseCreationOptionsFromJSON + " " + typeof PublicKeyCredential.prototype.toJSON`))
	if want := map[bool]string{false: "function function", true: "undefined undefined"}[byHand]; err != nil || helpers != want {
		t.Fatalf("the page's WebAuthn JSON helpers are %q (%v), want %q", helpers, err, want)
	}
	b.screenshot("add-passkey")
	b.submit(selAddPasskey)
	awaitCode("first")
	held := b.passkeysHeld(authenticator)
	if len(held) != 1 || !held[0].IsResidentCredential || held[0].RpID != "localhost" {
		t.Fatalf("the authenticator holds %+v, want one discoverable passkey for localhost", held)
	}

	// Signed out, the passkey alone signs in: no username, no password.
	signOut("second")
	expectServed(t, b.submit(selPasskeySignIn), s.issuer+"/passkey") // its script may already have moved on
	code := awaitCode("second")
	tok, err := app.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := app.verifier.Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	var claims struct {
		Username string `json:"cognito:username"`
	}
	if err := idt.Claims(&claims); err != nil || claims.Username != username {
		t.Fatalf("the passkey signed in %q (%v), want %s", claims.Username, err, username)
	}

	// The user deletes the passkey through the pool's API; the
	// authenticator still offers it, and the pool refuses it.
	list, err := s.pool.ListWebAuthnCredentials(ctx, userpool.ListWebAuthnCredentialsInput{AccessToken: tok.AccessToken})
	if err != nil || len(list.Credentials) != 1 {
		t.Fatalf("ListWebAuthnCredentials: %+v %v, want the one passkey", list, err)
	}
	if c := list.Credentials[0]; c.LastUsedAt.IsZero() || c.RelyingPartyID != "localhost" {
		t.Errorf("the listed passkey %+v: want it used, for localhost", c)
	}
	if _, err := s.pool.DeleteWebAuthnCredential(ctx, userpool.DeleteWebAuthnCredentialInput{AccessToken: tok.AccessToken,
		CredentialID: list.Credentials[0].CredentialID}); err != nil {
		t.Fatalf("DeleteWebAuthnCredential: %v", err)
	}
	signOut("third")
	expectServed(t, b.submit(selPasskeySignIn), s.issuer+"/passkey")
	awaitLocation(t, b, s.issuer+"/login", 15*time.Second)
	b.do("wait for the error", chromedp.WaitVisible(chromedp.CSS(selFormError)))
	b.screenshot("passkey-refused")
	if got := b.text(selFormError); !strings.Contains(got, "Incorrect username or passkey") {
		t.Errorf("the login page says %q after a deleted passkey, want why it was refused", got)
	}
	select {
	case q := <-s.callbacks:
		t.Errorf("the app's callback was called with a deleted passkey: %v", q)
	default:
	}
	if p := b.consoleProblems(); len(p) > 0 {
		t.Errorf("the pages logged problems (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}

// TestBrowserPasskeyCancelledShowsTheErrorAndTheWayBack: when the browser
// gets no passkey (here the authenticator holds none, and Chromium answers
// NotAllowedError, as when a person cancels), the passkey page says so,
// offers to try again, and its link leads back to the password sign-in,
// which works; "Not now" then goes on to the app.
func TestBrowserPasskeyCancelledShowsTheErrorAndTheWayBack(t *testing.T) {
	b := newBrowser(t)
	s := newUISite(t, userpool.MFAOff, siteOption{localhost: true, pool: func(c *userpool.Config) {
		c.AllowedFirstAuthFactors = []string{userpool.FirstFactorPassword, userpool.FirstFactorWebAuthn}
	}})
	ctx := b.ctx
	const username, password = "babbage", "Difference-Engine-1822"
	if _, err := s.pool.AdminCreateUser(ctx, userpool.AdminCreateUserInput{Username: username, MessageAction: "SUPPRESS"}); err != nil {
		t.Fatalf("AdminCreateUser: %v", err)
	}
	if _, err := s.pool.AdminSetUserPassword(ctx, userpool.AdminSetUserPasswordInput{Username: username, Password: password, Permanent: true}); err != nil {
		t.Fatalf("AdminSetUserPassword: %v", err)
	}
	b.virtualAuthenticator() // it holds no passkey: the request finds none
	app := s.relyingParty(t, ctx)
	authURL := app.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))

	s.expectPage(t, b, b.open(authURL), "/login")
	s.expectPage(t, b, b.submit(selPasskeySignIn), "/passkey")
	b.do("wait for the refusal", chromedp.WaitVisible(chromedp.CSS(`#passkey-error`)))
	b.screenshot("passkey-cancelled")
	if got := b.text(`#passkey-error`); !strings.Contains(got, "No passkey was used") {
		t.Errorf("the passkey page says %q", got)
	}
	if got := b.text(`button[name="passkeySignInButton"]`); got != "Try again" {
		t.Errorf("the button says %q, want Try again", got)
	}
	s.expectPage(t, b, b.load("follow the link back", chromedp.Click(chromedp.CSS(`a[href$="/login"]`), chromedp.NodeVisible)), "/login")
	b.fill(browserField{selUsername, username}, browserField{selPassword, password})
	s.expectPage(t, b, b.submit(selSignIn), "/passkeys/add")
	// "Not now" goes on to the app.
	b.submit(`button[name="later"]`)
	awaitLocation(t, b, s.callback+"?", 15*time.Second)
	if q := s.awaitCallback(t); q.Get("code") == "" {
		t.Errorf("callback query %v", q)
	}
	if p := b.consoleProblems(); len(p) > 0 {
		t.Errorf("the pages logged problems (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}

// expectServed checks that the submission was answered with page url (200,
// HTML) without asking where the browser is now: a passkey page's script
// answers the authenticator and moves on at once.
func expectServed(t *testing.T, resp *network.Response, url string) {
	t.Helper()
	if resp == nil || !strings.HasPrefix(resp.URL, url) || resp.Status != http.StatusOK {
		t.Fatalf("the submission was answered by %+v, want %s with 200", resp, url)
	}
	if ct := documentHeader(resp, "Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s is served as %q, want text/html", resp.URL, ct)
	}
}
