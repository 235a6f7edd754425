package trigger_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cupola-auth/cupola/trigger"
)

// A PreSignUp trigger that confirms users of one email domain without a
// code, run the way the pool runs it.
func Example() {
	triggers := trigger.Set{
		PreSignUp: func(_ context.Context, ev *trigger.PreSignUpEvent) error {
			email := ev.Request.UserAttributes["email"]
			if strings.HasSuffix(email, "@example.com") {
				ev.Response.AutoConfirmUser = true
				ev.Response.AutoVerifyEmail = true
			}
			if strings.HasSuffix(email, "@spam.example") {
				return fmt.Errorf("sign-ups from this domain are closed")
			}
			return nil
		},
	}

	for _, email := range []string{"jane@example.com", "joe@elsewhere.example", "bot@spam.example"} {
		ev := &trigger.PreSignUpEvent{
			Common: trigger.Common{
				Version:       trigger.Version1,
				TriggerSource: trigger.TriggerPreSignUpSignUp,
				UserPoolID:    "eu-west-1_Example",
				UserName:      email,
			},
			Request: trigger.PreSignUpRequest{UserAttributes: map[string]string{"email": email}},
		}
		err := trigger.Invoke(context.Background(), triggers.EffectiveTimeout(), triggers.PreSignUp, ev)
		fmt.Printf("%s: confirmed=%t err=%v\n", email, ev.Response.AutoConfirmUser, err)
	}
	// Output:
	// jane@example.com: confirmed=true err=<nil>
	// joe@elsewhere.example: confirmed=false err=<nil>
	// bot@spam.example: confirmed=false err=sign-ups from this domain are closed
}

// The same PreSignUp trigger served over HTTP: the receiver checks the
// signature and the delivery ID, reads the Cognito event JSON and returns
// the event.
func ExampleHTTP() {
	secret := []byte("an-example-secret-of-32-bytes-or-more")

	verifier, err := trigger.NewReceiver(secret, trigger.ReceiverOptions{})
	if err != nil {
		panic(err)
	}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err := verifier.Verify(r.Context(), r.Header.Get(trigger.SignatureHeader), r.Header.Get(trigger.DeliveryHeader), body); err != nil {
			http.Error(w, `{"errorMessage":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		var ev trigger.PreSignUpEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, `{"errorMessage":"bad event"}`, http.StatusBadRequest)
			return
		}
		ev.Response.AutoConfirmUser = strings.HasSuffix(ev.Request.UserAttributes["email"], "@example.com")
		json.NewEncoder(w).Encode(ev)
	}))
	defer receiver.Close()

	preSignUp := trigger.HTTP[trigger.PreSignUpEvent](receiver.URL, trigger.HTTPOptions{Secret: secret})
	ev := &trigger.PreSignUpEvent{
		Common:  trigger.Common{Version: trigger.Version1, TriggerSource: trigger.TriggerPreSignUpSignUp},
		Request: trigger.PreSignUpRequest{UserAttributes: map[string]string{"email": "jane@example.com"}},
	}
	err = trigger.Invoke(context.Background(), trigger.DefaultTimeout, preSignUp, ev)
	fmt.Println(ev.Response.AutoConfirmUser, err)
	// Output: true <nil>
}

// A Lambda function behind a function URL serves the PreSignUp trigger and
// takes each delivery once: a request captured on its way and sent again is
// refused.
func ExampleReceiver() {
	secret := []byte("an-example-secret-of-32-bytes-or-more")

	// Once per instance, outside the handler, so that warm invocations
	// share its replay cache. Concurrent Lambda instances share no memory:
	// give them one ReplayStore in ReceiverOptions.Store (a DynamoDB table
	// with a conditional put and a TTL, for example).
	receiver, err := trigger.NewReceiver(secret, trigger.ReceiverOptions{})
	if err != nil {
		panic(err)
	}
	answer := func(status int, body string) (events.LambdaFunctionURLResponse, error) {
		return events.LambdaFunctionURLResponse{StatusCode: status, Headers: map[string]string{"Content-Type": "application/json"}, Body: body}, nil
	}
	handler := func(ctx context.Context, req events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
		body := []byte(req.Body)
		if req.IsBase64Encoded {
			decoded, err := base64.StdEncoding.DecodeString(req.Body)
			if err != nil {
				return answer(http.StatusBadRequest, `{"errorMessage":"bad body"}`)
			}
			body = decoded
		}
		// Function URLs pass header names in lower case.
		err := receiver.Verify(ctx, req.Headers["x-cupola-signature"], req.Headers["x-cupola-delivery"], body)
		switch {
		case errors.Is(err, trigger.ErrReplay):
			return answer(http.StatusConflict, `{"errorMessage":"delivery already processed"}`)
		case errors.Is(err, trigger.ErrReplayStoreFull):
			return answer(http.StatusTooManyRequests, `{"errorMessage":"busy"}`) // Cupola retries a 429
		case err != nil:
			return answer(http.StatusUnauthorized, `{"errorMessage":"unauthorized"}`)
		}
		// From here on the delivery is taken: a handler that fails before
		// it has any effect calls receiver.Release, so that Cupola's retry
		// of a 5xx is accepted.
		var ev trigger.PreSignUpEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			return answer(http.StatusBadRequest, `{"errorMessage":"bad event"}`)
		}
		ev.Response.AutoConfirmUser = strings.HasSuffix(ev.Request.UserAttributes["email"], "@example.com")
		out, _ := json.Marshal(ev)
		return answer(http.StatusOK, string(out))
	}

	// Stand in for the function URL, keeping a copy of what arrives.
	var captured events.LambdaFunctionURLRequest
	functionURL := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		captured = events.LambdaFunctionURLRequest{Headers: map[string]string{}, Body: string(body)}
		for name := range r.Header {
			captured.Headers[strings.ToLower(name)] = r.Header.Get(name)
		}
		resp, _ := handler(r.Context(), captured)
		w.WriteHeader(resp.StatusCode)
		io.WriteString(w, resp.Body)
	}))
	defer functionURL.Close()

	preSignUp := trigger.HTTP[trigger.PreSignUpEvent](functionURL.URL, trigger.HTTPOptions{Secret: secret})
	ev := &trigger.PreSignUpEvent{
		Common:  trigger.Common{Version: trigger.Version1, TriggerSource: trigger.TriggerPreSignUpSignUp},
		Request: trigger.PreSignUpRequest{UserAttributes: map[string]string{"email": "jane@example.com"}},
	}
	err = trigger.Invoke(context.Background(), trigger.DefaultTimeout, preSignUp, ev)
	fmt.Println("delivered:", ev.Response.AutoConfirmUser, err)

	replayed, _ := handler(context.Background(), captured)
	fmt.Println("replayed:", replayed.StatusCode, replayed.Body)
	// Output:
	// delivered: true <nil>
	// replayed: 409 {"errorMessage":"delivery already processed"}
}
