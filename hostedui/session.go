package hostedui

import (
	"crypto/subtle"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// Two cookies, both sealed (AES-GCM, see sealer), HttpOnly, SameSite=Lax,
// and Secure with the __Host- prefix when BaseURL is https:
//
//   - the session cookie anchors the browser: its CSRF secret, and once the
//     user has signed in, who (sub, username) and when (auth_time). It lives
//     SessionTTL and gives single sign-on across the pool's clients;
//   - the flow cookie carries one sign-in in progress: the validated
//     authorization request (client, redirect_uri, state, nonce, scopes,
//     PKCE challenge) and the pool's challenge session between pages. Pages
//     only ever read the redirect URI from it, so no form field or query
//     string can change where the code goes. It lives flowTTL.

const (
	sessionCookieName = "cupola_session"
	flowCookieName    = "cupola_flow"
	// flowTTL bounds a sign-in in progress (the pool's challenge sessions
	// last 3–15 minutes).
	flowTTL = 15 * time.Minute
	// csrfField is the hidden form field of the CSRF token, as Cognito's.
	csrfField = "_csrf"
)

// session is the session cookie's content.
type session struct {
	CSRF     string `json:"c"`
	Sub      string `json:"s,omitempty"`
	Username string `json:"u,omitempty"`
	// AuthTime is the sign-in time in Unix microseconds: the pool keeps
	// microseconds and compares it with the last password change.
	AuthTime int64 `json:"t,omitempty"`
	// Pool is the pool's record of the session (Principal.Session):
	// signing out everywhere ends it.
	Pool    string `json:"p,omitempty"`
	Expires int64  `json:"e"`
}

// principal is the signed-in user as the pool knows them.
func (s *session) principal() userpool.Principal {
	return userpool.Principal{Sub: s.Sub, Username: s.Username, AuthTime: s.authTime(), Session: s.Pool}
}

func (s *session) authTime() time.Time { return time.UnixMicro(s.AuthTime).UTC() }

// signedIn reports whether the session holds a principal.
func (s *session) signedIn() bool { return s != nil && s.Sub != "" }

// flow is the flow cookie's content.
type flow struct {
	Auth    userpool.Authorization `json:"a"`
	Expires int64                  `json:"e"`
	// Username pre-fills the next form (confirm, reset, challenges).
	Username string `json:"u,omitempty"`
	// Destination is where the last code went ("a***@e***.com").
	Destination string `json:"d,omitempty"`
	// Notice is shown once on the next page ("Your account is confirmed").
	Notice string `json:"n,omitempty"`
	// Alert is an error shown once on the next page.
	Alert string `json:"x,omitempty"`
	// Challenge is the pool's pending sign-in challenge.
	Challenge *challenge `json:"c,omitempty"`
	// Recovery are fresh recovery codes to show once after TOTP set-up;
	// the user is then signed in and only needs to continue.
	Recovery []string `json:"r,omitempty"`
	// Passkey is set when the sign-in in progress began with a passkey:
	// its user is not offered to add one.
	Passkey bool `json:"pk,omitempty"`
	// Offer is the sub of the user this flow has just signed in, who is
	// offered to add a passkey (/passkeys/add) before the code goes to the
	// client. The page completes the authorization only for that user's
	// session, so it never answers a flow that is still signing in.
	Offer string `json:"o,omitempty"`
}

// challenge is a pending challenge of a hosted sign-in.
type challenge struct {
	Name     userpool.ChallengeName `json:"n"`
	Session  string                 `json:"s"`
	Username string                 `json:"u"`
	// Choices are the factors of SELECT_MFA_TYPE; Required the attributes
	// NEW_PASSWORD_REQUIRED asks for.
	Choices  []string `json:"o,omitempty"`
	Required []string `json:"q,omitempty"`
	// Secret and URI are the TOTP secret being set up, kept so the set-up
	// page can be shown again after a wrong code.
	Secret string `json:"ts,omitempty"`
	URI    string `json:"tu,omitempty"`
	// Options are WEB_AUTHN's PublicKeyCredentialRequestOptions (JSON),
	// which the passkey page hands to navigator.credentials.get.
	Options string `json:"wo,omitempty"`
}

func (h *handler) cookieName(base string) string {
	if h.cfg.secure {
		return "__Host-" + base
	}
	return base
}

func (h *handler) cookiePath() string {
	if h.cfg.secure {
		return "/" // the __Host- prefix requires Path=/
	}
	return h.cfg.basePath + "/"
}

func (h *handler) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: h.cookieName(name), Value: value, Path: h.cookiePath(), HttpOnly: true,
		Secure: h.cfg.secure, SameSite: http.SameSiteLaxMode}
	if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
	} else {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

func (h *handler) readCookie(r *http.Request, name string) string {
	c, err := r.Cookie(h.cookieName(name))
	if err != nil {
		return ""
	}
	return c.Value
}

// readSession returns the browser's live session, or nil.
func (h *handler) readSession(r *http.Request) *session {
	var s session
	if err := h.seal.open(sessionCookieName, h.readCookie(r, sessionCookieName), &s); err != nil {
		return nil
	}
	if s.Expires <= h.cfg.Clock().Unix() || s.CSRF == "" {
		return nil
	}
	return &s
}

// ensureSession returns the live session or starts an anonymous one, so a
// page can carry a CSRF token.
func (h *handler) ensureSession(w http.ResponseWriter, r *http.Request) (*session, error) {
	if s := h.readSession(r); s != nil {
		return s, nil
	}
	return h.newSession(w, nil)
}

// newSession writes a fresh session cookie: a new CSRF secret always, so
// signing in rotates it (no session fixation).
func (h *handler) newSession(w http.ResponseWriter, pr *userpool.Principal) (*session, error) {
	csrf, err := randomToken(h.cfg.Random)
	if err != nil {
		return nil, err
	}
	s := &session{CSRF: csrf, Expires: h.cfg.Clock().Add(h.cfg.SessionTTL).Unix()}
	if pr != nil {
		s.Sub, s.Username, s.AuthTime, s.Pool = pr.Sub, pr.Username, pr.AuthTime.UnixMicro(), pr.Session
	}
	v, err := h.seal.seal(sessionCookieName, s)
	if err != nil {
		return nil, err
	}
	h.setCookie(w, sessionCookieName, v, h.cfg.SessionTTL)
	return s, nil
}

// checkCSRF compares a submitted token with the session's in constant time.
func checkCSRF(s *session, token string) bool {
	return s != nil && token != "" && subtle.ConstantTimeCompare([]byte(s.CSRF), []byte(token)) == 1
}

// readFlow returns the sign-in in progress, or nil.
func (h *handler) readFlow(r *http.Request) *flow {
	var f flow
	if err := h.seal.open(flowCookieName, h.readCookie(r, flowCookieName), &f); err != nil {
		return nil
	}
	if f.Expires <= h.cfg.Clock().Unix() || f.Auth.ClientID == "" || f.Auth.RedirectURI == "" {
		return nil
	}
	return &f
}

// writeFlow stores f, extending its life by flowTTL.
func (h *handler) writeFlow(w http.ResponseWriter, f *flow) error {
	f.Expires = h.cfg.Clock().Add(flowTTL).Unix()
	v, err := h.seal.seal(flowCookieName, f)
	if err != nil {
		return err
	}
	h.setCookie(w, flowCookieName, v, flowTTL)
	return nil
}

func (h *handler) clearFlow(w http.ResponseWriter) { h.setCookie(w, flowCookieName, "", 0) }

func (h *handler) clearSession(w http.ResponseWriter) { h.setCookie(w, sessionCookieName, "", 0) }

// randomToken returns 32 random bytes in base64url.
func randomToken(r io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// secretHash is the SECRET_HASH the pool expects for username at the
// flow's client: the hosted UI is trusted server-side code acting for the
// user, as Cognito's is. An error leaves it empty, and the pool then
// refuses the call itself.
func (h *handler) secretHash(r *http.Request, f *flow, username string) string {
	s, err := h.oauth.SecretHash(r.Context(), f.Auth.ClientID, username)
	if err != nil {
		h.cfg.Logger.WarnContext(r.Context(), "secret hash", "err", err)
	}
	return s
}

// The device cookie names the browser for the pool's risk assessor: a
// random ID, set once and kept a year, that lets the pool tell a user's
// usual browser from a new one. It carries nothing else, so it is not
// sealed; a browser can only ever present its own.
const (
	deviceCookieName = "cupola_device"
	deviceCookieTTL  = 365 * 24 * time.Hour
)

// deviceID returns the browser's device ID, giving it one if it has none.
func (h *handler) deviceID(w http.ResponseWriter, r *http.Request) string {
	if id := h.readCookie(r, deviceCookieName); len(id) == 43 && !strings.ContainsFunc(id, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')
	}) {
		return id
	}
	id, err := randomToken(h.cfg.Random)
	if err != nil {
		return ""
	}
	h.setCookie(w, deviceCookieName, id, deviceCookieTTL)
	return id
}
