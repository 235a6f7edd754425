package userpool

import (
	"context"
	"fmt"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/token"
)

// loadKeys reads the pool's signing keys from the store, sealed under the
// pool secret, and rebuilds the key set, issuer and verifier. With create
// set, a pool without a usable signing key gets a new one.
func (p *UserPool) loadKeys(ctx context.Context, create bool) error {
	p.keysMu.Lock()
	defer p.keysMu.Unlock()
	return p.loadKeysLocked(ctx, create)
}

func (p *UserPool) loadKeysLocked(ctx context.Context, create bool) error {
	stored, err := p.store.ListSigningKeys(ctx, p.cfg.ID)
	if err != nil {
		return fmt.Errorf("userpool: load signing keys: %w", err)
	}
	now := p.now()
	keys := make([]token.Key, 0, len(stored))
	for _, sk := range stored {
		if !sk.Expires.IsZero() && !now.Before(sk.Expires) {
			continue
		}
		der, err := p.keySealer.Open(sk.Private, []byte(sk.ID))
		if err != nil {
			return fmt.Errorf("userpool: signing key %s: %w (was the pool Secret changed?)", sk.ID, err)
		}
		signer, err := token.ParsePrivateKey(der)
		if err != nil {
			return fmt.Errorf("userpool: signing key %s: %w", sk.ID, err)
		}
		keys = append(keys, token.Key{ID: sk.ID, Algorithm: token.Algorithm(sk.Algorithm), Signer: signer,
			Published: sk.Published, Active: sk.Active, Retired: sk.Retired, Expires: sk.Expires})
	}
	set, err := token.NewKeySet(keys...)
	if err != nil {
		return fmt.Errorf("userpool: signing keys: %w", err)
	}
	if _, err := set.SigningKey(now); err != nil {
		if !create {
			return fmt.Errorf("userpool: no active signing key: %w", err)
		}
		k, err := token.GenerateKey(p.cfg.SigningAlgorithm, p.random)
		if err != nil {
			return fmt.Errorf("userpool: generate signing key: %w", err)
		}
		k.Published, k.Active = now, now
		if err := p.persistKey(ctx, k); err != nil {
			return err
		}
		p.log.InfoContext(ctx, "signing key created", "kid", k.ID, "alg", string(k.Algorithm))
		// Instances starting together on an empty store may each have
		// created a first key: read them all back, so this one publishes
		// every one of them and signs with the one every instance that
		// reads the store picks (the newest active).
		return p.loadKeysLocked(ctx, false)
	}
	issuer, err := token.NewIssuer(token.IssuerConfig{Issuer: p.issuerValue, Keys: set, Now: p.now})
	if err != nil {
		return fmt.Errorf("userpool: token issuer: %w", err)
	}
	verifier, err := token.NewVerifier(token.VerifierConfig{Issuer: p.issuerValue, Keys: set, SkipClientIDCheck: true, Now: p.now})
	if err != nil {
		return fmt.Errorf("userpool: token verifier: %w", err)
	}
	p.tok.Store(&tokenState{keys: set, issuer: issuer, verifier: verifier})
	return nil
}

func (p *UserPool) persistKey(ctx context.Context, k token.Key) error {
	der, err := token.MarshalPrivateKey(k.Signer)
	if err != nil {
		return fmt.Errorf("userpool: marshal signing key: %w", err)
	}
	sealed, err := p.keySealer.Seal(p.random, der, []byte(k.ID))
	if err != nil {
		return fmt.Errorf("userpool: seal signing key: %w", err)
	}
	err = p.store.PutSigningKey(ctx, store.SigningKey{PoolID: p.cfg.ID, ID: k.ID, Algorithm: string(k.Algorithm),
		Private: sealed, Published: k.Published, Active: k.Active, Retired: k.Retired, Expires: k.Expires})
	if err != nil {
		return fmt.Errorf("userpool: store signing key: %w", err)
	}
	return nil
}

// RotateSigningKeyInput is RotateSigningKey's request.
type RotateSigningKeyInput struct {
	PublishAhead time.Duration
}

// RotateSigningKeyOutput is RotateSigningKey's answer; it carries nothing.
type RotateSigningKeyOutput struct{}

// RotateSigningKey publishes a new signing key now and starts signing with
// it after publishAhead, so verifiers that cache the JWKS see it before
// the first token it signs (a day is a safe choice; zero switches at
// once). The current key keeps verifying until the tokens it signed have
// expired. Other instances pick the change up with ReloadSigningKeys.
func (p *UserPool) RotateSigningKey(ctx context.Context, in RotateSigningKeyInput) (_ *RotateSigningKeyOutput, err error) {
	ctx, ob := p.begin(ctx, "RotateSigningKey", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	publishAhead := in.PublishAhead
	k, err := token.GenerateKey(p.cfg.SigningAlgorithm, p.random)
	if err != nil {
		return nil, fmt.Errorf("userpool: generate signing key: %w", err)
	}
	p.keysMu.Lock()
	changed, err := p.tok.Load().keys.Rotate(k, p.now(), publishAhead, p.maxTokenLifetime())
	p.keysMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("userpool: rotate: %w", err)
	}
	for _, c := range changed {
		if err := p.persistKey(ctx, c); err != nil {
			return nil, err
		}
	}
	p.log.InfoContext(ctx, "signing key rotated", "kid", k.ID)
	return done(&RotateSigningKeyOutput{}, p.loadKeys(ctx, false))
}

// ReloadSigningKeysInput is ReloadSigningKeys' request; it carries nothing.
type ReloadSigningKeysInput struct{}

// ReloadSigningKeysOutput is ReloadSigningKeys' answer; it carries nothing.
type ReloadSigningKeysOutput struct{}

// ReloadSigningKeys re-reads the signing keys from the store, dropping
// expired ones. Instances sharing a store call it periodically (or after
// another instance rotated).
func (p *UserPool) ReloadSigningKeys(ctx context.Context, _ ReloadSigningKeysInput) (_ *ReloadSigningKeysOutput, err error) {
	ctx, ob := p.begin(ctx, "ReloadSigningKeys", "")
	defer func() { ob.finish(ctx, err) }()
	return done(&ReloadSigningKeysOutput{}, p.loadKeys(ctx, false))
}

// minKidReload spaces the key reloads that tokens with an unknown kid
// cause, so a stream of forged kids costs one store read per interval.
const minKidReload = 5 * time.Second

// reloadKeysForUnknownKid re-reads the signing keys when a token names a
// key this instance does not know (another instance created or rotated
// one), at most once per minKidReload. It reports whether it reloaded.
func (p *UserPool) reloadKeysForUnknownKid(ctx context.Context) bool {
	now := time.Now().UnixNano()
	last := p.lastKidReload.Load()
	if now-last < int64(minKidReload) || !p.lastKidReload.CompareAndSwap(last, now) {
		return false
	}
	if err := p.loadKeys(ctx, false); err != nil {
		p.log.WarnContext(ctx, "signing keys not reloaded", "err", err)
		return false
	}
	return true
}
