// Package hostedui is a user pool's hosted UI and OAuth 2.0 / OpenID
// Connect authorization server, as Cognito's hosted UI (managed login) is:
// server-rendered sign-in, sign-up, confirmation, password-reset, MFA and
// new-password pages, and the /oauth2/authorize, /oauth2/token,
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
// # Security
//
// Every form carries a CSRF token checked in constant time against the
// sealed session; cookies are HttpOnly and SameSite=Lax, and Secure with
// the __Host- prefix when BaseURL is https. Pages forbid scripts and
// framing (Content-Security-Policy, X-Frame-Options), are never cached,
// and answer a credential POST with 303. Every absolute URL comes from
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
