package cognitoapi

import (
	"context"

	"github.com/cupola-auth/cupola/userpool"
)

// Users as an administrator sees them: signed, by UserPoolId.

// usernameRequest is the request of the admin actions that name a user.
type usernameRequest struct {
	UserPoolID string `json:"UserPoolId"`
	Username   string `json:"Username"`
}

type adminCreateUserRequest struct {
	UserPoolID             string            `json:"UserPoolId"`
	Username               string            `json:"Username"`
	UserAttributes         []attributeType   `json:"UserAttributes"`
	ValidationData         []attributeType   `json:"ValidationData"`
	TemporaryPassword      string            `json:"TemporaryPassword"`
	ForceAliasCreation     bool              `json:"ForceAliasCreation"`
	MessageAction          string            `json:"MessageAction"`
	DesiredDeliveryMediums []string          `json:"DesiredDeliveryMediums"`
	ClientMetadata         map[string]string `json:"ClientMetadata"`
}

func adminCreateUser(ctx context.Context, h *handler, in *adminCreateUserRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.AdminCreateUser(ctx, userpool.AdminCreateUserInput{Username: in.Username, UserAttributes: attributesIn(in.UserAttributes),
		ValidationData: attributesIn(in.ValidationData), TemporaryPassword: in.TemporaryPassword, MessageAction: in.MessageAction,
		DesiredDeliveryMediums: in.DesiredDeliveryMediums, ClientMetadata: in.ClientMetadata})
	if err != nil {
		return nil, err
	}
	return struct {
		User *userType `json:"User"`
	}{user(out.UserType)}, nil
}

type adminGetUserResponse struct {
	Username             string          `json:"Username"`
	UserAttributes       []attributeType `json:"UserAttributes"`
	UserCreateDate       *epoch          `json:"UserCreateDate,omitempty"`
	UserLastModifiedDate *epoch          `json:"UserLastModifiedDate,omitempty"`
	Enabled              bool            `json:"Enabled"`
	UserStatus           string          `json:"UserStatus,omitempty"`
}

func adminGetUser(ctx context.Context, h *handler, in *usernameRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.AdminGetUser(ctx, userpool.AdminGetUserInput{Username: in.Username})
	if err != nil {
		return nil, err
	}
	u := user(out.UserType)
	return adminGetUserResponse{Username: u.Username, UserAttributes: u.Attributes, UserCreateDate: u.UserCreateDate,
		UserLastModifiedDate: u.UserLastModifiedDate, Enabled: u.Enabled, UserStatus: u.UserStatus}, nil
}

// adminUserAction runs an admin action that names a user and answers
// nothing.
func adminUserAction(ctx context.Context, h *handler, in *usernameRequest, call func(p *userpool.UserPool, username string) error) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if err := call(p, in.Username); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func adminDeleteUser(ctx context.Context, h *handler, in *usernameRequest) (any, error) {
	return adminUserAction(ctx, h, in, func(p *userpool.UserPool, u string) error {
		_, err := p.AdminDeleteUser(ctx, userpool.AdminDeleteUserInput{Username: u})
		return err
	})
}

func adminDisableUser(ctx context.Context, h *handler, in *usernameRequest) (any, error) {
	return adminUserAction(ctx, h, in, func(p *userpool.UserPool, u string) error {
		_, err := p.AdminDisableUser(ctx, userpool.AdminDisableUserInput{Username: u})
		return err
	})
}

func adminEnableUser(ctx context.Context, h *handler, in *usernameRequest) (any, error) {
	return adminUserAction(ctx, h, in, func(p *userpool.UserPool, u string) error {
		_, err := p.AdminEnableUser(ctx, userpool.AdminEnableUserInput{Username: u})
		return err
	})
}

func adminConfirmSignUp(ctx context.Context, h *handler, in *usernameRequest) (any, error) {
	return adminUserAction(ctx, h, in, func(p *userpool.UserPool, u string) error {
		_, err := p.AdminConfirmSignUp(ctx, userpool.AdminConfirmSignUpInput{Username: u})
		return err
	})
}

func adminResetUserPassword(ctx context.Context, h *handler, in *usernameRequest) (any, error) {
	return adminUserAction(ctx, h, in, func(p *userpool.UserPool, u string) error {
		_, err := p.AdminResetUserPassword(ctx, userpool.AdminResetUserPasswordInput{Username: u})
		return err
	})
}

func adminUserGlobalSignOut(ctx context.Context, h *handler, in *usernameRequest) (any, error) {
	return adminUserAction(ctx, h, in, func(p *userpool.UserPool, u string) error {
		_, err := p.AdminUserGlobalSignOut(ctx, userpool.AdminUserGlobalSignOutInput{Username: u})
		return err
	})
}

type adminSetUserPasswordRequest struct {
	UserPoolID string `json:"UserPoolId"`
	Username   string `json:"Username"`
	Password   string `json:"Password"`
	Permanent  bool   `json:"Permanent"`
}

func adminSetUserPassword(ctx context.Context, h *handler, in *adminSetUserPasswordRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if _, err := p.AdminSetUserPassword(ctx, userpool.AdminSetUserPasswordInput{Username: in.Username, Password: in.Password, Permanent: in.Permanent}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

type adminUpdateUserAttributesRequest struct {
	UserPoolID     string            `json:"UserPoolId"`
	Username       string            `json:"Username"`
	UserAttributes []attributeType   `json:"UserAttributes"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

func adminUpdateUserAttributes(ctx context.Context, h *handler, in *adminUpdateUserAttributesRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if _, err := p.AdminUpdateUserAttributes(ctx, userpool.AdminUpdateUserAttributesInput{Username: in.Username,
		UserAttributes: attributesIn(in.UserAttributes), ClientMetadata: in.ClientMetadata}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

type listUsersRequest struct {
	UserPoolID      string   `json:"UserPoolId"`
	Filter          string   `json:"Filter"`
	AttributesToGet []string `json:"AttributesToGet"`
	Limit           int      `json:"Limit"`
	PaginationToken string   `json:"PaginationToken"`
}

func listUsers(ctx context.Context, h *handler, in *listUsersRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.ListUsers(ctx, userpool.ListUsersInput{Filter: in.Filter, AttributesToGet: in.AttributesToGet, Limit: in.Limit,
		PaginationToken: in.PaginationToken})
	if err != nil {
		return nil, err
	}
	users := []*userType{}
	for i := range out.Users {
		users = append(users, user(&out.Users[i]))
	}
	return struct {
		Users           []*userType `json:"Users"`
		PaginationToken string      `json:"PaginationToken,omitempty"`
	}{users, out.PaginationToken}, nil
}
