package userpool

import (
	"context"
	"errors"
	"slices"
	"sort"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// maxGroupsPerUser is Cognito's limit.
const maxGroupsPerUser = 100

// GroupType is a group as Cognito shows it.
type GroupType struct {
	GroupName        string
	Description      string
	RoleArn          string
	Precedence       *int // nil when unset
	CreationDate     time.Time
	LastModifiedDate time.Time
}

func groupType(g store.Group) GroupType {
	out := GroupType{GroupName: g.Name, Description: g.Description, RoleArn: g.RoleArn, CreationDate: g.CreatedAt, LastModifiedDate: g.UpdatedAt}
	if g.Precedence >= 0 {
		p := g.Precedence
		out.Precedence = &p
	}
	return out
}

// CreateGroupInput is CreateGroup's request.
type CreateGroupInput struct {
	GroupName   string
	Description string
	RoleArn     string
	Precedence  *int
}

func checkGroupFields(name, description, role string, precedence *int) error {
	if name == "" || !validUsername(name) {
		return invalidParam("GroupName must be 1-128 characters without whitespace")
	}
	if len(description) > 2048 {
		return invalidParam("Description is longer than 2048 characters")
	}
	if len(role) > 2048 {
		return invalidParam("RoleArn is longer than 2048 characters")
	}
	if precedence != nil && *precedence < 0 {
		return invalidParam("Precedence must be 0 or more")
	}
	return nil
}

func precedenceOf(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

// CreateGroupOutput is CreateGroup's answer.
type CreateGroupOutput struct {
	*GroupType
}

// CreateGroup creates a group.
func (p *UserPool) CreateGroup(ctx context.Context, in CreateGroupInput) (_ *CreateGroupOutput, err error) {
	ctx, ob := p.begin(ctx, "CreateGroup", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	ob.target(in.GroupName)
	if err := checkGroupFields(in.GroupName, in.Description, in.RoleArn, in.Precedence); err != nil {
		return nil, err
	}
	now := p.now()
	g, err := p.store.CreateGroup(ctx, store.Group{PoolID: p.cfg.ID, Name: in.GroupName, Description: in.Description,
		RoleArn: in.RoleArn, Precedence: precedenceOf(in.Precedence), CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, store.ErrExists) {
		return nil, newErr(CodeGroupExists, "A group with the name "+in.GroupName+" already exists.")
	}
	if err != nil {
		return nil, internalErr("create group", err)
	}
	out := groupType(g)
	return &CreateGroupOutput{GroupType: &out}, nil
}

func (p *UserPool) group(ctx context.Context, name string) (store.Group, error) {
	if name == "" {
		return store.Group{}, invalidParam("Missing required parameter GroupName")
	}
	g, err := p.store.GetGroup(ctx, p.cfg.ID, name)
	if errors.Is(err, store.ErrNotFound) {
		return g, newErr(CodeResourceNotFound, "Group not found.")
	}
	if err != nil {
		return g, internalErr("get group", err)
	}
	return g, nil
}

// GetGroupInput is GetGroup's request.
type GetGroupInput struct {
	GroupName string
}

// GetGroupOutput is GetGroup's answer.
type GetGroupOutput struct {
	*GroupType
}

// GetGroup returns a group.
func (p *UserPool) GetGroup(ctx context.Context, in GetGroupInput) (*GetGroupOutput, error) {
	name := in.GroupName
	g, err := p.group(ctx, name)
	if err != nil {
		return nil, err
	}
	out := groupType(g)
	return &GetGroupOutput{GroupType: &out}, nil
}

// UpdateGroupInput is UpdateGroup's request. Nil fields are left as they
// are.
type UpdateGroupInput struct {
	GroupName   string
	Description *string
	RoleArn     *string
	Precedence  *int
}

// UpdateGroupOutput is UpdateGroup's answer.
type UpdateGroupOutput struct {
	*GroupType
}

// UpdateGroup changes a group's description, role or precedence.
func (p *UserPool) UpdateGroup(ctx context.Context, in UpdateGroupInput) (_ *UpdateGroupOutput, err error) {
	ctx, ob := p.begin(ctx, "UpdateGroup", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	ob.target(in.GroupName)
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	if err := checkGroupFields(in.GroupName, deref(in.Description), deref(in.RoleArn), in.Precedence); err != nil {
		return nil, err
	}
	g, err := updateRecord("update group", newErr(CodeResourceNotFound, "Group not found."),
		func() (store.Group, error) { return p.store.GetGroup(ctx, p.cfg.ID, in.GroupName) },
		func(g store.Group) (store.Group, error) { return p.store.UpdateGroup(ctx, g) },
		func(g *store.Group) {
			if in.Description != nil {
				g.Description = *in.Description
			}
			if in.RoleArn != nil {
				g.RoleArn = *in.RoleArn
			}
			if in.Precedence != nil {
				g.Precedence = *in.Precedence
			}
			g.UpdatedAt = p.now()
		})
	if err != nil {
		return nil, err
	}
	out := groupType(g)
	return &UpdateGroupOutput{GroupType: &out}, nil
}

// DeleteGroupInput is DeleteGroup's request.
type DeleteGroupInput struct {
	GroupName string
}

// DeleteGroupOutput is DeleteGroup's answer; it carries nothing.
type DeleteGroupOutput struct{}

// DeleteGroup deletes a group and its memberships.
func (p *UserPool) DeleteGroup(ctx context.Context, in DeleteGroupInput) (_ *DeleteGroupOutput, err error) {
	ctx, ob := p.begin(ctx, "DeleteGroup", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	ob.target(in.GroupName)
	name := in.GroupName
	if _, err := p.group(ctx, name); err != nil {
		return nil, err
	}
	if err := p.store.DeleteGroup(ctx, p.cfg.ID, name); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internalErr("delete group", err)
	}
	return &DeleteGroupOutput{}, nil
}

// ListGroupsInput pages through groups.
type ListGroupsInput struct {
	Limit     int // 1–60; zero means 60
	NextToken string
}

// ListGroupsOutput is a page of groups.
type ListGroupsOutput struct {
	Groups    []GroupType
	NextToken string
}

// ListGroups lists the pool's groups by name.
func (p *UserPool) ListGroups(ctx context.Context, in ListGroupsInput) (*ListGroupsOutput, error) {
	limit, err := pageLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	_, after, err := p.decodePage("groups", in.NextToken)
	if err != nil {
		return nil, err
	}
	gs, err := p.store.ListGroups(ctx, p.cfg.ID, after, limit+1)
	if err != nil {
		return nil, internalErr("list groups", err)
	}
	out := &ListGroupsOutput{}
	if len(gs) > limit {
		gs = gs[:limit]
		if out.NextToken, err = p.encodePage("groups", "", gs[limit-1].Name); err != nil {
			return nil, err
		}
	}
	for _, g := range gs {
		out.Groups = append(out.Groups, groupType(g))
	}
	return out, nil
}

// AdminAddUserToGroupInput is AdminAddUserToGroup's request.
type AdminAddUserToGroupInput struct {
	Username  string
	GroupName string
}

// AdminAddUserToGroupOutput is AdminAddUserToGroup's answer; it carries nothing.
type AdminAddUserToGroupOutput struct{}

// AdminAddUserToGroup adds a user to a group (at most 100 groups a user).
func (p *UserPool) AdminAddUserToGroup(ctx context.Context, in AdminAddUserToGroupInput) (_ *AdminAddUserToGroupOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminAddUserToGroup", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	ob.target(in.GroupName)
	username := in.Username
	group := in.GroupName
	u, err := p.adminUser(ctx, username)
	if err != nil {
		return nil, err
	}
	if _, err := p.group(ctx, group); err != nil {
		return nil, err
	}
	gs, err := p.store.ListGroupsForUser(ctx, p.cfg.ID, u.Sub)
	if err != nil {
		return nil, internalErr("add to group", err)
	}
	if len(gs) >= maxGroupsPerUser && !slices.ContainsFunc(gs, func(g store.Group) bool { return g.Name == group }) {
		return nil, newErr(CodeLimitExceeded, "A user can be in at most 100 groups.")
	}
	if err := p.store.AddUserToGroup(ctx, p.cfg.ID, u.Sub, group); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, newErr(CodeResourceNotFound, "Group not found.")
		}
		return nil, internalErr("add to group", err)
	}
	return &AdminAddUserToGroupOutput{}, nil
}

// AdminRemoveUserFromGroupInput is AdminRemoveUserFromGroup's request.
type AdminRemoveUserFromGroupInput struct {
	Username  string
	GroupName string
}

// AdminRemoveUserFromGroupOutput is AdminRemoveUserFromGroup's answer; it carries nothing.
type AdminRemoveUserFromGroupOutput struct{}

// AdminRemoveUserFromGroup removes a user from a group.
func (p *UserPool) AdminRemoveUserFromGroup(ctx context.Context, in AdminRemoveUserFromGroupInput) (_ *AdminRemoveUserFromGroupOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminRemoveUserFromGroup", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	ob.target(in.GroupName)
	username := in.Username
	group := in.GroupName
	u, err := p.adminUser(ctx, username)
	if err != nil {
		return nil, err
	}
	if _, err := p.group(ctx, group); err != nil {
		return nil, err
	}
	if err := p.store.RemoveUserFromGroup(ctx, p.cfg.ID, u.Sub, group); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, newErr(CodeResourceNotFound, "Group not found.")
		}
		return nil, internalErr("remove from group", err)
	}
	return &AdminRemoveUserFromGroupOutput{}, nil
}

// AdminListGroupsForUserInput is AdminListGroupsForUser's request.
type AdminListGroupsForUserInput struct {
	Username  string
	Limit     int // 1–60; zero means 60
	NextToken string
}

// AdminListGroupsForUserOutput is AdminListGroupsForUser's answer; it has
// ListGroups' fields.
type AdminListGroupsForUserOutput = ListGroupsOutput

// AdminListGroupsForUser lists a user's groups by name.
func (p *UserPool) AdminListGroupsForUser(ctx context.Context, in AdminListGroupsForUserInput) (_ *AdminListGroupsForUserOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminListGroupsForUser", "")
	defer func() { ob.finish(ctx, err) }()
	username := in.Username
	limit, err := pageLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	u, err := p.adminUser(ctx, username)
	if err != nil {
		return nil, err
	}
	kind := "user-groups:" + u.Sub
	_, after, err := p.decodePage(kind, in.NextToken)
	if err != nil {
		return nil, err
	}
	gs, err := p.store.ListGroupsForUser(ctx, p.cfg.ID, u.Sub)
	if err != nil {
		return nil, internalErr("list groups for user", err)
	}
	i := sort.Search(len(gs), func(i int) bool { return gs[i].Name > after })
	gs = gs[i:]
	out := &ListGroupsOutput{}
	if len(gs) > limit {
		gs = gs[:limit]
		if out.NextToken, err = p.encodePage(kind, "", gs[limit-1].Name); err != nil {
			return nil, err
		}
	}
	for _, g := range gs {
		out.Groups = append(out.Groups, groupType(g))
	}
	return out, nil
}

// ListUsersInGroupInput pages through a group's members.
type ListUsersInGroupInput struct {
	GroupName string
	Limit     int
	NextToken string
}

// ListUsersInGroupOutput is a page of members.
type ListUsersInGroupOutput struct {
	Users     []UserType
	NextToken string
}

// ListUsersInGroup lists a group's members.
func (p *UserPool) ListUsersInGroup(ctx context.Context, in ListUsersInGroupInput) (*ListUsersInGroupOutput, error) {
	limit, err := pageLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	if _, err := p.group(ctx, in.GroupName); err != nil {
		return nil, err
	}
	kind := "group-users:" + in.GroupName
	_, after, err := p.decodePage(kind, in.NextToken)
	if err != nil {
		return nil, err
	}
	us, err := p.store.ListUsersInGroup(ctx, p.cfg.ID, in.GroupName, after, limit+1)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr(CodeResourceNotFound, "Group not found.")
	}
	if err != nil {
		return nil, internalErr("list users in group", err)
	}
	out := &ListUsersInGroupOutput{}
	if len(us) > limit {
		us = us[:limit]
		if out.NextToken, err = p.encodePage(kind, "", us[limit-1].Sub); err != nil {
			return nil, err
		}
	}
	for _, u := range us {
		out.Users = append(out.Users, *userType(u))
	}
	return out, nil
}

// tokenGroups returns a user's group names ordered by precedence (then
// name), the roles, and the preferred role (of the first group that has
// one), as Cognito puts them in tokens.
func (p *UserPool) tokenGroups(ctx context.Context, sub string) (names, roles []string, preferred string, err error) {
	gs, err := p.store.ListGroupsForUser(ctx, p.cfg.ID, sub)
	if err != nil {
		return nil, nil, "", internalErr("groups for token", err)
	}
	sort.SliceStable(gs, func(i, j int) bool {
		a, b := gs[i].Precedence, gs[j].Precedence
		if (a < 0) != (b < 0) {
			return b < 0
		}
		if a != b {
			return a < b
		}
		return gs[i].Name < gs[j].Name
	})
	for _, g := range gs {
		names = append(names, g.Name)
		if g.RoleArn != "" {
			roles = append(roles, g.RoleArn)
			if preferred == "" {
				preferred = g.RoleArn
			}
		}
	}
	return names, roles, preferred, nil
}
