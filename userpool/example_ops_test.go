package userpool_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/mfa"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
	"github.com/cupola-auth/cupola/userpool/pooltest"
)

// examplePool is the pool the examples share: the in-memory store, fast
// hashing and a fake clock, with alice signed up and confirmed. A real pool
// keeps the default hashing and a Secret from a secret store.
func examplePool(configure func(*userpool.Config)) (*userpool.UserPool, *pooltest.Clock, error) {
	ctx := context.Background()
	clock := pooltest.NewClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	cfg := userpool.Config{
		ID:          "local_example",
		Issuer:      "https://auth.example.com/local_example",
		Secret:      []byte("an example secret, 32 bytes or more; load yours from a secret store"),
		Clock:       clock.Now,
		Hashing:     pooltest.FastHashing(),
		EmailSender: message.NewOutbox(),
		Clients: []userpool.ClientConfig{{ClientID: "web",
			ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth, userpool.AllowRefreshTokenAuth}}},
	}
	if configure != nil {
		configure(&cfg)
	}
	pool, err := userpool.New(ctx, cfg, memory.New())
	if err != nil {
		return nil, nil, err
	}
	if _, err := pool.AdminCreateUser(ctx, userpool.AdminCreateUserInput{Username: "alice", MessageAction: "SUPPRESS",
		UserAttributes: []userpool.Attribute{{Name: "email", Value: "alice@example.com"}, {Name: "email_verified", Value: "true"}}}); err != nil {
		return nil, nil, err
	}
	if _, err := pool.AdminSetUserPassword(ctx, userpool.AdminSetUserPasswordInput{Username: "alice",
		Password: "correct-Horse-battery-9", Permanent: true}); err != nil {
		return nil, nil, err
	}
	return pool, clock, nil
}

func ExampleUserPool_InitiateAuth() {
	ctx := context.Background()
	pool, _, err := examplePool(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := pool.InitiateAuth(ctx, userpool.InitiateAuthInput{
		AuthFlow: userpool.FlowUserPasswordAuth,
		ClientID: "web",
		AuthParameters: map[string]string{
			userpool.ParamUsername: "alice",
			userpool.ParamPassword: "correct-Horse-battery-9",
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res := out.AuthenticationResult
	fmt.Println(res.TokenType, res.ExpiresIn, res.IDToken != "", res.RefreshToken != "")
	// Output: Bearer 3600 true true
}

// A sign-in with TOTP: the password step answers SOFTWARE_TOKEN_MFA, and
// RespondToAuthChallenge takes the code from the user's authenticator app.
func ExampleUserPool_RespondToAuthChallenge() {
	ctx := context.Background()
	pool, clock, err := examplePool(func(c *userpool.Config) {
		c.MFA = userpool.MFAConfig{Mode: userpool.MFAOptional, Factors: []string{userpool.FactorTOTP}}
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	signIn := func() (*userpool.InitiateAuthOutput, error) {
		return pool.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: "web",
			AuthParameters: map[string]string{userpool.ParamUsername: "alice", userpool.ParamPassword: "correct-Horse-battery-9"}})
	}

	// Alice sets up her authenticator app once, signed in.
	first, err := signIn()
	if err != nil {
		fmt.Println(err)
		return
	}
	assoc, err := pool.AssociateSoftwareToken(ctx, userpool.AssociateSoftwareTokenInput{AccessToken: first.AuthenticationResult.AccessToken})
	if err != nil {
		fmt.Println(err)
		return
	}
	app := authenticatorApp(assoc.SecretCode)
	if _, err := pool.VerifySoftwareToken(ctx, userpool.VerifySoftwareTokenInput{AccessToken: first.AuthenticationResult.AccessToken,
		UserCode: app(clock.Now()), FriendlyDeviceName: "phone"}); err != nil {
		fmt.Println(err)
		return
	}

	// From then on, the password is one step of two.
	clock.Advance(time.Minute) // each code is good once
	out, err := signIn()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.ChallengeName)
	done, err := pool.RespondToAuthChallenge(ctx, userpool.RespondToAuthChallengeInput{
		ClientID:      "web",
		ChallengeName: out.ChallengeName,
		Session:       out.Session,
		ChallengeResponses: map[string]string{
			userpool.ParamUsername:             "alice",
			userpool.ParamSoftwareTokenMFACode: app(clock.Now()),
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(done.AuthenticationResult.TokenType)
	// Output:
	// SOFTWARE_TOKEN_MFA
	// Bearer
}

// authenticatorApp stands in for the user's phone: it computes the TOTP
// code of a secret at a time.
func authenticatorApp(secretCode string) func(time.Time) string {
	secret, _ := mfa.DecodeSecret(secretCode)
	t, _ := mfa.NewTOTP(mfa.TOTPConfig{Issuer: "phone"})
	return func(now time.Time) string {
		code, _ := t.Code(secret, now)
		return code
	}
}

func ExampleUserPool_AdminCreateUser() {
	ctx := context.Background()
	pool, _, err := examplePool(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := pool.AdminCreateUser(ctx, userpool.AdminCreateUserInput{
		Username:          "bob",
		TemporaryPassword: "Temporary-pw-42",
		MessageAction:     "SUPPRESS", // the administrator hands the password over
		UserAttributes:    []userpool.Attribute{{Name: "email", Value: "bob@example.com"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Username, out.UserStatus, out.Enabled)

	// Bob's first sign-in asks for a password of his own.
	first, err := pool.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: "web",
		AuthParameters: map[string]string{userpool.ParamUsername: "bob", userpool.ParamPassword: "Temporary-pw-42"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(first.ChallengeName)
	// Output:
	// bob FORCE_CHANGE_PASSWORD true
	// NEW_PASSWORD_REQUIRED
}

func ExampleUserPool_ListUsers() {
	ctx := context.Background()
	pool, _, err := examplePool(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"albert", "bob", "alma"} {
		if _, err := pool.AdminCreateUser(ctx, userpool.AdminCreateUserInput{Username: name, MessageAction: "SUPPRESS"}); err != nil {
			fmt.Println(err)
			return
		}
	}
	// Two users a page, by username prefix; the token continues the same
	// listing for an hour.
	in := userpool.ListUsersInput{Filter: `username ^= "al"`, Limit: 2}
	for {
		page, err := pool.ListUsers(ctx, in)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, u := range page.Users {
			fmt.Println(u.Username)
		}
		if page.PaginationToken == "" {
			break
		}
		in.PaginationToken = page.PaginationToken
	}
	// Unordered output:
	// albert
	// alice
	// alma
}

// The OAuth surface is what a browser front end (hostedui, or your own
// login page) builds on: validate the authorize request, sign the user in
// to a Principal, hand the client a code, and exchange it for tokens.
func ExampleUserPool_OAuth() {
	ctx := context.Background()
	pool, _, err := examplePool(func(c *userpool.Config) {
		c.Clients = append(c.Clients, userpool.ClientConfig{ClientID: "spa",
			AllowedOAuthFlows: []string{userpool.OAuthFlowCode}, AllowedOAuthScopes: []string{userpool.ScopeOpenID},
			CallbackURLs: []string{"https://app.example.com/callback"}})
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	oauth := pool.OAuth()

	// The browser arrives at /oauth2/authorize with a PKCE challenge.
	verifier := "a-code-verifier-of-at-least-43-characters-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	authz, err := oauth.ValidateAuthorizeRequest(ctx, userpool.AuthorizeRequest{ResponseType: "code", ClientID: "spa",
		RedirectURI: "https://app.example.com/callback", Scope: "openid", State: "xyz",
		CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:]), CodeChallengeMethod: "S256"})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The login form posts the password.
	signedIn, err := oauth.SignIn(ctx, userpool.SignInInput{ClientID: "spa", Username: "alice", Password: "correct-Horse-battery-9"})
	if err != nil {
		fmt.Println(err)
		return
	}
	code, err := oauth.CreateAuthorizationCode(ctx, authz, signedIn.Principal)
	if err != nil {
		fmt.Println(err)
		return
	}
	// The client's back end (or the SPA itself) redeems the code.
	tokens, err := oauth.Token(ctx, userpool.TokenRequest{GrantType: "authorization_code", Code: code,
		RedirectURI: "https://app.example.com/callback", CodeVerifier: verifier, ClientID: "spa"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(signedIn.Principal.Username, tokens.TokenType, tokens.IDToken != "")
	// Output: alice Bearer true
}
