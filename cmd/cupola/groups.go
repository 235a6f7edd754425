package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// groupJSON is a group in JSON output (groups list, users groups). The
// field names are stable; precedence is null when unset.
type groupJSON struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Precedence  *int       `json:"precedence"`
	RoleArn     string     `json:"role_arn"`
	Created     *time.Time `json:"created"`
	Modified    *time.Time `json:"modified"`
}

// printGroups prints groups as a table or a JSON array.
func (a *app) printGroups(groups []userpool.GroupType, format string) error {
	if format == formatJSON {
		list := make([]groupJSON, 0, len(groups))
		for _, g := range groups {
			list = append(list, groupJSON{Name: g.GroupName, Description: g.Description, Precedence: g.Precedence,
				RoleArn: g.RoleArn, Created: timeJSON(g.CreationDate), Modified: timeJSON(g.LastModifiedDate)})
		}
		return a.writeJSON(list)
	}
	tw := a.table()
	fmt.Fprintln(tw, "NAME\tPRECEDENCE\tDESCRIPTION\tCREATED")
	for _, g := range groups {
		prec := "-"
		if g.Precedence != nil {
			prec = strconv.Itoa(*g.Precedence)
		}
		desc := g.Description
		if desc == "" {
			desc = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cell(g.GroupName), prec, cell(desc), timeText(g.CreationDate))
	}
	return tw.Flush()
}

// groupsCreate creates a group (CreateGroup).
func (a *app) groupsCreate(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("groups create", "groups create -name G [-description D] [-precedence N] [-role-arn ARN]")
	name := fs.String("name", "", "the group's `name` (required)")
	desc := fs.String("description", "", "a `description`")
	prec := fs.Int("precedence", -1, "the group's `precedence`: the lowest wins when a user's groups name roles (unset when negative)")
	role := fs.String("role-arn", "", "an IAM role `ARN`, passed on in the cognito:roles claim")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" {
		return usagef("groups create: -name is required")
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	input := userpool.CreateGroupInput{GroupName: *name, Description: *desc, RoleArn: *role}
	if *prec >= 0 {
		input.Precedence = prec
	}
	if _, err := in.pool.CreateGroup(ctx, input); err != nil {
		return fmt.Errorf("groups create: %w", err)
	}
	fmt.Fprintf(a.stdout, "created group %s\n", printable(*name))
	return nil
}

// groupsList prints the pool's groups, every page.
func (a *app) groupsList(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("groups list", "groups list [-o text|json]")
	format := outputFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkOutput("groups list", *format); err != nil {
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
		out, err := in.pool.ListGroups(ctx, userpool.ListGroupsInput{NextToken: token})
		if err != nil {
			return fmt.Errorf("groups list: %w", err)
		}
		groups = append(groups, out.Groups...)
		if out.NextToken == "" {
			break
		}
		token = out.NextToken
	}
	return a.printGroups(groups, *format)
}

// groupsDelete deletes a group and its memberships; the users stay.
func (a *app) groupsDelete(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("groups delete", "groups delete -name G")
	name := fs.String("name", "", "the group's `name` (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" {
		return usagef("groups delete: -name is required")
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	if _, err := in.pool.DeleteGroup(ctx, userpool.DeleteGroupInput{GroupName: *name}); err != nil {
		return fmt.Errorf("groups delete: %w", err)
	}
	fmt.Fprintf(a.stdout, "deleted group %s\n", printable(*name))
	return nil
}

// groupsAdd adds a user to a group.
func (a *app) groupsAdd(ctx context.Context, args []string) error {
	return a.membership(ctx, "groups add", args, "added user %s to group %s", func(ctx context.Context, p *userpool.UserPool, user, group string) error {
		_, err := p.AdminAddUserToGroup(ctx, userpool.AdminAddUserToGroupInput{Username: user, GroupName: group})
		return err
	})
}

// groupsRemove removes a user from a group.
func (a *app) groupsRemove(ctx context.Context, args []string) error {
	return a.membership(ctx, "groups remove", args, "removed user %s from group %s", func(ctx context.Context, p *userpool.UserPool, user, group string) error {
		_, err := p.AdminRemoveUserFromGroup(ctx, userpool.AdminRemoveUserFromGroupInput{Username: user, GroupName: group})
		return err
	})
}

// membership runs groups add or remove: -name and -username, one call.
func (a *app) membership(ctx context.Context, name string, args []string, done string,
	op func(ctx context.Context, p *userpool.UserPool, user, group string) error) (err error) {
	fs, cf := a.flagSet(name, name+" -name G -username U")
	group := fs.String("name", "", "the group's `name` (required)")
	username := fs.String("username", "", "the user's `name` or a verified alias (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *group == "" || *username == "" {
		return usagef("%s: -name and -username are required", name)
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	if err := op(ctx, in.pool, *username, *group); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Fprintf(a.stdout, done+"\n", printable(*username), printable(*group))
	return nil
}
