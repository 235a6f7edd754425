// Package clientip tells who the client is when Cupola runs behind
// reverse proxies or load balancers.
//
// A request's r.RemoteAddr is the TCP peer. Behind a proxy that peer is
// the proxy, and the client's address travels in X-Forwarded-For, which
// anyone can also write. A [Resolver] therefore believes the header only
// as far as it was written by proxies the deployment trusts: it starts at
// the peer and, while the hop in hand is a trusted proxy, steps one entry
// left in X-Forwarded-For. The first untrusted address is the client. A
// client cannot move that point by sending its own X-Forwarded-For, since
// whatever it writes lies to the left of the entry the first trusted
// proxy appended. With no trusted proxies the header is ignored.
//
// The server builds one Resolver from its configured trusted proxies and
// installs [Resolver.Middleware] outermost, so every handler below it
// (hosted UI lockout and risk scoring, the rate limiter, the Cognito wire
// API, request logs) reads the real client from r.RemoteAddr as if it were
// connected directly:
//
//	res, err := clientip.Parse(cfg.TrustedProxies) // "10.0.0.0/8", "::1", …
//	if err != nil {
//		return fmt.Errorf("trusted_proxies: %w", err)
//	}
//	handler = res.Middleware(handler)
//
// Below the middleware, [Peer] reads the client address back from
// r.RemoteAddr as a [netip.Addr].
package clientip
