// Package userpool is Cognito User Pools as a Go library: a UserPool signs
// users up and in, confirms them, resets passwords and issues Cognito-shaped
// tokens, in-process, on a pluggable store.Store (store/memory for tests,
// store/sqlite embedded, store/postgres for several instances).
//
// # Operations
//
// Every operation is named as Cognito's API and has one shape:
//
//	out, err := pool.Xxx(ctx, userpool.XxxInput{…}) // *userpool.XxxOutput
//
// Inputs and outputs carry Cognito's field names (Username, UserAttributes,
// CodeDeliveryDetails, AuthenticationResult, Session…) with Go types
// (time.Time, typed enums such as AuthFlow and ChallengeName). Keys of
// AuthParameters and ChallengeResponses are the Param* constants.
//
// Every error is a *Error carrying a Cognito exception name; match it with
// errors.Is against the Err* sentinels (ErrNotAuthorized, ErrCodeMismatch…)
// or read its Code. Bad input changes nothing.
//
// # Sign-up
//
// SignUp creates an UNCONFIRMED user and sends a code to the email or phone
// number that Config.AutoVerifiedAttributes names; ConfirmSignUp takes it
// (ResendConfirmationCode sends a new one). Administrators create users
// with AdminCreateUser instead: they get a temporary password and must
// choose their own at the first sign-in (NEW_PASSWORD_REQUIRED).
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
//	_, err = pool.ConfirmSignUp(ctx, userpool.ConfirmSignUpInput{ClientID: "web", Username: "alice", ConfirmationCode: code})
//
// # Sign-in
//
// InitiateAuth (from an end user's device) and AdminInitiateAuth (from a
// trusted back end) start a sign-in: USER_PASSWORD_AUTH, USER_SRP_AUTH,
// USER_AUTH (passkeys, passwordless email or SMS codes), CUSTOM_AUTH (the Define, Create and
// VerifyAuthChallenge triggers) or REFRESH_TOKEN_AUTH. The answer holds
// tokens, or a challenge (a ChallengeName, ChallengeParameters and an
// opaque, single-use, expiring Session) that RespondToAuthChallenge
// answers: a TOTP, SMS or email code, a new password, a choice of factor.
// Each answer may lead to the next challenge until the sign-in completes.
//
// USER_SRP_AUTH (and PASSWORD_SRP under USER_AUTH) proves the password by
// Cognito's Secure Remote Password handshake, as Cognito's JavaScript,
// Android and iOS SDKs do by default; remembered devices prove their own
// password the same way (DEVICE_SRP_AUTH). The verifiers are made whenever
// a password is set and sealed with Config.Secret.
//
// Every attempt counts toward the lockout before anything is checked, and
// unknown users cost the same work and get the same answers as known ones
// when the client prevents existence errors.
//
// # Passkeys
//
// With FirstFactorWebAuthn in Config.AllowedFirstAuthFactors, users
// register passkeys (WebAuthn, through package mfa and go-webauthn) with
// StartWebAuthnRegistration and CompleteWebAuthnRegistration, list and
// delete them (ListWebAuthnCredentials, DeleteWebAuthnCredential), and sign
// in with USER_AUTH and PREFERRED_CHALLENGE=WEB_AUTHN — with a USERNAME, or
// without one, when the passkey names its account. The WEB_AUTHN challenge
// carries ParamCredentialRequestOptions for navigator.credentials.get and
// is answered with ParamCredential. A passkey used with user verification
// is two factors and ends the sign-in; without it (Config.WebAuthn's
// UserVerification "preferred") MFA follows as after a password. Failed
// assertions count toward the lockout, a challenge is spent by its first
// answer, and a passkey whose signature counter goes backwards is flagged
// as cloned and refused from then on.
//
// # Tokens
//
// A completed sign-in gets an ID token and an access token (signed JWTs
// with Cognito's claims, verifiable with package token against the pool's
// KeySet or its JWKS) and an opaque refresh token. GetTokensFromRefreshToken
// (or InitiateAuth with REFRESH_TOKEN_AUTH) mints new tokens, rotating the
// refresh token when the client asks; a reused refresh token revokes its
// sign-in. RevokeToken, GlobalSignOut and AdminUserGlobalSignOut end
// sign-ins, and Cupola's own APIs refuse their access tokens at once.
//
// # Front ends
//
// OAuth returns the pool's OAuth 2.0 / OpenID Connect surface
// (OAuthServer): authorize-request validation, the hosted sign-in that
// ends in a Principal, authorization codes with PKCE and the token
// endpoint. Package hostedui serves it as web pages and endpoints.
//
// # Memory under a login flood
//
// A password hash (argon2id) holds Config.Hashing.MemoryKiB while it runs:
// 19 MiB at the default parameters. The pool runs at most as many hashes
// at once as Config.MaxConcurrentHashes (default GOMAXPROCS) and
// Config.MaxHashMemory (default 256 MiB, so 13 at 19 MiB) allow; further
// sign-ins queue, honouring their context, and beyond
// Config.MaxQueuedHashes they are refused at once with
// TooManyRequestsException. Hashes that follow one another under load
// reuse one another's memory instead of leaving it to the garbage
// collector, so a flood's peak resident memory stays near the memory of
// the hashes in flight: with 1,000 concurrent sign-ins, at most
// 1.3 × slots × MemoryKiB + 100 MiB (TestFloodPeakRSS measures it at
// GOMAXPROCS 2, 4, 8 and 16). The pool sets no process-wide memory limit
// (debug.SetMemoryLimit); it needs none. An application that wants a hard
// ceiling on the whole process sets GOMEMLIMIT itself, above that figure
// plus its own live memory.
//
// A sign-in whose context ends (the client went away, a deadline passed)
// is answered TooManyRequestsException whose cause matches
// context.Canceled or context.DeadlineExceeded with errors.Is, whichever
// store call or hash wait noticed it first: never InternalErrorException.
//
// # Observability
//
// Config.MeterProvider and Config.TracerProvider take OpenTelemetry
// providers (nil: none, and the pool pays nothing): counters of sign-ins
// by flow, result and reason class, sign-ups, challenges, lockouts, tokens
// issued and refresh-token reuse; the hash queue's depth and waits; store
// call durations; a span per operation with its store calls as children.
// metrics.go lists the instruments. Config.AuditLogger (Logger when nil)
// receives one "audit" record per authentication event, with the stable
// keys audit.go lists; WithRequestID and WithActor put the request ID and
// the administrator's identity in them. Neither ever carries a secret.
//
// # Tests
//
// Package userpool/pooltest has a fake clock and cheap hashing for a
// library user's own tests on store/memory; examples/librarytest shows
// them at work.
//
// Security defaults: argon2id password hashes (bcrypt imports verified and
// upgraded), a bounded number of hashes at once, equal work and answers for
// unknown users, Cognito's lockout kept in the store, single-use hashed
// codes, refresh tokens stored as SHA-256 and revocable per sign-in, client
// secrets and signing keys sealed under Config.Secret.
package userpool
