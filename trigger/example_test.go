package trigger_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

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
// signature, reads the Cognito event JSON and returns the event.
func ExampleHTTP() {
	secret := []byte("an-example-secret-of-32-bytes-or-more")

	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err := trigger.VerifySignature(secret, r.Header.Get(trigger.SignatureHeader), body, time.Now(), 0); err != nil {
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
	err := trigger.Invoke(context.Background(), trigger.DefaultTimeout, preSignUp, ev)
	fmt.Println(ev.Response.AutoConfirmUser, err)
	// Output: true <nil>
}
