package userpool_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

var clientIDPattern = regexp.MustCompile(`^[a-z0-9]{26}$`)

func TestCreateUserPoolClientShowsTheSecretOnce(t *testing.T) {
	e := newFastEnv(t)
	created := e.createClient(userpool.ClientConfig{ClientName: "backend", GenerateSecret: true})
	if !clientIDPattern.MatchString(created.ClientID) {
		t.Errorf("generated ClientID %q, want 26 lower-case letters and digits", created.ClientID)
	}
	raw, err := base64.RawURLEncoding.DecodeString(created.ClientSecret)
	if err != nil || len(raw) < 32 {
		t.Fatalf("ClientSecret %q: want 256 random bits", created.ClientSecret)
	}
	if !created.GenerateSecret || created.CreationDate.IsZero() {
		t.Errorf("created = %+v", created)
	}

	d, err := e.pool.DescribeUserPoolClient(e.ctx, userpool.DescribeUserPoolClientInput{ClientID: created.ClientID})
	wantNoError(t, "DescribeUserPoolClient", err)
	if d.ClientSecret != "" || !d.GenerateSecret {
		t.Errorf("DescribeUserPoolClient: secret %q, GenerateSecret %v; want no secret shown", d.ClientSecret, d.GenerateSecret)
	}

	rec, err := e.store.GetClient(e.ctx, e.cfg.ID, created.ClientID)
	wantNoError(t, "GetClient", err)
	doc, _ := json.Marshal(rec)
	for _, b := range [][]byte{rec.Secret, doc} {
		if bytes.Contains(b, []byte(created.ClientSecret)) || bytes.Contains(b, raw) {
			t.Fatal("the stored client holds the secret in clear")
		}
	}
	if len(rec.Secret) == 0 {
		t.Fatal("nothing stored to check SECRET_HASH against")
	}

	other := e.createClient(userpool.ClientConfig{GenerateSecret: true})
	if other.ClientID == created.ClientID || other.ClientSecret == created.ClientSecret {
		t.Error("two clients share an ID or a secret")
	}
}

func TestCreateUserPoolClientDefaults(t *testing.T) {
	e := newFastEnv(t)
	created := e.createClient(userpool.ClientConfig{ClientID: "plain"})
	d, err := e.pool.DescribeUserPoolClient(e.ctx, userpool.DescribeUserPoolClientInput{ClientID: "plain"})
	wantNoError(t, "DescribeUserPoolClient", err)
	for _, c := range []*userpool.ClientDescription{created, d.ClientDescription} {
		wantFlows := []string{userpool.AllowUserSRPAuth, userpool.AllowCustomAuth, userpool.AllowRefreshTokenAuth}
		if !slices.Equal(c.ExplicitAuthFlows, wantFlows) {
			t.Errorf("ExplicitAuthFlows = %v, want %v", c.ExplicitAuthFlows, wantFlows)
		}
		if c.PreventUserExistenceErrors != "ENABLED" || c.DisableTokenRevocation || c.RefreshTokenRotation ||
			c.GenerateSecret || c.ClientSecret != "" || c.AuthSessionValidity != 3*time.Minute {
			t.Errorf("defaults = %+v", c)
		}
	}
	// The default flows do not include plain password sign-in.
	e.confirmedUser("alice", "alice@example.com")
	_, err = e.signInWith("plain", "alice", goodPW, nil)
	wantMessage(t, err, userpool.CodeInvalidParameter, "USER_PASSWORD_AUTH flow not enabled for this client")
	// ENABLED prevention: unknown users look like wrong passwords.
	e.passwordClient("pw")
	_, err = e.signInWith("pw", "mallory", goodPW, nil)
	wantMessage(t, err, userpool.CodeNotAuthorized, incorrect)
}

func TestCreateUserPoolClientRefusesBadInputAndStoresNothing(t *testing.T) {
	tests := []struct {
		name string
		c    userpool.ClientConfig
	}{
		{"a client ID with punctuation", userpool.ClientConfig{ClientID: "bad id!"}},
		{"a client ID of 129 characters", userpool.ClientConfig{ClientID: strings.Repeat("c", 129)}},
		{"a client ID with invalid UTF-8", userpool.ClientConfig{ClientID: "c\xff"}},
		{"a client name of 129 characters", userpool.ClientConfig{ClientID: "c1", ClientName: strings.Repeat("n", 129)}},
		{"a client name with invalid UTF-8", userpool.ClientConfig{ClientID: "c1", ClientName: "web\xff"}},
		{"an unknown auth flow", userpool.ClientConfig{ClientID: "c1", ExplicitAuthFlows: []string{"ALLOW_EVERYTHING"}}},
		{"an unknown existence-error setting", userpool.ClientConfig{ClientID: "c1", PreventUserExistenceErrors: "OFF"}},
		{"an auth session under 3 minutes", userpool.ClientConfig{ClientID: "c1", AuthSessionValidity: 2 * time.Minute}},
		{"an auth session over 15 minutes", userpool.ClientConfig{ClientID: "c1", AuthSessionValidity: 16 * time.Minute}},
		{"a grace period over 60 seconds", userpool.ClientConfig{ClientID: "c1", RefreshTokenRotation: true, RetryGracePeriod: 61 * time.Second}},
		{"a negative grace period", userpool.ClientConfig{ClientID: "c1", RetryGracePeriod: -time.Second}},
		{"an access token validity under 5 minutes", userpool.ClientConfig{ClientID: "c1", AccessTokenValidity: 4 * time.Minute}},
		{"an ID token validity over a day", userpool.ClientConfig{ClientID: "c1", IDTokenValidity: 25 * time.Hour}},
		{"a refresh token validity under an hour", userpool.ClientConfig{ClientID: "c1", RefreshTokenValidity: 30 * time.Minute}},
		{"a read attribute that does not exist", userpool.ClientConfig{ClientID: "c1", ReadAttributes: []string{"password"}}},
		{"a write attribute that does not exist", userpool.ClientConfig{ClientID: "c1", WriteAttributes: []string{"custom:not valid"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			e := newFastEnv(t)
			d, err := e.pool.CreateUserPoolClient(e.ctx, tt.c)
			wantCode(t, err, userpool.CodeInvalidParameter)
			if d != nil {
				t.Errorf("answer = %+v, want nil", d)
			}
			if _, err := e.pool.DescribeUserPoolClient(e.ctx, userpool.DescribeUserPoolClientInput{ClientID: tt.c.ClientID}); !strings.Contains(tt.c.ClientID, "\xff") {
				wantCode(t, err, userpool.CodeResourceNotFound)
			}
		})
	}
	t.Run("a taken client ID is refused", func(t *testing.T) {
		e := newFastEnv(t)
		_, err := e.pool.CreateUserPoolClient(e.ctx, userpool.ClientConfig{ClientID: webClient, GenerateSecret: true})
		wantCode(t, err, userpool.CodeInvalidParameter)
		d, err := e.pool.DescribeUserPoolClient(e.ctx, userpool.DescribeUserPoolClientInput{ClientID: webClient})
		wantNoError(t, "DescribeUserPoolClient", err)
		if d.GenerateSecret {
			t.Error("the existing client was given a secret")
		}
	})
	t.Run("an unknown client is not found", func(t *testing.T) {
		e := newFastEnv(t)
		_, err := e.pool.DescribeUserPoolClient(e.ctx, userpool.DescribeUserPoolClientInput{ClientID: "nope"})
		wantCode(t, err, userpool.CodeResourceNotFound)
	})
}

func TestClientsWithASecretNeedTheSecretHash(t *testing.T) {
	e := newFastEnv(t)
	c := e.passwordClient("", func(c *userpool.ClientConfig) { c.GenerateSecret = true })
	id, secret := c.ClientID, c.ClientSecret
	hash := func(username string) string { return secretHash(secret, username, id) }

	bad := []struct {
		name string
		hash string
	}{
		{"a missing SECRET_HASH", ""},
		{"a SECRET_HASH of another username", hash("bob")},
		{"a SECRET_HASH of another client", secretHash(secret, "alice", webClient)},
		{"a SECRET_HASH under another secret", secretHash("not-the-secret", "alice", id)},
		{"a SECRET_HASH that is not base64", "!!!"},
		{"a 1 MB SECRET_HASH", strings.Repeat("A", 1<<20)},
	}
	signUp := func(h string) error {
		_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: id, SecretHash: h, Username: "alice", Password: goodPW,
			UserAttributes: []userpool.Attribute{email("alice@example.com")}})
		return err
	}
	for _, b := range bad {
		t.Run("SignUp with "+b.name+" is refused", func(t *testing.T) {
			wantCode(t, signUp(b.hash), userpool.CodeNotAuthorized)
			e.noUser("alice")
		})
	}
	wantNoError(t, "SignUp with the right SECRET_HASH", signUp(hash("alice")))

	ops := []struct {
		name string
		run  func(h string) error
	}{
		{"ResendConfirmationCode", func(h string) error {
			_, err := e.pool.ResendConfirmationCode(e.ctx, userpool.ResendConfirmationCodeInput{ClientID: id, SecretHash: h, Username: "alice"})
			return err
		}},
		{"ConfirmSignUp", func(h string) error {
			return errOf(e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: id, SecretHash: h, Username: "alice",
				ConfirmationCode: e.lastCode("alice@example.com")}))
		}},
		{"InitiateAuth", func(h string) error {
			_, err := e.signInWith(id, "alice", goodPW, map[string]string{"SECRET_HASH": h})
			return err
		}},
		{"ForgotPassword", func(h string) error {
			_, err := e.pool.ForgotPassword(e.ctx, userpool.ForgotPasswordInput{ClientID: id, SecretHash: h, Username: "alice"})
			return err
		}},
		{"ConfirmForgotPassword", func(h string) error {
			return errOf(e.pool.ConfirmForgotPassword(e.ctx, userpool.ConfirmForgotPasswordInput{ClientID: id, SecretHash: h,
				Username: "alice", ConfirmationCode: e.lastCode("alice@example.com"), Password: newPW}))
		}},
	}
	for _, op := range ops {
		t.Run(op.name+" checks the SECRET_HASH", func(t *testing.T) {
			sent := e.sent()
			for _, b := range bad {
				wantCode(t, op.run(b.hash), userpool.CodeNotAuthorized)
			}
			if e.sent() != sent {
				t.Error("a refused request sent a message")
			}
			wantNoError(t, op.name, op.run(hash("alice")))
		})
	}

	res, err := e.signInWith(id, "alice", newPW, map[string]string{"SECRET_HASH": hash("alice")})
	wantNoError(t, "sign in", err)
	t.Run("REFRESH_TOKEN_AUTH checks the SECRET_HASH of the token's user", func(t *testing.T) {
		refresh := func(h string) error {
			_, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowRefreshTokenAuth, ClientID: id,
				AuthParameters: map[string]string{"REFRESH_TOKEN": res.RefreshToken, "SECRET_HASH": h}})
			return err
		}
		for _, b := range bad {
			wantCode(t, refresh(b.hash), userpool.CodeNotAuthorized)
		}
		wantNoError(t, "refresh", refresh(hash("alice")))
	})
	t.Run("GetTokensFromRefreshToken and RevokeToken check the client secret", func(t *testing.T) {
		for _, s := range []string{"", "wrong", secret + "x", strings.Repeat("s", 1<<20)} {
			_, err := e.pool.GetTokensFromRefreshToken(e.ctx, userpool.GetTokensFromRefreshTokenInput{ClientID: id,
				ClientSecret: s, RefreshToken: res.RefreshToken})
			wantCode(t, err, userpool.CodeNotAuthorized)
			_, err = e.pool.RevokeToken(e.ctx, userpool.RevokeTokenInput{ClientID: id, ClientSecret: s, Token: res.RefreshToken})
			wantCode(t, err, userpool.CodeNotAuthorized)
		}
		_, err := e.pool.GetTokensFromRefreshToken(e.ctx, userpool.GetTokensFromRefreshTokenInput{ClientID: id,
			ClientSecret: secret, RefreshToken: res.RefreshToken})
		wantNoError(t, "GetTokensFromRefreshToken", err)
		wantNoError(t, "RevokeToken", errOf(e.pool.RevokeToken(e.ctx, userpool.RevokeTokenInput{ClientID: id, ClientSecret: secret, Token: res.RefreshToken})))
	})
}
