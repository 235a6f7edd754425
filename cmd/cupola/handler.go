package main

import (
	"crypto/tls"
	"log/slog"
	"net/http"

	"golang.org/x/crypto/acme/autocert"
)

// publicHandler is everything the public listener answers, outermost
// first:
//
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
	handler, _, err = withClientLimits(in, tel, a.now, handler, log)
	if err != nil {
		return nil, err
	}
	return handler, nil
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
