package main

import (
	"context"
	"fmt"
	"text/tabwriter"
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
	return a.open(ctx, cf, devIssuer(defaultAddr), log)
}

// usersList prints the users matching -filter, every page.
func (a *app) usersList(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("users list", `users list [-filter 'email ^= "a"']`)
	filter := fs.String("filter", "", "Cognito ListUsers `filter`: 'email ^= \"ali\"', 'username = \"bob\"', 'status = \"Disabled\"'…")
	if err := parse(fs, args); err != nil {
		return err
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tSTATUS\tENABLED\tEMAIL\tSUB\tCREATED")
	token := ""
	for {
		out, err := in.pool.ListUsers(ctx, userpool.ListUsersInput{Filter: *filter, PaginationToken: token})
		if err != nil {
			return fmt.Errorf("list users: %w", err)
		}
		for _, u := range out.Users {
			fmt.Fprintf(tw, "%s\t%s\t%t\t%s\t%s\t%s\n", printable(u.Username), u.UserStatus, u.Enabled,
				printable(attribute(u.Attributes, "email")), attribute(u.Attributes, "sub"), u.UserCreateDate.UTC().Format(time.RFC3339))
		}
		if out.PaginationToken == "" {
			break
		}
		token = out.PaginationToken
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

// usersCreate creates a user who must choose a new password at the first
// sign-in (AdminCreateUser). The invitation with the temporary password is
// emailed unless -suppress.
func (a *app) usersCreate(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("users create", "users create -username U -email E [-temporary-password P] [-email-verified] [-suppress]")
	username := fs.String("username", "", "the user's `name` (required unless the pool signs in by email)")
	email := fs.String("email", "", "the user's email `address`")
	temp := fs.String("temporary-password", "", "temporary `password` (generated to the policy when empty)")
	verified := fs.Bool("email-verified", false, "mark the email as verified, so codes and resets may use it")
	suppress := fs.Bool("suppress", false, "send no invitation (then -temporary-password is required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *username == "" && *email == "" {
		return usagef("users create: -username or -email is required")
	}
	if *suppress && *temp == "" {
		return usagef("users create: -suppress needs -temporary-password, or nobody would know the password")
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	input := userpool.AdminCreateUserInput{Username: *username, TemporaryPassword: *temp}
	if *email != "" {
		input.UserAttributes = append(input.UserAttributes, userpool.Attribute{Name: "email", Value: *email})
		if *verified {
			input.UserAttributes = append(input.UserAttributes, userpool.Attribute{Name: "email_verified", Value: "true"})
		}
	}
	if *suppress {
		input.MessageAction = "SUPPRESS"
	}
	u, err := in.pool.AdminCreateUser(ctx, input)
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	fmt.Fprintf(a.stdout, "created user %s (%s)\n", printable(u.Username), u.UserStatus)
	if !*suppress && *email != "" {
		fmt.Fprintf(a.stdout, "the invitation with the temporary password was sent to %s\n", printable(*email))
	}
	return nil
}

// usersDisable disables a user, which also signs them out everywhere.
func (a *app) usersDisable(ctx context.Context, args []string) error {
	return a.setEnabled(ctx, "users disable", args, false)
}

// usersEnable enables a disabled user again.
func (a *app) usersEnable(ctx context.Context, args []string) error {
	return a.setEnabled(ctx, "users enable", args, true)
}

func (a *app) setEnabled(ctx context.Context, name string, args []string, enable bool) (err error) {
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
	if enable {
		_, err = in.pool.AdminEnableUser(ctx, userpool.AdminEnableUserInput{Username: *username})
	} else {
		_, err = in.pool.AdminDisableUser(ctx, userpool.AdminDisableUserInput{Username: *username})
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	state := "disabled"
	if enable {
		state = "enabled"
	}
	fmt.Fprintf(a.stdout, "%s user %s\n", state, printable(*username))
	return nil
}

// closeInto closes the instance, reporting a close error when the command
// itself succeeded.
func closeInto(in *instance, err *error) {
	if cerr := in.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("close store: %w", cerr)
	}
}
