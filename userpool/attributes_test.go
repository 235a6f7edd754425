package userpool_test

import (
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/userpool"
)

func TestStandardAttributeValues(t *testing.T) {
	tests := []struct {
		name  string
		attr  userpool.Attribute
		valid bool
	}{
		{"an E.164 phone number is accepted", userpool.Attribute{Name: "phone_number", Value: "+442071838750"}, true},
		{"a 15-digit phone number is accepted", userpool.Attribute{Name: "phone_number", Value: "+123456789012345"}, true},
		{"a phone number with a dash is refused", userpool.Attribute{Name: "phone_number", Value: "+1-206-555-1212"}, false},
		{"a bare plus is refused", userpool.Attribute{Name: "phone_number", Value: "+"}, false},
		{"a birthdate is accepted", userpool.Attribute{Name: "birthdate", Value: "1990-05-01"}, true},
		{"a birthdate without a year is accepted as 0000", userpool.Attribute{Name: "birthdate", Value: "0000-05-01"}, true},
		{"a birthdate in US order is refused", userpool.Attribute{Name: "birthdate", Value: "05/01/1990"}, false},
		{"updated_at in seconds is accepted", userpool.Attribute{Name: "updated_at", Value: "1772355600"}, true},
		{"updated_at as a date is refused", userpool.Attribute{Name: "updated_at", Value: "2026-03-01"}, false},
		{"a name of 2048 characters is accepted", userpool.Attribute{Name: "name", Value: strings.Repeat("é", 2048)}, true},
		{"a name of 2049 characters is refused", userpool.Attribute{Name: "name", Value: strings.Repeat("é", 2049)}, false},
		{"a misspelt standard attribute is refused", userpool.Attribute{Name: "given-name", Value: "Alice"}, false},
		{"an attribute name in another case is refused", userpool.Attribute{Name: "Name", Value: "Alice"}, false},
		{"identities cannot be written", userpool.Attribute{Name: "identities", Value: "[]"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFastEnv(t)
			_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "alice", Password: goodPW,
				UserAttributes: []userpool.Attribute{email("alice@example.com"), tt.attr}})
			if !tt.valid {
				wantCode(t, err, userpool.CodeInvalidParameter)
				e.noUser("alice")
				return
			}
			wantNoError(t, "SignUp", err)
			if got := e.user("alice").Attributes[tt.attr.Name]; got != tt.attr.Value {
				t.Errorf("%s stored as %.40q", tt.attr.Name, got)
			}
		})
	}
}

func TestCustomAttributesFlowIntoTokensAsStrings(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) {
		c.Schema = []userpool.AttributeSchema{
			{Name: "custom:team"},
			{Name: "custom:level", Type: userpool.TypeNumber},
			{Name: "custom:admin", Type: userpool.TypeBoolean},
			{Name: "custom:employee", Immutable: true},
		}
	})
	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "alice", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("alice@example.com"), {Name: "custom:team", Value: "blue"},
			{Name: "custom:level", Value: "3"}, {Name: "custom:admin", Value: "false"}, {Name: "custom:employee", Value: "E1"}}})
	wantNoError(t, "SignUp", err)
	wantNoError(t, "ConfirmSignUp", e.confirm("alice", e.lastCode("alice@example.com")))
	res := e.mustSignIn("alice", goodPW)
	wire := payloadOf(t, res.IDToken)
	for k, v := range map[string]string{"custom:team": "blue", "custom:level": "3", "custom:admin": "false", "custom:employee": "E1"} {
		if wire[k] != v {
			t.Errorf("%s on the wire = %#v, want the string %q", k, wire[k], v)
		}
	}

	_, err = e.update(res.AccessToken, userpool.Attribute{Name: "custom:team", Value: "red"}, userpool.Attribute{Name: "custom:level", Value: "4.5"})
	wantNoError(t, "UpdateUserAttributes", err)
	_, err = e.update(res.AccessToken, userpool.Attribute{Name: "custom:level", Value: "four"})
	wantCode(t, err, userpool.CodeInvalidParameter)
	_, err = e.update(res.AccessToken, userpool.Attribute{Name: "custom:employee", Value: "E2"})
	wantCode(t, err, userpool.CodeInvalidParameter)
	a := e.attrs(res.AccessToken)
	if a["custom:team"] != "red" || a["custom:level"] != "4.5" || a["custom:employee"] != "E1" {
		t.Errorf("attributes = %v", a)
	}
	ref, err := e.refresh(webClient, res.RefreshToken)
	wantNoError(t, "refresh", err)
	if got := payloadOf(t, ref.IDToken)["custom:team"]; got != "red" {
		t.Errorf("refreshed ID token custom:team = %v", got)
	}
}

func TestPreferredUsernameAliases(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) { c.AliasAttributes = []string{"preferred_username"} })
	signUp := func(username, preferred string) error {
		_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: username, Password: goodPW,
			UserAttributes: []userpool.Attribute{email(username + "@example.com"), {Name: "preferred_username", Value: preferred}}})
		return err
	}
	wantNoError(t, "SignUp", signUp("alice", "Ally"))
	wantNoError(t, "ConfirmSignUp", e.confirm("alice", e.lastCode("alice@example.com")))
	for _, login := range []string{"Ally", "ally", "ＡＬＬＹ"} {
		res, err := e.signIn(login, goodPW)
		wantNoError(t, "sign in as "+login, err)
		if got := e.accessClaims(res.AccessToken).Username; got != "alice" {
			t.Errorf("%s signed in as %q", login, got)
		}
	}
	err := signUp("bob", "ALLY")
	if pe := asPoolError(err); pe == nil || (pe.Code != userpool.CodeUsernameExists && pe.Code != userpool.CodeAliasExists) {
		t.Fatalf("a taken preferred_username: %v, want UsernameExists or AliasExists", err)
	}
	e.noUser("bob")

	wantNoError(t, "SignUp bob", signUp("bob", "Bobby"))
	wantNoError(t, "ConfirmSignUp bob", e.confirm("bob", e.lastCode("bob@example.com")))
	at := e.mustSignIn("bobby", goodPW).AccessToken
	_, err = e.update(at, userpool.Attribute{Name: "preferred_username", Value: "ally"})
	wantCode(t, err, userpool.CodeAliasExists)
	if res := e.mustSignIn("ally", goodPW); e.accessClaims(res.AccessToken).Username != "alice" {
		t.Error("bob took alice's preferred username")
	}
	e.mustSignIn("Bobby", goodPW)
}

func TestPhoneNumberUsernames(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) {
		c.UsernameAttributes = []string{"phone_number"}
		c.AutoVerifiedAttributes = []string{"phone_number"}
	})
	out, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "+12065551212", Password: goodPW})
	wantNoError(t, "SignUp", err)
	if out.CodeDeliveryDetails == nil || out.CodeDeliveryDetails.DeliveryMedium != "SMS" {
		t.Fatalf("delivery = %+v, want SMS", out.CodeDeliveryDetails)
	}
	wantNoError(t, "ConfirmSignUp", e.confirm("+12065551212", e.lastCode("+12065551212")))
	res := e.mustSignIn("+12065551212", goodPW)
	if c := e.idClaims(res.IDToken); c.Username != out.UserSub || c.Attributes["phone_number"] != "+12065551212" ||
		c.Attributes["phone_number_verified"] != "true" {
		t.Errorf("ID token = %+v", c)
	}
	for _, bad := range []string{"12065551212", "+1 206 555 1212", "alice", "+12065551212\n"} {
		_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: bad, Password: goodPW})
		wantCode(t, err, userpool.CodeInvalidParameter)
	}
	_, err = e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "+12065551212", Password: goodPW})
	wantCode(t, err, userpool.CodeUsernameExists)
}

func TestAnUnverifiedEmailNeverSignsInToAnotherAccount(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) { c.AliasAttributes = []string{"email"} })
	e.confirmedUser("alice", "alice@example.com")
	// Mallory claims alice's address but cannot verify it.
	e.signUp("mallory", "ALICE@example.com", goodPW)
	res := e.mustSignIn("alice@example.com", goodPW)
	if got := e.accessClaims(res.AccessToken).Username; got != "alice" {
		t.Fatalf("alice's address signs in %q", got)
	}
	// An unverified address is no alias even for its only holder.
	e.signUp("carol", "carol@example.com", goodPW)
	_, err := e.signIn("carol@example.com", goodPW)
	wantMessage(t, err, userpool.CodeNotAuthorized, incorrect)
}

// A preferred_username shaped like an email address or a phone number
// could answer for someone else's email or phone sign-in: mallory named
// herself alice@corp.com and alice's sign-in and reset code went to her.
func TestAPreferredUsernameCannotPoseAsAnEmailOrPhone(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) { c.AliasAttributes = []string{"preferred_username", "email", "phone_number"} })
	e.confirmedUser("alice", "alice@corp.com")
	e.confirmedUser("mallory", "mallory@example.com")
	at := e.mustSignIn("mallory", goodPW).AccessToken
	for _, v := range []string{"alice@corp.com", "ALICE@corp.com", "+15555550100", "+1 (555) 555-0100"} {
		_, err := e.update(at, userpool.Attribute{Name: "preferred_username", Value: v})
		wantCode(t, err, userpool.CodeInvalidParameter)
		_, err = e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "eve", Password: goodPW,
			UserAttributes: []userpool.Attribute{email("eve@example.com"), {Name: "preferred_username", Value: v}}})
		wantCode(t, err, userpool.CodeInvalidParameter)
	}
	e.noUser("eve")
	if res := e.mustSignIn("alice@corp.com", goodPW); e.accessClaims(res.AccessToken).Username != "alice" {
		t.Fatal("alice's email signed in to another account")
	}
	// Other handles still work.
	_, err := e.update(at, userpool.Attribute{Name: "preferred_username", Value: "mal+lory"})
	wantNoError(t, "a handle with a plus sign", err)
}
