package cognitoapi

import (
	"context"

	"github.com/cupola-auth/cupola/userpool"
)

// The signed-in user's own actions: public, authorized by an AccessToken,
// sent to the pool that issued it.

type accessTokenRequest struct {
	AccessToken string `json:"AccessToken"`
}

type getUserResponse struct {
	Username       string          `json:"Username"`
	UserAttributes []attributeType `json:"UserAttributes"`
}

func getUser(ctx context.Context, h *handler, in *accessTokenRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	out, err := p.GetUser(ctx, userpool.GetUserInput{AccessToken: in.AccessToken})
	if err != nil {
		return nil, err
	}
	return getUserResponse{Username: out.Username, UserAttributes: attributesOut(out.UserAttributes)}, nil
}

type updateUserAttributesRequest struct {
	AccessToken    string            `json:"AccessToken"`
	UserAttributes []attributeType   `json:"UserAttributes"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

func updateUserAttributes(ctx context.Context, h *handler, in *updateUserAttributesRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	out, err := p.UpdateUserAttributes(ctx, userpool.UpdateUserAttributesInput{AccessToken: in.AccessToken,
		UserAttributes: attributesIn(in.UserAttributes), ClientMetadata: in.ClientMetadata})
	if err != nil {
		return nil, err
	}
	list := []codeDeliveryDetailsType{}
	for _, d := range out.CodeDeliveryDetailsList {
		list = append(list, *delivery(&d))
	}
	return struct {
		CodeDeliveryDetailsList []codeDeliveryDetailsType `json:"CodeDeliveryDetailsList"`
	}{list}, nil
}

type changePasswordRequest struct {
	AccessToken      string `json:"AccessToken"`
	PreviousPassword string `json:"PreviousPassword"`
	ProposedPassword string `json:"ProposedPassword"`
}

func changePassword(ctx context.Context, h *handler, in *changePasswordRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	if _, err := p.ChangePassword(ctx, userpool.ChangePasswordInput{AccessToken: in.AccessToken,
		PreviousPassword: in.PreviousPassword, ProposedPassword: in.ProposedPassword}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func deleteUser(ctx context.Context, h *handler, in *accessTokenRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	if _, err := p.DeleteUser(ctx, userpool.DeleteUserInput{AccessToken: in.AccessToken}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func globalSignOut(ctx context.Context, h *handler, in *accessTokenRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	if _, err := p.GlobalSignOut(ctx, userpool.GlobalSignOutInput{AccessToken: in.AccessToken}); err != nil {
		return nil, err
	}
	return empty{}, nil
}
