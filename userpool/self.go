package userpool

import (
	"context"
	"errors"
	"slices"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store"
)

// GetUserOutput is GetUser's answer.
type GetUserOutput struct {
	Username       string
	UserAttributes []Attribute
}

// GetUserInput is GetUser's request.
type GetUserInput struct {
	AccessToken string
}

// GetUser returns the signed-in user's attributes readable by the client
// the access token was issued to.
func (p *UserPool) GetUser(ctx context.Context, in GetUserInput) (*GetUserOutput, error) {
	accessToken := in.AccessToken
	a, err := p.authenticate(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	return &GetUserOutput{Username: a.user.Username, UserAttributes: visibleAttributes(a.user.Sub, a.user.Attributes, a.client.readable)}, nil
}

// UpdateUserAttributesInput is UpdateUserAttributes' request.
type UpdateUserAttributesInput struct {
	AccessToken    string
	UserAttributes []Attribute
	ClientMetadata map[string]string
}

// UpdateUserAttributesOutput lists the verification codes sent.
type UpdateUserAttributesOutput struct {
	CodeDeliveryDetailsList []CodeDeliveryDetails
}

// UpdateUserAttributes changes the signed-in user's attributes. A new email
// or phone number that replaces a verified one does not take effect until
// the user verifies it (VerifyUserAttribute): the old one keeps working
// meanwhile, so a typo or a hijacked session cannot take the account's
// recovery address. A value replacing an unverified one is stored at once,
// unverified.
func (p *UserPool) UpdateUserAttributes(ctx context.Context, in UpdateUserAttributesInput) (_ *UpdateUserAttributesOutput, err error) {
	ctx, ob := p.begin(ctx, "UpdateUserAttributes", AuditAttributeChange)
	defer func() { ob.finish(ctx, err) }()
	a, err := p.authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	if len(in.UserAttributes) == 0 {
		return nil, invalidParam("Missing required parameter UserAttributes")
	}
	vals, err := p.checkAttributes(in.UserAttributes, false)
	if err != nil {
		return nil, err
	}
	for name := range vals {
		if !a.client.writable(name) {
			return nil, newErr(CodeNotAuthorized, "A client attempted to write unauthorized attribute "+name)
		}
	}
	type pending struct{ attr, to, value string }
	var sends []pending
	u, err := p.modifyUser(ctx, "update attributes", a.user.Sub, func(u *store.User) error {
		sends = sends[:0]
		for name, v := range vals {
			flag, verifiable := verifiedFlags[name]
			if !verifiable || !slices.Contains(p.cfg.AutoVerifiedAttributes, name) {
				if verifiable && u.Attributes[name] != v {
					u.Attributes[flag] = "false"
				}
				u.Attributes[name] = v
				continue
			}
			if p.aliasKey(name, u.Attributes[name]) == p.aliasKey(name, v) {
				continue
			}
			if u.Attributes[flag] == "true" {
				sends = append(sends, pending{attr: name, to: v, value: v})
				continue
			}
			u.Attributes[name], u.Attributes[flag] = v, "false"
			sends = append(sends, pending{attr: name, to: v, value: v})
		}
		u.Aliases = p.aliasesOf(u.Attributes, u.Aliases)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &UpdateUserAttributesOutput{}
	for _, s := range sends {
		d, err := p.sendCode(ctx, u, purposeVerify+s.attr, message.KindUpdateUserAttribute, s.attr, s.to, s.value, "")
		if err != nil {
			return nil, err
		}
		out.CodeDeliveryDetailsList = append(out.CodeDeliveryDetailsList, *d)
	}
	return out, nil
}

// GetUserAttributeVerificationCodeInput is GetUserAttributeVerificationCode's request.
type GetUserAttributeVerificationCodeInput struct {
	AccessToken   string
	AttributeName string
}

// GetUserAttributeVerificationCodeOutput is GetUserAttributeVerificationCode's answer.
type GetUserAttributeVerificationCodeOutput struct {
	*CodeDeliveryDetails
}

// GetUserAttributeVerificationCode sends a code to verify the current
// value of email or phone_number. It replaces any pending change's code.
func (p *UserPool) GetUserAttributeVerificationCode(ctx context.Context, in GetUserAttributeVerificationCodeInput) (_ *GetUserAttributeVerificationCodeOutput, err error) {
	ctx, ob := p.begin(ctx, "GetUserAttributeVerificationCode", AuditResendCode)
	defer func() { ob.finish(ctx, err) }()
	accessToken := in.AccessToken
	attributeName := in.AttributeName
	a, err := p.authenticate(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	if _, ok := verifiedFlags[attributeName]; !ok {
		return nil, invalidParam("Only email and phone_number can be verified")
	}
	v := a.user.Attributes[attributeName]
	if v == "" {
		return nil, invalidParam("The user has no " + attributeName)
	}
	// The code carries the value it was sent to, so that verifying it can
	// never mark a value changed meanwhile as verified.
	d, err := p.sendCode(ctx, a.user, purposeVerify+attributeName, message.KindVerifyUserAttribute, attributeName, v, v, "")
	return done(&GetUserAttributeVerificationCodeOutput{CodeDeliveryDetails: d}, err)
}

// VerifyUserAttributeInput is VerifyUserAttribute's request.
type VerifyUserAttributeInput struct {
	AccessToken   string
	AttributeName string
	Code          string
}

// VerifyUserAttributeOutput is VerifyUserAttribute's answer; it carries nothing.
type VerifyUserAttributeOutput struct{}

// VerifyUserAttribute checks a verification code and marks the attribute
// verified with the value the code was sent to: a pending new value, or
// the value current when the code was asked for.
func (p *UserPool) VerifyUserAttribute(ctx context.Context, in VerifyUserAttributeInput) (_ *VerifyUserAttributeOutput, err error) {
	ctx, ob := p.begin(ctx, "VerifyUserAttribute", AuditAttributeChange)
	defer func() { ob.finish(ctx, err) }()
	accessToken := in.AccessToken
	attributeName := in.AttributeName
	code := in.Code
	a, err := p.authenticate(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	flag, ok := verifiedFlags[attributeName]
	if !ok {
		return nil, invalidParam("Only email and phone_number can be verified")
	}
	c, err := p.consumeCode(ctx, a.user.Sub, purposeVerify+attributeName, code, "")
	if err != nil {
		return nil, err
	}
	_, err = p.modifyUser(ctx, "verify attribute", a.user.Sub, func(u *store.User) error {
		if c.Value != "" {
			u.Attributes[attributeName] = c.Value
		}
		if u.Attributes[attributeName] == "" {
			return newErr(CodeExpiredCode, msgCodeExpired)
		}
		u.Attributes[flag] = "true"
		u.Aliases = p.aliasesOf(u.Attributes, u.Aliases)
		return nil
	})
	return done(&VerifyUserAttributeOutput{}, err)
}

// DeleteUserInput is DeleteUser's request.
type DeleteUserInput struct {
	AccessToken string
}

// DeleteUserOutput is DeleteUser's answer; it carries nothing.
type DeleteUserOutput struct{}

// DeleteUser deletes the signed-in user and everything issued to them.
func (p *UserPool) DeleteUser(ctx context.Context, in DeleteUserInput) (_ *DeleteUserOutput, err error) {
	ctx, ob := p.begin(ctx, "DeleteUser", AuditDeleteUser)
	defer func() { ob.finish(ctx, err) }()
	accessToken := in.AccessToken
	a, err := p.authenticate(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	if err := p.store.DeleteUser(ctx, p.cfg.ID, a.user.Sub); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internalErr("delete user", err)
	}
	return &DeleteUserOutput{}, nil
}

// GlobalSignOutInput is GlobalSignOut's request.
type GlobalSignOutInput struct {
	AccessToken string
}

// GlobalSignOutOutput is GlobalSignOut's answer; it carries nothing.
type GlobalSignOutOutput struct{}

// GlobalSignOut revokes every refresh token of the signed-in user, and with
// them every access and ID token issued from those sign-ins (for Cupola's
// APIs; offline verifiers accept them until they expire).
func (p *UserPool) GlobalSignOut(ctx context.Context, in GlobalSignOutInput) (_ *GlobalSignOutOutput, err error) {
	ctx, ob := p.begin(ctx, "GlobalSignOut", AuditGlobalSignOut)
	defer func() { ob.finish(ctx, err) }()
	accessToken := in.AccessToken
	a, err := p.authenticate(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	if err := p.store.RevokeSubjectFamilies(ctx, p.cfg.ID, a.user.Sub, p.now()); err != nil {
		return nil, internalErr("global sign out", err)
	}
	return &GlobalSignOutOutput{}, nil
}

// ChangePasswordInput is ChangePassword's request.
type ChangePasswordInput struct {
	PreviousPassword string
	ProposedPassword string
	AccessToken      string
}

// ChangePasswordOutput is ChangePassword's answer; it carries nothing.
type ChangePasswordOutput struct{}

// ChangePassword changes the signed-in user's password after checking the
// current one (counted by the lockout, like a sign-in).
func (p *UserPool) ChangePassword(ctx context.Context, in ChangePasswordInput) (_ *ChangePasswordOutput, err error) {
	ctx, ob := p.begin(ctx, "ChangePassword", AuditChangePassword)
	defer func() { ob.finish(ctx, err) }()
	a, err := p.authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	u := a.user
	if in.PreviousPassword == "" || in.ProposedPassword == "" {
		return nil, invalidParam("PreviousPassword and ProposedPassword are required")
	}
	if err := p.checkPassword(in.ProposedPassword, u.Username, u.Attributes["email"], p.cfg.Name); err != nil {
		return nil, err
	}
	if err := p.checkCompromised(ctx, a.client.ID, FilterPasswordChange, in.ProposedPassword); err != nil {
		return nil, err
	}
	att, err := p.store.BeginAttempt(ctx, p.cfg.ID, u.Sub, p.now(), p.cfg.Lockout)
	if err != nil {
		return nil, internalErr("lockout", err)
	}
	if !att.Allowed {
		return nil, newErr(CodeLimitExceeded, msgLimit)
	}
	ok, _, err := p.hasher.Verify(ctx, u.Password.Hash, in.PreviousPassword)
	if err := p.verifyErr(ctx, u.Sub, err); err != nil {
		return nil, err
	}
	if !ok {
		p.recordEvent(ctx, u, event{typ: EventPasswordChange, response: EventFail,
			challenges: []ChallengeResponseType{{ChallengeName: "Password", ChallengeResponse: "Failure"}}})
		return nil, newErr(CodeNotAuthorized, msgIncorrect)
	}
	if err := p.clearAttempts(ctx, u.Sub, ""); err != nil {
		return nil, internalErr("lockout", err)
	}
	cred, err := p.passwordCredential(ctx, u.Sub, u.Username, in.ProposedPassword)
	if err != nil {
		return nil, err
	}
	old := u.Password.Hash
	_, err = p.modifyUser(ctx, "change password", u.Sub, func(u *store.User) error {
		if u.Password.Hash != old {
			return newErr(CodeNotAuthorized, "The password was changed meanwhile.")
		}
		u.Password = cred
		return nil
	})
	if err != nil {
		return nil, err
	}
	if p.cfg.RevokeSessionsOnPasswordChange {
		if err := p.store.RevokeSubjectFamilies(ctx, p.cfg.ID, u.Sub, p.now()); err != nil {
			return nil, internalErr("revoke sessions", err)
		}
	}
	p.notify(ctx, u, message.KindPasswordChanged)
	p.recordEvent(ctx, u, event{typ: EventPasswordChange, response: EventPass})
	return &ChangePasswordOutput{}, nil
}
