package ratelimit

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"time"
)

// Route classes the server limits separately.
const (
	ClassHosted = "hosted" // hosted UI pages: login, sign-up, password reset
	ClassToken  = "token"  // the OAuth 2.0 token endpoint, /oauth2/token
	ClassAPI    = "api"    // the Cognito wire API and other API endpoints
)

// ErrUnknownClass is matched (errors.Is) by the error Middleware returns
// for a class the Set was not configured with.
var ErrUnknownClass = errors.New("ratelimit: unknown class")

// Config configures a Set.
type Config struct {
	// Classes maps each route class to its Limit. A class with the zero
	// Limit exists but is off.
	Classes map[string]Limit

	// MaxKeys caps the clients tracked per class (see Options.MaxKeys);
	// 0 means DefaultMaxKeys.
	MaxKeys int

	// Exempt lists networks that no class limits.
	Exempt []netip.Prefix

	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// OnRefuse, if set, is called for each request refused, before the
	// response is written (to count it, log it). It must be safe for
	// concurrent use.
	OnRefuse func(r *http.Request, class string, ip netip.Addr, retryAfter time.Duration)

	// Respond, if set, writes the response to a refused request instead
	// of the default 429 with a plain-text body; the Retry-After header
	// is already set. An API speaking another error format (the Cognito
	// wire API's JSON TooManyRequestsException) supplies its own.
	Respond func(w http.ResponseWriter, r *http.Request, class string, retryAfter time.Duration)
}

// Set holds one Limiter per route class. It is safe for concurrent use.
type Set struct {
	limiters map[string]*Limiter
	onRefuse func(r *http.Request, class string, ip netip.Addr, retryAfter time.Duration)
	respond  func(w http.ResponseWriter, r *http.Request, class string, retryAfter time.Duration)
}

// NewSet builds a Limiter for each class in c.Classes. It reports an
// empty class name or a class's invalid Limit (wrapping
// [ErrInvalidLimit]), naming the class.
func NewSet(c Config) (*Set, error) {
	s := &Set{limiters: make(map[string]*Limiter, len(c.Classes)), onRefuse: c.OnRefuse, respond: c.Respond}
	for _, class := range slices.Sorted(maps.Keys(c.Classes)) {
		if class == "" {
			return nil, errors.New("ratelimit: empty class name")
		}
		l, err := New(Options{Limit: c.Classes[class], MaxKeys: c.MaxKeys, Exempt: c.Exempt, Now: c.Now})
		if err != nil {
			return nil, fmt.Errorf("ratelimit: class %q: %w", class, err)
		}
		s.limiters[class] = l
	}
	return s, nil
}

// Limiter returns the class's Limiter, and whether the class exists.
func (s *Set) Limiter(class string) (*Limiter, bool) {
	if s == nil {
		return nil, false
	}
	l, ok := s.limiters[class]
	return l, ok
}

// Classes returns the configured class names, sorted.
func (s *Set) Classes() []string {
	if s == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(s.limiters))
}
