package hostedui

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
)

// maxBody bounds every request body (forms and token requests are small).
const maxBody = 64 << 10

// errParams describes a request whose parameters cannot be trusted; its
// message is safe to show.
type errParams struct {
	msg    string
	status int
}

func (e *errParams) Error() string { return e.msg }

func badParams(msg string) *errParams { return &errParams{msg: msg, status: http.StatusBadRequest} }

// single checks that no parameter appears twice (RFC 6749 §3.1: "Request
// and response parameters MUST NOT be included more than once").
func single(v url.Values) *errParams {
	for k, vs := range v {
		if len(vs) > 1 {
			return badParams("the parameter " + truncate(k, 40) + " is repeated")
		}
	}
	return nil
}

// query parses the query string strictly: a malformed one is refused
// rather than partly read.
func query(r *http.Request) (url.Values, *errParams) {
	if len(r.URL.RawQuery) > 16<<10 {
		return nil, badParams("the query string is too long")
	}
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badParams("the query string is malformed")
	}
	return v, nil
}

// postForm reads a bounded application/x-www-form-urlencoded body with no
// repeated field. Query parameters are not merged in: a form's fields come
// from its body only.
func postForm(w http.ResponseWriter, r *http.Request) (url.Values, *errParams) {
	v, p := readForm(w, r)
	if p != nil {
		return nil, p
	}
	if p := single(v); p != nil {
		return nil, p
	}
	return v, nil
}

// readForm is postForm without the check for repeated fields.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, *errParams) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, &errParams{msg: "the body must be application/x-www-form-urlencoded", status: http.StatusBadRequest}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &errParams{msg: "the request body is too large", status: http.StatusRequestEntityTooLarge}
		}
		return nil, badParams("the request body is malformed")
	}
	return r.PostForm, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
