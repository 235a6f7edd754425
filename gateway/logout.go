package gateway

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// revokeTimeout bounds the revocation of a refresh token at logout.
const revokeTimeout = 5 * time.Second

// logout is LogoutPath. A POST from the app's own pages signs out: it
// deletes every session cookie, revokes the session's refresh token at the
// provider's revocation endpoint when it has one (RFC 7009; best effort),
// and sends the browser to the provider's end_session_endpoint with
// client_id and the post-logout redirect, so the provider's own session
// ends too (without an end_session_endpoint, to PostLogoutRedirect
// directly). A GET, which any site can make a browser send, only shows a
// page whose button posts; a POST from another site is refused.
func (g *gateway) logout(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		g.confirmLogout(w)
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, POST")
		plain(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if !g.sameOrigin(r) {
		plain(w, http.StatusForbidden, "sign-out from another site refused")
		return
	}
	if s, _ := g.readSession(r, g.cfg.Now()); s != nil && s.RefreshToken != "" && g.meta.RevocationEndpoint != "" {
		if err := g.revoke(r.Context(), s.RefreshToken); err != nil {
			g.cfg.Logger.WarnContext(r.Context(), "gateway: refresh token revocation failed", "err", err)
		}
	}
	g.clearSession(w, r)
	if g.meta.EndSessionEndpoint == "" {
		redirect(w, g.cfg.postLogout)
		return
	}
	u, err := url.Parse(g.meta.EndSessionEndpoint)
	if err != nil {
		redirect(w, g.cfg.postLogout)
		return
	}
	q := u.Query()
	q.Set("client_id", g.cfg.ClientID)
	q.Set(g.cfg.logoutParam, g.cfg.postLogout)
	u.RawQuery = q.Encode()
	redirect(w, u.String())
}

// sameOrigin reports a POST sent by the app's own pages, as the browser
// tells: Sec-Fetch-Site, else Origin. A request with neither comes from no
// browser a forged page could drive.
func (g *gateway) sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	origin := r.Header.Get("Origin")
	return origin == "" || origin == g.cfg.signerOrigin
}

// confirmLogout is the page a GET of LogoutPath shows: one button that
// posts the sign-out. The form may end at the provider (its logout page),
// so the Content-Security-Policy allows that origin as a form target.
func (g *gateway) confirmLogout(w http.ResponseWriter) {
	target := g.cfg.postLogout
	if g.meta.EndSessionEndpoint != "" {
		target = g.meta.EndSessionEndpoint
	}
	formAction := "'self'"
	if u, err := url.Parse(target); err == nil && u.Host != "" {
		formAction += " " + u.Scheme + "://" + u.Host
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign out</title></head>
<body><form method="post" action="%s"><p>Do you want to sign out?</p><button type="submit">Sign out</button></form></body></html>
`, html.EscapeString(g.cfg.LogoutPath))
}

// revoke revokes a refresh token (RFC 7009 §2.1), authenticating as the
// client: HTTP Basic with a secret, client_id in the body without.
func (g *gateway) revoke(ctx context.Context, refreshToken string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), revokeTimeout)
	defer cancel()
	form := url.Values{"token": {refreshToken}, "token_type_hint": {"refresh_token"}}
	if g.cfg.ClientSecret == "" {
		form.Set("client_id", g.cfg.ClientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.meta.RevocationEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if g.cfg.ClientSecret != "" {
		req.SetBasicAuth(url.QueryEscape(g.cfg.ClientID), url.QueryEscape(g.cfg.ClientSecret))
	}
	res, err := g.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("revoke: status %d", res.StatusCode)
	}
	return nil
}
