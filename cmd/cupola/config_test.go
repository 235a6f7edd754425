package main

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/risk"
	"github.com/cupola-auth/cupola/userpool"
)

const goodConfig = `
pool:
  id: prod_main
  name: Example
  issuer: https://auth.example.com
  secret: {env: CUPOLA_POOL_SECRET}
  password_policy: {minimum_length: 12, require_numbers: true}
  username_attributes: [email]
  auto_verified_attributes: []
  threat_protection: {mode: audit, fail_open: true}
  auth_event_retention: 720h
  mfa: {mode: optional, factors: [SOFTWARE_TOKEN_MFA]}
  allowed_first_auth_factors: [PASSWORD, WEB_AUTHN]
  webauthn: {relying_party_id: example.com, origins: ["https://auth.example.com"], user_verification: preferred, max_credentials: 5}
  tokens: {access: 30m, refresh: 720h}
  schema:
    - {name: "custom:team", type: String, max_length: 40}
clients:
  - client_id: web
    name: Web app
    callback_urls: [https://app.example.com/callback, "http://localhost:3000/callback"]
    logout_urls: [https://app.example.com/]
    allowed_oauth_flows: [code]
    allowed_oauth_scopes: [openid, email, https://api.example.com/read]
resource_servers:
  - identifier: https://api.example.com
    name: API
    scopes: [{name: read, description: Read access}]
hosted_ui:
  cookie_keys: [{file: cookie.key}, {env: OLD_COOKIE_KEY}]
  session_ttl: 2h
  branding: {title: Example, primary_color: "#0b5fff"}
smtp:
  addr: smtp.example.com:587
  from: Example <no-reply@example.com>
  username: no-reply@example.com
  password: {env: SMTP_PASSWORD}
`

func TestParseConfigReadsEverySection(t *testing.T) {
	c, err := parseConfig([]byte(goodConfig))
	if err != nil {
		t.Fatal(err)
	}
	pc := c.userpoolConfig()
	switch {
	case pc.ID != "prod_main" || pc.Issuer != "https://auth.example.com" || pc.Name != "Example":
		t.Errorf("pool identity = %q %q %q", pc.ID, pc.Issuer, pc.Name)
	case pc.PasswordPolicy.MinimumLength != 12 || !pc.PasswordPolicy.RequireNumbers:
		t.Errorf("password policy = %+v", pc.PasswordPolicy)
	case pc.AutoVerifiedAttributes == nil || len(pc.AutoVerifiedAttributes) != 0:
		t.Errorf("an empty auto_verified_attributes must stay empty (no codes), got %#v", pc.AutoVerifiedAttributes)
	case pc.MFA.Mode != userpool.MFAOptional:
		t.Errorf("mfa mode = %q", pc.MFA.Mode)
	case pc.ThreatProtection.Mode != userpool.ThreatProtectionAudit || pc.ThreatProtection.FailMode != risk.FailOpen || pc.AuthEventRetention != 720*time.Hour:
		t.Errorf("threat protection = %+v, retention %v", pc.ThreatProtection, pc.AuthEventRetention)
	case len(pc.AllowedFirstAuthFactors) != 2 || pc.WebAuthn.RelyingPartyID != "example.com" || pc.WebAuthn.Origins[0] != "https://auth.example.com" ||
		pc.WebAuthn.UserVerification != "preferred" || pc.WebAuthn.MaxCredentials != 5:
		t.Errorf("passkeys = %v %+v", pc.AllowedFirstAuthFactors, pc.WebAuthn)
	case pc.Tokens.Access != 30*time.Minute || pc.Tokens.Refresh != 720*time.Hour:
		t.Errorf("tokens = %+v", pc.Tokens)
	case len(pc.Schema) != 1 || pc.Schema[0].MaxLength != 40:
		t.Errorf("schema = %+v", pc.Schema)
	case len(pc.Clients) != 1 || len(pc.Clients[0].CallbackURLs) != 2 || pc.Clients[0].AllowedOAuthFlows[0] != "code":
		t.Errorf("clients = %+v", pc.Clients)
	}
	if c.Pool.Secret.Env != "CUPOLA_POOL_SECRET" {
		t.Errorf("pool secret ref = %+v", c.Pool.Secret)
	}
	if len(c.HostedUI.CookieKeys) != 2 || c.HostedUI.SessionTTL != 2*time.Hour || c.HostedUI.Branding.PrimaryColor != "#0b5fff" {
		t.Errorf("hosted ui = %+v", c.HostedUI)
	}
	if c.SMTP == nil || c.SMTP.Password.Env != "SMTP_PASSWORD" || c.SMTP.Addr != "smtp.example.com:587" {
		t.Errorf("smtp = %+v", c.SMTP)
	}
	if len(c.ResourceServers) != 1 || c.ResourceServers[0].Scopes[0].Name != "read" {
		t.Errorf("resource servers = %+v", c.ResourceServers)
	}
}

func TestParseConfigRefusesBadFiles(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"an unknown top-level field is an error", "dev: true\npooll: {}\n", "field pooll not found"},
		{"a misspelt nested field is an error", "dev: true\npool: {password_policy: {minimum_lenght: 9}}\n", "field minimum_lenght not found"},
		{"a misspelt client field is an error", "dev: true\nclients: [{client_id: a, callback_url: [x]}]\n", "field callback_url not found"},
		{"an unknown key in a secret is an error", "dev: true\npool: {secret: {environment: X}}\n", "field environment not found"},
		{"an inline secret is refused", "dev: true\npool: {secret: hunter2hunter2}\n", "not written inline"},
		{"a production config needs a pool secret", "pool: {id: p, issuer: 'https://a.example'}\nhosted_ui: {cookie_keys: [{env: K}]}\n", "pool.secret is required"},
		{"a production config needs cookie keys", "pool: {id: p, issuer: 'https://a.example', secret: {env: S}}\n", "hosted_ui.cookie_keys is required"},
		{"a production config needs an id and issuer", "pool: {secret: {env: S}}\nhosted_ui: {cookie_keys: [{env: K}]}\n", "pool.id is required"},
		{"a plain http issuer off localhost is refused", "dev: true\npool: {issuer: 'http://auth.example.com'}\n", "use https"},
		{"a plain http callback off localhost is refused", "dev: true\nclients: [{client_id: a, callback_urls: ['http://app.example.com/cb']}]\n", "only for localhost"},
		{"a callback with a fragment is refused", "dev: true\nclients: [{client_id: a, callback_urls: ['https://app.example.com/cb#x']}]\n", "no fragment"},
		{"a javascript callback is refused", "dev: true\nclients: [{client_id: a, callback_urls: ['javascript:alert(1)']}]\n", "forbidden scheme"},
		{"a client declared twice is refused", "dev: true\nclients: [{client_id: a}, {client_id: a}]\n", "declared twice"},
		{"an unknown smtp tls mode is refused", "dev: true\nsmtp: {addr: 'a:25', from: a@b.c, tls: ssl}\n", "smtp.tls"},
		{"a bad duration is an error", "dev: true\npool: {tokens: {access: soon}}\n", "soon"},
		{"an empty file is an error", "", "empty"},
		{"two documents are refused", "dev: true\n---\ndev: false\n", "single YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestSecretsComeFromTheEnvironmentOrFiles(t *testing.T) {
	dir := t.TempDir()
	cfgPath := writeFile(t, dir, "cupola.yaml", goodConfig, 0o644)
	writeFile(t, dir, "cookie.key", testSecret+"\n", 0o600)
	c, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "cookie.key"); c.HostedUI.CookieKeys[0].File != want {
		t.Errorf("cookie key file = %q, want it relative to the config file: %q", c.HostedUI.CookieKeys[0].File, want)
	}
	log := slog.New(slog.DiscardHandler)

	tests := []struct {
		name    string
		env     map[string]string
		get     func(*secretSource) error
		wantErr string
	}{
		{"a missing secret environment variable is named in the error", map[string]string{},
			func(s *secretSource) error { _, err := s.poolSecret(); return err }, "environment variable CUPOLA_POOL_SECRET is not set"},
		{"an empty secret environment variable counts as missing", map[string]string{"CUPOLA_POOL_SECRET": ""},
			func(s *secretSource) error { _, err := s.poolSecret(); return err }, "CUPOLA_POOL_SECRET is not set"},
		{"a short secret is refused", map[string]string{"CUPOLA_POOL_SECRET": "short"},
			func(s *secretSource) error { _, err := s.poolSecret(); return err }, "shorter than 32 bytes"},
		{"a pool secret from the environment is read", map[string]string{"CUPOLA_POOL_SECRET": testSecret},
			func(s *secretSource) error {
				b, err := s.poolSecret()
				if err == nil && string(b) != testSecret {
					t.Errorf("secret = %q", b)
				}
				return err
			}, ""},
		{"cookie keys come from a file without its line break, then the environment", map[string]string{"OLD_COOKIE_KEY": testSecret + "old"},
			func(s *secretSource) error {
				keys, err := s.cookieKeys()
				if err == nil && (len(keys) != 2 || string(keys[0]) != testSecret || string(keys[1]) != testSecret+"old") {
					t.Errorf("keys = %q", keys)
				}
				return err
			}, ""},
		{"a missing cookie key environment variable is an error", map[string]string{},
			func(s *secretSource) error { _, err := s.cookieKeys(); return err }, "OLD_COOKIE_KEY is not set"},
		{"a missing smtp password environment variable is an error", map[string]string{},
			func(s *secretSource) error { _, err := s.smtpPassword(); return err }, "SMTP_PASSWORD is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta := newTestApp(t)
			ta.env = tt.env
			src := &secretSource{app: ta.app, cfg: c, dbPath: filepath.Join(dir, "cupola.db"), log: log}
			err := tt.get(src)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestServeFailsClearlyWhenASecretIsMissing(t *testing.T) {
	dir := t.TempDir()
	cfgPath := writeFile(t, dir, "cupola.yaml", goodConfig, 0o644)
	ta := newTestApp(t)
	code, _, stderr := ta.exec(t, "serve", "-addr", "127.0.0.1:0", "-config", cfgPath, "-db", filepath.Join(dir, "c.db"))
	if code != exitFailure || !strings.Contains(stderr, "CUPOLA_POOL_SECRET is not set") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}
