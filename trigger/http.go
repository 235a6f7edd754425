package trigger

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/cupola-auth/cupola/internal/secret"
)

const (
	// DefaultMaxResponseBytes bounds an HTTP trigger's response when
	// [HTTPOptions.MaxResponseBytes] is zero.
	DefaultMaxResponseBytes = 1 << 20

	// maxAttempts is how often a request is sent at most, as Cognito tries
	// a Lambda trigger at most three times.
	maxAttempts = 3
	// retryBackoff is the pause before the second attempt; it doubles.
	retryBackoff = 100 * time.Millisecond
	// maxErrorBody bounds what is read of a non-2xx body.
	maxErrorBody = 64 << 10
	// maxMessageRunes bounds the message of a StatusError.
	maxMessageRunes = 256
)

// HTTPOptions configures an [HTTP] trigger.
type HTTPOptions struct {
	// Secret signs every request (see [SignatureHeader]); required, at
	// least [MinSecretBytes] long. The receiver checks it with a
	// [Receiver].
	Secret []byte
	// Client sends the requests; nil means a client with
	// http.DefaultTransport. Redirects are never followed, whatever the
	// client says: the body may carry a password or a code and is meant
	// for this endpoint only. The client's Timeout, if any, bounds each
	// attempt.
	Client *http.Client
	// MaxResponseBytes bounds the response read; zero means
	// [DefaultMaxResponseBytes].
	MaxResponseBytes int64
	// Now is the clock for signature timestamps; nil means time.Now.
	Now func() time.Time
	// Random is the source of delivery IDs (see [DeliveryHeader]); nil
	// means crypto/rand. It must be safe for concurrent use when the
	// trigger is called concurrently. Only tests should set it.
	Random io.Reader
	// AttemptTimeout bounds each attempt, so a hung attempt can be retried
	// within the caller's deadline; zero means an attempt may use all the
	// time the context leaves (Lambda cold starts take seconds).
	AttemptTimeout time.Duration
	// AllowHTTP permits a plain http:// endpoint on a non-loopback host.
	// Without it such endpoints are refused: events carry passwords
	// (MigrateUser) and codes (custom senders).
	AllowHTTP bool
}

// HTTP returns a trigger func that sends the event to endpoint and applies
// the answer, so a Lambda handler written for Cognito's event JSON can serve
// as a trigger unchanged behind an HTTP endpoint. E is one of this package's
// event types, for example:
//
//	set.PreSignUp = trigger.HTTP[trigger.PreSignUpEvent](url, opts)
//
// Each call is one delivery: it POSTs json.Marshal(ev) with Content-Type
// application/json, a new random [DeliveryHeader] and a [SignatureHeader]
// that covers the body, the time of the first attempt and the delivery ID.
// A 2xx answer must be the event JSON (Lambda returns the event); only its
// "response" member is applied to ev, so an endpoint cannot change the
// request part or the envelope. Any other status is an error: a
// [*StatusError] whose text is the body's errorMessage (Lambda's error JSON)
// or a short sanitized excerpt of the body.
//
// A request is sent at most three times, and again only after a connection
// error, an attempt that timed out, or a 5xx or 429 status; never after a
// 2xx or another 4xx, and never past ctx's deadline. A retried request may
// have reached the endpoint, so every attempt of a delivery is the same
// request, headers and signature included: a [Receiver] acts on a delivery
// once however often it arrives.
//
// When endpoint or opts are unusable, every call returns an error matching
// [ErrInvalidConfig]; use [NewHTTP] to get that error at start-up.
func HTTP[E any](endpoint string, opts HTTPOptions) func(context.Context, *E) error {
	fn, err := NewHTTP[E](endpoint, opts)
	if err != nil {
		return func(context.Context, *E) error { return err }
	}
	return fn
}

// NewHTTP is [HTTP], returning an error matching [ErrInvalidConfig] when the
// endpoint is not an absolute http(s) URL without credentials, plain http is
// used for a non-loopback host without [HTTPOptions.AllowHTTP], the secret is
// shorter than [MinSecretBytes], a limit is negative, or E is not one of this
// package's event types.
func NewHTTP[E any](endpoint string, opts HTTPOptions) (func(context.Context, *E) error, error) {
	if _, ok := any(new(E)).(event); !ok {
		return nil, fmt.Errorf("%w: %T is not a trigger event", ErrInvalidConfig, *new(E))
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("%w: endpoint: %w", ErrInvalidConfig, err)
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("%w: endpoint must be an http or https URL", ErrInvalidConfig)
	case u.Host == "":
		return nil, fmt.Errorf("%w: endpoint has no host", ErrInvalidConfig)
	case u.User != nil:
		return nil, fmt.Errorf("%w: endpoint must not carry credentials", ErrInvalidConfig)
	case u.Scheme == "http" && !opts.AllowHTTP && !isLoopback(u.Hostname()):
		return nil, fmt.Errorf("%w: plain http endpoint on a non-loopback host needs AllowHTTP", ErrInvalidConfig)
	}
	if len(opts.Secret) < MinSecretBytes {
		return nil, fmt.Errorf("%w: secret shorter than %d bytes", ErrInvalidConfig, MinSecretBytes)
	}
	if secret.Weak(opts.Secret) {
		return nil, fmt.Errorf("%w: secret looks like a placeholder, not random bytes", ErrInvalidConfig)
	}
	if opts.MaxResponseBytes < 0 || opts.AttemptTimeout < 0 {
		return nil, fmt.Errorf("%w: negative limit", ErrInvalidConfig)
	}

	t := &httpTrigger{
		endpoint:       u.String(),
		secret:         bytes.Clone(opts.Secret),
		maxBytes:       opts.MaxResponseBytes,
		now:            opts.Now,
		attemptTimeout: opts.AttemptTimeout,
		random:         opts.Random,
	}
	if t.maxBytes == 0 {
		t.maxBytes = DefaultMaxResponseBytes
	}
	if t.now == nil {
		t.now = time.Now
	}
	if t.random == nil {
		t.random = rand.Reader
	}
	client := http.Client{}
	if opts.Client != nil {
		client = *opts.Client
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	t.client = &client
	return func(ctx context.Context, ev *E) error { return call(ctx, t, ev) }, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.IsLoopback()
}

type httpTrigger struct {
	endpoint       string
	secret         []byte
	client         *http.Client
	maxBytes       int64
	now            func() time.Time
	attemptTimeout time.Duration
	random         io.Reader
}

func call[E any](ctx context.Context, t *httpTrigger, ev *E) error {
	if ev == nil {
		return ErrNilEvent
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode trigger event: %w", err)
	}
	header, err := t.sign(body)
	if err != nil {
		return err
	}
	var last error
	for attempt := range maxAttempts {
		if attempt > 0 {
			pause := retryBackoff << (attempt - 1)
			if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= pause {
				return last
			}
			timer := time.NewTimer(pause)
			select {
			case <-ctx.Done():
				timer.Stop()
				return fmt.Errorf("%w; last attempt: %w", contextError(ctx.Err()), last)
			case <-timer.C:
			}
		}
		data, retry, err := t.attempt(ctx, body, header)
		if err == nil {
			return applyResponse(ev, data)
		}
		if !retry {
			return err
		}
		last = err
	}
	return last
}

// sign returns the headers of one delivery of body. They are made once per
// delivery, not per attempt: a retry keeps the delivery ID, so a receiver
// takes the delivery once, and keeps the timestamp, so the receiver's replay
// cache, which remembers the ID until that timestamp leaves the window,
// covers every attempt. A delivery lasts at most the trigger's deadline (5 s
// by default) against a window of minutes; an attempt later than the window
// would be refused as expired.
func (t *httpTrigger) sign(body []byte) (http.Header, error) {
	var id [deliveryIDBytes]byte
	if _, err := io.ReadFull(t.random, id[:]); err != nil {
		return nil, fmt.Errorf("trigger delivery id: %w", err)
	}
	delivery := hex.EncodeToString(id[:])
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	h.Set("User-Agent", "cupola-trigger")
	h.Set(DeliveryHeader, delivery)
	h.Set(SignatureHeader, SignDelivery(t.secret, t.now(), delivery, body))
	return h, nil
}

// attempt sends body once with header. It returns the 2xx body, or an error
// and whether sending again may help.
func (t *httpTrigger) attempt(ctx context.Context, body []byte, header http.Header) (data []byte, retry bool, err error) {
	actx := ctx
	if t.attemptTimeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, t.attemptTimeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(actx, http.MethodPost, t.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	req.Header = header.Clone()

	resp, err := t.client.Do(req)
	if err != nil {
		// The URL may carry a token in its query: keep it out of errors.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		switch {
		case ctx.Err() != nil:
			return nil, false, contextError(ctx.Err())
		case actx.Err() != nil:
			return nil, true, fmt.Errorf("%w: attempt: %w", ErrTimeout, err)
		case isCertificateError(err):
			return nil, false, fmt.Errorf("%w: %w", ErrUnavailable, err)
		default:
			return nil, true, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, min(t.maxBytes, maxErrorBody)))
		retry := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		return nil, retry, &StatusError{StatusCode: resp.StatusCode, Message: errorMessage(excerpt)}
	}
	data, err = io.ReadAll(io.LimitReader(resp.Body, t.maxBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, contextError(ctx.Err())
		}
		return nil, false, fmt.Errorf("%w: read: %w", ErrInvalidResponse, err)
	}
	if int64(len(data)) > t.maxBytes {
		return nil, false, fmt.Errorf("%w: %w: more than %d bytes", ErrInvalidResponse, ErrResponseTooLarge, t.maxBytes)
	}
	return data, false, nil
}

func isCertificateError(err error) bool {
	var (
		verr *tls.CertificateVerificationError
		uerr x509.UnknownAuthorityError
		herr x509.HostnameError
		cerr x509.CertificateInvalidError
	)
	return errors.As(err, &verr) || errors.As(err, &uerr) || errors.As(err, &herr) || errors.As(err, &cerr)
}

// applyResponse sets ev's Response from the "response" member of the event
// JSON in data, leaving everything else in ev as it was. Nothing is changed
// when data is not acceptable.
func applyResponse[E any](ev *E, data []byte) error {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return fmt.Errorf("%w: not a JSON object", ErrInvalidResponse)
	}
	var envelope struct {
		Response json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(data, &envelope); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidResponse, err)
	}
	fresh := new(E)
	dst, ok := any(fresh).(event)
	if !ok {
		return fmt.Errorf("%w: %T is not a trigger event", ErrInvalidConfig, *fresh)
	}
	if len(envelope.Response) > 0 && !bytes.Equal(envelope.Response, []byte("null")) {
		if err := json.Unmarshal(envelope.Response, dst.responsePtr()); err != nil {
			return fmt.Errorf("%w: response: %w", ErrInvalidResponse, err)
		}
	}
	any(ev).(event).takeResponse(fresh)
	return nil
}

// errorMessage returns the errorMessage of a Lambda error body, or else a
// sanitized excerpt of the body.
func errorMessage(body []byte) string {
	var lambdaErr struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(body, &lambdaErr) == nil && strings.TrimSpace(lambdaErr.ErrorMessage) != "" {
		return sanitize(lambdaErr.ErrorMessage)
	}
	return sanitize(string(body))
}

// sanitize makes endpoint text safe to show: valid UTF-8, one line, control
// characters and runs of space turned into one space, format characters
// (bidi overrides, zero-width) dropped, cut after maxMessageRunes runes.
func sanitize(s string) string {
	var b strings.Builder
	runes, pendingSpace := 0, false
	for _, r := range s { // invalid UTF-8 comes out as utf8.RuneError
		if unicode.Is(unicode.Cf, r) {
			continue
		}
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			pendingSpace = runes > 0
			continue
		}
		need := 1
		if pendingSpace {
			need++
		}
		if runes+need > maxMessageRunes {
			b.WriteString("…")
			break
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteRune(r)
		runes += need
	}
	return b.String()
}
