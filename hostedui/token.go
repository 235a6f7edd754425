package hostedui

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/cupola-auth/cupola/userpool"
)

// oauthError is an RFC 6749 §5.2 error answer.
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
	status      int
	basic       bool // the client authenticated with HTTP Basic
}

func (e *oauthError) Error() string { return e.Code }

func newOAuthError(code, desc string, status int) *oauthError {
	return &oauthError{Code: code, Description: desc, status: status}
}

// writeJSON answers with v as JSON, never cached (RFC 6749 §5.1).
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Pragma", "no-cache")
	writeJSONCache(w, status, v, "no-store")
}

// writeJSONCache answers with v as JSON and the given Cache-Control.
func writeJSONCache(w http.ResponseWriter, status int, v any, cacheControl string) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"server_error"}`)
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json;charset=UTF-8")
	hd.Set("Cache-Control", cacheControl)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeOAuthError answers with e; invalid_client after Basic
// authentication is a 401 with a Basic challenge (RFC 6749 §5.2).
func writeOAuthError(w http.ResponseWriter, e *oauthError) {
	status := e.status
	if status < 400 || status > 599 {
		status = http.StatusBadRequest
	}
	if e.Code == "invalid_client" && e.basic {
		status = http.StatusUnauthorized
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth2", charset="UTF-8"`)
	}
	writeJSON(w, status, e)
}

// fromPool maps a pool error (an *OAuthError from Token, or any other) to
// the answer.
func (h *handler) fromPool(r *http.Request, err error) *oauthError {
	var oe *userpool.OAuthError
	if errors.As(err, &oe) {
		if oe.Status >= 500 {
			h.cfg.Logger.ErrorContext(r.Context(), "oauth endpoint failed", "path", r.URL.Path, "err", err)
		}
		return newOAuthError(oe.Code, oe.Description, oe.Status)
	}
	h.cfg.Logger.ErrorContext(r.Context(), "oauth endpoint failed", "path", r.URL.Path, "err", err)
	return newOAuthError("server_error", "temporarily unavailable", http.StatusInternalServerError)
}

// allowOrigin lets browser apps (public clients with PKCE) read the
// answers of the endpoints that take no cookie. It reports whether the
// request came from a browser app (has an Origin).
func allowOrigin(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Origin") == "" {
		return false
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	return true
}

// cors is allowOrigin that also answers a preflight (OPTIONS with an
// Origin) itself, for the handlers that take every method no route takes.
func cors(w http.ResponseWriter, r *http.Request) (preflight bool) {
	if !allowOrigin(w, r) {
		return false
	}
	hd := w.Header()
	if r.Method == http.MethodOptions {
		hd.Set("Access-Control-Allow-Methods", "GET, POST")
		hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		hd.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// clientCredentials reads the client's authentication: HTTP Basic
// (client_secret_basic, values form-encoded as RFC 6749 §2.3.1 says) or
// client_id/client_secret in the body (client_secret_post). Both at once
// must agree.
func clientCredentials(r *http.Request, form url.Values) (id, secret string, basic bool, e *oauthError) {
	id, secret = form.Get("client_id"), form.Get("client_secret")
	if r.Header.Get("Authorization") == "" {
		return id, secret, false, nil
	}
	bad := &oauthError{Code: "invalid_client", Description: "malformed client authentication", status: http.StatusUnauthorized, basic: true}
	if len(r.Header.Values("Authorization")) > 1 {
		return "", "", true, bad
	}
	u, p, ok := r.BasicAuth()
	if !ok {
		return "", "", true, bad
	}
	bu, err1 := url.QueryUnescape(u)
	bp, err2 := url.QueryUnescape(p)
	if err1 != nil || err2 != nil || bu == "" {
		return "", "", true, bad
	}
	if (id != "" && id != bu) || (form.Has("client_secret") && secret != bp) {
		return "", "", true, &oauthError{Code: "invalid_request", Description: "the client authenticated in two different ways", status: http.StatusBadRequest, basic: true}
	}
	return bu, bp, true, nil
}

// tokenResponse is the token endpoint's success answer.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

// postToken is the token endpoint (RFC 6749 §3.2): authorization_code,
// refresh_token and client_credentials.
func (h *handler) postToken(w http.ResponseWriter, r *http.Request) {
	allowOrigin(w, r)
	form, perr := postForm(w, r)
	if perr != nil {
		writeOAuthError(w, newOAuthError("invalid_request", perr.msg, perr.status))
		return
	}
	if strings.Contains(r.URL.RawQuery, "=") {
		// Credentials and codes belong in the body, never in logged URLs.
		writeOAuthError(w, newOAuthError("invalid_request", "parameters must be sent in the body", http.StatusBadRequest))
		return
	}
	id, secret, basic, e := clientCredentials(r, form)
	if e != nil {
		writeOAuthError(w, e)
		return
	}
	res, err := h.oauth.Token(r.Context(), userpool.TokenRequest{GrantType: form.Get("grant_type"), Code: form.Get("code"),
		RedirectURI: form.Get("redirect_uri"), CodeVerifier: form.Get("code_verifier"), RefreshToken: form.Get("refresh_token"),
		Scope: form.Get("scope"), ClientID: id, ClientSecret: secret})
	if err != nil {
		e := h.fromPool(r, err)
		e.basic = basic
		writeOAuthError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, tokenResponse{AccessToken: res.AccessToken, IDToken: res.IDToken,
		RefreshToken: res.RefreshToken, TokenType: res.TokenType, ExpiresIn: res.ExpiresIn})
}
