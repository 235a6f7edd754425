// Command quickstart walks through a user's whole password lifecycle on an
// in-memory user pool and prints each step: sign up, read the code from the
// outbox, confirm, sign in, verify the ID token as a resource server would,
// read the user with the access token, refresh, sign out everywhere, and
// see the old access token refused.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"regexp"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/userpool"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	// The pool secret seals client secrets and signing keys and keys the
	// code hashes. A real deployment loads it from a secret store.
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	outbox := message.NewOutbox()
	pool, err := userpool.New(ctx, userpool.Config{
		ID:          "local_quickstart",
		Name:        "Quickstart",
		Issuer:      "http://localhost:8080/local_quickstart",
		Secret:      secret,
		EmailSender: outbox,
		Clients: []userpool.ClientConfig{{
			ClientID:          "quickstart_web",
			ClientName:        "Quickstart web app",
			ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth, userpool.AllowRefreshTokenAuth},
		}},
	}, memory.New())
	if err != nil {
		return err
	}
	const client, user, email, password = "quickstart_web", "alice", "alice@example.com", "correct-Horse-battery-9"

	up, err := pool.SignUp(ctx, userpool.SignUpInput{ClientID: client, Username: user, Password: password,
		UserAttributes: []userpool.Attribute{{Name: "email", Value: email}}})
	if err != nil {
		return fmt.Errorf("sign up: %w", err)
	}
	step("1. signed up", "sub=%s confirmed=%t code sent to %s", up.UserSub, up.UserConfirmed, up.CodeDeliveryDetails.Destination)

	// The code is queued and sent just after the answer; DeliverMessages
	// sends what is queued now.
	if _, err := pool.DeliverMessages(ctx, userpool.DeliverMessagesInput{}); err != nil {
		return err
	}
	mail, _ := outbox.LastEmail(email)
	code := regexp.MustCompile(`[0-9]{6}`).FindString(mail.Text)
	step("2. read the email", "subject=%q code=%s", mail.Subject, code)

	if _, err := pool.ConfirmSignUp(ctx, userpool.ConfirmSignUpInput{ClientID: client, Username: user, ConfirmationCode: code}); err != nil {
		return fmt.Errorf("confirm: %w", err)
	}
	step("3. confirmed", "")

	auth, err := pool.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: client,
		AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": password}})
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	tokens := auth.AuthenticationResult
	step("4. signed in", "access token expires in %ds, refresh token %d characters", tokens.ExpiresIn, len(tokens.RefreshToken))

	// A resource server verifies tokens with token.Verifier alone; here it
	// shares the pool's key set, elsewhere it would fetch the JWKS.
	verifier, err := token.NewVerifier(token.VerifierConfig{Issuer: pool.Issuer(), Keys: pool.KeySet(), ClientIDs: []string{client}})
	if err != nil {
		return err
	}
	id, err := verifier.VerifyID(ctx, tokens.IDToken)
	if err != nil {
		return fmt.Errorf("verify ID token: %w", err)
	}
	step("5. verified the ID token", "sub=%s cognito:username=%s email=%s email_verified=%s",
		id.Subject, id.Username, id.Attributes["email"], id.Attributes["email_verified"])

	me, err := pool.GetUser(ctx, userpool.GetUserInput{AccessToken: tokens.AccessToken})
	if err != nil {
		return fmt.Errorf("get user: %w", err)
	}
	step("6. GetUser with the access token", "username=%s attributes=%v", me.Username, me.UserAttributes)

	ref, err := pool.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowRefreshTokenAuth, ClientID: client,
		AuthParameters: map[string]string{"REFRESH_TOKEN": tokens.RefreshToken}})
	if err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	step("7. refreshed", "new access token differs: %t", ref.AuthenticationResult.AccessToken != tokens.AccessToken)

	if _, err := pool.GlobalSignOut(ctx, userpool.GlobalSignOutInput{AccessToken: ref.AuthenticationResult.AccessToken}); err != nil {
		return fmt.Errorf("global sign out: %w", err)
	}
	step("8. signed out everywhere", "")

	_, err = pool.GetUser(ctx, userpool.GetUserInput{AccessToken: tokens.AccessToken})
	if !errors.Is(err, userpool.ErrNotAuthorized) {
		return fmt.Errorf("the old access token should be refused after sign-out, got %v", err)
	}
	step("9. the old access token is refused", "%v", err)
	return nil
}

func step(title, format string, args ...any) {
	if format == "" {
		fmt.Println(title)
		return
	}
	fmt.Printf("%-36s %s\n", title, fmt.Sprintf(format, args...))
}
