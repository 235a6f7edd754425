// Package ratelimit limits how fast each client IP may call the server:
// one token bucket ([golang.org/x/time/rate]) per IPv4 address or per
// IPv6 /64 (one subscriber's network, which a single client can fill with
// addresses at will), held in a sharded map with a cap on how many keys it
// tracks, so memory stays bounded however many addresses an attacker uses.
//
// A [Limiter] is one such table for one [Limit]. A [Set] holds one Limiter
// per route class, and [Set.Middleware] guards a handler with a class,
// answering 429 Too Many Requests with a Retry-After header when the
// client's bucket is empty. The server builds a Set from its configuration
// and wraps its routes:
//
//	limits, err := ratelimit.NewSet(ratelimit.Config{
//		Classes: map[string]ratelimit.Limit{
//			ratelimit.ClassHosted: ratelimit.PerMinute(60),  // hosted UI pages
//			ratelimit.ClassToken:  ratelimit.PerMinute(120), // /oauth2/token
//			ratelimit.ClassAPI:    ratelimit.PerMinute(300), // Cognito wire API
//		},
//		Exempt:   monitoring,  // []netip.Prefix never limited
//		OnRefuse: countAndLog, // metrics, logs
//	})
//	h, err := limits.Middleware(ratelimit.ClassToken, clientip.Peer, tokenHandler)
//
// The client's address comes from the function passed to Middleware;
// installed below [github.com/cupola-auth/cupola/internal/clientip]'s
// middleware, [clientip.Peer] reads the real client behind trusted
// proxies. The package keeps no global state and reads the time only
// through an injectable clock.
package ratelimit
