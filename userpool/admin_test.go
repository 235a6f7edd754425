package userpool_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/userpool"
)

// TestAdminCreatedUserChoosesAPassword runs on every store: an invited
// user signs in with the emailed temporary password, answers
// NEW_PASSWORD_REQUIRED with the session, and is then CONFIRMED.
func TestAdminCreatedUserChoosesAPassword(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t))
			u, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "dave",
				UserAttributes: []userpool.Attribute{{Name: "email", Value: "dave@example.com"}, {Name: "email_verified", Value: "true"}}})
			if err != nil {
				t.Fatal(err)
			}
			if u.UserStatus != store.StatusForceChangePassword || !u.Enabled {
				t.Fatalf("created user = %+v", u)
			}
			mail, ok := e.mail().LastEmail("dave@example.com")
			if !ok || !strings.Contains(mail.Text, "dave") {
				t.Fatalf("invitation = %+v", mail)
			}
			temp := mail.Text[strings.Index(mail.Text, "password is ")+len("password is "):]
			temp = strings.TrimSuffix(strings.Fields(temp)[0], ".")

			out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
				AuthParameters: map[string]string{"USERNAME": "dave", "PASSWORD": temp}})
			if err != nil {
				t.Fatalf("sign in with the temporary password %q: %v", temp, err)
			}
			if out.ChallengeName != userpool.ChallengeNewPasswordRequired || out.Session == "" || out.AuthenticationResult != nil {
				t.Fatalf("InitiateAuth = %+v, want NEW_PASSWORD_REQUIRED", out)
			}

			respond := func(session, pw string) (*userpool.InitiateAuthOutput, error) {
				return e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient,
					ChallengeName: userpool.ChallengeNewPasswordRequired, Session: session,
					ChallengeResponses: map[string]string{"USERNAME": "dave", "NEW_PASSWORD": pw}})
			}
			// A password the policy refuses leaves the session usable.
			if _, err := respond(out.Session, "short"); !errors.Is(err, userpool.ErrInvalidPassword) {
				t.Fatalf("weak new password: %v, want InvalidPasswordException", err)
			}
			done, err := respond(out.Session, goodPW)
			if err != nil || done.AuthenticationResult == nil {
				t.Fatalf("respond: %+v, %v", done, err)
			}
			// The session is single-use.
			if _, err := respond(out.Session, goodPW); !errors.Is(err, userpool.ErrNotAuthorized) {
				t.Fatalf("second use of the session: %v, want NotAuthorizedException", err)
			}
			got, err := e.pool.AdminGetUser(e.ctx, userpool.AdminGetUserInput{Username: "dave"})
			if err != nil || got.UserStatus != store.StatusConfirmed {
				t.Fatalf("AdminGetUser = %+v, %v", got, err)
			}
			e.mustSignIn("dave", goodPW)
		})
	}
}

func TestChallengeSessionExpires(t *testing.T) {
	e := newMemEnv(t)
	if _, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "erin", TemporaryPassword: "Temp-Password-42",
		MessageAction: "SUPPRESS"}); err != nil {
		t.Fatal(err)
	}
	out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
		AuthParameters: map[string]string{"USERNAME": "erin", "PASSWORD": "Temp-Password-42"}})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(3*time.Minute + time.Second)
	_, err = e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient,
		ChallengeName: userpool.ChallengeNewPasswordRequired, Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": "erin", "NEW_PASSWORD": goodPW}})
	pe := wantCode(t, err, userpool.CodeNotAuthorized)
	if pe.Message != "Invalid session for the user, session is expired." {
		t.Fatalf("message = %q", pe.Message)
	}
}

func TestTemporaryPasswordExpires(t *testing.T) {
	e := newMemEnv(t)
	if _, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "fay", TemporaryPassword: "Temp-Password-42",
		MessageAction: "SUPPRESS"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(7*24*time.Hour + time.Second)
	_, err := e.signIn("fay", "Temp-Password-42")
	wantCode(t, err, userpool.CodeNotAuthorized)
}

func TestAdminDisableRevokesAtOnce(t *testing.T) {
	e := newMemEnv(t)
	e.confirmedUser("gus", "gus@example.com")
	res := e.mustSignIn("gus", goodPW)
	if _, err := e.pool.AdminDisableUser(e.ctx, userpool.AdminDisableUserInput{Username: "gus"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: res.AccessToken}); !errors.Is(err, userpool.ErrNotAuthorized) {
		t.Fatalf("access token of a disabled user: %v", err)
	}
	if _, err := e.signIn("gus", goodPW); err == nil || !strings.Contains(err.Error(), "disabled") {
		t.Fatalf("sign-in of a disabled user: %v", err)
	}
	if _, err := e.pool.AdminEnableUser(e.ctx, userpool.AdminEnableUserInput{Username: "gus"}); err != nil {
		t.Fatal(err)
	}
	// Enabling does not bring revoked sessions back.
	if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: res.AccessToken}); !errors.Is(err, userpool.ErrNotAuthorized) {
		t.Fatalf("old token after re-enable: %v", err)
	}
	e.mustSignIn("gus", goodPW)
}

func TestAdminResetRequiresReset(t *testing.T) {
	e := newMemEnv(t)
	e.confirmedUser("hal", "hal@example.com")
	e.mail().Reset()
	if _, err := e.pool.AdminResetUserPassword(e.ctx, userpool.AdminResetUserPasswordInput{Username: "hal"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.signIn("hal", goodPW); !errors.Is(err, userpool.ErrPasswordResetRequired) {
		t.Fatalf("sign-in after admin reset: %v, want PasswordResetRequiredException", err)
	}
	if _, err := e.pool.ConfirmForgotPassword(e.ctx, userpool.ConfirmForgotPasswordInput{ClientID: webClient, Username: "hal",
		ConfirmationCode: e.lastCode("hal@example.com"), Password: "new-Password-for-h4l"}); err != nil {
		t.Fatal(err)
	}
	e.mustSignIn("hal", "new-Password-for-h4l")
}

func TestAdminSetUserPassword(t *testing.T) {
	e := newMemEnv(t)
	e.confirmedUser("ivy", "ivy@example.com")
	res := e.mustSignIn("ivy", goodPW)
	if _, err := e.pool.AdminSetUserPassword(e.ctx, userpool.AdminSetUserPasswordInput{Username: "ivy", Password: "Permanent-pw-77", Permanent: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: res.AccessToken}); !errors.Is(err, userpool.ErrNotAuthorized) {
		t.Fatalf("sessions survive an admin password change: %v", err)
	}
	e.mustSignIn("ivy", "Permanent-pw-77")
	if _, err := e.pool.AdminSetUserPassword(e.ctx, userpool.AdminSetUserPasswordInput{Username: "ivy", Password: "Temporary-pw-88"}); err != nil {
		t.Fatal(err)
	}
	out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
		AuthParameters: map[string]string{"USERNAME": "ivy", "PASSWORD": "Temporary-pw-88"}})
	if err != nil || out.ChallengeName != userpool.ChallengeNewPasswordRequired {
		t.Fatalf("temporary password: %+v, %v", out, err)
	}
	if _, err := e.pool.AdminSetUserPassword(e.ctx, userpool.AdminSetUserPasswordInput{Username: "ivy", Password: "123"}); !errors.Is(err, userpool.ErrInvalidPassword) {
		t.Fatalf("weak admin password: %v", err)
	}
}

func TestAdminOperationsOnUnknownUsers(t *testing.T) {
	e := newMemEnv(t)
	calls := map[string]func() error{
		"AdminGetUser": func() error {
			_, err := e.pool.AdminGetUser(e.ctx, userpool.AdminGetUserInput{Username: "nobody"})
			return err
		},
		"AdminDeleteUser": func() error {
			return errOf(e.pool.AdminDeleteUser(e.ctx, userpool.AdminDeleteUserInput{Username: "nobody"}))
		},
		"AdminConfirmSignUp": func() error {
			return errOf(e.pool.AdminConfirmSignUp(e.ctx, userpool.AdminConfirmSignUpInput{Username: "nobody"}))
		},
		"AdminDisableUser": func() error {
			return errOf(e.pool.AdminDisableUser(e.ctx, userpool.AdminDisableUserInput{Username: "nobody"}))
		},
		"AdminEnableUser": func() error {
			return errOf(e.pool.AdminEnableUser(e.ctx, userpool.AdminEnableUserInput{Username: "nobody"}))
		},
		"AdminUserGlobalSignOut": func() error {
			return errOf(e.pool.AdminUserGlobalSignOut(e.ctx, userpool.AdminUserGlobalSignOutInput{Username: "nobody"}))
		},
		"AdminResetUserPassword": func() error {
			return errOf(e.pool.AdminResetUserPassword(e.ctx, userpool.AdminResetUserPasswordInput{Username: "nobody"}))
		},
		"AdminDeleteUserAttributes": func() error {
			return errOf(e.pool.AdminDeleteUserAttributes(e.ctx, userpool.AdminDeleteUserAttributesInput{Username: "nobody", UserAttributeNames: []string{"name"}}))
		},
		"AdminAddUserToGroup": func() error {
			return errOf(e.pool.AdminAddUserToGroup(e.ctx, userpool.AdminAddUserToGroupInput{Username: "nobody", GroupName: "g"}))
		},
		"AdminSetUserPassword": func() error {
			return errOf(e.pool.AdminSetUserPassword(e.ctx, userpool.AdminSetUserPasswordInput{Username: "nobody", Password: goodPW}))
		},
		"AdminUpdateUserAttributes": func() error {
			return errOf(e.pool.AdminUpdateUserAttributes(e.ctx, userpool.AdminUpdateUserAttributesInput{Username: "nobody"}))
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) { wantCode(t, call(), userpool.CodeUserNotFound) })
	}
}

func TestAdminAttributes(t *testing.T) {
	e := newMemEnv(t, func(c *userpool.Config) { c.AliasAttributes = []string{"email"} })
	e.confirmedUser("jan", "jan@example.com")
	// An admin may set the verified flag with the new value in one call.
	if _, err := e.pool.AdminUpdateUserAttributes(e.ctx, userpool.AdminUpdateUserAttributesInput{Username: "jan", UserAttributes: []userpool.Attribute{
		{Name: "email", Value: "jan@work.example"}, {Name: "email_verified", Value: "true"}, {Name: "name", Value: "Jan"}}}); err != nil {
		t.Fatal(err)
	}
	e.mustSignIn("jan@work.example", goodPW)
	if _, err := e.signIn("jan@example.com", goodPW); err == nil {
		t.Fatal("the old alias still signs in")
	}
	if _, err := e.pool.AdminDeleteUserAttributes(e.ctx, userpool.AdminDeleteUserAttributesInput{Username: "jan", UserAttributeNames: []string{"email", "name"}}); err != nil {
		t.Fatal(err)
	}
	u, err := e.pool.AdminGetUser(e.ctx, userpool.AdminGetUserInput{Username: "jan"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range u.Attributes {
		if a.Name == "email" || a.Name == "email_verified" || a.Name == "name" {
			t.Fatalf("attribute %s survived deletion", a.Name)
		}
	}
	if _, err := e.signIn("jan@work.example", goodPW); err == nil {
		t.Fatal("a deleted email still signs in")
	}
	_, err = e.pool.AdminUpdateUserAttributes(e.ctx, userpool.AdminUpdateUserAttributesInput{Username: "jan",
		UserAttributes: []userpool.Attribute{{Name: "email_verified", Value: "maybe"}}})
	wantCode(t, err, userpool.CodeInvalidParameter)
}

func TestGroupsInTokens(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t))
			one, zero := 1, 0
			for _, g := range []userpool.CreateGroupInput{
				{GroupName: "readers"},
				{GroupName: "admins", Precedence: &zero, RoleArn: "arn:aws:iam::1:role/admin"},
				{GroupName: "editors", Precedence: &one, RoleArn: "arn:aws:iam::1:role/editor"},
			} {
				if _, err := e.pool.CreateGroup(e.ctx, g); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.pool.CreateGroup(e.ctx, userpool.CreateGroupInput{GroupName: "admins"}); !errors.Is(err, userpool.ErrGroupExists) {
				t.Fatalf("duplicate group: %v", err)
			}
			e.confirmedUser("kim", "kim@example.com")
			for _, g := range []string{"readers", "editors", "admins", "admins"} {
				if _, err := e.pool.AdminAddUserToGroup(e.ctx, userpool.AdminAddUserToGroupInput{Username: "kim", GroupName: g}); err != nil {
					t.Fatal(err)
				}
			}
			res := e.mustSignIn("kim", goodPW)
			v, err := token.NewVerifier(token.VerifierConfig{Issuer: e.pool.Issuer(), Keys: e.pool.KeySet(), ClientIDs: []string{webClient}, Now: e.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			id, err := v.VerifyID(e.ctx, res.IDToken)
			if err != nil {
				t.Fatal(err)
			}
			access, err := v.VerifyAccess(e.ctx, res.AccessToken)
			if err != nil {
				t.Fatal(err)
			}
			want := "admins,editors,readers"
			if strings.Join(id.Groups, ",") != want || strings.Join(access.Groups, ",") != want {
				t.Fatalf("groups: id %v access %v, want %s", id.Groups, access.Groups, want)
			}
			if id.PreferredRole != "arn:aws:iam::1:role/admin" || len(id.Roles) != 2 {
				t.Fatalf("roles: preferred %q roles %v", id.PreferredRole, id.Roles)
			}
			members, err := e.pool.ListUsersInGroup(e.ctx, userpool.ListUsersInGroupInput{GroupName: "admins"})
			if err != nil || len(members.Users) != 1 || members.Users[0].Username != "kim" {
				t.Fatalf("ListUsersInGroup = %+v, %v", members, err)
			}
			if _, err := e.pool.AdminRemoveUserFromGroup(e.ctx, userpool.AdminRemoveUserFromGroupInput{Username: "kim", GroupName: "admins"}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.pool.DeleteGroup(e.ctx, userpool.DeleteGroupInput{GroupName: "editors"}); err != nil {
				t.Fatal(err)
			}
			gs, err := e.pool.AdminListGroupsForUser(e.ctx, userpool.AdminListGroupsForUserInput{Username: "kim"})
			if err != nil || len(gs.Groups) != 1 || gs.Groups[0].GroupName != "readers" {
				t.Fatalf("groups after removal = %+v, %v", gs, err)
			}
			if _, err := e.pool.GetGroup(e.ctx, userpool.GetGroupInput{GroupName: "editors"}); !errors.Is(err, userpool.ErrResourceNotFound) {
				t.Fatalf("deleted group: %v", err)
			}
		})
	}
}

func TestListGroupsPages(t *testing.T) {
	e := newMemEnv(t)
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		if _, err := e.pool.CreateGroup(e.ctx, userpool.CreateGroupInput{GroupName: n}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	next := ""
	for {
		page, err := e.pool.ListGroups(e.ctx, userpool.ListGroupsInput{Limit: 2, NextToken: next})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range page.Groups {
			names = append(names, g.GroupName)
		}
		if next = page.NextToken; next == "" {
			break
		}
	}
	if strings.Join(names, "") != "abcde" {
		t.Fatalf("pages gave %v", names)
	}
	if _, err := e.pool.ListGroups(e.ctx, userpool.ListGroupsInput{NextToken: "forged"}); !errors.Is(err, userpool.ErrInvalidParameter) {
		t.Fatalf("forged token: %v", err)
	}
}
