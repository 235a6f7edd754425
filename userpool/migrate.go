package userpool

import (
	"context"
	"errors"
	"slices"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/trigger"
)

// migrateUser asks the MigrateUser trigger about a user the pool does not
// know: at sign-in (with the password the user typed, which the trigger
// checks against the old system) or at ForgotPassword (password ""). A
// trigger that returns attributes creates the user, the password hashed
// with the pool's own parameters; a trigger that refuses leaves the user
// unknown, so the caller answers as for any unknown user.
func (p *UserPool) migrateUser(ctx context.Context, c *appClient, login, password string, meta map[string]string) (store.User, bool, error) {
	fn := p.cfg.Triggers.MigrateUser
	if fn == nil || !validUsername(login) {
		return store.User{}, false, nil
	}
	source := "UserMigration_Authentication"
	if password == "" {
		source = "UserMigration_ForgotPassword"
	}
	ev := &trigger.MigrateUserEvent{Common: p.triggerCommon(source, login, c.ID)}
	ev.Request.Password, ev.Request.ValidationData, ev.Request.ClientMetadata = password, map[string]string{}, nonNil(meta)
	if err := runTrigger(ctx, p, "UserMigration", fn, ev); err != nil {
		var pe *Error
		if errors.As(err, &pe) && pe.Code == CodeUserLambdaValidation {
			return store.User{}, false, nil // the old system does not know this user or password
		}
		return store.User{}, false, err
	}
	r := ev.Response
	if len(r.UserAttributes) == 0 {
		return store.User{}, false, nil
	}
	status := store.StatusConfirmed
	switch r.FinalUserStatus {
	case "", "CONFIRMED":
		if password == "" {
			status = store.StatusResetRequired
		}
	case "RESET_REQUIRED":
		status = store.StatusResetRequired
	default:
		return store.User{}, false, newErr(CodeInvalidLambdaResponse, "UserMigration finalUserStatus must be CONFIRMED or RESET_REQUIRED.")
	}
	if r.MessageAction != "" && r.MessageAction != "SUPPRESS" {
		return store.User{}, false, newErr(CodeInvalidLambdaResponse, "UserMigration messageAction must be SUPPRESS or empty.")
	}
	var list []Attribute
	for k, v := range r.UserAttributes {
		if k == "sub" || k == "username" || k == "cognito:user_status" {
			continue
		}
		list = append(list, Attribute{Name: k, Value: v})
	}
	slices.SortFunc(list, func(a, b Attribute) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	attrs, err := p.checkAdminAttributes(list, true)
	if err != nil {
		return store.User{}, false, &Error{Code: CodeInvalidLambdaResponse, Message: "UserMigration returned invalid attributes.", Err: err}
	}
	username, err := p.signUpUsername(login, attrs)
	if err != nil {
		return store.User{}, false, &Error{Code: CodeInvalidLambdaResponse, Message: "UserMigration cannot migrate this username.", Err: err}
	}
	for attr, flag := range verifiedFlags {
		if attrs[attr] == "" {
			delete(attrs, flag)
		} else if attrs[flag] == "" {
			attrs[flag] = "false"
		}
	}
	sub, err := random.UUID(p.random)
	if err != nil {
		return store.User{}, false, internalErr("migrate user", err)
	}
	if username == "" {
		username = sub
	}
	now := p.now()
	cred := store.PasswordCredential{ChangedAt: now}
	if password != "" {
		if cred, err = p.passwordCredential(ctx, sub, username, password); err != nil {
			return store.User{}, false, err
		}
	}
	u, err := p.store.CreateUser(ctx, store.User{PoolID: p.cfg.ID, Sub: sub, Username: username, UsernameKey: p.usernameKey(username),
		Status: status, Enabled: true, Attributes: attrs, Aliases: p.aliasesOf(attrs, nil), Password: cred,
		MFA: store.MFA{SMSEnabled: r.EnableSMSMFA}, CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, store.ErrExists) {
		// Migrated meanwhile by a concurrent sign-in, or the alias is taken.
		if u, ferr := p.findUser(ctx, login); ferr == nil {
			return u, true, nil
		}
		return store.User{}, false, newErr(CodeAliasExists, "UserMigration returned an email or phone number another user holds.")
	}
	if err != nil {
		return store.User{}, false, internalErr("migrate user", err)
	}
	p.log.InfoContext(ctx, "user migrated", "sub", u.Sub, "source", source)
	return u, true, nil
}
