package cognitoapi

import (
	"context"

	"github.com/cupola-auth/cupola/userpool"
)

// Verifying the signed-in user's email or phone number (public, by
// AccessToken) and deleting a user's attributes (signed, by UserPoolId).

type attributeVerificationRequest struct {
	AccessToken   string `json:"AccessToken"`
	AttributeName string `json:"AttributeName"`
	Code          string `json:"Code"` // VerifyUserAttribute
	// ClientMetadata is accepted and not used: the pool's custom message
	// trigger does not receive it here.
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

func getUserAttributeVerificationCode(ctx context.Context, h *handler, in *attributeVerificationRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	out, err := p.GetUserAttributeVerificationCode(ctx, userpool.GetUserAttributeVerificationCodeInput{AccessToken: in.AccessToken,
		AttributeName: in.AttributeName})
	if err != nil {
		return nil, err
	}
	return codeDeliveryResponse{delivery(out.CodeDeliveryDetails)}, nil
}

func verifyUserAttribute(ctx context.Context, h *handler, in *attributeVerificationRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	if _, err := p.VerifyUserAttribute(ctx, userpool.VerifyUserAttributeInput{AccessToken: in.AccessToken,
		AttributeName: in.AttributeName, Code: in.Code}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

type adminDeleteUserAttributesRequest struct {
	UserPoolID         string   `json:"UserPoolId"`
	Username           string   `json:"Username"`
	UserAttributeNames []string `json:"UserAttributeNames"`
}

func adminDeleteUserAttributes(ctx context.Context, h *handler, in *adminDeleteUserAttributesRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if _, err := p.AdminDeleteUserAttributes(ctx, userpool.AdminDeleteUserAttributesInput{Username: in.Username,
		UserAttributeNames: in.UserAttributeNames}); err != nil {
		return nil, err
	}
	return empty{}, nil
}
