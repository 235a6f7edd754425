package userpool_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// A pool on the in-memory store: sign a user up, confirm them with the
// emailed code and sign in.
func Example() {
	ctx := context.Background()
	secret := make([]byte, 32)
	rand.Read(secret)
	outbox := message.NewOutbox()
	pool, err := userpool.New(ctx, userpool.Config{
		ID:          "local_example",
		Issuer:      "https://auth.example.com/local_example",
		Secret:      secret,
		EmailSender: outbox,
		Clients: []userpool.ClientConfig{{ClientID: "web",
			ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth, userpool.AllowRefreshTokenAuth}}},
	}, memory.New())
	if err != nil {
		fmt.Println(err)
		return
	}

	up, err := pool.SignUp(ctx, userpool.SignUpInput{ClientID: "web", Username: "alice", Password: "correct-Horse-battery-9",
		UserAttributes: []userpool.Attribute{{Name: "email", Value: "alice@example.com"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("code sent to", up.CodeDeliveryDetails.Destination)

	// The code is queued and sent just after the answer; DeliverMessages
	// sends what is due now, so the outbox holds it.
	if _, err := pool.DeliverMessages(ctx, userpool.DeliverMessagesInput{}); err != nil {
		fmt.Println(err)
		return
	}
	mail, _ := outbox.LastEmail("alice@example.com")
	code := regexp.MustCompile(`[0-9]{6}`).FindString(mail.Text)
	if _, err := pool.ConfirmSignUp(ctx, userpool.ConfirmSignUpInput{ClientID: "web", Username: "alice", ConfirmationCode: code}); err != nil {
		fmt.Println(err)
		return
	}

	_, err = pool.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: "web",
		AuthParameters: map[string]string{userpool.ParamUsername: "alice", userpool.ParamPassword: "wrong password"}})
	fmt.Println(errors.Is(err, userpool.ErrNotAuthorized), err)

	out, err := pool.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: "web",
		AuthParameters: map[string]string{userpool.ParamUsername: "alice", userpool.ParamPassword: "correct-Horse-battery-9"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("signed in:", out.AuthenticationResult.TokenType, out.AuthenticationResult.ExpiresIn)
	// Output:
	// code sent to a***@e***
	// true NotAuthorizedException: Incorrect username or password.
	// signed in: Bearer 3600
}
