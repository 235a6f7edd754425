// Command passwordless builds a magic-code sign-in over email with
// CUSTOM_AUTH and three Go-func triggers, and prints each step:
// DefineAuthChallenge runs the conversation, CreateAuthChallenge emails a
// one-time code (kept in the private challenge parameters, which never
// leave the server), VerifyAuthChallengeResponse compares the answer.
//
//	go run ./examples/passwordless
package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"regexp"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/mfa"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/trigger"
	"github.com/cupola-auth/cupola/userpool"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "passwordless:", err)
		os.Exit(1)
	}
}

// magicCode is the application's own passwordless scheme, written as
// Cognito custom-auth triggers.
type magicCode struct{ mail message.EmailSender }

func (m magicCode) define(_ context.Context, ev *trigger.DefineAuthChallengeEvent) error {
	s := ev.Request.Session
	switch {
	case ev.Request.UserNotFound:
		ev.Response.FailAuthentication = true
	case len(s) > 0 && s[len(s)-1].ChallengeResult:
		ev.Response.IssueTokens = true
	case len(s) >= 3:
		ev.Response.FailAuthentication = true // three wrong codes
	default:
		ev.Response.ChallengeName = "CUSTOM_CHALLENGE"
	}
	return nil
}

func (m magicCode) create(ctx context.Context, ev *trigger.CreateAuthChallengeEvent) error {
	code, err := mfa.NewOTP(rand.Reader)
	if err != nil {
		return err
	}
	to := ev.Request.UserAttributes["email"]
	if err := m.mail.SendEmail(ctx, message.Email{To: to, Subject: "Your sign-in code", Text: "Your sign-in code is " + code + "."}); err != nil {
		return err
	}
	ev.Response.PublicChallengeParameters = map[string]string{"email": to}
	ev.Response.PrivateChallengeParameters = map[string]string{"code": code}
	return nil
}

func (m magicCode) verify(_ context.Context, ev *trigger.VerifyAuthChallengeResponseEvent) error {
	want := ev.Request.PrivateChallengeParameters["code"]
	ev.Response.AnswerCorrect = want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(ev.Request.ChallengeAnswer)) == 1
	return nil
}

func run(ctx context.Context) error {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	outbox := message.NewOutbox()
	magic := magicCode{mail: outbox}
	pool, err := userpool.New(ctx, userpool.Config{
		ID:          "local_passwordless",
		Issuer:      "http://localhost:8080/local_passwordless",
		Secret:      secret,
		EmailSender: outbox,
		Triggers: trigger.Set{
			DefineAuthChallenge:         magic.define,
			CreateAuthChallenge:         magic.create,
			VerifyAuthChallengeResponse: magic.verify,
		},
		Clients: []userpool.ClientConfig{{ClientID: "app", ExplicitAuthFlows: []string{userpool.AllowCustomAuth, userpool.AllowRefreshTokenAuth}}},
	}, memory.New())
	if err != nil {
		return err
	}
	// An administrator invites the user; no password will ever be typed.
	if _, err := pool.AdminCreateUser(ctx, userpool.AdminCreateUserInput{Username: "noa", MessageAction: "SUPPRESS",
		UserAttributes: []userpool.Attribute{{Name: "email", Value: "noa@example.com"}, {Name: "email_verified", Value: "true"}}}); err != nil {
		return err
	}
	if _, err := pool.AdminSetUserPassword(ctx, userpool.AdminSetUserPasswordInput{Username: "noa", Password: randomPassword(), Permanent: true}); err != nil {
		return err
	}
	fmt.Println("1. user noa exists with an unguessable password nobody knows")

	out, err := pool.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowCustomAuth, ClientID: "app",
		AuthParameters: map[string]string{"USERNAME": "noa"}})
	if err != nil {
		return err
	}
	fmt.Println("2. CUSTOM_AUTH started; challenge:", out.ChallengeName, "public parameters:", out.ChallengeParameters)

	answer := func(session, code string) (*userpool.InitiateAuthOutput, error) {
		return pool.RespondToAuthChallenge(ctx, userpool.RespondToAuthChallengeInput{ClientID: "app", ChallengeName: userpool.ChallengeCustom,
			Session: session, ChallengeResponses: map[string]string{"USERNAME": "noa", "ANSWER": code}})
	}
	out, err = answer(out.Session, "000000")
	if err != nil {
		return err
	}
	fmt.Println("3. a wrong code gets another challenge:", out.ChallengeName)

	mail, _ := outbox.LastEmail("noa@example.com")
	code := regexp.MustCompile(`[0-9]{6}`).FindString(mail.Text)
	fmt.Println("4. the newest email says:", mail.Text)
	done, err := answer(out.Session, code)
	if err != nil {
		return err
	}
	if done.AuthenticationResult == nil {
		return errors.New("the right code should sign the user in")
	}
	fmt.Println("5. the right code signs in; tokens issued:", done.AuthenticationResult.IDToken != "")
	return nil
}

func randomPassword() string {
	b := make([]byte, 24)
	rand.Read(b)
	return fmt.Sprintf("Pw-%x", b)
}
