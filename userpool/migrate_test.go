package userpool_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/trigger"
	"github.com/cupola-auth/cupola/userpool"
)

// ---------------------------------------------------------------- MigrateUser

const legacyPW = "legacy-Secret-9"

// legacySystem is the MigrateUser trigger of a team leaving an old user
// store that knows olduser with legacyPW.
func legacySystem(resp trigger.MigrateUserResponse, log *trigLog[trigger.MigrateUserEvent]) func(*trigger.Set) {
	return func(s *trigger.Set) {
		s.MigrateUser = log.fn(func(_ context.Context, ev *trigger.MigrateUserEvent) error {
			if ev.UserName != "olduser" {
				return errors.New("user not found in the legacy system")
			}
			if ev.TriggerSource == trigger.TriggerUserMigrationAuthentication && ev.Request.Password != legacyPW {
				return errors.New("bad password")
			}
			ev.Response = resp
			return nil
		})
	}
}

var legacyUser = trigger.MigrateUserResponse{
	UserAttributes: map[string]string{"email": "old@example.com", "email_verified": "true", "name": "Old User"},
	MessageAction:  trigger.MessageActionSuppress,
}

func TestMigrateUserMovesAUserAtSignIn(t *testing.T) {
	var log trigLog[trigger.MigrateUserEvent]
	e := newFastEnv(t, withTriggerSet(legacySystem(legacyUser, &log)))
	res, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
		AuthParameters: map[string]string{"USERNAME": "olduser", "PASSWORD": legacyPW}, ClientMetadata: map[string]string{"app": "web"}})
	wantNoError(t, "migrating sign-in", err)
	if res.AuthenticationResult == nil {
		t.Fatalf("migrating sign-in answered %+v", res)
	}
	ev := log.last(t)
	if ev.TriggerSource != trigger.TriggerUserMigrationAuthentication || ev.Request.Password != legacyPW ||
		ev.CallerContext.ClientID != webClient || ev.Request.ClientMetadata["app"] != "web" {
		t.Fatalf("event = %+v", ev)
	}
	u := e.user("olduser")
	if u.Status != store.StatusConfirmed || !u.Enabled {
		t.Fatalf("migrated user status = %s enabled %v", u.Status, u.Enabled)
	}
	wantAttrIs(t, u.Attributes, "email", "old@example.com")
	wantAttrIs(t, u.Attributes, "email_verified", "true")
	wantAttrIs(t, u.Attributes, "name", "Old User")
	if !strings.HasPrefix(u.Password.Hash, "$argon2id$") || strings.Contains(u.Password.Hash, legacyPW) {
		t.Fatalf("stored password = %q, want an argon2id hash", u.Password.Hash)
	}
	if id := e.idClaims(res.AuthenticationResult.IDToken); id.Username != "olduser" || id.Subject != u.Sub || id.Attributes["name"] != "Old User" {
		t.Fatalf("ID token = %+v", id)
	}
	if e.sent() != 0 {
		t.Fatal("a suppressed migration sent a message")
	}
	// From now on the pool knows the user: no more trigger calls.
	calls := log.count()
	e.mustSignIn("olduser", legacyPW)
	_, err = e.signIn("olduser", "wrong-Password-1")
	wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
	if log.count() != calls {
		t.Fatal("MigrateUser ran for a user the pool knows")
	}
}

func TestMigrateUserRefusalLooksLikeAnyUnknownUser(t *testing.T) {
	var log trigLog[trigger.MigrateUserEvent]
	e := newFastEnv(t, withTriggerSet(legacySystem(legacyUser, &log)))
	for _, tc := range []struct{ name, user, pw string }{
		{"the legacy system refuses the password", "olduser", "wrong-Password-1"},
		{"the legacy system does not know the user", "nobody", legacyPW},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.signIn(tc.user, tc.pw)
			wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
			e.noUser(tc.user)
		})
	}
	if log.count() != 2 {
		t.Fatalf("MigrateUser ran %d times", log.count())
	}
	// Without the trigger, an unknown user gets the same answer.
	plain := newFastEnv(t)
	_, err := plain.signIn("olduser", legacyPW)
	wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
}

func TestMigrateUserWithAResetRequiredStatus(t *testing.T) {
	resp := legacyUser
	resp.FinalUserStatus = trigger.FinalUserStatusResetRequired
	var log trigLog[trigger.MigrateUserEvent]
	e := newFastEnv(t, withTriggerSet(legacySystem(resp, &log)))
	_, err := e.signIn("olduser", legacyPW)
	wantCode(t, err, userpool.CodePasswordResetRequired)
	if u := e.user("olduser"); u.Status != store.StatusResetRequired {
		t.Fatalf("status = %s", u.Status)
	}
	// The reset works as for any user.
	_, err = e.forgot(webClient, "olduser")
	wantNoError(t, "ForgotPassword", err)
	wantNoError(t, "ConfirmForgotPassword", e.confirmForgot(webClient, "olduser", e.lastCode("old@example.com"), "new-Harbor-72xyz"))
	e.mustSignIn("olduser", "new-Harbor-72xyz")
}

func TestMigrateUserAtForgotPassword(t *testing.T) {
	var log trigLog[trigger.MigrateUserEvent]
	e := newFastEnv(t, withTriggerSet(legacySystem(legacyUser, &log)))
	d, err := e.forgot(webClient, "olduser")
	wantNoError(t, "ForgotPassword", err)
	ev := log.last(t)
	if ev.TriggerSource != trigger.TriggerUserMigrationForgotPassword || ev.Request.Password != "" {
		t.Fatalf("event = %+v", ev)
	}
	if d.DeliveryMedium != "EMAIL" || d.AttributeName != "email" {
		t.Fatalf("delivery = %+v", d)
	}
	u := e.user("olduser")
	if u.Status != store.StatusResetRequired {
		t.Fatalf("a user migrated without a password has status %s", u.Status)
	}
	code := e.lastCode("old@example.com")
	wantNoError(t, "ConfirmForgotPassword", e.confirmForgot(webClient, "olduser", code, "new-Harbor-72xyz"))
	e.mustSignIn("olduser", "new-Harbor-72xyz")
	if log.count() != 1 {
		t.Fatalf("MigrateUser ran %d times", log.count())
	}
}

func TestMigrateUserRefusesABadResponseAndCreatesNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*trigger.MigrateUserResponse)
	}{
		{"an unknown finalUserStatus", func(r *trigger.MigrateUserResponse) { r.FinalUserStatus = "ACTIVE" }},
		{"an unknown messageAction", func(r *trigger.MigrateUserResponse) { r.MessageAction = "SHOUT" }},
		{"an invalid email", func(r *trigger.MigrateUserResponse) {
			r.UserAttributes = map[string]string{"email": "not an address"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := legacyUser
			resp.UserAttributes = map[string]string{}
			for k, v := range legacyUser.UserAttributes {
				resp.UserAttributes[k] = v
			}
			tc.change(&resp)
			var log trigLog[trigger.MigrateUserEvent]
			e := newFastEnv(t, withTriggerSet(legacySystem(resp, &log)))
			_, err := e.signIn("olduser", legacyPW)
			wantCode(t, err, userpool.CodeInvalidLambdaResponse)
			e.noUser("olduser")
			_, err = e.forgot(webClient, "olduser")
			wantCode(t, err, userpool.CodeInvalidLambdaResponse)
			e.noUser("olduser")
		})
	}
}
