package cognitoapi_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cupola-auth/cupola/cognitoapi"
	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/userpool"
	"github.com/cupola-auth/cupola/userpool/pooltest"
)

const (
	poolID   = "us-east-1_Cupola"
	clientID = "wireclient"
	// otherClientID is a second client of the pool.
	otherClientID = "otherclient"
	accessKey     = "AKIDCUPOLATEST"
	secretKey     = "cupola-test-secret-access-key-0123456789"
	goodPW        = "correct horse battery staple 9"
)

// env is a pool behind the handler, and the AWS SDK pointed at it.
type env struct {
	t      *testing.T
	ctx    context.Context
	pool   *userpool.UserPool
	outbox *message.Outbox
	srv    *httptest.Server
	sdk    *cip.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	secret := make([]byte, 32)
	rand.Read(secret)
	outbox := message.NewOutbox()
	pool, err := userpool.New(t.Context(), userpool.Config{ID: poolID, Name: "Wire", Issuer: "https://auth.example.test/" + poolID,
		Secret: secret, Hashing: pooltest.FastHashing(), EmailSender: outbox, Delivery: userpool.DeliverInline,
		SigningAlgorithm: token.EdDSA,
		Clients: []userpool.ClientConfig{{ClientID: clientID, ClientName: "wire",
			ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth, userpool.AllowAdminUserPasswordAuth, userpool.AllowRefreshTokenAuth,
				userpool.AllowUserAuth, userpool.AllowUserSRPAuth}}},
	}, memory.New())
	if err != nil {
		t.Fatal(err)
	}
	h, err := cognitoapi.New([]*userpool.UserPool{pool}, cognitoapi.Options{AccessKeys: map[string]string{accessKey: secretKey}, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(recordActions(h))
	t.Cleanup(srv.Close)
	e := &env{t: t, ctx: t.Context(), pool: pool, outbox: outbox, srv: srv}
	e.sdk = e.client(secretKey)
	return e
}

// client is the AWS SDK for Go v2 against the handler, signing with secret.
func (e *env) client(secret string) *cip.Client {
	return cip.New(cip.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(e.srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider(accessKey, secret, ""),
		RetryMaxAttempts: 1,
	})
}

func TestAWSSDKSignUpSignInAndAdmin(t *testing.T) {
	e := newEnv(t)
	up, err := e.sdk.SignUp(e.ctx, &cip.SignUpInput{ClientId: aws.String(clientID), Username: aws.String("alice"), Password: aws.String(goodPW),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("alice@example.com")}}})
	if err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	if up.UserSub == nil || up.UserConfirmed || up.CodeDeliveryDetails == nil || up.CodeDeliveryDetails.DeliveryMedium != types.DeliveryMediumTypeEmail {
		t.Fatalf("SignUp = %+v", up)
	}
	code := lastCode(t, e.outbox, "alice@example.com")
	if _, err := e.sdk.ConfirmSignUp(e.ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(clientID), Username: aws.String("alice"), ConfirmationCode: aws.String(code)}); err != nil {
		t.Fatalf("ConfirmSignUp: %v", err)
	}
	auth, err := e.sdk.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": goodPW}})
	if err != nil {
		t.Fatalf("InitiateAuth: %v", err)
	}
	if auth.AuthenticationResult == nil || aws.ToString(auth.AuthenticationResult.AccessToken) == "" || auth.AuthenticationResult.ExpiresIn == 0 {
		t.Fatalf("InitiateAuth = %+v", auth)
	}
	me, err := e.sdk.GetUser(e.ctx, &cip.GetUserInput{AccessToken: auth.AuthenticationResult.AccessToken})
	if err != nil || aws.ToString(me.Username) != "alice" {
		t.Fatalf("GetUser = %+v, %v", me, err)
	}

	_, err = e.sdk.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": "wrong password 123"}})
	var na *types.NotAuthorizedException
	if !errors.As(err, &na) {
		t.Fatalf("wrong password: %v, want NotAuthorizedException", err)
	}

	got, err := e.sdk.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String("alice")})
	if err != nil {
		t.Fatalf("AdminGetUser: %v", err)
	}
	if got.UserStatus != types.UserStatusTypeConfirmed || !got.Enabled || got.UserCreateDate == nil || time.Since(*got.UserCreateDate) > time.Hour {
		t.Fatalf("AdminGetUser = %+v", got)
	}
	list, err := e.sdk.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: aws.String(poolID), Filter: aws.String(`email = "alice@example.com"`)})
	if err != nil || len(list.Users) != 1 || aws.ToString(list.Users[0].Username) != "alice" {
		t.Fatalf("ListUsers = %+v, %v", list, err)
	}
	var unf *types.UserNotFoundException
	if _, err := e.sdk.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String("nobody")}); !errors.As(err, &unf) {
		t.Fatalf("AdminGetUser of nobody: %v", err)
	}
}

func TestAWSSDKAdminCallsNeedTheRightSignature(t *testing.T) {
	e := newEnv(t)
	bad := e.client("not-the-secret-key-but-long-enough")
	_, err := bad.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String("alice")})
	if err == nil {
		t.Fatal("a wrong secret key was accepted")
	}
	t.Logf("wrong key: %v", err)
}

func lastCode(t *testing.T, o *message.Outbox, to string) string {
	t.Helper()
	m, ok := o.LastEmail(to)
	if !ok {
		t.Fatalf("no message to %s", to)
	}
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(m.Text)
	if code == "" {
		t.Fatalf("no code in %q", m.Text)
	}
	return code
}

// SignUp → ConfirmSignUp → InitiateAuth USER_AUTH with the Session, as
// Cognito's newer SDKs sign a new user in.
func TestAWSSDKSignInAfterSignUp(t *testing.T) {
	e := newEnv(t)
	up, err := e.sdk.SignUp(e.ctx, &cip.SignUpInput{ClientId: aws.String(clientID), Username: aws.String("uma"), Password: aws.String(goodPW),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("uma@example.com")}}})
	if err != nil || aws.ToString(up.Session) == "" {
		t.Fatalf("SignUp = %+v, %v", up, err)
	}
	conf, err := e.sdk.ConfirmSignUp(e.ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(clientID), Username: aws.String("uma"),
		ConfirmationCode: aws.String(lastCode(t, e.outbox, "uma@example.com")), Session: up.Session})
	if err != nil || aws.ToString(conf.Session) == "" {
		t.Fatalf("ConfirmSignUp = %+v, %v", conf, err)
	}
	auth, err := e.sdk.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserAuth,
		AuthParameters: map[string]string{"USERNAME": "uma"}, Session: conf.Session})
	if err != nil || auth.AuthenticationResult == nil {
		t.Fatalf("InitiateAuth with the Session = %+v, %v", auth, err)
	}
}
