package hostedui

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/cupola-auth/cupola/userpool"
)

// msgFlowExpired is shown when a page is used without a sign-in in
// progress (expired, or never started by a client).
const msgFlowExpired = "Your sign-in session has expired or was not started by an application. Return to the application and sign in again."

// pageFlow prepares a GET of a page: the session (for the CSRF token) and
// the sign-in in progress. A page opened with an authorize request in its
// query (as Cognito's /login?client_id=…&redirect_uri=…) starts a new one.
func (h *handler) pageFlow(w http.ResponseWriter, r *http.Request) (*session, *flow, bool) {
	v, perr := query(r)
	if perr != nil {
		h.errorPage(w, perr.status, "The request is invalid: "+perr.msg+".")
		return nil, nil, false
	}
	f := h.readFlow(r)
	if v.Has("client_id") || v.Has("redirect_uri") {
		req, ok := h.validate(w, r, v)
		if !ok {
			return nil, nil, false
		}
		f = &flow{Auth: *req.auth}
		if err := h.writeFlow(w, f); err != nil {
			h.redirectError(w, r, req.auth, "invalid_request", "the request is too large")
			return nil, nil, false
		}
	}
	if f == nil {
		h.errorPage(w, http.StatusBadRequest, msgFlowExpired)
		return nil, nil, false
	}
	sess, err := h.ensureSession(w, r)
	if err != nil {
		h.cfg.Logger.ErrorContext(r.Context(), "session not started", "err", err)
		h.errorPage(w, http.StatusInternalServerError, "Sign-in is temporarily unavailable.")
		return nil, nil, false
	}
	return sess, f, true
}

// postFlow prepares a POST of a page: a well-formed body, a CSRF token that
// matches the session's, and a sign-in in progress.
func (h *handler) postFlow(w http.ResponseWriter, r *http.Request) (*session, *flow, url.Values, bool) {
	form, perr := postForm(w, r)
	if perr != nil {
		h.errorPage(w, perr.status, "The form is invalid: "+perr.msg+".")
		return nil, nil, nil, false
	}
	sess := h.readSession(r)
	if !checkCSRF(sess, form.Get(csrfField)) {
		h.errorPage(w, http.StatusForbidden, "This form has expired. Go back, reload the page and try again.")
		return nil, nil, nil, false
	}
	f := h.readFlow(r)
	if f == nil {
		h.errorPage(w, http.StatusBadRequest, msgFlowExpired)
		return nil, nil, nil, false
	}
	return sess, f, form, true
}

// flowPage starts a page of a sign-in in progress, showing (once) the
// flow's notice and pre-filling the username.
func (h *handler) flowPage(w http.ResponseWriter, sess *session, f *flow, heading, path string) *page {
	p := h.newPage(sess, heading, path)
	p.Values["username"] = f.Username
	p.Destination = f.Destination
	if f.Notice != "" || f.Alert != "" {
		p.Notice, p.Error, f.Notice, f.Alert = f.Notice, f.Alert, "", ""
		_ = h.writeFlow(w, f)
	}
	return p
}

// show renders a page of a flow, letting its form be answered by a
// redirect to the client.
func (h *handler) show(w http.ResponseWriter, name string, p *page, f *flow) {
	h.render(w, name, p, formOrigin(f.Auth.RedirectURI))
}

// getLogin shows the username and password form.
func (h *handler) getLogin(w http.ResponseWriter, r *http.Request) {
	sess, f, ok := h.pageFlow(w, r)
	if !ok {
		return
	}
	p := h.flowPage(w, sess, f, "Sign in", "/login")
	p.Focus = "username"
	if f.Username != "" {
		p.Focus = "password"
	}
	h.showLogin(w, r, p, f)
}

// postLogin checks the username and password and moves the sign-in on.
func (h *handler) postLogin(w http.ResponseWriter, r *http.Request) {
	sess, f, form, ok := h.postFlow(w, r)
	if !ok {
		return
	}
	username, password := strings.TrimSpace(form.Get("username")), form.Get("password")
	p := h.newPage(sess, "Sign in", "/login")
	p.Values["username"] = username
	if username == "" {
		p.Errors["username"] = "Enter your username."
	}
	if password == "" {
		p.Errors["password"] = "Enter your password."
	}
	if len(p.Errors) > 0 {
		p.Status = http.StatusBadRequest
		h.showLogin(w, r, p, f)
		return
	}
	out, err := h.oauth.SignIn(r.Context(), userpool.SignInInput{ClientID: f.Auth.ClientID, Username: username, Password: password,
		IPAddress: clientIP(r), UserAgent: r.UserAgent(), DeviceID: h.deviceID(w, r)})
	if err != nil {
		switch {
		case errors.Is(err, userpool.ErrUserNotConfirmed):
			// The password was right: send a fresh code and confirm.
			d, rerr := h.pool.ResendConfirmationCode(r.Context(), userpool.ResendConfirmationCodeInput{ClientID: f.Auth.ClientID, UserContextData: userContext(r), Username: username, SecretHash: h.secretHash(r, f, username)})
			if rerr == nil {
				f.Username, f.Destination = username, d.Destination
				f.Notice = "Your account is not confirmed yet. We sent you a code."
				if h.writeFlow(w, f) == nil {
					redirect(w, r, h.cfg.url("/confirmUser"))
					return
				}
			}
		case errors.Is(err, userpool.ErrPasswordResetRequired):
			f.Username, f.Notice = username, "You must choose a new password. Ask for a code below."
			if h.writeFlow(w, f) == nil {
				redirect(w, r, h.cfg.url("/forgotPassword"))
				return
			}
		}
		h.showError(r, p, err, "username", "password")
		h.showLogin(w, r, p, f)
		return
	}
	f.Passkey = false
	h.advance(w, r, f, username, out)
}

// advance moves a sign-in on after a step: a principal is signed in and
// sent back to the client; a challenge gets its page.
func (h *handler) advance(w http.ResponseWriter, r *http.Request, f *flow, username string, out *userpool.HostedAuthOutput) {
	if out.Principal != nil {
		h.signIn(w, r, f, out.Principal, true)
		return
	}
	ch := out.Challenge
	if ch == nil || ch.Session == "" {
		h.errorPage(w, http.StatusInternalServerError, "Sign-in is temporarily unavailable.")
		return
	}
	params := ch.ChallengeParameters
	if username == "" && ch.ChallengeName != userpool.ChallengeWebAuthn {
		// A passkey named the account (a sign-in without a username): the
		// challenges that follow name it, and their answers must too.
		username = params["USERNAME"]
		if username == "" {
			username = params["USER_ID_FOR_SRP"]
		}
	}
	c := &challenge{Name: ch.ChallengeName, Session: ch.Session, Username: username}
	var path string
	switch ch.ChallengeName {
	case userpool.ChallengeSoftwareTokenMFA, userpool.ChallengeSMSMFA, userpool.ChallengeEmailOTP, userpool.ChallengeSMSOTP:
		path = "/mfa"
		f.Destination = params["CODE_DELIVERY_DESTINATION"]
	case userpool.ChallengeSelectMFAType:
		path = "/selectMfa"
		_ = json.Unmarshal([]byte(params["MFAS_CAN_CHOOSE"]), &c.Choices)
	case userpool.ChallengeMFASetup:
		path = "/mfaSetup"
	case userpool.ChallengeWebAuthn:
		path = "/passkey"
		c.Options = params[userpool.ParamCredentialRequestOptions]
	case userpool.ChallengeNewPasswordRequired:
		path = "/newPassword"
		var req []string
		_ = json.Unmarshal([]byte(params["requiredAttributes"]), &req)
		for _, a := range req {
			c.Required = append(c.Required, strings.TrimPrefix(a, "userAttributes."))
		}
	default:
		h.errorPage(w, http.StatusBadRequest, "This account needs a sign-in step the hosted pages do not offer.")
		return
	}
	f.Challenge, f.Username = c, username
	err := h.writeFlow(w, f)
	if errors.Is(err, errTooLarge) && c.Options != "" {
		// A user with many passkeys: let the authenticator find the
		// passkey itself (every passkey of the pool is discoverable)
		// rather than list them all in the cookie.
		c.Options = withoutAllowList(c.Options)
		err = h.writeFlow(w, f)
	}
	if err != nil {
		h.cfg.Logger.ErrorContext(r.Context(), "sign-in state not stored", "err", err)
		h.errorPage(w, http.StatusInternalServerError, "Sign-in is temporarily unavailable.")
		return
	}
	redirect(w, r, h.cfg.url(path))
}

// cognitoAllowed answers the pages of the pool's own users (sign-up,
// password reset) with an error page when the client signs users in only
// through identity providers.
func (h *handler) cognitoAllowed(w http.ResponseWriter, r *http.Request, f *flow) bool {
	opts, err := h.oauth.SignInOptions(r.Context(), f.Auth.ClientID)
	if err != nil {
		h.cfg.Logger.ErrorContext(r.Context(), "sign-in options", "err", err)
		h.errorPage(w, http.StatusInternalServerError, "Sign-in is temporarily unavailable.")
		return false
	}
	if !opts.Cognito {
		h.errorPage(w, http.StatusForbidden, "This application signs users in through its identity providers only.")
		return false
	}
	return true
}

// showLogin shows the login page with what the client offers: the
// password form, a button per identity provider, an email field.
func (h *handler) showLogin(w http.ResponseWriter, r *http.Request, p *page, f *flow) {
	opts, err := h.oauth.SignInOptions(r.Context(), f.Auth.ClientID)
	if err != nil {
		h.cfg.Logger.ErrorContext(r.Context(), "sign-in options", "err", err)
		h.errorPage(w, http.StatusInternalServerError, "Sign-in is temporarily unavailable.")
		return
	}
	p.Cognito, p.IdpIdentifiers = opts.Cognito, opts.Identifiers
	p.Passkeys = opts.Cognito && h.oauth.PasskeysEnabled()
	for _, pr := range opts.Providers {
		p.Providers = append(p.Providers, provider{Name: pr.ProviderName,
			URL: h.cfg.url("/login/idp") + "?" + url.Values{"provider": {pr.ProviderName}}.Encode()})
	}
	if !p.Cognito {
		p.Focus = ""
	}
	h.show(w, "login", p, f)
}

// signIn starts the signed-in session (a new CSRF secret) and completes
// the authorization, first offering a passkey (see finish) when offer is
// set: a sign-in with the pool's own credentials, not an identity
// provider's.
func (h *handler) signIn(w http.ResponseWriter, r *http.Request, f *flow, pr *userpool.Principal, offer bool) {
	if _, err := h.newSession(w, pr); err != nil {
		h.cfg.Logger.ErrorContext(r.Context(), "session not started", "err", err)
		h.errorPage(w, http.StatusInternalServerError, "Sign-in is temporarily unavailable.")
		return
	}
	if offer {
		h.finish(w, r, f, pr)
		return
	}
	h.complete(w, r, f, pr)
}

// restart ends a challenge that can no longer be answered and sends the
// user back to the login page with the reason.
func (h *handler) restart(w http.ResponseWriter, r *http.Request, f *flow, msg string) {
	f.Challenge, f.Recovery = nil, nil
	f.Alert = msg
	if err := h.writeFlow(w, f); err != nil {
		h.clearFlow(w)
	}
	redirect(w, r, h.cfg.url("/login"))
}

// userContext tells the pool where a request came from, for its limits
// per source (lockout, code sends, code guesses).
func userContext(r *http.Request) *userpool.UserContextData {
	return &userpool.UserContextData{IPAddress: clientIP(r)}
}

// clientIP is the address the sign-in came from, for the pool's risk
// assessment. It is the connection's peer: behind a proxy, a middleware
// in front of the hosted UI that trusts the proxy should set
// r.RemoteAddr from its forwarding header.
func clientIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
