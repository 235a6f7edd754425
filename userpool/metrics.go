package userpool

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/cupola-auth/cupola/internal/storeobs"
	"github.com/cupola-auth/cupola/store"
)

// Metrics and traces go through OpenTelemetry's API to the providers of
// Config.MeterProvider and Config.TracerProvider (nil: none; the global
// providers are never used). The instrument names and their attributes
// are a stable contract; every instrument also carries pool (the pool ID).
// Attribute values come from closed sets, so a caller cannot grow the
// series: an unknown AuthFlow counts as flow "other".
//
//	instrument                         kind             unit  attributes
//	cupola.signins                     counter          1     flow, result, reason
//	cupola.signups                     counter          1     result, reason
//	cupola.challenges                  counter          1     type
//	cupola.lockouts                    counter          1     scope
//	cupola.tokens.issued               counter          1     grant
//	cupola.refresh.reuse_detected      counter          1
//	cupola.password_hash.queue_depth   gauge            1     (hashes waiting for a slot)
//	cupola.password_hash.running       gauge            1     (hashes holding a slot)
//	cupola.password_hash.wait          histogram        s     (time each hash waited for a slot)
//	cupola.store.duration              histogram        s     operation (the store.Store method)
//
// Attribute values:
//
//	flow     USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_SRP_AUTH,
//	         REFRESH_TOKEN_AUTH (REFRESH_TOKEN too), CUSTOM_AUTH, USER_AUTH,
//	         RESPOND_TO_AUTH_CHALLENGE (an answer to a challenge, API or
//	         hosted), hosted (the hosted UI's password form), passkey
//	         (the hosted UI's passkey sign-in), federated (an identity
//	         provider's sign-in), client_credentials (the token
//	         endpoint's grant; its refresh_token grant is
//	         REFRESH_TOKEN_AUTH), other. The token endpoint's
//	         authorization_code grant is no sign-in: the hosted sign-in
//	         before it was counted, and the exchange counts only in
//	         cupola.tokens.issued (grant authorization_code)
//	result   success (tokens or a hosted session), challenge (another
//	         step is asked for), failure
//	reason   on failure only: the Reason* constants (bad_credentials,
//	         locked, disabled, unconfirmed, risk_blocked, invalid_request…)
//	type     the ChallengeName asked for (SMS_MFA, SOFTWARE_TOKEN_MFA,
//	         NEW_PASSWORD_REQUIRED, PASSWORD_VERIFIER, CUSTOM_CHALLENGE…)
//	scope    account_source (Config.Lockout), account
//	         (Config.AccountLockout), source (Config.SourceLockout)
//	grant    password (any API sign-in that ends with tokens, whatever its
//	         factors), authorization_code, refresh_token,
//	         client_credentials
//
// A lockout is counted when a failed credential check locks a key (and
// again each time a key that was let go locks anew). A refresh-token reuse
// revokes the family; the refresh itself counts as a failed sign-in with
// reason token_reuse.
//
// Spans: one per operation that is audited (sign-in, token, sign-up,
// password, MFA and passkey, attribute, device and every administrative
// operation) and a few reads, named "userpool.<Operation>"
// ("userpool.InitiateAuth", "userpool.OAuth.Token"), with attributes
// cupola.pool, cupola.client_id (when given), cupola.flow (sign-ins),
// cupola.result and cupola.reason; store calls are its children
// ("store.GetUserByUsername"). Spans never carry usernames, passwords,
// codes, tokens, sessions or secret hashes.
//
// With neither provider configured the pool records nothing and calls its
// store directly.

// Instrument names.
const (
	MetricSignIns       = "cupola.signins"
	MetricSignUps       = "cupola.signups"
	MetricChallenges    = "cupola.challenges"
	MetricLockouts      = "cupola.lockouts"
	MetricTokensIssued  = "cupola.tokens.issued"
	MetricRefreshReuse  = "cupola.refresh.reuse_detected"
	MetricHashQueue     = "cupola.password_hash.queue_depth"
	MetricHashRunning   = "cupola.password_hash.running"
	MetricHashWait      = "cupola.password_hash.wait"
	MetricStoreDuration = storeobs.MetricDuration
)

// Results of a sign-in, in metrics (result) and audit records (outcome).
const (
	ResultSuccess   = "success"
	ResultFailure   = "failure"
	ResultChallenge = "challenge"
)

// Reason classes of a failed operation, in metrics (reason) and audit
// records (reason). They are few on purpose: the error code tells more,
// and is in the caller's answer.
const (
	ReasonBadCredentials  = "bad_credentials"  // wrong password or unknown user
	ReasonBadCode         = "bad_code"         // wrong, expired or used code or answer
	ReasonLocked          = "locked"           // the lockout refused the attempt
	ReasonDisabled        = "disabled"         // the user is disabled
	ReasonUnconfirmed     = "unconfirmed"      // the user did not confirm the sign-up
	ReasonResetRequired   = "reset_required"   // the password must be reset
	ReasonRiskBlocked     = "risk_blocked"     // threat protection blocked it
	ReasonInvalidRequest  = "invalid_request"  // malformed or not allowed for the client
	ReasonInvalidToken    = "invalid_token"    // an unknown, expired or revoked token or session
	ReasonTokenReuse      = "token_reuse"      // a rotated refresh token presented again
	ReasonInvalidClient   = "invalid_client"   // unknown client or wrong client secret
	ReasonInvalidPassword = "invalid_password" // a new password the policy refuses
	ReasonExists          = "exists"           // the username or alias is taken
	ReasonNotFound        = "not_found"        // the user or resource does not exist
	ReasonThrottled       = "throttled"        // a limit or a full hash queue
	ReasonTriggerRefused  = "trigger_refused"  // a trigger refused or failed
	ReasonDeliveryFailed  = "delivery_failed"  // a code could not be sent
	ReasonCanceled        = "canceled"         // the caller went away
	ReasonNotAllowed      = "not_allowed"      // not allowed for this user, client or pool
	ReasonInternal        = "internal"         // a fault: the store, a key…
	ReasonOther           = "other"            // anything else
)

// meterScope is the instrumentation scope of the pool's meter and tracer.
const meterScope = "github.com/cupola-auth/cupola/userpool"

// instruments are a pool's metric instruments and tracer. metered and
// traced are false when no provider was configured: the pool then skips
// building attributes at all.
type instruments struct {
	metered, traced bool
	tracer          trace.Tracer
	pool            attribute.KeyValue

	signIns, signUps, challenges, lockouts, tokensIssued, refreshReuse metric.Int64Counter
	hashWait                                                           metric.Float64Histogram
	hashGauges                                                         metric.Registration
}

// newInstruments creates the instruments on cfg's providers.
func newInstruments(cfg Config) (*instruments, error) {
	in := &instruments{metered: cfg.MeterProvider != nil, traced: cfg.TracerProvider != nil,
		pool: attribute.String("pool", cfg.ID)}
	in.tracer = tracenoop.NewTracerProvider().Tracer(meterScope)
	if in.traced {
		in.tracer = cfg.TracerProvider.Tracer(meterScope)
	}
	mp := cfg.MeterProvider
	if mp == nil {
		mp = metricnoop.NewMeterProvider()
	}
	m := mp.Meter(meterScope)
	var err error
	counter := func(name, desc string) metric.Int64Counter {
		if err != nil {
			return nil
		}
		var c metric.Int64Counter
		c, err = m.Int64Counter(name, metric.WithDescription(desc), metric.WithUnit("1"))
		return c
	}
	in.signIns = counter(MetricSignIns, "Sign-in steps, by flow, result and reason class.")
	in.signUps = counter(MetricSignUps, "Sign-ups, by result and reason class.")
	in.challenges = counter(MetricChallenges, "Challenges asked for, by type.")
	in.lockouts = counter(MetricLockouts, "Lockouts engaged by a failed credential check, by scope.")
	in.tokensIssued = counter(MetricTokensIssued, "Token sets issued, by grant.")
	in.refreshReuse = counter(MetricRefreshReuse, "Rotated refresh tokens presented again (their family is revoked).")
	if err != nil {
		return nil, fmt.Errorf("userpool: metrics: %w", err)
	}
	if in.hashWait, err = m.Float64Histogram(MetricHashWait, metric.WithUnit("s"),
		metric.WithDescription("Time each password hash waited for a hash slot."),
		metric.WithExplicitBucketBoundaries(0, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)); err != nil {
		return nil, fmt.Errorf("userpool: metrics: %w", err)
	}
	return in, nil
}

// observeHasher registers the hash-slot gauges of p's hasher.
func (in *instruments) observeHasher(p *UserPool) error {
	if !in.metered {
		return nil
	}
	m := p.cfg.MeterProvider.Meter(meterScope)
	queue, err := m.Int64ObservableGauge(MetricHashQueue, metric.WithUnit("1"),
		metric.WithDescription("Password hashes waiting for a hash slot."))
	if err != nil {
		return fmt.Errorf("userpool: metrics: %w", err)
	}
	running, err := m.Int64ObservableGauge(MetricHashRunning, metric.WithUnit("1"),
		metric.WithDescription("Password hashes holding a hash slot."))
	if err != nil {
		return fmt.Errorf("userpool: metrics: %w", err)
	}
	set := metric.WithAttributes(in.pool)
	in.hashGauges, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		r, w := p.hasher.Load()
		o.ObserveInt64(queue, int64(w), set)
		o.ObserveInt64(running, int64(r), set)
		return nil
	}, queue, running)
	if err != nil {
		return fmt.Errorf("userpool: metrics: %w", err)
	}
	return nil
}

// onWait is the hasher's OnWait: it records each hash's wait for a slot,
// or nil when no meter is configured.
func (in *instruments) onWait() func(context.Context, time.Duration) {
	if !in.metered {
		return nil
	}
	set := metric.WithAttributeSet(attribute.NewSet(in.pool))
	return func(ctx context.Context, d time.Duration) { in.hashWait.Record(ctx, d.Seconds(), set) }
}

// add adds one to c with the pool's and the given attributes.
func (in *instruments) add(ctx context.Context, c metric.Int64Counter, kv ...attribute.KeyValue) {
	if !in.metered {
		return
	}
	c.Add(ctx, 1, metric.WithAttributes(append(kv, in.pool)...))
}

// tokensIssuedFor counts a token set minted for a trigger source.
func (p *UserPool) tokensIssuedFor(ctx context.Context, source string) {
	if !p.obs.metered {
		return
	}
	grant := "password"
	switch source {
	case sourceRefreshTokens:
		grant = "refresh_token"
	case sourceHostedAuth:
		grant = "authorization_code"
	}
	p.obs.add(ctx, p.obs.tokensIssued, attribute.String("grant", grant))
}

// observedStore is s decorated with store timing and spans when a
// provider is configured, else s itself.
func observedStore(cfg Config, s store.Store) (store.Store, error) {
	if cfg.MeterProvider == nil && cfg.TracerProvider == nil {
		return s, nil
	}
	return storeobs.New(s, cfg.MeterProvider, cfg.TracerProvider, attribute.String("pool", cfg.ID))
}
