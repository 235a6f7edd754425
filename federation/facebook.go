package federation

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
)

const (
	facebookDefaultVersion = "v17.0"
	// facebookFields are the Graph API user fields asked for, those
	// Cognito maps by default.
	facebookFields = "id,name,email,first_name,last_name"
)

// NewFacebook returns the Facebook provider (Type [TypeFacebook]):
// OAuth2 with PKCE against the Facebook Login dialog, then the Graph API's
// /me with appsecret_proof. Details: client_id (the app ID),
// client_secret (the app secret), authorize_scopes (default
// "public_profile email"), api_version (default v17.0);
// authorize_url, token_url and attributes_url override the endpoints.
// The subject is the app-scoped user ID.
func NewFacebook(ctx context.Context, cfg Config) (Provider, error) {
	d := newDetails(cfg)
	base, err := newOAuthBase(cfg, TypeFacebook, d, true, d.scopes("public_profile email"))
	if err != nil {
		return nil, err
	}
	version := d.optional(keyAPIVersion)
	if version == "" {
		version = facebookDefaultVersion
	}
	if !isGraphVersion(version) {
		return nil, d.configError(keyAPIVersion, "%q is not a Graph API version such as v17.0", version)
	}
	p := &oauth2Provider{oauthBase: base, subjectClaim: "id"}
	if p.authURL, err = d.url(keyAuthorizeURL, "https://www.facebook.com/"+version+"/dialog/oauth"); err != nil {
		return nil, err
	}
	if p.tokenURL, err = d.url(keyTokenURL, "https://graph.facebook.com/"+version+"/oauth/access_token"); err != nil {
		return nil, err
	}
	if p.profileURL, err = d.url(keyAttributesURL, "https://graph.facebook.com/"+version+"/me"); err != nil {
		return nil, err
	}
	secret := base.clientSecret
	p.profileRequest = func(profileURL, accessToken string) (*http.Request, error) {
		return facebookProfileRequest(profileURL, accessToken, secret)
	}
	return p, nil
}

// facebookProfileRequest is the Graph /me call. appsecret_proof proves
// the call comes from the app's server, so a stolen access token alone
// cannot be used where the app requires the proof.
func facebookProfileRequest(profileURL, accessToken, appSecret string) (*http.Request, error) {
	u, err := url.Parse(profileURL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	// Cognito's attributes_url for Facebook ends in "?fields=" and
	// appends the mapped fields; an empty list gets ours.
	if q.Get("fields") == "" {
		q.Set("fields", facebookFields)
	}
	q.Set("appsecret_proof", appSecretProof(accessToken, appSecret))
	u.RawQuery = q.Encode()
	return bearerGET(u.String(), accessToken)
}

// appSecretProof is hex(HMAC-SHA256(key = app secret, message = access
// token)), as Facebook's "Securing Graph API Requests" defines it.
func appSecretProof(accessToken, appSecret string) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write([]byte(accessToken))
	return hex.EncodeToString(mac.Sum(nil))
}

// isGraphVersion accepts a Graph API version such as v17.0; the version
// goes into URLs, so nothing else may.
func isGraphVersion(v string) bool {
	rest, ok := strings.CutPrefix(v, "v")
	major, minor, ok2 := strings.Cut(rest, ".")
	return ok && ok2 && isDigits(major, 3) && isDigits(minor, 3)
}

func isDigits(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
