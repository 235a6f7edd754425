package federation

import "context"

// NewAmazon returns the Login with Amazon provider (Type [TypeAmazon]):
// OAuth2 with PKCE against www.amazon.com/ap/oa, then the profile API
// (api.amazon.com/user/profile: user_id, name, email). Details: client_id,
// client_secret, authorize_scopes (default "profile"); authorize_url,
// token_url and attributes_url override the endpoints. The subject is
// user_id.
func NewAmazon(ctx context.Context, cfg Config) (Provider, error) {
	d := newDetails(cfg)
	base, err := newOAuthBase(cfg, TypeAmazon, d, true, d.scopes("profile"))
	if err != nil {
		return nil, err
	}
	p := &oauth2Provider{oauthBase: base, subjectClaim: "user_id", profileRequest: bearerGET}
	if p.authURL, err = d.url(keyAuthorizeURL, "https://www.amazon.com/ap/oa"); err != nil {
		return nil, err
	}
	if p.tokenURL, err = d.url(keyTokenURL, "https://api.amazon.com/auth/o2/token"); err != nil {
		return nil, err
	}
	if p.profileURL, err = d.url(keyAttributesURL, "https://api.amazon.com/user/profile"); err != nil {
		return nil, err
	}
	return p, nil
}
