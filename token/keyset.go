package token

import (
	"cmp"
	"context"
	"crypto"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// KeySet holds the signing keys of one issuer and their lifecycle. It is safe
// for concurrent use: readers (signing, verification, JWKS) never block; the
// rare writers (Add, Rotate, Prune) replace an immutable snapshot.
type KeySet struct {
	mu   sync.Mutex // serializes writers
	snap atomic.Pointer[keySnapshot]
}

// keySnapshot is an immutable view of the set.
type keySnapshot struct {
	entries []*keyEntry          // ordered by Published then ID
	byID    map[string]*keyEntry // kid -> entry
}

// keyEntry is a key with what verification needs precomputed.
type keyEntry struct {
	key    Key
	public crypto.PublicKey
	jwk    JWK
}

// NewKeySet builds a key set. Every key must have a unique, non-empty ID, a
// supported signer matching its Algorithm, and Published <= Active <= Retired
// <= Expires (zero Retired and Expires mean never).
func NewKeySet(keys ...Key) (*KeySet, error) {
	entries := make([]*keyEntry, 0, len(keys))
	for _, k := range keys {
		e, err := newKeyEntry(k)
		if err != nil {
			return nil, fmt.Errorf("new key set: %w", err)
		}
		entries = append(entries, e)
	}
	snap, err := newSnapshot(entries)
	if err != nil {
		return nil, fmt.Errorf("new key set: %w", err)
	}
	s := &KeySet{}
	s.snap.Store(snap)
	return s, nil
}

func newKeyEntry(k Key) (*keyEntry, error) {
	if err := k.validate(); err != nil {
		return nil, err
	}
	pub := k.Signer.Public()
	jwk, err := newJWK(k.ID, k.Algorithm, pub)
	if err != nil {
		return nil, fmt.Errorf("key %.64q: %w", k.ID, err)
	}
	return &keyEntry{key: k, public: pub, jwk: jwk}, nil
}

func newSnapshot(entries []*keyEntry) (*keySnapshot, error) {
	byID := make(map[string]*keyEntry, len(entries))
	for _, e := range entries {
		if _, dup := byID[e.key.ID]; dup {
			return nil, fmt.Errorf("duplicate key id %.64q: %w", e.key.ID, ErrInvalidKey)
		}
		byID[e.key.ID] = e
	}
	slices.SortFunc(entries, func(a, b *keyEntry) int {
		if c := a.key.Published.Compare(b.key.Published); c != 0 {
			return c
		}
		return cmp.Compare(a.key.ID, b.key.ID)
	})
	return &keySnapshot{entries: entries, byID: byID}, nil
}

func (s *KeySet) load() *keySnapshot {
	if s == nil {
		return &keySnapshot{}
	}
	if p := s.snap.Load(); p != nil {
		return p
	}
	return &keySnapshot{}
}

// Keys returns a copy of the keys, ordered by Published then ID.
func (s *KeySet) Keys() []Key {
	snap := s.load()
	out := make([]Key, len(snap.entries))
	for i, e := range snap.entries {
		out[i] = e.key
	}
	return out
}

// Add adds a key. Its ID must not be in the set yet.
func (s *KeySet) Add(k Key) error {
	e, err := newKeyEntry(k)
	if err != nil {
		return fmt.Errorf("add key: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.load()
	snap, err := newSnapshot(append(slices.Clone(old.entries), e))
	if err != nil {
		return fmt.Errorf("add key: %w", err)
	}
	s.snap.Store(snap)
	return nil
}

// SigningKey returns the key to sign with at now: the newest (latest Active)
// key with Active <= now, not retired and not expired at now. It returns
// ErrNoSigningKey when there is none.
func (s *KeySet) SigningKey(now time.Time) (Key, error) {
	var best *keyEntry
	for _, e := range s.load().entries {
		if !e.key.canSign(now) {
			continue
		}
		if best == nil || newer(&e.key, &best.key) {
			best = e
		}
	}
	if best == nil {
		return Key{}, fmt.Errorf("at %s: %w", now.UTC().Format(time.RFC3339), ErrNoSigningKey)
	}
	return best.key, nil
}

// newer orders keys by Active, then Published, then ID.
func newer(a, b *Key) bool {
	if c := a.Active.Compare(b.Active); c != 0 {
		return c > 0
	}
	if c := a.Published.Compare(b.Published); c != 0 {
		return c > 0
	}
	return a.ID > b.ID
}

// Rotate makes next the future signing key: next.Published=now,
// next.Active=now+publishAhead; every key still signing gets
// Retired=next.Active and Expires=next.Active+maxTokenLifetime. It returns
// every key it changed or added (the caller persists them).
//
// "Still signing" means not retired by next.Active (Retired zero or later)
// and not expired at now; that includes a key an earlier Rotate scheduled
// that is not active yet, which is then retired at its own Active time and
// never signs. publishAhead should cover how long verifiers cache the JWKS;
// maxTokenLifetime must cover the longest-lived token the keys sign. On a
// set with no signing key, nothing signs until next.Active: use
// publishAhead 0 (or Add) for the first key.
func (s *KeySet) Rotate(next Key, now time.Time, publishAhead, maxTokenLifetime time.Duration) ([]Key, error) {
	if publishAhead < 0 {
		return nil, fmt.Errorf("rotate keys: negative publish-ahead %s: %w", publishAhead, ErrConfig)
	}
	if maxTokenLifetime <= 0 {
		return nil, fmt.Errorf("rotate keys: max token lifetime %s: %w", maxTokenLifetime, ErrConfig)
	}
	next.Published = now
	next.Active = now.Add(publishAhead)
	ne, err := newKeyEntry(next)
	if err != nil {
		return nil, fmt.Errorf("rotate keys: %w", err)
	}
	expires := next.Active.Add(maxTokenLifetime)

	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.load()
	entries := make([]*keyEntry, 0, len(old.entries)+1)
	var changed []Key
	for _, e := range old.entries {
		k := e.key
		stillSigning := (k.Retired.IsZero() || k.Retired.After(next.Active)) &&
			(k.Expires.IsZero() || now.Before(k.Expires))
		if !stillSigning {
			entries = append(entries, e)
			continue
		}
		k.Retired = next.Active
		if k.Active.After(k.Retired) {
			k.Retired = k.Active
		}
		k.Expires = expires
		if k.Expires.Before(k.Retired) {
			k.Expires = k.Retired
		}
		entries = append(entries, &keyEntry{key: k, public: e.public, jwk: e.jwk})
		changed = append(changed, k)
	}
	entries = append(entries, ne)
	snap, err := newSnapshot(entries)
	if err != nil {
		return nil, fmt.Errorf("rotate keys: %w", err)
	}
	s.snap.Store(snap)
	return append(changed, ne.key), nil
}

// Prune removes and returns the keys whose (non-zero) Expires is <= now.
func (s *KeySet) Prune(now time.Time) []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.load()
	var (
		kept    = make([]*keyEntry, 0, len(old.entries))
		removed []Key
	)
	for _, e := range old.entries {
		if !e.key.Expires.IsZero() && !now.Before(e.key.Expires) {
			removed = append(removed, e.key)
			continue
		}
		kept = append(kept, e)
	}
	if len(removed) == 0 {
		return nil
	}
	snap, err := newSnapshot(kept)
	if err != nil { // cannot happen: a subset of unique IDs is unique
		return nil
	}
	s.snap.Store(snap)
	return removed
}

// VerificationKey implements KeySource: it returns the public key named kid
// if that key is published and not expired at now, else ErrUnknownKey.
func (s *KeySet) VerificationKey(_ context.Context, kid string, now time.Time) (crypto.PublicKey, Algorithm, error) {
	e, ok := s.load().byID[kid]
	if !ok || !e.key.canVerify(now) {
		return nil, "", fmt.Errorf("key id %.64q: %w", kid, ErrUnknownKey)
	}
	return e.public, e.key.Algorithm, nil
}

// JWKS returns the public keys VerificationKey would accept at now, ordered by
// Published then ID.
func (s *KeySet) JWKS(now time.Time) JWKS {
	snap := s.load()
	out := JWKS{Keys: make([]JWK, 0, len(snap.entries))}
	for _, e := range snap.entries {
		if e.key.canVerify(now) {
			out.Keys = append(out.Keys, e.jwk)
		}
	}
	return out
}
