package userpool

import (
	"context"
	"errors"

	"github.com/cupola-auth/cupola/store"
)

// UpdateUserPoolClientInput is UpdateUserPoolClient's request: the
// client's ID and its new settings.
type UpdateUserPoolClientInput = ClientConfig

// UpdateUserPoolClientOutput is UpdateUserPoolClient's answer.
type UpdateUserPoolClientOutput struct {
	*ClientDescription
}

// UpdateUserPoolClient replaces a client's settings, as Cognito does: a
// field left zero returns to its default. The secret and ID are kept.
func (p *UserPool) UpdateUserPoolClient(ctx context.Context, in UpdateUserPoolClientInput) (_ *UpdateUserPoolClientOutput, err error) {
	ctx, ob := p.begin(ctx, "UpdateUserPoolClient", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	ob.client(in.ClientID)
	if in.ClientID == "" {
		return nil, invalidParam("Missing required parameter ClientId")
	}
	if in.GenerateSecret {
		return nil, invalidParam("A secret can only be generated when the client is created")
	}
	if err := checkClientConfig(&in); err != nil {
		return nil, err
	}
	if err := p.checkSupportedProviders(ctx, in.SupportedIdentityProviders); err != nil {
		return nil, err
	}
	c, err := updateRecord("update client", newErr(CodeResourceNotFound, "User pool client "+sanitize(in.ClientID)+" does not exist."),
		func() (store.Client, error) { return p.store.GetClient(ctx, p.cfg.ID, in.ClientID) },
		func(c store.Client) (store.Client, error) { return p.store.UpdateClient(ctx, c) },
		func(c *store.Client) { c.Name, c.Settings, c.UpdatedAt = in.ClientName, clientSettings(in), p.now() })
	if err != nil {
		return nil, err
	}
	return &UpdateUserPoolClientOutput{ClientDescription: describeClient(c)}, nil
}

// DeleteUserPoolClientInput is DeleteUserPoolClient's request.
type DeleteUserPoolClientInput struct {
	ClientID string
}

// DeleteUserPoolClientOutput is DeleteUserPoolClient's answer; it carries nothing.
type DeleteUserPoolClientOutput struct{}

// DeleteUserPoolClient deletes a client. Tokens issued to it are refused by
// Cupola's APIs from then on, and its refresh tokens stop working.
func (p *UserPool) DeleteUserPoolClient(ctx context.Context, in DeleteUserPoolClientInput) (_ *DeleteUserPoolClientOutput, err error) {
	ctx, ob := p.begin(ctx, "DeleteUserPoolClient", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	ob.client(in.ClientID)
	clientID := in.ClientID
	err = p.store.DeleteClient(ctx, p.cfg.ID, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr(CodeResourceNotFound, "User pool client "+sanitize(clientID)+" does not exist.")
	}
	if err != nil {
		return nil, internalErr("delete client", err)
	}
	return &DeleteUserPoolClientOutput{}, nil
}

// ListUserPoolClientsInput pages through clients.
type ListUserPoolClientsInput struct {
	MaxResults int // 1–60; zero means 60
	NextToken  string
}

// ListUserPoolClientsOutput is a page of clients (without secrets).
type ListUserPoolClientsOutput struct {
	UserPoolClients []ClientDescription
	NextToken       string
}

// ListUserPoolClients lists the pool's clients by ID.
func (p *UserPool) ListUserPoolClients(ctx context.Context, in ListUserPoolClientsInput) (*ListUserPoolClientsOutput, error) {
	limit, err := pageLimit(in.MaxResults)
	if err != nil {
		return nil, err
	}
	_, after, err := p.decodePage("clients", in.NextToken)
	if err != nil {
		return nil, err
	}
	cs, err := p.store.ListClients(ctx, p.cfg.ID)
	if err != nil {
		return nil, internalErr("list clients", err)
	}
	out := &ListUserPoolClientsOutput{}
	for _, c := range cs {
		if after != "" && c.ID <= after {
			continue
		}
		if len(out.UserPoolClients) == limit {
			if out.NextToken, err = p.encodePage("clients", "", out.UserPoolClients[limit-1].ClientID); err != nil {
				return nil, err
			}
			break
		}
		out.UserPoolClients = append(out.UserPoolClients, *describeClient(c))
	}
	return out, nil
}
