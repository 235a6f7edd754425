package federation

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

const (
	// maxResponseBody bounds every body read from a provider (discovery,
	// JWKS, token, userinfo, profile): a provider, or whoever sits on its
	// DNS name, must not make Cupola buffer without limit.
	maxResponseBody = 1 << 20
	// defaultHTTPTimeout is Config.HTTPClient's when nil: a sign-in waits
	// on these calls with a browser at the other end.
	defaultHTTPTimeout = 10 * time.Second
)

// boundedClient returns a copy of c (nil: a client with
// defaultHTTPTimeout) whose responses are cut at maxResponseBody. The copy
// goes to go-oidc and x/oauth2 too (through the context), whose own reads
// are unbounded or truncate silently.
func boundedClient(c *http.Client) *http.Client {
	var cp http.Client
	if c != nil {
		cp = *c
	} else {
		cp.Timeout = defaultHTTPTimeout
	}
	base := cp.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cp.Transport = boundedTransport{base: base, limit: maxResponseBody}
	return &cp
}

// errBodyTooLarge is the cause when a provider's response exceeds
// maxResponseBody.
type errBodyTooLarge struct{ limit int64 }

func (e errBodyTooLarge) Error() string {
	return fmt.Sprintf("response body exceeds %d bytes", e.limit)
}

type boundedTransport struct {
	base  http.RoundTripper
	limit int64
}

func (t boundedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	// A declared length over the limit is refused before reading any of it.
	if resp.ContentLength > t.limit {
		resp.Body.Close()
		return nil, errBodyTooLarge{t.limit}
	}
	resp.Body = &boundedBody{rc: resp.Body, left: t.limit, limit: t.limit}
	return resp, nil
}

// boundedBody reads at most limit bytes and then fails, unlike
// io.LimitReader which would end in a silent EOF and hand a truncated
// document to the JSON parser.
type boundedBody struct {
	rc    io.ReadCloser
	left  int64
	limit int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	// Read one byte past what is left, to tell "exactly at the limit"
	// from "over it".
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) <= b.left {
		b.left -= int64(n)
		return n, err
	}
	n = int(b.left)
	b.left = 0
	return n, errBodyTooLarge{b.limit}
}

func (b *boundedBody) Close() error { return b.rc.Close() }
