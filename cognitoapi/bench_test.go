package cognitoapi_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cupola-auth/cupola/cognitoapi"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// BenchmarkWire compares an action through the handler over loopback HTTP
// with the same call on the pool: the ratio is the wire's cost. The pool
// hashes with production argon2id and signs with RS256, as deployed.
//
//	go test -run '^$' -bench Wire -count 5 ./cognitoapi/
func BenchmarkWire(b *testing.B) {
	secret := make([]byte, 32)
	rand.Read(secret)
	pool, err := userpool.New(b.Context(), userpool.Config{ID: poolID, Name: "Bench", Issuer: "https://auth.example.test/" + poolID,
		Secret: secret, Clients: []userpool.ClientConfig{{ClientID: clientID,
			ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth, userpool.AllowRefreshTokenAuth}}}}, memory.New())
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	if _, err := pool.AdminCreateUser(ctx, userpool.AdminCreateUserInput{Username: "bench", MessageAction: "SUPPRESS"}); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.AdminSetUserPassword(ctx, userpool.AdminSetUserPasswordInput{Username: "bench", Password: goodPW, Permanent: true}); err != nil {
		b.Fatal(err)
	}
	h, err := cognitoapi.New([]*userpool.UserPool{pool}, cognitoapi.Options{})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := srv.Client()
	post := func(b *testing.B, target string, body []byte) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d", target, resp.StatusCode)
		}
	}
	signIn := userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: clientID,
		AuthParameters: map[string]string{"USERNAME": "bench", "PASSWORD": goodPW}}
	out, err := pool.InitiateAuth(ctx, signIn)
	if err != nil {
		b.Fatal(err)
	}
	tok := out.AuthenticationResult.AccessToken

	b.Run("InitiateAuth/inprocess", func(b *testing.B) {
		for b.Loop() {
			if _, err := pool.InitiateAuth(ctx, signIn); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("InitiateAuth/http", func(b *testing.B) {
		body := []byte(`{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"` + clientID + `","AuthParameters":{"USERNAME":"bench","PASSWORD":"` + goodPW + `"}}`)
		for b.Loop() {
			post(b, "InitiateAuth", body)
		}
	})
	b.Run("GetUser/inprocess", func(b *testing.B) {
		for b.Loop() {
			if _, err := pool.GetUser(ctx, userpool.GetUserInput{AccessToken: tok}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetUser/http", func(b *testing.B) {
		body := []byte(`{"AccessToken":"` + tok + `"}`)
		for b.Loop() {
			post(b, "GetUser", body)
		}
	})
	// The AWS SDK for Go v2 as the client (its own work included): calls/s
	// per core is 1e9 / ns/op with -cpu 1.
	b.Run("GetUser/sdk", func(b *testing.B) {
		sdk := cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1, HTTPClient: client})
		in := &cip.GetUserInput{AccessToken: aws.String(tok)}
		for b.Loop() {
			if _, err := sdk.GetUser(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
