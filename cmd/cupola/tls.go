package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/acme/autocert"
)

// TLS for cupola serve from a certificate and key file. The pair is read
// at start and again on SIGHUP and whenever either file changes (checked
// every tlsWatchInterval), so a renewed certificate (certbot, cert-manager)
// is served without a restart; a pair that fails to load is logged and the
// old one kept. With TLS on, every answer carries HSTS, and an optional
// second listener redirects plain HTTP to the issuer's https URL. With
// tls.acme instead of the files, the certificate comes from an ACME CA
// (acme.go).

// tlsConfig is the tls: block of the configuration.
type tlsConfig struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// RedirectAddr, when set, is a plain-HTTP listener (":80") that
	// redirects every request to the issuer's https origin.
	RedirectAddr string `yaml:"redirect_addr"`
	// HSTSMaxAge is Strict-Transport-Security's max-age; zero means one
	// year, a negative value sends none.
	HSTSMaxAge time.Duration `yaml:"hsts_max_age"`
	// ACME obtains the certificate from a CA instead of the files.
	ACME *acmeConfig `yaml:"acme"`
}

func (c tlsConfig) enabled() bool { return c.CertFile != "" || c.KeyFile != "" || c.ACME != nil }

// check refuses an incomplete tls block.
func (c tlsConfig) check(issuer string) error {
	if !c.enabled() {
		if c.RedirectAddr != "" {
			return errors.New("tls.redirect_addr needs tls.cert_file and tls.key_file, or tls.acme")
		}
		return nil
	}
	if u, err := url.Parse(issuer); err == nil && u.Scheme != "https" {
		return fmt.Errorf("with tls, pool.issuer must be an https URL (it is %q): browsers and tokens name it", issuer)
	}
	if c.ACME != nil {
		if c.CertFile != "" || c.KeyFile != "" {
			return errors.New("tls: give cert_file and key_file, or acme, not both")
		}
		return c.ACME.check(issuer)
	}
	if c.CertFile == "" || c.KeyFile == "" {
		return errors.New("tls needs both cert_file and key_file")
	}
	return nil
}

// tlsWatchInterval is how often the certificate files are checked.
const tlsWatchInterval = 10 * time.Second

// certReloader serves the current certificate and reloads it.
type certReloader struct {
	certFile, keyFile string
	log               *slog.Logger

	mu      sync.RWMutex
	cert    *tls.Certificate
	modTime time.Time // the later of the two files' at the last load
}

func newCertReloader(certFile, keyFile string, log *slog.Logger) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, log: log}
	if err := r.reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// reload reads the pair; on failure the current certificate stays.
func (r *certReloader) reload() error {
	mod, err := r.latestModTime()
	if err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("tls: %s and %s: %w", r.certFile, r.keyFile, err)
	}
	r.mu.Lock()
	r.cert, r.modTime = &cert, mod
	r.mu.Unlock()
	return nil
}

func (r *certReloader) latestModTime() (time.Time, error) {
	var latest time.Time
	for _, f := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return time.Time{}, fmt.Errorf("tls: %w", err)
		}
		if fi.ModTime().After(latest) {
			latest = fi.ModTime()
		}
	}
	return latest, nil
}

// GetCertificate is tls.Config.GetCertificate.
func (r *certReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.cert, nil
}

// watch reloads on SIGHUP and when a file's modification time moves, until
// ctx ends.
func (r *certReloader) watch(ctx context.Context, every time.Duration) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			r.reloadAndLog("SIGHUP")
		case <-tick.C:
			mod, err := r.latestModTime()
			r.mu.RLock()
			changed := err == nil && !mod.Equal(r.modTime)
			r.mu.RUnlock()
			if changed {
				r.reloadAndLog("files changed")
			}
		}
	}
}

func (r *certReloader) reloadAndLog(why string) {
	if err := r.reload(); err != nil {
		r.log.Error("certificate not reloaded; the previous one is still served", "why", why, "err", err)
		return
	}
	r.log.Info("certificate reloaded", "why", why)
}

// withHSTS adds Strict-Transport-Security to every answer.
func withHSTS(next http.Handler, maxAge time.Duration) http.Handler {
	if maxAge < 0 {
		return next
	}
	if maxAge == 0 {
		maxAge = 365 * 24 * time.Hour
	}
	value := fmt.Sprintf("max-age=%d", int64(maxAge/time.Second))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", value)
		next.ServeHTTP(w, r)
	})
}

// httpsRedirect answers every plain-HTTP request with a permanent redirect
// to the same path and query at the issuer's origin — taken from the
// configuration, never from the Host header.
func httpsRedirect(issuer string) (http.Handler, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("tls.redirect_addr: the issuer %q is no https URL", issuer)
	}
	origin := "https://" + u.Host
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := origin + r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		if !strings.HasPrefix(target, origin+"/") {
			target = origin + "/"
		}
		http.Redirect(w, r, target, http.StatusPermanentRedirect)
	}), nil
}

// redirector is the plain-HTTP listener that sends browsers to https.
type redirector struct {
	srv *http.Server
	ln  net.Listener
}

// redirectServer listens on tls.redirect_addr, or returns nil without one.
// With ACME, the listener also answers the CA's HTTP-01 challenges.
func (a *app) redirectServer(ctx context.Context, in *instance, m *autocert.Manager, log *slog.Logger) (*redirector, error) {
	addr := in.cfg.TLS.RedirectAddr
	if addr == "" {
		return nil, nil
	}
	h, err := httpsRedirect(in.pool.Issuer())
	if err != nil {
		return nil, err
	}
	if m != nil {
		h = m.HTTPHandler(h)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("tls.redirect_addr: %w", err)
	}
	log.Info("redirecting plain HTTP to https", "addr", ln.Addr().String())
	return &redirector{ln: ln, srv: &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}}, nil
}
