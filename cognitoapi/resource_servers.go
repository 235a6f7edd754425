package cognitoapi

import (
	"context"

	"github.com/cupola-auth/cupola/userpool"
)

// Resource servers: signed, by UserPoolId.

type resourceServerScopeType struct {
	ScopeName        string `json:"ScopeName"`
	ScopeDescription string `json:"ScopeDescription"`
}

// resourceServerType is Cognito's ResourceServerType.
type resourceServerType struct {
	UserPoolID string                    `json:"UserPoolId"`
	Identifier string                    `json:"Identifier"`
	Name       string                    `json:"Name"`
	Scopes     []resourceServerScopeType `json:"Scopes"`
}

func resourceServer(poolID string, r *userpool.ResourceServerType) *resourceServerType {
	if r == nil {
		return nil
	}
	out := &resourceServerType{UserPoolID: poolID, Identifier: r.Identifier, Name: r.Name, Scopes: []resourceServerScopeType{}}
	for _, s := range r.Scopes {
		out.Scopes = append(out.Scopes, resourceServerScopeType{ScopeName: s.ScopeName, ScopeDescription: s.ScopeDescription})
	}
	return out
}

type resourceServerRequest struct {
	UserPoolID string                    `json:"UserPoolId"`
	Identifier string                    `json:"Identifier"`
	Name       string                    `json:"Name"`
	Scopes     []resourceServerScopeType `json:"Scopes"`
}

func (in *resourceServerRequest) pool() userpool.ResourceServerType {
	out := userpool.ResourceServerType{Identifier: in.Identifier, Name: in.Name}
	for _, s := range in.Scopes {
		out.Scopes = append(out.Scopes, userpool.ResourceServerScope{ScopeName: s.ScopeName, ScopeDescription: s.ScopeDescription})
	}
	return out
}

type resourceServerResponse struct {
	ResourceServer *resourceServerType `json:"ResourceServer"`
}

func createResourceServer(ctx context.Context, h *handler, in *resourceServerRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.CreateResourceServer(ctx, in.pool())
	if err != nil {
		return nil, err
	}
	return resourceServerResponse{resourceServer(p.ID(), out.ResourceServerType)}, nil
}

func describeResourceServer(ctx context.Context, h *handler, in *resourceServerRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.DescribeResourceServer(ctx, userpool.DescribeResourceServerInput{Identifier: in.Identifier})
	if err != nil {
		return nil, err
	}
	return resourceServerResponse{resourceServer(p.ID(), out.ResourceServerType)}, nil
}

// updateResourceServer replaces the name and the scopes.
func updateResourceServer(ctx context.Context, h *handler, in *resourceServerRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.UpdateResourceServer(ctx, in.pool())
	if err != nil {
		return nil, err
	}
	return resourceServerResponse{resourceServer(p.ID(), out.ResourceServerType)}, nil
}

func deleteResourceServer(ctx context.Context, h *handler, in *resourceServerRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if _, err := p.DeleteResourceServer(ctx, userpool.DeleteResourceServerInput{Identifier: in.Identifier}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func listResourceServers(ctx context.Context, h *handler, in *pageRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.ListResourceServers(ctx, userpool.ListResourceServersInput{MaxResults: in.MaxResults, NextToken: in.NextToken})
	if err != nil {
		return nil, err
	}
	list := []*resourceServerType{}
	for i := range out.ResourceServers {
		list = append(list, resourceServer(p.ID(), &out.ResourceServers[i]))
	}
	return struct {
		ResourceServers []*resourceServerType `json:"ResourceServers"`
		NextToken       string                `json:"NextToken,omitempty"`
	}{list, out.NextToken}, nil
}
