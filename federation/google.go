package federation

import (
	"context"
	"slices"
)

// Google's OpenID Connect endpoints, as its discovery document
// (https://accounts.google.com/.well-known/openid-configuration) gives
// them; fixed here so that signing in with Google needs no discovery call.
const googleIssuer = "https://accounts.google.com"

func googleEndpoints() endpoints {
	return endpoints{
		auth:     "https://accounts.google.com/o/oauth2/v2/auth",
		token:    "https://oauth2.googleapis.com/token",
		jwks:     "https://www.googleapis.com/oauth2/v3/certs",
		userinfo: "https://openidconnect.googleapis.com/v1/userinfo",
	}
}

// NewGoogle returns the Google provider (Type [TypeGoogle]): OpenID
// Connect against accounts.google.com with client_id, client_secret and
// authorize_scopes (default "openid email profile"; openid is added when
// missing, since Cognito's Google settings often omit it and Google then
// returns no ID token).
//
// The OIDC Details keys oidc_issuer, authorize_url, token_url, jwks_uri,
// attributes_url and attributes_request_method are honoured as by
// [NewOIDC], so the preset can be pointed at a test server.
func NewGoogle(ctx context.Context, cfg Config) (Provider, error) {
	d := newDetails(cfg)
	scopes := d.scopes("openid email profile")
	if !slices.Contains(scopes, "openid") {
		scopes = append([]string{"openid"}, scopes...)
	}
	base, err := newOAuthBase(cfg, TypeGoogle, d, true, scopes)
	if err != nil {
		return nil, err
	}
	p, err := newOIDCProvider(d, base, googleIssuer, googleEndpoints())
	if err != nil {
		return nil, err
	}
	return p, nil
}
