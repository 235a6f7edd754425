package trigger

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/cupola-auth/cupola/internal/secret"
)

// ReceiverOptions configures a [Receiver].
type ReceiverOptions struct {
	// Window is how far a signature's timestamp may be from the receiver's
	// clock, and so how long a delivery ID is remembered; zero means
	// [DefaultSignatureWindow].
	Window time.Duration
	// Store remembers accepted delivery IDs; nil means a [ReplayCache] of
	// [DefaultReplayCacheSize] for this Receiver alone. Receivers running
	// as several instances share one store, or a replay sent to another
	// instance is accepted there.
	Store ReplayStore
	// Now is the clock signatures are checked against, and that of the
	// default store; nil means time.Now.
	Now func() time.Time
}

// Receiver checks the requests an [HTTP] trigger sends, for the service that
// receives them, and accepts each delivery once: it verifies the v2
// signature of [SignatureHeader], which binds the body, the timestamp and
// the [DeliveryHeader], then records the delivery ID in its [ReplayStore]
// until the signature expires, refusing the ID while it is recorded.
//
// A delivery is refused again when Cupola retries it after the receiver has
// accepted it (say the answer was lost); Cupola then reports the trigger as
// failed, which is safer than running its effects twice. A receiver that
// accepted a delivery but did nothing with it (a transient failure it
// answers with a 5xx) calls [Receiver.Release], so that Cupola's retry is
// accepted.
//
// Create one Receiver per secret when the service starts, not one per
// request: the replay cache lives in it. It is safe for concurrent use.
type Receiver struct {
	secret []byte
	window time.Duration
	store  ReplayStore
	now    func() time.Time
}

// NewReceiver returns a Receiver for key, the secret the [HTTP] trigger
// signs with. It returns an error matching [ErrInvalidConfig] when the secret is
// shorter than [MinSecretBytes] or looks like a placeholder, or the window
// is negative.
func NewReceiver(key []byte, opts ReceiverOptions) (*Receiver, error) {
	if len(key) < MinSecretBytes {
		return nil, fmt.Errorf("%w: signature secret shorter than %d bytes", ErrInvalidConfig, MinSecretBytes)
	}
	if secret.Weak(key) {
		return nil, fmt.Errorf("%w: signature secret looks like a placeholder, not random bytes", ErrInvalidConfig)
	}
	if opts.Window < 0 {
		return nil, fmt.Errorf("%w: negative signature window", ErrInvalidConfig)
	}
	r := &Receiver{secret: bytes.Clone(key), window: opts.Window, store: opts.Store, now: opts.Now}
	if r.window == 0 {
		r.window = DefaultSignatureWindow
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.store == nil {
		r.store = NewReplayCache(0, r.now)
	}
	return r, nil
}

// Verify accepts a delivery: signature and delivery are the values of
// [SignatureHeader] and [DeliveryHeader], body the raw request body. It
// returns nil when the v2 signature matches, its timestamp is within the
// window, and the delivery ID had not been accepted; the ID is then
// recorded until the signature expires.
//
// Errors match [ErrSignatureInvalid] (missing or malformed header or
// delivery ID, no v2 signature, wrong signature: answer 401),
// [ErrSignatureExpired] (timestamp outside the window: 401), [ErrReplay]
// (the delivery was already accepted: a 4xx such as 409, which Cupola does
// not retry) or [ErrReplayStoreFull] (429, which Cupola retries); any
// other error comes from the store.
func (r *Receiver) Verify(ctx context.Context, signature, delivery string, body []byte) error {
	if !validDeliveryID(delivery) {
		return fmt.Errorf("%w: missing or malformed delivery id", ErrSignatureInvalid)
	}
	unix, err := checkSignature(signature, "v2", r.now(), r.window, func(ts string) []byte {
		return deliveryMAC(r.secret, ts, delivery, body)
	})
	if err != nil {
		return err
	}
	// The signature is valid until its timestamp leaves the window, so
	// the ID must be remembered that long, and no longer.
	if err := r.store.Add(ctx, delivery, time.Unix(unix, 0).Add(r.window)); err != nil {
		return fmt.Errorf("accept delivery: %w", err)
	}
	return nil
}

// Release forgets an accepted delivery, so that Cupola's retry of it is
// accepted. Call it only when nothing of the delivery took effect: a
// replay that arrives after Release is accepted too.
func (r *Receiver) Release(ctx context.Context, delivery string) error {
	if err := r.store.Remove(ctx, delivery); err != nil {
		return fmt.Errorf("release delivery: %w", err)
	}
	return nil
}
