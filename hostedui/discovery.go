package hostedui

import (
	"net/http"
	"slices"
	"time"

	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/userpool"
)

// jwksMaxAge is how long verifiers may cache the JWKS; it stays below the
// pool's key publish-ahead time so a new key is seen before it signs.
const jwksMaxAge = 5 * time.Minute

// providerMetadata is the OpenID Provider Metadata (OIDC Discovery §3,
// RFC 8414, RFC 9207).
type providerMetadata struct {
	Issuer                                 string   `json:"issuer"`
	AuthorizationEndpoint                  string   `json:"authorization_endpoint"`
	TokenEndpoint                          string   `json:"token_endpoint"`
	UserinfoEndpoint                       string   `json:"userinfo_endpoint"`
	JWKSURI                                string   `json:"jwks_uri"`
	EndSessionEndpoint                     string   `json:"end_session_endpoint"`
	RevocationEndpoint                     string   `json:"revocation_endpoint"`
	ResponseTypesSupported                 []string `json:"response_types_supported"`
	ResponseModesSupported                 []string `json:"response_modes_supported"`
	GrantTypesSupported                    []string `json:"grant_types_supported"`
	SubjectTypesSupported                  []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported       []string `json:"id_token_signing_alg_values_supported"`
	ScopesSupported                        []string `json:"scopes_supported"`
	TokenEndpointAuthMethodsSupported      []string `json:"token_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethodsSupported []string `json:"revocation_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported          []string `json:"code_challenge_methods_supported"`
	ClaimsSupported                        []string `json:"claims_supported"`
	PromptValuesSupported                  []string `json:"prompt_values_supported"`
	ClaimsParameterSupported               bool     `json:"claims_parameter_supported"`
	RequestParameterSupported              bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported           bool     `json:"request_uri_parameter_supported"`
	AuthorizationResponseIssParameter      bool     `json:"authorization_response_iss_parameter_supported"`
}

// getDiscovery is the provider's metadata (OIDC Discovery §4).
func (h *handler) getDiscovery(w http.ResponseWriter, r *http.Request) {
	allowOrigin(w, r)
	var algs []string
	for _, k := range h.pool.KeySet().JWKS(h.cfg.Clock()).Keys {
		if k.Alg != "" && !slices.Contains(algs, k.Alg) {
			algs = append(algs, k.Alg)
		}
	}
	if len(algs) == 0 {
		algs = []string{string(token.RS256)}
	}
	auth := []string{"client_secret_basic", "client_secret_post", "none"}
	m := providerMetadata{
		Issuer:                                 h.pool.Issuer(),
		AuthorizationEndpoint:                  h.cfg.url("/oauth2/authorize"),
		TokenEndpoint:                          h.cfg.url("/oauth2/token"),
		UserinfoEndpoint:                       h.cfg.url("/oauth2/userInfo"),
		JWKSURI:                                h.cfg.url("/.well-known/jwks.json"),
		EndSessionEndpoint:                     h.cfg.url("/logout"),
		RevocationEndpoint:                     h.cfg.url("/oauth2/revoke"),
		ResponseTypesSupported:                 []string{"code"},
		ResponseModesSupported:                 []string{"query"},
		GrantTypesSupported:                    []string{"authorization_code", "refresh_token", "client_credentials"},
		SubjectTypesSupported:                  []string{"public"},
		IDTokenSigningAlgValuesSupported:       algs,
		ScopesSupported:                        []string{userpool.ScopeOpenID, userpool.ScopeEmail, userpool.ScopePhone, userpool.ScopeProfile, userpool.ScopeAdmin},
		TokenEndpointAuthMethodsSupported:      auth,
		RevocationEndpointAuthMethodsSupported: auth,
		CodeChallengeMethodsSupported:          []string{"S256"},
		ClaimsSupported: []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "token_use",
			"cognito:username", "cognito:groups", "email", "email_verified", "phone_number", "phone_number_verified",
			"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
			"website", "gender", "birthdate", "zoneinfo", "locale", "address", "updated_at"},
		PromptValuesSupported:             []string{"none", "login"},
		AuthorizationResponseIssParameter: true,
	}
	writeJSONCache(w, http.StatusOK, m, "public, max-age=300")
}

// jwks is /.well-known/jwks.json: the pool's current public keys.
func (h *handler) jwks(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	// The pool may swap its key set on rotation: take it per request.
	token.JWKSHandler(h.pool.KeySet(), h.cfg.Clock, jwksMaxAge).ServeHTTP(w, r)
}
