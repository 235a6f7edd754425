package userpool_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

// payloadOf decodes a JWT's claims as they are on the wire.
func payloadOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %.40q", jwt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSignInIssuesCognitoShapedTokens(t *testing.T) {
	e := newMemEnv(t) // the default algorithm, RS256
	sub := e.confirmedUser("alice", "alice@example.com")
	signedInAt := e.clock.Now()
	res := e.mustSignIn("alice", goodPW)

	if res.TokenType != "Bearer" || res.ExpiresIn != 3600 {
		t.Errorf("TokenType %q ExpiresIn %d, want Bearer 3600", res.TokenType, res.ExpiresIn)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(res.RefreshToken); err != nil || len(raw) < 32 {
		t.Errorf("refresh token %q is not 256 random bits", res.RefreshToken)
	}
	id, access := e.idClaims(res.IDToken), e.accessClaims(res.AccessToken)
	checks := []struct {
		name      string
		got, want any
	}{
		{"id sub", id.Subject, sub},
		{"access sub", access.Subject, sub},
		{"id cognito:username", id.Username, "alice"},
		{"access username", access.Username, "alice"},
		{"id aud", id.Audience, webClient},
		{"access client_id", access.ClientID, webClient},
		{"id iss", id.Issuer, testIssuer},
		{"access iss", access.Issuer, testIssuer},
		{"id auth_time", id.AuthTime.Unix(), signedInAt.Unix()},
		{"access auth_time", access.AuthTime.Unix(), signedInAt.Unix()},
		{"id exp", id.ExpiresAt.Sub(id.IssuedAt), time.Hour},
		{"access exp", access.ExpiresAt.Sub(access.IssuedAt), time.Hour},
		{"origin_jti shared", id.OriginJTI, access.OriginJTI},
		{"event_id shared", id.EventID, access.EventID},
		{"access scope", strings.Join(access.Scopes, " "), userpool.ScopeAdmin},
		{"id email", id.Attributes["email"], "alice@example.com"},
		{"id email_verified", id.Attributes["email_verified"], "true"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if id.OriginJTI == "" || id.JTI == "" || access.JTI == "" || id.JTI == access.JTI {
		t.Errorf("jti %q / %q, origin_jti %q: want distinct jtis and an origin_jti", id.JTI, access.JTI, id.OriginJTI)
	}

	idWire, accessWire := payloadOf(t, res.IDToken), payloadOf(t, res.AccessToken)
	if idWire["token_use"] != "id" || accessWire["token_use"] != "access" {
		t.Errorf("token_use = %v / %v", idWire["token_use"], accessWire["token_use"])
	}
	if idWire["email_verified"] != true {
		t.Errorf("email_verified on the wire = %#v, want the JSON boolean true", idWire["email_verified"])
	}
	if _, ok := accessWire["aud"]; ok {
		t.Error("the access token has an aud claim; Cognito's has none")
	}
	if kidOf(t, res.IDToken) == "" {
		t.Error("no kid header")
	}
	if alg := headerOf(t, res.AccessToken)["alg"]; alg != "RS256" {
		t.Errorf("alg = %v, want RS256 by default", alg)
	}

	// A second sign-in is a new session.
	again := e.mustSignIn("alice", goodPW)
	if again.RefreshToken == res.RefreshToken || e.accessClaims(again.AccessToken).OriginJTI == access.OriginJTI {
		t.Error("a second sign-in reused the first one's refresh token or origin_jti")
	}
}

func headerOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	head, _, _ := strings.Cut(jwt, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSignInTokensFollowTheClientsValidity(t *testing.T) {
	e := newFastEnv(t)
	e.passwordClient("short", func(c *userpool.ClientConfig) {
		c.AccessTokenValidity, c.IDTokenValidity = 5*time.Minute, 10*time.Minute
	})
	e.confirmedUser("alice", "alice@example.com")
	res, err := e.signInWith("short", "alice", goodPW, nil)
	wantNoError(t, "sign in", err)
	if res.ExpiresIn != 300 {
		t.Errorf("ExpiresIn = %d, want 300", res.ExpiresIn)
	}
	if a := e.accessClaims(res.AccessToken); a.ExpiresAt.Sub(a.IssuedAt) != 5*time.Minute {
		t.Errorf("access lifetime %s, want 5m", a.ExpiresAt.Sub(a.IssuedAt))
	}
	if id := e.idClaims(res.IDToken); id.ExpiresAt.Sub(id.IssuedAt) != 10*time.Minute {
		t.Errorf("id lifetime %s, want 10m", id.ExpiresAt.Sub(id.IssuedAt))
	}
}

func TestSignInIDTokenCarriesOnlyReadableAttributes(t *testing.T) {
	e := newFastEnv(t)
	e.passwordClient("narrow", func(c *userpool.ClientConfig) { c.ReadAttributes = []string{"name"} })
	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "alice", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("alice@example.com"), {Name: "name", Value: "Alice"}}})
	wantNoError(t, "SignUp", err)
	wantNoError(t, "ConfirmSignUp", errOf(e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient,
		Username: "alice", ConfirmationCode: e.lastCode("alice@example.com")})))
	res, err := e.signInWith("narrow", "alice", goodPW, nil)
	wantNoError(t, "sign in", err)
	wire := payloadOf(t, res.IDToken)
	if wire["name"] != "Alice" {
		t.Errorf("name claim = %v, want Alice", wire["name"])
	}
	for _, hidden := range []string{"email", "email_verified"} {
		if _, ok := wire[hidden]; ok {
			t.Errorf("the ID token carries %s, which the client may not read", hidden)
		}
	}
}

func TestSignInDoesNotTellUnknownUsersFromWrongPasswords(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	flows := []struct {
		name string
		run  func(username, password string) error
	}{
		{"USER_PASSWORD_AUTH", func(u, p string) error { _, err := e.signIn(u, p); return err }},
		{"ADMIN_USER_PASSWORD_AUTH", func(u, p string) error {
			_, err := e.pool.AdminInitiateAuth(e.ctx, userpool.AdminInitiateAuthInput{AuthFlow: userpool.FlowAdminUserPasswordAuth,
				ClientID: webClient, AuthParameters: map[string]string{"USERNAME": u, "PASSWORD": p}})
			return err
		}},
	}
	for _, f := range flows {
		t.Run(f.name, func(t *testing.T) {
			wrong := f.run("alice", "wrong-Password-1")
			unknown := f.run("mallory", "wrong-Password-1")
			unknownWithAlicesPassword := f.run("mallory", goodPW)
			a := wantCode(t, wrong, userpool.CodeNotAuthorized)
			for _, err := range []error{unknown, unknownWithAlicesPassword} {
				b := wantCode(t, err, userpool.CodeNotAuthorized)
				if a.Message != b.Message || a.Error() != b.Error() || (a.Err == nil) != (b.Err == nil) {
					t.Errorf("wrong password %#v vs unknown user %#v", a, b)
				}
			}
			if a.Message != "Incorrect username or password." {
				t.Errorf("message = %q", a.Message)
			}
		})
	}
}

func TestSignInWithALegacyClientNamesUnknownUsers(t *testing.T) {
	e := newFastEnv(t)
	e.passwordClient("legacy", func(c *userpool.ClientConfig) { c.PreventUserExistenceErrors = "LEGACY" })
	e.confirmedUser("alice", "alice@example.com")
	_, err := e.signInWith("legacy", "mallory", goodPW, nil)
	wantMessage(t, err, userpool.CodeUserNotFound, "User does not exist.")
	_, err = e.signInWith("legacy", "alice", "wrong-Password-1", nil)
	wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
	_, err = e.signInWith("legacy", "alice", goodPW, nil)
	wantNoError(t, "sign in", err)
}

func TestSignInAnswersByUserStateOnlyAfterTheRightPassword(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(e *env) // leaves user "alice" with password goodPW in some state
		code    userpool.ErrorCode
		message string
	}{
		{"an unconfirmed user is told to confirm", func(e *env) { e.signUp("alice", "alice@example.com", goodPW) },
			userpool.CodeUserNotConfirmed, "User is not confirmed."},
		{"a disabled user is told so", func(e *env) {
			sub := e.confirmedUser("alice", "alice@example.com")
			e.changeUser(sub, func(u *store.User) { u.Enabled = false })
		}, userpool.CodeNotAuthorized, "User is disabled."},
		{"a user whose reset is required is told so", func(e *env) {
			sub := e.confirmedUser("alice", "alice@example.com")
			e.changeUser(sub, func(u *store.User) { u.Status = store.StatusResetRequired })
		}, userpool.CodePasswordResetRequired, "Password reset required for the user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFastEnv(t)
			tt.prepare(e)
			_, err := e.signIn("alice", "wrong-Password-1")
			wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
			_, err = e.signIn("alice", goodPW)
			pe := wantCode(t, err, tt.code)
			if tt.message != "" && pe.Message != tt.message {
				t.Errorf("message = %q, want %q", pe.Message, tt.message)
			}
		})
	}
}

func TestSignInRefusesBadInputAndCountsNothing(t *testing.T) {
	mb := strings.Repeat("p", 1<<20)
	params := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name   string
		admin  bool
		flow   userpool.AuthFlow
		client string
		params map[string]string
		want   userpool.ErrorCode
	}{
		{"a missing auth flow is refused", false, "", webClient, params("USERNAME", "alice", "PASSWORD", "x"), userpool.CodeInvalidParameter},
		{"an unknown auth flow is refused", false, "MAGIC_AUTH", webClient, params("USERNAME", "alice", "PASSWORD", "x"), userpool.CodeInvalidParameter},
		{"a 1 MB auth flow is refused", false, userpool.AuthFlow(mb), webClient, params("USERNAME", "alice", "PASSWORD", "x"), userpool.CodeInvalidParameter},
		{"SRP is refused until it exists", false, userpool.FlowUserSRPAuth, webClient, params("USERNAME", "alice", "SRP_A", "x"), userpool.CodeInvalidParameter},
		{"the admin flow is refused on the public API", false, userpool.FlowAdminUserPasswordAuth, webClient, params("USERNAME", "alice", "PASSWORD", goodPW), userpool.CodeInvalidParameter},
		{"the public flow is refused on the admin API", true, userpool.FlowUserPasswordAuth, webClient, params("USERNAME", "alice", "PASSWORD", goodPW), userpool.CodeInvalidParameter},
		{"a missing client is refused", false, userpool.FlowUserPasswordAuth, "", params("USERNAME", "alice", "PASSWORD", goodPW), userpool.CodeInvalidParameter},
		{"an unknown client is not found", false, userpool.FlowUserPasswordAuth, "nope", params("USERNAME", "alice", "PASSWORD", goodPW), userpool.CodeResourceNotFound},
		{"an unknown client is not found on the admin API", true, userpool.FlowAdminUserPasswordAuth, "nope", params("USERNAME", "alice", "PASSWORD", goodPW), userpool.CodeResourceNotFound},
		{"a flow the client does not allow is refused", false, userpool.FlowUserPasswordAuth, "srponly", params("USERNAME", "alice", "PASSWORD", goodPW), userpool.CodeInvalidParameter},
		{"an admin flow the client does not allow is refused", true, userpool.FlowAdminUserPasswordAuth, "srponly", params("USERNAME", "alice", "PASSWORD", goodPW), userpool.CodeInvalidParameter},
		{"missing parameters are refused", false, userpool.FlowUserPasswordAuth, webClient, nil, userpool.CodeInvalidParameter},
		{"a missing USERNAME is refused", false, userpool.FlowUserPasswordAuth, webClient, params("PASSWORD", goodPW), userpool.CodeInvalidParameter},
		{"a missing PASSWORD is refused", false, userpool.FlowUserPasswordAuth, webClient, params("USERNAME", "alice"), userpool.CodeInvalidParameter},
		{"a missing PASSWORD is refused on the admin API", true, userpool.FlowAdminUserPasswordAuth, webClient, params("USERNAME", "alice"), userpool.CodeInvalidParameter},
		{"a 1 MB password is refused", false, userpool.FlowUserPasswordAuth, webClient, params("USERNAME", "alice", "PASSWORD", mb), userpool.CodeNotAuthorized},
		{"a 1 MB password of an unknown user is refused alike", false, userpool.FlowUserPasswordAuth, webClient, params("USERNAME", "mallory", "PASSWORD", mb), userpool.CodeNotAuthorized},
		{"a password with invalid UTF-8 is refused", false, userpool.FlowUserPasswordAuth, webClient, params("USERNAME", "alice", "PASSWORD", "cobalt-\xffHarbor-71"), userpool.CodeNotAuthorized},
		{"a 1 MB username is refused", false, userpool.FlowUserPasswordAuth, webClient, params("USERNAME", mb, "PASSWORD", goodPW), userpool.CodeInvalidParameter},
		{"a username with invalid UTF-8 is refused", false, userpool.FlowUserPasswordAuth, webClient, params("USERNAME", "al\xffice", "PASSWORD", goodPW), userpool.CodeInvalidParameter},
		{"a missing REFRESH_TOKEN is refused", false, userpool.FlowRefreshTokenAuth, webClient, params("USERNAME", "alice"), userpool.CodeInvalidParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFastEnv(t)
			e.createClient(userpool.ClientConfig{ClientID: "srponly"})
			e.confirmedUser("alice", "alice@example.com")
			var (
				out *userpool.InitiateAuthOutput
				err error
			)
			if tt.admin {
				out, err = e.pool.AdminInitiateAuth(e.ctx, userpool.AdminInitiateAuthInput{AuthFlow: tt.flow, ClientID: tt.client, AuthParameters: tt.params})
			} else {
				out, err = e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: tt.flow, ClientID: tt.client, AuthParameters: tt.params})
			}
			wantCode(t, err, tt.want)
			if out != nil {
				t.Errorf("output = %+v, want nil", out)
			}
			// Nothing was counted: four failures and the right password
			// still stay under the lockout threshold of five.
			for range 4 {
				_, err := e.signIn("alice", "wrong-Password-1")
				wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
			}
			if _, err := e.signIn("alice", goodPW); err != nil {
				t.Fatalf("the bad call was counted as a failed sign-in: %v", err)
			}
		})
	}
}

func TestAdminInitiateAuthSignsIn(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	out, err := e.pool.AdminInitiateAuth(e.ctx, userpool.AdminInitiateAuthInput{AuthFlow: userpool.FlowAdminUserPasswordAuth,
		ClientID: webClient, AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": goodPW}})
	wantNoError(t, "AdminInitiateAuth", err)
	if out.AuthenticationResult == nil || e.accessClaims(out.AuthenticationResult.AccessToken).Username != "alice" {
		t.Fatalf("no tokens for alice: %+v", out)
	}
	ref, err := e.pool.AdminInitiateAuth(e.ctx, userpool.AdminInitiateAuthInput{AuthFlow: userpool.FlowRefreshTokenAuth,
		ClientID: webClient, AuthParameters: map[string]string{"REFRESH_TOKEN": out.AuthenticationResult.RefreshToken}})
	wantNoError(t, "AdminInitiateAuth refresh", err)
	if ref.AuthenticationResult == nil || ref.AuthenticationResult.AccessToken == "" {
		t.Fatal("no tokens from the admin refresh")
	}
}

// importUser stores a user as an import would, with a bcrypt hash.
func importUser(e *env, username, password string) store.User {
	e.t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), 10)
	if err != nil {
		e.t.Fatal(err)
	}
	now := e.clock.Now()
	u, err := e.store.CreateUser(e.ctx, store.User{PoolID: e.cfg.ID, Sub: "8f6b2d3e-1c4a-4e5f-9a7b-0c1d2e3f4a5b",
		Username: username, UsernameKey: strings.ToLower(username), Status: store.StatusConfirmed, Enabled: true,
		Attributes: map[string]string{"email": username + "@example.com", "email_verified": "true"},
		Password:   store.PasswordCredential{Hash: string(hash), ChangedAt: now}, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func TestSignInUpgradesAnImportedBcryptHash(t *testing.T) {
	t.Parallel() // bcrypt at cost 10 is slow under -race
	e := newFastEnv(t)
	u := importUser(e, "imported", goodPW)
	_, err := e.signIn("imported", "wrong-Password-1")
	wantCode(t, err, userpool.CodeNotAuthorized)
	if e.user("imported").Password.Hash != u.Password.Hash {
		t.Fatal("a failed sign-in replaced the hash")
	}
	res := e.mustSignIn("imported", goodPW)
	if e.accessClaims(res.AccessToken).Subject != u.Sub {
		t.Error("signed in as someone else")
	}
	after := e.user("imported").Password.Hash
	if !strings.HasPrefix(after, "$argon2id$") {
		t.Fatalf("hash after sign-in = %.20q…, want argon2id", after)
	}
	e.mustSignIn("imported", goodPW) // the new hash verifies
	if e.user("imported").Password.Hash != after {
		t.Error("an up-to-date hash was rehashed again")
	}
}

func TestSignInNeverTruncatesAPasswordForBcrypt(t *testing.T) {
	t.Parallel() // bcrypt at cost 10 is slow under -race
	e := newFastEnv(t)
	long := strings.Repeat("k", 72) // bcrypt's limit
	importUser(e, "imported", long)
	for _, pw := range []string{long + "x", long + "some-other-suffix"} {
		_, err := e.signIn("imported", pw)
		wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
	}
	if h := e.user("imported").Password.Hash; !strings.HasPrefix(h, "$2") {
		t.Fatal("a refused password replaced the bcrypt hash")
	}
	e.mustSignIn("imported", long)
}

func TestRotateSigningKeyPublishesBeforeSigning(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	before := e.mustSignIn("alice", goodPW)
	oldKid := kidOf(t, before.AccessToken)

	wantNoError(t, "RotateSigningKey", errOf(e.pool.RotateSigningKey(e.ctx, userpool.RotateSigningKeyInput{PublishAhead: time.Hour})))
	jwks := e.pool.KeySet().JWKS(e.clock.Now())
	var newKid string
	for _, k := range jwks.Keys {
		if k.Kid != oldKid {
			newKid = k.Kid
		}
	}
	if len(jwks.Keys) != 2 || newKid == "" {
		t.Fatalf("JWKS after rotation = %+v, want the old and the new key", jwks.Keys)
	}

	e.clock.Advance(30 * time.Minute)
	mid := e.mustSignIn("alice", goodPW)
	if k := kidOf(t, mid.AccessToken); k != oldKid {
		t.Errorf("signed with %s before publishAhead passed, want the old key %s", k, oldKid)
	}
	e.clock.Advance(30 * time.Minute)
	after := e.mustSignIn("alice", goodPW)
	if k := kidOf(t, after.AccessToken); k != newKid {
		t.Errorf("signed with %s after publishAhead, want the new key %s", k, newKid)
	}
	// Tokens of the old key keep verifying until they expire.
	e.accessClaims(mid.AccessToken)
	e.idClaims(mid.IDToken)
	if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: mid.AccessToken}); err != nil {
		t.Errorf("GetUser with a token of the old key: %v", err)
	}

	// Another instance on the same store sees the same keys.
	other, err := userpool.New(e.ctx, e.cfg, e.store)
	wantNoError(t, "second instance", err)
	if _, err := other.GetUser(e.ctx, userpool.GetUserInput{AccessToken: after.AccessToken}); err != nil {
		t.Errorf("second instance refuses a token of the new key: %v", err)
	}
	if _, err := other.GetUser(e.ctx, userpool.GetUserInput{AccessToken: mid.AccessToken}); err != nil {
		t.Errorf("second instance refuses a token of the old key: %v", err)
	}
}

func TestRotateSigningKeyRefusesANegativePublishAhead(t *testing.T) {
	e := newFastEnv(t)
	kids := len(e.pool.KeySet().JWKS(e.clock.Now()).Keys)
	if _, err := e.pool.RotateSigningKey(e.ctx, userpool.RotateSigningKeyInput{PublishAhead: -time.Second}); err == nil {
		t.Fatal("RotateSigningKey(-1s) succeeded")
	}
	if got := len(e.pool.KeySet().JWKS(e.clock.Now()).Keys); got != kids {
		t.Errorf("%d keys published after a refused rotation, want %d", got, kids)
	}
}

func TestRotateSigningKeyWithoutPublishAheadSwitchesAtOnce(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	before := e.mustSignIn("alice", goodPW)
	wantNoError(t, "RotateSigningKey", errOf(e.pool.RotateSigningKey(e.ctx, userpool.RotateSigningKeyInput{PublishAhead: 0})))
	after := e.mustSignIn("alice", goodPW)
	if kidOf(t, after.AccessToken) == kidOf(t, before.AccessToken) {
		t.Error("still signing with the old key")
	}
	for _, tok := range []string{before.AccessToken, after.AccessToken} {
		if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: tok}); err != nil {
			t.Errorf("GetUser: %v", err)
		}
	}
	// The old key is dropped once every token it signed has expired.
	e.clock.Advance(25 * time.Hour)
	wantNoError(t, "ReloadSigningKeys", errOf(e.pool.ReloadSigningKeys(e.ctx, userpool.ReloadSigningKeysInput{})))
	if keys := e.pool.KeySet().JWKS(e.clock.Now()).Keys; len(keys) != 1 || keys[0].Kid != kidOf(t, after.AccessToken) {
		t.Errorf("JWKS a day later = %+v, want only the new key", keys)
	}
}

func TestThePoolsTokenValidityApplies(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) {
		c.Tokens = userpool.TokenValidity{ID: 20 * time.Minute, Access: 10 * time.Minute, Refresh: 2 * time.Hour}
	})
	e.confirmedUser("alice", "alice@example.com")
	res := e.mustSignIn("alice", goodPW)
	if res.ExpiresIn != 600 {
		t.Errorf("ExpiresIn = %d, want 600", res.ExpiresIn)
	}
	if i := e.idClaims(res.IDToken); i.ExpiresAt.Sub(i.IssuedAt) != 20*time.Minute {
		t.Errorf("ID token lifetime %s", i.ExpiresAt.Sub(i.IssuedAt))
	}
	e.clock.Advance(10 * time.Minute)
	_, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: res.AccessToken})
	wantMessage(t, err, userpool.CodeNotAuthorized, "Access Token has expired")
	e.clock.Advance(2*time.Hour - 10*time.Minute)
	_, err = e.refresh(webClient, res.RefreshToken)
	wantCode(t, err, userpool.CodeNotAuthorized)
}
