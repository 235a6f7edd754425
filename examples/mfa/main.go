// Command mfa walks through TOTP multi-factor sign-in on a pool that
// requires MFA, printing each step: the first sign-in answers MFA_SETUP by
// associating an authenticator (secret, otpauth:// URI, QR code) and
// verifying a code from it; the second sign-in answers SOFTWARE_TOKEN_MFA.
// A settable clock stands in for the 30 seconds between the two codes.
//
//	go run ./examples/mfa
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/mfa"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
	"github.com/cupola-auth/cupola/userpool/pooltest"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "mfa:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	clk := pooltest.NewClock(time.Now())
	outbox := message.NewOutbox()
	pool, err := userpool.New(ctx, userpool.Config{
		ID:          "local_mfa",
		Name:        "MFA Example",
		Issuer:      "http://localhost:8080/local_mfa",
		Secret:      secret,
		EmailSender: outbox,
		MFA:         userpool.MFAConfig{Mode: userpool.MFAOn},
		Clock:       clk.Now,
		Clients: []userpool.ClientConfig{{ClientID: "app",
			ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth, userpool.AllowRefreshTokenAuth}}},
	}, memory.New())
	if err != nil {
		return err
	}
	const user, email, password = "mia", "mia@example.com", "violet-Comet-2048"
	if _, err := pool.SignUp(ctx, userpool.SignUpInput{ClientID: "app", Username: user, Password: password,
		UserAttributes: []userpool.Attribute{{Name: "email", Value: email}}}); err != nil {
		return err
	}
	// The code is queued and sent just after the answer; DeliverMessages
	// sends what is queued now.
	if _, err := pool.DeliverMessages(ctx, userpool.DeliverMessagesInput{}); err != nil {
		return err
	}
	mail, _ := outbox.LastEmail(email)
	if _, err := pool.ConfirmSignUp(ctx, userpool.ConfirmSignUpInput{ClientID: "app", Username: user,
		ConfirmationCode: regexp.MustCompile(`[0-9]{6}`).FindString(mail.Text)}); err != nil {
		return err
	}
	fmt.Println("1. signed up and confirmed", user)

	signIn := func() (*userpool.InitiateAuthOutput, error) {
		return pool.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: "app",
			AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": password}})
	}
	out, err := signIn()
	if err != nil {
		return err
	}
	fmt.Println("2. password accepted; challenge:", out.ChallengeName, "can set up:", out.ChallengeParameters["MFAS_CAN_SETUP"])

	assoc, err := pool.AssociateSoftwareToken(ctx, userpool.AssociateSoftwareTokenInput{Session: out.Session, ClientID: "app"})
	if err != nil {
		return err
	}
	fmt.Printf("3. authenticator secret %s…, QR code %d bytes of PNG\n   %s\n", assoc.SecretCode[:8], len(assoc.QRCodePNG), assoc.URI)

	// The user's phone: an authenticator app holding the secret.
	app, err := mfa.NewTOTP(mfa.TOTPConfig{Issuer: "MFA Example"})
	if err != nil {
		return err
	}
	raw, err := mfa.DecodeSecret(assoc.SecretCode)
	if err != nil {
		return err
	}
	code, err := app.Code(raw, clk.Now())
	if err != nil {
		return err
	}
	verified, err := pool.VerifySoftwareToken(ctx, userpool.VerifySoftwareTokenInput{Session: assoc.Session, ClientID: "app",
		UserCode: code, FriendlyDeviceName: "Mia's phone"})
	if err != nil {
		return err
	}
	fmt.Printf("4. verified code %s: %s; %d recovery codes issued (first: %s)\n", code, verified.Status, len(verified.RecoveryCodes), verified.RecoveryCodes[0])

	done, err := pool.RespondToAuthChallenge(ctx, userpool.RespondToAuthChallengeInput{ClientID: "app", ChallengeName: userpool.ChallengeMFASetup,
		Session: verified.Session, ChallengeResponses: map[string]string{"USERNAME": user}})
	if err != nil {
		return err
	}
	fmt.Println("5. MFA set up; signed in, access token issued:", done.AuthenticationResult.AccessToken != "")

	clk.Advance(30 * time.Second)
	out, err = signIn()
	if err != nil {
		return err
	}
	fmt.Println("6. 30 s later, second sign-in; challenge:", out.ChallengeName)
	code, err = app.Code(raw, clk.Now())
	if err != nil {
		return err
	}
	done, err = pool.RespondToAuthChallenge(ctx, userpool.RespondToAuthChallengeInput{ClientID: "app", ChallengeName: userpool.ChallengeSoftwareTokenMFA,
		Session: out.Session, ChallengeResponses: map[string]string{"USERNAME": user, "SOFTWARE_TOKEN_MFA_CODE": code}})
	if err != nil {
		return err
	}
	fmt.Printf("7. answered with %s; signed in, ID token issued: %t\n", code, done.AuthenticationResult.IDToken != "")
	return nil
}
