package userpool

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store"
)

// The Admin* operations are Cognito's IAM-authorized API: they trust their
// caller, so a service must only expose them to its administrators. They
// report unknown users as UserNotFoundException whatever the clients'
// PreventUserExistenceErrors.

// UserType is a user as the admin API shows it.
type UserType struct {
	Username             string
	Attributes           []Attribute
	UserCreateDate       time.Time
	UserLastModifiedDate time.Time
	Enabled              bool
	UserStatus           store.UserStatus
}

func userType(u store.User) *UserType {
	return &UserType{Username: u.Username, Attributes: visibleAttributes(u.Sub, u.Attributes, nil),
		UserCreateDate: u.CreatedAt, UserLastModifiedDate: u.UpdatedAt, Enabled: u.Enabled, UserStatus: u.Status}
}

// adminUser resolves a username (or accepted alias) for an admin call.
func (p *UserPool) adminUser(ctx context.Context, username string) (store.User, error) {
	if username == "" {
		return store.User{}, invalidParam("Missing required parameter Username")
	}
	u, err := p.findUser(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return u, newErr(CodeUserNotFound, msgUserNotExist)
	}
	if err != nil {
		return u, internalErr("find user", err)
	}
	noteUser(ctx, u)
	return u, nil
}

// checkAdminAttributes validates attributes an administrator writes: like
// a user's, plus the email_verified and phone_number_verified flags.
func (p *UserPool) checkAdminAttributes(attrs []Attribute, creating bool) (map[string]string, error) {
	var plain []Attribute
	flags := map[string]string{}
	for _, a := range attrs {
		if a.Name == "email_verified" || a.Name == "phone_number_verified" {
			if a.Value != "true" && a.Value != "false" {
				return nil, invalidParam("Invalid value for attribute " + a.Name + ": must be true or false")
			}
			flags[a.Name] = a.Value
			continue
		}
		plain = append(plain, a)
	}
	vals, err := p.checkAttributes(plain, creating)
	if err != nil {
		return nil, err
	}
	for k, v := range flags {
		vals[k] = v
	}
	return vals, nil
}

// AdminCreateUserInput is AdminCreateUser's request.
type AdminCreateUserInput struct {
	Username       string
	UserAttributes []Attribute
	ValidationData []Attribute
	// TemporaryPassword is generated to the policy when empty.
	TemporaryPassword string
	// MessageAction is "" (send the invitation), "RESEND" (send it again to
	// an existing FORCE_CHANGE_PASSWORD user, with a new temporary
	// password) or "SUPPRESS" (send nothing).
	MessageAction string
	// DesiredDeliveryMediums: "EMAIL" and/or "SMS"; empty means EMAIL when
	// the user has an email, else SMS.
	DesiredDeliveryMediums []string
	ClientMetadata         map[string]string
}

// AdminCreateUserOutput is AdminCreateUser's answer.
type AdminCreateUserOutput struct {
	*UserType
}

// AdminCreateUser creates a user in FORCE_CHANGE_PASSWORD status with a
// temporary password valid for PasswordPolicy.TemporaryPasswordValidityDays.
// The first sign-in answers NEW_PASSWORD_REQUIRED.
func (p *UserPool) AdminCreateUser(ctx context.Context, in AdminCreateUserInput) (_ *AdminCreateUserOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminCreateUser", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	switch in.MessageAction {
	case "", "RESEND", "SUPPRESS":
	default:
		return nil, invalidParam("MessageAction must be RESEND or SUPPRESS")
	}
	for _, m := range in.DesiredDeliveryMediums {
		if m != "EMAIL" && m != "SMS" {
			return nil, invalidParam("DesiredDeliveryMediums must be EMAIL or SMS")
		}
	}
	if in.MessageAction == "RESEND" {
		v, err := p.resendInvitation(ctx, in)
		return done(&AdminCreateUserOutput{UserType: v}, err)
	}
	attrs, err := p.checkAdminAttributes(in.UserAttributes, true)
	if err != nil {
		return nil, err
	}
	username, err := p.signUpUsername(in.Username, attrs)
	if err != nil {
		return nil, err
	}
	if missing := p.requiredMissing(attrs); missing != "" {
		return nil, invalidParam("Attributes did not conform to the schema: " + missing + ": The attribute is required")
	}
	for attr, flag := range verifiedFlags {
		if attrs[attr] != "" && attrs[flag] == "" {
			attrs[flag] = "false"
		}
		if attrs[attr] == "" {
			delete(attrs, flag)
		}
	}
	temp, err := p.temporaryPassword(in.TemporaryPassword, in.Username, attrs)
	if err != nil {
		return nil, err
	}
	if _, err := p.preSignUp(ctx, "PreSignUp_AdminCreateUser", in.Username, "", attrs, in.ValidationData, in.ClientMetadata); err != nil {
		return nil, err
	}
	sub, err := random.UUID(p.random)
	if err != nil {
		return nil, internalErr("create user", err)
	}
	if username == "" {
		username = sub
	}
	var medium, to string
	if in.MessageAction != "SUPPRESS" {
		if medium, to, err = p.invitationMedium(attrs, in.DesiredDeliveryMediums); err != nil {
			return nil, err
		}
	}
	cred, err := p.passwordCredential(ctx, sub, username, temp)
	if err != nil {
		return nil, err
	}
	now := p.now()
	cred.Temporary, cred.ExpiresAt = true, p.temporaryExpiry(now)
	u, err := p.store.CreateUser(ctx, store.User{
		PoolID: p.cfg.ID, Sub: sub, Username: username, UsernameKey: p.usernameKey(username),
		Status: store.StatusForceChangePassword, Enabled: true, Attributes: attrs, Aliases: p.aliasesOf(attrs, nil),
		Password:  cred,
		CreatedAt: now, UpdatedAt: now,
	})
	var exists *store.ExistsError
	if errors.As(err, &exists) {
		if exists.Key == "username" {
			return nil, newErr(CodeUsernameExists, "User account already exists")
		}
		return nil, newErr(CodeAliasExists, "An account with the given "+exists.Key+" already exists.")
	}
	if err != nil {
		return nil, internalErr("create user", err)
	}
	noteUser(ctx, u)
	if medium != "" {
		if _, err := p.deliverNow(ctx, u, message.KindAdminCreateUser, medium, to,
			message.Data{Code: temp, Username: u.Username, PoolName: p.cfg.Name}); err != nil {
			if derr := p.store.DeleteUser(context.WithoutCancel(ctx), p.cfg.ID, u.Sub); derr != nil {
				p.log.ErrorContext(ctx, "admin create rollback failed", "sub", u.Sub, "err", derr)
			}
			return nil, err
		}
	}
	return &AdminCreateUserOutput{UserType: userType(u)}, nil
}

func (p *UserPool) temporaryExpiry(now time.Time) time.Time {
	return now.Add(time.Duration(p.cfg.PasswordPolicy.TemporaryPasswordValidityDays) * 24 * time.Hour)
}

// resendInvitation is AdminCreateUser with MessageAction RESEND.
func (p *UserPool) resendInvitation(ctx context.Context, in AdminCreateUserInput) (*UserType, error) {
	u, err := p.adminUser(ctx, in.Username)
	if err != nil {
		return nil, err
	}
	if u.Status != store.StatusForceChangePassword {
		return nil, newErr(CodeUnsupportedUserState, "Resend is not allowed for a user in status "+string(u.Status)+".")
	}
	medium, to, err := p.invitationMedium(u.Attributes, in.DesiredDeliveryMediums)
	if err != nil {
		return nil, err
	}
	temp, err := p.temporaryPassword(in.TemporaryPassword, u.Username, u.Attributes)
	if err != nil {
		return nil, err
	}
	cred, err := p.passwordCredential(ctx, u.Sub, u.Username, temp)
	if err != nil {
		return nil, err
	}
	cred.Temporary, cred.ExpiresAt = true, p.temporaryExpiry(p.now())
	u, err = p.modifyUser(ctx, "resend invitation", u.Sub, func(u *store.User) error {
		u.Password = cred
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := p.deliverNow(ctx, u, message.KindAdminCreateUser, medium, to, message.Data{Code: temp, Username: u.Username, PoolName: p.cfg.Name}); err != nil {
		return nil, err
	}
	return userType(u), nil
}

// invitationMedium picks where the invitation goes.
func (p *UserPool) invitationMedium(attrs map[string]string, desired []string) (attr, to string, err error) {
	if len(desired) == 0 {
		desired = []string{"EMAIL", "SMS"}
	}
	for _, m := range desired {
		a := map[string]string{"EMAIL": "email", "SMS": "phone_number"}[m]
		if attrs[a] != "" {
			return a, attrs[a], nil
		}
	}
	return "", "", invalidParam("The user has no email or phone_number to send the invitation to; use MessageAction SUPPRESS")
}

// temporaryPassword checks a given temporary password or generates one that
// satisfies every rule of the policy.
func (p *UserPool) temporaryPassword(given, username string, attrs map[string]string) (string, error) {
	if given != "" {
		if err := p.checkPassword(given, username, attrs["email"], p.cfg.Name); err != nil {
			return "", err
		}
		return given, nil
	}
	const (
		upper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		lower  = "abcdefghijkmnopqrstuvwxyz"
		digits = "23456789"
		symbol = "!@#%&*-_=+?"
	)
	n := max(p.cfg.PasswordPolicy.MinimumLength, 16)
	sets := []string{upper, lower, digits, symbol}
	all := upper + lower + digits + symbol
	for range 10 {
		b := make([]byte, n)
		idx, err := random.Digits(p.random, 4*n)
		if err != nil {
			return "", internalErr("temporary password", err)
		}
		for i := range b {
			set := all
			if i < len(sets) {
				set = sets[i]
			}
			v := int(idx[4*i]-'0')*1000 + int(idx[4*i+1]-'0')*100 + int(idx[4*i+2]-'0')*10 + int(idx[4*i+3]-'0')
			b[i] = set[v%len(set)]
		}
		// Shuffle so the guaranteed classes are not always first.
		order, err := random.Digits(p.random, 4*n)
		if err != nil {
			return "", internalErr("temporary password", err)
		}
		for i := n - 1; i > 0; i-- {
			v := int(order[4*i]-'0')*1000 + int(order[4*i+1]-'0')*100 + int(order[4*i+2]-'0')*10 + int(order[4*i+3]-'0')
			j := v % (i + 1)
			b[i], b[j] = b[j], b[i]
		}
		pw := string(b)
		if p.checkPassword(pw, username, attrs["email"], p.cfg.Name) == nil {
			return pw, nil
		}
	}
	return "", internalErr("temporary password", errors.New("no password satisfying the policy was generated"))
}

// AdminGetUserInput is AdminGetUser's request.
type AdminGetUserInput struct {
	Username string
}

// AdminGetUserOutput is AdminGetUser's answer.
type AdminGetUserOutput struct {
	*UserType
}

// AdminGetUser returns a user by username.
func (p *UserPool) AdminGetUser(ctx context.Context, in AdminGetUserInput) (_ *AdminGetUserOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminGetUser", "")
	defer func() { ob.finish(ctx, err) }()
	username := in.Username
	u, err := p.adminUser(ctx, username)
	if err != nil {
		return nil, err
	}
	return &AdminGetUserOutput{UserType: userType(u)}, nil
}

// AdminDeleteUserInput is AdminDeleteUser's request.
type AdminDeleteUserInput struct {
	Username string
}

// AdminDeleteUserOutput is AdminDeleteUser's answer; it carries nothing.
type AdminDeleteUserOutput struct{}

// AdminDeleteUser deletes a user and everything issued to them.
func (p *UserPool) AdminDeleteUser(ctx context.Context, in AdminDeleteUserInput) (_ *AdminDeleteUserOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminDeleteUser", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	username := in.Username
	u, err := p.adminUser(ctx, username)
	if err != nil {
		return nil, err
	}
	if err := p.store.DeleteUser(ctx, p.cfg.ID, u.Sub); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internalErr("delete user", err)
	}
	return &AdminDeleteUserOutput{}, nil
}

// AdminConfirmSignUpInput is AdminConfirmSignUp's request.
type AdminConfirmSignUpInput struct {
	Username string
}

// AdminConfirmSignUpOutput is AdminConfirmSignUp's answer; it carries nothing.
type AdminConfirmSignUpOutput struct{}

// AdminConfirmSignUp confirms an UNCONFIRMED user without a code. It does
// not mark any attribute verified. It runs the PostConfirmation trigger
// (PostConfirmation_ConfirmSignUp), whose failure is reported but does not
// undo the confirmation.
func (p *UserPool) AdminConfirmSignUp(ctx context.Context, in AdminConfirmSignUpInput) (_ *AdminConfirmSignUpOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminConfirmSignUp", AuditConfirmSignUp)
	defer func() { ob.finish(ctx, err) }()
	username := in.Username
	u, err := p.adminUser(ctx, username)
	if err != nil {
		return nil, err
	}
	confirmed, err := p.modifyUser(ctx, "admin confirm", u.Sub, func(u *store.User) error {
		if u.Status != store.StatusUnconfirmed {
			return newErr(CodeNotAuthorized, "User cannot be confirmed. Current status is "+string(u.Status))
		}
		u.Status = store.StatusConfirmed
		return nil
	})
	if err != nil {
		return done(&AdminConfirmSignUpOutput{}, err)
	}
	// Cognito runs PostConfirmation for AdminConfirmSignUp too.
	return done(&AdminConfirmSignUpOutput{}, p.postConfirmation(ctx, "PostConfirmation_ConfirmSignUp", confirmed, "", nil))
}

// AdminSetUserPasswordInput is AdminSetUserPassword's request.
type AdminSetUserPasswordInput struct {
	Username string
	Password string
	// Permanent sets a normal password (status CONFIRMED); otherwise it is
	// temporary (FORCE_CHANGE_PASSWORD).
	Permanent bool
}

// AdminSetUserPasswordOutput is AdminSetUserPassword's answer; it carries nothing.
type AdminSetUserPasswordOutput struct{}

// AdminSetUserPassword sets a user's password. Cupola also signs the user
// out everywhere, since an administrator setting a password is usually a
// response to a lost or compromised one.
func (p *UserPool) AdminSetUserPassword(ctx context.Context, in AdminSetUserPasswordInput) (_ *AdminSetUserPasswordOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminSetUserPassword", AuditAdminSetPassword)
	defer func() { ob.finish(ctx, err) }()
	u, err := p.adminUser(ctx, in.Username)
	if err != nil {
		return nil, err
	}
	if err := p.checkPassword(in.Password, u.Username, u.Attributes["email"], p.cfg.Name); err != nil {
		return nil, err
	}
	cred, err := p.passwordCredential(ctx, u.Sub, u.Username, in.Password)
	if err != nil {
		return nil, err
	}
	_, err = p.modifyUser(ctx, "admin set password", u.Sub, func(u *store.User) error {
		now := p.now()
		if in.Permanent {
			u.Password = cred
			if u.Status != store.StatusExternalProvider {
				u.Status = store.StatusConfirmed
			}
			return nil
		}
		u.Password = cred
		u.Password.Temporary, u.Password.ExpiresAt = true, p.temporaryExpiry(now)
		u.Status = store.StatusForceChangePassword
		return nil
	})
	if err != nil {
		return nil, err
	}
	// A new password from an administrator lifts the lockout, the hard
	// limit's included.
	if err := p.clearAttempts(ctx, u.Sub, ""); err != nil {
		return nil, err
	}
	if u.Status == store.StatusConfirmed {
		// A password the user chose was replaced (not a temporary one set
		// up for a new account): tell them.
		p.notify(ctx, u, message.KindPasswordChanged)
	}
	return done(&AdminSetUserPasswordOutput{}, p.revokeAll(ctx, u.Sub))
}

// AdminResetUserPasswordInput is AdminResetUserPassword's request.
type AdminResetUserPasswordInput struct {
	Username string
}

// AdminResetUserPasswordOutput is AdminResetUserPassword's answer; it carries nothing.
type AdminResetUserPasswordOutput struct{}

// AdminResetUserPassword puts a user in RESET_REQUIRED: sign-in answers
// PasswordResetRequiredException, and a reset code goes to the verified
// email or phone number (if any) for ConfirmForgotPassword.
func (p *UserPool) AdminResetUserPassword(ctx context.Context, in AdminResetUserPasswordInput) (_ *AdminResetUserPasswordOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminResetUserPassword", AuditForgotPassword)
	defer func() { ob.finish(ctx, err) }()
	username := in.Username
	u, err := p.adminUser(ctx, username)
	if err != nil {
		return nil, err
	}
	if u.Status == store.StatusExternalProvider {
		return nil, newErr(CodeNotAuthorized, "Cannot reset password for a federated user.")
	}
	u, err = p.modifyUser(ctx, "admin reset password", u.Sub, func(u *store.User) error {
		u.Status = store.StatusResetRequired
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := p.revokeAll(ctx, u.Sub); err != nil {
		return nil, err
	}
	for _, a := range []string{"email", "phone_number"} {
		if u.Attributes[a] != "" && u.Attributes[verifiedFlags[a]] == "true" {
			_, err := p.sendCode(ctx, u, purposeForgot, message.KindForgotPassword, a, u.Attributes[a], "", "")
			return done(&AdminResetUserPasswordOutput{}, err)
		}
	}
	return &AdminResetUserPasswordOutput{}, nil
}

// AdminUpdateUserAttributesInput is AdminUpdateUserAttributes' request.
type AdminUpdateUserAttributesInput struct {
	Username       string
	UserAttributes []Attribute
	ClientMetadata map[string]string
}

// AdminUpdateUserAttributesOutput is AdminUpdateUserAttributes's answer; it carries nothing.
type AdminUpdateUserAttributesOutput struct{}

// AdminUpdateUserAttributes changes a user's attributes, including the
// verified flags. A changed email or phone number without its flag in the
// same call becomes unverified and, when auto-verified, gets a code.
func (p *UserPool) AdminUpdateUserAttributes(ctx context.Context, in AdminUpdateUserAttributesInput) (_ *AdminUpdateUserAttributesOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminUpdateUserAttributes", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	u, err := p.adminUser(ctx, in.Username)
	if err != nil {
		return nil, err
	}
	vals, err := p.checkAdminAttributes(in.UserAttributes, false)
	if err != nil {
		return nil, err
	}
	var sends []string
	u, err = p.modifyUser(ctx, "admin update attributes", u.Sub, func(u *store.User) error {
		sends = sends[:0]
		for attr, flag := range verifiedFlags {
			v, changed := vals[attr]
			if !changed || p.aliasKey(attr, v) == p.aliasKey(attr, u.Attributes[attr]) {
				continue
			}
			if _, given := vals[flag]; !given {
				u.Attributes[flag] = "false"
				if slices.Contains(p.cfg.AutoVerifiedAttributes, attr) {
					sends = append(sends, attr)
				}
			}
		}
		for k, v := range vals {
			u.Attributes[k] = v
		}
		u.Aliases = p.aliasesOf(u.Attributes, u.Aliases)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, a := range sends {
		if _, err := p.sendCode(ctx, u, purposeVerify+a, message.KindVerifyUserAttribute, a, u.Attributes[a], "", ""); err != nil {
			return done(&AdminUpdateUserAttributesOutput{}, err)
		}
	}
	return &AdminUpdateUserAttributesOutput{}, nil
}

// AdminDeleteUserAttributesInput is AdminDeleteUserAttributes's request.
type AdminDeleteUserAttributesInput struct {
	Username           string
	UserAttributeNames []string
}

// AdminDeleteUserAttributesOutput is AdminDeleteUserAttributes's answer; it carries nothing.
type AdminDeleteUserAttributesOutput struct{}

// AdminDeleteUserAttributes removes attributes (and the verified flag of a
// removed email or phone number). Required attributes cannot be removed.
func (p *UserPool) AdminDeleteUserAttributes(ctx context.Context, in AdminDeleteUserAttributesInput) (_ *AdminDeleteUserAttributesOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminDeleteUserAttributes", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	u, err := p.adminUser(ctx, in.Username)
	if err != nil {
		return nil, err
	}
	return done(&AdminDeleteUserAttributesOutput{}, p.deleteAttributes(ctx, u, in.UserAttributeNames))
}

// deleteAttributes deletes attributes of u that the schema lets go: not
// required, not immutable. A verified email or phone takes its flag along.
func (p *UserPool) deleteAttributes(ctx context.Context, u store.User, names []string) error {
	for _, n := range names {
		s, ok := p.schemaOf(n)
		if !ok {
			return invalidParam("Attribute does not exist in the schema: " + sanitize(n))
		}
		if s.Required {
			return invalidParam("Cannot delete the required attribute " + n)
		}
		if s.Immutable {
			return invalidParam("Cannot modify the non-mutable attribute " + n)
		}
	}
	_, err := p.modifyUser(ctx, "delete attributes", u.Sub, func(u *store.User) error {
		for _, n := range names {
			delete(u.Attributes, n)
			if flag, ok := verifiedFlags[n]; ok {
				delete(u.Attributes, flag)
			}
		}
		u.Aliases = p.aliasesOf(u.Attributes, u.Aliases)
		return nil
	})
	return err
}

// AdminDisableUserInput is AdminDisableUser's request.
type AdminDisableUserInput struct {
	Username string
}

// AdminDisableUserOutput is AdminDisableUser's answer; it carries nothing.
type AdminDisableUserOutput struct{}

// AdminDisableUser disables a user and at once revokes every refresh token
// and, for Cupola's APIs, every access token they hold.
func (p *UserPool) AdminDisableUser(ctx context.Context, in AdminDisableUserInput) (_ *AdminDisableUserOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminDisableUser", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	username := in.Username
	return done(&AdminDisableUserOutput{}, p.setEnabled(ctx, username, false))
}

// AdminEnableUserInput is AdminEnableUser's request.
type AdminEnableUserInput struct {
	Username string
}

// AdminEnableUserOutput is AdminEnableUser's answer; it carries nothing.
type AdminEnableUserOutput struct{}

// AdminEnableUser enables a disabled user.
func (p *UserPool) AdminEnableUser(ctx context.Context, in AdminEnableUserInput) (_ *AdminEnableUserOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminEnableUser", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	username := in.Username
	return done(&AdminEnableUserOutput{}, p.setEnabled(ctx, username, true))
}

func (p *UserPool) setEnabled(ctx context.Context, username string, enabled bool) error {
	u, err := p.adminUser(ctx, username)
	if err != nil {
		return err
	}
	if _, err := p.modifyUser(ctx, "set enabled", u.Sub, func(u *store.User) error {
		u.Enabled = enabled
		return nil
	}); err != nil {
		return err
	}
	if !enabled {
		return p.revokeAll(ctx, u.Sub)
	}
	return nil
}

// AdminUserGlobalSignOutInput is AdminUserGlobalSignOut's request.
type AdminUserGlobalSignOutInput struct {
	Username string
}

// AdminUserGlobalSignOutOutput is AdminUserGlobalSignOut's answer; it carries nothing.
type AdminUserGlobalSignOutOutput struct{}

// AdminUserGlobalSignOut signs a user out of every sign-in.
func (p *UserPool) AdminUserGlobalSignOut(ctx context.Context, in AdminUserGlobalSignOutInput) (_ *AdminUserGlobalSignOutOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminUserGlobalSignOut", AuditGlobalSignOut)
	defer func() { ob.finish(ctx, err) }()
	username := in.Username
	u, err := p.adminUser(ctx, username)
	if err != nil {
		return nil, err
	}
	return done(&AdminUserGlobalSignOutOutput{}, p.revokeAll(ctx, u.Sub))
}

func (p *UserPool) revokeAll(ctx context.Context, sub string) error {
	if err := p.store.RevokeSubjectFamilies(ctx, p.cfg.ID, sub, p.now()); err != nil {
		return internalErr("revoke sessions", err)
	}
	return nil
}
