package cognitoapi

import (
	"context"

	"github.com/cupola-auth/cupola/userpool"
)

// Identity providers and the users linked to them: signed, by UserPoolId.
// ProviderDetails are answered in full, secrets included, as Cognito
// answers them to an administrator.

// identityProviderType is Cognito's IdentityProviderType.
type identityProviderType struct {
	UserPoolID       string            `json:"UserPoolId"`
	ProviderName     string            `json:"ProviderName"`
	ProviderType     string            `json:"ProviderType"`
	ProviderDetails  map[string]string `json:"ProviderDetails"`
	AttributeMapping map[string]string `json:"AttributeMapping"`
	IdpIdentifiers   []string          `json:"IdpIdentifiers"`
	CreationDate     *epoch            `json:"CreationDate,omitempty"`
	LastModifiedDate *epoch            `json:"LastModifiedDate,omitempty"`
}

func identityProvider(poolID string, t userpool.IdentityProviderType) identityProviderResponse {
	out := &identityProviderType{UserPoolID: poolID, ProviderName: t.ProviderName, ProviderType: t.ProviderType,
		ProviderDetails: t.ProviderDetails, AttributeMapping: t.AttributeMapping, IdpIdentifiers: t.IdpIdentifiers,
		CreationDate: when(t.CreationDate), LastModifiedDate: when(t.LastModifiedDate)}
	if out.ProviderDetails == nil {
		out.ProviderDetails = map[string]string{}
	}
	if out.AttributeMapping == nil {
		out.AttributeMapping = map[string]string{}
	}
	if out.IdpIdentifiers == nil {
		out.IdpIdentifiers = []string{}
	}
	return identityProviderResponse{out}
}

type identityProviderResponse struct {
	IdentityProvider *identityProviderType `json:"IdentityProvider"`
}

// identityProviderRequest is the request of Create, Describe, Update and
// DeleteIdentityProvider. On update, a field left out is left as it is.
type identityProviderRequest struct {
	UserPoolID       string            `json:"UserPoolId"`
	ProviderName     string            `json:"ProviderName"`
	ProviderType     string            `json:"ProviderType"` // Create only
	ProviderDetails  map[string]string `json:"ProviderDetails"`
	AttributeMapping map[string]string `json:"AttributeMapping"`
	IdpIdentifiers   []string          `json:"IdpIdentifiers"`
}

func createIdentityProvider(ctx context.Context, h *handler, in *identityProviderRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.CreateIdentityProvider(ctx, userpool.CreateIdentityProviderInput{ProviderName: in.ProviderName,
		ProviderType: in.ProviderType, ProviderDetails: in.ProviderDetails, AttributeMapping: in.AttributeMapping,
		IdpIdentifiers: in.IdpIdentifiers})
	if err != nil {
		return nil, err
	}
	return identityProvider(p.ID(), out.IdentityProvider), nil
}

func describeIdentityProvider(ctx context.Context, h *handler, in *identityProviderRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.DescribeIdentityProvider(ctx, userpool.DescribeIdentityProviderInput{ProviderName: in.ProviderName})
	if err != nil {
		return nil, err
	}
	return identityProvider(p.ID(), out.IdentityProvider), nil
}

func updateIdentityProvider(ctx context.Context, h *handler, in *identityProviderRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.UpdateIdentityProvider(ctx, userpool.UpdateIdentityProviderInput{ProviderName: in.ProviderName,
		ProviderDetails: in.ProviderDetails, AttributeMapping: in.AttributeMapping, IdpIdentifiers: in.IdpIdentifiers})
	if err != nil {
		return nil, err
	}
	return identityProvider(p.ID(), out.IdentityProvider), nil
}

func deleteIdentityProvider(ctx context.Context, h *handler, in *identityProviderRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if _, err := p.DeleteIdentityProvider(ctx, userpool.DeleteIdentityProviderInput{ProviderName: in.ProviderName}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

type providerDescription struct {
	ProviderName     string `json:"ProviderName"`
	ProviderType     string `json:"ProviderType"`
	CreationDate     *epoch `json:"CreationDate,omitempty"`
	LastModifiedDate *epoch `json:"LastModifiedDate,omitempty"`
}

func listIdentityProviders(ctx context.Context, h *handler, in *pageRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.ListIdentityProviders(ctx, userpool.ListIdentityProvidersInput{MaxResults: in.MaxResults, NextToken: in.NextToken})
	if err != nil {
		return nil, err
	}
	list := []providerDescription{}
	for _, d := range out.Providers {
		list = append(list, providerDescription{ProviderName: d.ProviderName, ProviderType: d.ProviderType,
			CreationDate: when(d.CreationDate), LastModifiedDate: when(d.LastModifiedDate)})
	}
	return struct {
		Providers []providerDescription `json:"Providers"`
		NextToken string                `json:"NextToken,omitempty"`
	}{list, out.NextToken}, nil
}

type getIdentityProviderByIdentifierRequest struct {
	UserPoolID    string `json:"UserPoolId"`
	IdpIdentifier string `json:"IdpIdentifier"`
}

func getIdentityProviderByIdentifier(ctx context.Context, h *handler, in *getIdentityProviderByIdentifierRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.GetIdentityProviderByIdentifier(ctx, userpool.GetIdentityProviderByIdentifierInput{IdpIdentifier: in.IdpIdentifier})
	if err != nil {
		return nil, err
	}
	return identityProvider(p.ID(), out.IdentityProvider), nil
}

// providerUserIdentifierType is Cognito's ProviderUserIdentifierType.
type providerUserIdentifierType struct {
	ProviderName           string `json:"ProviderName"`
	ProviderAttributeName  string `json:"ProviderAttributeName"`
	ProviderAttributeValue string `json:"ProviderAttributeValue"`
}

func (u *providerUserIdentifierType) pool() userpool.ProviderUserIdentifierType {
	if u == nil {
		return userpool.ProviderUserIdentifierType{}
	}
	return userpool.ProviderUserIdentifierType{ProviderName: u.ProviderName, ProviderAttributeName: u.ProviderAttributeName,
		ProviderAttributeValue: u.ProviderAttributeValue}
}

type adminLinkProviderForUserRequest struct {
	UserPoolID      string                      `json:"UserPoolId"`
	DestinationUser *providerUserIdentifierType `json:"DestinationUser"`
	SourceUser      *providerUserIdentifierType `json:"SourceUser"`
}

func adminLinkProviderForUser(ctx context.Context, h *handler, in *adminLinkProviderForUserRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if _, err := p.AdminLinkProviderForUser(ctx, userpool.AdminLinkProviderForUserInput{DestinationUser: in.DestinationUser.pool(),
		SourceUser: in.SourceUser.pool()}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

type adminDisableProviderForUserRequest struct {
	UserPoolID string                      `json:"UserPoolId"`
	User       *providerUserIdentifierType `json:"User"`
}

func adminDisableProviderForUser(ctx context.Context, h *handler, in *adminDisableProviderForUserRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if _, err := p.AdminDisableProviderForUser(ctx, userpool.AdminDisableProviderForUserInput{User: in.User.pool()}); err != nil {
		return nil, err
	}
	return empty{}, nil
}
