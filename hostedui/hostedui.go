package hostedui

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"path"
	"strings"

	"github.com/cupola-auth/cupola/userpool"
)

// handler is the hosted UI: pages and OAuth endpoints for one pool.
type handler struct {
	pool  *userpool.UserPool
	oauth *userpool.OAuthServer // the pool's OAuth surface: hosted sign-in, codes, tokens
	cfg   *config
	seal  *sealer
	mux   *http.ServeMux // see routes
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
	h := &handler{pool: pool, oauth: pool.OAuth(), cfg: cfg}
	if h.seal, err = newSealer(cfg.CookieKeys, cfg.Random); err != nil {
		return nil, err
	}
	if h.pages, err = loadTemplates(cfg.Templates); err != nil {
		return nil, err
	}
	h.brandingCSS = brandingStylesheet(cfg.Branding)
	h.mux = h.routes()
	return h, nil
}

// baseCSP is the Content-Security-Policy of every response: no script at
// all, styles and images from the hosted UI only (data: for the TOTP QR
// code), forms posting to itself, and no framing (RFC 9700 §4.16).
const baseCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// csp is baseCSP with one more form-action source, the origin of the
// client's redirect URI (see render), when formOrigin is set; and with
// scripts, when script is set, from the hosted UI's origin only: the
// passkey pages load assets/passkey.js, and nothing inline or from
// elsewhere runs. connect-src stays 'none' (default-src), so even that
// script can reach nothing but its own form.
func csp(formOrigin string, script bool) string {
	p := baseCSP
	if formOrigin != "" {
		p = strings.Replace(p, "form-action 'self'", "form-action 'self' "+formOrigin, 1)
	}
	if script {
		p = strings.Replace(p, "default-src 'none'; ", "default-src 'none'; script-src 'self'; ", 1)
	}
	return p
}

// ServeHTTP sets the security headers every answer carries, takes
// BaseURL's path off the request's path when the outer mux left it on, and
// hands the request to the routes.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", baseCSP)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	if h.cfg.secure {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if p := h.cfg.basePath; p != "" && (r.URL.Path == p || strings.HasPrefix(r.URL.Path, p+"/")) {
		r = withoutPrefix(r, p)
	}
	if !cleanPath(r.URL.EscapedPath()) {
		// ServeMux would redirect to the cleaned path, and that Location
		// would lack the base path just taken off. No page has such a path.
		h.notFound(w)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// withoutPrefix is r with prefix taken off its path. http.StripPrefix
// would also turn /authx into x, and answer with ServeMux's plain 404 when
// the escaped path differs.
func withoutPrefix(r *http.Request, prefix string) *http.Request {
	u := *r.URL
	u.Path = strings.TrimPrefix(u.Path, prefix)
	// ServeMux matches the escaped path (where %2F stays inside a
	// segment), so RawPath loses the prefix too; without it, EscapedPath
	// escapes Path again.
	if rp, ok := strings.CutPrefix(u.RawPath, prefix); ok {
		u.RawPath = rp
	} else {
		u.RawPath = ""
	}
	r = r.WithContext(r.Context())
	r.URL = &u
	return r
}

// cleanPath reports whether ServeMux takes p as it is rather than
// redirecting to its cleaned form: an absolute path with no empty, . or ..
// segment (a trailing slash is kept).
func cleanPath(p string) bool {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return strings.HasPrefix(p, "/") && c == p
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
