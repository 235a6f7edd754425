package userpool

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/cupola-auth/cupola/store"
)

// ResourceServerType is an API whose custom scopes clients may request as
// "identifier/scope".
type ResourceServerType struct {
	Identifier string
	Name       string
	Scopes     []ResourceServerScope
}

// ResourceServerScope is one custom scope.
type ResourceServerScope struct {
	ScopeName        string
	ScopeDescription string
}

var scopeNamePattern = regexp.MustCompile(`^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,256}$`)

// identifierPattern is Cognito's: printable ASCII without space, quote or
// backslash, so "https://api.example.com/orders" is an identifier.
var identifierPattern = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]{1,256}$`)

func checkResourceServer(r ResourceServerType) error {
	if r.Identifier == "" || len(r.Identifier) > 256 {
		return invalidParam("Identifier must be 1-256 characters")
	}
	if !identifierPattern.MatchString(r.Identifier) {
		return invalidParam("Identifier contains characters not allowed in a scope")
	}
	if r.Name == "" || len(r.Name) > 256 {
		return invalidParam("Name must be 1-256 characters")
	}
	if len(r.Scopes) > 100 {
		return invalidParam("A resource server has at most 100 scopes")
	}
	seen := map[string]bool{}
	for _, s := range r.Scopes {
		if !scopeNamePattern.MatchString(s.ScopeName) {
			return invalidParam("Invalid scope name " + sanitize(s.ScopeName))
		}
		if seen[s.ScopeName] {
			return invalidParam("Duplicate scope " + sanitize(s.ScopeName))
		}
		seen[s.ScopeName] = true
		if len(s.ScopeDescription) > 256 {
			return invalidParam("Scope description is longer than 256 characters")
		}
	}
	return nil
}

func toStoreScopes(in []ResourceServerScope) []store.ResourceScope {
	out := make([]store.ResourceScope, 0, len(in))
	for _, s := range in {
		out = append(out, store.ResourceScope{Name: s.ScopeName, Description: s.ScopeDescription})
	}
	return out
}

func resourceServerType(r store.ResourceServer) *ResourceServerType {
	out := &ResourceServerType{Identifier: r.Identifier, Name: r.Name}
	for _, s := range r.Scopes {
		out.Scopes = append(out.Scopes, ResourceServerScope{ScopeName: s.Name, ScopeDescription: s.Description})
	}
	return out
}

// CreateResourceServerInput is CreateResourceServer's request.
type CreateResourceServerInput = ResourceServerType

// CreateResourceServerOutput is CreateResourceServer's answer.
type CreateResourceServerOutput struct {
	*ResourceServerType
}

// CreateResourceServer registers an API and its custom scopes.
func (p *UserPool) CreateResourceServer(ctx context.Context, in CreateResourceServerInput) (_ *CreateResourceServerOutput, err error) {
	ctx, ob := p.begin(ctx, "CreateResourceServer", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	ob.target(in.Identifier)
	if err := checkResourceServer(in); err != nil {
		return nil, err
	}
	now := p.now()
	r, err := p.store.CreateResourceServer(ctx, store.ResourceServer{PoolID: p.cfg.ID, Identifier: in.Identifier, Name: in.Name,
		Scopes: toStoreScopes(in.Scopes), CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, store.ErrExists) {
		return nil, invalidParam("A resource server with identifier " + sanitize(in.Identifier) + " already exists.")
	}
	if err != nil {
		return nil, internalErr("create resource server", err)
	}
	return &CreateResourceServerOutput{ResourceServerType: resourceServerType(r)}, nil
}

// DescribeResourceServerInput is DescribeResourceServer's request.
type DescribeResourceServerInput struct {
	Identifier string
}

// DescribeResourceServerOutput is DescribeResourceServer's answer.
type DescribeResourceServerOutput struct {
	*ResourceServerType
}

// DescribeResourceServer returns a resource server.
func (p *UserPool) DescribeResourceServer(ctx context.Context, in DescribeResourceServerInput) (*DescribeResourceServerOutput, error) {
	identifier := in.Identifier
	r, err := p.store.GetResourceServer(ctx, p.cfg.ID, identifier)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr(CodeResourceNotFound, "Resource server not found.")
	}
	if err != nil {
		return nil, internalErr("describe resource server", err)
	}
	return &DescribeResourceServerOutput{ResourceServerType: resourceServerType(r)}, nil
}

// UpdateResourceServerInput is UpdateResourceServer's request.
type UpdateResourceServerInput = ResourceServerType

// UpdateResourceServerOutput is UpdateResourceServer's answer.
type UpdateResourceServerOutput struct {
	*ResourceServerType
}

// UpdateResourceServer replaces a resource server's name and scopes.
func (p *UserPool) UpdateResourceServer(ctx context.Context, in UpdateResourceServerInput) (_ *UpdateResourceServerOutput, err error) {
	ctx, ob := p.begin(ctx, "UpdateResourceServer", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	ob.target(in.Identifier)
	if err := checkResourceServer(in); err != nil {
		return nil, err
	}
	r, err := updateRecord("update resource server", newErr(CodeResourceNotFound, "Resource server not found."),
		func() (store.ResourceServer, error) { return p.store.GetResourceServer(ctx, p.cfg.ID, in.Identifier) },
		func(r store.ResourceServer) (store.ResourceServer, error) {
			return p.store.UpdateResourceServer(ctx, r)
		},
		func(r *store.ResourceServer) {
			r.Name, r.Scopes, r.UpdatedAt = in.Name, toStoreScopes(in.Scopes), p.now()
		})
	if err != nil {
		return nil, err
	}
	return &UpdateResourceServerOutput{ResourceServerType: resourceServerType(r)}, nil
}

// DeleteResourceServerInput is DeleteResourceServer's request.
type DeleteResourceServerInput struct {
	Identifier string
}

// DeleteResourceServerOutput is DeleteResourceServer's answer; it carries nothing.
type DeleteResourceServerOutput struct{}

// DeleteResourceServer removes a resource server.
func (p *UserPool) DeleteResourceServer(ctx context.Context, in DeleteResourceServerInput) (_ *DeleteResourceServerOutput, err error) {
	ctx, ob := p.begin(ctx, "DeleteResourceServer", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	ob.target(in.Identifier)
	identifier := in.Identifier
	err = p.store.DeleteResourceServer(ctx, p.cfg.ID, identifier)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr(CodeResourceNotFound, "Resource server not found.")
	}
	if err != nil {
		return nil, internalErr("delete resource server", err)
	}
	return &DeleteResourceServerOutput{}, nil
}

// ListResourceServersInput pages through resource servers.
type ListResourceServersInput struct {
	MaxResults int // 1–50; zero means 50
	NextToken  string
}

// ListResourceServersOutput is a page of resource servers, by identifier.
type ListResourceServersOutput struct {
	ResourceServers []ResourceServerType
	NextToken       string
}

// ListResourceServers lists the pool's resource servers.
func (p *UserPool) ListResourceServers(ctx context.Context, in ListResourceServersInput) (*ListResourceServersOutput, error) {
	limit := in.MaxResults
	if limit == 0 {
		limit = 50
	}
	if limit < 0 || limit > 50 {
		return nil, invalidParam("MaxResults must be between 1 and 50")
	}
	const kind = "resource-servers"
	_, after, err := p.decodePage(kind, in.NextToken)
	if err != nil {
		return nil, err
	}
	rs, err := p.store.ListResourceServers(ctx, p.cfg.ID)
	if err != nil {
		return nil, internalErr("list resource servers", err)
	}
	slices.SortFunc(rs, func(a, b store.ResourceServer) int { return strings.Compare(a.Identifier, b.Identifier) })
	out := &ListResourceServersOutput{ResourceServers: []ResourceServerType{}}
	for _, r := range rs {
		if r.Identifier <= after {
			continue
		}
		if len(out.ResourceServers) == limit {
			if out.NextToken, err = p.encodePage(kind, "", out.ResourceServers[limit-1].Identifier); err != nil {
				return nil, err
			}
			break
		}
		out.ResourceServers = append(out.ResourceServers, *resourceServerType(r))
	}
	return out, nil
}
