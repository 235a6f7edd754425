// Package hostedui is a user pool's hosted UI and OAuth 2.0 / OpenID
// Connect authorization server, as Cognito's hosted UI (managed login) is:
// server-rendered sign-in, sign-up, confirmation, password-reset, MFA,
// new-password and passkey pages, and the /oauth2/authorize, /oauth2/token,
// /oauth2/userInfo, /oauth2/revoke, /logout, /.well-known/openid-configuration
// and /.well-known/jwks.json endpoints, all as one http.Handler.
//
// Mount it where Options.BaseURL points; BaseURL must be the pool's Issuer,
// so OIDC clients find the discovery document under it:
//
//	pool, _ := userpool.New(ctx, userpool.Config{ID: "main",
//		Issuer: "https://example.com/auth", Secret: poolSecret,
//		Clients: []userpool.ClientConfig{{ClientID: "web",
//			CallbackURLs:       []string{"https://app.example.com/callback"},
//			LogoutURLs:         []string{"https://app.example.com/"},
//			AllowedOAuthFlows:  []string{"code"},
//			AllowedOAuthScopes: []string{"openid", "email"}}}}, store)
//	ui, err := hostedui.New(pool, hostedui.Options{
//		BaseURL:    "https://example.com/auth",
//		CookieKeys: [][]byte{cookieKey}, // 32+ random bytes, kept secret
//	})
//	mux.Handle("/auth/", ui)
//
// An application then sends its users to
// https://example.com/auth/oauth2/authorize?response_type=code&client_id=web&…
// (golang.org/x/oauth2 and coreos/go-oidc work as they are).
//
// # How a sign-in travels through the pages
//
// /oauth2/authorize validates the request with the pool
// (UserPool.ValidateAuthorizeRequest): an unknown client or a redirect URI
// not registered exactly gets an error page, never a redirect. The
// validated request (client, redirect URI, state, nonce, scopes, PKCE
// challenge) is then sealed into a short-lived cookie (15 minutes,
// AES-256-GCM under CookieKeys) and the browser goes to /login. Every page
// reads the request from that cookie only, so no form field or query
// string can change where the code is sent; the pool's challenge Session
// between MFA or new-password pages rides in the same cookie. A second
// cookie, the session, holds the CSRF secret and, once the user has signed
// in, who and when: it gives single sign-on for SessionTTL (one hour by
// default), honouring prompt=login and max_age.
//
// # Passkeys
//
// When the pool has passkeys (userpool.Config.AllowedFirstAuthFactors lists
// WEB_AUTHN) and the client signs users in with the pool's own
// credentials, the login page has a "Sign in with a passkey" button. It
// posts the login form to /login/passkey, which starts the pool's passkey
// sign-in with the username typed, or with none, in which case the passkey
// the browser offers names the account. The WEB_AUTHN challenge rides in
// the flow cookie like the other challenges (its request options too: for
// a user with so many passkeys that they do not fit, the options leave the
// list out and the authenticator finds the passkey itself), and /passkey
// hands the options to the browser. A credential the pool cannot read
// leaves the challenge open on that page; one it refuses ends the
// challenge and the login page says why. What follows a passkey (an MFA
// challenge when it did not verify the user, or the code to the client)
// is as after a password.
//
// After a sign-in with the pool's own credentials (a password, with any
// challenges after it) that did not use a passkey, the user is offered to
// add one at /passkeys/add, Cognito managed login's "Add a passkey for
// faster sign-in", before the code goes to the client. The page only
// answers the flow that has just signed in and the session cookie of that
// user, re-checked with the pool. It starts a registration
// (OAuthServer.StartPasskeyRegistration) and completes the authorization at
// once when the user already has a passkey (the options exclude it) or
// cannot add one; "Add a passkey" posts the new credential
// (CompletePasskeyRegistration), "Not now" continues without, and that
// answer is remembered for 30 days in a sealed cookie naming the user, so
// the offer is not made at every sign-in (another user of the browser is
// still asked). Sign-ins at identity providers and single sign-on from
// the session cookie are not interrupted.
//
// The two passkey pages run one static script, assets/passkey.js
// (overridable through Options.Assets like the stylesheet): it reads the
// options from the form's data-options attribute, calls
// navigator.credentials.get or create, and posts the credential as JSON
// (PublicKeyCredential.toJSON() form) in the form's hidden field, with the
// CSRF token. Without JavaScript the pages say so and offer the password
// sign-in, or to continue. The pool checks the credential's origin and
// relying party ID: its WebAuthn configuration must name the origin the
// hosted UI is served at (by default, the Issuer's, which is BaseURL's).
//
// # Security
//
// Every form carries a CSRF token checked in constant time against the
// sealed session; cookies are HttpOnly and SameSite=Lax, and Secure with
// the __Host- prefix when BaseURL is https. Pages forbid scripts and
// framing (Content-Security-Policy, X-Frame-Options), are never cached,
// and answer a credential POST with 303. The passkey pages alone allow a
// script, from the hosted UI's own origin (script-src 'self'), with
// connect-src still 'none'. The hosted UI sends no Permissions-Policy: the
// WebAuthn features' default allowlist ('self') is what the pages need; a
// proxy that adds one must keep publickey-credentials-get and
// publickey-credentials-create allowed for self. Every absolute URL comes from
// BaseURL, never from Host or X-Forwarded-Host. Codes are single-use and
// short-lived, and a reused code revokes its tokens (the pool does this);
// the lockout of the API flows applies to the login form.
//
// # Branding
//
// Options.Branding sets a logo, colours, legal text and custom CSS. The
// pages keep Cognito's class names (banner-customizable,
// submitButton-customizable, errorMessage-customizable…), so CSS written
// for Cognito's hosted UI carries over; Options.Templates and
// Options.Assets replace any template or static file by name.
package hostedui
