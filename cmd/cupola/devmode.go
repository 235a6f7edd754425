package main

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// pkce is a PKCE pair (RFC 7636) with S256.
type pkce struct {
	Verifier, Challenge string
}

// newPKCE draws a 256-bit verifier (43 characters) and its S256 challenge.
func newPKCE(random io.Reader) (pkce, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(random, b); err != nil {
		return pkce{}, fmt.Errorf("pkce: %w", err)
	}
	v := base64.RawURLEncoding.EncodeToString(b)
	return pkce{Verifier: v, Challenge: s256(v)}, nil
}

// s256 is the S256 code challenge of a verifier.
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// devAuthorizeURL is a ready authorization request for the development
// client, with its PKCE pair and state.
func devAuthorizeURL(issuer string, p pkce, state string) string {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {devClientID},
		"redirect_uri":          {devCallbackURL},
		"scope":                 {strings.Join(devScopes, " ")},
		"state":                 {state},
		"code_challenge":        {p.Challenge},
		"code_challenge_method": {"S256"},
	}
	return strings.TrimRight(issuer, "/") + "/oauth2/authorize?" + q.Encode()
}

// printDevInfo prints, on stdout, what a developer needs to try the
// development pool: the client ID, the discovery URL and an authorize URL
// with its PKCE verifier, then how to exchange the code.
func (a *app) printDevInfo(in *instance) error {
	p, err := newPKCE(a.random)
	if err != nil {
		return err
	}
	st := make([]byte, 16)
	if _, err := io.ReadFull(a.random, st); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	state := base64.RawURLEncoding.EncodeToString(st)
	issuer := strings.TrimRight(in.pool.Issuer(), "/")
	_, err = fmt.Fprintf(a.stdout, `
Cupola development pool %s is ready (no -config: development mode).

  Issuer:         %s
  Discovery:      %s/.well-known/openid-configuration
  Client ID:      %s   (public client: PKCE S256, no secret)
  Callback URL:   %s
  Scopes:         %s

Sign in (or sign up) by opening:

  %s

  PKCE code_verifier:  %s
  PKCE code_challenge: %s (S256)
  state:               %s

The browser then goes to %s?code=CODE&state=...; exchange the code with:

  curl -s %s/oauth2/token -d grant_type=authorization_code -d client_id=%s \
    -d redirect_uri=%s -d code_verifier=%s -d code=CODE

Emails (sign-up and reset codes) are printed here.

`, devPoolID, issuer, issuer, devClientID, devCallbackURL, strings.Join(devScopes, " "),
		devAuthorizeURL(issuer, p, state), p.Verifier, p.Challenge, state,
		devCallbackURL, issuer, devClientID, url.QueryEscape(devCallbackURL), p.Verifier)
	return err
}
