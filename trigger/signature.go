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
	// with: "t=<unix seconds>,v1=<hex MAC>,v2=<hex MAC>", where v1 is
	// HMAC-SHA256(secret, "<t>.<body>") and v2 is
	// HMAC-SHA256(secret, "v2.<t>.<delivery>.<body>"), delivery being the
	// [DeliveryHeader] value. v2 binds the delivery ID, so a [Receiver] can
	// refuse replays; v1 is still sent so that receivers checking with
	// [VerifySignature] keep working.
	SignatureHeader = "X-Cupola-Signature"
	// DeliveryHeader carries a delivery's ID: 32 lower-case hex digits (128
	// random bits), the same on every attempt of one delivery and different
	// for every delivery, covered by the v2 signature.
	DeliveryHeader = "X-Cupola-Delivery"
	// DefaultSignatureWindow is how far a signature's timestamp may be from
	// the receiver's clock when [VerifySignature] or [Receiver] is given no
	// window.
	DefaultSignatureWindow = 5 * time.Minute
	// MinSecretBytes is the shortest signing secret accepted.
	MinSecretBytes = 32

	// maxSignatureHeader bounds the header VerifySignature parses.
	maxSignatureHeader = 1024
	// maxSignatures bounds the signatures of one version that are checked.
	maxSignatures = 4
	// deliveryIDBytes is the size of a delivery ID before hex encoding.
	deliveryIDBytes = 16
)

// Sign returns a [SignatureHeader] value for body sent at time t with only
// the v1 signature, which binds no delivery ID: [VerifySignature] accepts
// it, a [Receiver] does not. Senders other than [HTTP] (and tests) should
// prefer [SignDelivery]; the secret should be at least [MinSecretBytes]
// long.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(signatureMAC(secret, ts, body))
}

// SignDelivery returns the [SignatureHeader] value [HTTP] sends for body,
// sent at time t as the delivery whose [DeliveryHeader] is delivery: both
// the v1 and the v2 signature. A [Receiver] refuses a delivery that is not
// 32 lower-case hex digits.
func SignDelivery(secret []byte, t time.Time, delivery string, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(signatureMAC(secret, ts, body)) +
		",v2=" + hex.EncodeToString(deliveryMAC(secret, ts, delivery, body))
}

func signatureMAC(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// deliveryMAC is the v2 MAC. The "v2." prefix keeps its input from ever
// equalling a v1 input (which starts with the timestamp's digits), so one
// version's signature can never be passed off as the other's.
func deliveryMAC(secret []byte, ts, delivery string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("v2." + ts + "." + delivery + "."))
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
// act at most once uses a [Receiver] instead, which also checks the
// delivery ID and refuses one it has already accepted.
func VerifySignature(secret []byte, header string, body []byte, now time.Time, window time.Duration) error {
	if len(secret) < MinSecretBytes {
		return fmt.Errorf("%w: signature secret shorter than %d bytes", ErrInvalidConfig, MinSecretBytes)
	}
	if window <= 0 {
		window = DefaultSignatureWindow
	}
	_, err := checkSignature(header, "v1", now, window, func(ts string) []byte { return signatureMAC(secret, ts, body) })
	return err
}

// checkSignature parses a SignatureHeader value and returns its timestamp
// when the timestamp is within window of now and one of its signatures of
// the given version equals mac(timestamp). Signatures of other versions are
// ignored, so a header can carry several versions (and, while a secret is
// rotated, several signatures of one version).
func checkSignature(header, version string, now time.Time, window time.Duration, mac func(ts string) []byte) (int64, error) {
	if len(header) > maxSignatureHeader {
		return 0, fmt.Errorf("%w: header too long", ErrSignatureInvalid)
	}
	var (
		ts   string
		sigs []string
	)
	for part := range strings.SplitSeq(header, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return 0, fmt.Errorf("%w: malformed header", ErrSignatureInvalid)
		}
		switch key {
		case "t":
			if ts != "" {
				return 0, fmt.Errorf("%w: more than one timestamp", ErrSignatureInvalid)
			}
			ts = value
		case version:
			if len(sigs) == maxSignatures {
				return 0, fmt.Errorf("%w: too many signatures", ErrSignatureInvalid)
			}
			sigs = append(sigs, value)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return 0, fmt.Errorf("%w: missing timestamp or %s signature", ErrSignatureInvalid, version)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || strconv.FormatInt(unix, 10) != ts {
		return 0, fmt.Errorf("%w: malformed timestamp", ErrSignatureInvalid)
	}
	if d := now.Sub(time.Unix(unix, 0)); d > window || d < -window {
		return 0, fmt.Errorf("%w: timestamp %d is outside the %s window", ErrSignatureExpired, unix, window)
	}
	want := mac(ts)
	for _, s := range sigs {
		got, err := hex.DecodeString(s)
		if err == nil && hmac.Equal(got, want) {
			return unix, nil
		}
	}
	return 0, fmt.Errorf("%w: signature mismatch", ErrSignatureInvalid)
}

// validDeliveryID reports whether id has the form HTTP gives delivery IDs.
// Only that form is accepted, so an ID cannot carry the '.' that separates
// the parts of the v2 MAC input, nor be sized to fill a replay store.
func validDeliveryID(id string) bool {
	if len(id) != 2*deliveryIDBytes {
		return false
	}
	for i := range len(id) {
		if c := id[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
