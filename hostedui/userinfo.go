package hostedui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/cupola-auth/cupola/userpool"
)

// getUserInfo is the userInfo endpoint (OIDC Core §5.3): the claims of
// the access token in the Bearer header.
func (h *handler) getUserInfo(w http.ResponseWriter, r *http.Request) {
	allowOrigin(w, r)
	w.Header().Set("Cache-Control", "no-store")
	tok, ok, valid := bearerHeader(w, r)
	if valid {
		h.userInfo(w, r, tok, ok)
	}
}

// postUserInfo is getUserInfo with the token in the Bearer header or in
// the form body (RFC 6750 §2.2), not both.
func (h *handler) postUserInfo(w http.ResponseWriter, r *http.Request) {
	allowOrigin(w, r)
	w.Header().Set("Cache-Control", "no-store")
	tok, ok, valid := bearerHeader(w, r)
	if !valid {
		return
	}
	if r.Header.Get("Content-Type") != "" {
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
	h.userInfo(w, r, tok, ok)
}

// bearerHeader reads the token of the Authorization header, if there is
// one (ok). A malformed header is answered here (valid false).
func bearerHeader(w http.ResponseWriter, r *http.Request) (tok string, ok, valid bool) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "", false, true
	}
	scheme, rest, found := strings.Cut(auth, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(rest) == "" || len(r.Header.Values("Authorization")) > 1 {
		bearerError(w, http.StatusBadRequest, "invalid_request", "malformed Authorization header")
		return "", false, false
	}
	return strings.TrimSpace(rest), true, true
}

// userInfo answers with the claims of tok, or 401 without a token (ok
// false).
func (h *handler) userInfo(w http.ResponseWriter, r *http.Request, tok string, ok bool) {
	if !ok {
		// RFC 6750 §3.1: no error code when the request has no token.
		w.Header().Set("WWW-Authenticate", `Bearer realm="userinfo"`)
		writeJSON(w, http.StatusUnauthorized, newOAuthError("invalid_request", "an access token is required", 0))
		return
	}
	claims, err := h.oauth.UserInfo(r.Context(), tok)
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
