package cognitoapi_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/document"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cupola-auth/cupola/internal/passkeytest"
	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/userpool"
)

// A user's whole life through the public actions.
func TestAWSSDKUserLifecycle(t *testing.T) {
	e := newEnv(t)
	cid := aws.String(clientID)
	if _, err := e.sdk.SignUp(e.ctx, &cip.SignUpInput{ClientId: cid, Username: aws.String("lee"), Password: aws.String(goodPW),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("lee@example.com")}}}); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	resent, err := e.sdk.ResendConfirmationCode(e.ctx, &cip.ResendConfirmationCodeInput{ClientId: cid, Username: aws.String("lee")})
	if err != nil || resent.CodeDeliveryDetails == nil {
		t.Fatalf("ResendConfirmationCode = %+v, %v", resent, err)
	}
	if _, err := e.sdk.ConfirmSignUp(e.ctx, &cip.ConfirmSignUpInput{ClientId: cid, Username: aws.String("lee"),
		ConfirmationCode: aws.String(lastCode(t, e.outbox, "lee@example.com"))}); err != nil {
		t.Fatalf("ConfirmSignUp with the resent code: %v", err)
	}
	signIn := func(pw string) *types.AuthenticationResultType {
		t.Helper()
		out, err := e.sdk.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "lee", "PASSWORD": pw}})
		if err != nil || out.AuthenticationResult == nil {
			t.Fatalf("InitiateAuth: %+v, %v", out, err)
		}
		return out.AuthenticationResult
	}
	tok := signIn(goodPW)
	if _, err := e.sdk.UpdateUserAttributes(e.ctx, &cip.UpdateUserAttributesInput{AccessToken: tok.AccessToken,
		UserAttributes: []types.AttributeType{{Name: aws.String("name"), Value: aws.String("Lee")}}}); err != nil {
		t.Fatalf("UpdateUserAttributes: %v", err)
	}
	const second = "a second good password 7"
	if _, err := e.sdk.ChangePassword(e.ctx, &cip.ChangePasswordInput{AccessToken: tok.AccessToken, PreviousPassword: aws.String(goodPW),
		ProposedPassword: aws.String(second)}); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	tok = signIn(second)
	fresh, err := e.sdk.GetTokensFromRefreshToken(e.ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: cid, RefreshToken: tok.RefreshToken})
	if err != nil || fresh.AuthenticationResult == nil || aws.ToString(fresh.AuthenticationResult.AccessToken) == "" {
		t.Fatalf("GetTokensFromRefreshToken = %+v, %v", fresh, err)
	}
	rt := tok.RefreshToken
	if fresh.AuthenticationResult.RefreshToken != nil {
		rt = fresh.AuthenticationResult.RefreshToken
	}
	if _, err := e.sdk.RevokeToken(e.ctx, &cip.RevokeTokenInput{ClientId: cid, Token: rt}); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	var na *types.NotAuthorizedException
	if _, err := e.sdk.GetTokensFromRefreshToken(e.ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: cid, RefreshToken: rt}); !errors.As(err, &na) {
		t.Fatalf("a revoked refresh token: %v", err)
	}
	if _, err := e.sdk.ForgotPassword(e.ctx, &cip.ForgotPasswordInput{ClientId: cid, Username: aws.String("lee")}); err != nil {
		t.Fatalf("ForgotPassword: %v", err)
	}
	const third = "a third good password 11"
	if _, err := e.sdk.ConfirmForgotPassword(e.ctx, &cip.ConfirmForgotPasswordInput{ClientId: cid, Username: aws.String("lee"),
		ConfirmationCode: aws.String(lastCode(t, e.outbox, "lee@example.com")), Password: aws.String(third)}); err != nil {
		t.Fatalf("ConfirmForgotPassword: %v", err)
	}
	tok = signIn(third)
	if _, err := e.sdk.GlobalSignOut(e.ctx, &cip.GlobalSignOutInput{AccessToken: tok.AccessToken}); err != nil {
		t.Fatalf("GlobalSignOut: %v", err)
	}
	if _, err := e.sdk.GetUser(e.ctx, &cip.GetUserInput{AccessToken: tok.AccessToken}); !errors.As(err, &na) {
		t.Fatalf("GetUser after GlobalSignOut: %v", err)
	}
	tok = signIn(third)
	if _, err := e.sdk.DeleteUser(e.ctx, &cip.DeleteUserInput{AccessToken: tok.AccessToken}); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	var unf *types.UserNotFoundException
	if _, err := e.sdk.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String("lee")}); !errors.As(err, &unf) {
		t.Fatalf("AdminGetUser after DeleteUser: %v", err)
	}
}

// A user as an administrator handles one, through the signed actions.
func TestAWSSDKAdminUserLifecycle(t *testing.T) {
	e := newEnv(t)
	pid, cid := aws.String(poolID), aws.String(clientID)
	if _, err := e.sdk.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: pid, Username: aws.String("max"),
		TemporaryPassword: aws.String("Temporary password 1!"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("max@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}}); err != nil {
		t.Fatalf("AdminCreateUser: %v", err)
	}
	ch, err := e.sdk.AdminInitiateAuth(e.ctx, &cip.AdminInitiateAuthInput{UserPoolId: pid, ClientId: cid, AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "max", "PASSWORD": "Temporary password 1!"}})
	if err != nil || ch.ChallengeName != types.ChallengeNameTypeNewPasswordRequired || aws.ToString(ch.Session) == "" {
		t.Fatalf("AdminInitiateAuth = %+v, %v", ch, err)
	}
	done, err := e.sdk.AdminRespondToAuthChallenge(e.ctx, &cip.AdminRespondToAuthChallengeInput{UserPoolId: pid, ClientId: cid,
		ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: ch.Session,
		ChallengeResponses: map[string]string{"USERNAME": "max", "NEW_PASSWORD": goodPW}})
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("AdminRespondToAuthChallenge = %+v, %v", done, err)
	}
	// In order: the user ends enabled only if AdminEnableUser runs after AdminDisableUser.
	for _, c := range []struct {
		name string
		call func() error
	}{
		{"AdminDisableUser", func() error {
			_, err := e.sdk.AdminDisableUser(e.ctx, &cip.AdminDisableUserInput{UserPoolId: pid, Username: aws.String("max")})
			return err
		}},
		{"AdminEnableUser", func() error {
			_, err := e.sdk.AdminEnableUser(e.ctx, &cip.AdminEnableUserInput{UserPoolId: pid, Username: aws.String("max")})
			return err
		}},
		{"AdminUserGlobalSignOut", func() error {
			_, err := e.sdk.AdminUserGlobalSignOut(e.ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: pid, Username: aws.String("max")})
			return err
		}},
		{"AdminUpdateUserAttributes", func() error {
			_, err := e.sdk.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: pid, Username: aws.String("max"),
				UserAttributes: []types.AttributeType{{Name: aws.String("name"), Value: aws.String("Max")}}})
			return err
		}},
	} {
		if err := c.call(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	got, err := e.sdk.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: pid, Username: aws.String("max")})
	if err != nil || !got.Enabled || got.UserStatus != types.UserStatusTypeConfirmed {
		t.Fatalf("AdminGetUser = %+v, %v", got, err)
	}
	if _, err := e.sdk.AdminResetUserPassword(e.ctx, &cip.AdminResetUserPasswordInput{UserPoolId: pid, Username: aws.String("max")}); err != nil {
		t.Fatalf("AdminResetUserPassword: %v", err)
	}
	var reset *types.PasswordResetRequiredException
	if _, err := e.sdk.AdminInitiateAuth(e.ctx, &cip.AdminInitiateAuthInput{UserPoolId: pid, ClientId: cid, AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "max", "PASSWORD": goodPW}}); !errors.As(err, &reset) {
		t.Fatalf("sign-in after AdminResetUserPassword: %v", err)
	}
	if _, err := e.sdk.SignUp(e.ctx, &cip.SignUpInput{ClientId: cid, Username: aws.String("nia"), Password: aws.String(goodPW),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("nia@example.com")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sdk.AdminConfirmSignUp(e.ctx, &cip.AdminConfirmSignUpInput{UserPoolId: pid, Username: aws.String("nia")}); err != nil {
		t.Fatalf("AdminConfirmSignUp: %v", err)
	}
	if _, err := e.sdk.AdminDeleteUser(e.ctx, &cip.AdminDeleteUserInput{UserPoolId: pid, Username: aws.String("nia")}); err != nil {
		t.Fatalf("AdminDeleteUser: %v", err)
	}
}

// Passkeys through the SDK: the options and the credential travel as
// Smithy documents, as Cognito sends them.
func TestAWSSDKPasskeys(t *testing.T) {
	e := newMgmtEnv(t, func(c *userpool.Config) {
		c.AllowedFirstAuthFactors = []string{userpool.FirstFactorPassword, userpool.FirstFactorWebAuthn}
		c.Clients[0].ExplicitAuthFlows = append(c.Clients[0].ExplicitAuthFlows, userpool.AllowUserAuth)
	})
	e.mgmtUser("pia", "pia@example.com")
	at := e.mgmtTokens("pia").AccessToken
	start, err := e.sdk.StartWebAuthnRegistration(e.ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: at})
	if err != nil {
		t.Fatalf("StartWebAuthnRegistration: %v", err)
	}
	var options map[string]any
	if err := start.CredentialCreationOptions.UnmarshalSmithyDocument(&options); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(options)
	a, err := passkeytest.New("https://auth.example.test")
	if err != nil {
		t.Fatal(err)
	}
	created, err := a.Create(raw)
	if err != nil {
		t.Fatal(err)
	}
	var credential map[string]any
	json.Unmarshal(created, &credential)
	if _, err := e.sdk.CompleteWebAuthnRegistration(e.ctx, &cip.CompleteWebAuthnRegistrationInput{AccessToken: at,
		Credential: document.NewLazyDocument(credential)}); err != nil {
		t.Fatalf("CompleteWebAuthnRegistration: %v", err)
	}
	list, err := e.sdk.ListWebAuthnCredentials(e.ctx, &cip.ListWebAuthnCredentialsInput{AccessToken: at})
	if err != nil || len(list.Credentials) != 1 || aws.ToString(list.Credentials[0].RelyingPartyId) != "auth.example.test" {
		t.Fatalf("ListWebAuthnCredentials = %+v, %v", list, err)
	}
	ch, err := e.sdk.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserAuth,
		AuthParameters: map[string]string{"USERNAME": "pia", "PREFERRED_CHALLENGE": "WEB_AUTHN"}})
	if err != nil || ch.ChallengeName != types.ChallengeNameTypeWebAuthn {
		t.Fatalf("InitiateAuth USER_AUTH WEB_AUTHN = %+v, %v", ch, err)
	}
	assertion, err := a.Get([]byte(ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"]))
	if err != nil {
		t.Fatal(err)
	}
	done, err := e.sdk.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(clientID), ChallengeName: types.ChallengeNameTypeWebAuthn,
		Session: ch.Session, ChallengeResponses: map[string]string{"USERNAME": "pia", "CREDENTIAL": string(assertion)}})
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("RespondToAuthChallenge WEB_AUTHN = %+v, %v", done, err)
	}
	if _, err := e.sdk.DeleteWebAuthnCredential(e.ctx, &cip.DeleteWebAuthnCredentialInput{AccessToken: at, CredentialId: list.Credentials[0].CredentialId}); err != nil {
		t.Fatalf("DeleteWebAuthnCredential: %v", err)
	}
}

// A pool with a SAML signing certificate hands it out; legacy
// SetUserSettings turns SMS MFA on and off.
func TestAWSSDKSigningCertificateAndUserSettings(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cupola sp"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	e := newMgmtEnv(t, func(c *userpool.Config) {
		c.Federation.SAMLKey, c.Federation.SAMLCertificate = key, cert
		c.MFA = userpool.MFAConfig{Mode: userpool.MFAOptional, Factors: []string{userpool.FactorSMS}}
		c.SMSSender = c.EmailSender.(*message.Outbox)
	})
	got, err := e.sdk.GetSigningCertificate(e.ctx, &cip.GetSigningCertificateInput{UserPoolId: aws.String(poolID)})
	if err != nil || aws.ToString(got.Certificate) != base64.StdEncoding.EncodeToString(der) {
		t.Fatalf("GetSigningCertificate = %+v, %v", got, err)
	}
	e.mgmtUser("sol", "sol@example.com")
	if _, err := e.sdk.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(poolID), Username: aws.String("sol"),
		UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String("+15555550123")},
			{Name: aws.String("phone_number_verified"), Value: aws.String("true")}}}); err != nil {
		t.Fatal(err)
	}
	at := e.mgmtTokens("sol").AccessToken
	if _, err := e.sdk.SetUserSettings(e.ctx, &cip.SetUserSettingsInput{AccessToken: at,
		MFAOptions: []types.MFAOptionType{{DeliveryMedium: types.DeliveryMediumTypeSms, AttributeName: aws.String("phone_number")}}}); err != nil {
		t.Fatalf("SetUserSettings: %v", err)
	}
	if out := e.mgmtSignIn("sol"); out.ChallengeName != types.ChallengeNameTypeSmsMfa {
		t.Fatalf("after SetUserSettings turned SMS MFA on: %+v", out)
	}
	if _, err := e.sdk.AdminSetUserSettings(e.ctx, &cip.AdminSetUserSettingsInput{UserPoolId: aws.String(poolID), Username: aws.String("sol"),
		MFAOptions: []types.MFAOptionType{}}); err != nil {
		t.Fatalf("AdminSetUserSettings: %v", err)
	}
	if out := e.mgmtSignIn("sol"); out.AuthenticationResult == nil {
		t.Fatalf("after AdminSetUserSettings turned SMS MFA off: %+v", out)
	}
}
