package main

import (
	"context"
	"crypto/tls"
	_ "embed"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/cupola-auth/cupola/risk"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// exampleConfig is the complete, commented configuration 'cupola config
// example' prints. A test checks that it loads and that it names every
// field of fileConfig.
//
//go:embed cupola.example.yaml
var exampleConfig string

// configExample prints the complete, commented example configuration.
func (a *app) configExample(_ context.Context, args []string) error {
	fs, _ := a.flagSet("config example", "config example > cupola.yaml")
	if err := parse(fs, args); err != nil {
		return err
	}
	_, err := io.WriteString(a.stdout, exampleConfig)
	return err
}

// configValidate loads a configuration and checks it as serve would,
// without opening the database or listening: the file itself, the secrets
// it names, the TLS pair, the GeoIP database, the branding files, and the
// pool and client settings (on a pool built in memory). It prints "ok" or
// every problem found.
func (a *app) configValidate(ctx context.Context, args []string) error {
	fs, cf := a.flagSet("config validate", "config validate [-config cupola.yaml]")
	if err := parse(fs, args); err != nil {
		return err
	}
	path := cf.config
	if path == "" {
		path = "cupola.yaml"
	}
	log, err := a.logger(cf)
	if err != nil {
		return err
	}
	problems := a.validateConfig(ctx, path, log)
	if len(problems) == 0 {
		fmt.Fprintln(a.stdout, "ok")
		return nil
	}
	for _, p := range problems {
		for line := range strings.SplitSeq(p.Error(), "\n") {
			fmt.Fprintf(a.stderr, "%s\n", printable(line))
		}
	}
	return fmt.Errorf("config validate: %s: %d %s", path, len(problems), plural(len(problems), "problem", "problems"))
}

// validateConfig returns the problems of the configuration at path.
func (a *app) validateConfig(ctx context.Context, path string, log *slog.Logger) []error {
	c, err := loadConfig(path)
	if err != nil {
		return []error{err}
	}
	var errs []error
	note := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	// Secrets the file names must be readable now; in development mode the
	// others are generated at the first start.
	secret := []byte(nil)
	if c.Pool.Secret.set() {
		secret, err = a.readSecret(c.Pool.Secret, "pool.secret", log)
		note(err)
	}
	for i, ref := range c.HostedUI.CookieKeys {
		_, err := a.readSecret(ref, fmt.Sprintf("hosted_ui.cookie_keys[%d]", i), log)
		note(err)
	}
	if c.SMTP != nil && c.SMTP.Password.set() {
		_, err := a.readSecretValue(c.SMTP.Password, "smtp.password", log)
		note(err)
	}
	for i, k := range c.CognitoAPI.AccessKeys {
		_, err := a.readSecretValue(k.Secret, fmt.Sprintf("cognito_api.access_keys[%d].secret", i), log)
		note(err)
	}
	src := &secretSource{app: a, cfg: c, log: log}
	for _, p := range c.IdentityProviders {
		_, err := src.providerDetails(p)
		note(err)
	}
	if c.Federation.SAMLKey.set() {
		_, _, err := src.samlKeyPair()
		note(err)
	}
	if c.TLS.enabled() {
		if _, err := tls.LoadX509KeyPair(c.TLS.CertFile, c.TLS.KeyFile); err != nil {
			note(fmt.Errorf("tls: %w", err))
		}
	}
	if p := c.Pool.ThreatProtection.GeoIP; p != "" {
		geo, err := risk.OpenGeoIP(p)
		if err != nil {
			note(fmt.Errorf("threat_protection.geoip: %w", err))
		} else {
			geo.Close()
		}
	}
	b := c.HostedUI.Branding
	for _, f := range []struct{ what, path string }{
		{"hosted_ui.branding.logo_file", b.LogoFile}, {"hosted_ui.branding.css_file", b.CSSFile},
		{"hosted_ui.templates_dir", c.HostedUI.TemplatesDir}, {"hosted_ui.assets_dir", c.HostedUI.AssetsDir},
	} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			note(fmt.Errorf("%s: %w", f.what, err))
		}
	}
	// The pool's own checks, on a pool in memory: schema, policies, MFA,
	// tokens and clients.
	pcfg := c.userpoolConfig()
	if c.Dev {
		if pcfg.ID == "" {
			pcfg.ID = devPoolID
		}
		if pcfg.Issuer == "" {
			pcfg.Issuer = devIssuer(defaultAddr)
		}
	}
	if len(secret) < secretBytes {
		// Unreadable or generated at the first start: any will do here.
		secret = make([]byte, secretBytes)
		if _, err := io.ReadFull(a.random, secret); err != nil {
			return append(errs, fmt.Errorf("config validate: %w", err))
		}
	}
	pcfg.Secret = secret
	pcfg.Logger = slog.New(slog.DiscardHandler)
	pcfg.Clock = a.now
	if _, err := userpool.New(ctx, pcfg, memory.New()); err != nil {
		note(fmt.Errorf("pool: %w", err))
	}
	return errs
}
