package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate for localhost with serial
// number serial to certFile and keyFile, and returns it.
func writeCert(t *testing.T, certFile, keyFile string, serial int64) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	// Key first: the watcher sees a change when the certificate lands.
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert
}

func TestServeOverTLSReloadsItsCertificate(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	first := writeCert(t, certFile, keyFile, 1)
	cfg := writeFile(t, dir, "cupola.yaml", `
pool:
  id: tls_pool
  issuer: https://localhost
  secret: {env: POOL_SECRET}
hosted_ui:
  cookie_keys: [{env: COOKIE_KEY}]
tls:
  cert_file: `+certFile+`
  key_file: `+keyFile+`
`, 0o644)
	ta := newTestApp(t)
	ta.env = map[string]string{"POOL_SECRET": testSecret, "COOKIE_KEY": testSecret + "cookie"}
	ta.tlsWatchInterval = 20 * time.Millisecond
	s := startServe(t, ta, "-config", cfg, "-db", filepath.Join(dir, "c.db"))
	addr := strings.TrimPrefix(s.base, "http://")

	// served returns the serial of the certificate the server presents,
	// and the HSTS header of its answer.
	served := func() (int64, string) {
		t.Helper()
		// The client does not verify the chain (the certificate changes
		// under it); it reads which certificate it was shown.
		var serial int64
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{ServerName: "localhost", InsecureSkipVerify: true,
			VerifyConnection: func(cs tls.ConnectionState) error { serial = cs.PeerCertificates[0].SerialNumber.Int64(); return nil }}}}
		resp, err := c.Get("https://" + addr + "/.well-known/openid-configuration")
		if err != nil {
			t.Fatalf("GET over TLS: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("discovery over TLS: %d", resp.StatusCode)
		}
		return serial, resp.Header.Get("Strict-Transport-Security")
	}
	serial, hsts := served()
	if serial != first.SerialNumber.Int64() || hsts != "max-age=31536000" {
		t.Fatalf("served certificate %d (want %d), HSTS %q", serial, first.SerialNumber.Int64(), hsts)
	}
	if resp, err := http.Get(s.base + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Fatal("plain HTTP was answered on the TLS listener")
		}
	}
	time.Sleep(20 * time.Millisecond) // a later modification time
	writeCert(t, certFile, keyFile, 2)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if serial, _ = served(); serial == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still serving certificate %d after the files changed", serial)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A broken pair keeps the current certificate.
	os.WriteFile(certFile, []byte("not a certificate"), 0o644)
	time.Sleep(100 * time.Millisecond)
	if serial, _ = served(); serial != 2 {
		t.Fatalf("a broken certificate file replaced the served one: %d", serial)
	}
	if code := s.stop(t); code != exitOK {
		t.Fatalf("exit %d:\n%s", code, ta.stderr.String())
	}
	if !strings.Contains(ta.stderr.String(), "certificate not reloaded") {
		t.Errorf("the broken pair was not logged:\n%s", ta.stderr.String())
	}
}

func TestHTTPSRedirectUsesTheIssuerNotTheHost(t *testing.T) {
	h, err := httpsRedirect("https://auth.example.com/pool")
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"/login?client_id=web": "https://auth.example.com/login?client_id=web",
		"/":                    "https://auth.example.com/",
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, in, nil)
		req.Host = "evil.example.net"
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusPermanentRedirect || rec.Header().Get("Location") != want {
			t.Errorf("%s: %d %q, want %s", in, rec.Code, rec.Header().Get("Location"), want)
		}
	}
	if _, err := httpsRedirect("http://auth.example.com"); err == nil {
		t.Error("a redirect to an http issuer was accepted")
	}
}

func TestTLSConfigIsChecked(t *testing.T) {
	for _, c := range []struct {
		tls    tlsConfig
		issuer string
	}{
		{tlsConfig{CertFile: "a.crt"}, "https://x"},
		{tlsConfig{CertFile: "a.crt", KeyFile: "a.key"}, "http://x"},
		{tlsConfig{RedirectAddr: ":80"}, "https://x"},
	} {
		if err := c.tls.check(c.issuer); err == nil {
			t.Errorf("%+v with issuer %s accepted", c.tls, c.issuer)
		}
	}
}
