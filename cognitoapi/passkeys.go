package cognitoapi

import (
	"context"
	"encoding/json"

	"github.com/cupola-auth/cupola/userpool"
)

// Passkeys: public, authorized by an AccessToken. The options and the
// credential travel as JSON documents, as Cognito sends them.

func startWebAuthnRegistration(ctx context.Context, h *handler, in *accessTokenRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	out, err := p.StartWebAuthnRegistration(ctx, userpool.StartWebAuthnRegistrationInput{AccessToken: in.AccessToken})
	if err != nil {
		return nil, err
	}
	return struct {
		CredentialCreationOptions json.RawMessage `json:"CredentialCreationOptions"`
	}{out.CredentialCreationOptions}, nil
}

type completeWebAuthnRegistrationRequest struct {
	AccessToken string          `json:"AccessToken"`
	Credential  json.RawMessage `json:"Credential"`
}

func completeWebAuthnRegistration(ctx context.Context, h *handler, in *completeWebAuthnRegistrationRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	if _, err := p.CompleteWebAuthnRegistration(ctx, userpool.CompleteWebAuthnRegistrationInput{AccessToken: in.AccessToken, Credential: in.Credential}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

type listWebAuthnCredentialsRequest struct {
	AccessToken string `json:"AccessToken"`
	MaxResults  int    `json:"MaxResults"`
	NextToken   string `json:"NextToken"`
}

type webAuthnCredentialDescription struct {
	CredentialID            string   `json:"CredentialId"`
	FriendlyCredentialName  string   `json:"FriendlyCredentialName"`
	RelyingPartyID          string   `json:"RelyingPartyId"`
	AuthenticatorAttachment string   `json:"AuthenticatorAttachment,omitempty"`
	AuthenticatorTransports []string `json:"AuthenticatorTransports"`
	CreatedAt               *epoch   `json:"CreatedAt"`
}

func listWebAuthnCredentials(ctx context.Context, h *handler, in *listWebAuthnCredentialsRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	out, err := p.ListWebAuthnCredentials(ctx, userpool.ListWebAuthnCredentialsInput{AccessToken: in.AccessToken,
		MaxResults: in.MaxResults, NextToken: in.NextToken})
	if err != nil {
		return nil, err
	}
	creds := []webAuthnCredentialDescription{}
	for _, c := range out.Credentials {
		t := c.AuthenticatorTransports
		if t == nil {
			t = []string{}
		}
		creds = append(creds, webAuthnCredentialDescription{CredentialID: c.CredentialID, FriendlyCredentialName: c.FriendlyCredentialName,
			RelyingPartyID: c.RelyingPartyID, AuthenticatorAttachment: c.AuthenticatorAttachment, AuthenticatorTransports: t,
			CreatedAt: when(c.CreatedAt)})
	}
	return struct {
		Credentials []webAuthnCredentialDescription `json:"Credentials"`
		NextToken   string                          `json:"NextToken,omitempty"`
	}{creds, out.NextToken}, nil
}

type deleteWebAuthnCredentialRequest struct {
	AccessToken  string `json:"AccessToken"`
	CredentialID string `json:"CredentialId"`
}

func deleteWebAuthnCredential(ctx context.Context, h *handler, in *deleteWebAuthnCredentialRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	if _, err := p.DeleteWebAuthnCredential(ctx, userpool.DeleteWebAuthnCredentialInput{AccessToken: in.AccessToken, CredentialID: in.CredentialID}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func getUserAuthFactors(ctx context.Context, h *handler, in *accessTokenRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	out, err := p.GetUserAuthFactors(ctx, userpool.GetUserAuthFactorsInput{AccessToken: in.AccessToken})
	if err != nil {
		return nil, err
	}
	return struct {
		Username                  string   `json:"Username"`
		PreferredMfaSetting       string   `json:"PreferredMfaSetting,omitempty"`
		UserMFASettingList        []string `json:"UserMFASettingList,omitempty"`
		ConfiguredUserAuthFactors []string `json:"ConfiguredUserAuthFactors,omitempty"`
	}{out.Username, out.PreferredMfaSetting, out.UserMFASettingList, out.ConfiguredUserAuthFactors}, nil
}
