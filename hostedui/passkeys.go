package hostedui

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// Passkeys (WebAuthn) in the hosted pages:
//
//   - the login page's "Sign in with a passkey" button posts the login
//     form to /login/passkey, which starts the pool's passkey sign-in
//     (with the username typed, or none: the passkey then names the
//     account). The WEB_AUTHN challenge rides in the flow cookie like any
//     other, with its request options, and /passkey shows them to
//     assets/passkey.js, which runs navigator.credentials.get and posts
//     the credential back to /passkey;
//   - after a sign-in with the pool's own credentials, /passkeys/add
//     offers to add a passkey before the code goes to the client, unless
//     the user already has one or said "Not now" in this browser.
//
// These two pages are the only ones whose Content-Security-Policy lets a
// script run, and only the hosted UI's own (script-src 'self'). Without
// JavaScript they say so and offer the password sign-in, or to continue.

// passkeyField is the hidden field that carries the credential the
// browser returned, as PublicKeyCredential.toJSON() writes it.
const passkeyField = "credential"

// The "Not now" cookie remembers, for passkeyLaterTTL, that the user it
// names declined to add a passkey in this browser, so the offer is not
// made at every sign-in. It is sealed, and names one user: the last to
// decline.
const (
	passkeyLaterCookieName = "cupola_passkey_later"
	passkeyLaterTTL        = 30 * 24 * time.Hour
)

// passkeyLater is the "Not now" cookie's content.
type passkeyLater struct {
	Sub string `json:"s"`
}

// postLoginPasskey starts a passkey sign-in from the login form: with the
// username typed, or without one.
func (h *handler) postLoginPasskey(w http.ResponseWriter, r *http.Request) {
	sess, f, form, ok := h.postFlow(w, r)
	if !ok {
		return
	}
	username := strings.TrimSpace(form.Get("username"))
	p := h.newPage(sess, "Sign in", "/login")
	p.Values["username"] = username
	out, err := h.oauth.SignInWithPasskey(r.Context(), userpool.PasskeySignInInput{ClientID: f.Auth.ClientID, Username: username,
		IPAddress: clientIP(r), UserAgent: r.UserAgent(), DeviceID: h.deviceID(w, r)})
	if pe := (*userpool.Error)(nil); errors.As(err, &pe) && pe.Message == "This account has no passkey." {
		err, out = nil, &userpool.HostedAuthOutput{Challenge: &userpool.InitiateAuthOutput{}}
	}
	if err != nil {
		h.showError(r, p, err, "username")
		h.showLogin(w, r, p, f)
		return
	}
	if out.Challenge != nil && out.Challenge.ChallengeName != userpool.ChallengeWebAuthn {
		// The pool offers this account other factors only (it has no
		// passkey, and the client lets that show).
		p.Error, p.Status = "This account has no passkey yet. Sign in with your password; you can add a passkey afterwards.", http.StatusBadRequest
		p.Focus = "password"
		h.showLogin(w, r, p, f)
		return
	}
	f.Passkey = true
	h.advance(w, r, f, username, out)
}

// getPasskey shows the passkey sign-in page: the request options for the
// script, which asks the browser for a passkey at once.
func (h *handler) getPasskey(w http.ResponseWriter, r *http.Request) {
	sess, f, ok := h.challengePage(w, r, userpool.ChallengeWebAuthn)
	if !ok {
		return
	}
	p := h.flowPage(w, sess, f, "Sign in with a passkey", "/passkey")
	h.showPasskey(w, p, f)
}

// postPasskey answers the WEB_AUTHN challenge with the browser's
// credential. A credential the pool cannot read leaves the challenge open
// and the page shown again; a refused one ends it, back at the login page.
func (h *handler) postPasskey(w http.ResponseWriter, r *http.Request) {
	sess, f, form, ok := h.challengeForm(w, r, userpool.ChallengeWebAuthn)
	if !ok {
		return
	}
	p := h.newPage(sess, "Sign in with a passkey", "/passkey")
	credential := form.Get(passkeyField)
	if credential == "" {
		p.Error, p.Status = "Your browser returned no passkey. Try again, or sign in with your password.", http.StatusBadRequest
		h.showPasskey(w, p, f)
		return
	}
	p.PasskeyOptions, p.Script = f.Challenge.Options, true
	h.respond(w, r, f, map[string]string{userpool.ParamCredential: credential}, "passkey", p)
}

// showPasskey renders the passkey sign-in page of f's challenge.
func (h *handler) showPasskey(w http.ResponseWriter, p *page, f *flow) {
	p.PasskeyOptions, p.Script = f.Challenge.Options, true
	h.show(w, "passkey", p, f)
}

// finish ends a sign-in with the pool's own credentials: the user is
// offered to add a passkey (/passkeys/add) when the pool has passkeys,
// the sign-in did not use one, and the user has not declined in this
// browser; otherwise the code goes to the client at once.
func (h *handler) finish(w http.ResponseWriter, r *http.Request, f *flow, pr *userpool.Principal) {
	if h.oauth.PasskeysEnabled() && !f.Passkey && !h.declinedPasskey(r, pr.Sub) {
		f.Challenge, f.Recovery, f.Offer = nil, nil, pr.Sub
		if err := h.writeFlow(w, f); err == nil {
			redirect(w, r, h.cfg.url("/passkeys/add"))
			return
		}
	}
	h.complete(w, r, f, pr)
}

// offered returns the user a passkey is offered to: the flow must have
// just signed them in, and the browser's session must still be theirs.
// Otherwise the sign-in starts again.
func (h *handler) offered(w http.ResponseWriter, r *http.Request, sess *session, f *flow) (*userpool.Principal, bool) {
	if f.Offer == "" || !sess.signedIn() || sess.Sub != f.Offer {
		h.restart(w, r, f, "Your sign-in session has expired. Sign in again.")
		return nil, false
	}
	pr, err := h.oauth.Principal(r.Context(), sess.principal())
	if err != nil {
		if !errors.Is(err, userpool.ErrNotAuthorized) {
			h.cfg.Logger.ErrorContext(r.Context(), "hosted session check failed", "err", err)
		}
		h.restart(w, r, f, "Your sign-in session has expired. Sign in again.")
		return nil, false
	}
	return pr, true
}

// getAddPasskey offers to add a passkey: the creation options for the
// script, which runs when the user chooses "Add a passkey". A user who
// already has a passkey (the options exclude it) is not asked, and goes
// on to the client.
func (h *handler) getAddPasskey(w http.ResponseWriter, r *http.Request) {
	sess, f, ok := h.pageFlow(w, r)
	if !ok {
		return
	}
	pr, ok := h.offered(w, r, sess, f)
	if !ok {
		return
	}
	p := h.newPage(sess, "Add a passkey for faster sign-in", "/passkeys/add")
	h.showAddPasskey(w, r, p, f, pr)
}

// postAddPasskey stores the passkey the browser created, or records "Not
// now"; either way the authorization then completes.
func (h *handler) postAddPasskey(w http.ResponseWriter, r *http.Request) {
	sess, f, form, ok := h.postFlow(w, r)
	if !ok {
		return
	}
	pr, ok := h.offered(w, r, sess, f)
	if !ok {
		return
	}
	if form.Get("later") != "" {
		h.declinePasskey(w, pr.Sub)
		h.complete(w, r, f, pr)
		return
	}
	p := h.newPage(sess, "Add a passkey for faster sign-in", "/passkeys/add")
	credential := form.Get(passkeyField)
	if credential == "" {
		p.Error, p.Status = "Your browser returned no passkey. Try again, or choose Not now.", http.StatusBadRequest
		h.showAddPasskey(w, r, p, f, pr)
		return
	}
	if err := h.oauth.CompletePasskeyRegistration(r.Context(), *pr, json.RawMessage(credential)); err != nil {
		// The registration is spent whatever the outcome: the page shows
		// the reason with a fresh one.
		h.cfg.Logger.InfoContext(r.Context(), "passkey not added", "err", err)
		h.showError(r, p, err)
		p.Error = "The passkey could not be added: " + p.Error
		h.showAddPasskey(w, r, p, f, pr)
		return
	}
	h.complete(w, r, f, pr)
}

// showAddPasskey starts a passkey registration for pr and shows it on
// page p; when there is nothing to offer (the user has a passkey, or as
// many as allowed, or the pool cannot start one) the authorization
// completes instead: a passkey is never in the way of signing in.
func (h *handler) showAddPasskey(w http.ResponseWriter, r *http.Request, p *page, f *flow, pr *userpool.Principal) {
	if has, err := h.oauth.HasPasskey(r.Context(), *pr); err == nil && has {
		h.complete(w, r, f, pr) // nothing to offer; no registration started
		return
	}
	options, err := h.oauth.StartPasskeyRegistration(r.Context(), *pr)
	if err != nil {
		if errors.Is(err, userpool.ErrNotAuthorized) {
			h.restart(w, r, f, "Your sign-in session has expired. Sign in again.")
			return
		}
		var pe *userpool.Error
		if !errors.As(err, &pe) || (pe.Code != userpool.CodeLimitExceeded && pe.Code != userpool.CodeWebAuthnNotEnabled) {
			h.cfg.Logger.ErrorContext(r.Context(), "passkey registration not started", "err", err)
		}
		h.complete(w, r, f, pr)
		return
	}
	if hasPasskeys(options) {
		h.complete(w, r, f, pr)
		return
	}
	p.PasskeyOptions, p.Script = string(options), true
	h.show(w, "addPasskey", p, f)
}

// hasPasskeys reports whether creation options exclude passkeys the user
// already has: the pool lists them all there, so that an authenticator
// does not make a second one.
func hasPasskeys(options json.RawMessage) bool {
	var o struct {
		Exclude []json.RawMessage `json:"excludeCredentials"`
	}
	return json.Unmarshal(options, &o) == nil && len(o.Exclude) > 0
}

// declinedPasskey reports whether the user sub said "Not now" to a
// passkey in this browser lately.
func (h *handler) declinedPasskey(r *http.Request, sub string) bool {
	var c passkeyLater
	if err := h.seal.open(passkeyLaterCookieName, h.readCookie(r, passkeyLaterCookieName), &c); err != nil {
		return false
	}
	return c.Sub != "" && c.Sub == sub
}

// declinePasskey remembers "Not now" for the user sub in this browser.
func (h *handler) declinePasskey(w http.ResponseWriter, sub string) {
	v, err := h.seal.seal(passkeyLaterCookieName, passkeyLater{Sub: sub})
	if err != nil {
		return
	}
	h.setCookie(w, passkeyLaterCookieName, v, passkeyLaterTTL)
}

// withoutAllowList drops allowCredentials from request options, leaving
// the authenticator to find the passkey; the pool still checks that the
// passkey is the named account's.
func withoutAllowList(options string) string {
	var o map[string]json.RawMessage
	if json.Unmarshal([]byte(options), &o) != nil {
		return options
	}
	delete(o, "allowCredentials")
	b, err := json.Marshal(o)
	if err != nil {
		return options
	}
	return string(b)
}
