package userpool_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

// temporaryPasswordIn reads the password out of an invitation's text.
func temporaryPasswordIn(t *testing.T, text string) string {
	t.Helper()
	_, after, ok := strings.Cut(text, "password is ")
	if !ok || strings.TrimSpace(after) == "" {
		t.Fatalf("no temporary password in %q", text)
	}
	return strings.TrimSuffix(strings.Fields(after)[0], ".")
}

// invitation returns the temporary password last emailed to an address.
func (e *env) invitation(t *testing.T, to string) string {
	t.Helper()
	m, ok := e.mail().LastEmail(to)
	if !ok {
		t.Fatalf("no invitation to %s", to)
	}
	return temporaryPasswordIn(t, m.Text)
}

// tryPassword runs the password step and tells what came of it: the
// challenge name, "tokens", or the error code.
func (e *env) tryPassword(username, password string) string {
	out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password}})
	switch {
	case err != nil:
		if pe := asPoolError(err); pe != nil {
			return string(pe.Code)
		}
		return err.Error()
	case out.AuthenticationResult != nil:
		return "tokens"
	default:
		return string(out.ChallengeName)
	}
}

func emailAttrs(email string) []userpool.Attribute {
	return []userpool.Attribute{{Name: "email", Value: email}, {Name: "email_verified", Value: "true"}}
}

func TestAdminCreateUserResendsTheInvitation(t *testing.T) {
	e := newFastEnv(t)
	if _, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "ivan", UserAttributes: emailAttrs("ivan@example.com")}); err != nil {
		t.Fatal(err)
	}
	first := e.invitation(t, "ivan@example.com")
	u, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "ivan", MessageAction: "RESEND"})
	if err != nil || u.UserStatus != store.StatusForceChangePassword {
		t.Fatalf("RESEND = %+v, %v", u, err)
	}
	second := e.invitation(t, "ivan@example.com")
	if len(e.mail().Emails()) != 2 || second == first {
		t.Fatalf("RESEND sent %d emails, passwords %q then %q", len(e.mail().Emails()), first, second)
	}
	if got := e.tryPassword("ivan", first); got != string(userpool.CodeNotAuthorized) {
		t.Fatalf("the first temporary password after RESEND: %s", got)
	}
	if got := e.tryPassword("ivan", second); got != string(userpool.ChallengeNewPasswordRequired) {
		t.Fatalf("the resent temporary password: %s", got)
	}

	t.Run("a resend the user cannot receive changes nothing", func(t *testing.T) {
		_, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "ivan", MessageAction: "RESEND", DesiredDeliveryMediums: []string{"SMS"}})
		wantCode(t, err, userpool.CodeInvalidParameter)
		if got := e.tryPassword("ivan", second); got != string(userpool.ChallengeNewPasswordRequired) {
			t.Fatalf("the temporary password after a refused RESEND: %s", got)
		}
	})
	t.Run("a resend renews an expired temporary password", func(t *testing.T) {
		e.clock.Advance(8 * 24 * time.Hour)
		if got := e.tryPassword("ivan", second); got != string(userpool.CodeNotAuthorized) {
			t.Fatalf("an expired temporary password: %s", got)
		}
		if _, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "ivan", MessageAction: "RESEND", TemporaryPassword: "Resent-Temp-991"}); err != nil {
			t.Fatal(err)
		}
		if got := e.invitation(t, "ivan@example.com"); got != "Resent-Temp-991" {
			t.Fatalf("resent password = %q", got)
		}
		if got := e.tryPassword("ivan", "Resent-Temp-991"); got != string(userpool.ChallengeNewPasswordRequired) {
			t.Fatalf("the renewed temporary password: %s", got)
		}
	})
	t.Run("a resend to a confirmed user is refused", func(t *testing.T) {
		e.confirmedUser("jon", "jon@example.com")
		e.mail().Reset()
		_, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "jon", MessageAction: "RESEND"})
		wantCode(t, err, userpool.CodeUnsupportedUserState)
		if e.sent() != 0 {
			t.Fatal("a refused RESEND sent a message")
		}
		e.mustSignIn("jon", goodPW)
	})
	t.Run("a resend to an unknown user is UserNotFoundException", func(t *testing.T) {
		_, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "nobody", MessageAction: "RESEND"})
		wantCode(t, err, userpool.CodeUserNotFound)
	})
}

func TestAdminCreateUserWithSuppressSendsNothing(t *testing.T) {
	e := newFastEnv(t)
	u, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "kai", MessageAction: "SUPPRESS",
		TemporaryPassword: "Temp-Password-42", UserAttributes: emailAttrs("kai@example.com")})
	if err != nil || u.UserStatus != store.StatusForceChangePassword {
		t.Fatalf("AdminCreateUser = %+v, %v", u, err)
	}
	// Without an address at all, too.
	if _, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "lee", MessageAction: "SUPPRESS"}); err != nil {
		t.Fatal(err)
	}
	if e.sent() != 0 {
		t.Fatalf("SUPPRESS sent %d messages", e.sent())
	}
	if got := e.tryPassword("kai", "Temp-Password-42"); got != string(userpool.ChallengeNewPasswordRequired) {
		t.Fatalf("suppressed user's sign-in: %s", got)
	}
	// Without SUPPRESS, a user with nowhere to send the invitation is refused.
	_, err = e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "max"})
	wantCode(t, err, userpool.CodeInvalidParameter)
	e.noUser("max")
}

func TestAdminCreateUserDeliversWhereAsked(t *testing.T) {
	e := newFastEnv(t)
	both := []userpool.Attribute{{Name: "email", Value: "ned@example.com"}, {Name: "phone_number", Value: "+15555550120"}}
	if _, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "ned", UserAttributes: both,
		DesiredDeliveryMediums: []string{"SMS"}}); err != nil {
		t.Fatal(err)
	}
	if len(e.mail().Emails()) != 0 || len(e.mail().SMS()) != 1 {
		t.Fatalf("asked for SMS: %d emails, %d texts", len(e.mail().Emails()), len(e.mail().SMS()))
	}
	sms, _ := e.mail().LastSMS("+15555550120")
	if !strings.Contains(sms.Text, "ned") {
		t.Fatalf("invitation text %q lacks the username", sms.Text)
	}
	if got := e.tryPassword("ned", temporaryPasswordIn(t, sms.Text)); got != string(userpool.ChallengeNewPasswordRequired) {
		t.Fatalf("sign-in with the texted password: %s", got)
	}
	u, err := e.pool.AdminGetUser(e.ctx, userpool.AdminGetUserInput{Username: "ned"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range u.Attributes {
		if (a.Name == "email_verified" || a.Name == "phone_number_verified") && a.Value != "false" {
			t.Fatalf("an invitation verified %s", a.Name)
		}
	}

	t.Run("a phone-only user gets a text by default", func(t *testing.T) {
		e.mail().Reset()
		if _, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "oz",
			UserAttributes: []userpool.Attribute{{Name: "phone_number", Value: "+15555550121"}}}); err != nil {
			t.Fatal(err)
		}
		if len(e.mail().SMS()) != 1 || len(e.mail().Emails()) != 0 {
			t.Fatal("a phone-only user was not texted")
		}
	})
	refused := []struct {
		name string
		in   userpool.AdminCreateUserInput
	}{
		{"SMS to a user without a phone", userpool.AdminCreateUserInput{Username: "pia", UserAttributes: emailAttrs("pia@example.com"), DesiredDeliveryMediums: []string{"SMS"}}},
		{"EMAIL to a user without an email", userpool.AdminCreateUserInput{Username: "pia", UserAttributes: []userpool.Attribute{{Name: "phone_number", Value: "+15555550122"}}, DesiredDeliveryMediums: []string{"EMAIL"}}},
		{"an unknown medium", userpool.AdminCreateUserInput{Username: "pia", UserAttributes: emailAttrs("pia@example.com"), DesiredDeliveryMediums: []string{"FAX"}}},
		{"a medium in the wrong case", userpool.AdminCreateUserInput{Username: "pia", UserAttributes: emailAttrs("pia@example.com"), DesiredDeliveryMediums: []string{"email"}}},
	}
	for _, tc := range refused {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			e.mail().Reset()
			_, err := e.pool.AdminCreateUser(e.ctx, tc.in)
			wantCode(t, err, userpool.CodeInvalidParameter)
			e.noUser("pia")
			if e.sent() != 0 {
				t.Fatal("a refused creation sent a message")
			}
		})
	}
}

func TestAdminCreateUserGeneratesTemporaryPasswordsThePolicyAccepts(t *testing.T) {
	for _, minimum := range []int{20, 99} {
		e := newFastEnv(t, func(c *userpool.Config) {
			c.PasswordPolicy = userpool.PasswordPolicy{MinimumLength: minimum, RequireUppercase: true, RequireLowercase: true,
				RequireNumbers: true, RequireSymbols: true}
		})
		seen := map[string]bool{}
		for i := range 10 {
			name := "user" + string(rune('a'+i))
			if _, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: name, UserAttributes: emailAttrs(name + "@example.com")}); err != nil {
				t.Fatalf("minimum %d: %v", minimum, err)
			}
			pw := e.invitation(t, name+"@example.com")
			var upper, lower, digit, symbol bool
			for _, r := range pw {
				switch {
				case unicode.IsUpper(r):
					upper = true
				case unicode.IsLower(r):
					lower = true
				case unicode.IsDigit(r):
					digit = true
				case strings.ContainsRune("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-", r):
					symbol = true
				}
			}
			if utf8.RuneCountInString(pw) < minimum || !upper || !lower || !digit || !symbol || seen[pw] {
				t.Fatalf("minimum %d: generated %q", minimum, pw)
			}
			seen[pw] = true
			if got := e.tryPassword(name, pw); got != string(userpool.ChallengeNewPasswordRequired) {
				t.Fatalf("minimum %d: sign-in with %q: %s", minimum, pw, got)
			}
		}
	}
}

func TestNewPasswordRequiredAsksForRequiredAttributes(t *testing.T) {
	e := newFastEnv(t)
	if _, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "quin", TemporaryPassword: "Temp-Password-42",
		MessageAction: "SUPPRESS", UserAttributes: emailAttrs("quin@example.com")}); err != nil {
		t.Fatal(err)
	}
	// The pool is redeployed with "name" required; quin has none.
	cfg := e.cfg
	cfg.Schema = []userpool.AttributeSchema{{Name: "name", Required: true}}
	strict, err := userpool.New(e.ctx, cfg, e.store)
	if err != nil {
		t.Fatal(err)
	}
	_, err = strict.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "rue", MessageAction: "SUPPRESS"})
	wantCode(t, err, userpool.CodeInvalidParameter)

	out, err := strict.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
		AuthParameters: map[string]string{"USERNAME": "quin", "PASSWORD": "Temp-Password-42"}})
	wantChallenge(t, out, err, userpool.ChallengeNewPasswordRequired)
	var required []string
	if err := json.Unmarshal([]byte(out.ChallengeParameters["requiredAttributes"]), &required); err != nil || !slices.Equal(required, []string{"userAttributes.name"}) {
		t.Fatalf("requiredAttributes = %s (%v)", out.ChallengeParameters["requiredAttributes"], err)
	}
	var shown map[string]string
	if err := json.Unmarshal([]byte(out.ChallengeParameters["userAttributes"]), &shown); err != nil || shown["email"] != "quin@example.com" {
		t.Fatalf("userAttributes = %s (%v)", out.ChallengeParameters["userAttributes"], err)
	}
	respond := func(kv ...string) (*userpool.InitiateAuthOutput, error) {
		r := map[string]string{"USERNAME": "quin", "NEW_PASSWORD": goodPW}
		for i := 0; i+1 < len(kv); i += 2 {
			r[kv[i]] = kv[i+1]
		}
		return strict.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient,
			ChallengeName: userpool.ChallengeNewPasswordRequired, Session: out.Session, ChallengeResponses: r})
	}
	refused := []struct {
		name string
		kv   []string
		want userpool.ErrorCode
	}{
		{"without the required attribute", nil, userpool.CodeInvalidParameter},
		{"with the required attribute empty", []string{"userAttributes.name", ""}, userpool.CodeInvalidParameter},
		{"with an attribute not in the schema", []string{"userAttributes.name", "Quin", "userAttributes.shoe_size", "44"}, userpool.CodeInvalidParameter},
		{"with a verified flag", []string{"userAttributes.name", "Quin", "userAttributes.email_verified", "false"}, userpool.CodeNotAuthorized},
		{"with a weak password", []string{"userAttributes.name", "Quin", "NEW_PASSWORD", "short"}, userpool.CodeInvalidPassword},
	}
	for _, tc := range refused {
		t.Run("refuses an answer "+tc.name, func(t *testing.T) {
			_, err := respond(tc.kv...)
			wantCode(t, err, tc.want)
			if u := e.user("quin"); u.Status != store.StatusForceChangePassword || u.Attributes["name"] != "" {
				t.Fatalf("a refused answer changed the user: %s %v", u.Status, u.Attributes)
			}
		})
	}
	res := wantTokens(t)(respond("userAttributes.name", "Quin"))
	if u := e.user("quin"); u.Status != store.StatusConfirmed || u.Attributes["name"] != "Quin" || u.Attributes["email_verified"] != "true" {
		t.Fatalf("user after NEW_PASSWORD_REQUIRED = %s %v", u.Status, u.Attributes)
	}
	if name := e.idClaims(res.IDToken).Attributes["name"]; name != "Quin" {
		t.Fatalf("ID token name = %q", name)
	}
}

func TestAdminCreateUserLeavesNoUserWhenTheInvitationFails(t *testing.T) {
	sw := &switchableSender{out: nil}
	e := newFastEnv(t, func(c *userpool.Config) { c.EmailSender, c.SMSSender = sw, sw })
	sw.out = e.outbox
	sw.failing.Store(true)
	in := userpool.AdminCreateUserInput{Username: "sam", UserAttributes: emailAttrs("sam@example.com")}
	_, err := e.pool.AdminCreateUser(e.ctx, in)
	wantCode(t, err, userpool.CodeCodeDeliveryFailure)
	e.noUser("sam")
	if _, err := e.pool.AdminGetUser(e.ctx, userpool.AdminGetUserInput{Username: "sam@example.com"}); err == nil {
		t.Fatal("the failed user's email still finds a user")
	}
	sw.failing.Store(false)
	if _, err := e.pool.AdminCreateUser(e.ctx, in); err != nil {
		t.Fatalf("creating again once mail works: %v", err)
	}

	t.Run("a medium without a sender leaves no user", func(t *testing.T) {
		e := newFastEnv(t, func(c *userpool.Config) { c.SMSSender = nil })
		_, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "tam",
			UserAttributes: []userpool.Attribute{{Name: "phone_number", Value: "+15555550123"}}})
		wantCode(t, err, userpool.CodeCodeDeliveryFailure)
		e.noUser("tam")
	})
}

func TestAdminCreateUserRefusesBadInputAndStoresNothing(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("taken", "taken@example.com")
	e.mail().Reset()
	cases := []struct {
		name string
		in   userpool.AdminCreateUserInput
		want userpool.ErrorCode
	}{
		{"an unknown message action", userpool.AdminCreateUserInput{Username: "uma", MessageAction: "SEND", UserAttributes: emailAttrs("uma@example.com")}, userpool.CodeInvalidParameter},
		{"a weak temporary password", userpool.AdminCreateUserInput{Username: "uma", TemporaryPassword: "short", UserAttributes: emailAttrs("uma@example.com")}, userpool.CodeInvalidPassword},
		{"a temporary password holding the username", userpool.AdminCreateUserInput{Username: "umaxwell", TemporaryPassword: "umaxwell-Temp-1", UserAttributes: emailAttrs("uma@example.com")}, userpool.CodeInvalidPassword},
		{"a username with a space", userpool.AdminCreateUserInput{Username: "uma x", UserAttributes: emailAttrs("uma@example.com")}, userpool.CodeInvalidParameter},
		{"no username", userpool.AdminCreateUserInput{UserAttributes: emailAttrs("uma@example.com")}, userpool.CodeInvalidParameter},
		{"a verified flag that is not a boolean", userpool.AdminCreateUserInput{Username: "uma", UserAttributes: []userpool.Attribute{{Name: "email", Value: "uma@example.com"}, {Name: "email_verified", Value: "yes"}}}, userpool.CodeInvalidParameter},
		{"an attribute not in the schema", userpool.AdminCreateUserInput{Username: "uma", UserAttributes: append(emailAttrs("uma@example.com"), userpool.Attribute{Name: "shoe_size", Value: "44"})}, userpool.CodeInvalidParameter},
		{"a malformed email", userpool.AdminCreateUserInput{Username: "uma", UserAttributes: []userpool.Attribute{{Name: "email", Value: "not-an-email"}}}, userpool.CodeInvalidParameter},
		{"a taken username", userpool.AdminCreateUserInput{Username: "TAKEN", UserAttributes: emailAttrs("uma@example.com")}, userpool.CodeUsernameExists},
	}
	for _, tc := range cases {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			_, err := e.pool.AdminCreateUser(e.ctx, tc.in)
			wantCode(t, err, tc.want)
			if tc.in.Username != "" && !strings.EqualFold(tc.in.Username, "taken") {
				e.noUser(tc.in.Username)
			}
			if e.sent() != 0 {
				t.Fatal("a refused creation sent a message")
			}
		})
	}
	e.mustSignIn("taken", goodPW)
}
