package cognitoapi

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cupola-auth/cupola/userpool"
)

// What Cognito's tooling reads about pools on every run: descriptions,
// MFA configuration, domains, tags and the signing certificate; and the
// legacy user settings. A pool's configuration is code (userpool.Config):
// SetUserPoolMfaConfig accepts only what the pool already has.

// arn is the pool's Amazon Resource Name as tools build and parse it.
func (h *handler) arn(poolID string) string {
	region := h.opts.Region
	if region == "" {
		region = "us-east-1"
	}
	return fmt.Sprintf("arn:aws:cognito-idp:%s:%s:userpool/%s", region, h.account(), poolID)
}

func (h *handler) account() string {
	if h.opts.AccountID != "" {
		return h.opts.AccountID
	}
	return "000000000000"
}

// poolByARN is the pool an ARN names.
func (h *handler) poolByARN(arn string) (*userpool.UserPool, error) {
	_, id, ok := strings.Cut(arn, ":userpool/")
	if !ok || !strings.HasPrefix(arn, "arn:") {
		return nil, paramErr("ResourceArn is not a user pool ARN")
	}
	return h.poolByID(id)
}

type userPoolIDRequest struct {
	UserPoolID string `json:"UserPoolId"`
}

type passwordPolicyType struct {
	MinimumLength                 int  `json:"MinimumLength"`
	RequireUppercase              bool `json:"RequireUppercase"`
	RequireLowercase              bool `json:"RequireLowercase"`
	RequireNumbers                bool `json:"RequireNumbers"`
	RequireSymbols                bool `json:"RequireSymbols"`
	TemporaryPasswordValidityDays int  `json:"TemporaryPasswordValidityDays"`
}

type schemaAttributeType struct {
	Name                   string                      `json:"Name"`
	AttributeDataType      string                      `json:"AttributeDataType"`
	Mutable                bool                        `json:"Mutable"`
	Required               bool                        `json:"Required"`
	DeveloperOnlyAttribute bool                        `json:"DeveloperOnlyAttribute"`
	StringConstraints      *stringAttributeConstraints `json:"StringAttributeConstraints,omitempty"`
}

type stringAttributeConstraints struct {
	MinLength string `json:"MinLength,omitempty"`
	MaxLength string `json:"MaxLength,omitempty"`
}

type userPoolType struct {
	ID                     string                `json:"Id"`
	Name                   string                `json:"Name"`
	Arn                    string                `json:"Arn"`
	Policies               map[string]any        `json:"Policies"`
	MfaConfiguration       string                `json:"MfaConfiguration"`
	UsernameAttributes     []string              `json:"UsernameAttributes,omitempty"`
	AliasAttributes        []string              `json:"AliasAttributes,omitempty"`
	AutoVerifiedAttributes []string              `json:"AutoVerifiedAttributes,omitempty"`
	SchemaAttributes       []schemaAttributeType `json:"SchemaAttributes"`
	UsernameConfiguration  map[string]bool       `json:"UsernameConfiguration"`
	AdminCreateUserConfig  map[string]bool       `json:"AdminCreateUserConfig"`
	DeviceConfiguration    map[string]bool       `json:"DeviceConfiguration"`
	Domain                 string                `json:"Domain,omitempty"`
	Status                 string                `json:"Status"`
	UserPoolTier           string                `json:"UserPoolTier"`
	DeletionProtection     string                `json:"DeletionProtection"`
}

func (h *handler) describe(ctx context.Context, p *userpool.UserPool) (userPoolType, error) {
	out, err := p.DescribeUserPool(ctx, userpool.DescribeUserPoolInput{})
	if err != nil {
		return userPoolType{}, err
	}
	d := out.UserPool
	pp := d.PasswordPolicy
	t := userPoolType{ID: d.ID, Name: d.Name, Arn: h.arn(d.ID), MfaConfiguration: string(d.MFAConfiguration),
		UsernameAttributes: d.UsernameAttributes, AliasAttributes: d.AliasAttributes, AutoVerifiedAttributes: d.AutoVerifiedAttributes,
		UsernameConfiguration: map[string]bool{"CaseSensitive": d.UsernameCaseSensitive},
		AdminCreateUserConfig: map[string]bool{"AllowAdminCreateUserOnly": d.AllowAdminCreateUserOnly},
		DeviceConfiguration: map[string]bool{"ChallengeRequiredOnNewDevice": d.Devices.SkipMFAOnRememberedDevice,
			"DeviceOnlyRememberedOnUserPrompt": d.Devices.OnlyRememberedOnUserPrompt},
		Domain: d.Domain, Status: "Enabled", UserPoolTier: "ESSENTIALS", DeletionProtection: "ACTIVE",
		SchemaAttributes: []schemaAttributeType{}}
	t.Policies = map[string]any{
		"PasswordPolicy": passwordPolicyType{MinimumLength: pp.MinimumLength, RequireUppercase: pp.RequireUppercase,
			RequireLowercase: pp.RequireLowercase, RequireNumbers: pp.RequireNumbers, RequireSymbols: pp.RequireSymbols,
			TemporaryPasswordValidityDays: pp.TemporaryPasswordValidityDays},
		"SignInPolicy": map[string]any{"AllowedFirstAuthFactors": d.AllowedFirstAuthFactors},
	}
	for _, a := range d.SchemaAttributes {
		typ := string(a.Type)
		if typ == "" {
			typ = "String"
		}
		s := schemaAttributeType{Name: a.Name, AttributeDataType: typ, Mutable: !a.Immutable, Required: a.Required}
		if a.MinLength != 0 || a.MaxLength != 0 {
			s.StringConstraints = &stringAttributeConstraints{MinLength: strconv.Itoa(a.MinLength), MaxLength: strconv.Itoa(a.MaxLength)}
		}
		t.SchemaAttributes = append(t.SchemaAttributes, s)
	}
	return t, nil
}

func describeUserPool(ctx context.Context, h *handler, in *userPoolIDRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	t, err := h.describe(ctx, p)
	if err != nil {
		return nil, err
	}
	return struct {
		UserPool userPoolType `json:"UserPool"`
	}{t}, nil
}

type listUserPoolsRequest struct {
	MaxResults int    `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}

type userPoolDescriptionType struct {
	ID     string `json:"Id"`
	Name   string `json:"Name"`
	Status string `json:"Status"`
}

func listUserPools(ctx context.Context, h *handler, in *listUserPoolsRequest) (any, error) {
	if in.MaxResults < 1 || in.MaxResults > 60 {
		return nil, paramErr("MaxResults must be 1 to 60")
	}
	start := 0
	if in.NextToken != "" {
		n, err := strconv.Atoi(in.NextToken)
		if err != nil || n < 0 || n > len(h.pools) {
			return nil, paramErr("Invalid NextToken")
		}
		start = n
	}
	out := struct {
		UserPools []userPoolDescriptionType `json:"UserPools"`
		NextToken string                    `json:"NextToken,omitempty"`
	}{UserPools: []userPoolDescriptionType{}}
	end := min(start+in.MaxResults, len(h.pools))
	for _, p := range h.pools[start:end] {
		d, err := p.DescribeUserPool(ctx, userpool.DescribeUserPoolInput{})
		if err != nil {
			return nil, err
		}
		out.UserPools = append(out.UserPools, userPoolDescriptionType{ID: d.UserPool.ID, Name: d.UserPool.Name, Status: "Enabled"})
	}
	if end < len(h.pools) {
		out.NextToken = strconv.Itoa(end)
	}
	return out, nil
}

type mfaConfigType struct {
	MfaConfiguration              string          `json:"MfaConfiguration"`
	SoftwareTokenMfaConfiguration map[string]bool `json:"SoftwareTokenMfaConfiguration,omitempty"`
	EmailMfaConfiguration         map[string]any  `json:"EmailMfaConfiguration,omitempty"`
	SmsMfaConfiguration           map[string]any  `json:"SmsMfaConfiguration,omitempty"`
	WebAuthnConfiguration         *webAuthnConfig `json:"WebAuthnConfiguration,omitempty"`
}

type webAuthnConfig struct {
	RelyingPartyID   string `json:"RelyingPartyId,omitempty"`
	UserVerification string `json:"UserVerification,omitempty"`
}

func (h *handler) mfaConfig(ctx context.Context, p *userpool.UserPool) (mfaConfigType, error) {
	c, err := p.GetUserPoolMfaConfig(ctx, userpool.GetUserPoolMfaConfigInput{})
	if err != nil {
		return mfaConfigType{}, err
	}
	out := mfaConfigType{MfaConfiguration: string(c.MFAConfiguration),
		SoftwareTokenMfaConfiguration: map[string]bool{"Enabled": slices.Contains(c.Factors, userpool.FactorTOTP)}}
	if slices.Contains(c.Factors, userpool.FactorEmail) {
		out.EmailMfaConfiguration = map[string]any{}
	}
	if slices.Contains(c.Factors, userpool.FactorSMS) {
		out.SmsMfaConfiguration = map[string]any{}
	}
	if c.WebAuthnRelyingPartyID != "" {
		out.WebAuthnConfiguration = &webAuthnConfig{RelyingPartyID: c.WebAuthnRelyingPartyID, UserVerification: c.WebAuthnUserVerification}
	}
	return out, nil
}

func getUserPoolMfaConfig(ctx context.Context, h *handler, in *userPoolIDRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	return h.mfaConfig(ctx, p)
}

type setUserPoolMfaConfigRequest struct {
	UserPoolID                    string          `json:"UserPoolId"`
	MfaConfiguration              string          `json:"MfaConfiguration"`
	SoftwareTokenMfaConfiguration map[string]bool `json:"SoftwareTokenMfaConfiguration"`
	WebAuthnConfiguration         *webAuthnConfig `json:"WebAuthnConfiguration"`
}

// setUserPoolMfaConfig accepts the configuration the pool already has
// (tools re-apply their whole state on every run) and refuses a change:
// MFA is configured in code.
func setUserPoolMfaConfig(ctx context.Context, h *handler, in *setUserPoolMfaConfigRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	cur, err := h.mfaConfig(ctx, p)
	if err != nil {
		return nil, err
	}
	same := (in.MfaConfiguration == "" || in.MfaConfiguration == cur.MfaConfiguration) &&
		(in.SoftwareTokenMfaConfiguration == nil || in.SoftwareTokenMfaConfiguration["Enabled"] == cur.SoftwareTokenMfaConfiguration["Enabled"]) &&
		(in.WebAuthnConfiguration == nil || (cur.WebAuthnConfiguration != nil &&
			(in.WebAuthnConfiguration.RelyingPartyID == "" || in.WebAuthnConfiguration.RelyingPartyID == cur.WebAuthnConfiguration.RelyingPartyID) &&
			(in.WebAuthnConfiguration.UserVerification == "" || in.WebAuthnConfiguration.UserVerification == cur.WebAuthnConfiguration.UserVerification)))
	if !same {
		return nil, paramErr("This pool's MFA configuration is set in its code (userpool.Config.MFA, Config.WebAuthn); change it there.")
	}
	return cur, nil
}

type describeUserPoolDomainRequest struct {
	Domain string `json:"Domain"`
}

func describeUserPoolDomain(ctx context.Context, h *handler, in *describeUserPoolDomainRequest) (any, error) {
	type domainDescription struct {
		UserPoolID string `json:"UserPoolId"`
		AWSAccount string `json:"AWSAccountId"`
		Domain     string `json:"Domain"`
		Status     string `json:"Status"`
		Version    string `json:"Version"`
	}
	out := struct {
		DomainDescription *domainDescription `json:"DomainDescription"`
	}{}
	for _, p := range h.pools {
		d, err := p.DescribeUserPool(ctx, userpool.DescribeUserPoolInput{})
		if err != nil {
			return nil, err
		}
		if in.Domain != "" && (d.UserPool.Domain == in.Domain || strings.HasPrefix(d.UserPool.Domain, in.Domain+".")) {
			out.DomainDescription = &domainDescription{UserPoolID: d.UserPool.ID, AWSAccount: h.account(), Domain: d.UserPool.Domain,
				Status: "ACTIVE", Version: "1"}
			return out, nil
		}
	}
	// Cognito answers an unknown domain with an empty description.
	out.DomainDescription = &domainDescription{}
	return out, nil
}

type resourceARNRequest struct {
	ResourceArn string            `json:"ResourceArn"`
	Tags        map[string]string `json:"Tags"`
	TagKeys     []string          `json:"TagKeys"`
}

func listTagsForResource(ctx context.Context, h *handler, in *resourceARNRequest) (any, error) {
	p, err := h.poolByARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	out, err := p.ListTagsForResource(ctx, userpool.ListTagsForResourceInput{})
	if err != nil {
		return nil, err
	}
	return struct {
		Tags map[string]string `json:"Tags"`
	}{out.Tags}, nil
}

func tagResource(ctx context.Context, h *handler, in *resourceARNRequest) (any, error) {
	p, err := h.poolByARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if _, err := p.TagResource(ctx, userpool.TagResourceInput{Tags: in.Tags}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func untagResource(ctx context.Context, h *handler, in *resourceARNRequest) (any, error) {
	p, err := h.poolByARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if _, err := p.UntagResource(ctx, userpool.UntagResourceInput{TagKeys: in.TagKeys}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func getSigningCertificate(ctx context.Context, h *handler, in *userPoolIDRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.GetSigningCertificate(ctx, userpool.GetSigningCertificateInput{})
	if err != nil {
		return nil, err
	}
	return struct {
		Certificate string `json:"Certificate"`
	}{out.Certificate}, nil
}

type deleteUserAttributesRequest struct {
	AccessToken        string   `json:"AccessToken"`
	UserAttributeNames []string `json:"UserAttributeNames"`
}

func deleteUserAttributes(ctx context.Context, h *handler, in *deleteUserAttributesRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	if _, err := p.DeleteUserAttributes(ctx, userpool.DeleteUserAttributesInput{AccessToken: in.AccessToken, UserAttributeNames: in.UserAttributeNames}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

// mfaOptionType is the legacy per-user MFA setting: SMS to phone_number.
type mfaOptionType struct {
	DeliveryMedium string `json:"DeliveryMedium"`
	AttributeName  string `json:"AttributeName"`
}

type setUserSettingsRequest struct {
	UserPoolID  string          `json:"UserPoolId"` // AdminSetUserSettings
	Username    string          `json:"Username"`   // AdminSetUserSettings
	AccessToken string          `json:"AccessToken"`
	MFAOptions  []mfaOptionType `json:"MFAOptions"`
}

// smsSetting is what legacy MFAOptions mean today: SMS MFA on (one SMS
// option) or off (none), as Cognito maps them.
func (in *setUserSettingsRequest) smsSetting() (*userpool.MFASettings, error) {
	if in.MFAOptions == nil {
		return nil, paramErr("Missing required parameter MFAOptions")
	}
	for _, o := range in.MFAOptions {
		if o.DeliveryMedium != "SMS" || o.AttributeName != "phone_number" {
			return nil, paramErr("MFAOptions supports only SMS to phone_number")
		}
	}
	on := len(in.MFAOptions) > 0
	return &userpool.MFASettings{Enabled: on, PreferredMfa: on}, nil
}

func setUserSettings(ctx context.Context, h *handler, in *setUserSettingsRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	sms, err := in.smsSetting()
	if err != nil {
		return nil, err
	}
	if _, err := p.SetUserMFAPreference(ctx, userpool.SetUserMFAPreferenceInput{AccessToken: in.AccessToken, SMSMfaSettings: sms}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func adminSetUserSettings(ctx context.Context, h *handler, in *setUserSettingsRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	sms, err := in.smsSetting()
	if err != nil {
		return nil, err
	}
	if _, err := p.AdminSetUserMFAPreference(ctx, userpool.AdminSetUserMFAPreferenceInput{Username: in.Username, SMSMfaSettings: sms}); err != nil {
		return nil, err
	}
	return empty{}, nil
}
