package hostedui

import (
	"net/http"
	"strings"
)

// routes maps each path (BaseURL's path removed) and method to its
// handler. A page has a GET handler that shows its form and a POST handler
// that answers it.
func (h *handler) routes() *http.ServeMux {
	mux := http.NewServeMux()

	// The authorization endpoint, where every hosted sign-in starts; OIDC
	// lets a client send the request as a form too.
	mux.HandleFunc("GET /oauth2/authorize", h.getAuthorize)
	mux.HandleFunc("POST /oauth2/authorize", h.postAuthorize)

	// The token endpoint: codes, refresh tokens and client credentials
	// exchanged for tokens.
	mux.HandleFunc("POST /oauth2/token", h.postToken)
	mux.HandleFunc("/oauth2/token", h.otherOAuthMethod)

	// Refresh token revocation.
	mux.HandleFunc("POST /oauth2/revoke", h.postRevoke)
	mux.HandleFunc("/oauth2/revoke", h.otherOAuthMethod)

	// The claims of an access token. Cognito spells it userInfo; OIDC
	// tools often ask for userinfo.
	mux.HandleFunc("GET /oauth2/userInfo", h.getUserInfo)
	mux.HandleFunc("POST /oauth2/userInfo", h.postUserInfo)
	mux.HandleFunc("/oauth2/userInfo", h.otherOAuthMethod)
	mux.HandleFunc("GET /oauth2/userinfo", h.getUserInfo)
	mux.HandleFunc("POST /oauth2/userinfo", h.postUserInfo)
	mux.HandleFunc("/oauth2/userinfo", h.otherOAuthMethod)

	// Signing out, and signing out to sign in again.
	mux.HandleFunc("GET /logout", h.getLogout)
	mux.HandleFunc("POST /logout", h.postLogout)

	// The links of a risky sign-in's email, "this was me" and "this
	// wasn't me": a page to confirm, whose form records the feedback.
	mux.HandleFunc("GET /feedback", h.getFeedback)
	mux.HandleFunc("POST /feedback", h.postFeedback)

	// OpenID discovery: the provider's metadata and public keys.
	mux.HandleFunc("GET /.well-known/openid-configuration", h.getDiscovery)
	mux.HandleFunc("/.well-known/openid-configuration", h.otherMethod)
	// token.JWKSHandler answers HEAD and refuses other methods itself.
	mux.HandleFunc("/.well-known/jwks.json", h.jwks)

	// Signing in with a username and password.
	mux.HandleFunc("GET /login", h.getLogin)
	mux.HandleFunc("POST /login", h.postLogin)

	// Signing in with a passkey: the login form's passkey button starts
	// it (with the username typed, or none), and the passkey page runs the
	// browser's ceremony and posts the credential back.
	mux.HandleFunc("POST /login/passkey", h.postLoginPasskey)
	mux.HandleFunc("GET /passkey", h.getPasskey)
	mux.HandleFunc("POST /passkey", h.postPasskey)

	// The offer to add a passkey after a sign-in, before the code goes to
	// the client: "Add a passkey" posts the new credential, "Not now"
	// declines (remembered in this browser).
	mux.HandleFunc("GET /passkeys/add", h.getAddPasskey)
	mux.HandleFunc("POST /passkeys/add", h.postAddPasskey)

	// Signing in at an identity provider: a login-page button, or an
	// email routed by its domain; the provider answers at idpresponse.
	mux.HandleFunc("GET /login/idp", h.getLoginIdP)
	mux.HandleFunc("POST /login/idp", h.postLoginIdP)
	mux.HandleFunc("GET /oauth2/idpresponse", h.idpResponse)
	mux.HandleFunc("POST /oauth2/idpresponse", h.idpResponse)
	mux.HandleFunc("POST /saml2/idpresponse", h.idpResponse)
	// The pool's SAML service-provider metadata for one SAML provider, a
	// stable URL to give that IdP.
	mux.HandleFunc("GET /saml2/metadata/{provider}", h.getSAMLMetadata)

	// Signing up, and confirming the account with the code sent.
	mux.HandleFunc("GET /signup", h.getSignup)
	mux.HandleFunc("POST /signup", h.postSignup)
	mux.HandleFunc("GET /confirmUser", h.getConfirmUser)
	mux.HandleFunc("POST /confirmUser", h.postConfirmUser)

	// Resetting a forgotten password. Cognito documents the second page
	// as confirmforgotPassword; the pages link to confirmForgotPassword.
	mux.HandleFunc("GET /forgotPassword", h.getForgotPassword)
	mux.HandleFunc("POST /forgotPassword", h.postForgotPassword)
	mux.HandleFunc("GET /confirmForgotPassword", h.getConfirmForgotPassword)
	mux.HandleFunc("POST /confirmForgotPassword", h.postConfirmForgotPassword)
	mux.HandleFunc("GET /confirmforgotPassword", h.getConfirmForgotPassword)
	mux.HandleFunc("POST /confirmforgotPassword", h.postConfirmForgotPassword)

	// The challenges of a sign-in: an MFA code, a choice of factor, an
	// authenticator app to set up, a new password.
	mux.HandleFunc("GET /mfa", h.getMFA)
	mux.HandleFunc("POST /mfa", h.postMFA)
	mux.HandleFunc("GET /selectMfa", h.getSelectMFA)
	mux.HandleFunc("POST /selectMfa", h.postSelectMFA)
	mux.HandleFunc("GET /mfaSetup", h.getMFASetup)
	mux.HandleFunc("POST /mfaSetup", h.postMFASetup)
	mux.HandleFunc("GET /newPassword", h.getNewPassword)
	mux.HandleFunc("POST /newPassword", h.postNewPassword)

	// Stylesheets, images and the logo of the pages. Without the second
	// pattern ServeMux would redirect /assets to /assets/, a Location
	// that lacks the base path when ServeHTTP has removed it.
	mux.HandleFunc("GET /assets/{name...}", h.getAsset)
	mux.HandleFunc("/assets", h.noRoute)

	// Everything else gets the hosted UI's own 404 page or a 405, never
	// ServeMux's plain-text answers.
	mux.HandleFunc("/", h.noRoute)
	return mux
}

// noRoute answers a request no route takes: 405 when its path has routes
// for other methods, else the "not found" page.
func (h *handler) noRoute(w http.ResponseWriter, r *http.Request) {
	if allow := h.allowed(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h.notFound(w)
}

// notFound is the "not found" page.
func (h *handler) notFound(w http.ResponseWriter) {
	h.errorPage(w, http.StatusNotFound, "This page does not exist.")
}

// otherMethod answers the methods a cross-origin endpoint has no route
// for: a browser's CORS preflight, else as noRoute does.
func (h *handler) otherMethod(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	h.noRoute(w, r)
}

// otherOAuthMethod is otherMethod for the endpoints that answer OAuth
// clients: their 405 is an OAuth error too.
func (h *handler) otherOAuthMethod(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	allow := h.allowed(r)
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeJSON(w, http.StatusMethodNotAllowed, newOAuthError("invalid_request", "use "+strings.Join(allow, " or "), 0))
}

// allowed lists the methods of GET and POST that r's path has a route for,
// asking the mux so that routes stays the one list of them. Allow names no
// other: HEAD goes with GET, and OPTIONS is only ever a CORS preflight.
func (h *handler) allowed(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.WithContext(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); strings.HasPrefix(pattern, m+" ") {
			out = append(out, m)
		}
	}
	return out
}
