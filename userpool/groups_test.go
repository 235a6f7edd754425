package userpool_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

func intp(n int) *int { return &n }

func strp(s string) *string { return &s }

// mustGroup creates a group.
func (e *env) mustGroup(in userpool.CreateGroupInput) *userpool.GroupType {
	e.t.Helper()
	g, err := e.pool.CreateGroup(e.ctx, in)
	if err != nil {
		e.t.Fatalf("CreateGroup(%s): %v", in.GroupName, err)
	}
	return g.GroupType
}

func TestTokenGroupsFollowPrecedenceWithUnsetLast(t *testing.T) {
	e := newFastEnv(t)
	for _, g := range []userpool.CreateGroupInput{
		{GroupName: "unset-b", RoleArn: "arn:role/unset-b"},
		{GroupName: "mid", Precedence: intp(5), RoleArn: "arn:role/mid"},
		{GroupName: "zeta", Precedence: intp(1), RoleArn: "arn:role/zeta"},
		{GroupName: "unset-a"},
		{GroupName: "alpha", Precedence: intp(1), RoleArn: "arn:role/alpha"},
		{GroupName: "zero", Precedence: intp(0)},
	} {
		created := e.mustGroup(g)
		if (g.Precedence == nil) != (created.Precedence == nil) || (g.Precedence != nil && *created.Precedence != *g.Precedence) {
			t.Fatalf("CreateGroup(%s) precedence = %v, want %v", g.GroupName, created.Precedence, g.Precedence)
		}
	}
	e.confirmedUser("gus", "gus@example.com")
	for _, g := range []string{"unset-b", "mid", "zeta", "unset-a", "alpha", "zero"} {
		wantNoError(t, "add "+g, errOf(e.pool.AdminAddUserToGroup(e.ctx, userpool.AdminAddUserToGroupInput{Username: "gus", GroupName: g})))
	}
	res := e.mustSignIn("gus", goodPW)
	want := []string{"zero", "alpha", "zeta", "mid", "unset-a", "unset-b"}
	id, access := e.idClaims(res.IDToken), e.accessClaims(res.AccessToken)
	if !slices.Equal(id.Groups, want) || !slices.Equal(access.Groups, want) {
		t.Fatalf("groups: id %v, access %v; want %v", id.Groups, access.Groups, want)
	}
	// The preferred role is that of the first group with a role.
	if id.PreferredRole != "arn:role/alpha" {
		t.Fatalf("preferred role = %q", id.PreferredRole)
	}
	if want := []string{"arn:role/alpha", "arn:role/zeta", "arn:role/mid", "arn:role/unset-b"}; !slices.Equal(id.Roles, want) {
		t.Fatalf("roles = %v, want %v", id.Roles, want)
	}

	// A new precedence shows in the next tokens, refreshed ones included.
	if _, err := e.pool.UpdateGroup(e.ctx, userpool.UpdateGroupInput{GroupName: "unset-b", Precedence: intp(0)}); err != nil {
		t.Fatal(err)
	}
	refreshed, err := e.refresh(webClient, res.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.idClaims(refreshed.IDToken); got.Groups[0] != "unset-b" || got.Groups[1] != "zero" || got.PreferredRole != "arn:role/unset-b" {
		t.Fatalf("after the update: groups %v, preferred role %q", got.Groups, got.PreferredRole)
	}
}

func TestAUserCanBeInAtMostOneHundredGroups(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t), fastKeys)
			e.confirmedUser("hal", "hal@example.com")
			for i := range 101 {
				e.mustGroup(userpool.CreateGroupInput{GroupName: fmt.Sprintf("g%03d", i)})
			}
			for i := range 100 {
				wantNoError(t, "join", errOf(e.pool.AdminAddUserToGroup(e.ctx, userpool.AdminAddUserToGroupInput{Username: "hal", GroupName: fmt.Sprintf("g%03d", i)})))
			}
			wantCode(t, errOf(e.pool.AdminAddUserToGroup(e.ctx, userpool.AdminAddUserToGroupInput{Username: "hal", GroupName: "g100"})), userpool.CodeLimitExceeded)
			// Joining a group the user is already in is not a new membership.
			wantNoError(t, "join again", errOf(e.pool.AdminAddUserToGroup(e.ctx, userpool.AdminAddUserToGroupInput{Username: "hal", GroupName: "g042"})))
			var all []string
			next := ""
			for {
				page, err := e.pool.AdminListGroupsForUser(e.ctx, userpool.AdminListGroupsForUserInput{Username: "hal", Limit: 60, NextToken: next})
				if err != nil {
					t.Fatal(err)
				}
				for _, g := range page.Groups {
					all = append(all, g.GroupName)
				}
				if next = page.NextToken; next == "" {
					break
				}
			}
			if len(all) != 100 || slices.Contains(all, "g100") || !slices.IsSorted(all) {
				t.Fatalf("%d groups listed: %v…", len(all), all[:3])
			}
			wantNoError(t, "leave", errOf(e.pool.AdminRemoveUserFromGroup(e.ctx, userpool.AdminRemoveUserFromGroupInput{Username: "hal", GroupName: "g000"})))
			wantNoError(t, "join after leaving one", errOf(e.pool.AdminAddUserToGroup(e.ctx, userpool.AdminAddUserToGroupInput{Username: "hal", GroupName: "g100"})))
			res := e.mustSignIn("hal", goodPW)
			if n := len(e.accessClaims(res.AccessToken).Groups); n != 100 {
				t.Fatalf("the token holds %d groups", n)
			}
		})
	}
}

func TestUpdateGroupLeavesNilFieldsAlone(t *testing.T) {
	e := newFastEnv(t)
	created := e.mustGroup(userpool.CreateGroupInput{GroupName: "ops", Description: "Operations", RoleArn: "arn:role/ops", Precedence: intp(3)})
	e.clock.Advance(time.Minute)

	g, err := e.pool.UpdateGroup(e.ctx, userpool.UpdateGroupInput{GroupName: "ops", Description: strp("Site reliability")})
	if err != nil {
		t.Fatal(err)
	}
	if g.Description != "Site reliability" || g.RoleArn != "arn:role/ops" || g.Precedence == nil || *g.Precedence != 3 {
		t.Fatalf("after updating the description: %+v", g)
	}
	if !g.LastModifiedDate.After(created.LastModifiedDate) || !g.CreationDate.Equal(created.CreationDate) {
		t.Fatalf("dates: created %v/%v, updated %v/%v", created.CreationDate, created.LastModifiedDate, g.CreationDate, g.LastModifiedDate)
	}
	g, err = e.pool.UpdateGroup(e.ctx, userpool.UpdateGroupInput{GroupName: "ops", RoleArn: strp(""), Precedence: intp(0)})
	if err != nil {
		t.Fatal(err)
	}
	if g.Description != "Site reliability" || g.RoleArn != "" || g.Precedence == nil || *g.Precedence != 0 {
		t.Fatalf("after clearing the role and setting precedence 0: %+v", g)
	}
	if got, err := e.pool.GetGroup(e.ctx, userpool.GetGroupInput{GroupName: "ops"}); err != nil || got.Description != g.Description || got.RoleArn != g.RoleArn || *got.Precedence != *g.Precedence {
		t.Fatalf("GetGroup = %+v, %v; UpdateGroup said %+v", got, err, g)
	}
	g, err = e.pool.UpdateGroup(e.ctx, userpool.UpdateGroupInput{GroupName: "ops"})
	if err != nil || g.Description != "Site reliability" || *g.Precedence != 0 {
		t.Fatalf("an update changing nothing: %+v, %v", g, err)
	}

	refused := []struct {
		name string
		in   userpool.UpdateGroupInput
		want userpool.ErrorCode
	}{
		{"an unknown group", userpool.UpdateGroupInput{GroupName: "nope", Description: strp("x")}, userpool.CodeResourceNotFound},
		{"no group name", userpool.UpdateGroupInput{Description: strp("x")}, userpool.CodeInvalidParameter},
		{"a negative precedence", userpool.UpdateGroupInput{GroupName: "ops", Precedence: intp(-1)}, userpool.CodeInvalidParameter},
		{"a description over 2048 characters", userpool.UpdateGroupInput{GroupName: "ops", Description: strp(strings.Repeat("d", 2049))}, userpool.CodeInvalidParameter},
		{"a role over 2048 characters", userpool.UpdateGroupInput{GroupName: "ops", RoleArn: strp(strings.Repeat("r", 2049))}, userpool.CodeInvalidParameter},
	}
	for _, tc := range refused {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			_, err := e.pool.UpdateGroup(e.ctx, tc.in)
			wantCode(t, err, tc.want)
			got, err := e.pool.GetGroup(e.ctx, userpool.GetGroupInput{GroupName: "ops"})
			if err != nil || got.Description != "Site reliability" || *got.Precedence != 0 {
				t.Fatalf("a refused update changed the group: %+v, %v", got, err)
			}
		})
	}
}

func TestListUsersInGroupPages(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t), fastKeys)
			e.mustGroup(userpool.CreateGroupInput{GroupName: "crew"})
			e.mustGroup(userpool.CreateGroupInput{GroupName: "empty"})
			var want []string
			for i := range 7 {
				name := fmt.Sprintf("member%d", i)
				e.confirmedUser(name, name+"@example.com")
				wantNoError(t, "join", errOf(e.pool.AdminAddUserToGroup(e.ctx, userpool.AdminAddUserToGroupInput{Username: name, GroupName: "crew"})))
				want = append(want, name)
			}
			e.confirmedUser("outsider", "outsider@example.com")

			var got []string
			pages, next := 0, ""
			for {
				page, err := e.pool.ListUsersInGroup(e.ctx, userpool.ListUsersInGroupInput{GroupName: "crew", Limit: 3, NextToken: next})
				if err != nil {
					t.Fatal(err)
				}
				pages++
				if len(page.Users) > 3 {
					t.Fatalf("page of %d users with Limit 3", len(page.Users))
				}
				for _, u := range page.Users {
					got = append(got, u.Username)
				}
				if next = page.NextToken; next == "" {
					break
				}
				if pages == 1 {
					_, err := e.pool.ListUsersInGroup(e.ctx, userpool.ListUsersInGroupInput{GroupName: "empty", NextToken: next})
					wantCode(t, err, userpool.CodeInvalidParameter)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) || pages != 3 {
				t.Fatalf("%d pages listed %v, want %v", pages, got, want)
			}
			empty, err := e.pool.ListUsersInGroup(e.ctx, userpool.ListUsersInGroupInput{GroupName: "empty"})
			if err != nil || len(empty.Users) != 0 || empty.NextToken != "" {
				t.Fatalf("empty group = %+v, %v", empty, err)
			}
			// Exactly a page: no token for an empty next page.
			full, err := e.pool.ListUsersInGroup(e.ctx, userpool.ListUsersInGroupInput{GroupName: "crew", Limit: 7})
			if err != nil || len(full.Users) != 7 || full.NextToken != "" {
				t.Fatalf("a page of exactly 7 = %d users, token %q, %v", len(full.Users), full.NextToken, err)
			}
			// A deleted user leaves the group.
			wantNoError(t, "delete", errOf(e.pool.AdminDeleteUser(e.ctx, userpool.AdminDeleteUserInput{Username: "member3"})))
			full, err = e.pool.ListUsersInGroup(e.ctx, userpool.ListUsersInGroupInput{GroupName: "crew"})
			if err != nil || len(full.Users) != 6 {
				t.Fatalf("after deleting a member: %d users, %v", len(full.Users), err)
			}

			for _, in := range []userpool.ListUsersInGroupInput{
				{GroupName: "crew", NextToken: "forged"},
				{GroupName: "crew", Limit: 61},
				{GroupName: "crew", Limit: -1},
				{GroupName: ""},
			} {
				_, err := e.pool.ListUsersInGroup(e.ctx, in)
				wantCode(t, err, userpool.CodeInvalidParameter)
			}
			_, err = e.pool.ListUsersInGroup(e.ctx, userpool.ListUsersInGroupInput{GroupName: "nope"})
			wantCode(t, err, userpool.CodeResourceNotFound)
		})
	}
}

func TestGroupOperationsRefuseBadInput(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("ivy", "ivy@example.com")
	e.mustGroup(userpool.CreateGroupInput{GroupName: "real"})
	for _, in := range []userpool.CreateGroupInput{
		{GroupName: ""},
		{GroupName: "has space"},
		{GroupName: strings.Repeat("g", 129)},
		{GroupName: "ok", Precedence: intp(-1)},
		{GroupName: "ok", Description: strings.Repeat("d", 2049)},
		{GroupName: "ok", RoleArn: strings.Repeat("r", 2049)},
	} {
		_, err := e.pool.CreateGroup(e.ctx, in)
		wantCode(t, err, userpool.CodeInvalidParameter)
	}
	if _, err := e.pool.GetGroup(e.ctx, userpool.GetGroupInput{GroupName: "ok"}); err == nil {
		t.Fatal("a refused group was created")
	}
	_, err := e.pool.GetGroup(e.ctx, userpool.GetGroupInput{GroupName: ""})
	wantCode(t, err, userpool.CodeInvalidParameter)
	wantCode(t, errOf(e.pool.DeleteGroup(e.ctx, userpool.DeleteGroupInput{GroupName: "nope"})), userpool.CodeResourceNotFound)
	wantCode(t, errOf(e.pool.AdminAddUserToGroup(e.ctx, userpool.AdminAddUserToGroupInput{Username: "ivy", GroupName: "nope"})), userpool.CodeResourceNotFound)
	wantCode(t, errOf(e.pool.AdminRemoveUserFromGroup(e.ctx, userpool.AdminRemoveUserFromGroupInput{Username: "ivy", GroupName: "nope"})), userpool.CodeResourceNotFound)
	wantCode(t, errOf(e.pool.AdminRemoveUserFromGroup(e.ctx, userpool.AdminRemoveUserFromGroupInput{Username: "nobody", GroupName: "real"})), userpool.CodeUserNotFound)
	_, err = e.pool.AdminListGroupsForUser(e.ctx, userpool.AdminListGroupsForUserInput{Username: "nobody"})
	wantCode(t, err, userpool.CodeUserNotFound)
	_, err = e.pool.AdminListGroupsForUser(e.ctx, userpool.AdminListGroupsForUserInput{Username: "ivy", Limit: 61})
	wantCode(t, err, userpool.CodeInvalidParameter)
	_, err = e.pool.ListGroups(e.ctx, userpool.ListGroupsInput{Limit: -1})
	wantCode(t, err, userpool.CodeInvalidParameter)
	// Leaving a group one is not in is harmless.
	wantNoError(t, "remove a non-member", errOf(e.pool.AdminRemoveUserFromGroup(e.ctx, userpool.AdminRemoveUserFromGroupInput{Username: "ivy", GroupName: "real"})))
}

func TestAdminListGroupsForUserPages(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("joe", "joe@example.com")
	e.confirmedUser("kim", "kim@example.com")
	for _, g := range []string{"e", "d", "c", "b", "a"} {
		e.mustGroup(userpool.CreateGroupInput{GroupName: g})
		wantNoError(t, "join", errOf(e.pool.AdminAddUserToGroup(e.ctx, userpool.AdminAddUserToGroupInput{Username: "joe", GroupName: g})))
	}
	var got []string
	next := ""
	for {
		page, err := e.pool.AdminListGroupsForUser(e.ctx, userpool.AdminListGroupsForUserInput{Username: "joe", Limit: 2, NextToken: next})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range page.Groups {
			got = append(got, g.GroupName)
		}
		if next = page.NextToken; next == "" {
			break
		}
		// Another user's listing does not continue from joe's token.
		_, err = e.pool.AdminListGroupsForUser(e.ctx, userpool.AdminListGroupsForUserInput{Username: "kim", Limit: 2, NextToken: next})
		wantCode(t, err, userpool.CodeInvalidParameter)
	}
	if strings.Join(got, "") != "abcde" {
		t.Fatalf("pages gave %v", got)
	}
	// Deleting a group takes it out of its members' tokens at once.
	wantNoError(t, "delete", errOf(e.pool.DeleteGroup(e.ctx, userpool.DeleteGroupInput{GroupName: "c"})))
	res := e.mustSignIn("joe", goodPW)
	if gs := e.accessClaims(res.AccessToken).Groups; slices.Contains(gs, "c") || len(gs) != 4 {
		t.Fatalf("groups after deleting c: %v", gs)
	}
}
