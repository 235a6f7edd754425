package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// adminPool opens the pool for an administrative command. The issuer of
// a development pool does not matter here: nothing is signed.
func (a *app) adminPool(ctx context.Context, cf *commonFlags) (*instance, error) {
	log, err := a.logger(cf)
	if err != nil {
		return nil, err
	}
	return a.open(ctx, cf, devIssuer(defaultAddr), log, false)
}

// userJSON is a user in JSON output (users list, users get). The field
// names are stable.
type userJSON struct {
	Username   string            `json:"username"`
	Sub        string            `json:"sub"`
	Status     string            `json:"status"`
	Enabled    bool              `json:"enabled"`
	Created    *time.Time        `json:"created"`
	Modified   *time.Time        `json:"modified"`
	Attributes map[string]string `json:"attributes"`
}

func newUserJSON(u userpool.UserType) userJSON {
	attrs := make(map[string]string, len(u.Attributes))
	for _, a := range u.Attributes {
		attrs[a.Name] = a.Value
	}
	return userJSON{Username: u.Username, Sub: attrs["sub"], Status: string(u.UserStatus), Enabled: u.Enabled,
		Created: timeJSON(u.UserCreateDate), Modified: timeJSON(u.UserLastModifiedDate), Attributes: attrs}
}

// usersList prints the users matching -filter, every page.
func (a *app) usersList(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("users list", `users list [-filter 'email ^= "a"'] [-o text|json]`)
	filter := fs.String("filter", "", "Cognito ListUsers `filter`: 'email ^= \"ali\"', 'username = \"bob\"', 'status = \"Disabled\"'…")
	format := outputFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkOutput("users list", *format); err != nil {
		return err
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	var users []userpool.UserType
	token := ""
	for {
		out, err := in.pool.ListUsers(ctx, userpool.ListUsersInput{Filter: *filter, PaginationToken: token})
		if err != nil {
			return fmt.Errorf("list users: %w", err)
		}
		users = append(users, out.Users...)
		if out.PaginationToken == "" {
			break
		}
		token = out.PaginationToken
	}
	if *format == formatJSON {
		list := make([]userJSON, 0, len(users))
		for _, u := range users {
			list = append(list, newUserJSON(u))
		}
		return a.writeJSON(list)
	}
	tw := a.table()
	fmt.Fprintln(tw, "USERNAME\tSTATUS\tENABLED\tEMAIL\tSUB\tCREATED")
	for _, u := range users {
		fmt.Fprintf(tw, "%s\t%s\t%t\t%s\t%s\t%s\n", cell(u.Username), u.UserStatus, u.Enabled,
			cell(attribute(u.Attributes, "email")), cell(attribute(u.Attributes, "sub")), timeText(u.UserCreateDate))
	}
	return tw.Flush()
}

func attribute(attrs []userpool.Attribute, name string) string {
	for _, a := range attrs {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

// usersGet prints one user (AdminGetUser).
func (a *app) usersGet(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("users get", "users get -username U [-o text|json]")
	username := fs.String("username", "", "the user's `name` (or a verified alias)")
	format := outputFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return usagef("users get: -username is required")
	}
	if err := checkOutput("users get", *format); err != nil {
		return err
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	out, err := in.pool.AdminGetUser(ctx, userpool.AdminGetUserInput{Username: *username})
	if err != nil {
		return fmt.Errorf("users get: %w", err)
	}
	u := newUserJSON(*out.UserType)
	if *format == formatJSON {
		return a.writeJSON(u)
	}
	tw := a.table()
	fmt.Fprintf(tw, "username:\t%s\n", cell(u.Username))
	fmt.Fprintf(tw, "sub:\t%s\n", cell(u.Sub))
	fmt.Fprintf(tw, "status:\t%s\n", u.Status)
	fmt.Fprintf(tw, "enabled:\t%t\n", u.Enabled)
	fmt.Fprintf(tw, "created:\t%s\n", timeText(out.UserCreateDate))
	fmt.Fprintf(tw, "modified:\t%s\n", timeText(out.UserLastModifiedDate))
	fmt.Fprintln(tw, "attributes:\t")
	for _, k := range slices.Sorted(maps.Keys(u.Attributes)) {
		fmt.Fprintf(tw, "  %s:\t%s\n", cell(k), cell(u.Attributes[k]))
	}
	return tw.Flush()
}

// usersCreate creates a user who must choose a new password at the first
// sign-in (AdminCreateUser). The invitation with the temporary password is
// emailed unless -suppress; with -suppress and no password given, one is
// generated and printed.
func (a *app) usersCreate(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("users create", "users create -username U -email E [-attribute name=value...] [-password-stdin] [-email-verified] [-suppress]")
	username := fs.String("username", "", "the user's `name` (required unless the pool signs in by email)")
	email := fs.String("email", "", "the user's email `address`")
	attrs := keyValues{}
	fs.Var(attrs, "attribute", "another attribute, `name=value` (repeat): given_name=Ada, phone_number=+15555550100")
	temp := fs.String("temporary-password", "", "temporary `password`; WARNING: it lands in the shell history and process list, prefer -password-stdin")
	stdinPW := fs.Bool("password-stdin", false, "read the temporary password from the first line of stdin")
	verified := fs.Bool("email-verified", false, "mark the email as verified, so codes and resets may use it")
	suppress := fs.Bool("suppress", false, "send no invitation; without a password given, one is generated and printed")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *username == "" && *email == "" {
		return usagef("users create: -username or -email is required")
	}
	if *temp != "" && *stdinPW {
		return usagef("users create: give -temporary-password or -password-stdin, not both")
	}
	if _, ok := attrs["email"]; ok {
		return usagef("users create: give the email as -email")
	}
	if _, phone := attrs["phone_number"]; *email == "" && !phone && !*suppress {
		return usagef("users create: without -email or a phone_number, the invitation cannot be sent: give -suppress, and the temporary password is printed")
	}
	password := *temp
	if *stdinPW {
		if password, err = a.readPasswordStdin(); err != nil {
			return err
		}
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	generated := false
	if password == "" && *suppress {
		if password, err = a.generatePassword(in.cfg.Pool.PasswordPolicy.MinimumLength); err != nil {
			return err
		}
		generated = true
	}
	input := userpool.AdminCreateUserInput{Username: *username, TemporaryPassword: password}
	if *email != "" {
		input.UserAttributes = append(input.UserAttributes, userpool.Attribute{Name: "email", Value: *email})
		if *verified {
			input.UserAttributes = append(input.UserAttributes, userpool.Attribute{Name: "email_verified", Value: "true"})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		input.UserAttributes = append(input.UserAttributes, userpool.Attribute{Name: k, Value: attrs[k]})
	}
	if *suppress {
		input.MessageAction = "SUPPRESS"
	}
	u, err := in.pool.AdminCreateUser(ctx, input)
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	fmt.Fprintf(a.stdout, "created user %s (%s)\n", printable(u.Username), u.UserStatus)
	switch {
	case generated:
		fmt.Fprintf(a.stdout, "temporary password: %s\n", password)
		fmt.Fprintln(a.stdout, "Give it to the user: it is not shown again, and they choose a new one at the first sign-in.")
	case !*suppress && *email != "":
		fmt.Fprintf(a.stdout, "the invitation with the temporary password was sent to %s\n", printable(*email))
	}
	return nil
}

// usersDisable disables a user, which also signs them out everywhere.
func (a *app) usersDisable(ctx context.Context, args []string) error {
	return a.userAction(ctx, "users disable", args, "disabled user %s", func(ctx context.Context, p *userpool.UserPool, u string) error {
		_, err := p.AdminDisableUser(ctx, userpool.AdminDisableUserInput{Username: u})
		return err
	})
}

// usersEnable enables a disabled user again.
func (a *app) usersEnable(ctx context.Context, args []string) error {
	return a.userAction(ctx, "users enable", args, "enabled user %s", func(ctx context.Context, p *userpool.UserPool, u string) error {
		_, err := p.AdminEnableUser(ctx, userpool.AdminEnableUserInput{Username: u})
		return err
	})
}

// usersDelete deletes a user and everything issued to them.
func (a *app) usersDelete(ctx context.Context, args []string) error {
	return a.userAction(ctx, "users delete", args, "deleted user %s", func(ctx context.Context, p *userpool.UserPool, u string) error {
		_, err := p.AdminDeleteUser(ctx, userpool.AdminDeleteUserInput{Username: u})
		return err
	})
}

// usersConfirm confirms an UNCONFIRMED user without a code.
func (a *app) usersConfirm(ctx context.Context, args []string) error {
	return a.userAction(ctx, "users confirm", args, "confirmed user %s", func(ctx context.Context, p *userpool.UserPool, u string) error {
		_, err := p.AdminConfirmSignUp(ctx, userpool.AdminConfirmSignUpInput{Username: u})
		return err
	})
}

// usersResetPassword puts a user in RESET_REQUIRED; a reset code goes to
// their verified email or phone number.
func (a *app) usersResetPassword(ctx context.Context, args []string) error {
	return a.userAction(ctx, "users reset-password", args, "user %s must reset their password (a code went to the verified email or phone, if any)",
		func(ctx context.Context, p *userpool.UserPool, u string) error {
			_, err := p.AdminResetUserPassword(ctx, userpool.AdminResetUserPasswordInput{Username: u})
			return err
		})
}

// usersSignOut revokes every session of a user.
func (a *app) usersSignOut(ctx context.Context, args []string) error {
	return a.userAction(ctx, "users sign-out", args, "signed out user %s everywhere", func(ctx context.Context, p *userpool.UserPool, u string) error {
		_, err := p.AdminUserGlobalSignOut(ctx, userpool.AdminUserGlobalSignOutInput{Username: u})
		return err
	})
}

// userAction runs a command that takes only -username and calls one admin
// operation; done is printed with the username on success.
func (a *app) userAction(ctx context.Context, name string, args []string, done string,
	op func(ctx context.Context, p *userpool.UserPool, username string) error) (err error) {
	fs, cf := a.flagSet(name, name+" -username U")
	username := fs.String("username", "", "the user's `name` (or a verified alias)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return usagef("%s: -username is required", name)
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	if err := op(ctx, in.pool, *username); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Fprintf(a.stdout, done+"\n", printable(*username))
	return nil
}

// usersSetPassword sets a user's password (AdminSetUserPassword), which
// also signs them out everywhere. The password comes from stdin
// (-password-stdin); without it, a temporary one is generated and printed.
func (a *app) usersSetPassword(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("users set-password", "users set-password -username U [-password-stdin] [-permanent]")
	username := fs.String("username", "", "the user's `name` (or a verified alias)")
	stdinPW := fs.Bool("password-stdin", false, "read the password from the first line of stdin (without it, a temporary password is generated and printed)")
	permanent := fs.Bool("permanent", false, "set a permanent password (status CONFIRMED) instead of a temporary one; needs -password-stdin")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return usagef("users set-password: -username is required")
	}
	if *permanent && !*stdinPW {
		return usagef("users set-password: -permanent needs -password-stdin")
	}
	password := ""
	if *stdinPW {
		if password, err = a.readPasswordStdin(); err != nil {
			return err
		}
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	generated := password == ""
	if generated {
		if password, err = a.generatePassword(in.cfg.Pool.PasswordPolicy.MinimumLength); err != nil {
			return err
		}
	}
	_, err = in.pool.AdminSetUserPassword(ctx, userpool.AdminSetUserPasswordInput{Username: *username, Password: password, Permanent: *permanent})
	if err != nil {
		return fmt.Errorf("users set-password: %w", err)
	}
	kind := "temporary"
	if *permanent {
		kind = "permanent"
	}
	fmt.Fprintf(a.stdout, "set a %s password for user %s and signed them out everywhere\n", kind, printable(*username))
	if generated {
		fmt.Fprintf(a.stdout, "temporary password: %s\n", password)
	}
	return nil
}

// usersGroups prints the groups a user belongs to.
func (a *app) usersGroups(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("users groups", "users groups -username U [-o text|json]")
	username := fs.String("username", "", "the user's `name` (or a verified alias)")
	format := outputFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return usagef("users groups: -username is required")
	}
	if err := checkOutput("users groups", *format); err != nil {
		return err
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	var groups []userpool.GroupType
	token := ""
	for {
		out, err := in.pool.AdminListGroupsForUser(ctx, userpool.AdminListGroupsForUserInput{Username: *username, NextToken: token})
		if err != nil {
			return fmt.Errorf("users groups: %w", err)
		}
		groups = append(groups, out.Groups...)
		if out.NextToken == "" {
			break
		}
		token = out.NextToken
	}
	return a.printGroups(groups, *format)
}

// closeInto closes the instance, reporting a close error when the command
// itself succeeded.
func closeInto(in *instance, err *error) {
	if cerr := in.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("close store: %w", cerr)
	}
}
