package hostedui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/userpool"
)

// getLogout is Cognito's logout endpoint, and OIDC RP-Initiated Logout's
// end_session_endpoint. With client_id and a logout_uri (or
// post_logout_redirect_uri) registered exactly in the client's LogoutURLs,
// it ends the hosted session and redirects there. With client_id,
// redirect_uri and response_type it ends the session and starts a new
// sign-in. Anything else gets an error page and no redirect.
//
// A sign-out ends a session only when the request cannot be a stranger's
// link: it carries a valid id_token_hint, or comes from the hosted UI's
// own pages or the address bar (Sec-Fetch-Site). A cross-site request
// without a hint gets a confirmation page whose form (postLogout, with the
// session's CSRF token) signs out.
func (h *handler) getLogout(w http.ResponseWriter, r *http.Request) { h.logout(w, r, false) }

// postLogout is the confirmation page's form: the same request, confirmed.
func (h *handler) postLogout(w http.ResponseWriter, r *http.Request) {
	form, perr := postForm(w, r)
	if perr != nil {
		h.errorPage(w, perr.status, "The form is invalid: "+perr.msg+".")
		return
	}
	if !checkCSRF(h.readSession(r), form.Get(csrfField)) {
		h.errorPage(w, http.StatusForbidden, "This form has expired. Go back, reload the page and try again.")
		return
	}
	h.logout(w, r, true)
}

// logout validates a sign-out request (its parameters are in the URL for
// both methods) and carries it out, asking first when it may be forged.
func (h *handler) logout(w http.ResponseWriter, r *http.Request, confirmed bool) {
	v, perr := query(r)
	if perr == nil {
		perr = single(v)
	}
	if perr != nil {
		h.errorPage(w, perr.status, "The sign-out request is invalid: "+perr.msg+".")
		return
	}
	clientID, hinted := v.Get("client_id"), false
	if hint := v.Get("id_token_hint"); hint != "" {
		aud, err := h.hintAudience(r.Context(), hint)
		if err != nil || (clientID != "" && clientID != aud) {
			h.errorPage(w, http.StatusBadRequest, "The sign-out request is invalid: id_token_hint is not a valid ID token of this client.")
			return
		}
		clientID, hinted = aud, true
	}
	if clientID == "" {
		h.errorPage(w, http.StatusBadRequest, "The sign-out request is invalid: client_id is required.")
		return
	}
	c, err := h.pool.DescribeUserPoolClient(r.Context(), userpool.DescribeUserPoolClientInput{ClientID: clientID})
	if err != nil {
		if errors.Is(err, userpool.ErrResourceNotFound) || errors.Is(err, userpool.ErrInvalidParameter) {
			h.errorPage(w, http.StatusBadRequest, "The sign-out request is invalid: unknown client.")
			return
		}
		h.cfg.Logger.ErrorContext(r.Context(), "logout failed", "err", err)
		h.errorPage(w, http.StatusInternalServerError, "Sign-out is temporarily unavailable.")
		return
	}
	target, oidc := v.Get("logout_uri"), false
	if p := v.Get("post_logout_redirect_uri"); p != "" {
		if target != "" {
			h.errorPage(w, http.StatusBadRequest, "The sign-out request is invalid: give logout_uri or post_logout_redirect_uri, not both.")
			return
		}
		target, oidc = p, true
	}
	switch {
	case target != "":
		if !slices.Contains(c.LogoutURLs, target) {
			h.errorPage(w, http.StatusBadRequest, "The sign-out request is invalid: logout_uri is not registered for this client.")
			return
		}
		if !confirmed && !hinted && !h.askedHere(r) && h.confirmLogout(w, r, target) {
			return
		}
		if !h.endSession(w, r) {
			return
		}
		if st := v.Get("state"); oidc && st != "" {
			target = withParams(target, url.Values{"state": {st}})
		}
		redirect(w, r, target)
	case v.Get("redirect_uri") != "" && v.Get("response_type") != "":
		if _, ok := h.validate(w, r, v); !ok {
			return
		}
		if !confirmed && !hinted && !h.askedHere(r) && h.confirmLogout(w, r, "") {
			return
		}
		if !h.endSession(w, r) {
			return
		}
		next := url.Values{}
		for _, k := range []string{"client_id", "redirect_uri", "response_type", "state", "scope", "nonce", "code_challenge", "code_challenge_method"} {
			if v.Has(k) {
				next.Set(k, v.Get(k))
			}
		}
		next.Set("client_id", clientID)
		redirect(w, r, h.cfg.url("/oauth2/authorize")+"?"+next.Encode())
	default:
		h.errorPage(w, http.StatusBadRequest, "The sign-out request is invalid: logout_uri, or redirect_uri and response_type, are required.")
	}
}

// askedHere reports a request the browser made from the hosted UI's own
// pages or the address bar, not from another site: what Sec-Fetch-Site
// tells. A client that sends no such header is no browser a forged link
// could drive.
func (h *handler) askedHere(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return true
	}
	return false
}

// confirmLogout shows the confirmation page to a signed-in browser and
// reports whether it did; with no session there is nothing to end, so
// nothing to confirm. target is where the confirmed form ends up, which
// the page's form-action must allow.
func (h *handler) confirmLogout(w http.ResponseWriter, r *http.Request, target string) bool {
	sess := h.readSession(r)
	if !sess.signedIn() {
		return false
	}
	p := h.newPage(sess, "Sign out", "/logout")
	p.Action += "?" + r.URL.RawQuery
	h.render(w, "logout", p, formOrigin(target))
	return true
}

// endSession signs the browser out: the pool ends the hosted session on
// its side (a copy of the cookie no longer works) and the cookies go. If
// the pool cannot, the page says so and nothing is cleared, so a sign-out
// is never reported that did not happen.
func (h *handler) endSession(w http.ResponseWriter, r *http.Request) bool {
	if s := h.readSession(r); s.signedIn() {
		if err := h.oauth.SignOut(r.Context(), s.principal()); err != nil {
			h.cfg.Logger.ErrorContext(r.Context(), "sign-out failed", "err", err)
			h.errorPage(w, http.StatusServiceUnavailable, "Sign-out is temporarily unavailable; try again.")
			return false
		}
	}
	h.clearSession(w)
	h.clearFlow(w)
	return true
}

// hintAudience verifies an id_token_hint issued by this pool and returns
// its client. The hint must verify fully, expiry included: a client whose
// ID token expired sends client_id alone.
func (h *handler) hintAudience(ctx context.Context, hint string) (string, error) {
	v, err := token.NewVerifier(token.VerifierConfig{Issuer: h.pool.Issuer(), Keys: h.pool.KeySet(), SkipClientIDCheck: true, Now: h.cfg.Clock})
	if err != nil {
		return "", err
	}
	c, err := v.VerifyID(ctx, hint)
	if err != nil {
		return "", err
	}
	return c.Audience, nil
}
