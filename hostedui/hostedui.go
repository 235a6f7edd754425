package hostedui

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/cupola-auth/cupola/userpool"
)

// handler is the hosted UI: pages and OAuth endpoints for one pool.
type handler struct {
	pool  *userpool.UserPool
	cfg   *config
	seal  *sealer
	pages map[string]*template.Template
	// brandingCSS is the generated stylesheet of Options.Branding.
	brandingCSS []byte
}

// New returns the hosted UI of pool as an http.Handler. Mount it where
// Options.BaseURL points: it serves paths under BaseURL's path
// (BaseURL/login, BaseURL/oauth2/token…), whether the mux hands it the
// full path or a path with that prefix stripped.
//
// The pool's Issuer must equal BaseURL (trailing slash aside): the OpenID
// discovery document lives at Issuer/.well-known/openid-configuration and
// OIDC clients check that the issuer they asked for is the one it names.
func New(pool *userpool.UserPool, opts Options) (http.Handler, error) {
	if pool == nil {
		return nil, errors.New("hostedui: nil pool")
	}
	cfg, err := opts.check()
	if err != nil {
		return nil, err
	}
	if strings.TrimRight(pool.Issuer(), "/") != cfg.baseURL {
		return nil, fmt.Errorf("hostedui: options: BaseURL %q differs from the pool's issuer %q", cfg.baseURL, pool.Issuer())
	}
	h := &handler{pool: pool, cfg: cfg}
	if h.seal, err = newSealer(cfg.CookieKeys, cfg.Random); err != nil {
		return nil, err
	}
	if h.pages, err = loadTemplates(cfg.Templates); err != nil {
		return nil, err
	}
	h.brandingCSS = brandingStylesheet(cfg.Branding)
	return h, nil
}

// baseCSP is the Content-Security-Policy of every response: no script at
// all, styles and images from the hosted UI only (data: for the TOTP QR
// code), forms posting to itself, and no framing (RFC 9700 §4.16).
const baseCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// csp is baseCSP with one more form-action source: the origin of the
// client's redirect URI (see render).
func csp(formOrigin string) string {
	return strings.Replace(baseCSP, "form-action 'self'", "form-action 'self' "+formOrigin, 1)
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", baseCSP)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	if h.cfg.secure {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
	path := r.URL.Path
	if h.cfg.basePath != "" && (path == h.cfg.basePath || strings.HasPrefix(path, h.cfg.basePath+"/")) {
		path = strings.TrimPrefix(path, h.cfg.basePath)
	}
	switch path {
	case "/oauth2/authorize":
		h.authorize(w, r)
	case "/oauth2/token":
		h.token(w, r)
	case "/oauth2/userInfo", "/oauth2/userinfo":
		h.userInfo(w, r)
	case "/oauth2/revoke":
		h.revoke(w, r)
	case "/logout":
		h.logout(w, r)
	case "/.well-known/openid-configuration":
		h.discovery(w, r)
	case "/.well-known/jwks.json":
		h.jwks(w, r)
	case "/login":
		h.login(w, r)
	case "/signup":
		h.signup(w, r)
	case "/confirmUser":
		h.confirmUser(w, r)
	case "/forgotPassword":
		h.forgotPassword(w, r)
	case "/confirmForgotPassword", "/confirmforgotPassword":
		h.confirmForgotPassword(w, r)
	case "/mfa":
		h.mfa(w, r)
	case "/selectMfa":
		h.selectMFA(w, r)
	case "/mfaSetup":
		h.mfaSetup(w, r)
	case "/newPassword":
		h.newPassword(w, r)
	default:
		if name, ok := strings.CutPrefix(path, "/assets/"); ok {
			h.asset(w, r, name)
			return
		}
		h.errorPage(w, http.StatusNotFound, "This page does not exist.")
	}
}

// methods answers 405 unless r uses one of the allowed methods.
func methods(w http.ResponseWriter, r *http.Request, allowed ...string) bool {
	for _, m := range allowed {
		if r.Method == m || (m == http.MethodGet && r.Method == http.MethodHead) {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

// redirect sends the browser to an absolute URL: 303 after a POST (never
// 307, which would re-post the credentials: RFC 9700 §4.12), 302 after a
// GET.
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	status := http.StatusFound
	if r.Method == http.MethodPost {
		status = http.StatusSeeOther
	}
	w.Header().Set("Location", target)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
}
