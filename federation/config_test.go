package federation_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/federation"
)

// TestConstructorsRefuseBadDetails: every bad configuration is ErrConfig
// when the provider is built, with a message naming the key.
func TestConstructorsRefuseBadDetails(t *testing.T) {
	type newFunc = func(context.Context, federation.Config) (federation.Provider, error)
	oidcOK := map[string]string{"client_id": "c", "client_secret": "s", "oidc_issuer": "https://idp.example.com"}
	social := map[string]string{"client_id": "c", "client_secret": "s"}
	with := func(base map[string]string, kv ...string) map[string]string {
		d := map[string]string{}
		for k, v := range base {
			d[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(d, kv[i])
			} else {
				d[kv[i]] = kv[i+1]
			}
		}
		return d
	}
	tests := []struct {
		name    string
		new     newFunc
		cfgName string
		typ     string
		details map[string]string
		key     string // named in the error
	}{
		{"an OIDC provider without client_id is refused", federation.NewOIDC, "", "", with(oidcOK, "client_id", ""), "client_id"},
		{"an OIDC provider without oidc_issuer is refused", federation.NewOIDC, "", "", with(oidcOK, "oidc_issuer", ""), "oidc_issuer"},
		{"an issuer that is not a URL is refused", federation.NewOIDC, "", "", with(oidcOK, "oidc_issuer", "idp.example.com"), "oidc_issuer"},
		{"an issuer over plain http off loopback is refused", federation.NewOIDC, "", "", with(oidcOK, "oidc_issuer", "http://idp.example.com"), "oidc_issuer"},
		{"a token_url with credentials in it is refused", federation.NewOIDC, "", "", with(oidcOK, "token_url", "https://u:p@idp.example.com/token"), "token_url"},
		{"a malformed jwks_uri is refused", federation.NewOIDC, "", "", with(oidcOK, "jwks_uri", "https://[::1/keys"), "jwks_uri"},
		{"OIDC scopes without openid are refused", federation.NewOIDC, "", "", with(oidcOK, "authorize_scopes", "email profile"), "authorize_scopes"},
		{"an unknown attributes_request_method is refused", federation.NewOIDC, "", "", with(oidcOK, "attributes_request_method", "PUT"), "attributes_request_method"},
		{"an unknown token_endpoint_auth_method is refused", federation.NewOIDC, "", "", with(oidcOK, "token_endpoint_auth_method", "private_key_jwt"), "token_endpoint_auth_method"},
		{"a name with an underscore is refused", federation.NewOIDC, "Corp_IdP", "", oidcOK, "name"},
		{"a name under three characters is refused", federation.NewOIDC, "ab", "", oidcOK, "name"},
		{"a Config of another type is refused", federation.NewOIDC, "", federation.TypeSAML, oidcOK, "type"},
		{"Google without client_secret is refused", federation.NewGoogle, "Google", "", with(social, "client_secret", ""), "client_secret"},
		{"Facebook without client_id is refused", federation.NewFacebook, "Facebook", "", with(social, "client_id", ""), "client_id"},
		{"a Facebook api_version that is not vNN.N is refused", federation.NewFacebook, "Facebook", "", with(social, "api_version", "17/../../x"), "api_version"},
		{"a Facebook attributes_url that is not https is refused", federation.NewFacebook, "Facebook", "", with(social, "attributes_url", "http://graph.example.com/me"), "attributes_url"},
		{"Amazon without client_secret is refused", federation.NewAmazon, "LoginWithAmazon", "", with(social, "client_secret", ""), "client_secret"},
		{"an Amazon authorize_url that is not a URL is refused", federation.NewAmazon, "LoginWithAmazon", "", with(social, "authorize_url", "::"), "authorize_url"},
		{"Apple without team_id is refused", federation.NewApple, "SignInWithApple", "", map[string]string{"client_id": "c", "key_id": "k", "private_key": "x"}, "team_id"},
		{"Apple without key_id is refused", federation.NewApple, "SignInWithApple", "", map[string]string{"client_id": "c", "team_id": "t", "private_key": "x"}, "key_id"},
		{"Apple without private_key is refused", federation.NewApple, "SignInWithApple", "", map[string]string{"client_id": "c", "team_id": "t", "key_id": "k"}, "private_key"},
		{"Apple with a malformed private_key is refused", federation.NewApple, "SignInWithApple", "", map[string]string{"client_id": "c", "team_id": "t", "key_id": "k", "private_key": "-----BEGIN"}, "private_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := tt.cfgName
			if name == "" {
				name = "CorpIdP"
			}
			p, err := tt.new(context.Background(), federation.Config{Name: name, Type: tt.typ, Details: tt.details})
			if p != nil {
				t.Errorf("provider built from a bad configuration")
			}
			wantKind(t, err, federation.ErrConfig)
			if !strings.Contains(err.Error(), tt.key) {
				t.Errorf("error %q does not name %q", err, tt.key)
			}
			if strings.Contains(err.Error(), `"s"`) {
				t.Errorf("error %q may show the secret", err)
			}
		})
	}
}

// TestConstructorsAcceptTheirDefaults: the minimal Details of each type
// builds without any network call.
func TestConstructorsAcceptTheirDefaults(t *testing.T) {
	social := map[string]string{"client_id": "c", "client_secret": "s"}
	tests := []struct {
		name    string
		new     func(context.Context, federation.Config) (federation.Provider, error)
		cfgName string
		typ     string
		details map[string]string
		wantURL string // where Start sends the browser; empty: not checked (needs discovery)
	}{
		{"an OIDC provider needs client_id and oidc_issuer", federation.NewOIDC, "CorpIdP", federation.TypeOIDC,
			map[string]string{"client_id": "c", "oidc_issuer": "https://idp.example.com"}, ""},
		{"Google needs client_id and client_secret, and starts at Google without discovery", federation.NewGoogle, "Google", federation.TypeGoogle, social,
			"https://accounts.google.com/o/oauth2/v2/auth?"},
		{"Facebook needs client_id and client_secret, and starts at the v17.0 dialog", federation.NewFacebook, "Facebook", federation.TypeFacebook, social,
			"https://www.facebook.com/v17.0/dialog/oauth?"},
		{"Amazon needs client_id and client_secret, and starts at Login with Amazon", federation.NewAmazon, "LoginWithAmazon", federation.TypeAmazon, social,
			"https://www.amazon.com/ap/oa?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.new(context.Background(), federation.Config{Name: tt.cfgName, Details: tt.details})
			if err != nil {
				t.Fatal(err)
			}
			if p.Name() != tt.cfgName || p.Type() != tt.typ {
				t.Errorf("provider %s/%s", p.Name(), p.Type())
			}
			if tt.wantURL == "" {
				return
			}
			s := start(t, p)
			if !strings.HasPrefix(s.URL, tt.wantURL) {
				t.Errorf("Start URL %s, want %s…", s.URL, tt.wantURL)
			}
			if tt.typ == federation.TypeGoogle && !strings.Contains(s.URL, "scope=openid+email+profile") {
				t.Errorf("Google scopes in %s", s.URL)
			}
		})
	}
}
