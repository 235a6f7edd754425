package trigger

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const (
	// SignatureHeader is the header an [HTTP] trigger signs its request
	// with: "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
	SignatureHeader = "X-Cupola-Signature"
	// DefaultSignatureWindow is how far a signature's timestamp may be from
	// the receiver's clock when [VerifySignature] is given no window.
	DefaultSignatureWindow = 5 * time.Minute
	// MinSecretBytes is the shortest signing secret accepted.
	MinSecretBytes = 32

	// maxSignatureHeader bounds the header VerifySignature parses.
	maxSignatureHeader = 1024
	// maxSignatures bounds the v1 values VerifySignature checks.
	maxSignatures = 4
)

// Sign returns the [SignatureHeader] value for body sent at time t. Senders
// other than [HTTP] (and tests) can use it; the secret should be at least
// [MinSecretBytes] long.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(signatureMAC(secret, ts, body))
}

func signatureMAC(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// VerifySignature checks a [SignatureHeader] value against the raw request
// body, for a service that receives [HTTP] triggers. It returns nil when one
// of the header's v1 signatures is the HMAC-SHA256 of "<t>.<body>" under
// secret (compared in constant time) and t is within window of now (zero or
// negative: [DefaultSignatureWindow]), in the past or the future.
//
// Errors match [ErrSignatureInvalid] (malformed header, wrong signature),
// [ErrSignatureExpired] (timestamp outside the window) or [ErrInvalidConfig]
// (secret shorter than [MinSecretBytes]).
//
// The window bounds replay, it does not prevent it: a captured request can
// be sent again until its timestamp leaves the window. A receiver that must
// act at most once remembers the signatures it accepted for one window and
// refuses repeats.
func VerifySignature(secret []byte, header string, body []byte, now time.Time, window time.Duration) error {
	if len(secret) < MinSecretBytes {
		return fmt.Errorf("%w: signature secret shorter than %d bytes", ErrInvalidConfig, MinSecretBytes)
	}
	if window <= 0 {
		window = DefaultSignatureWindow
	}
	if len(header) > maxSignatureHeader {
		return fmt.Errorf("%w: header too long", ErrSignatureInvalid)
	}
	var (
		ts   string
		sigs []string
	)
	for part := range strings.SplitSeq(header, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: malformed header", ErrSignatureInvalid)
		}
		switch key {
		case "t":
			if ts != "" {
				return fmt.Errorf("%w: more than one timestamp", ErrSignatureInvalid)
			}
			ts = value
		case "v1":
			if len(sigs) == maxSignatures {
				return fmt.Errorf("%w: too many signatures", ErrSignatureInvalid)
			}
			sigs = append(sigs, value)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return fmt.Errorf("%w: missing timestamp or signature", ErrSignatureInvalid)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || strconv.FormatInt(unix, 10) != ts {
		return fmt.Errorf("%w: malformed timestamp", ErrSignatureInvalid)
	}
	if d := now.Sub(time.Unix(unix, 0)); d > window || d < -window {
		return fmt.Errorf("%w: timestamp %d is outside the %s window", ErrSignatureExpired, unix, window)
	}
	want := signatureMAC(secret, ts, body)
	for _, s := range sigs {
		got, err := hex.DecodeString(s)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: signature mismatch", ErrSignatureInvalid)
}
