package gateway

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// revokeTimeout bounds the revocation of a refresh token at logout.
const revokeTimeout = 5 * time.Second

// logout is LogoutPath (GET or POST): it deletes every session cookie,
// revokes the session's refresh token at the provider's revocation
// endpoint when it has one (RFC 7009; best effort), and sends the browser
// to the provider's end_session_endpoint with client_id and the
// post-logout redirect, so the provider's own session ends too. Without an
// end_session_endpoint the browser goes to PostLogoutRedirect directly.
func (g *gateway) logout(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		plain(w, http.StatusMethodNotAllowed, "method not allowed")
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
