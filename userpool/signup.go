package userpool

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store"
)

// SignUpInput is SignUp's request.
type SignUpInput struct {
	ClientID       string
	SecretHash     string
	Username       string
	Password       string
	UserAttributes []Attribute
	ValidationData []Attribute
	ClientMetadata map[string]string
	// UserContextData describes the end user's device: its IPAddress is
	// the source that code sends and code guesses are limited per.
	UserContextData *UserContextData
}

// SignUpOutput is SignUp's answer.
type SignUpOutput struct {
	UserSub             string
	UserConfirmed       bool
	CodeDeliveryDetails *CodeDeliveryDetails
	// Session, given to ConfirmSignUp, lets the user sign in right after
	// confirming (see InitiateAuthInput.Session).
	Session string
}

// SignUp registers a user in UNCONFIRMED status and sends a confirmation
// code to the first auto-verified attribute the user has. If that code
// cannot be delivered, the user is not kept: the call can simply be
// retried. A taken username is UsernameExistsException (Cognito answers
// so even when existence errors are prevented), unless
// Config.ConcealExistingAccounts is on.
func (p *UserPool) SignUp(ctx context.Context, in SignUpInput) (_ *SignUpOutput, err error) {
	ctx, ob := p.begin(ctx, "SignUp", AuditSignUp)
	defer func() { ob.finish(ctx, err) }()
	if in.UserContextData != nil {
		ob.from(in.UserContextData.IPAddress, "")
	}
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	if p.cfg.AllowAdminCreateUserOnly {
		return nil, newErr(CodeNotAuthorized, "SignUp is not permitted for this user pool")
	}
	if err := c.checkSecretHash(in.Username, in.SecretHash); err != nil {
		return nil, err
	}
	attrs, err := p.checkAttributes(in.UserAttributes, true)
	if err != nil {
		return nil, err
	}
	for name := range attrs {
		if !c.writable(name) {
			return nil, newErr(CodeNotAuthorized, "A client attempted to write unauthorized attribute "+name)
		}
	}
	username, err := p.signUpUsername(in.Username, attrs)
	if err != nil {
		return nil, err
	}
	if missing := p.requiredMissing(attrs); missing != "" {
		return nil, invalidParam("Attributes did not conform to the schema: " + missing + ": The attribute is required")
	}
	if err := p.checkPassword(in.Password, in.Username, attrs["email"], p.cfg.Name); err != nil {
		return nil, err
	}
	if err := p.checkCompromised(ctx, c.ID, FilterSignUp, in.Password); err != nil {
		return nil, err
	}
	for attr, flag := range verifiedFlags {
		if attrs[attr] != "" {
			attrs[flag] = "false"
		}
	}
	sub, err := random.UUID(p.random)
	if err != nil {
		return nil, internalErr("sign up", err)
	}
	if username == "" {
		username = sub
	}
	status, err := p.preSignUp(ctx, "PreSignUp_SignUp", username, c.ID, attrs, in.ValidationData, in.ClientMetadata)
	if err != nil {
		return nil, err
	}
	cred, err := p.passwordCredential(ctx, sub, username, in.Password)
	if err != nil {
		return nil, err
	}
	now := p.now()
	u, err := p.store.CreateUser(ctx, store.User{
		PoolID: p.cfg.ID, Sub: sub, Username: username, UsernameKey: p.usernameKey(username),
		Status: status, Enabled: true, Attributes: attrs, Aliases: p.aliasesOf(attrs, nil),
		Password: cred, CreatedAt: now, UpdatedAt: now,
	})
	var exists *store.ExistsError
	if errors.As(err, &exists) && p.cfg.ConcealExistingAccounts {
		return p.signUpExisting(ctx, c, in, exists.Key, username, sub, attrs, status)
	}
	if errors.As(err, &exists) {
		if exists.Key == "username" {
			return nil, newErr(CodeUsernameExists, "User already exists")
		}
		return nil, newErr(CodeUsernameExists, "An account with the given "+exists.Key+" already exists.")
	}
	if err != nil {
		return nil, internalErr("create user", err)
	}
	out := &SignUpOutput{UserSub: u.Sub, UserConfirmed: status == store.StatusConfirmed}
	if out.Session, err = p.signUpSession(ctx, c, u.Sub, u.Username, false); err != nil {
		return nil, err
	}
	if out.UserConfirmed {
		return out, nil // auto-confirmed by PreSignUp: no code to send
	}
	attr, value := p.deliveryFor(attrs, p.cfg.AutoVerifiedAttributes)
	if attr == "" {
		return out, nil // confirmed later by an administrator
	}
	d, err := p.sendCode(ctx, u, purposeSignUp, message.KindSignUp, attr, value, attr, sourceOf(in.UserContextData))
	if err != nil {
		if derr := p.store.DeleteUser(context.WithoutCancel(ctx), p.cfg.ID, u.Sub); derr != nil {
			p.log.ErrorContext(ctx, "sign-up rollback failed", "sub", u.Sub, "err", derr)
		}
		return nil, err
	}
	out.CodeDeliveryDetails = d
	p.recordEvent(ctx, u, event{typ: EventSignUp, response: EventPass, caller: callerOf(in.UserContextData)})
	return out, nil
}

// signUpExisting answers a sign-up whose username or alias (key) another
// account holds as a fresh sign-up would be answered, and tells that
// account's owner instead (Config.ConcealExistingAccounts). It does what a
// fresh sign-up does to the store: a send counted, a code stored (a decoy,
// under the login's unknown key, so a confirmation with any code fails as
// a wrong code does) and a message queued (the notice, or a decoy when
// the owner has nowhere verified to receive it or had enough of them).
func (p *UserPool) signUpExisting(ctx context.Context, c *appClient, in SignUpInput, key, username, sub string, attrs map[string]string, status store.UserStatus) (*SignUpOutput, error) {
	out := &SignUpOutput{UserSub: sub, UserConfirmed: status == store.StatusConfirmed}
	var err error
	if out.Session, err = p.signUpSession(ctx, c, sub, username, true); err != nil {
		return nil, err
	}
	attr, value := p.deliveryFor(attrs, p.cfg.AutoVerifiedAttributes)
	if out.UserConfirmed || attr == "" {
		return out, nil
	}
	d, err := p.destination(attr, value)
	if err != nil {
		return nil, err
	}
	out.CodeDeliveryDetails = d

	var owner store.User
	if key == "username" {
		owner, err = p.store.GetUserByUsername(ctx, p.cfg.ID, p.usernameKey(username))
	} else {
		owner, err = p.store.GetUserByAlias(ctx, p.cfg.ID, key, p.aliasKey(key, attrs[key]))
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internalErr("sign up", err)
	}
	notify := err == nil && p.throttle(ctx, "send:", owner.Sub, sourceOf(in.UserContextData)) == nil
	decoy, err := random.Digits(p.random, 6)
	if err != nil {
		return nil, internalErr("code", err)
	}
	now, login := p.now(), p.unknownKey(username)
	if err := p.store.PutCode(ctx, store.Code{PoolID: p.cfg.ID, Subject: login, Purpose: purposeSignUp,
		Hash: p.codeHash(login, purposeSignUp, decoy), ExpiresAt: now.Add(p.cfg.CodeValidity), CreatedAt: now}); err != nil {
		return nil, internalErr("store code", err)
	}
	if notify && p.notify(ctx, owner, message.KindAccountExists) {
		return out, nil
	}
	if err := p.postDecoy(ctx, attr); err != nil {
		return nil, err
	}
	return out, nil
}

// signUpUsername checks the username a user asked for and returns the one
// to store ("" meaning: use the sub, in username-attribute pools).
func (p *UserPool) signUpUsername(name string, attrs map[string]string) (string, error) {
	if len(p.cfg.UsernameAttributes) > 0 {
		for _, a := range p.cfg.UsernameAttributes {
			if !looksLike(a, name) {
				continue
			}
			s, _ := p.schemaOf(a)
			if err := checkValue(s, name); err != nil {
				return "", err
			}
			if given, ok := attrs[a]; ok && p.aliasKey(a, given) != p.aliasKey(a, name) {
				return "", invalidParam("The " + a + " attribute must equal the username")
			}
			attrs[a] = name
			return "", nil
		}
		return "", invalidParam("Username should be " + strings.Join(p.cfg.UsernameAttributes, " or ") + ".")
	}
	if !validUsername(name) {
		return "", invalidParam("Username must be 1-128 characters without whitespace")
	}
	if slices.Contains(p.cfg.AliasAttributes, "email") && strings.Contains(name, "@") {
		return "", invalidParam("Username cannot be of email format, since user pool is configured for email alias.")
	}
	if slices.Contains(p.cfg.AliasAttributes, "phone_number") && e164Pattern.MatchString(name) {
		return "", invalidParam("Username cannot be of phone number format, since user pool is configured for phone_number alias.")
	}
	return name, nil
}

// ConfirmSignUpInput is ConfirmSignUp's request.
type ConfirmSignUpInput struct {
	ClientID         string
	SecretHash       string
	Username         string
	ConfirmationCode string
	ClientMetadata   map[string]string
	// UserContextData describes the end user's device: its IPAddress is
	// the source that code sends and code guesses are limited per.
	UserContextData *UserContextData
	// Session is SignUp's Session, to sign in right after confirming.
	Session string
}

// ConfirmSignUpOutput is ConfirmSignUp's answer: with SignUp's Session
// given, a Session for InitiateAuth's USER_AUTH.
type ConfirmSignUpOutput struct {
	Session string
}

// ConfirmSignUp confirms a user with the code sent at sign-up, marking the
// attribute it went to as verified.
func (p *UserPool) ConfirmSignUp(ctx context.Context, in ConfirmSignUpInput) (_ *ConfirmSignUpOutput, err error) {
	ctx, ob := p.begin(ctx, "ConfirmSignUp", AuditConfirmSignUp)
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
	u, err := p.findUser(ctx, in.Username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internalErr("confirm sign-up", err)
	}
	if err != nil || u.Status != store.StatusUnconfirmed {
		// Unknown, or confirmed already: with existence errors prevented,
		// answered as a real unconfirmed user's wrong or lapsed code is
		// (ResendConfirmationCode sent such a login a decoy).
		if c.preventsExistenceErrors() {
			return nil, p.consumeDecoy(ctx, in.Username, purposeSignUp, in.ConfirmationCode, sourceOf(in.UserContextData))
		}
		if err != nil {
			return nil, newErr(CodeUserNotFound, msgUserNotExist)
		}
		return nil, newErr(CodeNotAuthorized, "User cannot be confirmed. Current status is "+string(u.Status))
	}
	// Refuse before spending the code if confirming would take an alias
	// another user holds.
	// The code verifies the one attribute it was sent to; the others stay
	// unverified and claim no alias.
	sentTo, _ := p.deliveryFor(u.Attributes, p.cfg.AutoVerifiedAttributes)
	if err := p.checkAliasesFree(ctx, u.Sub, p.aliasesOf(withVerified(u.Attributes, []string{sentTo}), nil)); err != nil {
		return nil, err
	}
	code, err := p.consumeCode(ctx, u.Sub, purposeSignUp, in.ConfirmationCode, sourceOf(in.UserContextData))
	if err != nil {
		return nil, err
	}
	confirmed, err := p.modifyUser(ctx, "confirm sign-up", u.Sub, func(u *store.User) error {
		if u.Status != store.StatusUnconfirmed {
			return newErr(CodeNotAuthorized, "User cannot be confirmed. Current status is "+string(u.Status))
		}
		u.Status = store.StatusConfirmed
		if flag, ok := verifiedFlags[code.Value]; ok && u.Attributes[code.Value] != "" {
			u.Attributes[flag] = "true"
		}
		u.Aliases = p.aliasesOf(u.Attributes, u.Aliases)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := p.postConfirmation(ctx, "PostConfirmation_ConfirmSignUp", confirmed, c.ID, in.ClientMetadata); err != nil {
		return nil, err
	}
	return &ConfirmSignUpOutput{Session: p.confirmedSession(ctx, c, confirmed, in.Session)}, nil
}

// withVerified returns attrs with the given attributes marked verified.
func withVerified(attrs map[string]string, names []string) map[string]string {
	out := make(map[string]string, len(attrs)+len(names))
	for k, v := range attrs {
		out[k] = v
	}
	for _, n := range names {
		if out[n] != "" {
			out[verifiedFlags[n]] = "true"
		}
	}
	return out
}

// checkAliasesFree reports AliasExists if another user holds one of aliases.
func (p *UserPool) checkAliasesFree(ctx context.Context, sub string, aliases map[string]string) error {
	for kind, v := range aliases {
		other, err := p.store.GetUserByAlias(ctx, p.cfg.ID, kind, v)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return internalErr("alias lookup", err)
		}
		if other.Sub != sub {
			return newErr(CodeAliasExists, "An account with the given "+kind+" already exists.")
		}
	}
	return nil
}

// ResendConfirmationCodeInput is ResendConfirmationCode's request.
type ResendConfirmationCodeInput struct {
	ClientID       string
	SecretHash     string
	Username       string
	ClientMetadata map[string]string
	// UserContextData describes the end user's device: its IPAddress is
	// the source that code sends and code guesses are limited per.
	UserContextData *UserContextData
}

// ResendConfirmationCodeOutput is ResendConfirmationCode's answer.
type ResendConfirmationCodeOutput struct {
	*CodeDeliveryDetails
}

// ResendConfirmationCode sends a new sign-up code, replacing the old one.
func (p *UserPool) ResendConfirmationCode(ctx context.Context, in ResendConfirmationCodeInput) (_ *ResendConfirmationCodeOutput, err error) {
	ctx, ob := p.begin(ctx, "ResendConfirmationCode", AuditResendCode)
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
	u, err := p.findUser(ctx, in.Username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internalErr("resend code", err)
	}
	attr, value := "", ""
	if err == nil {
		attr, value = p.deliveryFor(u.Attributes, p.cfg.AutoVerifiedAttributes)
	}
	if err != nil || u.Status != store.StatusUnconfirmed || attr == "" {
		// Unknown, confirmed already, or nowhere to send: with existence
		// errors prevented, answered as a send to a real user.
		if c.preventsExistenceErrors() {
			v, err := p.simulatedSend(ctx, in.Username, purposeSignUp, sourceOf(in.UserContextData))
			return done(&ResendConfirmationCodeOutput{CodeDeliveryDetails: v}, err)
		}
		switch {
		case err != nil:
			return nil, newErr(CodeUserNotFound, msgUserNotExist)
		case u.Status != store.StatusUnconfirmed:
			return nil, invalidParam("User is already confirmed.")
		default:
			return nil, invalidParam("No verifiable attribute to send a code to.")
		}
	}
	d, err := p.sendCode(ctx, u, purposeSignUp, message.KindResendCode, attr, value, attr, sourceOf(in.UserContextData))
	return done(&ResendConfirmationCodeOutput{CodeDeliveryDetails: d}, err)
}

// modifyUser reads a user, applies change and writes it back, retrying on
// a concurrent update so no change is lost.
func (p *UserPool) modifyUser(ctx context.Context, op, sub string, change func(*store.User) error) (store.User, error) {
	for range 5 {
		u, err := p.store.GetUser(ctx, p.cfg.ID, sub)
		if errors.Is(err, store.ErrNotFound) {
			return u, newErr(CodeUserNotFound, msgUserNotExist)
		}
		if err != nil {
			return u, internalErr(op, err)
		}
		u.Attributes = userAttrs(u)
		if err := change(&u); err != nil {
			return u, err
		}
		out, err := p.updateUser(ctx, op, u)
		if errors.Is(err, ErrTooManyRequests) {
			continue
		}
		return out, err
	}
	return store.User{}, newErr(CodeTooManyRequests, "The user is being changed concurrently; retry.")
}
