package cognitoapi

import (
	"context"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// App clients: signed, by UserPoolId.
//
// Token lifetimes travel as numbers in TokenValidityUnits (Cognito's
// defaults: hours for the access and ID tokens, days for the refresh
// token); a lifetime the client does not set is the pool's and is left out
// of the answer. AllowedOAuthFlowsUserPoolClient false leaves the client
// without OAuth flows, as it leaves a Cognito client unable to use them;
// the answer says true when the client has some. CodeWithoutPKCE, which
// Cognito lacks, is kept across an UpdateUserPoolClient. Cognito's
// AnalyticsConfiguration, DefaultRedirectURI and
// EnablePropagateAdditionalUserContextData are not kept.

type tokenValidityUnitsType struct {
	AccessToken  string `json:"AccessToken,omitempty"`
	IDToken      string `json:"IdToken,omitempty"`
	RefreshToken string `json:"RefreshToken,omitempty"`
}

type refreshTokenRotationType struct {
	Feature                 string `json:"Feature"`
	RetryGracePeriodSeconds *int32 `json:"RetryGracePeriodSeconds,omitempty"`
}

// userPoolClientRequest is CreateUserPoolClient's and UpdateUserPoolClient's
// request.
type userPoolClientRequest struct {
	UserPoolID                      string                    `json:"UserPoolId"`
	ClientID                        string                    `json:"ClientId"` // Update only
	ClientName                      string                    `json:"ClientName"`
	GenerateSecret                  bool                      `json:"GenerateSecret"` // Create only
	ClientSecret                    string                    `json:"ClientSecret"`   // Create only; refused
	ExplicitAuthFlows               []string                  `json:"ExplicitAuthFlows"`
	ReadAttributes                  []string                  `json:"ReadAttributes"`
	WriteAttributes                 []string                  `json:"WriteAttributes"`
	AccessTokenValidity             *int32                    `json:"AccessTokenValidity"`
	IDTokenValidity                 *int32                    `json:"IdTokenValidity"`
	RefreshTokenValidity            int32                     `json:"RefreshTokenValidity"`
	TokenValidityUnits              *tokenValidityUnitsType   `json:"TokenValidityUnits"`
	AuthSessionValidity             *int32                    `json:"AuthSessionValidity"`
	PreventUserExistenceErrors      string                    `json:"PreventUserExistenceErrors"`
	EnableTokenRevocation           *bool                     `json:"EnableTokenRevocation"`
	RefreshTokenRotation            *refreshTokenRotationType `json:"RefreshTokenRotation"`
	CallbackURLs                    []string                  `json:"CallbackURLs"`
	LogoutURLs                      []string                  `json:"LogoutURLs"`
	AllowedOAuthFlows               []string                  `json:"AllowedOAuthFlows"`
	AllowedOAuthScopes              []string                  `json:"AllowedOAuthScopes"`
	AllowedOAuthFlowsUserPoolClient bool                      `json:"AllowedOAuthFlowsUserPoolClient"`
	SupportedIdentityProviders      []string                  `json:"SupportedIdentityProviders"`
}

var timeUnits = map[string]time.Duration{"seconds": time.Second, "minutes": time.Minute, "hours": time.Hour, "days": 24 * time.Hour}

// validityIn is a lifetime of v units (def when unit is empty); zero
// means the pool's.
func validityIn(name string, v int32, unit, def string) (time.Duration, error) {
	if unit == "" {
		unit = def
	}
	u, ok := timeUnits[unit]
	if !ok {
		return 0, paramErr("TokenValidityUnits." + name + " must be seconds, minutes, hours or days")
	}
	if v < 0 || int64(v) > int64(3650*24*time.Hour/u) {
		return 0, paramErr(name + "Validity is out of range")
	}
	return time.Duration(v) * u, nil
}

func int32Of(v *int32) int32 {
	if v == nil {
		return 0
	}
	return *v
}

// validityOut is d in the largest unit that expresses it exactly.
func validityOut(d time.Duration) (int32, string) {
	for _, u := range []string{"days", "hours", "minutes", "seconds"} {
		if d%timeUnits[u] == 0 {
			return int32(d / timeUnits[u]), u
		}
	}
	return int32(d / time.Second), "seconds"
}

// config is the request as the pool's ClientConfig.
func (in *userPoolClientRequest) config() (userpool.ClientConfig, error) {
	c := userpool.ClientConfig{ClientName: in.ClientName, GenerateSecret: in.GenerateSecret,
		ExplicitAuthFlows: in.ExplicitAuthFlows, ReadAttributes: in.ReadAttributes, WriteAttributes: in.WriteAttributes,
		PreventUserExistenceErrors: in.PreventUserExistenceErrors, CallbackURLs: in.CallbackURLs, LogoutURLs: in.LogoutURLs,
		AllowedOAuthScopes: in.AllowedOAuthScopes, SupportedIdentityProviders: in.SupportedIdentityProviders}
	if in.AllowedOAuthFlowsUserPoolClient {
		c.AllowedOAuthFlows = in.AllowedOAuthFlows
	}
	units := in.TokenValidityUnits
	if units == nil {
		units = &tokenValidityUnitsType{}
	}
	var err error
	if c.AccessTokenValidity, err = validityIn("AccessToken", int32Of(in.AccessTokenValidity), units.AccessToken, "hours"); err != nil {
		return c, err
	}
	if c.IDTokenValidity, err = validityIn("IdToken", int32Of(in.IDTokenValidity), units.IDToken, "hours"); err != nil {
		return c, err
	}
	if c.RefreshTokenValidity, err = validityIn("RefreshToken", in.RefreshTokenValidity, units.RefreshToken, "days"); err != nil {
		return c, err
	}
	if v := in.AuthSessionValidity; v != nil {
		if *v < 3 || *v > 15 {
			return c, paramErr("AuthSessionValidity must be 3-15 minutes")
		}
		c.AuthSessionValidity = time.Duration(*v) * time.Minute
	}
	if in.EnableTokenRevocation != nil {
		c.DisableTokenRevocation = !*in.EnableTokenRevocation
	}
	if r := in.RefreshTokenRotation; r != nil {
		switch r.Feature {
		case "ENABLED":
			c.RefreshTokenRotation = true
		case "DISABLED":
		default:
			return c, paramErr("RefreshTokenRotation.Feature must be ENABLED or DISABLED")
		}
		if r.RetryGracePeriodSeconds != nil {
			c.RetryGracePeriod = time.Duration(*r.RetryGracePeriodSeconds) * time.Second
		}
	}
	return c, nil
}

// userPoolClientType is Cognito's UserPoolClientType.
type userPoolClientType struct {
	UserPoolID                      string                    `json:"UserPoolId"`
	ClientName                      string                    `json:"ClientName"`
	ClientID                        string                    `json:"ClientId"`
	ClientSecret                    string                    `json:"ClientSecret,omitempty"`
	CreationDate                    *epoch                    `json:"CreationDate,omitempty"`
	LastModifiedDate                *epoch                    `json:"LastModifiedDate,omitempty"`
	AccessTokenValidity             *int32                    `json:"AccessTokenValidity,omitempty"`
	IDTokenValidity                 *int32                    `json:"IdTokenValidity,omitempty"`
	RefreshTokenValidity            int32                     `json:"RefreshTokenValidity,omitempty"`
	TokenValidityUnits              *tokenValidityUnitsType   `json:"TokenValidityUnits,omitempty"`
	AuthSessionValidity             int32                     `json:"AuthSessionValidity,omitempty"`
	ReadAttributes                  []string                  `json:"ReadAttributes,omitempty"`
	WriteAttributes                 []string                  `json:"WriteAttributes,omitempty"`
	ExplicitAuthFlows               []string                  `json:"ExplicitAuthFlows,omitempty"`
	SupportedIdentityProviders      []string                  `json:"SupportedIdentityProviders,omitempty"`
	CallbackURLs                    []string                  `json:"CallbackURLs,omitempty"`
	LogoutURLs                      []string                  `json:"LogoutURLs,omitempty"`
	AllowedOAuthFlows               []string                  `json:"AllowedOAuthFlows,omitempty"`
	AllowedOAuthScopes              []string                  `json:"AllowedOAuthScopes,omitempty"`
	AllowedOAuthFlowsUserPoolClient bool                      `json:"AllowedOAuthFlowsUserPoolClient"`
	PreventUserExistenceErrors      string                    `json:"PreventUserExistenceErrors,omitempty"`
	EnableTokenRevocation           bool                      `json:"EnableTokenRevocation"`
	RefreshTokenRotation            *refreshTokenRotationType `json:"RefreshTokenRotation,omitempty"`
}

func userPoolClient(poolID string, d *userpool.ClientDescription) *userPoolClientType {
	if d == nil {
		return nil
	}
	out := &userPoolClientType{UserPoolID: poolID, ClientName: d.ClientName, ClientID: d.ClientID, ClientSecret: d.ClientSecret,
		CreationDate: when(d.CreationDate), LastModifiedDate: when(d.LastModifiedDate),
		AuthSessionValidity: int32(d.AuthSessionValidity / time.Minute), ReadAttributes: d.ReadAttributes,
		WriteAttributes: d.WriteAttributes, ExplicitAuthFlows: d.ExplicitAuthFlows, SupportedIdentityProviders: d.SupportedIdentityProviders,
		CallbackURLs: d.CallbackURLs, LogoutURLs: d.LogoutURLs, AllowedOAuthFlows: d.AllowedOAuthFlows,
		AllowedOAuthScopes: d.AllowedOAuthScopes, AllowedOAuthFlowsUserPoolClient: len(d.AllowedOAuthFlows) > 0,
		PreventUserExistenceErrors: d.PreventUserExistenceErrors, EnableTokenRevocation: !d.DisableTokenRevocation}
	units := tokenValidityUnitsType{}
	if d.AccessTokenValidity > 0 {
		v, u := validityOut(d.AccessTokenValidity)
		out.AccessTokenValidity, units.AccessToken = &v, u
	}
	if d.IDTokenValidity > 0 {
		v, u := validityOut(d.IDTokenValidity)
		out.IDTokenValidity, units.IDToken = &v, u
	}
	if d.RefreshTokenValidity > 0 {
		out.RefreshTokenValidity, units.RefreshToken = validityOut(d.RefreshTokenValidity)
	}
	if units != (tokenValidityUnitsType{}) {
		out.TokenValidityUnits = &units
	}
	rotation := &refreshTokenRotationType{Feature: "DISABLED"}
	if d.RefreshTokenRotation {
		grace := int32(d.RetryGracePeriod / time.Second)
		rotation = &refreshTokenRotationType{Feature: "ENABLED", RetryGracePeriodSeconds: &grace}
	}
	out.RefreshTokenRotation = rotation
	return out
}

type userPoolClientResponse struct {
	UserPoolClient *userPoolClientType `json:"UserPoolClient"`
}

// createUserPoolClient answers the generated ClientSecret this once.
func createUserPoolClient(ctx context.Context, h *handler, in *userPoolClientRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if in.ClientSecret != "" {
		return nil, paramErr("ClientSecret cannot be chosen: set GenerateSecret and the pool generates one")
	}
	c, err := in.config()
	if err != nil {
		return nil, err
	}
	out, err := p.CreateUserPoolClient(ctx, c)
	if err != nil {
		return nil, err
	}
	return userPoolClientResponse{userPoolClient(p.ID(), out.ClientDescription)}, nil
}

type clientIDRequest struct {
	UserPoolID string `json:"UserPoolId"`
	ClientID   string `json:"ClientId"`
}

// describeUserPoolClient never answers the secret: the pool keeps it
// sealed and shows it only when it is created.
func describeUserPoolClient(ctx context.Context, h *handler, in *clientIDRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.DescribeUserPoolClient(ctx, userpool.DescribeUserPoolClientInput{ClientID: in.ClientID})
	if err != nil {
		return nil, err
	}
	return userPoolClientResponse{userPoolClient(p.ID(), out.ClientDescription)}, nil
}

// updateUserPoolClient replaces the client's settings, as Cognito does (a
// field left out returns to its default), except CodeWithoutPKCE, which
// Cognito's request cannot carry.
func updateUserPoolClient(ctx context.Context, h *handler, in *userPoolClientRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	in.GenerateSecret = false
	c, err := in.config()
	if err != nil {
		return nil, err
	}
	if in.ClientID == "" {
		return nil, paramErr("Missing required parameter ClientId")
	}
	cur, err := p.DescribeUserPoolClient(ctx, userpool.DescribeUserPoolClientInput{ClientID: in.ClientID})
	if err != nil {
		return nil, err
	}
	c.ClientID, c.CodeWithoutPKCE = in.ClientID, cur.CodeWithoutPKCE
	out, err := p.UpdateUserPoolClient(ctx, c)
	if err != nil {
		return nil, err
	}
	return userPoolClientResponse{userPoolClient(p.ID(), out.ClientDescription)}, nil
}

func deleteUserPoolClient(ctx context.Context, h *handler, in *clientIDRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if _, err := p.DeleteUserPoolClient(ctx, userpool.DeleteUserPoolClientInput{ClientID: in.ClientID}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

type pageRequest struct {
	UserPoolID string `json:"UserPoolId"`
	MaxResults int    `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}

type userPoolClientDescription struct {
	ClientID   string `json:"ClientId"`
	UserPoolID string `json:"UserPoolId"`
	ClientName string `json:"ClientName"`
}

func listUserPoolClients(ctx context.Context, h *handler, in *pageRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.ListUserPoolClients(ctx, userpool.ListUserPoolClientsInput{MaxResults: in.MaxResults, NextToken: in.NextToken})
	if err != nil {
		return nil, err
	}
	list := []userPoolClientDescription{}
	for _, c := range out.UserPoolClients {
		list = append(list, userPoolClientDescription{ClientID: c.ClientID, UserPoolID: p.ID(), ClientName: c.ClientName})
	}
	return struct {
		UserPoolClients []userPoolClientDescription `json:"UserPoolClients"`
		NextToken       string                      `json:"NextToken,omitempty"`
	}{list, out.NextToken}, nil
}
