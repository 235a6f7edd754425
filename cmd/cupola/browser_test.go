package main

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// browser is a user agent with its cookies, which follows no redirect by
// itself. Cookies are per host, not per port, so the instances on
// 127.0.0.1 all see the ones set through the proxy.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, c: &http.Client{Jar: jar, Timeout: instTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a GET (form nil) or a form POST and returns the answer.
func (b *browser) do(method, u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	resp, body, err := send(b.c, method, u, form, nil)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, u, err)
	}
	return resp, body
}

// send is one request: a form POST when form is set, with a bearer token
// when token is.
func send(c *http.Client, method, u string, form url.Values, header http.Header) (*http.Response, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return nil, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field in the page:\n%s", page)
	}
	return html.UnescapeString(m[1])
}

// redirected reports whether an answer is a redirect (302 for a GET, 303
// after a form).
func redirected(resp *http.Response) bool {
	return resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusSeeOther
}
