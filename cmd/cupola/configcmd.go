package main

import (
	"context"
	"crypto/tls"
	_ "embed"
	"fmt"
	"io"
	"log/slog"
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
	// others are generated at the first start. SMTP's and the wire API's
	// are read where serve reads them, below.
	secret := []byte(nil)
	if c.Pool.Secret.set() {
		secret, err = a.readSecret(c.Pool.Secret, "pool.secret", log)
		note(err)
	}
	for i, ref := range c.HostedUI.CookieKeys {
		_, err := a.readSecret(ref, fmt.Sprintf("hosted_ui.cookie_keys[%d]", i), log)
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
	// What serve builds, on a pool in memory: the pool's own checks
	// (schema, policies, MFA, tokens, clients), the senders, the
	// configured resource servers and identity providers, the hosted UI
	// (branding files, templates) and the wire API.
	quiet := slog.New(slog.DiscardHandler)
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
		// Unreadable (reported above) or generated at the first start:
		// any will do here.
		if secret, err = a.randomBytes(secretBytes); err != nil {
			return append(errs, err)
		}
	}
	pcfg.Secret = secret
	pcfg.Logger = quiet
	pcfg.Clock = a.now
	in := &instance{cfg: c, store: memory.New(), secrets: &secretSource{app: a, cfg: c, log: quiet}, log: quiet}
	defer in.Close()
	if err := a.senders(&pcfg, in); err != nil {
		note(err)
	}
	if in.pool, err = userpool.New(ctx, pcfg, in.store); err != nil {
		return append(errs, fmt.Errorf("pool: %w", err))
	}
	if len(errs) == 0 {
		// After the secrets are sorted out: sync reads them again, and
		// stops at the first problem.
		note(in.sync(ctx))
	}
	cookieKeys := [][]byte{}
	for _, ref := range c.HostedUI.CookieKeys {
		if k, err := a.readSecret(ref, "", quiet); err == nil {
			cookieKeys = append(cookieKeys, k)
		}
	}
	if len(cookieKeys) == 0 {
		k, err := a.randomBytes(secretBytes)
		if err != nil {
			return append(errs, err)
		}
		cookieKeys = append(cookieKeys, k)
	}
	if _, err := a.hostedUI(in, cookieKeys, quiet); err != nil {
		note(err)
	}
	if _, err := a.cognitoAPI(in, quiet); err != nil {
		note(err)
	}
	return errs
}

// randomBytes returns n bytes from the app's random source.
func (a *app) randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(a.random, b); err != nil {
		return nil, fmt.Errorf("random: %w", err)
	}
	return b, nil
}
