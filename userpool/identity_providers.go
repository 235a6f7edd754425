package userpool

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cupola-auth/cupola/federation"
	"github.com/cupola-auth/cupola/store"
)

// This file is the identity-provider admin API (Cognito's
// CreateIdentityProvider … GetIdentityProviderByIdentifier). Sign-in
// through a provider is in federated.go.

// FederationConfig configures sign-in through outside identity providers.
// The providers themselves are managed at run time with
// CreateIdentityProvider and friends.
type FederationConfig struct {
	// HTTPClient calls the providers (discovery, token, profile,
	// metadata). Nil means a client with a 10-second timeout.
	HTTPClient *http.Client
	// SAMLKey and SAMLCertificate are the pool's SAML service-provider
	// key pair: they sign AuthnRequests (RequestSigningAlgorithm) and
	// decrypt encrypted assertions (EncryptedResponses), and the
	// certificate is published in the SP metadata. Without them a SAML
	// provider that asks for either is refused.
	SAMLKey         crypto.Signer
	SAMLCertificate *x509.Certificate
	// LinkVerifiedEmails lets a first federated sign-in join an existing
	// native user when the provider asserts a verified email and that
	// user's email is verified too. Off by default: otherwise an identity
	// provider that lets its users claim any address could take over
	// accounts. AdminLinkProviderForUser and the PreSignUp trigger link
	// explicitly.
	LinkVerifiedEmails bool
}

// Provider types (Cognito's ProviderType).
const (
	ProviderTypeSAML     = federation.TypeSAML
	ProviderTypeOIDC     = federation.TypeOIDC
	ProviderTypeGoogle   = federation.TypeGoogle
	ProviderTypeFacebook = federation.TypeFacebook
	ProviderTypeAmazon   = federation.TypeAmazon
	ProviderTypeApple    = federation.TypeApple
)

// ProviderCognito names the pool's own users in SupportedIdentityProviders
// and in identity_provider; it is no identity provider's name.
const ProviderCognito = "COGNITO"

// CodeDuplicateProvider is DuplicateProviderException.
const CodeDuplicateProvider ErrorCode = "DuplicateProviderException"

// ErrDuplicateProvider matches DuplicateProviderException.
var ErrDuplicateProvider = &Error{Code: CodeDuplicateProvider}

// IdentityProviderType is one identity provider of the pool.
type IdentityProviderType struct {
	ProviderName     string
	ProviderType     string
	ProviderDetails  map[string]string
	AttributeMapping map[string]string
	IdpIdentifiers   []string
	CreationDate     time.Time
	LastModifiedDate time.Time
}

// CreateIdentityProviderInput is CreateIdentityProvider's request.
type CreateIdentityProviderInput struct {
	ProviderName     string
	ProviderType     string
	ProviderDetails  map[string]string
	AttributeMapping map[string]string
	IdpIdentifiers   []string
}

// CreateIdentityProviderOutput is CreateIdentityProvider's answer.
type CreateIdentityProviderOutput struct {
	IdentityProvider IdentityProviderType
}

// CreateIdentityProvider adds an identity provider. Its ProviderDetails
// are checked by building the provider (a malformed key, URL or private
// key is InvalidParameterException naming the key), and kept sealed at
// rest. Social providers carry their type as their name ("Google").
func (p *UserPool) CreateIdentityProvider(ctx context.Context, in CreateIdentityProviderInput) (_ *CreateIdentityProviderOutput, err error) {
	ctx, ob := p.begin(ctx, "CreateIdentityProvider", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	ob.target(in.ProviderName)
	rec := store.IdentityProvider{PoolID: p.cfg.ID, Name: in.ProviderName, Type: in.ProviderType,
		AttributeMapping: maps.Clone(in.AttributeMapping)}
	if err := p.checkProviderName(in.ProviderName, in.ProviderType); err != nil {
		return nil, err
	}
	ids, err := checkIdpIdentifiers(in.IdpIdentifiers)
	if err != nil {
		return nil, err
	}
	rec.Identifiers = ids
	if err := p.checkAttributeMapping(in.AttributeMapping); err != nil {
		return nil, err
	}
	if rec.Details, err = p.sealProviderDetails(ctx, in.ProviderName, in.ProviderType, in.ProviderDetails); err != nil {
		return nil, err
	}
	now := p.now()
	rec.CreatedAt, rec.UpdatedAt = now, now
	rec, err = p.store.CreateIdentityProvider(ctx, rec)
	var exists *store.ExistsError
	switch {
	case errors.As(err, &exists) && exists.Key == "provider":
		return nil, newErr(CodeDuplicateProvider, "A provider with the name "+sanitize(in.ProviderName)+" already exists in this user pool.")
	case errors.As(err, &exists):
		return nil, newErr(CodeDuplicateProvider, "An IdpIdentifier is already used by another provider.")
	case err != nil:
		return nil, internalErr("create identity provider", err)
	}
	return &CreateIdentityProviderOutput{IdentityProvider: *identityProviderType(rec, in.ProviderDetails)}, nil
}

// DescribeIdentityProviderInput is DescribeIdentityProvider's request.
type DescribeIdentityProviderInput struct{ ProviderName string }

// DescribeIdentityProviderOutput is DescribeIdentityProvider's answer.
type DescribeIdentityProviderOutput struct {
	IdentityProvider IdentityProviderType
}

// DescribeIdentityProvider returns a provider with its ProviderDetails
// (secrets included, as Cognito does: this is an administrator's call).
func (p *UserPool) DescribeIdentityProvider(ctx context.Context, in DescribeIdentityProviderInput) (*DescribeIdentityProviderOutput, error) {
	rec, details, err := p.identityProvider(ctx, in.ProviderName)
	if err != nil {
		return nil, err
	}
	return &DescribeIdentityProviderOutput{IdentityProvider: *identityProviderType(rec, details)}, nil
}

// GetIdentityProviderByIdentifierInput is
// GetIdentityProviderByIdentifier's request.
type GetIdentityProviderByIdentifierInput struct{ IdpIdentifier string }

// GetIdentityProviderByIdentifierOutput is
// GetIdentityProviderByIdentifier's answer.
type GetIdentityProviderByIdentifierOutput = DescribeIdentityProviderOutput

// GetIdentityProviderByIdentifier returns the provider an IdpIdentifier
// (compared case-insensitively) routes to.
func (p *UserPool) GetIdentityProviderByIdentifier(ctx context.Context, in GetIdentityProviderByIdentifierInput) (*GetIdentityProviderByIdentifierOutput, error) {
	rec, err := p.store.GetIdentityProviderByIdentifier(ctx, p.cfg.ID, strings.ToLower(in.IdpIdentifier))
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr(CodeResourceNotFound, "No identity provider has that identifier.")
	}
	if err != nil {
		return nil, internalErr("get identity provider", err)
	}
	details, err := p.openProviderDetails(rec)
	if err != nil {
		return nil, err
	}
	return &GetIdentityProviderByIdentifierOutput{IdentityProvider: *identityProviderType(rec, details)}, nil
}

// UpdateIdentityProviderInput is UpdateIdentityProvider's request. A nil
// field is left as it is.
type UpdateIdentityProviderInput struct {
	ProviderName     string
	ProviderDetails  map[string]string
	AttributeMapping map[string]string
	IdpIdentifiers   []string
}

// UpdateIdentityProviderOutput is UpdateIdentityProvider's answer.
type UpdateIdentityProviderOutput = DescribeIdentityProviderOutput

// UpdateIdentityProvider changes a provider's details, attribute mapping
// or identifiers. New details are checked as at creation.
func (p *UserPool) UpdateIdentityProvider(ctx context.Context, in UpdateIdentityProviderInput) (_ *UpdateIdentityProviderOutput, err error) {
	ctx, ob := p.begin(ctx, "UpdateIdentityProvider", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	ob.target(in.ProviderName)
	rec, details, err := p.identityProvider(ctx, in.ProviderName)
	if err != nil {
		return nil, err
	}
	var ids []string
	if in.IdpIdentifiers != nil {
		if ids, err = checkIdpIdentifiers(in.IdpIdentifiers); err != nil {
			return nil, err
		}
	}
	if in.AttributeMapping != nil {
		if err := p.checkAttributeMapping(in.AttributeMapping); err != nil {
			return nil, err
		}
	}
	var sealed []byte
	if in.ProviderDetails != nil {
		if sealed, err = p.sealProviderDetails(ctx, rec.Name, rec.Type, in.ProviderDetails); err != nil {
			return nil, err
		}
		details = in.ProviderDetails
	}
	var taken bool
	rec, err = updateRecord("update identity provider", newErr(CodeResourceNotFound, "Identity provider not found."),
		func() (store.IdentityProvider, error) {
			return p.store.GetIdentityProvider(ctx, p.cfg.ID, in.ProviderName)
		},
		func(r store.IdentityProvider) (store.IdentityProvider, error) {
			r, err := p.store.UpdateIdentityProvider(ctx, r)
			var exists *store.ExistsError
			if errors.As(err, &exists) {
				taken = true
				return r, nil
			}
			return r, err
		},
		func(r *store.IdentityProvider) {
			if sealed != nil {
				r.Details = sealed
			}
			if in.AttributeMapping != nil {
				r.AttributeMapping = maps.Clone(in.AttributeMapping)
			}
			if in.IdpIdentifiers != nil {
				r.Identifiers = ids
			}
			r.UpdatedAt = p.now()
		})
	if taken {
		return nil, newErr(CodeDuplicateProvider, "An IdpIdentifier is already used by another provider.")
	}
	if err != nil {
		return nil, err
	}
	p.providers.forget(rec.Name)
	return &UpdateIdentityProviderOutput{IdentityProvider: *identityProviderType(rec, details)}, nil
}

// DeleteIdentityProviderInput is DeleteIdentityProvider's request.
type DeleteIdentityProviderInput struct{ ProviderName string }

// DeleteIdentityProviderOutput is DeleteIdentityProvider's empty answer.
type DeleteIdentityProviderOutput struct{}

// DeleteIdentityProvider removes a provider. Its users stay (as in
// Cognito) but can no longer sign in through it.
func (p *UserPool) DeleteIdentityProvider(ctx context.Context, in DeleteIdentityProviderInput) (_ *DeleteIdentityProviderOutput, err error) {
	ctx, ob := p.begin(ctx, "DeleteIdentityProvider", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	ob.target(in.ProviderName)
	err = p.store.DeleteIdentityProvider(ctx, p.cfg.ID, in.ProviderName)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr(CodeResourceNotFound, "Identity provider not found.")
	}
	if err != nil {
		return nil, internalErr("delete identity provider", err)
	}
	p.providers.forget(in.ProviderName)
	return &DeleteIdentityProviderOutput{}, nil
}

// ListIdentityProvidersInput is ListIdentityProviders' request.
type ListIdentityProvidersInput struct {
	MaxResults int // 1-60; zero means 60
	NextToken  string
}

// ProviderDescription is a provider as ListIdentityProviders lists it.
type ProviderDescription struct {
	ProviderName     string
	ProviderType     string
	CreationDate     time.Time
	LastModifiedDate time.Time
}

// ListIdentityProvidersOutput is ListIdentityProviders' answer.
type ListIdentityProvidersOutput struct {
	Providers []ProviderDescription
	NextToken string
}

// ListIdentityProviders lists the pool's providers by name.
func (p *UserPool) ListIdentityProviders(ctx context.Context, in ListIdentityProvidersInput) (*ListIdentityProvidersOutput, error) {
	limit, err := pageLimit(in.MaxResults)
	if err != nil {
		return nil, err
	}
	_, after, err := p.decodePage("identity providers", in.NextToken)
	if err != nil {
		return nil, err
	}
	recs, err := p.store.ListIdentityProviders(ctx, p.cfg.ID, after, limit+1)
	if err != nil {
		return nil, internalErr("list identity providers", err)
	}
	out := &ListIdentityProvidersOutput{Providers: []ProviderDescription{}}
	for i, r := range recs {
		if i == limit {
			if out.NextToken, err = p.encodePage("identity providers", "", recs[i-1].Name); err != nil {
				return nil, err
			}
			break
		}
		out.Providers = append(out.Providers, ProviderDescription{ProviderName: r.Name, ProviderType: r.Type,
			CreationDate: r.CreatedAt, LastModifiedDate: r.UpdatedAt})
	}
	return out, nil
}

// identityProvider reads a provider and opens its details.
func (p *UserPool) identityProvider(ctx context.Context, name string) (store.IdentityProvider, map[string]string, error) {
	rec, err := p.store.GetIdentityProvider(ctx, p.cfg.ID, name)
	if errors.Is(err, store.ErrNotFound) {
		return rec, nil, newErr(CodeResourceNotFound, "Identity provider "+sanitize(name)+" does not exist.")
	}
	if err != nil {
		return rec, nil, internalErr("get identity provider", err)
	}
	details, err := p.openProviderDetails(rec)
	return rec, details, err
}

func identityProviderType(r store.IdentityProvider, details map[string]string) *IdentityProviderType {
	return &IdentityProviderType{ProviderName: r.Name, ProviderType: r.Type, ProviderDetails: maps.Clone(details),
		AttributeMapping: maps.Clone(r.AttributeMapping), IdpIdentifiers: slices.Clone(r.Identifiers),
		CreationDate: r.CreatedAt, LastModifiedDate: r.UpdatedAt}
}

// socialTypes are the provider types whose name must be the type itself,
// as Cognito requires.
var socialTypes = []string{ProviderTypeGoogle, ProviderTypeFacebook, ProviderTypeAmazon, ProviderTypeApple}

func (p *UserPool) checkProviderName(name, typ string) error {
	switch {
	case !slices.Contains(append([]string{ProviderTypeSAML, ProviderTypeOIDC}, socialTypes...), typ):
		return invalidParam("ProviderType must be one of SAML, OIDC, Google, Facebook, LoginWithAmazon, SignInWithApple")
	case slices.Contains(socialTypes, typ) && name != typ:
		return invalidParam("The provider name of a " + typ + " provider must be " + typ)
	case strings.EqualFold(name, ProviderCognito):
		return invalidParam("COGNITO is reserved for the pool's own users")
	}
	return nil // the rest of the name's rules are federation's (checked when the provider is built)
}

var idpIdentifierPattern = regexp.MustCompile(`^[\w\s+=.@-]{1,40}$`)

// checkIdpIdentifiers checks IdpIdentifiers (at most 50, Cognito's
// pattern) and returns them lower-cased, as they are matched.
func checkIdpIdentifiers(in []string) ([]string, error) {
	if len(in) > 50 {
		return nil, invalidParam("A provider has at most 50 IdpIdentifiers")
	}
	out := make([]string, 0, len(in))
	for _, id := range in {
		if !idpIdentifierPattern.MatchString(id) {
			return nil, invalidParam("Invalid IdpIdentifier " + sanitize(id))
		}
		id = strings.ToLower(id)
		if slices.Contains(out, id) {
			return nil, invalidParam("Duplicate IdpIdentifier " + sanitize(id))
		}
		out = append(out, id)
	}
	return out, nil
}

// checkAttributeMapping refuses mappings to attributes the pool does not
// have, and to those a sign-in may not write.
func (p *UserPool) checkAttributeMapping(m map[string]string) error {
	if len(m) > 100 {
		return invalidParam("An attribute mapping has at most 100 entries")
	}
	for attr, claim := range m {
		if claim == "" || len(claim) > 131 {
			return invalidParam("The provider attribute for " + sanitize(attr) + " must be 1-131 characters")
		}
		if attr == "username" {
			continue // Cognito accepts it; the username is Provider_subject regardless
		}
		if attr == "sub" || attr == "identities" {
			return invalidParam("Attribute " + attr + " cannot be mapped")
		}
		if _, ok := p.schemaOf(attr); !ok {
			return invalidParam("Attribute " + sanitize(attr) + " is not in the pool's schema")
		}
	}
	return nil
}

// sealProviderDetails checks details by building the provider, and seals
// them for the store.
func (p *UserPool) sealProviderDetails(ctx context.Context, name, typ string, details map[string]string) ([]byte, error) {
	if len(details) > 50 {
		return nil, invalidParam("ProviderDetails has too many keys")
	}
	if _, err := p.buildProvider(ctx, name, typ, details); err != nil {
		return nil, err
	}
	b, err := json.Marshal(details)
	if err != nil {
		return nil, internalErr("seal provider details", err)
	}
	box, err := p.idpSeal.Seal(p.random, b, []byte(name))
	if err != nil {
		return nil, internalErr("seal provider details", err)
	}
	return box, nil
}

func (p *UserPool) openProviderDetails(r store.IdentityProvider) (map[string]string, error) {
	b, err := p.idpSeal.Open(r.Details, []byte(r.Name))
	if err != nil {
		return nil, internalErr("open provider details", err)
	}
	var details map[string]string
	if err := json.Unmarshal(b, &details); err != nil {
		return nil, internalErr("open provider details", err)
	}
	return details, nil
}

// buildProvider makes the federation.Provider for a configuration; a
// refused configuration is InvalidParameterException saying why.
func (p *UserPool) buildProvider(ctx context.Context, name, typ string, details map[string]string) (federation.Provider, error) {
	fp, err := federation.New(ctx, federation.Config{Name: name, Type: typ, Details: details,
		HTTPClient: p.cfg.Federation.HTTPClient, Now: p.now,
		SP: federation.SPConfig{EntityID: p.spEntityID(), Key: p.cfg.Federation.SAMLKey,
			Certificate: p.cfg.Federation.SAMLCertificate, Replay: assertionReplay{p}}})
	var fe *federation.Error
	if errors.As(err, &fe) && errors.Is(err, federation.ErrConfig) {
		return nil, &Error{Code: CodeInvalidParameter, Message: "Invalid ProviderDetails: " + sanitize(fe.Detail), Err: err}
	}
	if err != nil {
		return nil, &Error{Code: CodeInvalidParameter, Message: "The identity provider could not be configured.", Err: err}
	}
	return fp, nil
}

// spEntityID is the pool's SAML service-provider entity ID, in Cognito's
// shape.
func (p *UserPool) spEntityID() string { return "urn:amazon:cognito:sp:" + p.cfg.ID }

// assertionReplay remembers SAML assertion IDs in the store, as auth
// sessions that are never consumed: the store refuses a second session
// with the same ID, across instances, and Cleanup removes it once the
// assertion has expired.
type assertionReplay struct{ p *UserPool }

func (r assertionReplay) Remember(ctx context.Context, id string, expires time.Time) (bool, error) {
	p := r.p
	err := p.store.PutAuthSession(ctx, store.AuthSession{PoolID: p.cfg.ID, ID: "saml-assertion:" + sessionID(id),
		Subject: "-", ClientID: "-", Challenge: "SAML_ASSERTION", ExpiresAt: expires, CreatedAt: p.now()})
	var exists *store.ExistsError
	if errors.As(err, &exists) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("remember assertion: %w", err)
	}
	return true, nil
}

// providerCache keeps one built federation.Provider per stored provider
// version, so an OIDC provider's discovery and keys are fetched once, not
// on every sign-in.
type providerCache struct {
	mu sync.Mutex
	m  map[string]cachedProvider
}

type cachedProvider struct {
	version int64
	fp      federation.Provider
}

func (c *providerCache) get(name string, version int64) (federation.Provider, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[name]
	return e.fp, ok && e.version == version
}

func (c *providerCache) put(name string, version int64, fp federation.Provider) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedProvider{}
	}
	c.m[name] = cachedProvider{version, fp}
}

func (c *providerCache) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, name)
}
