package hostedui

import (
	"errors"
	"net/http"

	"github.com/cupola-auth/cupola/userpool"
)

// postRevoke is the revocation endpoint (RFC 7009): it revokes a refresh
// token and everything issued from its sign-in. Unknown or already revoked
// tokens get 200; a JWT (access or ID token) unsupported_token_type; a
// client with revocation turned off invalid_request (Cognito's answers); a
// store failure 503, never a false success.
func (h *handler) postRevoke(w http.ResponseWriter, r *http.Request) {
	allowOrigin(w, r)
	form, perr := postForm(w, r)
	if perr != nil {
		writeOAuthError(w, newOAuthError("invalid_request", perr.msg, perr.status))
		return
	}
	id, secret, basic, e := clientCredentials(r, form)
	if e != nil {
		writeOAuthError(w, e)
		return
	}
	if id == "" {
		writeOAuthError(w, &oauthError{Code: "invalid_client", Description: "client authentication failed", status: http.StatusUnauthorized, basic: basic})
		return
	}
	tok := form.Get("token")
	if tok == "" {
		writeOAuthError(w, newOAuthError("invalid_request", "token is required", http.StatusBadRequest))
		return
	}
	_, err := h.pool.RevokeToken(r.Context(), userpool.RevokeTokenInput{Token: tok, ClientID: id, ClientSecret: secret})
	if err == nil {
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		return
	}
	out := h.revokeError(r, err)
	out.basic = basic
	writeOAuthError(w, out)
}

func (h *handler) revokeError(r *http.Request, err error) *oauthError {
	var pe *userpool.Error
	if !errors.As(err, &pe) {
		return h.fromPool(r, err)
	}
	switch pe.Code {
	case userpool.CodeUnsupportedTokenType:
		return newOAuthError("unsupported_token_type", "only refresh tokens can be revoked", http.StatusBadRequest)
	case userpool.CodeUnsupportedOperation:
		return newOAuthError("invalid_request", "token revocation is disabled for this client", http.StatusBadRequest)
	case userpool.CodeInvalidParameter:
		return newOAuthError("invalid_request", pe.Message, http.StatusBadRequest)
	case userpool.CodeResourceNotFound:
		return newOAuthError("invalid_client", "client authentication failed", http.StatusUnauthorized)
	case userpool.CodeNotAuthorized:
		return newOAuthError("invalid_client", "client authentication failed", http.StatusUnauthorized)
	case userpool.CodeUnauthorizedClient:
		return newOAuthError("invalid_grant", "the token was not issued to this client", http.StatusBadRequest)
	}
	h.cfg.Logger.ErrorContext(r.Context(), "token revocation failed", "err", err)
	return newOAuthError("temporarily_unavailable", "try again later", http.StatusServiceUnavailable)
}
