package hostedui

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/cupola-auth/cupola/federation"
	"github.com/cupola-auth/cupola/userpool"
)

// Sign-in through an identity provider (Google, an OIDC provider, a SAML
// IdP): the browser leaves for the provider from the login page's button
// (GET /login/idp?provider=…), from an email routed by its domain (POST
// /login/idp), or straight from /oauth2/authorize with identity_provider or
// idp_identifier; it comes back to /oauth2/idpresponse (a GET, or Apple's
// form_post) or /saml2/idpresponse (the SAML HTTP-POST binding).
//
// The answer can arrive as a cross-site POST, which carries no SameSite=Lax
// cookie, so the sign-in in progress travels in a cookie of its own,
// sealed like the others: the idp cookie holds the flow and the pending
// provider state (the state, nonce and PKCE verifier, or the SAML request
// ID). It is SameSite=None under TLS. A callback whose state is not that
// cookie's — another browser's, a replayed one — signs nobody in.

const (
	idpCookieName = "cupola_idp"
	// maxIdPResponse bounds a provider's answer: a SAML response with its
	// certificate chain is tens of kilobytes.
	maxIdPResponse = 1 << 20
)

// idpState is the idp cookie's content.
type idpState struct {
	Flow    flow               `json:"f"`
	Pending federation.Pending `json:"p"`
	Expires int64              `json:"e"`
}

// getLoginIdP starts a sign-in at the provider a login-page button names.
func (h *handler) getLoginIdP(w http.ResponseWriter, r *http.Request) {
	_, f, ok := h.pageFlow(w, r)
	if !ok {
		return
	}
	h.startFederation(w, r, f, r.URL.Query().Get("provider"), "")
}

// postLoginIdP routes an email address (or another IdP identifier) typed
// on the login page to its provider.
func (h *handler) postLoginIdP(w http.ResponseWriter, r *http.Request) {
	_, f, form, ok := h.postFlow(w, r)
	if !ok {
		return
	}
	h.startFederation(w, r, f, "", strings.TrimSpace(form.Get("identifier")))
}

// startFederation sends the browser to the provider, keeping the flow and
// the provider's pending state in the idp cookie.
func (h *handler) startFederation(w http.ResponseWriter, r *http.Request, f *flow, provider, identifier string) {
	state, err := randomToken(h.cfg.Random)
	if err != nil {
		h.errorPage(w, http.StatusInternalServerError, "Sign-in is temporarily unavailable.")
		return
	}
	out, err := h.oauth.StartFederatedSignIn(r.Context(), userpool.StartFederatedSignInInput{
		ClientID: f.Auth.ClientID, ProviderName: provider, IdpIdentifier: identifier, State: state,
		Callback: func(providerType string) string {
			if providerType == userpool.ProviderTypeSAML {
				return h.cfg.url("/saml2/idpresponse")
			}
			return h.cfg.url("/oauth2/idpresponse")
		},
	})
	if err != nil {
		h.cfg.Logger.InfoContext(r.Context(), "federated sign-in not started", "provider", provider, "err", err)
		msg := "That sign-in option is not available."
		if identifier != "" {
			msg = "No sign-in is set up for that address."
		}
		f.Alert = msg
		h.writeFlowAndGo(w, r, f, "/login")
		return
	}
	v, err := h.seal.seal(idpCookieName, idpState{Flow: *f, Pending: out.Pending, Expires: h.cfg.Clock().Add(flowTTL).Unix()})
	if err != nil {
		h.cfg.Logger.WarnContext(r.Context(), "federated sign-in state not stored", "err", err)
		h.errorPage(w, http.StatusInternalServerError, "Sign-in is temporarily unavailable.")
		return
	}
	h.setCrossSiteCookie(w, idpCookieName, v)
	redirect(w, r, out.URL)
}

// setCrossSiteCookie sets a cookie the provider's cross-site POST back
// carries: SameSite=None, which browsers accept only with Secure, so over
// plain HTTP (development) it stays Lax and only GET callbacks work.
func (h *handler) setCrossSiteCookie(w http.ResponseWriter, name, value string) {
	c := &http.Cookie{Name: h.cookieName(name), Value: value, Path: h.cookiePath(), HttpOnly: true,
		Secure: h.cfg.secure, SameSite: http.SameSiteLaxMode, MaxAge: int(flowTTL.Seconds())}
	if value == "" {
		c.MaxAge = -1
	}
	if h.cfg.secure {
		c.SameSite = http.SameSiteNoneMode
	}
	http.SetCookie(w, c)
}

// idpResponse completes a sign-in with the provider's answer in the query
// (GET) or the form (POST).
func (h *handler) idpResponse(w http.ResponseWriter, r *http.Request) {
	params, ok := h.idpParams(w, r)
	if !ok {
		return
	}
	var st idpState
	err := h.seal.open(idpCookieName, h.readCookie(r, idpCookieName), &st)
	h.setCrossSiteCookie(w, idpCookieName, "") // one answer per start
	if err != nil || st.Expires <= h.cfg.Clock().Unix() || st.Flow.Auth.ClientID == "" {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/saml2/idpresponse") && params.Has("SAMLResponse") {
			h.idpInitiated(w, r, params)
			return
		}
		h.errorPage(w, http.StatusBadRequest, msgFlowExpired)
		return
	}
	h.completeFederation(w, r, &st.Flow, params, st.Pending)
}

// idpInitiated completes a SAML response nobody asked for (Cognito's
// IdP-initiated sign-in): its RelayState holds the authorization request
// it is for (client_id, redirect_uri, response_type, scope,
// identity_provider or idp_identifier), checked as /oauth2/authorize
// checks one. The provider must allow it (IDPInit), and the request must
// pass as any other: a public client needs a code_challenge, so in
// practice the response lands at a confidential client (CodeWithoutPKCE).
func (h *handler) idpInitiated(w http.ResponseWriter, r *http.Request, params url.Values) {
	relay, err := url.ParseQuery(params.Get("RelayState"))
	if err != nil || len(params.Get("RelayState")) > 4096 {
		h.errorPage(w, http.StatusBadRequest, "The sign-in request is invalid: its RelayState is not an authorization request.")
		return
	}
	req, ok := h.validate(w, r, relay)
	if !ok {
		return
	}
	name := req.auth.IdentityProvider
	if name == "" && req.auth.IdpIdentifier != "" {
		out, err := h.pool.GetIdentityProviderByIdentifier(r.Context(), userpool.GetIdentityProviderByIdentifierInput{IdpIdentifier: req.auth.IdpIdentifier})
		if err == nil {
			name = out.IdentityProvider.ProviderName
		}
	}
	if name == "" || name == userpool.ProviderCognito {
		h.redirectError(w, r, req.auth, "invalid_request", "the RelayState names no identity provider")
		return
	}
	h.completeFederation(w, r, &flow{Auth: *req.auth}, params,
		federation.Pending{Provider: name, CallbackURL: h.cfg.url("/saml2/idpresponse")})
}

// completeFederation signs in with the provider's answer and completes
// the authorization of f.
func (h *handler) completeFederation(w http.ResponseWriter, r *http.Request, f *flow, params url.Values, pending federation.Pending) {
	out, err := h.oauth.CompleteFederatedSignIn(r.Context(), userpool.CompleteFederatedSignInInput{
		ClientID: f.Auth.ClientID, Params: params, Pending: pending,
		IPAddress: clientIP(r), UserAgent: r.UserAgent()})
	switch {
	case errors.Is(err, federation.ErrProviderError):
		// The user cancelled at the provider, or it refused them: the
		// client hears it at its registered redirect URI.
		h.redirectError(w, r, &f.Auth, "access_denied", "the identity provider did not sign the user in")
		return
	case errors.Is(err, federation.ErrState):
		h.errorPage(w, http.StatusBadRequest, msgFlowExpired)
		return
	case err != nil:
		h.cfg.Logger.InfoContext(r.Context(), "federated sign-in refused", "provider", pending.Provider, "err", err)
		h.errorPage(w, http.StatusForbidden, "The sign-in at "+pending.Provider+" could not be completed. Return to the application and try again.")
		return
	}
	h.signIn(w, r, f, out.Principal, false)
}

// getSAMLMetadata serves the SP metadata for the SAML provider the path
// names.
func (h *handler) getSAMLMetadata(w http.ResponseWriter, r *http.Request) {
	md, err := h.oauth.SAMLMetadata(r.Context(), r.PathValue("provider"), h.cfg.url("/saml2/idpresponse"))
	switch {
	case errors.Is(err, userpool.ErrResourceNotFound) || errors.Is(err, userpool.ErrInvalidParameter):
		h.notFound(w)
		return
	case err != nil:
		h.cfg.Logger.ErrorContext(r.Context(), "SAML metadata", "err", err)
		h.errorPage(w, http.StatusInternalServerError, "The metadata is temporarily unavailable.")
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(md)
}

// idpParams reads the callback's parameters: the query of a GET, the form
// of a POST (bounded, as a SAML response may be large).
func (h *handler) idpParams(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if r.Method == http.MethodGet {
		v, perr := query(r)
		if perr != nil {
			h.errorPage(w, perr.status, "The request is invalid: "+perr.msg+".")
			return nil, false
		}
		return v, true
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		h.errorPage(w, http.StatusBadRequest, "The request is invalid: the body must be a form.")
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxIdPResponse)
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, http.StatusRequestEntityTooLarge, "The request is invalid: the body is malformed or too large.")
		return nil, false
	}
	return r.PostForm, true
}
