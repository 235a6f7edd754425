package cognitoapi

import (
	"net/http"

	"github.com/cupola-auth/cupola/userpool"
)

// WriteThrottled answers a request a server's rate limit refused before
// it reached the API, as Cognito answers throttling: 400 with
// TooManyRequestsException, which the AWS SDKs retry with backoff. The
// caller sets Retry-After.
func WriteThrottled(w http.ResponseWriter) {
	writeWire(w, wireErr(http.StatusBadRequest, string(userpool.CodeTooManyRequests),
		"Too many requests from this address; retry later."))
}
