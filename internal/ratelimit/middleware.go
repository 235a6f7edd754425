package ratelimit

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/cupola-auth/cupola/internal/clientip"
)

// Middleware guards next with the class's Limiter: a request whose
// client, as ipOf tells it, has an empty bucket is refused with 429 Too
// Many Requests and a Retry-After header in whole seconds (see
// [RetryAfterSeconds]), after Config.OnRefuse is told. A nil ipOf means
// [clientip.Peer], the address in r.RemoteAddr, which is the real client
// below [clientip.Resolver.Middleware]. A class that is off returns next
// itself. A class the Set does not have is an error matching
// [ErrUnknownClass], so that a misspelt class cannot silently leave a
// route unlimited.
func (s *Set) Middleware(class string, ipOf func(*http.Request) netip.Addr, next http.Handler) (http.Handler, error) {
	if next == nil {
		return nil, errors.New("ratelimit: nil handler")
	}
	l, ok := s.Limiter(class)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownClass, class)
	}
	if l.Limit().Off() {
		return next, nil
	}
	if ipOf == nil {
		ipOf = clientip.Peer
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := ipOf(r)
		ok, retryAfter := l.Allow(ip)
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		if s.onRefuse != nil {
			s.onRefuse(r, class, ip, retryAfter)
		}
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds(retryAfter)))
		if s.respond != nil {
			s.respond(w, r, class, retryAfter)
			return
		}
		TooManyRequests(w)
	}), nil
}

// TooManyRequests writes the default refusal: status 429 and a short
// plain-text body, not to be cached. The caller sets Retry-After.
func TooManyRequests(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = io.WriteString(w, "Too many requests. Try again later.\n")
}

// RetryAfterSeconds is d as a Retry-After value: whole seconds, rounded
// up, at least 1.
func RetryAfterSeconds(d time.Duration) int {
	if d <= time.Second {
		return 1
	}
	s := d / time.Second
	if d%time.Second != 0 {
		s++
	}
	return int(s)
}
