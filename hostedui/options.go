package hostedui

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/cupola-auth/cupola/internal/secret"
)

// Options configures the hosted UI. BaseURL and CookieKeys are required;
// every other zero value is a safe default.
type Options struct {
	// BaseURL is the public, absolute URL the handler is reached at, for
	// example "https://auth.example.com" or "http://127.0.0.1:8080/auth".
	// Every absolute URL the handler emits (discovery, redirects to its
	// own pages, form actions, assets) is built from it, never from the
	// request's Host or X-Forwarded-Host. It must equal the pool's Issuer.
	BaseURL string
	// CookieKeys seal the session and sign-in cookies (AES-256-GCM under a
	// key derived from each). Each must be at least 32 random bytes. The
	// first seals; all of them open, so a new key is rotated in by putting
	// it first and dropping the old one once its cookies have expired
	// (SessionTTL).
	CookieKeys [][]byte
	// SessionTTL is how long a hosted sign-in is remembered (single
	// sign-on across the pool's clients); zero means one hour.
	SessionTTL time.Duration
	// SignUpAttributes are the user attributes the sign-up page asks for,
	// besides username and password; nil means {"email"}.
	SignUpAttributes []string
	// Branding sets the logo, colours and custom CSS.
	Branding Branding
	// Templates overrides page templates by file name (layout.html,
	// login.html, … as in the embedded templates/ folder). Files it lacks
	// come from the embedded set.
	Templates fs.FS
	// Assets overrides or adds files served under <BaseURL>/assets/ (for
	// example style.css). Files it lacks come from the embedded set.
	Assets fs.FS
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// Logger receives operational events (never secrets); nil discards.
	Logger *slog.Logger
	// Random is the source of CSRF tokens and cookie nonces; nil means
	// crypto/rand. Only tests should set it.
	Random io.Reader
}

// Branding customizes the pages as Cognito's hosted UI customization does.
// Pages keep Cognito's CSS class names (banner-customizable,
// submitButton-customizable…), so CSS written for Cognito carries over.
type Branding struct {
	// Title is the product name shown in page titles and, without a logo,
	// in the banner. Empty shows none.
	Title string
	// LogoName is the logo's text alternative (its accessible name); empty
	// means Title, or "Logo".
	LogoName string
	// LogoPNG is the logo image, PNG or JPEG, at most 100 KB (Cognito's
	// limit). Empty means no logo.
	LogoPNG []byte
	// Colours as CSS colour values (#rgb, #rrggbb, #rrggbbaa, rgb()/rgba()
	// or a colour name). Empty keeps the stylesheet's.
	BackgroundColor, TextColor, PrimaryColor, ButtonTextColor, ErrorColor string
	// CSS is appended to the generated branding stylesheet, after the
	// colours, so it can override anything.
	CSS string
	// LegalText is shown at the foot of every page.
	LegalText string
}

// maxLogoBytes is Cognito's logo size limit.
const maxLogoBytes = 100 << 10

var colourPattern = regexp.MustCompile(`^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,30}|rgba?\([0-9.,% ]{1,40}\))$`)

// config is Options checked and completed.
type config struct {
	Options
	base     *url.URL // BaseURL without a trailing slash
	baseURL  string   // base.String()
	basePath string   // base.Path, "" for the root
	secure   bool
	logoType string
}

func (o Options) check() (*config, error) {
	c := &config{Options: o}
	if o.BaseURL == "" {
		return nil, errors.New("hostedui: options: BaseURL is required")
	}
	u, err := url.Parse(o.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("hostedui: options: BaseURL %q must be an absolute http(s) URL without query or fragment", o.BaseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	c.base, c.baseURL, c.basePath = u, u.String(), u.Path
	c.secure = u.Scheme == "https"
	if len(o.CookieKeys) == 0 {
		return nil, errors.New("hostedui: options: CookieKeys needs at least one key")
	}
	for i, k := range o.CookieKeys {
		if len(k) < 32 {
			return nil, fmt.Errorf("hostedui: options: CookieKeys[%d] is shorter than 32 bytes", i)
		}
		if secret.Weak(k) {
			return nil, fmt.Errorf("hostedui: options: CookieKeys[%d] looks like a placeholder, not random bytes", i)
		}
	}
	if c.SessionTTL == 0 {
		c.SessionTTL = time.Hour
	}
	if c.SessionTTL < time.Minute || c.SessionTTL > 30*24*time.Hour {
		return nil, errors.New("hostedui: options: SessionTTL must be 1 min to 30 days")
	}
	if c.SignUpAttributes == nil {
		c.SignUpAttributes = []string{"email"}
	}
	for _, a := range c.SignUpAttributes {
		if a == "" || a == "username" || a == "password" || a == "_csrf" || len(a) > 64 || strings.ContainsAny(a, " \"'<>&") {
			return nil, fmt.Errorf("hostedui: options: SignUpAttributes: %q is not an attribute name", a)
		}
	}
	b := &c.Branding
	if b.LogoName == "" {
		b.LogoName = b.Title
	}
	if b.LogoName == "" && len(b.LogoPNG) > 0 {
		b.LogoName = "Logo"
	}
	for name, v := range map[string]string{"BackgroundColor": b.BackgroundColor, "TextColor": b.TextColor,
		"PrimaryColor": b.PrimaryColor, "ButtonTextColor": b.ButtonTextColor, "ErrorColor": b.ErrorColor} {
		if v != "" && !colourPattern.MatchString(v) {
			return nil, fmt.Errorf("hostedui: options: Branding.%s %q is not a CSS colour", name, v)
		}
	}
	if len(b.LogoPNG) > 0 {
		if len(b.LogoPNG) > maxLogoBytes {
			return nil, errors.New("hostedui: options: Branding.LogoPNG is larger than 100 KB")
		}
		c.logoType = http.DetectContentType(b.LogoPNG)
		if c.logoType != "image/png" && c.logoType != "image/jpeg" {
			return nil, fmt.Errorf("hostedui: options: Branding.LogoPNG is %s, not PNG or JPEG", c.logoType)
		}
	}
	if strings.Contains(strings.ToLower(b.CSS), "</style") {
		return nil, errors.New("hostedui: options: Branding.CSS must be a stylesheet")
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Random == nil {
		c.Random = rand.Reader
	}
	return c, nil
}

// url returns the absolute URL of a path under BaseURL.
func (c *config) url(path string) string { return c.baseURL + path }
