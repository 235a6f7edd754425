package cognitoapi

import (
	"context"

	"github.com/cupola-auth/cupola/userpool"
)

// Sign-in: InitiateAuth and RespondToAuthChallenge (public, by ClientId),
// their Admin twins (signed, by UserPoolId), refresh and revocation.

type initiateAuthRequest struct {
	AuthFlow        string               `json:"AuthFlow"`
	ClientID        string               `json:"ClientId"`
	AuthParameters  map[string]string    `json:"AuthParameters"`
	ClientMetadata  map[string]string    `json:"ClientMetadata"`
	UserContextData *userContextDataType `json:"UserContextData"`
	// Session continues USER_AUTH after SignUp and ConfirmSignUp.
	Session string `json:"Session"`
}

type adminInitiateAuthRequest struct {
	UserPoolID     string            `json:"UserPoolId"`
	AuthFlow       string            `json:"AuthFlow"`
	ClientID       string            `json:"ClientId"`
	AuthParameters map[string]string `json:"AuthParameters"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
	ContextData    *contextDataType  `json:"ContextData"`
	Session        string            `json:"Session"`
}

// authResponse is InitiateAuth's and RespondToAuthChallenge's answer.
type authResponse struct {
	ChallengeName        string                    `json:"ChallengeName,omitempty"`
	Session              string                    `json:"Session,omitempty"`
	ChallengeParameters  map[string]string         `json:"ChallengeParameters,omitempty"`
	AuthenticationResult *authenticationResultType `json:"AuthenticationResult,omitempty"`
	AvailableChallenges  []string                  `json:"AvailableChallenges,omitempty"`
}

func authOut(out *userpool.InitiateAuthOutput) authResponse {
	r := authResponse{ChallengeName: string(out.ChallengeName), Session: out.Session,
		ChallengeParameters: out.ChallengeParameters, AuthenticationResult: authResult(out.AuthenticationResult)}
	if out.AuthenticationResult != nil && r.ChallengeParameters == nil {
		r.ChallengeParameters = map[string]string{} // Cognito sends {} with tokens
	}
	for _, c := range out.AvailableChallenges {
		r.AvailableChallenges = append(r.AvailableChallenges, string(c))
	}
	return r
}

func initiateAuth(ctx context.Context, h *handler, in *initiateAuthRequest) (any, error) {
	p, err := h.poolByClient(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	out, err := p.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.AuthFlow(in.AuthFlow), ClientID: in.ClientID,
		AuthParameters: in.AuthParameters, ClientMetadata: in.ClientMetadata, UserContextData: in.UserContextData.pool(),
		Session: in.Session})
	if err != nil {
		return nil, err
	}
	return authOut(out), nil
}

func adminInitiateAuth(ctx context.Context, h *handler, in *adminInitiateAuthRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if in.Session != "" {
		return nil, paramErr("AdminInitiateAuth does not take a Session; sign in after sign-up with InitiateAuth")
	}
	out, err := p.AdminInitiateAuth(ctx, userpool.AdminInitiateAuthInput{AuthFlow: userpool.AuthFlow(in.AuthFlow), ClientID: in.ClientID,
		AuthParameters: in.AuthParameters, ClientMetadata: in.ClientMetadata, ContextData: in.ContextData.pool()})
	if err != nil {
		return nil, err
	}
	return authOut(out), nil
}

type respondToAuthChallengeRequest struct {
	UserPoolID         string               `json:"UserPoolId"` // Admin only
	ClientID           string               `json:"ClientId"`
	ChallengeName      string               `json:"ChallengeName"`
	Session            string               `json:"Session"`
	ChallengeResponses map[string]string    `json:"ChallengeResponses"`
	ClientMetadata     map[string]string    `json:"ClientMetadata"`
	UserContextData    *userContextDataType `json:"UserContextData"`
	ContextData        *contextDataType     `json:"ContextData"`
}

func (in *respondToAuthChallengeRequest) pool() userpool.RespondToAuthChallengeInput {
	return userpool.RespondToAuthChallengeInput{ClientID: in.ClientID, ChallengeName: userpool.ChallengeName(in.ChallengeName),
		Session: in.Session, ChallengeResponses: in.ChallengeResponses, ClientMetadata: in.ClientMetadata}
}

func respondToAuthChallenge(ctx context.Context, h *handler, in *respondToAuthChallengeRequest) (any, error) {
	p, err := h.poolByClient(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	out, err := p.RespondToAuthChallenge(ctx, in.pool())
	if err != nil {
		return nil, err
	}
	return authOut(out), nil
}

func adminRespondToAuthChallenge(ctx context.Context, h *handler, in *respondToAuthChallengeRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.AdminRespondToAuthChallenge(ctx, in.pool())
	if err != nil {
		return nil, err
	}
	return authOut(out), nil
}

type getTokensFromRefreshTokenRequest struct {
	RefreshToken   string            `json:"RefreshToken"`
	ClientID       string            `json:"ClientId"`
	ClientSecret   string            `json:"ClientSecret"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

func getTokensFromRefreshToken(ctx context.Context, h *handler, in *getTokensFromRefreshTokenRequest) (any, error) {
	p, err := h.poolByClient(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	out, err := p.GetTokensFromRefreshToken(ctx, userpool.GetTokensFromRefreshTokenInput{RefreshToken: in.RefreshToken,
		ClientID: in.ClientID, ClientSecret: in.ClientSecret, ClientMetadata: in.ClientMetadata})
	if err != nil {
		return nil, err
	}
	return struct {
		AuthenticationResult *authenticationResultType `json:"AuthenticationResult,omitempty"`
	}{authResult(out.AuthenticationResult)}, nil
}

type revokeTokenRequest struct {
	Token        string `json:"Token"`
	ClientID     string `json:"ClientId"`
	ClientSecret string `json:"ClientSecret"`
}

func revokeToken(ctx context.Context, h *handler, in *revokeTokenRequest) (any, error) {
	p, err := h.poolByClient(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	if _, err := p.RevokeToken(ctx, userpool.RevokeTokenInput{Token: in.Token, ClientID: in.ClientID, ClientSecret: in.ClientSecret}); err != nil {
		return nil, err
	}
	return empty{}, nil
}
