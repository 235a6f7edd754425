// Package gateway puts a browser sign-in in front of a web application, as
// an AWS Application Load Balancer's "authenticate-oidc" action does: the
// load-balancer role. It works with any OpenID Connect provider (Cupola's
// hosted UI first) through golang.org/x/oauth2 and coreos/go-oidc, and
// imports nothing else of Cupola but package token.
//
//	key, _ := token.GenerateKey(token.ES256, nil)
//	gate, err := gateway.New(ctx, gateway.Options{
//		Issuer:      "https://auth.example.com",
//		ClientID:    "web",
//		RedirectURL: "https://app.example.com/oauth2/idpresponse",
//		Upstream:    httputil.NewSingleHostReverseProxy(appURL), // or any http.Handler
//		CookieKeys:  [][]byte{cookieKey}, // 32+ random bytes, kept secret
//		IdentityHeaders: true,
//		SigningKey:      key,
//	})
//	http.ListenAndServe(":443", gate) // with TLS
//
// # What happens to a request
//
// Incoming X-Amzn-Oidc-* headers are deleted first, on every path, so a
// client can never pose as a user. The gateway's callback (RedirectURL's
// path) and LogoutPath are answered by the gateway. Any other request
// needs a session:
//
//   - Without one, a browser navigating (GET or HEAD accepting text/html)
//     is redirected (302) to the provider's authorization endpoint with
//     PKCE S256, a state and a nonce; those and the page asked for (a
//     path on this host only: no open redirect) wait in a sealed sign-in
//     cookie for ten minutes. Other requests get 401, unless
//     Options.AllowUnauthenticated lets them through without identity.
//   - The callback checks the state against that cookie (and iss, RFC
//     9207), exchanges the code with the PKCE verifier, verifies the ID
//     token with go-oidc (signature, iss, aud, exp) and its nonce, and
//     stores the session (ID token claims, access and refresh tokens,
//     expiry) in the session cookie.
//   - With a session, an access token due to expire (within a minute) is
//     refreshed with the refresh token, once for a page's parallel
//     requests, and the cookie rewritten; if that fails the sign-in starts
//     again. The upstream then gets the request without the gateway's
//     cookies, with the user in its context (ClaimsFrom) and, with
//     Options.IdentityHeaders, X-Amzn-Oidc-Identity (sub),
//     X-Amzn-Oidc-Accesstoken and X-Amzn-Oidc-Data.
//   - LogoutPath, on a POST from the app's own pages, deletes the session
//     cookies, revokes the refresh token (RFC 7009, when the provider has a
//     revocation endpoint) and sends the browser to the provider's
//     end_session_endpoint with client_id and post_logout_redirect_uri (or
//     Cognito's logout_uri). A GET shows a page whose button posts, so a
//     link still signs out with one click; a POST from another site is
//     refused, so a cross-site page cannot sign a user out.
//
// # Cookies
//
// The session and sign-in cookies are sealed with AES-256-GCM under keys
// derived (HKDF-SHA256) from Options.CookieKeys: the first key seals, all
// of them open, so keys rotate without signing anyone out. Each value is
// bound to its cookie's name and carries its own expiry, so a tampered,
// moved, replayed-after-expiry or foreign cookie is refused (and deleted).
// Cookies are HttpOnly, SameSite=Lax, Path=/, Secure when the request
// came over TLS or RedirectURL is https (and then named with the __Host-
// prefix by default). A session larger than one cookie holds (about 3.8
// KB sealed) is split into name_0, name_1… as an ALB does. A session is
// not revoked server-side: its cookie stays valid until its access token
// lapses; logout revokes the refresh token, so a copied cookie cannot be
// refreshed.
//
// # Verifying X-Amzn-Oidc-Data in the upstream
//
// The value is a JWT signed with Options.SigningKey, shaped as an ALB's:
// header {alg, kid, signer, client, iss, exp}, payload the user's claims
// with iss and exp (see VerifyData). An upstream in another process
// verifies it with the gateway's public key, never trusting the header's
// alg or any key URL:
//
//	keys, _ := gateway.StaticKeys(jwks) // the gateway key's public JWKS
//	claims, err := gateway.VerifyData(ctx, r.Header.Get("X-Amzn-Oidc-Data"), gateway.DataOptions{
//		Keys: keys, Issuer: "https://auth.example.com", ClientID: "web"})
//
// Outside Go, any JWT library does the same: look the key up by kid (the
// JWKS is made by token.NewKeySet(key) and KeySet.JWKS), accept only its
// algorithm (ES256), and check exp, iss and the header's client.
package gateway
