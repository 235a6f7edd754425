package gateway

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// gateway is the handler New returns.
type gateway struct {
	cfg      *config
	provider *oidc.Provider
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	meta     providerExtras
	sessions *sealer // seals session cookies
	flows    *sealer // seals sign-in cookies
	refresh  *refresher
}

// providerExtras are the discovery fields go-oidc does not expose.
type providerExtras struct {
	EndSessionEndpoint string `json:"end_session_endpoint"`
	RevocationEndpoint string `json:"revocation_endpoint"`
	// IssParameter: the provider puts iss in authorization responses
	// (RFC 9207), so a response without it is refused.
	IssParameter bool `json:"authorization_response_iss_parameter_supported"`
}

// New checks opts, reads the provider's OpenID configuration (so New
// fails fast on a wrong issuer, within ctx and at most DefaultHTTPTimeout)
// and returns the gateway: an http.Handler that serves opts.Upstream only
// to signed-in users. ctx bounds only this construction: the gateway keeps
// nothing of it, and calls the provider later under each request's
// context.
//
// A request without a valid session is answered by the gateway: a
// browser navigating (GET or HEAD accepting text/html) is redirected to
// the provider's authorization endpoint with PKCE (S256), state and
// nonce; anything else gets 401. The gateway answers its callback
// (RedirectURL's path) and opts.LogoutPath itself. Errors match ErrConfig
// or ErrDiscovery.
func New(ctx context.Context, opts Options) (http.Handler, error) {
	cfg, err := opts.check()
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	ctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, cfg.HTTPClient), DefaultHTTPTimeout)
	defer cancel()
	provider, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w: %w", ErrDiscovery, err)
	}
	g := &gateway{cfg: cfg, provider: provider}
	if err := provider.Claims(&g.meta); err != nil {
		return nil, fmt.Errorf("gateway: %w: %w", ErrDiscovery, err)
	}
	for _, ep := range []string{g.meta.EndSessionEndpoint, g.meta.RevocationEndpoint} {
		if ep != "" {
			if err := checkSecureURL(ep); err != nil {
				return nil, fmt.Errorf("gateway: %w: endpoint %v", ErrDiscovery, err)
			}
		}
	}
	g.oauth = oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: provider.Endpoint(),
		RedirectURL: cfg.RedirectURL, Scopes: cfg.Scopes}
	g.verifier = provider.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: cfg.Now})
	if g.sessions, err = newSealer(cfg.CookieKeys, "session", cfg.Random); err != nil {
		return nil, fmt.Errorf("gateway: %w: %w", ErrConfig, err)
	}
	if g.flows, err = newSealer(cfg.CookieKeys, "sign-in", cfg.Random); err != nil {
		return nil, fmt.Errorf("gateway: %w: %w", ErrConfig, err)
	}
	g.refresh = newRefresher(cfg.Now)
	return g, nil
}

// ServeHTTP strips identity headers, answers the callback and logout
// paths, and forwards signed-in requests (refreshing the access token when
// due) to the upstream.
func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r = r.WithContext(r.Context()) // a shallow copy: the caller's request stays as it was
	r.Header = r.Header.Clone()
	if r.Header == nil {
		r.Header = http.Header{}
	}
	stripIdentity(r.Header)

	switch r.URL.Path {
	case g.cfg.callbackPath:
		g.callback(w, r)
		return
	case g.cfg.LogoutPath:
		g.logout(w, r)
		return
	}

	now := g.cfg.Now()
	s, present := g.readSession(r, now)
	if s != nil && s.stale(now) {
		fresh, err := g.refresh.do(r.Context(), s, func(ctx context.Context) (*session, error) {
			return g.refreshSession(ctx, s)
		})
		switch {
		case err != nil:
			g.cfg.Logger.InfoContext(r.Context(), "gateway: refresh failed; signing in again", "err", err)
			s = nil
		default:
			if err := g.writeSession(w, r, fresh, now); err != nil {
				g.cfg.Logger.ErrorContext(r.Context(), "gateway: cannot write the session", "err", err)
				s = nil
			} else {
				s = fresh
			}
		}
	}
	if s == nil && present {
		g.clearSession(w, r)
	}
	if s == nil {
		if g.cfg.AllowUnauthenticated != nil && g.cfg.AllowUnauthenticated(r) {
			g.forward(w, r, nil)
			return
		}
		g.unauthenticated(w, r)
		return
	}
	g.forward(w, r, s)
}

// identityPrefix starts the headers an ALB sets, which a client must never
// set itself.
const identityPrefix = "X-Amzn-Oidc-"

// stripIdentity deletes every X-Amzn-Oidc-* header, whatever its case,
// and drops those names from Connection, where they would make a proxy
// (httputil.ReverseProxy) delete the headers the gateway sets.
func stripIdentity(h http.Header) {
	for k := range h {
		if isIdentityHeader(k) {
			delete(h, k)
		}
	}
	conn := h.Values("Connection")
	if len(conn) == 0 {
		return
	}
	var kept []string
	for _, v := range conn {
		for tok := range strings.SplitSeq(v, ",") {
			if tok = strings.TrimSpace(tok); tok != "" && !isIdentityHeader(tok) {
				kept = append(kept, tok)
			}
		}
	}
	h.Del("Connection")
	if len(kept) > 0 {
		h.Set("Connection", strings.Join(kept, ", "))
	}
}

func isIdentityHeader(name string) bool {
	return len(name) >= len(identityPrefix) && strings.EqualFold(name[:len(identityPrefix)], identityPrefix)
}

// forward hands the request to the upstream, without the gateway's
// cookies, with the user's claims in its context and, when configured,
// the identity headers.
func (g *gateway) forward(w http.ResponseWriter, r *http.Request, s *session) {
	g.stripOwnCookies(r.Header)
	if s != nil {
		c, err := newClaims(s)
		if err != nil {
			// The session was sealed by this gateway, so this is a bug.
			g.cfg.Logger.ErrorContext(r.Context(), "gateway: unreadable session claims", "err", err)
			plain(w, http.StatusInternalServerError, "internal error")
			return
		}
		if g.cfg.IdentityHeaders {
			data, err := g.signData(c, s)
			if err != nil {
				g.cfg.Logger.ErrorContext(r.Context(), "gateway: cannot sign identity data", "err", err)
				plain(w, http.StatusInternalServerError, "internal error")
				return
			}
			r.Header.Set("X-Amzn-Oidc-Identity", c.Subject)
			r.Header.Set("X-Amzn-Oidc-Accesstoken", s.AccessToken)
			r.Header.Set("X-Amzn-Oidc-Data", data)
		}
		r = r.WithContext(ContextWithClaims(r.Context(), c))
	}
	g.cfg.Upstream.ServeHTTP(w, r)
}

// unauthenticated answers a request without a session: a redirect to the
// provider for a browser navigating, 401 for anything else (an API call,
// a fetch, a form post), as a redirect would only break it.
func (g *gateway) unauthenticated(w http.ResponseWriter, r *http.Request) {
	if !isNavigation(r) {
		plain(w, http.StatusUnauthorized, "authentication required")
		return
	}
	g.startSignIn(w, r)
}

// isNavigation reports whether r is a browser loading a page: GET or
// HEAD, accepting text/html, and not a fetch (Sec-Fetch-Mode, when sent,
// is navigate).
func isNavigation(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if m := r.Header.Get("Sec-Fetch-Mode"); m != "" && m != "navigate" {
		return false
	}
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(strings.ToLower(v), "text/html") {
			return true
		}
	}
	return false
}

// plain writes a short uncacheable text answer.
func plain(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}

// redirect answers 302 to a location the gateway built or checked.
func redirect(w http.ResponseWriter, location string) {
	h := w.Header()
	h.Set("Location", location)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}
