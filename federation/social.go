package federation

import (
	"context"
	"net/http"
)

// oauth2Provider is a plain OAuth2 social provider (Facebook, Login with
// Amazon): authorization code flow with PKCE, then the provider's profile
// API with the access token. There is no ID token; the profile answer
// comes straight from the provider over TLS with a token only it issued.
type oauth2Provider struct {
	oauthBase
	authURL, tokenURL, profileURL string
	// subjectClaim names the profile field holding the user's ID.
	subjectClaim string
	// profileRequest builds the profile call for an access token.
	profileRequest func(profileURL, accessToken string) (*http.Request, error)
}

// Start implements Provider.
func (p *oauth2Provider) Start(ctx context.Context, in StartInput) (*Start, error) {
	pending, err := p.begin(in, "")
	if err != nil {
		return nil, err
	}
	return &Start{URL: p.authCodeURL(p.authURL, pending, in.LoginHint), Pending: pending}, nil
}

// Complete implements Provider.
func (p *oauth2Provider) Complete(ctx context.Context, in CompleteInput) (*Identity, error) {
	code, err := p.callback(in)
	if err != nil {
		return nil, err
	}
	tok, err := p.exchange(ctx, p.tokenURL, in.Pending, code, p.clientSecret)
	if err != nil {
		return nil, err
	}
	req, err := p.profileRequest(p.profileURL, tok.AccessToken)
	if err != nil {
		return nil, p.fail("profile", ErrConfig, "profile URL", err)
	}
	claims, err := p.fetchClaims(ctx, "profile", req)
	if err != nil {
		return nil, err
	}
	attrs := flattenClaims(claims)
	sub := attrs[p.subjectClaim]
	if sub == "" {
		return nil, p.fail("profile", ErrInvalidResponse, "profile has no "+p.subjectClaim, nil)
	}
	// Facebook and Amazon only hand out addresses their users confirmed
	// (as their documentation says), which is what Cognito assumes too.
	email := attrs["email"]
	return &Identity{
		Provider:      p.name,
		Type:          p.typ,
		Subject:       sub,
		Email:         email,
		EmailVerified: email != "",
		Attributes:    attrs,
	}, nil
}
