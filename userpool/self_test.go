package userpool_test

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

func (e *env) update(accessToken string, attrs ...userpool.Attribute) (*userpool.UpdateUserAttributesOutput, error) {
	return e.pool.UpdateUserAttributes(e.ctx, userpool.UpdateUserAttributesInput{AccessToken: accessToken, UserAttributes: attrs})
}

func TestGetUserShowsWhatTheClientMayRead(t *testing.T) {
	e := newFastEnv(t)
	e.passwordClient("narrow", func(c *userpool.ClientConfig) { c.ReadAttributes = []string{"name", "email_verified"} })
	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "alice", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("alice@example.com"), {Name: "name", Value: "Alice"}}})
	wantNoError(t, "SignUp", err)
	wantNoError(t, "ConfirmSignUp", e.confirm("alice", e.lastCode("alice@example.com")))
	sub := e.user("alice").Sub

	out, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: e.mustSignIn("alice", goodPW).AccessToken})
	wantNoError(t, "GetUser", err)
	if out.Username != "alice" || len(out.UserAttributes) == 0 || out.UserAttributes[0] != (userpool.Attribute{Name: "sub", Value: sub}) {
		t.Errorf("GetUser = %+v, want alice with sub first", out)
	}
	all := e.attrs(e.mustSignIn("alice", goodPW).AccessToken)
	want := map[string]string{"sub": sub, "email": "alice@example.com", "email_verified": "true", "name": "Alice"}
	if len(all) != len(want) {
		t.Errorf("attributes = %v, want %v", all, want)
	}
	for k, v := range want {
		if all[k] != v {
			t.Errorf("%s = %q, want %q", k, all[k], v)
		}
	}

	res, err := e.signInWith("narrow", "alice", goodPW, nil)
	wantNoError(t, "sign in", err)
	narrow := e.attrs(res.AccessToken)
	if len(narrow) != 3 || narrow["name"] != "Alice" || narrow["email_verified"] != "true" || narrow["sub"] != sub {
		t.Errorf("attributes through the narrow client = %v, want sub, name and email_verified only", narrow)
	}
}

// forge re-encodes a token with a new header and claims, keeping or
// replacing the signature.
func forge(t *testing.T, header, claims map[string]any, sig string) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + "." + sig
}

func TestAccessTokensAreVerifiedBeforeUse(t *testing.T) {
	e := newMemEnv(t) // RS256, for the key-confusion case
	e.confirmedUser("alice", "alice@example.com")
	bobSub := e.confirmedUser("bob", "bob@example.com")
	res := e.mustSignIn("alice", goodPW)
	header, claims := headerOf(t, res.AccessToken), payloadOf(t, res.AccessToken)
	sig := res.AccessToken[strings.LastIndex(res.AccessToken, ".")+1:]

	pub, err := x509.MarshalPKIXPublicKey(e.pool.KeySet().Keys()[0].Signer.Public())
	wantNoError(t, "marshal public key", err)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	hmacToken, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(claims)).SignedString(pubPEM)
	wantNoError(t, "sign HS256", err)
	hmacToken = forge(t, map[string]any{"alg": "HS256", "kid": header["kid"], "typ": "JWT"}, claims,
		hmacToken[strings.LastIndex(hmacToken, ".")+1:])

	// Tokens signed with the pool's own key but claims it never issues.
	key, ok := e.pool.KeySet().Keys()[0].Signer.(*rsa.PrivateKey)
	if !ok {
		t.Fatal("the default key is not RSA")
	}
	resign := func(change func(map[string]any)) string {
		m := map[string]any{}
		for k, v := range claims {
			m[k] = v
		}
		change(m)
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(m))
		tok.Header["kid"] = header["kid"]
		s, err := tok.SignedString(key)
		wantNoError(t, "re-sign", err)
		return s
	}
	bobRes := e.mustSignIn("bob", goodPW)

	other := newEnv(t, memory.New(), fastKeys) // same issuer URL, other keys
	other.confirmedUser("alice", "alice@example.com")
	foreign := other.mustSignIn("alice", goodPW).AccessToken

	withClaim := func(k string, v any) map[string]any {
		m := map[string]any{}
		for key, val := range claims {
			m[key] = val
		}
		m[k] = v
		return m
	}
	withHeader := func(k string, v any) map[string]any {
		m := map[string]any{}
		for key, val := range header {
			m[key] = val
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name  string
		token string
		want  userpool.ErrorCode
	}{
		{"a missing token is refused", "", userpool.CodeInvalidParameter},
		{"garbage is refused", "not-a-token", userpool.CodeNotAuthorized},
		{"a string of dots is refused", strings.Repeat(".", 1<<20), userpool.CodeNotAuthorized},
		{"a 1 MB token is refused", strings.Repeat("a", 1<<19) + "." + strings.Repeat("b", 1<<19) + ".c", userpool.CodeNotAuthorized},
		{"invalid UTF-8 is refused", "\xff.\xfe.\xfd", userpool.CodeNotAuthorized},
		{"an ID token is no access token", res.IDToken, userpool.CodeNotAuthorized},
		{"a refresh token is no access token", res.RefreshToken, userpool.CodeNotAuthorized},
		{"alg none is refused", forge(t, withHeader("alg", "none"), claims, ""), userpool.CodeNotAuthorized},
		{"alg None is refused", forge(t, withHeader("alg", "None"), claims, ""), userpool.CodeNotAuthorized},
		{"an empty signature is refused", forge(t, header, claims, ""), userpool.CodeNotAuthorized},
		{"HS256 keyed with the public key is refused", hmacToken, userpool.CodeNotAuthorized},
		{"another user's sub under alice's signature is refused", forge(t, header, withClaim("sub", bobSub), sig), userpool.CodeNotAuthorized},
		{"a hostile kid is refused", forge(t, withHeader("kid", "../../etc/passwd' OR 1=1"), claims, sig), userpool.CodeNotAuthorized},
		{"a jku header is not followed", forge(t, withHeader("jku", "https://evil.example/jwks.json"), claims, sig), userpool.CodeNotAuthorized},
		{"another pool's token is refused", foreign, userpool.CodeNotAuthorized},
		{"a token of another issuer is refused", resign(func(m map[string]any) { m["iss"] = "https://evil.example/pool" }), userpool.CodeNotAuthorized},
		{"a token without exp is refused", resign(func(m map[string]any) { delete(m, "exp") }), userpool.CodeNotAuthorized},
		{"a token not valid yet is refused", resign(func(m map[string]any) { m["nbf"] = e.clock.Now().Add(time.Hour).Unix() }), userpool.CodeNotAuthorized},
		{"a token used as an ID token is refused", resign(func(m map[string]any) { m["token_use"] = "id" }), userpool.CodeNotAuthorized},
		{"a token without the admin scope is refused", resign(func(m map[string]any) { m["scope"] = "openid email" }), userpool.CodeNotAuthorized},
		{"a token without origin_jti is refused", resign(func(m map[string]any) { delete(m, "origin_jti") }), userpool.CodeNotAuthorized},
		{"a token claiming another user's sign-in is refused", resign(func(m map[string]any) {
			m["origin_jti"] = payloadOf(t, bobRes.AccessToken)["origin_jti"]
		}), userpool.CodeNotAuthorized},
		{"a token claiming another client is refused", resign(func(m map[string]any) { m["client_id"] = "other" }), userpool.CodeNotAuthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: tt.token})
			wantCode(t, err, tt.want)
			if out != nil {
				t.Errorf("GetUser answered %+v", out)
			}
		})
	}
	if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: res.AccessToken}); err != nil {
		t.Fatalf("the genuine token: %v", err)
	}
	if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: resign(func(map[string]any) {})}); err != nil {
		t.Fatalf("the genuine claims re-signed: %v", err)
	}
	t.Run("an expired token is refused", func(t *testing.T) {
		e.clock.Advance(time.Hour)
		_, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: res.AccessToken})
		wantMessage(t, err, userpool.CodeNotAuthorized, "Access Token has expired")
	})
}

func TestEveryAccessTokenOperationRefusesAnEndedSignIn(t *testing.T) {
	ends := []struct {
		name string
		end  func(t *testing.T, e *env, sub, accessToken string)
	}{
		{"signed out", func(t *testing.T, e *env, _, at string) {
			wantNoError(t, "GlobalSignOut", errOf(e.pool.GlobalSignOut(e.ctx, userpool.GlobalSignOutInput{AccessToken: at})))
		}},
		{"disabled", func(_ *testing.T, e *env, sub, _ string) {
			e.changeUser(sub, func(u *store.User) { u.Enabled = false })
		}},
		{"client deleted", func(t *testing.T, e *env, _, _ string) {
			wantNoError(t, "DeleteClient", e.store.DeleteClient(e.ctx, e.cfg.ID, webClient))
		}},
	}
	ops := accessTokenOps()
	for _, end := range ends {
		for _, op := range ops {
			t.Run(op.name+" when "+end.name, func(t *testing.T) {
				e := newFastEnv(t)
				sub := e.confirmedUser("alice", "alice@example.com")
				at := e.mustSignIn("alice", goodPW).AccessToken
				end.end(t, e, sub, at)
				before, sent := e.user("alice"), e.sent()
				wantCode(t, op.run(e, at), userpool.CodeNotAuthorized)
				if after := e.user("alice"); after.Version != before.Version || e.sent() != sent {
					t.Error("the refused operation changed the user or sent a message")
				}
			})
		}
	}
}

func TestUpdateUserAttributesKeepsAVerifiedEmailUntilTheNewOneIsVerified(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) { c.AliasAttributes = []string{"email"} })
	e.confirmedUser("alice", "old@example.com")
	at := e.mustSignIn("alice", goodPW).AccessToken

	out, err := e.update(at, email("new@example.com"))
	wantNoError(t, "UpdateUserAttributes", err)
	want := userpool.CodeDeliveryDetails{Destination: "n***@e***", DeliveryMedium: "EMAIL", AttributeName: "email"}
	if len(out.CodeDeliveryDetailsList) != 1 || out.CodeDeliveryDetailsList[0] != want {
		t.Errorf("deliveries = %+v, want one to %+v", out.CodeDeliveryDetailsList, want)
	}
	code := e.lastCode("new@example.com")
	if a := e.attrs(at); a["email"] != "old@example.com" || a["email_verified"] != "true" {
		t.Errorf("before verification: %v, want the old verified email", a)
	}
	e.mustSignIn("old@example.com", goodPW)
	_, err = e.signIn("new@example.com", goodPW)
	wantMessage(t, err, userpool.CodeNotAuthorized, incorrect)

	wantCode(t, errOf(e.pool.VerifyUserAttribute(e.ctx, userpool.VerifyUserAttributeInput{AccessToken: at, AttributeName: "email", Code: otherCode(code)})), userpool.CodeCodeMismatch)
	if e.attrs(at)["email"] != "old@example.com" {
		t.Error("a wrong code changed the email")
	}
	wantNoError(t, "VerifyUserAttribute", errOf(e.pool.VerifyUserAttribute(e.ctx, userpool.VerifyUserAttributeInput{AccessToken: at, AttributeName: "email", Code: code})))
	if a := e.attrs(at); a["email"] != "new@example.com" || a["email_verified"] != "true" {
		t.Errorf("after verification: %v, want the new verified email", a)
	}
	e.mustSignIn("new@example.com", goodPW)
	_, err = e.signIn("old@example.com", goodPW)
	wantMessage(t, err, userpool.CodeNotAuthorized, incorrect)
	wantCode(t, errOf(e.pool.VerifyUserAttribute(e.ctx, userpool.VerifyUserAttributeInput{AccessToken: at, AttributeName: "email", Code: code})), userpool.CodeExpiredCode)
}

func TestUpdateUserAttributesReplacesAnUnverifiedEmailAtOnce(t *testing.T) {
	// Sign-up codes go to the phone, so the email stays unverified.
	e := newFastEnv(t, func(c *userpool.Config) { c.AutoVerifiedAttributes = []string{"phone_number", "email"} })
	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "alice", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("typo@example.com"), {Name: "phone_number", Value: "+12065551212"}}})
	wantNoError(t, "SignUp", err)
	wantNoError(t, "ConfirmSignUp", e.confirm("alice", e.lastCode("+12065551212")))
	at := e.mustSignIn("alice", goodPW).AccessToken

	out, err := e.update(at, email("alice@example.com"))
	wantNoError(t, "UpdateUserAttributes", err)
	if len(out.CodeDeliveryDetailsList) != 1 || out.CodeDeliveryDetailsList[0].Destination != "a***@e***" {
		t.Errorf("deliveries = %+v, want a code to the new address", out.CodeDeliveryDetailsList)
	}
	if a := e.attrs(at); a["email"] != "alice@example.com" || a["email_verified"] != "false" {
		t.Errorf("attributes = %v, want the new email, unverified", a)
	}
	wantNoError(t, "VerifyUserAttribute", errOf(e.pool.VerifyUserAttribute(e.ctx, userpool.VerifyUserAttributeInput{AccessToken: at, AttributeName: "email", Code: e.lastCode("alice@example.com")})))
	if a := e.attrs(at); a["email_verified"] != "true" {
		t.Errorf("attributes = %v, want the email verified", a)
	}
}

func TestUpdateUserAttributesOfAttributesNotAutoVerified(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	at := e.mustSignIn("alice", goodPW).AccessToken
	sent := e.sent()
	out, err := e.update(at, userpool.Attribute{Name: "phone_number", Value: "+12065551212"}, userpool.Attribute{Name: "name", Value: "Alice"})
	wantNoError(t, "UpdateUserAttributes", err)
	if len(out.CodeDeliveryDetailsList) != 0 || e.sent() != sent {
		t.Errorf("codes sent: %+v", out.CodeDeliveryDetailsList)
	}
	a := e.attrs(at)
	if a["phone_number"] != "+12065551212" || a["phone_number_verified"] != "false" || a["name"] != "Alice" {
		t.Errorf("attributes = %v", a)
	}
	// Re-sending the same email in another case changes nothing.
	out, err = e.update(at, email("Alice@Example.com"))
	wantNoError(t, "UpdateUserAttributes", err)
	if len(out.CodeDeliveryDetailsList) != 0 || e.attrs(at)["email_verified"] != "true" {
		t.Errorf("an unchanged email was reverified: %+v", out.CodeDeliveryDetailsList)
	}
}

func TestUpdateUserAttributesRefusesBadInputAndWritesNothing(t *testing.T) {
	tests := []struct {
		name  string
		attrs []userpool.Attribute
		want  userpool.ErrorCode
	}{
		{"no attributes at all are refused", nil, userpool.CodeInvalidParameter},
		{"an unknown attribute is refused", []userpool.Attribute{{Name: "favourite_colour", Value: "blue"}}, userpool.CodeInvalidParameter},
		{"a custom attribute not in the schema is refused", []userpool.Attribute{{Name: "custom:unknown", Value: "x"}}, userpool.CodeInvalidParameter},
		{"an immutable custom attribute is refused", []userpool.Attribute{{Name: "custom:employee", Value: "E2"}}, userpool.CodeInvalidParameter},
		{"writing email_verified is not authorized", []userpool.Attribute{{Name: "email_verified", Value: "true"}}, userpool.CodeNotAuthorized},
		{"writing sub is refused", []userpool.Attribute{{Name: "sub", Value: "x"}}, userpool.CodeInvalidParameter},
		{"an invalid email is refused", []userpool.Attribute{email("not an email")}, userpool.CodeInvalidParameter},
		{"a non-E.164 phone number is refused", []userpool.Attribute{{Name: "phone_number", Value: "(206) 555-1212"}}, userpool.CodeInvalidParameter},
		{"a value with invalid UTF-8 is refused", []userpool.Attribute{{Name: "name", Value: "\xffAlice"}}, userpool.CodeInvalidParameter},
		{"a 1 MB value is refused", []userpool.Attribute{{Name: "name", Value: strings.Repeat("a", 1<<20)}}, userpool.CodeInvalidParameter},
		{"one bad attribute spoils the batch", []userpool.Attribute{{Name: "name", Value: "Mallory"}, email("bad@")}, userpool.CodeInvalidParameter},
		{"an attribute the client may not write is refused", []userpool.Attribute{{Name: "nickname", Value: "Al"}}, userpool.CodeNotAuthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFastEnv(t, func(c *userpool.Config) {
				c.Schema = []userpool.AttributeSchema{{Name: "custom:employee", Immutable: true}}
			})
			e.passwordClient("narrow", func(c *userpool.ClientConfig) {
				c.WriteAttributes = []string{"name", "email", "phone_number", "custom:employee"}
			})
			_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "alice", Password: goodPW,
				UserAttributes: []userpool.Attribute{email("alice@example.com"), {Name: "custom:employee", Value: "E1"}}})
			wantNoError(t, "SignUp", err)
			wantNoError(t, "ConfirmSignUp", e.confirm("alice", e.lastCode("alice@example.com")))
			res, err := e.signInWith("narrow", "alice", goodPW, nil)
			wantNoError(t, "sign in", err)
			before, sent := e.user("alice"), e.sent()
			_, err = e.update(res.AccessToken, tt.attrs...)
			wantCode(t, err, tt.want)
			after := e.user("alice")
			if after.Version != before.Version || e.sent() != sent {
				t.Errorf("the refused update wrote the user (version %d → %d) or sent %d messages", before.Version, after.Version, e.sent()-sent)
			}
		})
	}
}

func TestVerifyUserAttributeNeverVerifiesAnAddressThatGotNoCode(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) { c.AliasAttributes = []string{"phone_number"} })
	e.confirmedUser("mallory", "mallory@example.com")
	at := e.mustSignIn("mallory", goodPW).AccessToken
	_, err := e.update(at, userpool.Attribute{Name: "phone_number", Value: "+12065550001"}) // mallory's phone
	wantNoError(t, "UpdateUserAttributes", err)
	_, err = e.pool.GetUserAttributeVerificationCode(e.ctx, userpool.GetUserAttributeVerificationCodeInput{AccessToken: at, AttributeName: "phone_number"})
	wantNoError(t, "GetUserAttributeVerificationCode", err)
	code := e.lastCode("+12065550001")
	// Swap in the victim's number, then verify with the code sent to the
	// first one.
	_, err = e.update(at, userpool.Attribute{Name: "phone_number", Value: "+12065559999"})
	wantNoError(t, "UpdateUserAttributes", err)
	_, _ = e.pool.VerifyUserAttribute(e.ctx, userpool.VerifyUserAttributeInput{AccessToken: at, AttributeName: "phone_number", Code: code})
	a := e.attrs(at)
	if a["phone_number"] == "+12065559999" && a["phone_number_verified"] == "true" {
		t.Fatal("a number that never received a code was marked verified")
	}
	if _, err := e.signIn("+12065559999", goodPW); err == nil {
		t.Fatal("the unverified number signs mallory in")
	}
}

func TestGetUserAttributeVerificationCodeVerifiesTheCurrentValue(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	at := e.mustSignIn("alice", goodPW).AccessToken
	_, err := e.update(at, userpool.Attribute{Name: "phone_number", Value: "+12065551212"})
	wantNoError(t, "UpdateUserAttributes", err)

	_, err = e.pool.GetUserAttributeVerificationCode(e.ctx, userpool.GetUserAttributeVerificationCodeInput{AccessToken: at, AttributeName: "name"})
	wantCode(t, err, userpool.CodeInvalidParameter)
	wantCode(t, errOf(e.pool.VerifyUserAttribute(e.ctx, userpool.VerifyUserAttributeInput{AccessToken: at, AttributeName: "name", Code: "123456"})), userpool.CodeInvalidParameter)
	wantCode(t, errOf(e.pool.VerifyUserAttribute(e.ctx, userpool.VerifyUserAttributeInput{AccessToken: at, AttributeName: "phone_number", Code: "123456"})), userpool.CodeExpiredCode)

	d, err := e.pool.GetUserAttributeVerificationCode(e.ctx, userpool.GetUserAttributeVerificationCodeInput{AccessToken: at, AttributeName: "phone_number"})
	wantNoError(t, "GetUserAttributeVerificationCode", err)
	if d.DeliveryMedium != "SMS" || d.Destination != "+*******1212" {
		t.Errorf("delivery = %+v", d)
	}
	code := e.lastCode("+12065551212")
	wantCode(t, errOf(e.pool.VerifyUserAttribute(e.ctx, userpool.VerifyUserAttributeInput{AccessToken: at, AttributeName: "phone_number", Code: ""})), userpool.CodeInvalidParameter)
	wantCode(t, errOf(e.pool.VerifyUserAttribute(e.ctx, userpool.VerifyUserAttributeInput{AccessToken: at, AttributeName: "phone_number", Code: strings.Repeat("1", 1<<20)})), userpool.CodeInvalidParameter)
	wantCode(t, errOf(e.pool.VerifyUserAttribute(e.ctx, userpool.VerifyUserAttributeInput{AccessToken: at, AttributeName: "email", Code: code})), userpool.CodeExpiredCode) // another attribute's code
	wantNoError(t, "VerifyUserAttribute", errOf(e.pool.VerifyUserAttribute(e.ctx, userpool.VerifyUserAttributeInput{AccessToken: at, AttributeName: "phone_number", Code: code})))
	if a := e.attrs(at); a["phone_number_verified"] != "true" || a["phone_number"] != "+12065551212" {
		t.Errorf("attributes = %v", a)
	}
	wantCode(t, errOf(e.pool.VerifyUserAttribute(e.ctx, userpool.VerifyUserAttributeInput{AccessToken: at, AttributeName: "phone_number", Code: code})), userpool.CodeExpiredCode)

	_, err = e.pool.GetUserAttributeVerificationCode(e.ctx, userpool.GetUserAttributeVerificationCodeInput{AccessToken: at, AttributeName: ""})
	wantCode(t, err, userpool.CodeInvalidParameter)
	e2 := newFastEnv(t)
	e2.confirmedUser("bob", "bob@example.com")
	_, err = e2.pool.GetUserAttributeVerificationCode(e2.ctx, userpool.GetUserAttributeVerificationCodeInput{AccessToken: e2.mustSignIn("bob", goodPW).AccessToken, AttributeName: "phone_number"})
	wantCode(t, err, userpool.CodeInvalidParameter) // bob has no phone
}

func TestChangePassword(t *testing.T) {
	for _, revoke := range []bool{false, true} {
		name := "keeping other sessions"
		if revoke {
			name = "revoking sessions"
		}
		t.Run(name, func(t *testing.T) {
			e := newFastEnv(t, func(c *userpool.Config) { c.RevokeSessionsOnPasswordChange = revoke })
			e.confirmedUser("alice", "alice@example.com")
			other, current := e.mustSignIn("alice", goodPW), e.mustSignIn("alice", goodPW)
			change := func(prev, proposed string) error {
				return errOf(e.pool.ChangePassword(e.ctx, userpool.ChangePasswordInput{AccessToken: current.AccessToken,
					PreviousPassword: prev, ProposedPassword: proposed}))
			}
			wantMessage(t, change(wrongPW, newPW), userpool.CodeNotAuthorized, incorrect)
			wantCode(t, change(goodPW, "short"), userpool.CodeInvalidPassword)
			wantCode(t, change(goodPW, "alice-Harbor-71"), userpool.CodeInvalidPassword)
			wantCode(t, change("", newPW), userpool.CodeInvalidParameter)
			wantCode(t, change(goodPW, ""), userpool.CodeInvalidParameter)
			wantCode(t, change(strings.Repeat("p", 1<<20), newPW), userpool.CodeNotAuthorized)
			wantCode(t, change(goodPW, strings.Repeat("p", 1<<20)), userpool.CodeInvalidPassword)
			e.mustSignIn("alice", goodPW) // nothing changed so far

			wantNoError(t, "ChangePassword", change(goodPW, newPW))
			_, err := e.signIn("alice", goodPW)
			wantMessage(t, err, userpool.CodeNotAuthorized, incorrect)
			e.mustSignIn("alice", newPW)

			for _, s := range []*userpool.AuthenticationResult{other, current} {
				_, err = e.refresh(webClient, s.RefreshToken)
				_, getErr := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: s.AccessToken})
				if revoke {
					wantCode(t, err, userpool.CodeNotAuthorized)
					wantCode(t, getErr, userpool.CodeNotAuthorized)
				} else {
					wantNoError(t, "refresh of a session", err)
					wantNoError(t, "GetUser of a session", getErr)
				}
			}
		})
	}
}

func TestDeleteUser(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	e.confirmedUser("bob", "bob@example.com")
	s, other := e.mustSignIn("alice", goodPW), e.mustSignIn("alice", goodPW)
	bob := e.mustSignIn("bob", goodPW)
	wantNoError(t, "DeleteUser", errOf(e.pool.DeleteUser(e.ctx, userpool.DeleteUserInput{AccessToken: s.AccessToken})))

	e.noUser("alice")
	_, err := e.signIn("alice", goodPW)
	wantMessage(t, err, userpool.CodeNotAuthorized, incorrect)
	for _, at := range []string{s.AccessToken, other.AccessToken} {
		_, err = e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: at})
		wantCode(t, err, userpool.CodeNotAuthorized)
	}
	_, err = e.refresh(webClient, other.RefreshToken)
	wantCode(t, err, userpool.CodeNotAuthorized)
	wantCode(t, errOf(e.pool.DeleteUser(e.ctx, userpool.DeleteUserInput{AccessToken: s.AccessToken})), userpool.CodeNotAuthorized)
	if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: bob.AccessToken}); err != nil {
		t.Errorf("bob's session: %v", err)
	}
	// The name is free again.
	e.confirmedUser("alice", "alice@example.com")
	_, err = e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: s.AccessToken})
	wantCode(t, err, userpool.CodeNotAuthorized) // the old token does not fit the new alice
}

func TestGlobalSignOutEndsEverySessionOfTheUser(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	e.confirmedUser("bob", "bob@example.com")
	a1, a2, bob := e.mustSignIn("alice", goodPW), e.mustSignIn("alice", goodPW), e.mustSignIn("bob", goodPW)
	wantNoError(t, "GlobalSignOut", errOf(e.pool.GlobalSignOut(e.ctx, userpool.GlobalSignOutInput{AccessToken: a1.AccessToken})))
	for _, s := range []*userpool.AuthenticationResult{a1, a2} {
		_, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: s.AccessToken})
		wantMessage(t, err, userpool.CodeNotAuthorized, "Access Token has been revoked")
		_, err = e.refresh(webClient, s.RefreshToken)
		wantCode(t, err, userpool.CodeNotAuthorized)
	}
	if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: bob.AccessToken}); err != nil {
		t.Errorf("bob's session: %v", err)
	}
	fresh := e.mustSignIn("alice", goodPW)
	if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: fresh.AccessToken}); err != nil {
		t.Errorf("a sign-in after the sign-out: %v", err)
	}
}

// accessTokenOps are the operations authorized by an access token.
func accessTokenOps() []struct {
	name string
	run  func(e *env, at string) error
} {
	return []struct {
		name string
		run  func(e *env, at string) error
	}{
		{"GetUser", func(e *env, at string) error {
			_, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: at})
			return err
		}},
		{"UpdateUserAttributes", func(e *env, at string) error {
			_, err := e.update(at, userpool.Attribute{Name: "name", Value: "Mallory"})
			return err
		}},
		{"GetUserAttributeVerificationCode", func(e *env, at string) error {
			_, err := e.pool.GetUserAttributeVerificationCode(e.ctx, userpool.GetUserAttributeVerificationCodeInput{AccessToken: at, AttributeName: "email"})
			return err
		}},
		{"VerifyUserAttribute", func(e *env, at string) error {
			return errOf(e.pool.VerifyUserAttribute(e.ctx, userpool.VerifyUserAttributeInput{AccessToken: at, AttributeName: "email", Code: "123456"}))
		}},
		{"ChangePassword", func(e *env, at string) error {
			return errOf(e.pool.ChangePassword(e.ctx, userpool.ChangePasswordInput{AccessToken: at, PreviousPassword: goodPW, ProposedPassword: newPW}))
		}},
		{"GlobalSignOut", func(e *env, at string) error {
			return errOf(e.pool.GlobalSignOut(e.ctx, userpool.GlobalSignOutInput{AccessToken: at}))
		}},
		{"DeleteUser", func(e *env, at string) error {
			return errOf(e.pool.DeleteUser(e.ctx, userpool.DeleteUserInput{AccessToken: at}))
		}},
	}
}

func TestAccessTokenOperationsRefuseMissingAndForgedTokens(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	before := e.user("alice")
	for _, op := range accessTokenOps() {
		t.Run(op.name, func(t *testing.T) {
			wantCode(t, op.run(e, ""), userpool.CodeInvalidParameter)
			wantCode(t, op.run(e, "garbage"), userpool.CodeNotAuthorized)
			wantCode(t, op.run(e, strings.Repeat("x.", 1<<19)), userpool.CodeNotAuthorized)
		})
	}
	if after := e.user("alice"); after.Version != before.Version || e.sent() != 1 {
		t.Error("a refused operation changed the user or sent a message")
	}
}
