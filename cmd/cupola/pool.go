package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/risk"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

// Development pool defaults, used when no configuration is given.
const (
	devPoolID      = "local_dev"
	devPoolName    = "Cupola (development)"
	devClientID    = "cupola_dev"
	devCallbackURL = "http://localhost:3000/callback"
	devLogoutURL   = "http://localhost:3000/"
	defaultAddr    = "127.0.0.1:8080"
)

// devScopes are the development client's scopes.
var devScopes = []string{userpool.ScopeOpenID, userpool.ScopeEmail, userpool.ScopeProfile}

// instance is an opened pool on its store, with the configuration it was
// built from. Close releases the store.
type instance struct {
	cfg     *fileConfig
	store   store.Store
	pool    *userpool.UserPool
	secrets *secretSource
	// federation is the pool's federation settings, its SAML key pair
	// included (sp-metadata needs them).
	federation userpool.FederationConfig
	log        *slog.Logger
	// devDefaults is set when no configuration was given.
	devDefaults bool
	// dev is the development loop serve mounts with the defaults.
	dev *devLoop
	// telemetry is the metric and trace pipelines (nil when neither is
	// configured); the pool records through them.
	telemetry *telemetry
}

// Close closes the store.
func (in *instance) Close() error { return in.store.Close() }

// devConfig is the configuration of the development pool: a public client
// for the development loop on this server and for a local app on port
// 3000, with the authorization code flow and PKCE.
func devConfig(issuer string) *fileConfig {
	// The development loop's pages on this server come first: the banner
	// and /_dev/ use them (devloop.go).
	callback, logout := devRedirectURLs(issuer)
	return &fileConfig{
		Dev:  true,
		Pool: poolConfig{ID: devPoolID, Name: devPoolName, Issuer: issuer},
		Clients: []clientConfig{{
			ClientID: devClientID,
			Name:     "Development app",
			// The loopback address as well, whose port may vary (RFC 8252).
			CallbackURLs:       []string{callback, devCallbackURL, "http://127.0.0.1:3000/callback"},
			LogoutURLs:         []string{logout, devLogoutURL, "http://127.0.0.1:3000/"},
			AllowedOAuthFlows:  []string{userpool.OAuthFlowCode},
			AllowedOAuthScopes: devScopes,
			ExplicitAuthFlows:  []string{userpool.AllowUserSRPAuth, userpool.AllowRefreshTokenAuth},
		}},
		// A developer's own load tests from this machine are not limited;
		// anyone else reaching the development server is.
		RateLimits: rateLimitsConfig{Exempt: []string{"127.0.0.0/8", "::1"}},
	}
}

// devIssuer is the development issuer for a listening address:
// http://host:port, with localhost for an unspecified host.
func devIssuer(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// open loads the configuration (or the development defaults, with
// devIssuerURL as issuer), opens the store and builds the pool; with
// observe (serve), the pool records into the configured metric and trace
// pipelines.
func (a *app) open(ctx context.Context, cf *commonFlags, devIssuerURL string, log *slog.Logger, observe bool) (*instance, error) {
	in := &instance{log: log}
	if cf.config == "" {
		in.cfg, in.devDefaults = devConfig(devIssuerURL), true
	} else {
		c, err := loadConfig(cf.config)
		if err != nil {
			return nil, err
		}
		in.cfg = c
		if c.Dev {
			if c.Pool.ID == "" {
				c.Pool.ID = devPoolID
			}
			if c.Pool.Issuer == "" {
				c.Pool.Issuer = devIssuerURL
			}
		}
	}
	in.secrets = &secretSource{app: a, cfg: in.cfg, dbPath: cf.db, log: log}
	secret, err := in.secrets.poolSecret()
	if err != nil {
		return nil, err
	}
	pcfg := in.cfg.userpoolConfig()
	pcfg.Secret = secret
	pcfg.Logger = log
	if pcfg.AuditLogger, err = a.auditLogger(cf); err != nil {
		return nil, err
	}
	pcfg.Clock = a.now
	if observe {
		// Only a server exports metrics and traces; a CLI command's pool
		// would record into pipelines nobody reads.
		if in.telemetry, err = newTelemetry(ctx, in.cfg.Metrics, in.cfg.Tracing); err != nil {
			return nil, err
		}
		in.telemetry.instrument(&pcfg)
	}
	if err := a.senders(&pcfg, in); err != nil {
		return nil, err
	}
	pcfg.Federation.LinkVerifiedEmails = in.cfg.Federation.LinkVerifiedEmails
	if pcfg.Federation.SAMLKey, pcfg.Federation.SAMLCertificate, err = in.secrets.samlKeyPair(); err != nil {
		return nil, err
	}
	in.federation = pcfg.Federation
	if path := in.cfg.Pool.ThreatProtection.GeoIP; path != "" {
		geo, err := risk.OpenGeoIP(path)
		if err != nil {
			return nil, fmt.Errorf("threat_protection.geoip: %w", err)
		}
		pcfg.ThreatProtection.Geo = geo
	}
	in.store, err = openStore(ctx, cf.db, log)
	if err != nil {
		a.removeCreatedDevSecrets()
		return nil, err
	}
	in.pool, err = userpool.New(ctx, pcfg, in.store)
	if err == nil {
		err = in.sync(ctx)
	}
	if err != nil {
		in.store.Close()
		a.removeCreatedDevSecrets()
		return nil, err
	}
	return in, nil
}

// removeCreatedDevSecrets takes back the development secrets file this run
// created when the start fails after it: a failed start leaves nothing
// behind, and the next start generates a fresh pair with its database.
func (a *app) removeCreatedDevSecrets() {
	if a.createdDevSecrets != "" {
		os.Remove(a.createdDevSecrets)
		a.createdDevSecrets = ""
	}
}

// senders sets the pool's email and SMS senders: SMTP when configured,
// the console in development mode, else none (codes cannot be sent).
func (a *app) senders(pcfg *userpool.Config, in *instance) error {
	if s := in.cfg.SMTP; s != nil {
		password, err := in.secrets.smtpPassword()
		if err != nil {
			return err
		}
		mode := map[string]message.TLSMode{"": message.TLSStartTLS, "starttls": message.TLSStartTLS,
			"implicit": message.TLSImplicit, "none": message.TLSNone}[s.TLS]
		sender, err := message.NewSMTPSender(message.SMTPConfig{Addr: s.Addr, From: s.From, Username: s.Username,
			Password: password, TLS: mode, Timeout: s.Timeout, Now: a.now})
		if err != nil {
			return fmt.Errorf("smtp: %w", err)
		}
		pcfg.EmailSender = sender
	}
	if in.cfg.Dev {
		console := newConsoleSender(a.stdout)
		if pcfg.EmailSender == nil {
			pcfg.EmailSender = console
			in.log.Info("development mode: emails are printed on stdout")
		}
		pcfg.SMSSender = console
	}
	if pcfg.EmailSender == nil {
		in.log.Warn("no smtp configured: the pool cannot send emails (sign-up codes, password resets, invitations)")
	}
	return nil
}

// sync brings the configured clients, resource servers and identity
// providers to their configuration: userpool.New creates missing clients;
// changed ones are updated here, and resource servers and identity
// providers created or updated. Nothing the configuration does not name is
// deleted.
func (in *instance) sync(ctx context.Context) error {
	for _, r := range in.cfg.ResourceServers {
		want := userpool.ResourceServerType{Identifier: r.Identifier, Name: r.Name}
		for _, s := range r.Scopes {
			want.Scopes = append(want.Scopes, userpool.ResourceServerScope{ScopeName: s.Name, ScopeDescription: s.Description})
		}
		have, err := in.pool.DescribeResourceServer(ctx, userpool.DescribeResourceServerInput{Identifier: r.Identifier})
		switch {
		case errors.Is(err, userpool.ErrResourceNotFound):
			if _, err := in.pool.CreateResourceServer(ctx, want); err != nil {
				return fmt.Errorf("resource server %s: %w", r.Identifier, err)
			}
			in.log.Info("resource server created", "identifier", r.Identifier)
		case err != nil:
			return fmt.Errorf("resource server %s: %w", r.Identifier, err)
		case !sameResourceServer(*have.ResourceServerType, want):
			if _, err := in.pool.UpdateResourceServer(ctx, want); err != nil {
				return fmt.Errorf("resource server %s: %w", r.Identifier, err)
			}
			in.log.Info("resource server updated from the configuration", "identifier", r.Identifier)
		}
	}
	if err := in.syncIdentityProviders(ctx); err != nil {
		return err
	}
	for _, c := range in.cfg.Clients {
		for _, name := range c.SupportedIdentityProviders {
			if name == userpool.ProviderCognito {
				continue
			}
			_, err := in.pool.DescribeIdentityProvider(ctx, userpool.DescribeIdentityProviderInput{ProviderName: name})
			if errors.Is(err, userpool.ErrResourceNotFound) {
				return fmt.Errorf("client %s: supported identity provider %q is neither COGNITO nor a provider of the pool", c.ClientID, name)
			}
			if err != nil {
				return fmt.Errorf("client %s: %w", c.ClientID, err)
			}
		}
		want := c.userpool()
		have, err := in.pool.DescribeUserPoolClient(ctx, userpool.DescribeUserPoolClientInput{ClientID: c.ClientID})
		if err != nil {
			return fmt.Errorf("client %s: %w", c.ClientID, err)
		}
		if sameClient(have.ClientConfig, want) {
			continue
		}
		if _, err := in.pool.UpdateUserPoolClient(ctx, want); err != nil {
			return fmt.Errorf("client %s: %w", c.ClientID, err)
		}
		in.log.Info("client updated from the configuration", "client_id", c.ClientID)
	}
	return nil
}

// syncIdentityProviders creates the configured identity providers that do
// not exist and updates those that differ from the configuration. A
// provider's type cannot change (as in Cognito): that is an error.
func (in *instance) syncIdentityProviders(ctx context.Context) error {
	for _, c := range in.cfg.IdentityProviders {
		details, err := in.secrets.providerDetails(c)
		if err != nil {
			return err
		}
		// Non-nil, so that an update clears what the file no longer has.
		mapping := maps.Clone(c.AttributeMapping)
		if mapping == nil {
			mapping = map[string]string{}
		}
		ids := slices.Clone(c.IdpIdentifiers)
		if ids == nil {
			ids = []string{}
		}
		have, err := in.pool.DescribeIdentityProvider(ctx, userpool.DescribeIdentityProviderInput{ProviderName: c.Name})
		switch {
		case errors.Is(err, userpool.ErrResourceNotFound):
			if _, err := in.pool.CreateIdentityProvider(ctx, userpool.CreateIdentityProviderInput{ProviderName: c.Name,
				ProviderType: c.Type, ProviderDetails: details, AttributeMapping: mapping, IdpIdentifiers: ids}); err != nil {
				return fmt.Errorf("identity provider %s: %w", c.Name, err)
			}
			in.log.Info("identity provider created", "name", c.Name, "type", c.Type)
		case err != nil:
			return fmt.Errorf("identity provider %s: %w", c.Name, err)
		case have.IdentityProvider.ProviderType != c.Type:
			return fmt.Errorf("identity provider %s is of type %s in the pool but %s in the configuration; a type cannot change: delete it first with 'cupola idps delete -name %s'",
				c.Name, have.IdentityProvider.ProviderType, c.Type, c.Name)
		case !sameIdentityProvider(have.IdentityProvider, details, mapping, ids):
			if _, err := in.pool.UpdateIdentityProvider(ctx, userpool.UpdateIdentityProviderInput{ProviderName: c.Name,
				ProviderDetails: details, AttributeMapping: mapping, IdpIdentifiers: ids}); err != nil {
				return fmt.Errorf("identity provider %s: %w", c.Name, err)
			}
			in.log.Info("identity provider updated from the configuration", "name", c.Name)
		}
	}
	return nil
}

// sameIdentityProvider compares a stored provider with a configured one.
// Identifiers are stored lower-cased.
func sameIdentityProvider(have userpool.IdentityProviderType, details, mapping map[string]string, ids []string) bool {
	lower := make([]string, len(ids))
	for i, id := range ids {
		lower[i] = strings.ToLower(id)
	}
	return maps.Equal(have.ProviderDetails, details) && maps.Equal(have.AttributeMapping, mapping) &&
		slices.Equal(have.IdpIdentifiers, lower)
}

func sameResourceServer(a, b userpool.ResourceServerType) bool {
	return a.Identifier == b.Identifier && a.Name == b.Name && slices.Equal(a.Scopes, b.Scopes)
}

// sameClient compares a stored client with a configured one, the pool's
// defaults applied to the configured one's zero fields.
func sameClient(have, want userpool.ClientConfig) bool {
	if len(want.ExplicitAuthFlows) == 0 {
		want.ExplicitAuthFlows = []string{userpool.AllowUserSRPAuth, userpool.AllowCustomAuth, userpool.AllowRefreshTokenAuth}
	}
	if want.PreventUserExistenceErrors == "" {
		want.PreventUserExistenceErrors = "ENABLED"
	}
	if want.AuthSessionValidity == 0 {
		want.AuthSessionValidity = 3 * time.Minute
	}
	return have.ClientName == want.ClientName &&
		slices.Equal(have.ExplicitAuthFlows, want.ExplicitAuthFlows) &&
		slices.Equal(have.ReadAttributes, want.ReadAttributes) &&
		slices.Equal(have.WriteAttributes, want.WriteAttributes) &&
		have.AccessTokenValidity == want.AccessTokenValidity &&
		have.IDTokenValidity == want.IDTokenValidity &&
		have.RefreshTokenValidity == want.RefreshTokenValidity &&
		have.AuthSessionValidity == want.AuthSessionValidity &&
		have.PreventUserExistenceErrors == want.PreventUserExistenceErrors &&
		have.DisableTokenRevocation == want.DisableTokenRevocation &&
		have.RefreshTokenRotation == want.RefreshTokenRotation &&
		have.RetryGracePeriod == want.RetryGracePeriod &&
		slices.Equal(have.CallbackURLs, want.CallbackURLs) &&
		slices.Equal(have.LogoutURLs, want.LogoutURLs) &&
		slices.Equal(have.AllowedOAuthFlows, want.AllowedOAuthFlows) &&
		slices.Equal(have.AllowedOAuthScopes, want.AllowedOAuthScopes) &&
		slices.Equal(have.SupportedIdentityProviders, want.SupportedIdentityProviders)
}
