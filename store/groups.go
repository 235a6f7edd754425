package store

import (
	"context"
	"time"
)

// Group is a user group of a pool. Groups order a user's cognito:groups
// claim by Precedence and carry an IAM-style role string.
type Group struct {
	PoolID      string
	Name        string
	Description string
	RoleArn     string
	// Precedence orders groups (lower first); negative means unset, and
	// such groups come after every group with a precedence.
	Precedence int
	// Version is the compare-and-swap counter, as for users.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Groups stores groups and memberships.
type Groups interface {
	// CreateGroup stores a new group with Version 1, or returns an
	// *ExistsError with Key "group".
	CreateGroup(ctx context.Context, g Group) (Group, error)
	// GetGroup returns a group by name (case-sensitive), or ErrNotFound.
	GetGroup(ctx context.Context, poolID, name string) (Group, error)
	// UpdateGroup is compare-and-swap on Version, as UpdateUser.
	UpdateGroup(ctx context.Context, g Group) (Group, error)
	// DeleteGroup removes a group and all its memberships.
	DeleteGroup(ctx context.Context, poolID, name string) error
	// ListGroups returns at most limit groups ordered by name (bytewise),
	// starting after the name after ("" starts at the beginning).
	ListGroups(ctx context.Context, poolID, after string, limit int) ([]Group, error)
	// AddUserToGroup makes the user a member; already a member is not an
	// error. An unknown user or group is ErrNotFound.
	AddUserToGroup(ctx context.Context, poolID, sub, group string) error
	// RemoveUserFromGroup ends a membership; not a member is not an error.
	// An unknown user or group is ErrNotFound.
	RemoveUserFromGroup(ctx context.Context, poolID, sub, group string) error
	// ListGroupsForUser returns every group of the user ordered by name.
	ListGroupsForUser(ctx context.Context, poolID, sub string) ([]Group, error)
	// ListUsersInGroup returns at most limit members ordered by sub,
	// starting after afterSub. An unknown group is ErrNotFound.
	ListUsersInGroup(ctx context.Context, poolID, group, afterSub string, limit int) ([]User, error)
}

// ResourceScope is one custom scope of a resource server.
type ResourceScope struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// ResourceServer is an API whose custom scopes ("identifier/scope") app
// clients may request.
type ResourceServer struct {
	PoolID     string
	Identifier string
	Name       string
	Scopes     []ResourceScope
	// Version is the compare-and-swap counter, as for users.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ResourceServers stores resource servers.
type ResourceServers interface {
	// CreateResourceServer stores a new server with Version 1, or returns
	// an *ExistsError with Key "identifier".
	CreateResourceServer(ctx context.Context, r ResourceServer) (ResourceServer, error)
	GetResourceServer(ctx context.Context, poolID, identifier string) (ResourceServer, error)
	// UpdateResourceServer is compare-and-swap on Version.
	UpdateResourceServer(ctx context.Context, r ResourceServer) (ResourceServer, error)
	DeleteResourceServer(ctx context.Context, poolID, identifier string) error
	// ListResourceServers returns the pool's servers ordered by identifier.
	ListResourceServers(ctx context.Context, poolID string) ([]ResourceServer, error)
}
