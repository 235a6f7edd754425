package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/cupola-auth/cupola/internal/clientip"
	"github.com/cupola-auth/cupola/risk"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/userpool"
)

// maxConfigBytes bounds the configuration file.
const maxConfigBytes = 1 << 20

// fileConfig is the YAML configuration (cupola.yaml). Unknown fields are
// errors, so a typo never silently falls back to a default.
type fileConfig struct {
	// Dev turns on development mode: secrets not configured are generated
	// once and kept beside the database, and without SMTP, emails are
	// printed on stdout.
	Dev             bool                   `yaml:"dev"`
	Pool            poolConfig             `yaml:"pool"`
	Clients         []clientConfig         `yaml:"clients"`
	ResourceServers []resourceServerConfig `yaml:"resource_servers"`
	// IdentityProviders are created at start when absent and brought back
	// to this configuration when changed.
	IdentityProviders []identityProviderConfig `yaml:"identity_providers"`
	Federation        federationConfig         `yaml:"federation"`
	HostedUI          hostedUIConfig           `yaml:"hosted_ui"`
	SMTP              *smtpConfig              `yaml:"smtp"`
	CognitoAPI        cognitoAPIConfig         `yaml:"cognito_api"`
	TLS               tlsConfig                `yaml:"tls"`
	Metrics           metricsConfig            `yaml:"metrics"`
	Tracing           tracingConfig            `yaml:"tracing"`
	// TrustedProxies are the reverse proxies (CIDRs or addresses) whose
	// X-Forwarded-For names the client (limits.go).
	TrustedProxies []string         `yaml:"trusted_proxies"`
	RateLimits     rateLimitsConfig `yaml:"rate_limits"`
}

// poolConfig is userpool.Config's settable part.
type poolConfig struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Issuer is the pool's public base URL: the iss of its tokens and the
	// URL the hosted UI is reached at.
	Issuer                         string               `yaml:"issuer"`
	Secret                         secretRef            `yaml:"secret"`
	PasswordPolicy                 passwordPolicyConfig `yaml:"password_policy"`
	CaseSensitiveUsernames         bool                 `yaml:"case_sensitive_usernames"`
	UsernameAttributes             []string             `yaml:"username_attributes"`
	AliasAttributes                []string             `yaml:"alias_attributes"`
	AutoVerifiedAttributes         []string             `yaml:"auto_verified_attributes"`
	Schema                         []attributeConfig    `yaml:"schema"`
	Tokens                         tokensConfig         `yaml:"tokens"`
	SigningAlgorithm               string               `yaml:"signing_algorithm"`
	CodeValidity                   time.Duration        `yaml:"code_validity"`
	RevokeSessionsOnPasswordChange bool                 `yaml:"revoke_sessions_on_password_change"`
	MFA                            mfaConfig            `yaml:"mfa"`
	Devices                        devicesConfig        `yaml:"devices"`
	AllowedFirstAuthFactors        []string             `yaml:"allowed_first_auth_factors"`
	WebAuthn                       webAuthnConfig       `yaml:"webauthn"`
	AllowAdminCreateUserOnly       bool                 `yaml:"allow_admin_create_user_only"`
	ConcealExistingAccounts        bool                 `yaml:"conceal_existing_accounts"`
	ThreatProtection               threatConfig         `yaml:"threat_protection"`
	AuthEventRetention             time.Duration        `yaml:"auth_event_retention"`
	Lockout                        *lockoutConfig       `yaml:"lockout"`
}

type passwordPolicyConfig struct {
	MinimumLength                 int  `yaml:"minimum_length"`
	RequireUppercase              bool `yaml:"require_uppercase"`
	RequireLowercase              bool `yaml:"require_lowercase"`
	RequireNumbers                bool `yaml:"require_numbers"`
	RequireSymbols                bool `yaml:"require_symbols"`
	TemporaryPasswordValidityDays int  `yaml:"temporary_password_validity_days"`
}

type attributeConfig struct {
	Name      string `yaml:"name"`
	Type      string `yaml:"type"`
	Required  bool   `yaml:"required"`
	Immutable bool   `yaml:"immutable"`
	MinLength int    `yaml:"min_length"`
	MaxLength int    `yaml:"max_length"`
}

type tokensConfig struct {
	ID      time.Duration `yaml:"id"`
	Access  time.Duration `yaml:"access"`
	Refresh time.Duration `yaml:"refresh"`
}

// threatConfig is userpool.ThreatProtectionConfig's settable part; the
// actions per risk level are set at run time (SetRiskConfiguration).
type threatConfig struct {
	Mode string `yaml:"mode"` // OFF, AUDIT, ENFORCED
	// GeoIP is the path of a MaxMind-format database (GeoLite2-City,
	// optionally with an ASN database merged in); empty means none.
	GeoIP string `yaml:"geoip"`
	// FailOpen lets sign-ins through when the assessor or breach service
	// fails; the default fails closed.
	FailOpen bool `yaml:"fail_open"`
}

type mfaConfig struct {
	Mode       string   `yaml:"mode"`
	Factors    []string `yaml:"factors"`
	TOTPIssuer string   `yaml:"totp_issuer"`
}

// cognitoAPIConfig configures Cognito's wire API (package cognitoapi),
// served at POST / beside the hosted UI.
type cognitoAPIConfig struct {
	// Region and AccountID are what signatures and ARNs name.
	Region    string `yaml:"region"`
	AccountID string `yaml:"account_id"`
	// AccessKeys sign admin actions (AWS Signature Version 4); without
	// any, admin actions are refused and public ones still work.
	AccessKeys []accessKeyConfig `yaml:"access_keys"`
}

type accessKeyConfig struct {
	ID     string    `yaml:"id"`
	Secret secretRef `yaml:"secret"`
}

// webAuthnConfig is userpool.WebAuthnConfig: passkeys, on when
// allowed_first_auth_factors lists WEB_AUTHN.
type webAuthnConfig struct {
	RelyingPartyID   string   `yaml:"relying_party_id"`
	RelyingPartyName string   `yaml:"relying_party_name"`
	Origins          []string `yaml:"origins"`
	UserVerification string   `yaml:"user_verification"`
	Attestation      string   `yaml:"attestation"`
	MaxCredentials   int      `yaml:"max_credentials"`
}

type devicesConfig struct {
	Enabled                    bool `yaml:"enabled"`
	OnlyRememberedOnUserPrompt bool `yaml:"only_remembered_on_user_prompt"`
	SkipMFAOnRememberedDevice  bool `yaml:"skip_mfa_on_remembered_device"`
}

type lockoutConfig struct {
	Threshold  int           `yaml:"threshold"`
	Base       time.Duration `yaml:"base"`
	Max        time.Duration `yaml:"max"`
	ResetAfter time.Duration `yaml:"reset_after"`
}

// clientConfig is an app client the configuration declares. It is
// created at start when absent and brought back to this configuration
// when changed. Clients with secrets are created with 'cupola clients
// create -secret', which shows the secret once.
type clientConfig struct {
	ClientID                   string        `yaml:"client_id"`
	Name                       string        `yaml:"name"`
	CallbackURLs               []string      `yaml:"callback_urls"`
	LogoutURLs                 []string      `yaml:"logout_urls"`
	AllowedOAuthFlows          []string      `yaml:"allowed_oauth_flows"`
	AllowedOAuthScopes         []string      `yaml:"allowed_oauth_scopes"`
	ExplicitAuthFlows          []string      `yaml:"explicit_auth_flows"`
	ReadAttributes             []string      `yaml:"read_attributes"`
	WriteAttributes            []string      `yaml:"write_attributes"`
	AccessTokenValidity        time.Duration `yaml:"access_token_validity"`
	IDTokenValidity            time.Duration `yaml:"id_token_validity"`
	RefreshTokenValidity       time.Duration `yaml:"refresh_token_validity"`
	AuthSessionValidity        time.Duration `yaml:"auth_session_validity"`
	PreventUserExistenceErrors string        `yaml:"prevent_user_existence_errors"`
	DisableTokenRevocation     bool          `yaml:"disable_token_revocation"`
	RefreshTokenRotation       bool          `yaml:"refresh_token_rotation"`
	RetryGracePeriod           time.Duration `yaml:"retry_grace_period"`
	CodeWithoutPKCE            bool          `yaml:"code_without_pkce"`
	// SupportedIdentityProviders are COGNITO and identity provider names;
	// empty means COGNITO only.
	SupportedIdentityProviders []string `yaml:"supported_identity_providers"`
}

type resourceServerConfig struct {
	Identifier string        `yaml:"identifier"`
	Name       string        `yaml:"name"`
	Scopes     []scopeConfig `yaml:"scopes"`
}

type scopeConfig struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
}

// identityProviderConfig is an identity provider the configuration
// declares (CreateIdentityProvider's input). Details holds the plain
// ProviderDetails; SecretDetails the ones read from the environment or a
// file, such as client_secret and private_key, which are refused in
// Details.
type identityProviderConfig struct {
	Name             string               `yaml:"name"`
	Type             string               `yaml:"type"`
	Details          map[string]string    `yaml:"details"`
	SecretDetails    map[string]secretRef `yaml:"secret_details"`
	AttributeMapping map[string]string    `yaml:"attribute_mapping"`
	IdpIdentifiers   []string             `yaml:"idp_identifiers"`
}

// secretProviderDetails are the ProviderDetails keys that hold secrets:
// they must come from secret_details.
var secretProviderDetails = []string{"client_secret", "private_key"}

// providerTypes are the identity provider types, as Cognito spells them.
var providerTypes = []string{userpool.ProviderTypeOIDC, userpool.ProviderTypeSAML, userpool.ProviderTypeGoogle,
	userpool.ProviderTypeFacebook, userpool.ProviderTypeAmazon, userpool.ProviderTypeApple}

// federationConfig is userpool.FederationConfig's settable part.
type federationConfig struct {
	// SAMLKey and SAMLCertificate (PEM) are the pool's SAML
	// service-provider key pair. In development mode, when absent, a key
	// and a self-signed certificate are generated once.
	SAMLKey         secretRef `yaml:"saml_key"`
	SAMLCertificate secretRef `yaml:"saml_certificate"`
	// LinkVerifiedEmails lets a first federated sign-in join the native
	// user with the same verified email.
	LinkVerifiedEmails bool `yaml:"link_verified_emails"`
}

// hostedUIConfig configures the hosted pages.
type hostedUIConfig struct {
	// CookieKeys seal the hosted UI's cookies; the first seals, all open
	// (rotation). Empty in development mode means a generated key.
	CookieKeys       []secretRef    `yaml:"cookie_keys"`
	SessionTTL       time.Duration  `yaml:"session_ttl"`
	SignUpAttributes []string       `yaml:"sign_up_attributes"`
	Branding         brandingConfig `yaml:"branding"`
	// TemplatesDir and AssetsDir override embedded templates and assets.
	TemplatesDir string `yaml:"templates_dir"`
	AssetsDir    string `yaml:"assets_dir"`
}

type brandingConfig struct {
	Title           string `yaml:"title"`
	LogoName        string `yaml:"logo_name"`
	LogoFile        string `yaml:"logo_file"`
	BackgroundColor string `yaml:"background_color"`
	TextColor       string `yaml:"text_color"`
	PrimaryColor    string `yaml:"primary_color"`
	ButtonTextColor string `yaml:"button_text_color"`
	ErrorColor      string `yaml:"error_color"`
	CSS             string `yaml:"css"`
	CSSFile         string `yaml:"css_file"`
	LegalText       string `yaml:"legal_text"`
}

// smtpConfig configures email delivery (message.SMTPSender).
type smtpConfig struct {
	Addr     string    `yaml:"addr"`
	From     string    `yaml:"from"`
	Username string    `yaml:"username"`
	Password secretRef `yaml:"password"`
	// TLS is starttls (the default), implicit or none (loopback only).
	TLS     string        `yaml:"tls"`
	Timeout time.Duration `yaml:"timeout"`
}

// secretRef names where a secret is read from: an environment variable or
// a file. Secrets are never written inline in the configuration.
type secretRef struct {
	Env  string `yaml:"env"`
	File string `yaml:"file"`
}

// UnmarshalYAML refuses an inline secret with a clear message.
func (s *secretRef) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return fmt.Errorf("line %d: secrets are not written inline: use {env: NAME} or {file: PATH}", n.Line)
	}
	type plain secretRef
	var p plain
	// KnownFields does not reach a custom unmarshaler's decode, so check
	// the keys here.
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i].Value; k != "env" && k != "file" {
				return fmt.Errorf("line %d: field %s not found in a secret (use env or file)", n.Content[i].Line, k)
			}
		}
	}
	if err := n.Decode(&p); err != nil {
		return err
	}
	*s = secretRef(p)
	return nil
}

// set reports whether the reference names a source.
func (s secretRef) set() bool { return s.Env != "" || s.File != "" }

// loadConfig reads and checks the YAML configuration at path.
func loadConfig(path string) (*fileConfig, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	if len(b) > maxConfigBytes {
		return nil, fmt.Errorf("config: %s is larger than %d bytes", path, maxConfigBytes)
	}
	c, err := parseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	c.resolvePaths(filepath.Dir(path))
	return c, nil
}

// resolvePaths makes the files the configuration names relative to the
// configuration file's directory, not to the working directory.
func (c *fileConfig) resolvePaths(dir string) {
	rel := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	rel(&c.Pool.Secret.File)
	for i := range c.HostedUI.CookieKeys {
		rel(&c.HostedUI.CookieKeys[i].File)
	}
	if c.SMTP != nil {
		rel(&c.SMTP.Password.File)
	}
	rel(&c.Federation.SAMLKey.File)
	rel(&c.Federation.SAMLCertificate.File)
	for _, p := range c.IdentityProviders {
		for k, ref := range p.SecretDetails {
			rel(&ref.File)
			p.SecretDetails[k] = ref
		}
	}
	rel(&c.HostedUI.Branding.LogoFile)
	rel(&c.HostedUI.Branding.CSSFile)
	rel(&c.HostedUI.TemplatesDir)
	rel(&c.HostedUI.AssetsDir)
}

// parseConfig decodes one YAML document, refusing unknown fields, and
// checks what the pool and hosted UI would not.
func parseConfig(b []byte) (*fileConfig, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var c fileConfig
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the configuration is empty")
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("the configuration must be a single YAML document")
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return &c, nil
}

// check validates what is not left to userpool.New and hostedui.New.
func (c *fileConfig) check() error {
	var errs []error
	if _, err := clientip.ParsePrefixes(c.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("trusted_proxies: %w", err))
	}
	if err := c.RateLimits.check(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Tracing.check(); err != nil {
		errs = append(errs, err)
	}
	if err := c.TLS.check(c.Pool.Issuer); err != nil {
		errs = append(errs, err)
	}
	if !c.Dev {
		if c.Pool.ID == "" {
			errs = append(errs, errors.New("pool.id is required"))
		}
		if c.Pool.Issuer == "" {
			errs = append(errs, errors.New("pool.issuer is required (the public base URL, such as https://auth.example.com)"))
		}
		if !c.Pool.Secret.set() {
			errs = append(errs, errors.New("pool.secret is required: {env: NAME} or {file: PATH} holding at least 32 random bytes"))
		}
		if len(c.HostedUI.CookieKeys) == 0 {
			errs = append(errs, errors.New("hosted_ui.cookie_keys is required: a list of {env: NAME} or {file: PATH}, each at least 32 random bytes"))
		}
	}
	if c.Pool.Secret.Env != "" && c.Pool.Secret.File != "" {
		errs = append(errs, errors.New("pool.secret: give env or file, not both"))
	}
	for i, k := range c.HostedUI.CookieKeys {
		if !k.set() || (k.Env != "" && k.File != "") {
			errs = append(errs, fmt.Errorf("hosted_ui.cookie_keys[%d]: give env or file", i))
		}
	}
	if c.Pool.Issuer != "" {
		if err := checkIssuer(c.Pool.Issuer); err != nil {
			errs = append(errs, err)
		}
	}
	seen := map[string]bool{}
	for i, cl := range c.Clients {
		if cl.ClientID == "" {
			errs = append(errs, fmt.Errorf("clients[%d]: client_id is required", i))
		} else if seen[cl.ClientID] {
			errs = append(errs, fmt.Errorf("clients[%d]: client_id %q is declared twice", i, cl.ClientID))
		}
		seen[cl.ClientID] = true
		for _, u := range slices.Concat(cl.CallbackURLs, cl.LogoutURLs) {
			if err := checkRedirectURL(u); err != nil {
				errs = append(errs, fmt.Errorf("clients[%d] (%s): %w", i, cl.ClientID, err))
			}
		}
	}
	for i, r := range c.ResourceServers {
		if r.Identifier == "" {
			errs = append(errs, fmt.Errorf("resource_servers[%d]: identifier is required", i))
		}
	}
	errs = append(errs, c.checkIdentityProviders()...)
	errs = append(errs, c.Federation.check()...)
	if s := c.SMTP; s != nil {
		if _, err := s.tlsMode(); err != nil {
			errs = append(errs, err)
		}
		if s.Password.set() && s.Username == "" {
			errs = append(errs, errors.New("smtp.password needs smtp.username"))
		}
	}
	return errors.Join(errs...)
}

// checkIdentityProviders checks what can be checked without building the
// providers: names, types, and that secrets come from secret_details.
// userpool checks the details themselves at start.
func (c *fileConfig) checkIdentityProviders() []error {
	var errs []error
	seen := map[string]bool{}
	for i, p := range c.IdentityProviders {
		where := fmt.Sprintf("identity_providers[%d]", i)
		if p.Name != "" {
			where += " (" + p.Name + ")"
		}
		switch {
		case p.Name == "":
			errs = append(errs, fmt.Errorf("%s: name is required", where))
		case seen[p.Name]:
			errs = append(errs, fmt.Errorf("%s: name %q is declared twice", where, p.Name))
		}
		seen[p.Name] = true
		if !slices.Contains(providerTypes, p.Type) {
			errs = append(errs, fmt.Errorf("%s: type %q is not one of %s", where, p.Type, strings.Join(providerTypes, ", ")))
		}
		if len(p.Details)+len(p.SecretDetails) == 0 {
			errs = append(errs, fmt.Errorf("%s: details are required (client_id, oidc_issuer… or MetadataURL)", where))
		}
		for _, k := range secretProviderDetails {
			if _, ok := p.Details[k]; ok {
				errs = append(errs, fmt.Errorf("%s: details.%s is a secret: give it in secret_details as {env: NAME} or {file: PATH}", where, k))
			}
		}
		for _, k := range slices.Sorted(maps.Keys(p.SecretDetails)) {
			ref := p.SecretDetails[k]
			if _, ok := p.Details[k]; ok {
				errs = append(errs, fmt.Errorf("%s: %s is in both details and secret_details", where, k))
			}
			if !ref.set() || (ref.Env != "" && ref.File != "") {
				errs = append(errs, fmt.Errorf("%s: secret_details.%s: give env or file", where, k))
			}
		}
	}
	return errs
}

func (f federationConfig) check() []error {
	var errs []error
	if f.SAMLKey.set() != f.SAMLCertificate.set() {
		errs = append(errs, errors.New("federation: saml_key and saml_certificate go together"))
	}
	if f.SAMLKey.Env != "" && f.SAMLKey.File != "" {
		errs = append(errs, errors.New("federation.saml_key: give env or file, not both"))
	}
	if f.SAMLCertificate.Env != "" && f.SAMLCertificate.File != "" {
		errs = append(errs, errors.New("federation.saml_certificate: give env or file, not both"))
	}
	return errs
}

// checkIssuer refuses an issuer that is not an absolute http(s) URL, or
// one using plain http for a host other than loopback.
func checkIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("pool.issuer %q must be an absolute http(s) URL without query or fragment", issuer)
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("pool.issuer %q: plain http is only for localhost; use https", issuer)
	}
	return nil
}

// checkRedirectURL applies Cognito's rules to a callback or logout URL:
// absolute, no fragment, https unless it is a loopback address or an
// app's own scheme (myapp://callback).
func checkRedirectURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Fragment != "" || u.RawFragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("redirect URL %q must be absolute and have no fragment", raw)
	}
	if u.User != nil {
		return fmt.Errorf("redirect URL %q must not carry user information", raw)
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return fmt.Errorf("redirect URL %q has no host", raw)
		}
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return fmt.Errorf("redirect URL %q: plain http is allowed only for localhost", raw)
		}
	case "javascript", "data", "file", "vbscript":
		return fmt.Errorf("redirect URL %q has a forbidden scheme", raw)
	}
	return nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func (s *smtpConfig) tlsMode() (tlsMode string, err error) {
	switch s.TLS {
	case "", "starttls", "implicit", "none":
		return s.TLS, nil
	}
	return "", fmt.Errorf("smtp.tls %q is not starttls, implicit or none", s.TLS)
}

// userpoolConfig converts the pool settings; the caller adds the secret,
// senders and logger.
func (c *fileConfig) userpoolConfig() userpool.Config {
	p := c.Pool
	cfg := userpool.Config{
		ID:     p.ID,
		Name:   p.Name,
		Issuer: p.Issuer,
		PasswordPolicy: userpool.PasswordPolicy{
			MinimumLength:                 p.PasswordPolicy.MinimumLength,
			RequireUppercase:              p.PasswordPolicy.RequireUppercase,
			RequireLowercase:              p.PasswordPolicy.RequireLowercase,
			RequireNumbers:                p.PasswordPolicy.RequireNumbers,
			RequireSymbols:                p.PasswordPolicy.RequireSymbols,
			TemporaryPasswordValidityDays: p.PasswordPolicy.TemporaryPasswordValidityDays,
		},
		CaseSensitiveUsernames:         p.CaseSensitiveUsernames,
		UsernameAttributes:             p.UsernameAttributes,
		AliasAttributes:                p.AliasAttributes,
		AutoVerifiedAttributes:         p.AutoVerifiedAttributes,
		Tokens:                         userpool.TokenValidity{ID: p.Tokens.ID, Access: p.Tokens.Access, Refresh: p.Tokens.Refresh},
		SigningAlgorithm:               token.Algorithm(p.SigningAlgorithm),
		CodeValidity:                   p.CodeValidity,
		RevokeSessionsOnPasswordChange: p.RevokeSessionsOnPasswordChange,
		MFA:                            userpool.MFAConfig{Mode: userpool.MFAMode(strings.ToUpper(p.MFA.Mode)), Factors: p.MFA.Factors, TOTPIssuer: p.MFA.TOTPIssuer},
		Devices: userpool.DeviceConfig{Enabled: p.Devices.Enabled, OnlyRememberedOnUserPrompt: p.Devices.OnlyRememberedOnUserPrompt,
			SkipMFAOnRememberedDevice: p.Devices.SkipMFAOnRememberedDevice},
		AllowedFirstAuthFactors: p.AllowedFirstAuthFactors,
		WebAuthn: userpool.WebAuthnConfig{RelyingPartyID: p.WebAuthn.RelyingPartyID, RelyingPartyName: p.WebAuthn.RelyingPartyName,
			Origins: p.WebAuthn.Origins, UserVerification: p.WebAuthn.UserVerification, Attestation: p.WebAuthn.Attestation,
			MaxCredentials: p.WebAuthn.MaxCredentials},
		AllowAdminCreateUserOnly: p.AllowAdminCreateUserOnly,
		ConcealExistingAccounts:  p.ConcealExistingAccounts,
		ThreatProtection:         userpool.ThreatProtectionConfig{Mode: strings.ToUpper(p.ThreatProtection.Mode)},
		AuthEventRetention:       p.AuthEventRetention,
	}
	if p.ThreatProtection.FailOpen {
		cfg.ThreatProtection.FailMode = risk.FailOpen
	}
	for _, a := range p.Schema {
		cfg.Schema = append(cfg.Schema, userpool.AttributeSchema{Name: a.Name, Type: userpool.AttributeType(a.Type),
			Required: a.Required, Immutable: a.Immutable, MinLength: a.MinLength, MaxLength: a.MaxLength})
	}
	if l := p.Lockout; l != nil {
		cfg.Lockout = store.LockoutPolicy{Threshold: l.Threshold, Base: l.Base, Max: l.Max, ResetAfter: l.ResetAfter}
	}
	for _, cl := range c.Clients {
		cfg.Clients = append(cfg.Clients, cl.userpool())
	}
	return cfg
}

func (cl clientConfig) userpool() userpool.ClientConfig {
	return userpool.ClientConfig{
		ClientID:                   cl.ClientID,
		ClientName:                 cl.Name,
		ExplicitAuthFlows:          cl.ExplicitAuthFlows,
		ReadAttributes:             cl.ReadAttributes,
		WriteAttributes:            cl.WriteAttributes,
		AccessTokenValidity:        cl.AccessTokenValidity,
		IDTokenValidity:            cl.IDTokenValidity,
		RefreshTokenValidity:       cl.RefreshTokenValidity,
		AuthSessionValidity:        cl.AuthSessionValidity,
		PreventUserExistenceErrors: cl.PreventUserExistenceErrors,
		DisableTokenRevocation:     cl.DisableTokenRevocation,
		RefreshTokenRotation:       cl.RefreshTokenRotation,
		RetryGracePeriod:           cl.RetryGracePeriod,
		CodeWithoutPKCE:            cl.CodeWithoutPKCE,
		CallbackURLs:               cl.CallbackURLs,
		LogoutURLs:                 cl.LogoutURLs,
		AllowedOAuthFlows:          cl.AllowedOAuthFlows,
		AllowedOAuthScopes:         cl.AllowedOAuthScopes,
		SupportedIdentityProviders: cl.SupportedIdentityProviders,
	}
}
