package cognitoapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/cupola-auth/cupola/userpool"
)

// wireError is an error as Cognito answers it: an HTTP status and a body
// {"__type": "...Exception", "message": "..."}.
type wireError struct {
	status  int
	typ     string
	message string
}

func (e *wireError) Error() string { return e.typ + ": " + e.message }

func wireErr(status int, typ, message string) *wireError {
	return &wireError{status: status, typ: typ, message: message}
}

func paramErr(message string) *wireError {
	return wireErr(http.StatusBadRequest, string(userpool.CodeInvalidParameter), message)
}

// unsupported answers an action Cupola does not have, as Cognito answers
// an action a pool cannot do: never a 404 or a 500.
func unsupported(action string) *wireError {
	return wireErr(http.StatusBadRequest, "UnsupportedOperationException", "Cupola does not implement "+clip(action)+".")
}

// statusOf is the HTTP status Cognito answers an exception with: 400 for
// the caller's mistakes, 500 for its own failures.
func statusOf(code userpool.ErrorCode) int {
	switch code {
	case userpool.CodeInternalError:
		return http.StatusInternalServerError
	case userpool.CodeForbidden:
		return http.StatusForbidden
	case userpool.CodeTooManyRequests:
		return http.StatusBadRequest
	}
	return http.StatusBadRequest
}

// writeError answers err: a wire error as it is, a pool error with its
// Cognito code, anything else as InternalErrorException (logged).
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, id string, err error) {
	var (
		we *wireError
		pe *userpool.Error
	)
	switch {
	case errors.As(err, &we):
	case errors.As(err, &pe):
		we = wireErr(statusOf(pe.Code), string(pe.Code), pe.Message)
		if pe.Code == userpool.CodeInternalError {
			h.log.ErrorContext(r.Context(), "cognitoapi: internal error", "request_id", id, "err", err)
		}
	default:
		h.log.ErrorContext(r.Context(), "cognitoapi: internal error", "request_id", id, "err", err)
		we = wireErr(http.StatusInternalServerError, string(userpool.CodeInternalError), "internal error")
	}
	writeWire(w, we)
}

// writeWire writes we as Cognito does.
func writeWire(w http.ResponseWriter, we *wireError) {
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message,omitempty"`
	}{we.typ, we.message})
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("x-amzn-ErrorType", we.typ)
	w.WriteHeader(we.status)
	w.Write(body)
}
