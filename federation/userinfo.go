package federation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// fetchClaims sends req (a userinfo or profile request carrying the access
// token) and returns the JSON object it answers with.
//
// A refusal of the access token (400, 401, 403) is ErrInvalidResponse:
// the provider does not stand behind the token it just issued. Anything
// else that is not a JSON object — unreachable, 5xx, oversized, garbage —
// is ErrUnavailable.
func (b *oauthBase) fetchClaims(ctx context.Context, op string, req *http.Request) (map[string]any, error) {
	req = req.WithContext(ctx)
	req.Header.Set("Accept", "application/json")
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, b.fail(op, ErrUnavailable, "", stripQuery(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, b.fail(op, ErrUnavailable, "reading the response", stripQuery(err))
	}
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, b.fail(op, ErrInvalidResponse, fmt.Sprintf("HTTP %d: the access token was refused", resp.StatusCode), nil)
	default:
		return nil, b.fail(op, ErrUnavailable, fmt.Sprintf("HTTP %d", resp.StatusCode), nil)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct == "application/jwt" {
		// A signed userinfo answer (OIDC Core 5.3.2) would need its own
		// verification; Cupola asks for JSON and refuses anything else
		// rather than trusting an unverified JWT.
		return nil, b.fail(op, ErrInvalidResponse, "signed (application/jwt) answers are not supported", nil)
	}
	claims, err := decodeClaims(body)
	if err != nil {
		return nil, b.fail(op, ErrUnavailable, "answer is not a JSON object", err)
	}
	return claims, nil
}

// bearerGET is a GET of u with the access token in the Authorization
// header, never in the URL, where proxies and error messages would show it.
func bearerGET(u, accessToken string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	return req, nil
}

// formPOST is a POST of u with the access token in the form body
// (RFC 6750 2.2), for providers configured with
// attributes_request_method POST.
func formPOST(u, accessToken string) (*http.Request, error) {
	form := url.Values{"access_token": {accessToken}}
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

// stripQuery removes the query from a *url.Error's URL: profile requests
// carry proofs there (Facebook's appsecret_proof) that logs need not show.
func stripQuery(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil || u.RawQuery == "" {
		return err
	}
	u.RawQuery = ""
	return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
}
