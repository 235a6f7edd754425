package userpool_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/trigger"
	"github.com/cupola-auth/cupola/userpool"
)

// ------------------------------------------------------------ HTTP triggers

func TestAnHTTPTriggerRunsALambdaHandlerUnchanged(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	// A PreSignUp Lambda as a team would have written it for Cognito.
	handler := func(_ context.Context, ev events.CognitoEventUserPoolsPreSignup) (events.CognitoEventUserPoolsPreSignup, error) {
		mail := ev.Request.UserAttributes["email"]
		if strings.HasSuffix(mail, "@evil.test") {
			return ev, errors.New("sign-ups from evil.test are closed")
		}
		if strings.HasSuffix(mail, "@example.com") && ev.TriggerSource == "PreSignUp_SignUp" {
			ev.Response.AutoConfirmUser = true
			ev.Response.AutoVerifyEmail = true
		}
		return ev, nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := trigger.VerifySignature(secret, r.Header.Get(trigger.SignatureHeader), body, time.Now(), 0); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var ev events.CognitoEventUserPoolsPreSignup
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		out, err := handler(r.Context(), ev)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"errorMessage": err.Error(), "errorType": "errorString"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)

	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.PreSignUp = trigger.HTTP[trigger.PreSignUpEvent](srv.URL, trigger.HTTPOptions{Secret: secret})
	}))
	out, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "ada", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("ada@example.com")}})
	wantNoError(t, "SignUp", err)
	if !out.UserConfirmed || out.CodeDeliveryDetails != nil || e.sent() != 0 {
		t.Fatalf("SignUp = %+v, want auto-confirmed", out)
	}
	if u := e.user("ada"); u.Status != store.StatusConfirmed || u.Attributes["email_verified"] != "true" {
		t.Fatalf("user = %s %v", u.Status, u.Attributes)
	}
	e.mustSignIn("ada", goodPW)

	out, err = e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "bob", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("bob@elsewhere.test")}})
	wantNoError(t, "SignUp", err)
	if out.UserConfirmed || out.CodeDeliveryDetails == nil {
		t.Fatalf("SignUp = %+v, want a code sent", out)
	}

	_, err = e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "eve", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("eve@evil.test")}})
	wantMessage(t, err, userpool.CodeUserLambdaValidation, "PreSignUp failed with error sign-ups from evil.test are closed.")
	e.wantNoSuchUser(t, "eve")
}
