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

// printDevInfo prints, on stdout, what a developer needs to try the
// development pool: the page that signs in and shows the tokens, the
// client, a ready authorization request with its PKCE verifier for a
// manual exchange, and the sign-out URL.
func (a *app) printDevInfo(in *instance) error {
	authURL, p, state, err := in.dev.start()
	if err != nil {
		return err
	}
	issuer := strings.TrimRight(in.pool.Issuer(), "/")
	callback, home := devRedirectURLs(issuer)
	logout := issuer + "/logout?" + url.Values{"client_id": {devClientID}, "logout_uri": {home}}.Encode()
	_, err = fmt.Fprintf(a.stdout, `
Cupola development pool %s is ready (no -config: development mode).

Sign in (or sign up) and see your tokens:

  %s

  Issuer:         %s
  Discovery:      %s/.well-known/openid-configuration
  Client ID:      %s   (public client: PKCE S256, no secret)
  Callback URLs:  %s (served here)
                  %s (your app)
  Scopes:         %s
  Sign-out URL:   %s

A ready authorization request (this server's callback page exchanges the
code; or exchange it yourself with the verifier below):

  %s

  PKCE code_verifier:  %s
  PKCE code_challenge: %s (S256)
  state:               %s

  curl -s %s/oauth2/token -d grant_type=authorization_code -d client_id=%s \
    -d redirect_uri=%s -d code_verifier=%s -d code=CODE

To put this sign-in in front of your own service, see examples/gateway.
Emails (sign-up and reset codes) are printed here.

`, devPoolID, home, issuer, issuer, devClientID, callback, devCallbackURL, strings.Join(devScopes, " "), logout,
		authURL, p.Verifier, p.Challenge, state,
		issuer, devClientID, url.QueryEscape(callback), p.Verifier)
	return err
}
