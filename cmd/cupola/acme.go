package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// ACME for a custom domain: with tls.acme, serve obtains and renews its
// certificate itself through golang.org/x/crypto/acme/autocert (Let's
// Encrypt by default, any RFC 8555 directory otherwise). The CA proves
// control of the domain through TLS-ALPN-01 on the main listener (when it
// is :443) or HTTP-01 on tls.redirect_addr (when it is :80); configuring
// acme accepts the CA's terms of service. Certificates and the account
// key are kept in cache_dir, which must survive restarts: a CA limits how
// often one domain is issued a certificate. A private CA's root is
// trusted through the system pool or SSL_CERT_FILE.

// acmeConfig is the tls.acme block.
type acmeConfig struct {
	// Domains are the host names to obtain certificates for; the issuer's
	// host must be one of them, and no other name is ever requested.
	Domains []string `yaml:"domains"`
	// Email is the account's contact for the CA's expiry and policy mail.
	Email string `yaml:"email"`
	// DirectoryURL is the CA's ACME directory; empty means Let's Encrypt.
	DirectoryURL string `yaml:"directory_url"`
	// CacheDir holds the account key and certificates (0700).
	CacheDir string `yaml:"cache_dir"`
}

// check refuses an acme block that cannot work for issuer.
func (c *acmeConfig) check(issuer string) error {
	if len(c.Domains) == 0 {
		return errors.New("tls.acme.domains is empty: name the domains to obtain certificates for")
	}
	if c.CacheDir == "" {
		return errors.New("tls.acme.cache_dir is required: certificates must survive a restart (CAs limit issuance)")
	}
	for _, d := range c.Domains {
		if d == "" || strings.ContainsAny(d, "/:* ") {
			return fmt.Errorf("tls.acme.domains: %q is not a host name", d)
		}
	}
	if c.DirectoryURL != "" {
		if u, err := url.Parse(c.DirectoryURL); err != nil || u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("tls.acme.directory_url %q is not an https URL", c.DirectoryURL)
		}
	}
	u, err := url.Parse(issuer)
	if err != nil || !slices.Contains(c.Domains, u.Hostname()) {
		return fmt.Errorf("tls.acme.domains %v does not include the issuer's host (pool.issuer %q)", c.Domains, issuer)
	}
	return nil
}

// acmeManager is the autocert manager of an acme block; client, when
// set, is the HTTP client for the CA (tests trust their CA through it).
func acmeManager(c *acmeConfig, client *http.Client) *autocert.Manager {
	dir := c.DirectoryURL
	if dir == "" {
		dir = autocert.DefaultACMEDirectory
	}
	return &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		HostPolicy: autocert.HostWhitelist(c.Domains...),
		Cache:      autocert.DirCache(c.CacheDir),
		Email:      c.Email,
		Client:     &acme.Client{DirectoryURL: dir, HTTPClient: client},
	}
}

// acmeTLSConfig is the listener's TLS configuration from m: certificates
// on demand, and the acme-tls/1 protocol for TLS-ALPN-01.
func acmeTLSConfig(m *autocert.Manager) *tls.Config {
	c := m.TLSConfig()
	c.MinVersion = tls.VersionTLS12
	return c
}
