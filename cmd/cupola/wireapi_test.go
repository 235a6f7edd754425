package main

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// The AWS SDK for Go v2 talks to a running "cupola serve": public actions
// unsigned, admin actions signed with the configured access key, the
// hosted UI still answering beside them.
func TestServeSpeaksCognitosWireAPI(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "cupola.yaml", `
pool:
  id: us-east-1_Serve
  name: Serve
  issuer: http://localhost:9
  secret: {env: POOL_SECRET}
clients:
  - client_id: app
    explicit_auth_flows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
hosted_ui:
  cookie_keys: [{env: COOKIE_KEY}]
cognito_api:
  region: eu-west-1
  access_keys: [{id: AKIDSERVE, secret: {env: ADMIN_SECRET}}]
`, 0o644)
	ta := newTestApp(t)
	ta.env = map[string]string{"POOL_SECRET": testSecret, "COOKIE_KEY": testSecret + "cookie", "ADMIN_SECRET": "serve-admin-secret-0123456789"}
	s := startServe(t, ta, "-config", cfg, "-db", filepath.Join(dir, "c.db"))
	sdk := func(secret string) *cip.Client {
		return cip.New(cip.Options{Region: "eu-west-1", BaseEndpoint: aws.String(s.base), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider("AKIDSERVE", secret, "")})
	}
	c := sdk("serve-admin-secret-0123456789")
	ctx := t.Context()
	if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String("us-east-1_Serve"), Username: aws.String("zoe"),
		TemporaryPassword: aws.String("Temporary password 1!"), MessageAction: types.MessageActionTypeSuppress}); err != nil {
		t.Fatalf("AdminCreateUser: %v", err)
	}
	out, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String("app"), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "zoe", "PASSWORD": "Temporary password 1!"}})
	if err != nil || out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("InitiateAuth = %+v, %v; want NEW_PASSWORD_REQUIRED", out, err)
	}
	var bad *types.NotAuthorizedException
	_, err = sdk("a-wrong-secret-for-this-key-000").AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String("us-east-1_Serve"), Username: aws.String("zoe")})
	if err == nil || errors.As(err, &bad) {
		t.Fatalf("a wrong signature: %v", err)
	}
	if resp, _ := get(t, nil, s.base+"/.well-known/openid-configuration"); resp.StatusCode != 200 {
		t.Fatalf("the hosted UI beside the API: discovery %d", resp.StatusCode)
	}
}
