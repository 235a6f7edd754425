package hostedui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// getAuthorize takes an authorization request in the query.
func (h *handler) getAuthorize(w http.ResponseWriter, r *http.Request) {
	v, perr := query(r)
	h.authorize(w, r, v, perr)
}

// postAuthorize takes an authorization request as a form (OIDC Core
// §3.1.2.1).
func (h *handler) postAuthorize(w http.ResponseWriter, r *http.Request) {
	v, perr := readForm(w, r)
	h.authorize(w, r, v, perr)
}

// authorize answers an authorization request (RFC 6749 §4.1, OIDC Core
// §3.1.2) with parameters v, or perr if they could not be read. A request
// whose client or redirect URI cannot be trusted gets an error page and no
// redirect; other errors go back to the client. A live session answers at
// once with a code; otherwise the login page is shown.
func (h *handler) authorize(w http.ResponseWriter, r *http.Request, v url.Values, perr *errParams) {
	if perr != nil {
		h.errorPage(w, perr.status, "The sign-in request is invalid: "+perr.msg+".")
		return
	}
	req, ok := h.validate(w, r, v)
	if !ok {
		return
	}
	sess := h.readSession(r)
	var pr *userpool.Principal
	if sess.signedIn() && !req.forceLogin {
		p, err := h.oauth.Principal(r.Context(), sess.principal())
		switch {
		case err == nil && (req.maxAge == nil || h.cfg.Clock().Sub(p.AuthTime) <= time.Duration(*req.maxAge)*time.Second):
			pr = p
		case err != nil && !errors.Is(err, userpool.ErrNotAuthorized):
			h.cfg.Logger.ErrorContext(r.Context(), "hosted session check failed", "err", err)
		}
	}
	if pr != nil {
		h.complete(w, r, &flow{Auth: *req.auth}, pr)
		return
	}
	if req.promptNone {
		h.redirectError(w, r, req.auth, "login_required", "the user must sign in")
		return
	}
	if _, err := h.ensureSession(w, r); err != nil {
		h.redirectError(w, r, req.auth, "server_error", "temporarily unavailable")
		return
	}
	if a := req.auth; (a.IdentityProvider != "" && a.IdentityProvider != userpool.ProviderCognito) || a.IdpIdentifier != "" {
		// The client chose the provider: no login page.
		h.startFederation(w, r, &flow{Auth: *a}, a.IdentityProvider, a.IdpIdentifier)
		return
	}
	if err := h.writeFlow(w, &flow{Auth: *req.auth}); err != nil {
		h.cfg.Logger.WarnContext(r.Context(), "sign-in state not stored", "err", err)
		h.redirectError(w, r, req.auth, "invalid_request", "the request is too large")
		return
	}
	redirect(w, r, h.cfg.url("/login"))
}

// authRequest is a validated authorize request with the hosted UI's own
// decisions.
type authRequest struct {
	auth       *userpool.Authorization
	forceLogin bool // prompt=login or max_age=0
	promptNone bool
	maxAge     *int
}

// validate checks an authorize request, answering the browser itself when
// it fails: an error page while the client or redirect URI is untrusted, a
// redirect with the error once they are trusted.
func (h *handler) validate(w http.ResponseWriter, r *http.Request, v url.Values) (*authRequest, bool) {
	for _, k := range []string{"client_id", "redirect_uri"} {
		if len(v[k]) > 1 {
			h.errorPage(w, http.StatusBadRequest, "The sign-in request is invalid: the parameter "+k+" is repeated.")
			return nil, false
		}
	}
	in := userpool.AuthorizeRequest{
		ResponseType: v.Get("response_type"), ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"),
		State: v.Get("state"), Scope: v.Get("scope"), Nonce: v.Get("nonce"),
		CodeChallenge: v.Get("code_challenge"), CodeChallengeMethod: v.Get("code_challenge_method"),
		IdentityProvider: v.Get("identity_provider"), IdpIdentifier: v.Get("idp_identifier"), Prompt: v.Get("prompt"),
	}
	var badMaxAge bool
	if s, ok := v["max_age"]; ok {
		n, err := strconv.Atoi(s[0])
		if err != nil || n < 0 {
			badMaxAge = true
		} else {
			in.MaxAge = &n
		}
	}
	auth, err := h.oauth.ValidateAuthorizeRequest(r.Context(), in)
	if err != nil {
		var oe *userpool.OAuthError
		if !errors.As(err, &oe) || !oe.Redirect {
			h.untrusted(w, r, err)
			return nil, false
		}
		h.redirectError(w, r, &userpool.Authorization{RedirectURI: in.RedirectURI, State: in.State}, oe.Code, oe.Description)
		return nil, false
	}
	if p := single(v); p != nil {
		h.redirectError(w, r, auth, "invalid_request", p.msg)
		return nil, false
	}
	if badMaxAge {
		h.redirectError(w, r, auth, "invalid_request", "max_age must be a non-negative integer")
		return nil, false
	}
	req := &authRequest{auth: auth, maxAge: in.MaxAge}
	for _, p := range strings.Fields(in.Prompt) {
		switch p {
		case "none":
			req.promptNone = true
		case "login":
			req.forceLogin = true
		}
	}
	if req.promptNone && len(strings.Fields(in.Prompt)) > 1 {
		h.redirectError(w, r, auth, "invalid_request", "prompt=none cannot be combined with other values")
		return nil, false
	}
	if req.maxAge != nil && *req.maxAge == 0 {
		req.forceLogin = true
	}
	if req.promptNone && req.forceLogin {
		h.redirectError(w, r, auth, "login_required", "the user must sign in")
		return nil, false
	}
	return req, true
}

// untrusted shows an authorize error that must not be redirected.
func (h *handler) untrusted(w http.ResponseWriter, r *http.Request, err error) {
	var oe *userpool.OAuthError
	if errors.As(err, &oe) {
		status := oe.Status
		if status < 400 || status > 599 {
			status = http.StatusBadRequest
		}
		if status >= 500 {
			h.cfg.Logger.ErrorContext(r.Context(), "authorize failed", "err", err)
		}
		h.errorPage(w, status, "The sign-in request is invalid: "+oe.Description+" ("+oe.Code+").")
		return
	}
	h.cfg.Logger.ErrorContext(r.Context(), "authorize failed", "err", err)
	h.errorPage(w, http.StatusInternalServerError, "Sign-in is temporarily unavailable.")
}

// complete issues a code for the principal and sends the browser back to
// the client with it (RFC 9207: with iss).
func (h *handler) complete(w http.ResponseWriter, r *http.Request, f *flow, pr *userpool.Principal) {
	code, err := h.oauth.CreateAuthorizationCode(r.Context(), &f.Auth, pr)
	if err != nil {
		h.cfg.Logger.ErrorContext(r.Context(), "authorization code not issued", "err", err)
		var oe *userpool.OAuthError
		if errors.As(err, &oe) && oe.Redirect {
			h.redirectError(w, r, &f.Auth, oe.Code, oe.Description)
			return
		}
		h.redirectError(w, r, &f.Auth, "server_error", "temporarily unavailable")
		return
	}
	h.clearFlow(w)
	v := url.Values{"code": {code}, "iss": {h.pool.Issuer()}}
	if f.Auth.State != "" {
		v.Set("state", f.Auth.State)
	}
	redirect(w, r, withParams(f.Auth.RedirectURI, v))
}

// redirectError sends an error to the client's (validated) redirect URI.
func (h *handler) redirectError(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, code, desc string) {
	h.clearFlow(w)
	v := url.Values{"error": {code}, "iss": {h.pool.Issuer()}}
	if desc != "" {
		v.Set("error_description", desc)
	}
	if a.State != "" {
		v.Set("state", a.State)
	}
	redirect(w, r, withParams(a.RedirectURI, v))
}

// withParams adds v to the query of a registered redirect URI, keeping its
// own query as registered and dropping any fragment.
func withParams(uri string, v url.Values) string {
	uri, _, _ = strings.Cut(uri, "#")
	switch {
	case !strings.Contains(uri, "?"):
		return uri + "?" + v.Encode()
	case strings.HasSuffix(uri, "?") || strings.HasSuffix(uri, "&"):
		return uri + v.Encode()
	default:
		return uri + "&" + v.Encode()
	}
}

// formOrigin is the CSP source of a redirect URI's origin: scheme://host
// for http(s), scheme: for an app's custom scheme; "" if it cannot be
// expressed safely.
func formOrigin(redirectURI string) string {
	u, err := url.Parse(redirectURI)
	if err != nil || u.Scheme == "" {
		return ""
	}
	src := u.Scheme + ":"
	if u.Scheme == "http" || u.Scheme == "https" {
		if u.Host == "" {
			return ""
		}
		src = u.Scheme + "://" + u.Host
	}
	for _, c := range src {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("+-.:/[]", c)) {
			return ""
		}
	}
	return src
}
