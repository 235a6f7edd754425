package federation

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"golang.org/x/oauth2"
)

const (
	// pendingTTL is how long a sign-in may take between Start and
	// Complete; past it the pending state is refused, so a leaked
	// pending value or callback URL is of short use.
	pendingTTL = 10 * time.Minute
	// pendingSkew tolerates a Pending started by another instance whose
	// clock runs slightly ahead.
	pendingSkew = time.Minute
)

// oauthBase is what every OAuth2-based provider (OIDC and the social
// presets) shares: identity, client credentials, scopes, the HTTP client
// and the clock, and the steps of the authorization code flow with PKCE.
type oauthBase struct {
	name, typ    string
	clientID     string
	clientSecret string
	authStyle    oauth2.AuthStyle
	scopes       []string
	http         *http.Client
	now          func() time.Time
}

// newOAuthBase reads client_id and, when secretRequired, client_secret.
func newOAuthBase(cfg Config, typ string, d details, secretRequired bool, scopes []string) (oauthBase, error) {
	if err := checkType(cfg, typ); err != nil {
		return oauthBase{}, err
	}
	id, err := d.required(keyClientID)
	if err != nil {
		return oauthBase{}, err
	}
	secret := d.optional(keyClientSecret)
	if secretRequired && secret == "" {
		return oauthBase{}, d.configError(keyClientSecret, "required")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return oauthBase{
		name:         cfg.Name,
		typ:          typ,
		clientID:     id,
		clientSecret: secret,
		authStyle:    oauth2.AuthStyleInParams,
		scopes:       scopes,
		http:         boundedClient(cfg.HTTPClient),
		now:          now,
	}, nil
}

// Name implements Provider.
func (b *oauthBase) Name() string { return b.name }

// Type implements Provider.
func (b *oauthBase) Type() string { return b.typ }

// fail is the *Error for one step; the cause's text loses the client
// secret if it quotes it.
func (b *oauthBase) fail(op string, kind error, detail string, cause error) error {
	return &Error{Provider: b.name, Op: op, Kind: kind, Detail: detail, Err: redact(cause, b.clientSecret)}
}

// clientContext carries the bounded HTTP client to go-oidc and x/oauth2,
// which look for it there.
func (b *oauthBase) clientContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, b.http)
}

// begin checks a StartInput and makes the Pending for it with a fresh
// PKCE verifier; nonce is empty for plain OAuth2 providers.
func (b *oauthBase) begin(in StartInput, nonce string) (Pending, error) {
	if in.State == "" {
		return Pending{}, b.fail("start", ErrState, "empty state", nil)
	}
	if err := checkCallbackURL(in.CallbackURL); err != nil {
		return Pending{}, b.fail("start", ErrConfig, "callback URL", err)
	}
	return Pending{
		Provider:     b.name,
		State:        in.State,
		Nonce:        nonce,
		CodeVerifier: oauth2.GenerateVerifier(),
		CallbackURL:  in.CallbackURL,
		Started:      b.now(),
	}, nil
}

// authCodeURL is the authorization request for p: response_type=code,
// the S256 challenge of p.CodeVerifier, login_hint when given.
func (b *oauthBase) authCodeURL(authURL string, p Pending, loginHint string, opts ...oauth2.AuthCodeOption) string {
	cfg := oauth2.Config{
		ClientID:    b.clientID,
		Endpoint:    oauth2.Endpoint{AuthURL: authURL},
		RedirectURL: p.CallbackURL,
		Scopes:      b.scopes,
	}
	opts = append(opts, oauth2.S256ChallengeOption(p.CodeVerifier))
	if loginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", loginHint))
	}
	return cfg.AuthCodeURL(p.State, opts...)
}

// callback checks the browser's return against its Pending and returns
// the authorization code. The state is checked first: a callback that
// belongs to another browser is ErrState whatever else it says.
func (b *oauthBase) callback(in CompleteInput) (string, error) {
	p := in.Pending
	got := in.Params.Get("state")
	if p.State == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.State)) != 1 {
		return "", b.fail("complete", ErrState, "state does not match the pending sign-in", nil)
	}
	if p.Provider != b.name {
		return "", b.fail("complete", ErrState, fmt.Sprintf("pending sign-in is for provider %q", p.Provider), nil)
	}
	now := b.now()
	if p.Started.IsZero() || now.Sub(p.Started) > pendingTTL || p.Started.Sub(now) > pendingSkew {
		return "", b.fail("complete", ErrState, "pending sign-in expired", nil)
	}
	if code := in.Params.Get("error"); code != "" {
		detail := "error=" + printable(code, 64)
		if desc := in.Params.Get("error_description"); desc != "" {
			detail += fmt.Sprintf(" error_description=%q", printable(desc, 200))
		}
		return "", b.fail("complete", ErrProviderError, detail, nil)
	}
	if p.CodeVerifier == "" || p.CallbackURL == "" {
		return "", b.fail("complete", ErrState, "pending sign-in lacks its verifier or callback URL", nil)
	}
	code := in.Params.Get("code")
	if code == "" {
		return "", b.fail("complete", ErrInvalidResponse, "callback has no code", nil)
	}
	return code, nil
}

// exchange redeems code at tokenURL with p's verifier and redirect URI.
// secret is the client secret for this call (Apple's is minted per call).
func (b *oauthBase) exchange(ctx context.Context, tokenURL string, p Pending, code, secret string) (*oauth2.Token, error) {
	cfg := oauth2.Config{
		ClientID:     b.clientID,
		ClientSecret: secret,
		Endpoint:     oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: b.authStyle},
		RedirectURL:  p.CallbackURL,
	}
	tok, err := cfg.Exchange(b.clientContext(ctx), code, oauth2.VerifierOption(p.CodeVerifier))
	if err == nil {
		return tok, nil
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		// The RetrieveError's text quotes the response body, which a
		// provider may fill with what it was sent (the client secret
		// included): only the status and the error code go on.
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		if re.ErrorCode != "" && status < 500 {
			// The provider refused our client (a wrong secret: our
			// configuration) or the code (spent, expired, not ours: an
			// answer not to trust). Either way the user did not decline,
			// so this is not ErrProviderError.
			kind := ErrInvalidResponse
			if re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client" {
				kind = ErrConfig
			}
			return nil, b.fail("token", kind,
				fmt.Sprintf("HTTP %d error=%s", status, printable(re.ErrorCode, 64)), nil)
		}
		return nil, b.fail("token", ErrUnavailable, fmt.Sprintf("HTTP %d", status), nil)
	}
	return nil, b.fail("token", ErrUnavailable, "", redact(err, secret))
}

// checkCallbackURL accepts an absolute http or https URL without a
// fragment (RFC 6749 3.1.2). Plain http is allowed: the callback is
// Cupola's own, and local development serves it on http://localhost.
func checkCallbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("%q has a fragment", raw)
	}
	return nil
}

// printable cuts s to max runes and replaces anything unprintable, so a
// value from the browser can go into a log line as it is.
func printable(s string, max int) string {
	var sb strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			sb.WriteString("…")
			break
		}
		if !unicode.IsPrint(r) {
			r = '?'
		}
		sb.WriteRune(r)
		n++
	}
	return sb.String()
}

// redact replaces secret in err's text. Errors from the HTTP stack or a
// JSON parser can quote what was sent or received; the client secret must
// never reach a log through them.
func redact(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), secret, "[redacted]"))
}
