package cognitoapi

import (
	"context"

	"github.com/cupola-auth/cupola/userpool"
)

// Sign-up, confirmation and password reset: public, by ClientId.

type signUpRequest struct {
	ClientID        string               `json:"ClientId"`
	SecretHash      string               `json:"SecretHash"`
	Username        string               `json:"Username"`
	Password        string               `json:"Password"`
	UserAttributes  []attributeType      `json:"UserAttributes"`
	ValidationData  []attributeType      `json:"ValidationData"`
	ClientMetadata  map[string]string    `json:"ClientMetadata"`
	UserContextData *userContextDataType `json:"UserContextData"`
}

type signUpResponse struct {
	UserConfirmed       bool                     `json:"UserConfirmed"`
	UserSub             string                   `json:"UserSub"`
	CodeDeliveryDetails *codeDeliveryDetailsType `json:"CodeDeliveryDetails,omitempty"`
	Session             string                   `json:"Session,omitempty"`
}

func signUp(ctx context.Context, h *handler, in *signUpRequest) (any, error) {
	p, err := h.poolByClient(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	out, err := p.SignUp(ctx, userpool.SignUpInput{ClientID: in.ClientID, SecretHash: in.SecretHash, Username: in.Username,
		Password: in.Password, UserAttributes: attributesIn(in.UserAttributes), ValidationData: attributesIn(in.ValidationData),
		ClientMetadata: in.ClientMetadata, UserContextData: in.UserContextData.pool()})
	if err != nil {
		return nil, err
	}
	return signUpResponse{UserConfirmed: out.UserConfirmed, UserSub: out.UserSub, CodeDeliveryDetails: delivery(out.CodeDeliveryDetails),
		Session: out.Session}, nil
}

type confirmSignUpRequest struct {
	ClientID           string               `json:"ClientId"`
	SecretHash         string               `json:"SecretHash"`
	Username           string               `json:"Username"`
	ConfirmationCode   string               `json:"ConfirmationCode"`
	ForceAliasCreation bool                 `json:"ForceAliasCreation"`
	ClientMetadata     map[string]string    `json:"ClientMetadata"`
	UserContextData    *userContextDataType `json:"UserContextData"`
	Session            string               `json:"Session"`
}

func confirmSignUp(ctx context.Context, h *handler, in *confirmSignUpRequest) (any, error) {
	p, err := h.poolByClient(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	out, err := p.ConfirmSignUp(ctx, userpool.ConfirmSignUpInput{ClientID: in.ClientID, SecretHash: in.SecretHash, Username: in.Username,
		ConfirmationCode: in.ConfirmationCode, ClientMetadata: in.ClientMetadata, UserContextData: in.UserContextData.pool(),
		Session: in.Session})
	if err != nil {
		return nil, err
	}
	return struct {
		Session string `json:"Session,omitempty"`
	}{out.Session}, nil
}

// codeRequest is ResendConfirmationCode's and ForgotPassword's request.
type codeRequest struct {
	ClientID        string               `json:"ClientId"`
	SecretHash      string               `json:"SecretHash"`
	Username        string               `json:"Username"`
	ClientMetadata  map[string]string    `json:"ClientMetadata"`
	UserContextData *userContextDataType `json:"UserContextData"`
}

type codeDeliveryResponse struct {
	CodeDeliveryDetails *codeDeliveryDetailsType `json:"CodeDeliveryDetails,omitempty"`
}

func resendConfirmationCode(ctx context.Context, h *handler, in *codeRequest) (any, error) {
	p, err := h.poolByClient(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	out, err := p.ResendConfirmationCode(ctx, userpool.ResendConfirmationCodeInput{ClientID: in.ClientID, SecretHash: in.SecretHash,
		Username: in.Username, ClientMetadata: in.ClientMetadata, UserContextData: in.UserContextData.pool()})
	if err != nil {
		return nil, err
	}
	return codeDeliveryResponse{delivery(out.CodeDeliveryDetails)}, nil
}

func forgotPassword(ctx context.Context, h *handler, in *codeRequest) (any, error) {
	p, err := h.poolByClient(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	out, err := p.ForgotPassword(ctx, userpool.ForgotPasswordInput{ClientID: in.ClientID, SecretHash: in.SecretHash,
		Username: in.Username, ClientMetadata: in.ClientMetadata, UserContextData: in.UserContextData.pool()})
	if err != nil {
		return nil, err
	}
	return codeDeliveryResponse{delivery(out.CodeDeliveryDetails)}, nil
}

type confirmForgotPasswordRequest struct {
	ClientID         string               `json:"ClientId"`
	SecretHash       string               `json:"SecretHash"`
	Username         string               `json:"Username"`
	ConfirmationCode string               `json:"ConfirmationCode"`
	Password         string               `json:"Password"`
	ClientMetadata   map[string]string    `json:"ClientMetadata"`
	UserContextData  *userContextDataType `json:"UserContextData"`
}

func confirmForgotPassword(ctx context.Context, h *handler, in *confirmForgotPasswordRequest) (any, error) {
	p, err := h.poolByClient(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	if _, err := p.ConfirmForgotPassword(ctx, userpool.ConfirmForgotPasswordInput{ClientID: in.ClientID, SecretHash: in.SecretHash,
		Username: in.Username, ConfirmationCode: in.ConfirmationCode, Password: in.Password, ClientMetadata: in.ClientMetadata,
		UserContextData: in.UserContextData.pool()}); err != nil {
		return nil, err
	}
	return empty{}, nil
}
