package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/cupola-auth/cupola/cognitoapi"
	"github.com/cupola-auth/cupola/internal/clientip"
	"github.com/cupola-auth/cupola/internal/ratelimit"
)

// Who the client is, and how often it may ask. trusted_proxies names the
// reverse proxies whose X-Forwarded-For is believed; every limit, the
// lockout and the risk engine then see the client behind them (the
// public base URL still comes only from pool.issuer). rate_limits caps
// requests per client address (per /64 for IPv6) in three classes:
//
//   - hosted: the hosted UI's pages (sign-in, sign-up, reset…);
//   - token: /oauth2/token and /oauth2/revoke;
//   - api: the Cognito wire API, /oauth2/userInfo and the discovery
//     and JWKS documents.
//
// /healthz and /readyz are never limited. A refused request gets 429 with
// Retry-After (the wire API: Cognito's TooManyRequestsException, which
// the AWS SDKs retry), is counted in cupola_http_throttled_total and
// logged at debug level.

// rateLimitsConfig is the rate_limits: block.
type rateLimitsConfig struct {
	// Off turns every limit off (a proxy in front limits instead).
	Off bool `yaml:"off"`
	// Hosted, Token and API override a class's default limit.
	Hosted *classLimit `yaml:"hosted"`
	Token  *classLimit `yaml:"token"`
	API    *classLimit `yaml:"api"`
	// Exempt lists networks never limited (monitoring, internal
	// services), as CIDRs or addresses.
	Exempt []string `yaml:"exempt"`
	// MaxClients caps the addresses tracked per class (memory is about
	// 140 bytes each); zero means 100,000.
	MaxClients int `yaml:"max_clients"`
}

// classLimit is one class's limit: per_minute requests on average, with
// bursts of up to burst (per_minute when zero). per_minute 0 turns the
// class off.
type classLimit struct {
	PerMinute int `yaml:"per_minute"`
	Burst     int `yaml:"burst"`
}

// Default limits per client address. A browser sign-in is about five
// hosted requests and one token request; an office behind one address
// signs many people in at the start of the day, so the defaults are
// generous and only cut floods and scripted guessing.
var defaultClassLimits = map[string]classLimit{
	ratelimit.ClassHosted: {PerMinute: 300},
	ratelimit.ClassToken:  {PerMinute: 300},
	ratelimit.ClassAPI:    {PerMinute: 600},
}

func (c classLimit) limit() ratelimit.Limit {
	if c.PerMinute <= 0 {
		return ratelimit.Limit{}
	}
	burst := c.Burst
	if burst == 0 {
		burst = c.PerMinute
	}
	return ratelimit.Limit{Rate: rate.Limit(float64(c.PerMinute) / 60), Burst: burst}
}

// check refuses limits that cannot be meant.
func (c rateLimitsConfig) check() error {
	for name, l := range map[string]*classLimit{"hosted": c.Hosted, "token": c.Token, "api": c.API} {
		if l != nil && (l.PerMinute < 0 || l.Burst < 0) {
			return fmt.Errorf("rate_limits.%s: per_minute and burst must not be negative", name)
		}
	}
	if c.MaxClients < 0 {
		return fmt.Errorf("rate_limits.max_clients must not be negative")
	}
	if _, err := clientip.ParsePrefixes(c.Exempt); err != nil {
		return fmt.Errorf("rate_limits.exempt: %w", err)
	}
	return nil
}

// classes is each class's limit: the default unless overridden.
func (c rateLimitsConfig) classes() map[string]ratelimit.Limit {
	out := map[string]ratelimit.Limit{}
	for class, def := range defaultClassLimits {
		out[class] = def.limit()
	}
	for class, l := range map[string]*classLimit{ratelimit.ClassHosted: c.Hosted, ratelimit.ClassToken: c.Token, ratelimit.ClassAPI: c.API} {
		if l != nil {
			out[class] = l.limit()
		}
	}
	return out
}

// classOf is the rate-limit class of a request to a pool mounted at
// base (the issuer's path), or "" for one never limited.
func classOf(r *http.Request, base string) string {
	if r.Method == http.MethodPost && r.URL.Path == "/" && r.Header.Get("X-Amz-Target") != "" {
		return ratelimit.ClassAPI
	}
	p := r.URL.Path
	switch p {
	case "/healthz", "/readyz":
		return ""
	}
	p = strings.TrimPrefix(p, base)
	switch {
	case p == "/oauth2/token", p == "/oauth2/revoke":
		return ratelimit.ClassToken
	case p == "/oauth2/userInfo", strings.HasPrefix(p, "/.well-known/"):
		return ratelimit.ClassAPI
	}
	return ratelimit.ClassHosted
}

// withClientLimits puts the trusted-proxy resolution and the rate limits
// in front of next, and returns the resolver (nil trusts no proxy).
func withClientLimits(in *instance, tel *telemetry, now func() time.Time, next http.Handler, log *slog.Logger) (http.Handler, *clientip.Resolver, error) {
	res, err := clientip.Parse(in.cfg.TrustedProxies)
	if err != nil {
		return nil, nil, fmt.Errorf("trusted_proxies: %w", err)
	}
	handler := next
	if rl := in.cfg.RateLimits; !rl.Off {
		exempt, err := clientip.ParsePrefixes(rl.Exempt)
		if err != nil {
			return nil, nil, fmt.Errorf("rate_limits.exempt: %w", err)
		}
		set, err := ratelimit.NewSet(ratelimit.Config{
			Classes: rl.classes(), MaxKeys: rl.MaxClients, Exempt: exempt, Now: now,
			OnRefuse: func(r *http.Request, class string, ip netip.Addr, retryAfter time.Duration) {
				tel.throttled(r, class)
				log.DebugContext(r.Context(), "rate limited", "class", class, "ip", ip, "retry_after", retryAfter)
			},
			Respond: func(w http.ResponseWriter, r *http.Request, class string, _ time.Duration) {
				if class == ratelimit.ClassAPI && r.Header.Get("X-Amz-Target") != "" {
					cognitoapi.WriteThrottled(w)
					return
				}
				ratelimit.TooManyRequests(w)
			},
		})
		if err != nil {
			return nil, nil, fmt.Errorf("rate_limits: %w", err)
		}
		byClass := map[string]http.Handler{}
		for _, class := range set.Classes() {
			if byClass[class], err = set.Middleware(class, nil, next); err != nil {
				return nil, nil, err
			}
		}
		base := issuerPath(in.pool.Issuer())
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if h, ok := byClass[classOf(r, base)]; ok {
				h.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	return res.Middleware(handler), res, nil
}

// issuerPath is the path the pool is mounted at, without a trailing
// slash ("" at the root).
func issuerPath(issuer string) string {
	u, err := url.Parse(issuer)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}
