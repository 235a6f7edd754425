package clientip

import (
	"net/http"
	"net/netip"
)

// Middleware serves next with r.RemoteAddr replaced by the client's
// address as [Resolver.ClientIP] finds it, so handlers and libraries that
// read r.RemoteAddr (net.SplitHostPort, [Peer]) see the real client. When
// the client is the peer the port is kept; an address taken from
// X-Forwarded-For gets port 0 ("192.0.2.1:0", "[2001:db8::1]:0"). The
// rewrite happens on a shallow copy: the caller's *http.Request is not
// modified. A RemoteAddr that holds no IP address is passed on unchanged.
func (res *Resolver) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if addr, ok := res.remoteAddr(r); ok && addr != r.RemoteAddr {
			r2 := new(http.Request)
			*r2 = *r
			r2.RemoteAddr = addr
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

// remoteAddr is the RemoteAddr downstream handlers should see.
func (res *Resolver) remoteAddr(r *http.Request) (string, bool) {
	client, isPeer := res.resolve(r)
	if !client.IsValid() {
		return "", false
	}
	var port uint16
	if isPeer {
		_, port = peerAddrPort(r.RemoteAddr)
	}
	return netip.AddrPortFrom(client, port).String(), true
}
