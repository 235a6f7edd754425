package cognitoapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"errors"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/cupola-auth/cupola/cognitoapi"
	"github.com/cupola-auth/cupola/userpool"
)

// post sends a raw request to the handler and returns the status and the
// error type of the answer ("" when it is no error).
func (e *env) post(target, ctype string, body []byte, sign func(*http.Request, []byte)) (int, string, http.Header) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	req.Header.Set("Content-Type", ctype)
	if sign != nil {
		sign(req, body)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Type string `json:"__type"`
	}
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out.Type, resp.Header
}

// signer signs as the AWS SDK does, at a chosen time, with a chosen secret.
func signer(secret string, at time.Time) func(*http.Request, []byte) {
	return func(r *http.Request, body []byte) {
		sum := sha256.Sum256(body)
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secret},
			r, hex.EncodeToString(sum[:]), "cognito-idp", "us-east-1", at)
		if err != nil {
			panic(err)
		}
	}
}

const jsonType = "application/x-amz-json-1.1"

func TestBadRequestsGetCognitosErrors(t *testing.T) {
	e := newEnv(t)
	getUser := []byte(`{"UserPoolId":"` + poolID + `","Username":"alice"}`)
	cases := []struct {
		name     string
		target   string
		ctype    string
		body     []byte
		sign     func(*http.Request, []byte)
		status   int
		wantType string
	}{
		{"an unknown target", "AWSCognitoIdentityProviderService.MakeCoffee", jsonType, []byte(`{}`), nil, 400, "UnknownOperationException"},
		{"another service's target", "DynamoDB_20120810.GetItem", jsonType, []byte(`{}`), nil, 400, "UnknownOperationException"},
		{"no target", "", jsonType, []byte(`{}`), nil, 400, "UnknownOperationException"},
		{"an action Cupola lacks", "AWSCognitoIdentityProviderService.CreateUserPoolReplica", jsonType, []byte(`{}`), nil, 400, "UnsupportedOperationException"},
		{"malformed JSON", "AWSCognitoIdentityProviderService.SignUp", jsonType, []byte(`{"ClientId":`), nil, 400, "SerializationException"},
		{"a wrong JSON type", "AWSCognitoIdentityProviderService.SignUp", jsonType, []byte(`{"ClientId":5}`), nil, 400, "SerializationException"},
		{"a wrong content type", "AWSCognitoIdentityProviderService.SignUp", "text/plain", []byte(`{}`), nil, 400, "SerializationException"},
		{"a 10 MB body", "AWSCognitoIdentityProviderService.SignUp", jsonType, []byte(`{"Username":"` + strings.Repeat("a", 10<<20) + `"}`), nil, 413, "SerializationException"},
		{"an unknown client", "AWSCognitoIdentityProviderService.InitiateAuth", jsonType, []byte(`{"ClientId":"nope","AuthFlow":"USER_PASSWORD_AUTH"}`), nil, 400, "ResourceNotFoundException"},
		{"an admin call unsigned", "AWSCognitoIdentityProviderService.AdminGetUser", jsonType, getUser, nil, 400, "MissingAuthenticationTokenException"},
		{"an admin call signed with another key", "AWSCognitoIdentityProviderService.AdminGetUser", jsonType, getUser, signer("another-secret-access-key-000000000", time.Now()), 400, "InvalidSignatureException"},
		{"an admin call signed 10 minutes ago", "AWSCognitoIdentityProviderService.AdminGetUser", jsonType, getUser, signer(secretKey, time.Now().Add(-10*time.Minute)), 400, "InvalidSignatureException"},
		{"a signed body changed after signing", "AWSCognitoIdentityProviderService.AdminGetUser", jsonType, getUser, func(r *http.Request, body []byte) {
			signer(secretKey, time.Now())(r, body)
			tampered := bytes.Replace(body, []byte("alice"), []byte("admin"), 1)
			r.Body = io.NopCloser(bytes.NewReader(tampered))
			r.Header.Del("X-Amz-Content-Sha256")
		}, 400, "InvalidSignatureException"},
		{"a garbage authorization header", "AWSCognitoIdentityProviderService.AdminGetUser", jsonType, getUser, func(r *http.Request, _ []byte) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
		}, 400, "IncompleteSignatureException"},
		{"a bad access token", "AWSCognitoIdentityProviderService.GetUser", jsonType, []byte(`{"AccessToken":"a.b.c"}`), nil, 400, "NotAuthorizedException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, typ, hdr := e.post(tc.target, tc.ctype, tc.body, tc.sign)
			if status != tc.status || typ != tc.wantType {
				t.Fatalf("got %d %q, want %d %q", status, typ, tc.status, tc.wantType)
			}
			if hdr.Get("x-amzn-RequestId") == "" {
				t.Fatal("no x-amzn-RequestId")
			}
		})
	}
}

func TestASignatureIsAcceptedOnce(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"UserPoolId":"` + poolID + `","Username":"nobody"}`)
	now := time.Now()
	req := func() (int, string) {
		status, typ, _ := e.post("AWSCognitoIdentityProviderService.AdminGetUser", jsonType, body, signer(secretKey, now))
		return status, typ
	}
	if status, typ := req(); typ != "UserNotFoundException" {
		t.Fatalf("first request: %d %q", status, typ)
	}
	if status, typ := req(); typ != "InvalidSignatureException" {
		t.Fatalf("the same signed request again: %d %q, want InvalidSignatureException", status, typ)
	}
}

// SRP_A ≡ 0 mod N would let a client compute the key without the
// password; a challenge Session belongs to the client that began it.
func TestAWSSDKRefusesAZeroSRPAAndAnotherClientsSession(t *testing.T) {
	e := newEnv(t)
	pid := aws.String(poolID)
	if _, err := e.sdk.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: pid, Username: aws.String("ray"),
		TemporaryPassword: aws.String("Temporary password 1!"), MessageAction: types.MessageActionTypeSuppress}); err != nil {
		t.Fatal(err)
	}
	var ip *types.InvalidParameterException
	for _, a := range []string{"0", "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"} {
		_, err := e.sdk.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserSrpAuth,
			AuthParameters: map[string]string{"USERNAME": "ray", "SRP_A": a}})
		if !errors.As(err, &ip) {
			t.Fatalf("SRP_A %.8s…: %v, want InvalidParameterException", a, err)
		}
	}
	other, err := e.sdk.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("other"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth}})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := e.sdk.AdminInitiateAuth(e.ctx, &cip.AdminInitiateAuthInput{UserPoolId: pid, ClientId: other.UserPoolClient.ClientId,
		AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "ray", "PASSWORD": "Temporary password 1!"}})
	if err != nil || aws.ToString(ch.Session) == "" {
		t.Fatalf("AdminInitiateAuth = %+v, %v", ch, err)
	}
	var na *types.NotAuthorizedException
	_, err = e.sdk.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(clientID),
		ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: ch.Session,
		ChallengeResponses: map[string]string{"USERNAME": "ray", "NEW_PASSWORD": goodPW}})
	if !errors.As(err, &na) {
		t.Fatalf("another client's Session: %v, want NotAuthorizedException", err)
	}
}

// The SDK signs admin actions and sends public ones unsigned; a wrong key
// and a clock 10 minutes off are refused with AWS's signature errors.
func TestAWSSDKSignsOnlyAdminActions(t *testing.T) {
	e := newEnv(t)
	if _, err := e.sdk.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("uli"),
		MessageAction: types.MessageActionTypeSuppress}); err != nil {
		t.Fatal(err)
	}
	var nf *types.UserNotFoundException
	if _, err := e.sdk.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "uli", "PASSWORD": "x"}}); err == nil || errors.As(err, &nf) {
		t.Fatalf("InitiateAuth: %v", err)
	}
	if signed, _ := signedBySDK.Load("AdminCreateUser"); signed != true {
		t.Error("AdminCreateUser arrived unsigned")
	}
	if signed, _ := signedBySDK.Load("InitiateAuth"); signed != false {
		t.Errorf("InitiateAuth arrived signed (%v); public actions need no credentials", signed)
	}
	wrongKey := func(c *cip.Client) error {
		_, err := c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String("uli")})
		return err
	}
	var ae smithy.APIError
	if err := wrongKey(e.client("not-the-secret-key-but-long-enough")); !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException" {
		t.Fatalf("a wrong secret key: %v", err)
	}
	skewed, err := cognitoapi.New([]*userpool.UserPool{e.pool}, cognitoapi.Options{AccessKeys: map[string]string{accessKey: secretKey},
		Clock: func() time.Time { return time.Now().Add(10 * time.Minute) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(skewed)
	defer srv.Close()
	late := cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")})
	if err := wrongKey(late); !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException" {
		t.Fatalf("a request signed 10 minutes before the server's clock: %v", err)
	}
}
