package federation

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Details keys shared by the OAuth2 and OpenID Connect providers, as
// Cognito spells them in ProviderDetails.
const (
	keyClientID         = "client_id"
	keyClientSecret     = "client_secret"
	keyScopes           = "authorize_scopes"
	keyIssuer           = "oidc_issuer"
	keyAuthorizeURL     = "authorize_url"
	keyTokenURL         = "token_url"
	keyAttributesURL    = "attributes_url"
	keyJWKSURI          = "jwks_uri"
	keyAttributesMethod = "attributes_request_method"
	keyTokenAuthMethod  = "token_endpoint_auth_method"
	keyAPIVersion       = "api_version"
	keyTeamID           = "team_id"
	keyKeyID            = "key_id"
	keyPrivateKey       = "private_key"
)

// details reads a Config's Details for one provider and turns every
// refusal into an ErrConfig naming the key, so a bad configuration is
// caught when the provider is built rather than on a user's sign-in.
type details struct {
	name string
	m    map[string]string
}

func newDetails(cfg Config) details {
	return details{name: cfg.Name, m: cfg.Details}
}

// configError is the ErrConfig for one Details key.
func (d details) configError(key, format string, args ...any) error {
	return &Error{Provider: d.name, Op: "config", Kind: ErrConfig,
		Detail: key + ": " + fmt.Sprintf(format, args...)}
}

// optional returns the key's value with surrounding spaces removed, which
// console copy-and-paste tends to add.
func (d details) optional(key string) string {
	return strings.TrimSpace(d.m[key])
}

func (d details) required(key string) (string, error) {
	v := d.optional(key)
	if v == "" {
		return "", d.configError(key, "required")
	}
	return v, nil
}

// url returns the key's value as an endpoint URL, or def when the key is
// absent. See checkEndpoint for what is accepted.
func (d details) url(key, def string) (string, error) {
	v := d.optional(key)
	if v == "" {
		return def, nil
	}
	if err := checkEndpoint(v); err != nil {
		return "", d.configError(key, "%v", err)
	}
	return v, nil
}

// scopes returns the space-separated authorize_scopes, or def when absent.
// Cognito's console also accepts commas, so they separate too.
func (d details) scopes(def string) []string {
	v := d.optional(keyScopes)
	if v == "" {
		v = def
	}
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

// oneOf returns the key's value, which must be one of allowed (compared
// case-insensitively, returned as spelled in allowed), or def when absent.
func (d details) oneOf(key, def string, allowed ...string) (string, error) {
	v := d.optional(key)
	if v == "" {
		return def, nil
	}
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a, nil
		}
	}
	return "", d.configError(key, "%q is not one of %s", v, strings.Join(allowed, ", "))
}

// checkEndpoint accepts an absolute https URL, or http to a loopback host:
// tokens and client secrets must not cross a network in clear, and
// loopback is where local development and tests run their providers.
func checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL")
	}
	if u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	if u.User != nil {
		return fmt.Errorf("%q carries credentials", u.Redacted())
	}
	if u.Fragment != "" {
		return fmt.Errorf("%q has a fragment", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%q is not https", raw)
	default:
		return fmt.Errorf("%q is not https", raw)
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkProviderName applies Cognito's rule for provider names: 3 to 32
// characters, no underscore (the federated username is Name_subject, so
// the first underscore must end the name), no spaces.
func checkProviderName(name string) error {
	n := utf8.RuneCountInString(name)
	if !utf8.ValidString(name) || n < 3 || n > 32 {
		return fmt.Errorf("name must be 3 to 32 characters")
	}
	if strings.ContainsFunc(name, func(r rune) bool { return r == '_' || unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return fmt.Errorf("name %q has an underscore, a space or a control character", name)
	}
	return nil
}

// checkType refuses a Config whose Type names another kind of provider
// than the constructor builds; an empty Type means the constructor's.
func checkType(cfg Config, want string) error {
	if cfg.Type != "" && cfg.Type != want {
		return &Error{Provider: cfg.Name, Op: "config", Kind: ErrConfig,
			Detail: fmt.Sprintf("type %q given to the %s constructor", cfg.Type, want)}
	}
	if err := checkProviderName(cfg.Name); err != nil {
		return &Error{Provider: cfg.Name, Op: "config", Kind: ErrConfig, Detail: err.Error()}
	}
	return nil
}
