package cognitoapi

import (
	"context"
	"math"

	"github.com/cupola-auth/cupola/userpool"
)

// Groups: signed, by UserPoolId.

// groupType is Cognito's GroupType.
type groupType struct {
	GroupName        string `json:"GroupName"`
	UserPoolID       string `json:"UserPoolId"`
	Description      string `json:"Description,omitempty"`
	RoleArn          string `json:"RoleArn,omitempty"`
	Precedence       *int32 `json:"Precedence,omitempty"`
	CreationDate     *epoch `json:"CreationDate,omitempty"`
	LastModifiedDate *epoch `json:"LastModifiedDate,omitempty"`
}

func group(poolID string, g *userpool.GroupType) *groupType {
	if g == nil {
		return nil
	}
	out := &groupType{GroupName: g.GroupName, UserPoolID: poolID, Description: g.Description, RoleArn: g.RoleArn,
		CreationDate: when(g.CreationDate), LastModifiedDate: when(g.LastModifiedDate)}
	if g.Precedence != nil {
		p := int32(min(*g.Precedence, math.MaxInt32))
		out.Precedence = &p
	}
	return out
}

func groups(poolID string, in []userpool.GroupType) []*groupType {
	out := []*groupType{}
	for i := range in {
		out = append(out, group(poolID, &in[i]))
	}
	return out
}

func precedenceIn(p *int32) *int {
	if p == nil {
		return nil
	}
	v := int(*p)
	return &v
}

type groupRequest struct {
	UserPoolID  string  `json:"UserPoolId"`
	GroupName   string  `json:"GroupName"`
	Description *string `json:"Description"`
	RoleArn     *string `json:"RoleArn"`
	Precedence  *int32  `json:"Precedence"`
}

type groupResponse struct {
	Group *groupType `json:"Group"`
}

func optString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func createGroup(ctx context.Context, h *handler, in *groupRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.CreateGroup(ctx, userpool.CreateGroupInput{GroupName: in.GroupName, Description: optString(in.Description),
		RoleArn: optString(in.RoleArn), Precedence: precedenceIn(in.Precedence)})
	if err != nil {
		return nil, err
	}
	return groupResponse{group(p.ID(), out.GroupType)}, nil
}

func getGroup(ctx context.Context, h *handler, in *groupRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.GetGroup(ctx, userpool.GetGroupInput{GroupName: in.GroupName})
	if err != nil {
		return nil, err
	}
	return groupResponse{group(p.ID(), out.GroupType)}, nil
}

// updateGroup changes the fields the request carries and leaves the others
// as they are.
func updateGroup(ctx context.Context, h *handler, in *groupRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.UpdateGroup(ctx, userpool.UpdateGroupInput{GroupName: in.GroupName, Description: in.Description,
		RoleArn: in.RoleArn, Precedence: precedenceIn(in.Precedence)})
	if err != nil {
		return nil, err
	}
	return groupResponse{group(p.ID(), out.GroupType)}, nil
}

func deleteGroup(ctx context.Context, h *handler, in *groupRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if _, err := p.DeleteGroup(ctx, userpool.DeleteGroupInput{GroupName: in.GroupName}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

type listGroupsRequest struct {
	UserPoolID string `json:"UserPoolId"`
	Username   string `json:"Username"`  // AdminListGroupsForUser
	GroupName  string `json:"GroupName"` // ListUsersInGroup
	Limit      int    `json:"Limit"`
	NextToken  string `json:"NextToken"`
}

type listGroupsResponse struct {
	Groups    []*groupType `json:"Groups"`
	NextToken string       `json:"NextToken,omitempty"`
}

func listGroups(ctx context.Context, h *handler, in *listGroupsRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.ListGroups(ctx, userpool.ListGroupsInput{Limit: in.Limit, NextToken: in.NextToken})
	if err != nil {
		return nil, err
	}
	return listGroupsResponse{groups(p.ID(), out.Groups), out.NextToken}, nil
}

func adminListGroupsForUser(ctx context.Context, h *handler, in *listGroupsRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.AdminListGroupsForUser(ctx, userpool.AdminListGroupsForUserInput{Username: in.Username, Limit: in.Limit,
		NextToken: in.NextToken})
	if err != nil {
		return nil, err
	}
	return listGroupsResponse{groups(p.ID(), out.Groups), out.NextToken}, nil
}

func listUsersInGroup(ctx context.Context, h *handler, in *listGroupsRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.ListUsersInGroup(ctx, userpool.ListUsersInGroupInput{GroupName: in.GroupName, Limit: in.Limit,
		NextToken: in.NextToken})
	if err != nil {
		return nil, err
	}
	users := []*userType{}
	for i := range out.Users {
		users = append(users, user(&out.Users[i]))
	}
	return struct {
		Users     []*userType `json:"Users"`
		NextToken string      `json:"NextToken,omitempty"`
	}{users, out.NextToken}, nil
}

type membershipRequest struct {
	UserPoolID string `json:"UserPoolId"`
	Username   string `json:"Username"`
	GroupName  string `json:"GroupName"`
}

func adminAddUserToGroup(ctx context.Context, h *handler, in *membershipRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if _, err := p.AdminAddUserToGroup(ctx, userpool.AdminAddUserToGroupInput{Username: in.Username, GroupName: in.GroupName}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func adminRemoveUserFromGroup(ctx context.Context, h *handler, in *membershipRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if _, err := p.AdminRemoveUserFromGroup(ctx, userpool.AdminRemoveUserFromGroupInput{Username: in.Username, GroupName: in.GroupName}); err != nil {
		return nil, err
	}
	return empty{}, nil
}
