package hostedui

import (
	"encoding/base64"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// FuzzFormDecoding: the query and form readers never panic; a query over
// 16 KiB or a body over maxBody is refused; a malformed query or body is
// refused whole, never partly read; an accepted form has each field once,
// only what the body says (never the URL's query) and needed the form
// content type; every refusal has a short message and a 400 or 413.
func FuzzFormDecoding(f *testing.F) {
	for _, s := range []struct {
		raw, contentType string
		pad              uint16
	}{
		{"grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fapp.example%2Fcb", "application/x-www-form-urlencoded", 0},
		{"a=1&a=2", "application/x-www-form-urlencoded; charset=utf-8", 0},
		{"a=%zz", "application/x-www-form-urlencoded", 0},
		{"a=1;b=2", "APPLICATION/X-WWW-FORM-URLENCODED", 0},
		{"a=1", "multipart/form-data; boundary=x", 0},
		{"a=1", "", 0},
		{"a=", "application/x-www-form-urlencoded", 40000},
		{strings.Repeat("é", 30) + "=1&" + strings.Repeat("é", 30) + "=2", "application/x-www-form-urlencoded", 0},
	} {
		f.Add(s.raw, s.contentType, s.pad)
	}
	f.Fuzz(func(t *testing.T, raw, contentType string, pad uint16) {
		long := raw + strings.Repeat("x", int(pad)) // reaches the size limits
		refusal := func(what string, p *errParams) {
			t.Helper()
			if p.msg == "" || len(p.msg) > 100 || (p.status != http.StatusBadRequest && p.status != http.StatusRequestEntityTooLarge) {
				t.Fatalf("%s refused with %d %q", what, p.status, p.msg)
			}
		}

		q, p := query(&http.Request{URL: &url.URL{RawQuery: long}})
		want, werr := url.ParseQuery(long)
		switch {
		case p != nil:
			refusal("query", p)
			if len(long) <= 16<<10 && werr == nil {
				t.Fatalf("refused a well-formed query of %d bytes: %s", len(long), p.msg)
			}
		case len(long) > 16<<10:
			t.Fatalf("accepted a query of %d bytes", len(long))
		case werr != nil:
			t.Fatalf("partly read the malformed query %q", long)
		case !reflect.DeepEqual(q, want):
			t.Fatalf("query %q read as %v, want %v", long, q, want)
		}

		r := httptest.NewRequest(http.MethodPost, "/oauth2/token?client_id=from-the-url", strings.NewReader(long))
		r.Header.Set("Content-Type", contentType)
		form, p := postForm(httptest.NewRecorder(), r)
		if p != nil {
			refusal("form", p)
			return
		}
		if mt, _, err := mime.ParseMediaType(contentType); err != nil || mt != "application/x-www-form-urlencoded" {
			t.Fatalf("read a form sent as %q", contentType)
		}
		if len(long) > maxBody {
			t.Fatalf("read a body of %d bytes", len(long))
		}
		if werr != nil {
			t.Fatalf("partly read the malformed body %q", long)
		}
		for k, vs := range form {
			if len(vs) != 1 {
				t.Fatalf("field %q appears %d times", k, len(vs))
			}
		}
		if !reflect.DeepEqual(form, want) {
			t.Fatalf("body %q read as %v, want %v", long, form, want)
		}
	})
}

// FuzzClientCredentials: client authentication never panics; a refusal
// carries no credentials; credentials from HTTP Basic are the
// form-decoded user and password of a single well-formed header, with a
// non-empty client ID; and the body never names another client or
// another secret than the ones returned.
func FuzzClientCredentials(f *testing.F) {
	basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }
	for _, s := range []struct {
		auth, id, secret string
		hasSecret        bool
	}{
		{"", "web", "", false},
		{basic("web", "s3cret"), "", "", false},
		{basic("web", "s3cret"), "web", "s3cret", true},
		{basic("web", "s3cret"), "other", "", false},
		{basic("web", "s3cret"), "", "", true},
		{basic("w%2Bb", "a%3Ab+c"), "w+b", "", false},
		{basic("%zz", "x"), "", "", false},
		{basic("", "x"), "", "", false},
		{"Basic !!!", "", "", false},
		{"bAsIc " + base64.StdEncoding.EncodeToString([]byte("web:")), "", "", false},
		{"Bearer abc", "web", "", false},
	} {
		f.Add(s.auth, s.id, s.secret, s.hasSecret)
	}
	f.Fuzz(func(t *testing.T, auth, formID, formSecret string, hasSecret bool) {
		form := url.Values{}
		if formID != "" {
			form.Set("client_id", formID)
		}
		if hasSecret {
			form.Set("client_secret", formSecret)
		}
		r := httptest.NewRequest(http.MethodPost, "/oauth2/token", nil)
		if auth != "" {
			r.Header["Authorization"] = []string{auth}
		}
		id, secret, isBasic, e := clientCredentials(r, form)
		if e != nil {
			if id != "" || secret != "" || !e.basic ||
				!(e.Code == "invalid_client" && e.status == http.StatusUnauthorized || e.Code == "invalid_request" && e.status == http.StatusBadRequest) {
				t.Fatalf("refusal %+v with credentials %q %q", e, id, secret)
			}
			return
		}
		if auth == "" {
			if isBasic || id != form.Get("client_id") || secret != form.Get("client_secret") {
				t.Fatalf("without a header: %q %q %v", id, secret, isBasic)
			}
			return
		}
		if !isBasic {
			t.Fatalf("header %q ignored", auth)
		}
		scheme, enc, ok := strings.Cut(auth, " ")
		raw, err := base64.StdEncoding.DecodeString(enc)
		u, pw, found := strings.Cut(string(raw), ":")
		if !ok || !strings.EqualFold(scheme, "Basic") || err != nil || !found {
			t.Fatalf("accepted the header %q", auth)
		}
		wantID, err1 := url.QueryUnescape(u)
		wantSecret, err2 := url.QueryUnescape(pw)
		if err1 != nil || err2 != nil || wantID == "" || id != wantID || secret != wantSecret {
			t.Fatalf("header %q read as %q %q", auth, id, secret)
		}
		if formID != "" && formID != id || hasSecret && formSecret != secret {
			t.Fatalf("body (%q, %q) disagrees with the header (%q, %q)", formID, formSecret, id, secret)
		}
	})
}

// FuzzRedirectURI: the form-action source taken from a redirect URI is
// either nothing or one CSP source expression that cannot add a
// directive, widen to a whole scheme for http(s), or carry a path; and the
// code and state appended to a redirect URI go to its query, never to its
// host, path or a fragment.
func FuzzRedirectURI(f *testing.F) {
	for _, s := range [][2]string{
		{"https://app.example.com/cb", "xyz"},
		{"http://127.0.0.1:4000/cb?x=1", "a&b=c#d"},
		{"myapp://callback", ""},
		{"https://app.example.com/cb?", "s"},
		{"https://app.example.com/cb?a=1&", "s"},
		{"https://app.example.com/cb#frag?x", "s"},
		{"https:/cb", "s"},
		{"https://a.example;script-src *", "s"},
		{"https://[::1]:8443/cb", "s"},
		{"javascript:alert(1)", "s"},
		{"HTTPS://APP.EXAMPLE", "s"},
	} {
		f.Add(s[0], s[1])
	}
	directives := func(policy string) []string {
		var names []string
		for d := range strings.SplitSeq(policy, ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(d), " ")
			names = append(names, name)
		}
		return names
	}
	base := directives(baseCSP)
	f.Fuzz(func(t *testing.T, uri, state string) {
		if o := formOrigin(uri); o != "" {
			if strings.ContainsAny(o, " \t\r\n\f;,'\"*\\") {
				t.Fatalf("formOrigin(%q) = %q", uri, o)
			}
			if got := directives(csp(o, false)); !reflect.DeepEqual(got, base) {
				t.Fatalf("formOrigin(%q) = %q changes the directives to %v", uri, o, got)
			}
			u, _ := url.Parse(uri)
			switch {
			case u.Scheme == "http" || u.Scheme == "https":
				if u.Host == "" || o != u.Scheme+"://"+u.Host {
					t.Fatalf("formOrigin(%q) = %q, want the origin", uri, o)
				}
			case o != u.Scheme+":":
				t.Fatalf("formOrigin(%q) = %q, want the scheme", uri, o)
			}
		}

		v := url.Values{"code": {"c0de"}, "state": {state}}
		target := withParams(uri, v)
		prefix, _, _ := strings.Cut(uri, "#")
		want, err := url.Parse(prefix)
		if err != nil {
			return
		}
		got, err := url.Parse(target)
		if err != nil || !strings.HasPrefix(target, prefix) || got.Scheme != want.Scheme || got.Host != want.Host ||
			got.Path != want.Path || got.Opaque != want.Opaque || strings.Contains(target, "#") ||
			!strings.HasSuffix(got.RawQuery, v.Encode()) {
			t.Fatalf("withParams(%q) = %q (%v)", uri, target, err)
		}
	})
}
