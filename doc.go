// Package cupola is an embeddable authentication library for Go: what AWS
// Cognito User Pools does, as packages a service imports and runs
// in-process.
//
// The parts, each usable on its own:
//
//   - userpool: the user pool itself — SignUp, ConfirmSignUp, InitiateAuth,
//     ForgotPassword, GlobalSignOut… named as Cognito's API.
//   - store: what a pool persists, with store/memory, store/sqlite (the
//     embedded default) and store/postgres, all passing store/storetest.
//   - token: Cognito-shaped JWTs, the JWKS, and a Verifier a resource
//     server imports alone.
//   - message: email and SMS delivery (SMTP, an in-memory outbox) and the
//     pool's message templates.
//   - federation: sign-in through OpenID Connect providers, Google, Apple,
//     Facebook, Amazon and SAML 2.0 identity providers.
//   - risk: the breached-password check.
//   - hostedui, gateway: the hosted sign-in pages with the OAuth2/OIDC
//     endpoints, and the sign-in gate in front of other web apps.
//
// A minimal pool:
//
//	pool, err := userpool.New(ctx, userpool.Config{
//		ID:          "local_example",
//		Issuer:      "https://auth.example.com/local_example",
//		Secret:      secret, // 32+ random bytes
//		EmailSender: message.NewOutbox(),
//		Clients: []userpool.ClientConfig{{ClientID: "web",
//			ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth, userpool.AllowRefreshTokenAuth}}},
//	}, memory.New())
//
// See examples/quickstart for a whole lifecycle.
package cupola
