package hostedui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/cupola-auth/cupola/userpool"
)

// userInfo is /oauth2/userInfo (OIDC Core §5.3): GET or POST with the
// access token as a Bearer header, or in a POST form body (RFC 6750 §2.2),
// not both.
func (h *handler) userInfo(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeJSON(w, http.StatusMethodNotAllowed, newOAuthError("invalid_request", "use GET or POST", 0))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	tok, ok := "", false
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, rest, found := strings.Cut(auth, " ")
		if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(rest) == "" || len(r.Header.Values("Authorization")) > 1 {
			bearerError(w, http.StatusBadRequest, "invalid_request", "malformed Authorization header")
			return
		}
		tok, ok = strings.TrimSpace(rest), true
	}
	if r.Method == http.MethodPost && r.Header.Get("Content-Type") != "" {
		form, perr := postForm(w, r)
		if perr != nil {
			bearerError(w, perr.status, "invalid_request", perr.msg)
			return
		}
		if form.Has("access_token") {
			if ok {
				bearerError(w, http.StatusBadRequest, "invalid_request", "the token was sent in two ways")
				return
			}
			tok, ok = form.Get("access_token"), true
		}
	}
	if !ok {
		// RFC 6750 §3.1: no error code when the request has no token.
		w.Header().Set("WWW-Authenticate", `Bearer realm="userinfo"`)
		writeJSON(w, http.StatusUnauthorized, newOAuthError("invalid_request", "an access token is required", 0))
		return
	}
	claims, err := h.pool.UserInfo(r.Context(), tok)
	if err != nil {
		var pe *userpool.Error
		if errors.As(err, &pe) && pe.Code != userpool.CodeInternalError && pe.Code != userpool.CodeTooManyRequests {
			bearerError(w, http.StatusUnauthorized, "invalid_token", "the access token is invalid, expired or revoked")
			return
		}
		h.cfg.Logger.ErrorContext(r.Context(), "userinfo failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, newOAuthError("temporarily_unavailable", "try again later", 0))
		return
	}
	writeJSON(w, http.StatusOK, claims)
}

// bearerError answers as RFC 6750 §3 asks.
func bearerError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="userinfo", error="`+code+`", error_description="`+desc+`"`)
	writeJSON(w, status, newOAuthError(code, desc, status))
}
