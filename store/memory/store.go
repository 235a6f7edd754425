package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// Store is a store.Store held in maps behind one mutex. Records are deep
// copied on the way in and out, so a caller can never change stored state
// through a map, slice or byte slice it handed over or got back. The zero
// value is not ready: use New.
type Store struct {
	mu sync.Mutex

	users     map[poolKey]store.User // by sub
	usernames map[poolKey]string     // username key → sub
	aliases   map[aliasKey]string    // (kind, value) → sub

	groups  map[poolKey]store.Group // by name
	members map[memberKey]struct{}

	clients  map[poolKey]store.Client
	servers  map[poolKey]store.ResourceServer // by identifier
	devices  map[deviceKey]store.Device
	codes    map[codeKey]store.Code
	sessions map[poolKey]store.AuthSession

	families map[poolKey]*family     // by family ID
	tokens   map[poolKey]*tokenState // by string(token hash)

	keys     map[poolKey]store.SigningKey
	lockouts map[poolKey]store.LockoutState
	outbox   map[poolKey]store.Delivery // by delivery ID

	providers map[poolKey]store.IdentityProvider // by name
	events    map[poolKey]store.AuthEvent        // by event ID
	settings  map[settingKey]store.Setting
	passkeys  map[poolKey]store.WebAuthnCredential // by string(credential ID)
}

// poolKey scopes a key to one pool: no lookup can cross pools.
type poolKey struct{ pool, key string }

type aliasKey struct{ pool, kind, value string }

type codeKey struct{ pool, subject, purpose string }

var _ store.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		users:     make(map[poolKey]store.User),
		usernames: make(map[poolKey]string),
		aliases:   make(map[aliasKey]string),
		groups:    make(map[poolKey]store.Group),
		members:   make(map[memberKey]struct{}),
		clients:   make(map[poolKey]store.Client),
		servers:   make(map[poolKey]store.ResourceServer),
		devices:   make(map[deviceKey]store.Device),
		codes:     make(map[codeKey]store.Code),
		sessions:  make(map[poolKey]store.AuthSession),
		families:  make(map[poolKey]*family),
		tokens:    make(map[poolKey]*tokenState),
		keys:      make(map[poolKey]store.SigningKey),
		lockouts:  make(map[poolKey]store.LockoutState),
		outbox:    make(map[poolKey]store.Delivery),
		providers: make(map[poolKey]store.IdentityProvider),
		events:    make(map[poolKey]store.AuthEvent),
		settings:  make(map[settingKey]store.Setting),
		passkeys:  make(map[poolKey]store.WebAuthnCredential),
	}
}

// Close releases nothing: the store lives as long as it is referenced. It
// stays usable after Close.
func (s *Store) Close() error { return nil }

// lock takes the mutex unless ctx is already done.
func (s *Store) lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	return nil
}

// invalid builds an error matching store.ErrInvalid that says what is wrong.
func invalid(op, what string) error {
	return fmt.Errorf("memory: %s: %s: %w", op, what, store.ErrInvalid)
}

// expired reports whether a record that ends at end is gone at now: it is
// valid while now is before end.
func expired(end, now time.Time) bool { return !now.Before(end) }
