package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
)

// pebble is Let's Encrypt's test ACME server, run in this process. It
// skips domain validation (PEBBLE_VA_ALWAYS_VALID), so a test can be
// issued a certificate for a name that does not resolve here.
type pebble struct {
	directory string
	// client trusts the ACME server's own HTTPS certificate.
	client *http.Client
	// roots trusts the certificates it issues.
	roots *x509.CertPool
	srv   *httptest.Server
}

func startPebble(t *testing.T) *pebble {
	t.Helper()
	t.Setenv("PEBBLE_VA_ALWAYS_VALID", "1")
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	t.Setenv("PEBBLE_WFE_NONCEREJECT", "0")
	logger := log.New(io.Discard, "", 0)
	store := db.NewMemoryStore()
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, map[string]ca.Profile{"default": {Description: "default"}})
	validator := va.New(logger, 80, 443, false, "", store)
	front := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)
	srv := httptest.NewTLSServer(front.Handler())
	t.Cleanup(srv.Close)
	mgmt := httptest.NewTLSServer(front.ManagementHandler())
	t.Cleanup(mgmt.Close)
	resp, err := mgmt.Client().Get(mgmt.URL + wfe.RootCertPath + "0")
	if err != nil {
		t.Fatalf("pebble root: %v", err)
	}
	defer resp.Body.Close()
	pem, err := io.ReadAll(resp.Body)
	roots := x509.NewCertPool()
	if err != nil || !roots.AppendCertsFromPEM(pem) {
		t.Fatalf("pebble root: %v %q", err, pem)
	}
	return &pebble{directory: srv.URL + wfe.DirectoryPath, client: srv.Client(), roots: roots, srv: srv}
}

// TestServeObtainsItsCertificateThroughACME: serve with tls.acme and no
// certificate is issued one by a real ACME server at the first
// handshake, serves it to clients that trust only that CA, keeps it in
// cache_dir and serves it again after a restart with the CA gone.
func TestServeObtainsItsCertificateThroughACME(t *testing.T) {
	const domain = "login.cupola-test.com"
	p := startPebble(t)
	dir := t.TempDir()
	cfg := writeFile(t, dir, "cupola.yaml", `
pool:
  id: acme_pool
  issuer: https://`+domain+`
  secret: {env: POOL_SECRET}
hosted_ui:
  cookie_keys: [{env: COOKIE_KEY}]
tls:
  acme:
    domains: [`+domain+`]
    email: ops@cupola-test.com
    directory_url: `+p.directory+`
    cache_dir: `+filepath.Join(dir, "acme")+`
`, 0o644)
	db := filepath.Join(dir, "c.db")

	serveAndFetch := func() *x509.Certificate {
		t.Helper()
		ta := newTestApp(t)
		ta.env = map[string]string{"POOL_SECRET": testSecret, "COOKIE_KEY": testSecret + "cookie"}
		ta.acmeClient = p.client
		s := startServe(t, ta, "-config", cfg, "-db", db)
		addr := strings.TrimPrefix(s.base, "http://")
		var leaf *x509.Certificate
		c := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			},
			TLSClientConfig: &tls.Config{RootCAs: p.roots, ServerName: domain,
				VerifyConnection: func(cs tls.ConnectionState) error { leaf = cs.PeerCertificates[0]; return nil }}}}
		resp, err := c.Get("https://" + domain + "/.well-known/openid-configuration")
		if err != nil {
			t.Fatalf("GET over ACME TLS: %v; log:\n%s", err, ta.stderr.String())
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"issuer":"https://`+domain+`"`) ||
			resp.Header.Get("Strict-Transport-Security") == "" {
			t.Fatalf("discovery over ACME TLS = %d %s", resp.StatusCode, body)
		}
		// A name outside tls.acme.domains gets no certificate.
		other := &tls.Dialer{Config: &tls.Config{RootCAs: p.roots, ServerName: "evil.cupola-test.com"}}
		if conn, err := other.DialContext(t.Context(), "tcp", addr); err == nil {
			conn.Close()
			t.Error("a handshake for a name outside the domains succeeded")
		}
		if code := s.stop(t); code != exitOK {
			t.Fatalf("exit = %d; stderr:\n%s", code, ta.stderr.String())
		}
		return leaf
	}
	first := serveAndFetch()
	if len(first.DNSNames) != 1 || first.DNSNames[0] != domain {
		t.Fatalf("issued for %v, want [%s]", first.DNSNames, domain)
	}
	if _, err := os.Stat(filepath.Join(dir, "acme", domain)); err != nil {
		t.Fatalf("the certificate is not in cache_dir: %v", err)
	}
	// The CA is gone; the cached certificate is served after a restart.
	p.srv.Close()
	if again := serveAndFetch(); !again.Equal(first) {
		t.Errorf("after a restart serve presented serial %v, want the cached %v", again.SerialNumber, first.SerialNumber)
	}
}

func TestACMEConfigIsChecked(t *testing.T) {
	for _, tc := range []struct {
		name, acme, want string
	}{
		{"no domains", "{cache_dir: /tmp/x}", "domains is empty"},
		{"no cache", "{domains: [auth.example.com]}", "cache_dir is required"},
		{"issuer not among the domains", "{domains: [other.example.com], cache_dir: /tmp/x}", "does not include the issuer's host"},
		{"plain-http directory", "{domains: [auth.example.com], cache_dir: /tmp/x, directory_url: 'http://ca.example/dir'}", "not an https URL"},
		{"wildcard", "{domains: ['*.example.com', auth.example.com], cache_dir: /tmp/x}", "not a host name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := writeFile(t, dir, "cupola.yaml", `
pool:
  id: p
  issuer: https://auth.example.com
  secret: {env: POOL_SECRET}
tls:
  acme: `+tc.acme+`
`, 0o644)
			if _, err := loadConfig(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("loadConfig = %v, want %q", err, tc.want)
			}
		})
	}
	dir := t.TempDir()
	cfg := writeFile(t, dir, "cupola.yaml", `
pool:
  id: p
  issuer: https://auth.example.com
  secret: {env: POOL_SECRET}
tls:
  cert_file: /tmp/a
  key_file: /tmp/b
  acme: {domains: [auth.example.com], cache_dir: /tmp/x}
`, 0o644)
	if _, err := loadConfig(cfg); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("files and acme = %v", err)
	}
}
