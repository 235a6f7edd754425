package gateway

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cupola-auth/cupola/token"

	"github.com/cupola-auth/cupola/internal/secret"
)

// Defaults of Options.
const (
	// DefaultCookieName is the session cookie's name; with an https
	// RedirectURL it gets the __Host- prefix, which pins the cookie to
	// this host and path "/".
	DefaultCookieName = "cupola_gate"
	// DefaultSessionTTL is how long a sign-in lasts at most: after it the
	// browser signs in again, whatever the refresh token allows.
	DefaultSessionTTL = 8 * time.Hour
	// DefaultLogoutPath is the path that signs the user out.
	DefaultLogoutPath = "/oauth2/logout"
	// DefaultHTTPTimeout bounds each call to the provider made with the
	// default HTTP client.
	DefaultHTTPTimeout = 30 * time.Second
)

// The logout redirect parameters Options.LogoutRedirectParam may name.
const (
	// ParamPostLogoutRedirectURI is OpenID Connect RP-Initiated Logout's
	// parameter, the default.
	ParamPostLogoutRedirectURI = "post_logout_redirect_uri"
	// ParamLogoutURI is Cognito's parameter (Cupola accepts both).
	ParamLogoutURI = "logout_uri"
)

// Limits of the cookies.
const (
	// minCookieKeyLen is the least length of a cookie key.
	minCookieKeyLen = 32
	// chunkSize is the most bytes of sealed session one cookie carries:
	// with the name and attributes, a cookie stays under the 4096 bytes
	// browsers keep.
	chunkSize = 3800
	// maxChunks bounds a session's cookies (about 30 KB): a larger session
	// is not written, and more cookies are not read.
	maxChunks = 8
	// flowTTL is how long a sign-in may take, from the redirect to the
	// provider to the callback.
	flowTTL = 10 * time.Minute
	// maxFlows is how many sign-ins one browser may have in progress (one
	// per tab); beyond it the older ones are dropped.
	maxFlows = 4
	// refreshEarly is how long before its expiry an access token is
	// refreshed, so the upstream never gets one about to lapse.
	refreshEarly = time.Minute
)

// Options configure a gateway. Issuer, ClientID, RedirectURL, Upstream and
// CookieKeys are required; every other zero value is a safe default.
type Options struct {
	// Issuer is the OpenID provider's issuer URL; its configuration is
	// read from Issuer + "/.well-known/openid-configuration" and must name
	// this issuer exactly. It must be https (http only to a loopback host).
	Issuer string
	// ClientID is the gateway's app client at the provider.
	ClientID string
	// ClientSecret is the client's secret; empty for a public client
	// (PKCE protects the code either way).
	ClientSecret string
	// RedirectURL is the gateway's own callback, registered at the
	// provider, for example "https://app.example.com/oauth2/idpresponse".
	// The gateway answers its path itself. It must be https (http only to
	// a loopback host); with https the cookies are always Secure.
	RedirectURL string
	// Scopes are the scopes asked for; nil means openid, email and
	// profile. They must include openid.
	Scopes []string
	// Upstream is the application behind the gateway: any http.Handler,
	// for example an *httputil.ReverseProxy to another server.
	Upstream http.Handler
	// CookieKeys seal the session and sign-in cookies with AES-256-GCM
	// (under a key derived from each). Each must be at least 32 random
	// bytes, kept secret. The first seals; all of them open, so a key is
	// rotated by putting the new one first and dropping the old one once
	// the sessions it sealed have ended (SessionTTL).
	CookieKeys [][]byte
	// CookieName names the session cookie (and, with a suffix, its chunks
	// and the sign-in cookies); empty means DefaultCookieName, with the
	// __Host- prefix when RedirectURL is https. Letters, digits, '-' and
	// '_' only.
	CookieName string
	// SessionTTL is how long a sign-in lasts at most; zero means
	// DefaultSessionTTL.
	SessionTTL time.Duration
	// LogoutPath is the path that ends the session and sends the browser
	// to the provider's logout; empty means DefaultLogoutPath.
	LogoutPath string
	// PostLogoutRedirect is where the provider sends the browser after
	// logging out, registered at the provider as a sign-out URL; empty
	// means RedirectURL's origin followed by "/".
	PostLogoutRedirect string
	// LogoutRedirectParam names the parameter that carries
	// PostLogoutRedirect to the provider's end_session_endpoint:
	// ParamPostLogoutRedirectURI (the default) or ParamLogoutURI.
	LogoutRedirectParam string
	// AllowUnauthenticated, when set, picks requests that reach the
	// upstream without a session (an ALB's "allow" action): they carry
	// the user's identity only if the browser happens to be signed in.
	// Identity headers a client sent are stripped from them too.
	AllowUnauthenticated func(*http.Request) bool
	// IdentityHeaders adds, as an ALB does, X-Amzn-Oidc-Identity (the
	// sub), X-Amzn-Oidc-Accesstoken and X-Amzn-Oidc-Data (the user's
	// claims in a JWT signed with SigningKey) to requests forwarded to the
	// upstream. The claims are in the request context either way
	// (ClaimsFrom).
	IdentityHeaders bool
	// SigningKey signs X-Amzn-Oidc-Data; required with IdentityHeaders.
	// ES256, as an ALB, is recommended: token.GenerateKey(token.ES256, nil).
	// The upstream verifies with its public key (VerifyData).
	SigningKey token.Key
	// HTTPClient calls the provider (discovery, JWKS, token and revocation
	// endpoints); nil means a client with DefaultHTTPTimeout.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Random is the source of states, nonces, PKCE verifiers and cookie
	// nonces; nil means crypto/rand. Only tests should set it.
	Random io.Reader
	// Logger receives operational events (never tokens or cookies); nil
	// discards them.
	Logger *slog.Logger
}

// config is Options checked, with defaults applied and URLs parsed.
type config struct {
	Options
	callbackPath  string
	secureURL     bool // RedirectURL is https
	cookieName    string
	logoutParam   string
	postLogout    string
	signerOrigin  string // RedirectURL's origin, the Data JWT's signer
	signingMethod string // the SigningKey's JWS algorithm, "" without identity headers
}

func (o Options) check() (*config, error) {
	c := &config{Options: o}
	fail := func(format string, a ...any) (*config, error) {
		return nil, fmt.Errorf(format+": %w", append(a, ErrConfig)...)
	}
	if err := checkSecureURL(o.Issuer); err != nil {
		return fail("issuer: %v", err)
	}
	if o.ClientID == "" {
		return fail("client id is required")
	}
	if o.Upstream == nil {
		return fail("upstream is required")
	}
	if err := checkSecureURL(o.RedirectURL); err != nil {
		return fail("redirect url: %v", err)
	}
	ru, _ := url.Parse(o.RedirectURL)
	if ru.RawQuery != "" || ru.Path == "" || ru.Path == "/" {
		return fail("redirect url %.128q needs a path of its own and no query", o.RedirectURL)
	}
	c.callbackPath = ru.Path
	c.secureURL = ru.Scheme == "https"
	c.signerOrigin = ru.Scheme + "://" + ru.Host

	c.Scopes = slices.Clone(o.Scopes)
	if c.Scopes == nil {
		c.Scopes = []string{"openid", "email", "profile"}
	}
	if !slices.Contains(c.Scopes, "openid") {
		return fail("scopes must include openid")
	}
	if len(o.CookieKeys) == 0 {
		return fail("at least one cookie key is required")
	}
	for i, k := range o.CookieKeys {
		if len(k) < minCookieKeyLen {
			return fail("cookie key %d has %d bytes, at least %d are required", i, len(k), minCookieKeyLen)
		}
		if secret.Weak(k) {
			return fail("cookie key %d looks like a placeholder, not random bytes", i)
		}
	}

	c.cookieName = o.CookieName
	if c.cookieName == "" {
		c.cookieName = DefaultCookieName
		if c.secureURL {
			c.cookieName = "__Host-" + c.cookieName
		}
	}
	if !validCookieName(c.cookieName) {
		return fail("cookie name %.64q: letters, digits, '-' and '_' only", c.cookieName)
	}
	if strings.HasPrefix(c.cookieName, "__Host-") && !c.secureURL {
		return fail("cookie name %.64q: the __Host- prefix needs an https redirect url", c.cookieName)
	}

	switch {
	case o.SessionTTL < 0:
		return fail("negative session ttl")
	case o.SessionTTL == 0:
		c.SessionTTL = DefaultSessionTTL
	case o.SessionTTL < 2*refreshEarly:
		return fail("session ttl %s is below %s", o.SessionTTL, 2*refreshEarly)
	}

	if c.LogoutPath == "" {
		c.LogoutPath = DefaultLogoutPath
	}
	if !strings.HasPrefix(c.LogoutPath, "/") || c.LogoutPath == c.callbackPath {
		return fail("logout path %.128q must start with / and differ from the redirect url's path", c.LogoutPath)
	}
	c.postLogout = o.PostLogoutRedirect
	if c.postLogout == "" {
		c.postLogout = c.signerOrigin + "/"
	}
	if pu, err := url.Parse(c.postLogout); err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
		return fail("post logout redirect %.128q is not an absolute http(s) url", c.postLogout)
	}
	switch o.LogoutRedirectParam {
	case "":
		c.logoutParam = ParamPostLogoutRedirectURI
	case ParamPostLogoutRedirectURI, ParamLogoutURI:
		c.logoutParam = o.LogoutRedirectParam
	default:
		return fail("logout redirect param %.64q is neither %s nor %s", o.LogoutRedirectParam, ParamPostLogoutRedirectURI, ParamLogoutURI)
	}

	if o.IdentityHeaders {
		m, err := checkSigningKey(o.SigningKey)
		if err != nil {
			return fail("signing key: %v", err)
		}
		c.signingMethod = m
	}

	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Random == nil {
		c.Random = rand.Reader
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// checkSecureURL accepts absolute https URLs, and http ones to a loopback
// host, without user info or fragment.
func checkSecureURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("%.128q is not a url", s)
	case !u.IsAbs() || u.Host == "":
		return fmt.Errorf("%.128q is not absolute", s)
	case u.User != nil || u.Fragment != "" || u.RawFragment != "":
		return fmt.Errorf("%.128q has user info or a fragment", s)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("%.128q: https required (http only to a loopback host)", s)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func validCookieName(s string) bool {
	if s == "" || len(s) > 64 {
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
