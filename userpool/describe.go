package userpool

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/cupola-auth/cupola/store"
)

// What tools written for Cognito read about a pool on every run (Terraform,
// CDK, the console's equivalents): its description, its MFA configuration,
// its tags and its SAML signing certificate. A pool's settings are code
// (Config); tags are the one part kept at run time.

// UserPoolDescription is a pool as DescribeUserPool tells it (Cognito's
// UserPoolType, the parts Cupola has).
type UserPoolDescription struct {
	ID                       string
	Name                     string
	PasswordPolicy           PasswordPolicy
	MFAConfiguration         MFAMode
	UsernameAttributes       []string
	AliasAttributes          []string
	AutoVerifiedAttributes   []string
	SchemaAttributes         []AttributeSchema
	UsernameCaseSensitive    bool
	AllowAdminCreateUserOnly bool
	AllowedFirstAuthFactors  []string
	Devices                  DeviceConfig
	// Domain is the host the hosted UI and token endpoints are served at
	// (Issuer's host).
	Domain string
	Issuer string
}

// DescribeUserPoolInput is DescribeUserPool's request.
type DescribeUserPoolInput struct{}

// DescribeUserPoolOutput is DescribeUserPool's answer.
type DescribeUserPoolOutput struct {
	UserPool UserPoolDescription
}

// DescribeUserPool describes the pool's configuration.
func (p *UserPool) DescribeUserPool(ctx context.Context, in DescribeUserPoolInput) (*DescribeUserPoolOutput, error) {
	c := p.cfg
	d := UserPoolDescription{ID: c.ID, Name: c.Name, PasswordPolicy: c.PasswordPolicy, MFAConfiguration: c.MFA.Mode,
		UsernameAttributes: slices.Clone(c.UsernameAttributes), AliasAttributes: slices.Clone(c.AliasAttributes),
		AutoVerifiedAttributes: slices.Clone(c.AutoVerifiedAttributes), UsernameCaseSensitive: c.CaseSensitiveUsernames,
		AllowAdminCreateUserOnly: c.AllowAdminCreateUserOnly, AllowedFirstAuthFactors: slices.Clone(c.AllowedFirstAuthFactors),
		Devices: c.Devices, Issuer: p.issuerValue}
	if u, err := url.Parse(p.issuerValue); err == nil {
		d.Domain = u.Hostname()
	}
	for _, name := range slices.Sorted(maps.Keys(p.schema)) {
		d.SchemaAttributes = append(d.SchemaAttributes, p.schema[name])
	}
	return &DescribeUserPoolOutput{UserPool: d}, nil
}

// GetUserPoolMfaConfigInput is GetUserPoolMfaConfig's request.
type GetUserPoolMfaConfigInput struct{}

// GetUserPoolMfaConfigOutput is the pool's MFA and passkey configuration.
type GetUserPoolMfaConfigOutput struct {
	MFAConfiguration MFAMode
	// Factors are the second factors offered (SOFTWARE_TOKEN_MFA, SMS_MFA,
	// EMAIL_OTP).
	Factors []string
	// WebAuthnRelyingPartyID and WebAuthnUserVerification describe
	// passkeys, when the pool has them.
	WebAuthnRelyingPartyID   string
	WebAuthnUserVerification string
}

// GetUserPoolMfaConfig returns the pool's MFA configuration.
func (p *UserPool) GetUserPoolMfaConfig(ctx context.Context, in GetUserPoolMfaConfigInput) (*GetUserPoolMfaConfigOutput, error) {
	out := &GetUserPoolMfaConfigOutput{MFAConfiguration: p.cfg.MFA.Mode, Factors: slices.Clone(p.cfg.MFA.Factors)}
	if p.webauthn != nil {
		out.WebAuthnRelyingPartyID = p.webauthn.RPID()
		out.WebAuthnUserVerification = "required"
		if !p.webauthn.UserVerificationRequired() {
			out.WebAuthnUserVerification = "preferred"
		}
	}
	return out, nil
}

// settingTags is the setting kind that holds the pool's tags.
const settingTags = "tags"

// Bounds on tags, as AWS's: 50 per resource, keys to 128, values to 256.
const (
	maxTags        = 50
	maxTagKeyLen   = 128
	maxTagValueLen = 256
)

// ListTagsForResourceInput is ListTagsForResource's request.
type ListTagsForResourceInput struct{}

// ListTagsForResourceOutput holds the pool's tags.
type ListTagsForResourceOutput struct {
	Tags map[string]string
}

// ListTagsForResource returns the pool's tags.
func (p *UserPool) ListTagsForResource(ctx context.Context, in ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	tags, _, err := p.tags(ctx)
	if err != nil {
		return nil, err
	}
	return &ListTagsForResourceOutput{Tags: tags}, nil
}

func (p *UserPool) tags(ctx context.Context) (map[string]string, int64, error) {
	s, err := p.store.GetSetting(ctx, p.cfg.ID, settingTags, "")
	if errors.Is(err, store.ErrNotFound) {
		return map[string]string{}, 0, nil
	}
	if err != nil {
		return nil, 0, internalErr("tags", err)
	}
	tags := map[string]string{}
	if err := json.Unmarshal(s.Document, &tags); err != nil {
		return nil, 0, internalErr("tags", err)
	}
	return tags, s.Version, nil
}

// TagResourceInput is TagResource's request: tags to add or replace.
type TagResourceInput struct {
	Tags map[string]string
}

// TagResourceOutput is TagResource's answer; it carries nothing.
type TagResourceOutput struct{}

// TagResource adds or replaces tags of the pool.
func (p *UserPool) TagResource(ctx context.Context, in TagResourceInput) (_ *TagResourceOutput, err error) {
	ctx, ob := p.begin(ctx, "TagResource", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	for k, v := range in.Tags {
		if k == "" || len(k) > maxTagKeyLen || len(v) > maxTagValueLen || strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, invalidParam("Tag keys are 1 to 128 characters not starting with aws:, values at most 256")
		}
	}
	return &TagResourceOutput{}, p.changeTags(ctx, func(tags map[string]string) { maps.Copy(tags, in.Tags) })
}

// UntagResourceInput is UntagResource's request: the keys to remove.
type UntagResourceInput struct {
	TagKeys []string
}

// UntagResourceOutput is UntagResource's answer; it carries nothing.
type UntagResourceOutput struct{}

// UntagResource removes tags of the pool; absent keys are ignored.
func (p *UserPool) UntagResource(ctx context.Context, in UntagResourceInput) (_ *UntagResourceOutput, err error) {
	ctx, ob := p.begin(ctx, "UntagResource", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	return &UntagResourceOutput{}, p.changeTags(ctx, func(tags map[string]string) {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
	})
}

// changeTags applies change to the stored tags by compare-and-swap.
func (p *UserPool) changeTags(ctx context.Context, change func(map[string]string)) error {
	for range casRetries {
		tags, version, err := p.tags(ctx)
		if err != nil {
			return err
		}
		change(tags)
		if len(tags) > maxTags {
			return invalidParam("A user pool has at most 50 tags")
		}
		doc, err := json.Marshal(tags)
		if err != nil {
			return internalErr("tags", err)
		}
		_, err = p.store.PutSetting(ctx, store.Setting{PoolID: p.cfg.ID, Kind: settingTags, Document: doc, Version: version, UpdatedAt: p.now()})
		var exists *store.ExistsError
		if errors.Is(err, store.ErrConflict) || errors.As(err, &exists) || errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return internalErr("tags", err)
		}
		return nil
	}
	return newErr(CodeTooManyRequests, "The tags are being changed concurrently; retry.")
}

// GetSigningCertificateInput is GetSigningCertificate's request.
type GetSigningCertificateInput struct{}

// GetSigningCertificateOutput holds the pool's SAML signing certificate,
// base64 DER as Cognito sends it.
type GetSigningCertificateOutput struct {
	Certificate string
}

// GetSigningCertificate returns the certificate the pool signs SAML
// requests with (Config.Federation.SAMLCertificate).
func (p *UserPool) GetSigningCertificate(ctx context.Context, in GetSigningCertificateInput) (*GetSigningCertificateOutput, error) {
	cert := p.cfg.Federation.SAMLCertificate
	if cert == nil {
		return nil, newErr(CodeResourceNotFound, "The user pool has no SAML signing certificate.")
	}
	return &GetSigningCertificateOutput{Certificate: base64.StdEncoding.EncodeToString(cert.Raw)}, nil
}

// DeleteUserAttributesInput is DeleteUserAttributes's request.
type DeleteUserAttributesInput struct {
	AccessToken        string
	UserAttributeNames []string
}

// DeleteUserAttributesOutput is DeleteUserAttributes's answer; it carries
// nothing.
type DeleteUserAttributesOutput struct{}

// DeleteUserAttributes deletes attributes of the signed-in user: only
// those the client may write, never required or immutable ones.
func (p *UserPool) DeleteUserAttributes(ctx context.Context, in DeleteUserAttributesInput) (_ *DeleteUserAttributesOutput, err error) {
	ctx, ob := p.begin(ctx, "DeleteUserAttributes", AuditAttributeChange)
	defer func() { ob.finish(ctx, err) }()
	a, err := p.authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	for _, n := range in.UserAttributeNames {
		if !a.client.writable(n) {
			return nil, newErr(CodeNotAuthorized, "A client attempted to write unauthorized attribute "+sanitize(n))
		}
	}
	return done(&DeleteUserAttributesOutput{}, p.deleteAttributes(ctx, a.user, in.UserAttributeNames))
}
