// Package userpool is Cognito User Pools as a Go library: a UserPool signs
// users up and in, confirms them, resets passwords and issues Cognito-shaped
// tokens, in-process, on a pluggable store.Store. Operations are named as
// Cognito's API (SignUp, ConfirmSignUp, InitiateAuth, ForgotPassword,
// GlobalSignOut…) and take a context and a typed input.
//
//	pool, err := userpool.New(ctx, userpool.Config{
//		ID:          "local_quickstart",
//		Issuer:      "https://auth.example.com/local_quickstart",
//		Secret:      secret, // 32+ random bytes, kept outside the database
//		EmailSender: outbox,
//		Clients: []userpool.ClientConfig{{ClientID: "web",
//			ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth, userpool.AllowRefreshTokenAuth}}},
//	}, memory.New())
//	_, err = pool.SignUp(ctx, userpool.SignUpInput{ClientID: "web", Username: "alice", Password: pw,
//		UserAttributes: []userpool.Attribute{{Name: "email", Value: "alice@example.com"}}})
//
// Every error is a *Error carrying a Cognito exception name; match them
// with errors.Is against the Err* sentinels.
//
// Security defaults: argon2id password hashes (bcrypt imports verified and
// upgraded), a bounded number of hashes at once, equal work and answers for
// unknown users, Cognito's lockout kept in the store, single-use hashed
// codes, refresh tokens stored as SHA-256 and revocable per sign-in, client
// secrets and signing keys sealed under Config.Secret.
package userpool
