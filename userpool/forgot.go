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
}

// ForgotPassword sends a password-reset code to the user's verified email,
// else verified phone number. With existence errors prevented, an unknown
// user gets a plausible answer and nothing is sent.
func (p *UserPool) ForgotPassword(ctx context.Context, in ForgotPasswordInput) (*CodeDeliveryDetails, error) {
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
			return p.simulatedSend(ctx, in.Username)
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
		return nil, invalidParam("Cannot reset password for the user as there is no registered/verified email or phone_number")
	}
	return p.sendCode(ctx, u, purposeForgot, message.KindForgotPassword, attr, value, "")
}

// ConfirmForgotPasswordInput is ConfirmForgotPassword's request.
type ConfirmForgotPasswordInput struct {
	ClientID         string
	SecretHash       string
	Username         string
	ConfirmationCode string
	Password         string
	ClientMetadata   map[string]string
}

// ConfirmForgotPassword sets a new password with a reset code. It confirms
// an unconfirmed user (the code proves the address), clears the lockout
// and signs the user out everywhere.
func (p *UserPool) ConfirmForgotPassword(ctx context.Context, in ConfirmForgotPasswordInput) error {
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return err
	}
	if err := c.checkSecretHash(in.Username, in.SecretHash); err != nil {
		return err
	}
	// The policy is checked before the look-up too, so that a weak password
	// gets the same answer whether the user exists or not.
	if err := p.checkPassword(in.Password, in.Username, p.cfg.Name); err != nil {
		return err
	}
	u, err := p.findUser(ctx, in.Username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return internalErr("confirm forgot password", err)
	}
	if err != nil || !u.Enabled {
		// ForgotPassword sent nothing to either.
		if c.preventsExistenceErrors() {
			return newErr(CodeCodeMismatch, msgCodeMismatch)
		}
		if err != nil {
			return newErr(CodeUserNotFound, msgUserNotExist)
		}
		return newErr(CodeNotAuthorized, msgDisabled)
	}
	if err := p.checkPassword(in.Password, u.Username, u.Attributes["email"], p.cfg.Name); err != nil {
		return err
	}
	if _, err := p.consumeCode(ctx, u.Sub, purposeForgot, in.ConfirmationCode); err != nil {
		return err
	}
	hash, err := p.hasher.Hash(ctx, in.Password)
	if err != nil {
		return p.hashErr(err)
	}
	u, err = p.modifyUser(ctx, "confirm forgot password", u.Sub, func(u *store.User) error {
		u.Password = store.PasswordCredential{Hash: hash, ChangedAt: p.now()}
		if u.Status != store.StatusExternalProvider {
			u.Status = store.StatusConfirmed
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := p.store.RevokeSubjectFamilies(ctx, p.cfg.ID, u.Sub, p.now()); err != nil {
		return internalErr("revoke sessions", err)
	}
	if err := p.store.ClearAttempts(ctx, p.cfg.ID, u.Sub); err != nil {
		return internalErr("lockout", err)
	}
	return p.postConfirmation(ctx, "PostConfirmation_ConfirmForgotPassword", u, c.ID, in.ClientMetadata)
}
