package gateway

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// stateLen is the length of a state: 24 random bytes in base64url.
const stateLen = 32

// randomString returns n random bytes in base64url.
func (g *gateway) randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(g.cfg.Random, b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// startSignIn sends the browser to the provider's authorization endpoint
// with a fresh state, nonce and PKCE verifier, kept (with the page asked
// for) in a sealed sign-in cookie for flowTTL.
func (g *gateway) startSignIn(w http.ResponseWriter, r *http.Request) {
	now := g.cfg.Now()
	state, err1 := g.randomString(24)
	nonce, err2 := g.randomString(24)
	verifier, err3 := g.randomString(32) // 43 characters (RFC 7636 §4.1)
	if err := errors.Join(err1, err2, err3); err != nil {
		g.cfg.Logger.ErrorContext(r.Context(), "gateway: cannot start a sign-in", "err", err)
		plain(w, http.StatusInternalServerError, "internal error")
		return
	}
	f := flow{State: state, Nonce: nonce, Verifier: verifier, ReturnTo: returnPath(r.URL), Expiry: now.Add(flowTTL).Unix()}
	pt, err := json.Marshal(f)
	if err != nil {
		plain(w, http.StatusInternalServerError, "internal error")
		return
	}
	name := g.flowName(state)
	value, err := g.flows.seal(pt, []byte(name))
	if err != nil {
		g.cfg.Logger.ErrorContext(r.Context(), "gateway: cannot start a sign-in", "err", err)
		plain(w, http.StatusInternalServerError, "internal error")
		return
	}
	// Sign-ins abandoned in other tabs: keep the header small.
	if old := g.flowCookies(r); len(old) >= maxFlows {
		for _, n := range old {
			g.deleteCookie(w, r, n)
		}
	}
	g.setCookie(w, r, name, value, int(flowTTL/time.Second))
	redirect(w, g.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)))
}

// returnPath is where the browser goes back after signing in: the path
// and query it asked for, on this host. Anything a browser could read as
// another host (//evil, /\evil, control characters) becomes "/".
func returnPath(u *url.URL) string {
	p := u.EscapedPath()
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return safeReturn(p)
}

// safeReturn returns p if it is a path on this host, else "/".
func safeReturn(p string) string {
	if len(p) > 2048 || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return "/"
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x21 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil {
		return "/"
	}
	return p
}

// validState reports whether s looks like a state this gateway made, so it
// may be part of a cookie name.
func validState(s string) bool {
	if len(s) != stateLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// callback is RedirectURL: it checks the state against the sign-in
// cookie, exchanges the code with the PKCE verifier, verifies the ID token
// (signature, iss, aud, exp, nonce), stores the session and sends the
// browser back to the page it asked for.
func (g *gateway) callback(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		// Not even HEAD: only a browser following the provider's redirect
		// may spend the sign-in.
		w.Header().Set("Allow", http.MethodGet)
		plain(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	now := g.cfg.Now()
	q := r.URL.Query()
	state := q.Get("state")
	if !validState(state) {
		plain(w, http.StatusBadRequest, "invalid sign-in response")
		return
	}
	name := g.flowName(state)
	value, ok := cookieValue(r, name)
	if !ok {
		plain(w, http.StatusBadRequest, "this sign-in expired or was started in another browser: open the page again")
		return
	}
	g.deleteCookie(w, r, name) // one use
	f, err := g.openFlow(value, name)
	if err != nil || subtle.ConstantTimeCompare([]byte(f.State), []byte(state)) != 1 {
		plain(w, http.StatusBadRequest, "invalid sign-in response")
		return
	}
	if now.Unix() >= f.Expiry {
		plain(w, http.StatusBadRequest, "this sign-in expired: open the page again")
		return
	}
	if iss := q.Get("iss"); (iss != "" || g.meta.IssParameter) && iss != g.cfg.Issuer {
		// RFC 9207: the response comes from another provider (mix-up).
		g.cfg.Logger.WarnContext(r.Context(), "gateway: authorization response from another issuer")
		plain(w, http.StatusBadRequest, "invalid sign-in response")
		return
	}
	if code := q.Get("error"); code != "" {
		g.cfg.Logger.InfoContext(r.Context(), "gateway: the provider refused the sign-in", "error", safeCode(code))
		plain(w, http.StatusUnauthorized, "sign-in failed: "+safeCode(code))
		return
	}
	code := q.Get("code")
	if code == "" {
		plain(w, http.StatusBadRequest, "invalid sign-in response")
		return
	}

	ctx := oidc.ClientContext(r.Context(), g.cfg.HTTPClient)
	tok, err := g.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		g.signInFailed(w, r, "code exchange", err)
		return
	}
	s, err := g.newSession(ctx, tok, f.Nonce, now)
	if err != nil {
		g.signInFailed(w, r, "id token", err)
		return
	}
	if err := g.writeSession(w, r, s, now); err != nil {
		g.cfg.Logger.ErrorContext(r.Context(), "gateway: cannot write the session", "err", err)
		plain(w, http.StatusInternalServerError, "the session is too large")
		return
	}
	redirect(w, safeReturn(f.ReturnTo))
}

func (g *gateway) openFlow(value, name string) (*flow, error) {
	if len(value) > 2*chunkSize {
		return nil, fmt.Errorf("sign-in cookie too large: %w", errSession)
	}
	pt, err := g.flows.open(value, []byte(name))
	if err != nil {
		return nil, err
	}
	return decodeFlow(pt)
}

// signInFailed answers a failed exchange or ID token: 502 when the
// provider could not be reached, 400 when it refused the code or sent a
// token that does not verify.
func (g *gateway) signInFailed(w http.ResponseWriter, r *http.Request, step string, err error) {
	var re *oauth2.RetrieveError
	status := http.StatusBadRequest
	if step == "code exchange" && !errors.As(err, &re) {
		status = http.StatusBadGateway
	}
	g.cfg.Logger.WarnContext(r.Context(), "gateway: sign-in failed", "step", step, "err", err)
	plain(w, status, "sign-in failed: open the page again")
}

// newSession verifies the ID token of a code exchange (with its nonce)
// and makes the session.
func (g *gateway) newSession(ctx context.Context, tok *oauth2.Token, nonce string, now time.Time) (*session, error) {
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return nil, errors.New("no id_token in the token response")
	}
	id, err := g.verifier.Verify(ctx, rawID)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(id.Nonce), []byte(nonce)) != 1 {
		return nil, errors.New("id token nonce does not match")
	}
	if id.Subject == "" {
		return nil, errors.New("id token without sub")
	}
	if id.AccessTokenHash != "" {
		if err := id.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, err
		}
	}
	var claims json.RawMessage
	if err := id.Claims(&claims); err != nil {
		return nil, err
	}
	return &session{IDClaims: claims, Subject: id.Subject, AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken,
		AccessExpiry: accessExpiry(tok, id.Expiry, now).Unix(), Expiry: now.Add(g.cfg.SessionTTL).Unix()}, nil
}

// accessExpiry is when an access token lapses: expires_in from now (the
// gateway's clock), else the expiry x/oauth2 computed, else the ID token's
// (zero when there is none).
func accessExpiry(tok *oauth2.Token, idExpiry, now time.Time) time.Time {
	switch {
	case tok.ExpiresIn > 0:
		return now.Add(time.Duration(tok.ExpiresIn) * time.Second)
	case !tok.Expiry.IsZero():
		return tok.Expiry
	}
	return idExpiry
}

// safeCode keeps an OAuth error code's allowed characters (RFC 6749
// §5.2), so it may be echoed.
func safeCode(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '?'
		}
	}
	return string(b)
}
