// Command importusers moves users from another system into a pool: it
// imports a CSV in Cognito's user-import format with Cupola's extra
// password-hash column, then shows that a user with an imported bcrypt hash
// signs in with their old password (and is upgraded to argon2id), that a
// user without a hash must reset it, and how a bad row is reported.
//
//	go run ./examples/importusers
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"errors"
	"fmt"
	"os"

	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// users.csv holds three rows: ada has the bcrypt hash of "password",
// grace has no hash, and the third row's username is invalid.
//
//go:embed users.csv
var usersCSV []byte

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "importusers:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	pool, err := userpool.New(ctx, userpool.Config{
		ID:     "local_import",
		Issuer: "http://localhost:8080/local_import",
		Secret: secret,
		Clients: []userpool.ClientConfig{{ClientID: "app",
			ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth, userpool.AllowRefreshTokenAuth}}},
	}, memory.New())
	if err != nil {
		return err
	}

	rep, err := pool.ImportUsers(ctx, userpool.ImportUsersInput{CSV: bytes.NewReader(usersCSV)})
	if err != nil {
		return err
	}
	fmt.Printf("imported %d, skipped %d, failed %d\n", rep.Imported, rep.Skipped, rep.Failed)
	for _, e := range rep.Errors {
		fmt.Println("  refused:", e)
	}

	signIn := func(user, pw string) error {
		_, err := pool.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: "app",
			AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": pw}})
		return err
	}
	// The old system's weak password was imported as it was; Cupola's own
	// policy applies from the next password change.
	if err := signIn("ada", "password"); err != nil {
		return fmt.Errorf("ada should sign in with her old password: %w", err)
	}
	fmt.Println("ada signed in with her old password (now rehashed with argon2id)")

	// Imported without a hash, grace has no password yet. Her sign-in
	// fails as a wrong password would (telling a stranger "reset required"
	// would tell them she exists); ForgotPassword sets her one.
	err = signIn("grace", "anything")
	if !errors.Is(err, userpool.ErrNotAuthorized) {
		return fmt.Errorf("grace should not sign in before she resets her password, got %v", err)
	}
	fmt.Println("grace must reset her password first:", err)

	again, err := pool.ImportUsers(ctx, userpool.ImportUsersInput{CSV: bytes.NewReader(usersCSV)})
	if err != nil {
		return err
	}
	fmt.Printf("running the import again: imported %d, skipped %d\n", again.Imported, again.Skipped)
	return nil
}
