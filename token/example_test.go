package token_test

import (
	"context"
	"fmt"
	"time"

	"github.com/cupola-auth/cupola/token"
)

// Issue an access token and verify it, as a user pool and a resource
// server would.
func Example() {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	key, err := token.GenerateKey(token.RS256, nil)
	if err != nil {
		panic(err)
	}
	keys, err := token.NewKeySet(key)
	if err != nil {
		panic(err)
	}

	issuer, err := token.NewIssuer(token.IssuerConfig{
		Issuer: "https://auth.example.com/pool-1",
		Keys:   keys,
		Now:    clock,
	})
	if err != nil {
		panic(err)
	}
	raw, err := issuer.IssueAccess(token.AccessClaims{
		Subject:   "5b0d6c4e-0000-4000-8000-000000000001",
		ClientID:  "app-client-id",
		Username:  "alice",
		Scopes:    []string{"openid", "orders/read"},
		AuthTime:  now,
		ExpiresAt: now.Add(time.Hour),
	})
	if err != nil {
		panic(err)
	}

	verifier, err := token.NewVerifier(token.VerifierConfig{
		Issuer:    "https://auth.example.com/pool-1",
		Keys:      keys,
		ClientIDs: []string{"app-client-id"},
		Now:       clock,
	})
	if err != nil {
		panic(err)
	}
	claims, err := verifier.VerifyAccess(context.Background(), raw)
	if err != nil {
		panic(err)
	}
	fmt.Println(claims.Username, claims.HasScope("orders/read"), claims.ExpiresAt.Sub(now))
	// Output: alice true 1h0m0s
}
