package cognitoapi_test

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/cupola-auth/cupola/cognitoapi"
)

// answered records every action that answered 200 through a test
// server made by newEnv, so TestMain can check that the AWS SDK called
// every action the handler serves at least once.
var answered sync.Map

// signedBySDK records, per action, whether the SDK's request carried a
// signature (an Authorization header).
var signedBySDK sync.Map

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

func recordActions(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		if name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AWSCognitoIdentityProviderService."); ok {
			signedBySDK.Store(name, r.Header.Get("Authorization") != "")
			if rec.status == http.StatusOK {
				answered.Store(name, true)
			}
		}
	})
}

// TestMain runs the tests and, when all of them ran, fails if an action
// of the handler was never answered through the SDK.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && !testing.Short() {
		var missing []string
		for _, a := range cognitoapi.Actions() {
			if _, ok := answered.Load(a); !ok {
				missing = append(missing, a)
			}
		}
		if len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: actions never called successfully through the AWS SDK: %s\n", strings.Join(missing, ", "))
			code = 1
		}
	}
	os.Exit(code)
}
