package userpool_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/userpool"
)

// TestPasswordLifecycle runs the spine end to end on every store: sign up,
// confirm, sign in, verify the tokens as a resource server would, read the
// user, refresh, reset the password, sign out everywhere.
func TestPasswordLifecycle(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t))

			up := e.signUp("alice", "alice@example.com", goodPW)
			if up.UserConfirmed || up.CodeDeliveryDetails == nil || up.CodeDeliveryDetails.DeliveryMedium != "EMAIL" {
				t.Fatalf("SignUp = %+v, want an unconfirmed user and an emailed code", up)
			}
			if _, err := e.signIn("alice", goodPW); !errors.Is(err, userpool.ErrUserNotConfirmed) {
				t.Fatalf("sign-in before confirmation: %v, want UserNotConfirmedException", err)
			}
			if _, err := e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient, Username: "alice",
				ConfirmationCode: e.lastCode("alice@example.com")}); err != nil {
				t.Fatalf("ConfirmSignUp: %v", err)
			}

			res := e.mustSignIn("ALICE", goodPW) // case-insensitive by default
			if res.RefreshToken == "" || res.TokenType != "Bearer" || res.ExpiresIn != 3600 {
				t.Fatalf("sign-in result = %+v", res)
			}
			v, err := token.NewVerifier(token.VerifierConfig{Issuer: e.pool.Issuer(), Keys: e.pool.KeySet(),
				ClientIDs: []string{webClient}, Now: e.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			id, err := v.VerifyID(e.ctx, res.IDToken)
			if err != nil {
				t.Fatalf("VerifyID: %v", err)
			}
			access, err := v.VerifyAccess(e.ctx, res.AccessToken)
			if err != nil {
				t.Fatalf("VerifyAccess: %v", err)
			}
			if id.Subject != up.UserSub || id.Username != "alice" || id.Attributes["email"] != "alice@example.com" ||
				id.Attributes["email_verified"] != "true" || access.Subject != up.UserSub || access.OriginJTI != id.OriginJTI ||
				!access.HasScope(userpool.ScopeAdmin) {
				t.Fatalf("claims: id=%+v access=%+v", id, access)
			}

			got, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: res.AccessToken})
			if err != nil || got.Username != "alice" {
				t.Fatalf("GetUser = %+v, %v", got, err)
			}

			ref, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowRefreshTokenAuth,
				ClientID: webClient, AuthParameters: map[string]string{"REFRESH_TOKEN": res.RefreshToken}})
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			// The web client is public, so its refresh token rotates.
			if ref.AuthenticationResult.RefreshToken == "" || ref.AuthenticationResult.AccessToken == res.AccessToken {
				t.Fatalf("refresh result = %+v", ref.AuthenticationResult)
			}

			if _, err := e.pool.ForgotPassword(e.ctx, userpool.ForgotPasswordInput{ClientID: webClient, Username: "alice"}); err != nil {
				t.Fatalf("ForgotPassword: %v", err)
			}
			const newPW = "granite-Meadow-93"
			if _, err := e.pool.ConfirmForgotPassword(e.ctx, userpool.ConfirmForgotPasswordInput{ClientID: webClient, Username: "alice",
				ConfirmationCode: e.lastCode("alice@example.com"), Password: newPW}); err != nil {
				t.Fatalf("ConfirmForgotPassword: %v", err)
			}
			if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: res.AccessToken}); !errors.Is(err, userpool.ErrNotAuthorized) {
				t.Fatalf("GetUser with a token from before the reset: %v, want NotAuthorizedException", err)
			}
			if _, err := e.signIn("alice", goodPW); !errors.Is(err, userpool.ErrNotAuthorized) {
				t.Fatalf("old password after reset: %v, want NotAuthorizedException", err)
			}

			res = e.mustSignIn("alice", newPW)
			if _, err := e.pool.GlobalSignOut(e.ctx, userpool.GlobalSignOutInput{AccessToken: res.AccessToken}); err != nil {
				t.Fatalf("GlobalSignOut: %v", err)
			}
			if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: res.AccessToken}); !errors.Is(err, userpool.ErrNotAuthorized) {
				t.Fatalf("GetUser after sign-out: %v, want NotAuthorizedException", err)
			}
			_, err = e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowRefreshTokenAuth,
				ClientID: webClient, AuthParameters: map[string]string{"REFRESH_TOKEN": res.RefreshToken}})
			if !errors.Is(err, userpool.ErrNotAuthorized) {
				t.Fatalf("refresh after sign-out: %v, want NotAuthorizedException", err)
			}
		})
	}
}

// TestConcurrentSignUpsOneWinner: 50 sign-ups for one normalized name on
// every store → one user, 49 UsernameExistsException.
func TestConcurrentSignUpsOneWinner(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t))
			names := []string{"Bob", "bob", "BOB", "ｂｏｂ"} // fullwidth folds to bob under NFKC
			var wg sync.WaitGroup
			var mu sync.Mutex
			wins, exists := 0, 0
			start := make(chan struct{})
			for i := range 50 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: names[i%len(names)],
						Password: goodPW, UserAttributes: []userpool.Attribute{{Name: "email", Value: "bob@example.com"}}})
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						wins++
					case errors.Is(err, userpool.ErrUsernameExists):
						exists++
					default:
						t.Errorf("SignUp: %v", err)
					}
				}()
			}
			close(start)
			wg.Wait()
			if wins != 1 || exists != 49 {
				t.Fatalf("wins=%d exists=%d, want 1 and 49", wins, exists)
			}
		})
	}
}

// TestRefreshReuseRevokesFamily on every store: a rotating client's
// refresh token used twice revokes the sign-in.
func TestRefreshReuseRevokesFamily(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t))
			c, err := e.pool.CreateUserPoolClient(e.ctx, userpool.ClientConfig{ClientName: "mobile", RefreshTokenRotation: true,
				ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth, userpool.AllowRefreshTokenAuth}})
			if err != nil {
				t.Fatal(err)
			}
			e.confirmedUser("carol", "carol@example.com")
			out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: c.ClientID,
				AuthParameters: map[string]string{"USERNAME": "carol", "PASSWORD": goodPW}})
			if err != nil {
				t.Fatal(err)
			}
			first := out.AuthenticationResult
			second, err := e.pool.GetTokensFromRefreshToken(e.ctx, userpool.GetTokensFromRefreshTokenInput{ClientID: c.ClientID, RefreshToken: first.RefreshToken})
			if err != nil || second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
				t.Fatalf("rotation: %+v, %v", second, err)
			}
			_, err = e.pool.GetTokensFromRefreshToken(e.ctx, userpool.GetTokensFromRefreshTokenInput{ClientID: c.ClientID, RefreshToken: first.RefreshToken})
			if !errors.Is(err, userpool.ErrRefreshTokenReuse) {
				t.Fatalf("reuse: %v, want RefreshTokenReuseException", err)
			}
			_, err = e.pool.GetTokensFromRefreshToken(e.ctx, userpool.GetTokensFromRefreshTokenInput{ClientID: c.ClientID, RefreshToken: second.RefreshToken})
			if !errors.Is(err, userpool.ErrNotAuthorized) {
				t.Fatalf("the family's newest token after reuse: %v, want NotAuthorizedException", err)
			}
			if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: second.AccessToken}); !errors.Is(err, userpool.ErrNotAuthorized) {
				t.Fatalf("access token of a revoked family: %v, want NotAuthorizedException", err)
			}
		})
	}
}
