package userpool

import (
	"context"
	"errors"
	"maps"
	"strings"

	"github.com/cupola-auth/cupola/store"
)

// ProviderUserIdentifierType names a user at a provider: "Cognito" and a
// username for the pool's own users, or an identity provider's name and
// the user's subject there (ProviderAttributeName "Cognito_Subject").
type ProviderUserIdentifierType struct {
	ProviderName           string
	ProviderAttributeName  string
	ProviderAttributeValue string
}

// providerCognitoUser is how a native user is named in
// ProviderUserIdentifierType.
const providerCognitoUser = "Cognito"

// AttributeCognitoSubject is the ProviderAttributeName of a provider's
// subject (the OIDC sub, the SAML NameID), the only attribute Cupola links
// by.
const AttributeCognitoSubject = "Cognito_Subject"

// AdminLinkProviderForUserInput is AdminLinkProviderForUser's request.
type AdminLinkProviderForUserInput struct {
	DestinationUser ProviderUserIdentifierType
	SourceUser      ProviderUserIdentifierType
}

// AdminLinkProviderForUserOutput is AdminLinkProviderForUser's empty answer.
type AdminLinkProviderForUserOutput struct{}

// AdminLinkProviderForUser links an identity at a provider to an existing
// native user: from then on signing in at that provider signs in as that
// user. The identity must not have signed in already (it would be another
// user; delete that one first), and a user holds at most five links.
func (p *UserPool) AdminLinkProviderForUser(ctx context.Context, in AdminLinkProviderForUserInput) (_ *AdminLinkProviderForUserOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminLinkProviderForUser", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	d, s := in.DestinationUser, in.SourceUser
	if !strings.EqualFold(d.ProviderName, providerCognitoUser) {
		return nil, invalidParam("DestinationUser must be a user of the pool (ProviderName Cognito)")
	}
	if s.ProviderAttributeName != AttributeCognitoSubject || s.ProviderAttributeValue == "" || len(s.ProviderAttributeValue) > maxKeyBytes {
		return nil, invalidParam("SourceUser needs ProviderAttributeName Cognito_Subject and the user's subject at the provider")
	}
	rec, err := p.routeProvider(ctx, s.ProviderName, "")
	if err != nil {
		return nil, err
	}
	dest, err := p.adminUser(ctx, d.ProviderAttributeValue)
	if err != nil {
		return nil, err
	}
	if dest.Status == store.StatusExternalProvider {
		return nil, invalidParam("DestinationUser must be a native user, not a federated one")
	}
	kind := identityAlias(rec.Name)
	switch holder, err := p.linkedUser(ctx, kind, s.ProviderAttributeValue); {
	case err == nil && holder.Sub == dest.Sub:
		return &AdminLinkProviderForUserOutput{}, nil
	case err == nil:
		return nil, invalidParam("Merging is not currently supported, provide a SourceUser that has not been used to sign into the user pool.")
	case !errors.Is(err, store.ErrNotFound):
		return nil, internalErr("link provider", err)
	}
	_, err = p.modifyUser(ctx, "link provider", dest.Sub, func(u *store.User) error {
		return p.addLink(u, rec, kind, s.ProviderAttributeValue)
	})
	if errors.Is(err, ErrAliasExists) {
		return nil, invalidParam("Merging is not currently supported, provide a SourceUser that has not been used to sign into the user pool.")
	}
	return done(&AdminLinkProviderForUserOutput{}, err)
}

// AdminDisableProviderForUserInput is AdminDisableProviderForUser's
// request.
type AdminDisableProviderForUserInput struct {
	User ProviderUserIdentifierType
}

// AdminDisableProviderForUserOutput is AdminDisableProviderForUser's empty
// answer.
type AdminDisableProviderForUserOutput struct{}

// AdminDisableProviderForUser ends an identity's sign-in: a link to a
// native user is removed (the native user keeps their password); a
// federated user is disabled and signed out everywhere, so the identity's
// next sign-in is refused rather than creating a new user.
func (p *UserPool) AdminDisableProviderForUser(ctx context.Context, in AdminDisableProviderForUserInput) (_ *AdminDisableProviderForUserOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminDisableProviderForUser", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	s := in.User
	if s.ProviderAttributeName != AttributeCognitoSubject || s.ProviderAttributeValue == "" || len(s.ProviderAttributeValue) > maxKeyBytes {
		return nil, invalidParam("User needs ProviderAttributeName Cognito_Subject and the user's subject at the provider")
	}
	kind := identityAlias(s.ProviderName)
	u, err := p.linkedUser(ctx, kind, s.ProviderAttributeValue)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr(CodeUserNotFound, msgUserNotExist)
	}
	if err != nil {
		return nil, internalErr("disable provider", err)
	}
	if u.Status == store.StatusExternalProvider {
		if _, err := p.modifyUser(ctx, "disable provider", u.Sub, func(u *store.User) error {
			u.Enabled = false
			return nil
		}); err != nil {
			return nil, err
		}
		return done(&AdminDisableProviderForUserOutput{}, p.revokeAll(ctx, u.Sub))
	}
	_, err = p.modifyUser(ctx, "disable provider", u.Sub, func(u *store.User) error {
		u.Aliases = maps.Clone(u.Aliases)
		delete(u.Aliases, kind)
		u.Attributes["identities"] = withoutIdentity(u.Attributes["identities"], s.ProviderName)
		if u.Attributes["identities"] == "" {
			delete(u.Attributes, "identities")
		}
		return nil
	})
	return done(&AdminDisableProviderForUserOutput{}, err)
}
