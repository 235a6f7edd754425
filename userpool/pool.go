package userpool

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cupola-auth/cupola/internal/passhash"
	"github.com/cupola-auth/cupola/internal/seal"
	"github.com/cupola-auth/cupola/mfa"
	"github.com/cupola-auth/cupola/risk"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/token"
)

// UserPool is one Cognito-style user pool: its operations (SignUp,
// InitiateAuth, ForgotPassword…) run in-process against a store.Store. It
// is safe for concurrent use, and several UserPools (in several processes)
// may share one store: every piece of shared state lives there.
type UserPool struct {
	cfg    Config
	store  store.Store
	schema map[string]AttributeSchema
	log    *slog.Logger
	// auditLog is Config.AuditLogger (audit.go); obs the metric
	// instruments and tracer (metrics.go).
	auditLog *slog.Logger
	obs      *instruments
	now      func() time.Time
	random   io.Reader

	hasher     *passhash.Hasher
	codeKey    []byte
	keySealer  *seal.Sealer
	clientSeal *seal.Sealer
	pageSeal   *seal.Sealer
	mfaSeal    *seal.Sealer
	srpSeal    *seal.Sealer
	outboxSeal *seal.Sealer
	idpSeal    *seal.Sealer
	providers  providerCache
	sender     *backgroundSender
	events     *eventWriter
	assessor   risk.Assessor
	totp       *mfa.TOTP
	webauthn   *mfa.WebAuthn // nil: passkeys off
	keysMu     sync.Mutex    // serializes key loading and rotation
	// lastKidReload is when a token with an unknown kid last made this
	// instance re-read its keys (Unix nanoseconds, wall clock).
	lastKidReload atomic.Int64
	tok           atomic.Pointer[tokenState]
	issuerValue   string
}

// New builds a user pool on s. It loads the pool's signing keys from the
// store (creating the first one if there is none) and creates the
// configured app clients that do not exist yet.
func New(ctx context.Context, cfg Config, s store.Store) (*UserPool, error) {
	if s == nil {
		return nil, errors.New("userpool: nil store")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	obs, err := newInstruments(cfg)
	if err != nil {
		return nil, err
	}
	if s, err = observedStore(cfg, s); err != nil {
		return nil, fmt.Errorf("userpool: %w", err)
	}
	p := &UserPool{
		cfg:      cfg,
		store:    s,
		auditLog: cfg.AuditLogger,
		obs:      obs,
		schema:   map[string]AttributeSchema{},
		log:      cfg.Logger.With("pool", cfg.ID),
		// Stores keep microseconds; truncating here keeps expiry checks
		// identical whether the time came from the clock or the database.
		now:         func() time.Time { return cfg.Clock().UTC().Truncate(time.Microsecond) },
		random:      cfg.Random,
		issuerValue: cfg.Issuer,
	}
	if p.random == nil {
		p.random = rand.Reader
	}
	for _, a := range cfg.Schema {
		if a.Type == "" {
			a.Type = TypeString
		}
		p.schema[a.Name] = a
	}
	for _, a := range cfg.UsernameAttributes {
		if s, ok := p.schema[a]; !ok || !s.Required {
			p.schema[a] = AttributeSchema{Name: a, Type: TypeString, Required: true}
		}
	}
	p.hasher, err = passhash.New(passhash.Options{Params: cfg.Hashing.passhash(), MaxConcurrent: cfg.MaxConcurrentHashes,
		MaxMemory: cfg.MaxHashMemory, MaxQueued: cfg.MaxQueuedHashes, Random: p.random, OnWait: obs.onWait()})
	if err != nil {
		return nil, fmt.Errorf("userpool: %w", err)
	}
	if err := obs.observeHasher(p); err != nil {
		return nil, err
	}
	p.codeKey, err = hkdf.Key(sha256.New, cfg.Secret, nil, "cupola code hash v1 "+cfg.ID, 32)
	if err != nil {
		return nil, fmt.Errorf("userpool: derive code key: %w", err)
	}
	if p.keySealer, err = seal.New(cfg.Secret, "signing-key "+cfg.ID); err != nil {
		return nil, fmt.Errorf("userpool: %w", err)
	}
	if p.clientSeal, err = seal.New(cfg.Secret, "client-secret "+cfg.ID); err != nil {
		return nil, fmt.Errorf("userpool: %w", err)
	}
	if p.pageSeal, err = seal.New(cfg.Secret, "page-token "+cfg.ID); err != nil {
		return nil, fmt.Errorf("userpool: %w", err)
	}
	if p.srpSeal, err = seal.New(cfg.Secret, "srp "+cfg.ID); err != nil {
		return nil, fmt.Errorf("userpool: %w", err)
	}
	if p.mfaSeal, err = seal.New(cfg.Secret, "mfa "+cfg.ID); err != nil {
		return nil, fmt.Errorf("userpool: %w", err)
	}
	if p.outboxSeal, err = seal.New(cfg.Secret, "outbox "+cfg.ID); err != nil {
		return nil, fmt.Errorf("userpool: %w", err)
	}
	if p.idpSeal, err = seal.New(cfg.Secret, "identity-provider "+cfg.ID); err != nil {
		return nil, fmt.Errorf("userpool: %w", err)
	}
	p.sender = newBackgroundSender()
	p.events = newEventWriter()
	if p.assessor = cfg.ThreatProtection.Assessor; p.assessor == nil {
		if p.assessor, err = risk.NewDefaultAssessor(risk.Options{Geo: cfg.ThreatProtection.Geo, Now: p.now}); err != nil {
			return nil, fmt.Errorf("userpool: %w", err)
		}
	}
	issuer := cfg.MFA.TOTPIssuer
	if issuer == "" {
		issuer = cfg.Name
	}
	if p.totp, err = mfa.NewTOTP(mfa.TOTPConfig{Issuer: issuer, Random: p.random}); err != nil {
		return nil, fmt.Errorf("userpool: %w", err)
	}
	if p.webauthn, err = newWebAuthn(cfg); err != nil {
		return nil, err
	}
	if err := p.loadKeys(ctx, true); err != nil {
		return nil, err
	}
	for _, c := range cfg.Clients {
		if err := p.ensureClient(ctx, c); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// ID returns the pool ID.
func (p *UserPool) ID() string { return p.cfg.ID }

// Issuer returns the pool's token issuer URL.
func (p *UserPool) Issuer() string { return p.issuerValue }

// KeySet returns the pool's signing keys, for serving a JWKS or building a
// token.Verifier in the same process.
func (p *UserPool) KeySet() *token.KeySet { return p.tok.Load().keys }

// tokenState is swapped whole when the signing keys are reloaded.
type tokenState struct {
	keys     *token.KeySet
	issuer   *token.Issuer
	verifier *token.Verifier
}

// maxTokenLifetime is the longest an ID or access token may live, so a
// retired key is kept that long after its last signature.
func (p *UserPool) maxTokenLifetime() time.Duration { return 24 * time.Hour }

// SuggestedMemoryLimit is a soft memory limit (runtime/debug.SetMemoryLimit)
// for a process whose memory is mostly this pool's: the hashes that may
// run at once (its hash slots × argon2id memory) with a tenth more, plus
// 52 MiB for everything else. Each hash leaves its memory behind as
// garbage; without a limit the collector lets a sign-in flood's heap grow
// to two to four times the hashes in flight before it runs. (With 64 MiB
// a flood at two slots peaked at 134–153 MiB of RSS, one run in six over
// the 149 MiB TestFloodPeakRSS allows; with 52 MiB at 124–130, no
// slower. 40 MiB cost the flood a tenth of its speed.) A library does
// not set a process-wide limit for its host: the host decides (cupola
// serve sets this one unless GOMEMLIMIT is set).
func (p *UserPool) SuggestedMemoryLimit() int64 {
	hashes := int64(p.hasher.Slots()) * int64(p.hasher.Params().Memory) * 1024
	return hashes + hashes/10 + 52<<20
}
