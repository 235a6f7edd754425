package userpool

import (
	"context"
	"errors"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store"
)

// ForgotPasswordInput is ForgotPassword's request.
type ForgotPasswordInput struct {
	ClientID       string
	SecretHash     string
	Username       string
	ClientMetadata map[string]string
	// UserContextData describes the end user's device: its IPAddress is
	// the source that code sends and code guesses are limited per.
	UserContextData *UserContextData
}

// ForgotPasswordOutput is ForgotPassword's answer.
type ForgotPasswordOutput struct {
	*CodeDeliveryDetails
}

// ForgotPassword sends a password-reset code to the user's verified email,
// else verified phone number. With existence errors prevented, an unknown
// user gets a plausible answer and nothing is sent.
func (p *UserPool) ForgotPassword(ctx context.Context, in ForgotPasswordInput) (_ *ForgotPasswordOutput, err error) {
	ctx, ob := p.begin(ctx, "ForgotPassword", AuditForgotPassword)
	defer func() { ob.finish(ctx, err) }()
	if in.UserContextData != nil {
		ob.from(in.UserContextData.IPAddress, "")
	}
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	if err := checkLogin(in.Username); err != nil {
		return nil, err
	}
	if err := c.checkSecretHash(in.Username, in.SecretHash); err != nil {
		return nil, err
	}
	u, err := p.findUser(ctx, in.Username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internalErr("forgot password", err)
	}
	if err != nil {
		// The old system may know the user (MigrateUser, ForgotPassword).
		migrated, ok, merr := p.migrateUser(ctx, c, in.Username, "", in.ClientMetadata)
		if merr != nil {
			return nil, merr
		}
		if ok {
			u, err = migrated, nil
		}
	}
	if err != nil || !u.Enabled {
		if c.preventsExistenceErrors() {
			v, err := p.simulatedSend(ctx, in.Username, purposeForgot, sourceOf(in.UserContextData))
			return done(&ForgotPasswordOutput{CodeDeliveryDetails: v}, err)
		}
		if err != nil {
			return nil, newErr(CodeUserNotFound, msgUserNotExist)
		}
		return nil, newErr(CodeNotAuthorized, msgDisabled)
	}
	attr, value := "", ""
	for _, a := range []string{"email", "phone_number"} {
		if u.Attributes[a] != "" && u.Attributes[verifiedFlags[a]] == "true" {
			attr, value = a, u.Attributes[a]
			break
		}
	}
	if attr == "" {
		if c.preventsExistenceErrors() { // answered as for a login that names nobody
			v, err := p.simulatedSend(ctx, in.Username, purposeForgot, sourceOf(in.UserContextData))
			return done(&ForgotPasswordOutput{CodeDeliveryDetails: v}, err)
		}
		return nil, invalidParam("Cannot reset password for the user as there is no registered/verified email or phone_number")
	}
	v, err := p.sendCode(ctx, u, purposeForgot, message.KindForgotPassword, attr, value, "", sourceOf(in.UserContextData))
	if err == nil {
		// The reset is under way until its code is confirmed.
		p.recordEvent(ctx, u, event{typ: EventForgotPassword, response: EventInProgress, caller: callerOf(in.UserContextData)})
	}
	return done(&ForgotPasswordOutput{CodeDeliveryDetails: v}, err)
}

// ConfirmForgotPasswordInput is ConfirmForgotPassword's request.
type ConfirmForgotPasswordInput struct {
	ClientID         string
	SecretHash       string
	Username         string
	ConfirmationCode string
	Password         string
	ClientMetadata   map[string]string
	// UserContextData describes the end user's device: its IPAddress is
	// the source that code sends and code guesses are limited per.
	UserContextData *UserContextData
}

// ConfirmForgotPasswordOutput is ConfirmForgotPassword's answer; it carries nothing.
type ConfirmForgotPasswordOutput struct{}

// ConfirmForgotPassword sets a new password with a reset code. It confirms
// an unconfirmed user (the code proves the address), clears the lockout
// and signs the user out everywhere.
func (p *UserPool) ConfirmForgotPassword(ctx context.Context, in ConfirmForgotPasswordInput) (_ *ConfirmForgotPasswordOutput, err error) {
	ctx, ob := p.begin(ctx, "ConfirmForgotPassword", AuditConfirmForgotPassword)
	defer func() { ob.finish(ctx, err) }()
	if in.UserContextData != nil {
		ob.from(in.UserContextData.IPAddress, "")
	}
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	if err := c.checkSecretHash(in.Username, in.SecretHash); err != nil {
		return nil, err
	}
	// The policy is checked before the look-up too, so that a weak password
	// gets the same answer whether the user exists or not.
	if err := p.checkPassword(in.Password, in.Username, p.cfg.Name); err != nil {
		return nil, err
	}
	if err := p.checkCompromised(ctx, c.ID, FilterPasswordChange, in.Password); err != nil {
		return nil, err
	}
	u, err := p.findUser(ctx, in.Username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internalErr("confirm forgot password", err)
	}
	if err != nil || !u.Enabled {
		// ForgotPassword sent either one a decoy, if anything.
		if c.preventsExistenceErrors() {
			return nil, p.consumeDecoy(ctx, in.Username, purposeForgot, in.ConfirmationCode, sourceOf(in.UserContextData))
		}
		if err != nil {
			return nil, newErr(CodeUserNotFound, msgUserNotExist)
		}
		return nil, newErr(CodeNotAuthorized, msgDisabled)
	}
	if err := p.checkPassword(in.Password, u.Username, u.Attributes["email"], p.cfg.Name); err != nil {
		return nil, err
	}
	if _, err := p.consumeCode(ctx, u.Sub, purposeForgot, in.ConfirmationCode, sourceOf(in.UserContextData)); err != nil {
		p.recordEvent(ctx, u, event{typ: EventForgotPassword, response: EventFail, caller: callerOf(in.UserContextData)})
		return nil, err
	}
	cred, err := p.passwordCredential(ctx, u.Sub, u.Username, in.Password)
	if err != nil {
		return nil, err
	}
	u, err = p.modifyUser(ctx, "confirm forgot password", u.Sub, func(u *store.User) error {
		u.Password = cred
		if u.Status != store.StatusExternalProvider {
			u.Status = store.StatusConfirmed
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := p.store.RevokeSubjectFamilies(ctx, p.cfg.ID, u.Sub, p.now()); err != nil {
		return nil, internalErr("revoke sessions", err)
	}
	if err := p.clearAttempts(ctx, u.Sub, ""); err != nil {
		return nil, err
	}
	p.notify(ctx, u, message.KindPasswordChanged)
	p.recordEvent(ctx, u, event{typ: EventForgotPassword, response: EventPass, caller: callerOf(in.UserContextData)})
	return done(&ConfirmForgotPasswordOutput{}, p.postConfirmation(ctx, "PostConfirmation_ConfirmForgotPassword", u, c.ID, in.ClientMetadata))
}
