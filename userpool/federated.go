package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cupola-auth/cupola/federation"
	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/store"
)

// This file is sign-in through an identity provider, for the hosted UI:
// StartFederatedSignIn sends the browser to the provider, and
// CompleteFederatedSignIn turns its answer into a user of the pool and a
// hosted session. The provider's protocol is federation's; what happens
// in the pool is here:
//
//  1. The provider's identity is looked up by its link, an alias of kind
//     "identity:<provider>" keyed by the provider's subject. The store keeps
//     aliases unique, so one identity is one user, even when two first
//     sign-ins race.
//  2. A first sign-in creates the user <provider>_<subject> in status
//     EXTERNAL_PROVIDER, after PreSignUp_ExternalProvider (which may link
//     the identity to an existing user with AdminLinkProviderForUser
//     instead), and runs PostConfirmation.
//  3. Every sign-in re-applies the provider's AttributeMapping to a
//     federated user (never to a native user it is linked to), runs
//     PreAuthentication and opens a hosted session (PostAuthentication).
//
// An email never joins two accounts by itself: the provider's
// email_verified is honoured only for the user it creates.

// identityAliasPrefix starts the alias kind that links a user to an
// identity at a provider: "identity:Google" → the provider's subject.
const identityAliasPrefix = "identity:"

func identityAlias(provider string) string { return identityAliasPrefix + provider }

// maxLinkedIdentities is Cognito's limit of identities linked to a user.
const maxLinkedIdentities = 5

// StartFederatedSignInInput is a hosted sign-in's first step at an
// identity provider.
type StartFederatedSignInInput struct {
	ClientID string
	// ProviderName names the provider; or IdpIdentifier routes to the
	// provider holding it (an email address routes by its domain).
	ProviderName  string
	IdpIdentifier string
	// Callback returns the URL the provider answers at for its type: the
	// hosted UI's /oauth2/idpresponse, or /saml2/idpresponse for SAML.
	Callback func(providerType string) string
	// State is an unguessable value bound to the browser.
	State     string
	LoginHint string
}

// StartFederatedSignInOutput says where the browser goes, and what to keep
// (bound to the browser, sealed: it holds the PKCE verifier and the
// nonce) until it comes back.
type StartFederatedSignInOutput struct {
	URL          string
	Pending      federation.Pending
	ProviderName string
}

// StartFederatedSignIn begins a sign-in at an identity provider the client
// supports.
func (o *OAuthServer) StartFederatedSignIn(ctx context.Context, in StartFederatedSignInInput) (*StartFederatedSignInOutput, error) {
	p := o.p
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	rec, err := p.routeProvider(ctx, in.ProviderName, in.IdpIdentifier)
	if err != nil {
		return nil, err
	}
	if !c.supportsProvider(rec.Name) {
		return nil, newErr(CodeNotAuthorized, "The client does not support identity provider "+sanitize(rec.Name)+".")
	}
	fp, err := p.provider(ctx, rec)
	if err != nil {
		return nil, err
	}
	if in.Callback == nil || in.State == "" {
		return nil, invalidParam("a callback and a state are required")
	}
	st, err := fp.Start(ctx, federation.StartInput{CallbackURL: in.Callback(rec.Type), State: in.State, LoginHint: in.LoginHint})
	if err != nil {
		return nil, providerErr(err)
	}
	return &StartFederatedSignInOutput{URL: st.URL, Pending: st.Pending, ProviderName: rec.Name}, nil
}

// CompleteFederatedSignInInput is the browser's return from the provider.
type CompleteFederatedSignInInput struct {
	ClientID string
	// Params are the callback's query or form.
	Params url.Values
	// Pending is what StartFederatedSignIn returned to this browser.
	Pending   federation.Pending
	IPAddress string
	UserAgent string
}

// CompleteFederatedSignIn verifies the provider's answer and signs its
// user in to the pool (see the top of this file). A refused answer is
// NotAuthorizedException; nothing is created for it.
func (o *OAuthServer) CompleteFederatedSignIn(ctx context.Context, in CompleteFederatedSignInInput) (out *HostedAuthOutput, err error) {
	ctx, ob := o.p.begin(ctx, "OAuth.CompleteFederatedSignIn", AuditSignIn)
	defer func() { ob.finishHosted(ctx, out, err) }()
	ob.flow = flowFederated
	ob.from(in.IPAddress, in.UserAgent)
	p := o.p
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(c.Settings.AllowedOAuthFlows, OAuthFlowCode) || !c.supportsProvider(in.Pending.Provider) {
		return nil, newErr(CodeNotAuthorized, "The client does not support identity provider "+sanitize(in.Pending.Provider)+".")
	}
	rec, err := p.routeProvider(ctx, in.Pending.Provider, "")
	if err != nil {
		return nil, err
	}
	fp, err := p.provider(ctx, rec)
	if err != nil {
		return nil, err
	}
	id, err := fp.Complete(ctx, federation.CompleteInput{Params: in.Params, Pending: in.Pending})
	if err != nil {
		p.log.InfoContext(ctx, "federated sign-in refused", "provider", rec.Name, "err", err)
		return nil, providerErr(err)
	}
	u, err := p.federatedUser(ctx, c, rec, id)
	if err != nil {
		return nil, err
	}
	if !u.Enabled {
		return nil, newErr(CodeNotAuthorized, msgDisabled)
	}
	if !signedInStatus(u.Status) {
		return nil, p.signInAllowed(u)
	}
	if err := p.preAuthentication(ctx, u, u.Username, c.ID, true, nil, nil); err != nil {
		return nil, err
	}
	pr, err := p.hostedSession(ctx, c, u)
	if err != nil {
		return nil, err
	}
	p.recordEvent(ctx, u, event{typ: EventSignIn, response: EventPass, caller: caller{ip: in.IPAddress, userAgent: in.UserAgent}})
	return &HostedAuthOutput{Principal: pr}, nil
}

// providerErr turns a federation failure into the caller's error: the
// provider's own refusal, a refused answer, or an unreachable provider.
func providerErr(err error) error {
	switch {
	case errors.Is(err, federation.ErrProviderError):
		return &Error{Code: CodeNotAuthorized, Message: "The identity provider did not sign the user in.", Err: err}
	case errors.Is(err, federation.ErrUnavailable):
		return &Error{Code: CodeInternalError, Message: "The identity provider cannot be reached.", Err: err}
	case errors.Is(err, federation.ErrConfig):
		return &Error{Code: CodeInvalidUserPoolConfig, Message: "The identity provider is misconfigured.", Err: err}
	}
	return &Error{Code: CodeNotAuthorized, Message: "The identity provider's answer was refused.", Err: err}
}

// routeProvider finds the provider by name, or by an IdpIdentifier: the
// identifier itself, or the domain of an email address.
func (p *UserPool) routeProvider(ctx context.Context, name, identifier string) (store.IdentityProvider, error) {
	var (
		rec store.IdentityProvider
		err error
	)
	switch {
	case name != "":
		rec, err = p.store.GetIdentityProvider(ctx, p.cfg.ID, name)
	case identifier != "":
		identifier = strings.ToLower(identifier)
		rec, err = p.store.GetIdentityProviderByIdentifier(ctx, p.cfg.ID, identifier)
		if _, domain, ok := strings.Cut(identifier, "@"); ok && errors.Is(err, store.ErrNotFound) {
			rec, err = p.store.GetIdentityProviderByIdentifier(ctx, p.cfg.ID, domain)
		}
	default:
		return rec, invalidParam("an identity provider or an IdP identifier is required")
	}
	if errors.Is(err, store.ErrNotFound) {
		return rec, newErr(CodeResourceNotFound, "No such identity provider.")
	}
	if err != nil {
		return rec, internalErr("identity provider", err)
	}
	return rec, nil
}

// provider returns the built provider of a stored one, from the cache
// when its version has not changed.
func (p *UserPool) provider(ctx context.Context, rec store.IdentityProvider) (federation.Provider, error) {
	if fp, ok := p.providers.get(rec.Name, rec.Version); ok {
		return fp, nil
	}
	details, err := p.openProviderDetails(rec)
	if err != nil {
		return nil, err
	}
	fp, err := p.buildProvider(ctx, rec.Name, rec.Type, details)
	if err != nil {
		return nil, &Error{Code: CodeInvalidUserPoolConfig, Message: "The identity provider is misconfigured.", Err: err}
	}
	p.providers.put(rec.Name, rec.Version, fp)
	return fp, nil
}

// federatedUser finds or creates the pool's user for an identity.
func (p *UserPool) federatedUser(ctx context.Context, c *appClient, rec store.IdentityProvider, id *federation.Identity) (store.User, error) {
	if id.Subject == "" || len(id.Subject) > maxKeyBytes {
		return store.User{}, newErr(CodeNotAuthorized, "The identity provider's answer was refused.")
	}
	kind := identityAlias(rec.Name)
	if u, err := p.linkedUser(ctx, kind, id.Subject); err == nil || !errors.Is(err, store.ErrNotFound) {
		if err != nil {
			return u, internalErr("federated user", err)
		}
		return p.refreshFederated(ctx, u, rec, id)
	}
	attrs := p.mappedAttributes(ctx, rec, id)
	username := rec.Name + "_" + id.Subject
	if _, err := p.preSignUp(ctx, "PreSignUp_ExternalProvider", username, c.ID, attrs, nil, nil); err != nil {
		return store.User{}, err
	}
	// The trigger may have linked the identity to an existing user.
	if u, err := p.linkedUser(ctx, kind, id.Subject); err == nil {
		return u, nil
	}
	if p.cfg.Federation.LinkVerifiedEmails && id.EmailVerified && id.Email != "" {
		u, ok, err := p.linkByVerifiedEmail(ctx, rec, id)
		if err != nil || ok {
			return u, err
		}
	}
	sub, err := random.UUID(p.random)
	if err != nil {
		return store.User{}, internalErr("federated user", err)
	}
	now := p.now()
	attrs["identities"] = identitiesJSON("", rec, id.Subject, now.UnixMilli())
	u, err := p.store.CreateUser(ctx, store.User{PoolID: p.cfg.ID, Sub: sub, Username: username,
		UsernameKey: p.usernameKey(username), Status: store.StatusExternalProvider, Enabled: true,
		Attributes: attrs, Aliases: map[string]string{kind: id.Subject}, CreatedAt: now, UpdatedAt: now})
	var exists *store.ExistsError
	if errors.As(err, &exists) {
		// A concurrent first sign-in of the same identity won.
		if u, err := p.linkedUser(ctx, kind, id.Subject); err == nil {
			return u, nil
		}
		return store.User{}, newErr(CodeUsernameExists, "A user named "+sanitize(username)+" already exists.")
	}
	if err != nil {
		return store.User{}, internalErr("create federated user", err)
	}
	if err := p.postConfirmation(ctx, "PostConfirmation_ConfirmSignUp", u, c.ID, nil); err != nil {
		return store.User{}, err
	}
	return u, nil
}

// linkByVerifiedEmail links an identity whose provider verified its email
// to the one native user whose email is that address and verified too
// (FederationConfig.LinkVerifiedEmails). No such user, or more than one,
// links nothing: the identity becomes a user of its own.
func (p *UserPool) linkByVerifiedEmail(ctx context.Context, rec store.IdentityProvider, id *federation.Identity) (store.User, bool, error) {
	var found []store.User
	for _, v := range slices.Compact([]string{id.Email, strings.ToLower(id.Email)}) {
		users, err := p.store.ListUsers(ctx, p.cfg.ID, store.UserQuery{Attribute: store.SearchEmail, Value: v, Limit: 10})
		if err != nil {
			return store.User{}, false, internalErr("link by email", err)
		}
		for _, u := range users {
			if u.Status != store.StatusExternalProvider && p.verified(u, "email") && strings.EqualFold(u.Attributes["email"], id.Email) &&
				!slices.ContainsFunc(found, func(f store.User) bool { return f.Sub == u.Sub }) {
				found = append(found, u)
			}
		}
	}
	if len(found) != 1 {
		return store.User{}, false, nil
	}
	kind := identityAlias(rec.Name)
	u, err := p.modifyUser(ctx, "link by email", found[0].Sub, func(u *store.User) error {
		return p.addLink(u, rec, kind, id.Subject)
	})
	if err != nil {
		if u, lerr := p.linkedUser(ctx, kind, id.Subject); lerr == nil {
			return u, true, nil // a concurrent sign-in linked it first
		}
		p.log.WarnContext(ctx, "federated identity not linked by email", "provider", rec.Name, "err", err)
		return store.User{}, false, nil
	}
	return u, true, nil
}

// addLink gives a native user the link to an identity, within the limit
// of links a user holds.
func (p *UserPool) addLink(u *store.User, rec store.IdentityProvider, kind, subject string) error {
	links := 0
	for k := range u.Aliases {
		if strings.HasPrefix(k, identityAliasPrefix) {
			links++
		}
	}
	if links >= maxLinkedIdentities {
		return newErr(CodeLimitExceeded, "A user can be linked to at most 5 identities.")
	}
	u.Aliases = maps.Clone(u.Aliases)
	if u.Aliases == nil {
		u.Aliases = map[string]string{}
	}
	u.Aliases[kind] = subject
	u.Attributes["identities"] = identitiesJSON(u.Attributes["identities"], rec, subject, p.now().UnixMilli())
	return nil
}

func (p *UserPool) linkedUser(ctx context.Context, kind, subject string) (store.User, error) {
	return p.store.GetUserByAlias(ctx, p.cfg.ID, kind, subject)
}

// refreshFederated re-applies the attribute mapping to a federated user,
// as Cognito does at every sign-in. A native user linked to the identity
// keeps its own attributes.
func (p *UserPool) refreshFederated(ctx context.Context, u store.User, rec store.IdentityProvider, id *federation.Identity) (store.User, error) {
	if u.Status != store.StatusExternalProvider {
		return u, nil
	}
	mapped := p.mappedAttributes(ctx, rec, id)
	same := true
	for k, v := range mapped {
		if u.Attributes[k] != v {
			same = false
		}
	}
	if same {
		return u, nil
	}
	return updateRecord("refresh federated user", newErr(CodeUserNotFound, msgUserNotExist),
		func() (store.User, error) { return p.store.GetUser(ctx, p.cfg.ID, u.Sub) },
		func(u store.User) (store.User, error) { return p.store.UpdateUser(ctx, u) },
		func(u *store.User) {
			u.Attributes = maps.Clone(u.Attributes)
			maps.Copy(u.Attributes, mapped)
			u.UpdatedAt = p.now()
		})
}

// mappedAttributes applies a provider's AttributeMapping to what it
// asserted. A value the pool's schema refuses is left out (and logged):
// one odd claim should not stop the sign-in. email_verified is the
// provider's assertion about the email it gave, whatever is mapped.
func (p *UserPool) mappedAttributes(ctx context.Context, rec store.IdentityProvider, id *federation.Identity) map[string]string {
	out := map[string]string{}
	for attr, claim := range rec.AttributeMapping {
		v := id.Attributes[claim]
		if v == "" || attr == "username" || attr == "email_verified" || attr == "phone_number_verified" {
			continue
		}
		s, ok := p.schemaOf(attr)
		if !ok {
			continue
		}
		if err := checkValue(s, v); err != nil {
			p.log.WarnContext(ctx, "mapped attribute refused", "provider", rec.Name, "attribute", attr, "err", err)
			continue
		}
		out[attr] = v
	}
	if e := out["email"]; e != "" {
		out["email_verified"] = strconv.FormatBool(id.EmailVerified && strings.EqualFold(e, id.Email))
	}
	return out
}

// identity is one entry of the identities attribute, Cognito's JSON.
type identity struct {
	UserID       string  `json:"userId"`
	ProviderName string  `json:"providerName"`
	ProviderType string  `json:"providerType"`
	Issuer       *string `json:"issuer"`
	Primary      string  `json:"primary"`
	DateCreated  string  `json:"dateCreated"`
}

// identitiesJSON adds an identity to the identities attribute's JSON.
func identitiesJSON(existing string, rec store.IdentityProvider, subject string, createdMillis int64) string {
	var ids []identity
	if existing != "" {
		_ = json.Unmarshal([]byte(existing), &ids) // a damaged list is rebuilt from this identity
	}
	ids = slices.DeleteFunc(ids, func(i identity) bool { return i.ProviderName == rec.Name })
	ids = append(ids, identity{UserID: subject, ProviderName: rec.Name, ProviderType: rec.Type,
		Primary: strconv.FormatBool(len(ids) == 0), DateCreated: strconv.FormatInt(createdMillis, 10)})
	b, _ := json.Marshal(ids)
	return string(b)
}

// SignInOptions are the ways a client's users sign in at the hosted UI.
type SignInOptions struct {
	// Cognito is whether the pool's own users sign in (with a password).
	Cognito bool
	// Providers are the client's identity providers that exist, by name.
	Providers []ProviderDescription
	// Identifiers is whether one of them holds IdpIdentifiers, so the
	// login page may ask for an email address to route.
	Identifiers bool
}

// SignInOptions lists how a client's users sign in, for the login page.
func (o *OAuthServer) SignInOptions(ctx context.Context, clientID string) (*SignInOptions, error) {
	p := o.p
	c, err := p.client(ctx, clientID)
	if err != nil {
		return nil, err
	}
	out := &SignInOptions{Cognito: c.supportsProvider(ProviderCognito)}
	for _, name := range c.Settings.SupportedIdentityProviders {
		if name == ProviderCognito {
			continue
		}
		rec, err := p.store.GetIdentityProvider(ctx, p.cfg.ID, name)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted since the client named it
		}
		if err != nil {
			return nil, internalErr("sign-in options", err)
		}
		out.Providers = append(out.Providers, ProviderDescription{ProviderName: rec.Name, ProviderType: rec.Type,
			CreationDate: rec.CreatedAt, LastModifiedDate: rec.UpdatedAt})
		out.Identifiers = out.Identifiers || len(rec.Identifiers) > 0
	}
	return out, nil
}

// withoutIdentity drops a provider's entry from the identities JSON; ""
// when none is left.
func withoutIdentity(existing, provider string) string {
	var ids []identity
	if json.Unmarshal([]byte(existing), &ids) != nil {
		return ""
	}
	ids = slices.DeleteFunc(ids, func(i identity) bool { return i.ProviderName == provider })
	if len(ids) == 0 {
		return ""
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// SAMLMetadata is the pool's service-provider metadata for a SAML
// provider, to hand to that IdP: the entity ID, the assertion consumer
// service (acsURL, the hosted UI's /saml2/idpresponse), and the pool's
// certificate for signed requests and encrypted assertions when the
// provider uses them.
func (o *OAuthServer) SAMLMetadata(ctx context.Context, providerName, acsURL string) ([]byte, error) {
	p := o.p
	rec, err := p.routeProvider(ctx, providerName, "")
	if err != nil {
		return nil, err
	}
	fp, err := p.provider(ctx, rec)
	if err != nil {
		return nil, err
	}
	sp, ok := fp.(*federation.SAMLProvider)
	if !ok {
		return nil, invalidParam(sanitize(providerName) + " is not a SAML provider")
	}
	md, err := sp.Metadata(acsURL)
	if err != nil {
		return nil, internalErr("SAML metadata", err)
	}
	return md, nil
}
