package store

import (
	"context"
	"errors"
	"time"
)

// IdentityProvider is an outside identity provider of one pool (Cognito's
// IdentityProviderType): Google, an OIDC provider, a SAML IdP…
type IdentityProvider struct {
	PoolID string
	// Name is unique per pool, compared exactly; it prefixes the usernames
	// of the users it creates ("Google_1234").
	Name string
	// Type is Cognito's ProviderType ("Google", "SAML", "OIDC"…).
	Type string
	// Details are the provider's ProviderDetails, sealed by the pool
	// (they hold client secrets and private keys); opaque to the store.
	Details []byte
	// AttributeMapping maps user-pool attribute names to the provider's
	// claim or attribute names.
	AttributeMapping map[string]string
	// Identifiers are the IdpIdentifiers (for example an email domain
	// that routes to this provider): unique per pool across providers,
	// normalized by the caller, in the order given.
	Identifiers []string
	// Version is the compare-and-swap counter: Create stores 1.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// IdentityProviders stores a pool's identity providers.
type IdentityProviders interface {
	// CreateIdentityProvider stores a new provider with Version 1. A taken
	// name is *ExistsError with Key "provider", an identifier another
	// provider of the pool holds is *ExistsError with Key
	// "idp_identifier"; either way nothing is stored.
	CreateIdentityProvider(ctx context.Context, p IdentityProvider) (IdentityProvider, error)
	// GetIdentityProvider returns the provider named name, or ErrNotFound.
	GetIdentityProvider(ctx context.Context, poolID, name string) (IdentityProvider, error)
	// GetIdentityProviderByIdentifier returns the provider holding the
	// identifier, or ErrNotFound.
	GetIdentityProviderByIdentifier(ctx context.Context, poolID, identifier string) (IdentityProvider, error)
	// UpdateIdentityProvider replaces Type, Details, AttributeMapping and
	// Identifiers if p.Version is the stored version, and returns the
	// record with Version incremented (CreatedAt kept). A stale version is
	// ErrConflict, a missing provider ErrNotFound, an identifier another
	// provider holds *ExistsError "idp_identifier"; on any error nothing
	// changes.
	UpdateIdentityProvider(ctx context.Context, p IdentityProvider) (IdentityProvider, error)
	// DeleteIdentityProvider removes the provider and frees its
	// identifiers, or returns ErrNotFound.
	DeleteIdentityProvider(ctx context.Context, poolID, name string) error
	// ListIdentityProviders returns up to limit providers of the pool
	// whose names sort after after ("" for the first page), ordered by
	// name (byte order).
	ListIdentityProviders(ctx context.Context, poolID, after string, limit int) ([]IdentityProvider, error)
}

// Check reports what is wrong with p, if anything; stores refuse such a
// provider with ErrInvalid.
func (p IdentityProvider) Check() error {
	switch {
	case p.PoolID == "":
		return errors.New("pool id missing")
	case p.Name == "":
		return errors.New("name missing")
	case p.Type == "":
		return errors.New("type missing")
	}
	seen := map[string]bool{}
	for _, id := range p.Identifiers {
		if id == "" {
			return errors.New("empty identifier")
		}
		if seen[id] {
			return errors.New("identifier listed twice")
		}
		seen[id] = true
	}
	return nil
}
