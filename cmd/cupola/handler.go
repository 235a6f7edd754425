package main

import (
	"crypto/tls"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"

	"golang.org/x/crypto/acme/autocert"

	"github.com/cupola-auth/cupola/internal/clientip"
	"github.com/cupola-auth/cupola/userpool"
)

// publicHandler is everything the public listener answers, outermost
// first:
//
//   - the request ID (X-Request-Id), carried to the audit log;
//   - the client's address from trusted proxies, then the rate limits
//     by route class (limits.go);
//   - the metrics middleware (when metrics are on), directly around
//   - the Cognito wire API (POST / with X-Amz-Target), else
//   - the route table: health, the development loop, the hosted UI.
//
// HSTS is added by serve when TLS is on.
func (a *app) publicHandler(in *instance, tel *telemetry, log *slog.Logger) (http.Handler, error) {
	keys, err := in.secrets.cookieKeys()
	if err != nil {
		return nil, err
	}
	ui, err := a.hostedUI(in, keys, log)
	if err != nil {
		return nil, err
	}
	handler, err := a.routes(in, ui)
	if err != nil {
		return nil, err
	}
	api, err := a.cognitoAPI(in, log)
	if err != nil {
		return nil, err
	}
	handler = withCognitoAPI(api, handler)
	if tel != nil {
		// Nothing between this and the route table may copy the request:
		// the route label is the pattern the table records on it.
		handler = tel.middleware(handler)
	}
	handler, proxies, err := withClientLimits(in, tel, a.now, handler, log)
	if err != nil {
		return nil, err
	}
	return withRequestID(proxies, a.random, handler), nil
}

// tlsOn is how the public listener does TLS: conf is nil for plain HTTP;
// certs is set for a certificate from files, acme for one from a CA.
type tlsOn struct {
	conf  *tls.Config
	certs *certReloader
	acme  *autocert.Manager
}

// tlsSetup reads the tls: block.
func (a *app) tlsSetup(in *instance, log *slog.Logger) (tlsOn, error) {
	switch t := in.cfg.TLS; {
	case t.ACME != nil:
		m := acmeManager(t.ACME, a.acmeClient)
		return tlsOn{conf: acmeTLSConfig(m), acme: m}, nil
	case t.enabled():
		certs, err := newCertReloader(t.CertFile, t.KeyFile, log)
		if err != nil {
			return tlsOn{}, err
		}
		return tlsOn{conf: &tls.Config{GetCertificate: certs.GetCertificate, MinVersion: tls.VersionTLS12}, certs: certs}, nil
	}
	return tlsOn{}, nil
}

// maxRequestIDLen bounds a request ID adopted from a proxy.
const maxRequestIDLen = 64

// withRequestID gives every request an ID — a trusted proxy's
// X-Request-Id when it is short and plain, else a new random one — sets
// it on the answer's X-Request-Id and on the context for the pool's audit
// records (userpool.WithRequestID). An ID from anyone else is replaced:
// a client must not choose what the audit log correlates.
func withRequestID(proxies *clientip.Resolver, random io.Reader, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || !proxies.Trusts(clientip.Peer(r)) || !plainID(id) {
			var b [12]byte
			if _, err := io.ReadFull(random, b[:]); err != nil {
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			id = base64.RawURLEncoding.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(userpool.WithRequestID(r.Context(), id)))
	})
}

// plainID reports whether a proxy's request ID is safe to log as it is.
func plainID(id string) bool {
	if len(id) > maxRequestIDLen {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}
