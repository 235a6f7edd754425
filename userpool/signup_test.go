package userpool_test

import (
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func email(v string) userpool.Attribute { return userpool.Attribute{Name: "email", Value: v} }

func TestSignUpStoresAnUnconfirmedUserAndSendsACode(t *testing.T) {
	e := newFastEnv(t)
	out := e.signUp("alice", "alice@example.com", goodPW)
	if !uuidPattern.MatchString(out.UserSub) {
		t.Errorf("UserSub = %q, want a v4 UUID", out.UserSub)
	}
	if out.UserConfirmed {
		t.Error("UserConfirmed = true, want false")
	}
	want := userpool.CodeDeliveryDetails{Destination: "a***@e***", DeliveryMedium: "EMAIL", AttributeName: "email"}
	if out.CodeDeliveryDetails == nil || *out.CodeDeliveryDetails != want {
		t.Errorf("CodeDeliveryDetails = %+v, want %+v", out.CodeDeliveryDetails, want)
	}
	u := e.user("alice")
	if u.Sub != out.UserSub || u.Username != "alice" || u.Status != store.StatusUnconfirmed || !u.Enabled {
		t.Errorf("stored user = %+v", u)
	}
	if u.Attributes["email"] != "alice@example.com" || u.Attributes["email_verified"] != "false" {
		t.Errorf("attributes = %v, want the email unverified", u.Attributes)
	}
	if !strings.HasPrefix(u.Password.Hash, "$argon2id$") || strings.Contains(u.Password.Hash, goodPW) {
		t.Errorf("stored password = %q, want an argon2id hash", u.Password.Hash)
	}
	if m, ok := e.mail().LastEmail("alice@example.com"); !ok || !codePattern.MatchString(m.Text) {
		t.Errorf("no code emailed: %+v", m)
	}
}

func TestSignUpRefusesBadInputAndWritesNothing(t *testing.T) {
	mb := strings.Repeat("a", 1<<20)
	valid := func() userpool.SignUpInput {
		return userpool.SignUpInput{ClientID: webClient, Username: "alice", Password: goodPW,
			UserAttributes: []userpool.Attribute{email("alice@example.com")}}
	}
	with := func(attrs ...userpool.Attribute) func(*userpool.SignUpInput) {
		return func(in *userpool.SignUpInput) { in.UserAttributes = attrs }
	}
	tooMany := make([]userpool.Attribute, 101)
	for i := range tooMany {
		tooMany[i] = userpool.Attribute{Name: "name", Value: "x"}
	}
	tests := []struct {
		name   string
		change func(*userpool.SignUpInput)
		want   userpool.ErrorCode
	}{
		{"a missing client ID is refused", func(in *userpool.SignUpInput) { in.ClientID = "" }, userpool.CodeInvalidParameter},
		{"an unknown client is not found", func(in *userpool.SignUpInput) { in.ClientID = "nope" }, userpool.CodeResourceNotFound},
		{"a 1 MB client ID is refused", func(in *userpool.SignUpInput) { in.ClientID = mb }, userpool.CodeInvalidParameter},
		{"an empty username is refused", func(in *userpool.SignUpInput) { in.Username = "" }, userpool.CodeInvalidParameter},
		{"a 129-character username is refused", func(in *userpool.SignUpInput) { in.Username = strings.Repeat("a", 129) }, userpool.CodeInvalidParameter},
		{"a 1 MB username is refused", func(in *userpool.SignUpInput) { in.Username = mb }, userpool.CodeInvalidParameter},
		{"a username with a space is refused", func(in *userpool.SignUpInput) { in.Username = "al ice" }, userpool.CodeInvalidParameter},
		{"a username with a leading space is refused", func(in *userpool.SignUpInput) { in.Username = " alice" }, userpool.CodeInvalidParameter},
		{"a username with a tab is refused", func(in *userpool.SignUpInput) { in.Username = "al\tice" }, userpool.CodeInvalidParameter},
		{"a username with a newline is refused", func(in *userpool.SignUpInput) { in.Username = "alice\n" }, userpool.CodeInvalidParameter},
		{"a username with a NUL is refused", func(in *userpool.SignUpInput) { in.Username = "al\x00ice" }, userpool.CodeInvalidParameter},
		{"a username of only whitespace is refused", func(in *userpool.SignUpInput) { in.Username = " \u00a0\u3000" }, userpool.CodeInvalidParameter},
		{"a username with invalid UTF-8 is refused", func(in *userpool.SignUpInput) { in.Username = "al\xffice" }, userpool.CodeInvalidParameter},
		{"an empty password is refused", func(in *userpool.SignUpInput) { in.Password = "" }, userpool.CodeInvalidPassword},
		{"a password with invalid UTF-8 is refused", func(in *userpool.SignUpInput) { in.Password = "cobalt-\xff-Harbor-71" }, userpool.CodeInvalidPassword},
		{"a 1 MB password is refused", func(in *userpool.SignUpInput) { in.Password = mb }, userpool.CodeInvalidPassword},
		{"an email without @ is refused", with(email("alice.example.com")), userpool.CodeInvalidParameter},
		{"an email without a dotted domain is refused", with(email("alice@example")), userpool.CodeInvalidParameter},
		{"an email with a display name is refused", with(email("Alice <alice@example.com>")), userpool.CodeInvalidParameter},
		{"an email with a newline is refused", with(email("alice@example.com\nBcc: eve@example.com")), userpool.CodeInvalidParameter},
		{"an email with invalid UTF-8 is refused", with(email("al\xffice@example.com")), userpool.CodeInvalidParameter},
		{"a 1 MB email is refused", with(email(mb + "@example.com")), userpool.CodeInvalidParameter},
		{"a phone number without + is refused", with(email("alice@example.com"), userpool.Attribute{Name: "phone_number", Value: "12065551212"}), userpool.CodeInvalidParameter},
		{"a phone number with spaces is refused", with(email("alice@example.com"), userpool.Attribute{Name: "phone_number", Value: "+1 206 555 1212"}), userpool.CodeInvalidParameter},
		{"a phone number starting +0 is refused", with(email("alice@example.com"), userpool.Attribute{Name: "phone_number", Value: "+0206555121"}), userpool.CodeInvalidParameter},
		{"a phone number of 16 digits is refused", with(email("alice@example.com"), userpool.Attribute{Name: "phone_number", Value: "+1234567890123456"}), userpool.CodeInvalidParameter},
		{"an unknown attribute is refused", with(email("alice@example.com"), userpool.Attribute{Name: "favourite_colour", Value: "blue"}), userpool.CodeInvalidParameter},
		{"a custom attribute not in the schema is refused", with(email("alice@example.com"), userpool.Attribute{Name: "custom:team", Value: "blue"}), userpool.CodeInvalidParameter},
		{"an attribute name with invalid UTF-8 is refused", with(email("alice@example.com"), userpool.Attribute{Name: "custom:\xff", Value: "x"}), userpool.CodeInvalidParameter},
		{"writing email_verified is not authorized", with(email("alice@example.com"), userpool.Attribute{Name: "email_verified", Value: "true"}), userpool.CodeNotAuthorized},
		{"writing phone_number_verified is not authorized", with(email("alice@example.com"), userpool.Attribute{Name: "phone_number_verified", Value: "true"}), userpool.CodeNotAuthorized},
		{"writing sub is refused", with(email("alice@example.com"), userpool.Attribute{Name: "sub", Value: "00000000-0000-4000-8000-000000000000"}), userpool.CodeInvalidParameter},
		{"a duplicated attribute is refused", with(email("alice@example.com"), email("eve@example.com")), userpool.CodeInvalidParameter},
		{"an attribute value of 2049 characters is refused", with(email("alice@example.com"), userpool.Attribute{Name: "name", Value: strings.Repeat("é", 2049)}), userpool.CodeInvalidParameter},
		{"an attribute value with invalid UTF-8 is refused", with(email("alice@example.com"), userpool.Attribute{Name: "name", Value: "Al\xffice"}), userpool.CodeInvalidParameter},
		{"an attribute value with a NUL is refused", with(email("alice@example.com"), userpool.Attribute{Name: "name", Value: "Al\x00ice"}), userpool.CodeInvalidParameter},
		{"a birthdate that is not YYYY-MM-DD is refused", with(email("alice@example.com"), userpool.Attribute{Name: "birthdate", Value: "1st May 1990"}), userpool.CodeInvalidParameter},
		{"more than 100 attributes are refused", with(tooMany...), userpool.CodeInvalidParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFastEnv(t)
			in := valid()
			tt.change(&in)
			out, err := e.pool.SignUp(e.ctx, in)
			wantCode(t, err, tt.want)
			if out != nil {
				t.Errorf("output = %+v, want nil", out)
			}
			if n := e.sent(); n != 0 {
				t.Errorf("%d messages sent, want none", n)
			}
			e.noUser("alice")
			// The bad call left nothing behind: the valid one succeeds.
			if _, err := e.pool.SignUp(e.ctx, valid()); err != nil {
				t.Fatalf("valid SignUp after the bad one: %v", err)
			}
		})
	}
}

func TestSignUpUsernameUniqueness(t *testing.T) {
	tests := []struct {
		name          string
		first, second string
		caseSensitive bool
		wantExists    bool
	}{
		{"the same username twice is taken", "alice", "alice", false, true},
		{"a username differing in case is taken by default", "alice", "Alice", false, true},
		{"an upper-case username is taken by its lower-case twin", "ALICE", "alice", false, true},
		{"fullwidth letters normalize to the same username", "alice", "ａｌｉｃｅ", false, true},
		{"fullwidth capitals normalize and fold to the same username", "alice", "ＡＬＩＣＥ", false, true},
		{"a case-sensitive pool keeps Alice and alice apart", "Alice", "alice", true, false},
		{"a case-sensitive pool still normalizes fullwidth letters", "alice", "ａｌｉｃｅ", true, true},
		{"different usernames coexist", "alice", "alicia", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFastEnv(t, func(c *userpool.Config) { c.CaseSensitiveUsernames = tt.caseSensitive })
			first := e.signUp(tt.first, "first@example.com", goodPW)
			sent := e.sent()
			_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: tt.second, Password: goodPW,
				UserAttributes: []userpool.Attribute{email("second@example.com")}})
			if !tt.wantExists {
				wantNoError(t, "second SignUp", err)
				return
			}
			wantMessage(t, err, userpool.CodeUsernameExists, "User already exists")
			if !errors.Is(err, userpool.ErrUsernameExists) {
				t.Error("errors.Is(err, ErrUsernameExists) = false")
			}
			if e.sent() != sent {
				t.Error("a message was sent for the refused sign-up")
			}
			u, err := e.store.GetUser(e.ctx, e.cfg.ID, first.UserSub)
			wantNoError(t, "GetUser", err)
			if u.Attributes["email"] != "first@example.com" || u.Username != tt.first {
				t.Errorf("first user changed: %+v", u)
			}
		})
	}
}

func TestSignInFindsAUsernameWhateverItsCaseAndWidth(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("Alice", "alice@example.com")
	for _, login := range []string{"Alice", "alice", "ALICE", "ａｌｉｃｅ"} {
		res, err := e.signIn(login, goodPW)
		wantNoError(t, "sign in as "+login, err)
		if got := e.accessClaims(res.AccessToken).Username; got != "Alice" {
			t.Errorf("sign in as %s: username claim %q, want the name as registered", login, got)
		}
	}
}

func TestSignUpRacesForOneUsernameHaveOneWinner(t *testing.T) {
	e := newFastEnv(t)
	names := []string{"alice", "Alice", "ALICE", "ａｌｉｃｅ", "aLiCe"}
	const n = 50
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: names[i%len(names)],
				Password: goodPW, UserAttributes: []userpool.Attribute{email("alice@example.com")}})
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		wantCode(t, err, userpool.CodeUsernameExists)
	}
	if wins != 1 {
		t.Fatalf("%d sign-ups succeeded, want exactly 1", wins)
	}
	if got := len(e.mail().Emails()); got != 1 {
		t.Errorf("%d codes sent, want 1", got)
	}
}

func TestSignUpCanBeRetriedWithoutDuplicates(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	sent := e.sent()
	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "alice", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("alice@example.com")}})
	wantCode(t, err, userpool.CodeUsernameExists)
	_, err = e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient, Username: "alice", ConfirmationCode: "123456"})
	wantCode(t, err, userpool.CodeExpiredCode) // as for a login without a code: "confirmed" is not told
	if e.sent() != sent {
		t.Error("a retry sent a message")
	}
	if u := e.user("alice"); u.Status != store.StatusConfirmed || u.Version != 2 {
		t.Errorf("user after retries: status %s version %d, want CONFIRMED, written once by the confirmation", u.Status, u.Version)
	}
}

func TestSignUpInAnEmailUsernamePool(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) { c.UsernameAttributes = []string{"email"} })
	out, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "Alice@Example.com", Password: goodPW})
	wantNoError(t, "SignUp", err)
	u, err := e.store.GetUser(e.ctx, e.cfg.ID, out.UserSub)
	wantNoError(t, "GetUser", err)
	if u.Username != out.UserSub {
		t.Errorf("username = %q, want the sub %q", u.Username, out.UserSub)
	}
	if u.Attributes["email"] != "Alice@Example.com" {
		t.Errorf("email attribute = %q, want the username given", u.Attributes["email"])
	}

	t.Run("the email confirms and signs in", func(t *testing.T) {
		_, err := e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient, Username: "alice@example.com",
			ConfirmationCode: e.lastCode("alice@example.com")})
		wantNoError(t, "ConfirmSignUp", err)
		res := e.mustSignIn("ALICE@example.com", goodPW)
		if c := e.idClaims(res.IDToken); c.Username != out.UserSub || c.Subject != out.UserSub {
			t.Errorf("cognito:username %q sub %q, want both %q", c.Username, c.Subject, out.UserSub)
		}
	})

	tests := []struct {
		name     string
		username string
		attrs    []userpool.Attribute
		want     userpool.ErrorCode
	}{
		{"the same email in another case is taken", "alice@EXAMPLE.com", nil, userpool.CodeUsernameExists},
		{"a username that is not an email is refused", "alice", nil, userpool.CodeInvalidParameter},
		{"an invalid email username is refused", "alice@example", nil, userpool.CodeInvalidParameter},
		{"an email attribute unlike the username is refused", "bob@example.com", []userpool.Attribute{email("eve@example.com")}, userpool.CodeInvalidParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent := e.sent()
			_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: tt.username, Password: goodPW, UserAttributes: tt.attrs})
			wantCode(t, err, tt.want)
			if e.sent() != sent {
				t.Error("a message was sent")
			}
		})
	}
}

func TestSignUpInAnEmailAliasPool(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) { c.AliasAttributes = []string{"email"} })

	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "alice@example.com", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("alice@example.com")}})
	wantCode(t, err, userpool.CodeInvalidParameter)

	e.signUp("alice", "alice@example.com", goodPW)
	code := e.lastCode("alice@example.com")
	_, err = e.signIn("alice@example.com", goodPW)
	wantMessage(t, err, userpool.CodeNotAuthorized, "Incorrect username or password.")
	_, err = e.signIn("alice", goodPW)
	wantCode(t, err, userpool.CodeUserNotConfirmed)

	wantNoError(t, "ConfirmSignUp", errOf(e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient, Username: "alice", ConfirmationCode: code})))
	for _, login := range []string{"alice@example.com", "ALICE@Example.COM"} {
		res, err := e.signIn(login, goodPW)
		wantNoError(t, "sign in with the alias "+login, err)
		if got := e.accessClaims(res.AccessToken).Username; got != "alice" {
			t.Errorf("signed in as %q, want alice", got)
		}
	}

	// Another user may sign up with the address (it is no alias until
	// verified) but cannot confirm while alice holds it.
	e.signUp("bob", "Alice@example.com", goodPW)
	bobCode := e.lastCode("alice@example.com")
	_, err = e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient, Username: "bob", ConfirmationCode: bobCode})
	wantCode(t, err, userpool.CodeAliasExists)
	if u := e.user("bob"); u.Status != store.StatusUnconfirmed || u.Attributes["email_verified"] != "false" {
		t.Errorf("bob after AliasExists: %s %v", u.Status, u.Attributes)
	}
	if res := e.mustSignIn("alice@example.com", goodPW); e.accessClaims(res.AccessToken).Username != "alice" {
		t.Error("the alias moved to bob")
	}

	// The refused confirmation did not spend bob's code: once alice is
	// gone, the same code confirms him.
	wantNoError(t, "DeleteUser", errOf(e.pool.DeleteUser(e.ctx, userpool.DeleteUserInput{AccessToken: e.mustSignIn("alice", goodPW).AccessToken})))
	wantNoError(t, "ConfirmSignUp with the same code", errOf(e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{
		ClientID: webClient, Username: "bob", ConfirmationCode: bobCode})))
	if res := e.mustSignIn("alice@example.com", goodPW); e.accessClaims(res.AccessToken).Username != "bob" {
		t.Error("the alias does not sign bob in")
	}
}

func TestSignUpForgetsTheUserWhenTheCodeCannotBeDeliveredInline(t *testing.T) {
	sender := &switchableSender{}
	e := newFastEnv(t, deliverInline, func(c *userpool.Config) { c.EmailSender = sender })
	sender.out = e.outbox
	sender.failing.Store(true)

	in := userpool.SignUpInput{ClientID: webClient, Username: "alice", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("alice@example.com")}}
	_, err := e.pool.SignUp(e.ctx, in)
	pe := wantCode(t, err, userpool.CodeCodeDeliveryFailure)
	if strings.Contains(pe.Message, "relay") {
		t.Errorf("message %q leaks the transport error", pe.Message)
	}
	e.noUser("alice")

	sender.failing.Store(false)
	out, err := e.pool.SignUp(e.ctx, in)
	wantNoError(t, "retried SignUp", err)
	if e.user("alice").Sub != out.UserSub {
		t.Error("the retried sign-up was not stored")
	}
	wantNoError(t, "ConfirmSignUp", errOf(e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient,
		Username: "alice", ConfirmationCode: e.lastCode("alice@example.com")})))
}

func TestSignUpWithoutASenderForTheMediumFails(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) {
		c.SMSSender = nil
		c.AutoVerifiedAttributes = []string{"phone_number"}
	})
	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "alice", Password: goodPW,
		UserAttributes: []userpool.Attribute{{Name: "phone_number", Value: "+12065551212"}}})
	wantCode(t, err, userpool.CodeCodeDeliveryFailure)
	e.noUser("alice")
}

func TestSignUpSendsTheCodeToThePhoneWhenPhonesAreAutoVerified(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) { c.AutoVerifiedAttributes = []string{"phone_number", "email"} })
	out, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "alice", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("alice@example.com"), {Name: "phone_number", Value: "+12065551212"}}})
	wantNoError(t, "SignUp", err)
	want := userpool.CodeDeliveryDetails{Destination: "+*******1212", DeliveryMedium: "SMS", AttributeName: "phone_number"}
	if *out.CodeDeliveryDetails != want {
		t.Errorf("delivery = %+v, want %+v", *out.CodeDeliveryDetails, want)
	}
	if len(e.mail().Emails()) != 0 {
		t.Error("an email was sent too")
	}
	wantNoError(t, "ConfirmSignUp", errOf(e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient,
		Username: "alice", ConfirmationCode: e.lastCode("+12065551212")})))
	u := e.user("alice")
	if u.Attributes["phone_number_verified"] != "true" || u.Attributes["email_verified"] != "false" {
		t.Errorf("verified flags = %v, want only the phone verified", u.Attributes)
	}
}

func TestSignUpWithoutAutoVerifiedAttributesSendsNothing(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) { c.AutoVerifiedAttributes = []string{} })
	out := e.signUp("alice", "alice@example.com", goodPW)
	if out.CodeDeliveryDetails != nil || e.sent() != 0 {
		t.Errorf("delivery %+v, %d messages; want none", out.CodeDeliveryDetails, e.sent())
	}
	if e.user("alice").Status != store.StatusUnconfirmed {
		t.Error("the user was confirmed without a code")
	}
}

func TestSignUpRequiresTheRequiredAttributes(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) {
		c.Schema = []userpool.AttributeSchema{{Name: "name", Required: true}}
	})
	tests := []struct {
		name  string
		attrs []userpool.Attribute
		ok    bool
	}{
		{"a missing required attribute is refused", []userpool.Attribute{email("alice@example.com")}, false},
		{"an empty required attribute is refused", []userpool.Attribute{email("alice@example.com"), {Name: "name", Value: ""}}, false},
		{"a present required attribute is accepted", []userpool.Attribute{email("alice@example.com"), {Name: "name", Value: "Alice"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "alice", Password: goodPW, UserAttributes: tt.attrs})
			if tt.ok {
				wantNoError(t, "SignUp", err)
				return
			}
			pe := wantCode(t, err, userpool.CodeInvalidParameter)
			if !strings.Contains(pe.Message, "name") {
				t.Errorf("message %q does not name the attribute", pe.Message)
			}
			e.noUser("alice")
		})
	}
}

func TestSignUpStoresTypedCustomAttributes(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) {
		c.Schema = []userpool.AttributeSchema{
			{Name: "custom:team", MaxLength: 8},
			{Name: "custom:level", Type: userpool.TypeNumber},
			{Name: "custom:admin", Type: userpool.TypeBoolean},
			{Name: "custom:since", Type: userpool.TypeDateTime},
		}
	})
	tests := []struct {
		name  string
		attr  userpool.Attribute
		valid bool
	}{
		{"a string within its bounds is accepted", userpool.Attribute{Name: "custom:team", Value: "blue"}, true},
		{"a string over its MaxLength is refused", userpool.Attribute{Name: "custom:team", Value: "ultraviolet"}, false},
		{"a number is accepted", userpool.Attribute{Name: "custom:level", Value: "42"}, true},
		{"text in a number is refused", userpool.Attribute{Name: "custom:level", Value: "high"}, false},
		{"a boolean is accepted", userpool.Attribute{Name: "custom:admin", Value: "false"}, true},
		{"yes in a boolean is refused", userpool.Attribute{Name: "custom:admin", Value: "yes"}, false},
		{"an RFC 3339 date-time is accepted", userpool.Attribute{Name: "custom:since", Value: "2026-03-01T09:00:00Z"}, true},
		{"a free-text date is refused", userpool.Attribute{Name: "custom:since", Value: "last March"}, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			username := "user" + string(rune('a'+i))
			_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: username, Password: goodPW,
				UserAttributes: []userpool.Attribute{email(username + "@example.com"), tt.attr}})
			if !tt.valid {
				wantCode(t, err, userpool.CodeInvalidParameter)
				e.noUser(username)
				return
			}
			wantNoError(t, "SignUp", err)
			if got := e.user(username).Attributes[tt.attr.Name]; got != tt.attr.Value {
				t.Errorf("%s = %q, want %q", tt.attr.Name, got, tt.attr.Value)
			}
		})
	}
}

func TestSignUpHonoursTheClientsWriteAttributes(t *testing.T) {
	e := newFastEnv(t)
	e.passwordClient("narrow", func(c *userpool.ClientConfig) { c.WriteAttributes = []string{"email"} })
	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: "narrow", Username: "alice", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("alice@example.com"), {Name: "name", Value: "Alice"}}})
	wantCode(t, err, userpool.CodeNotAuthorized)
	e.noUser("alice")
	_, err = e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: "narrow", Username: "alice", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("alice@example.com")}})
	wantNoError(t, "SignUp with a writable attribute", err)
}

func TestSignUpIsRefusedWhenOnlyAdministratorsCreateUsers(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) { c.AllowAdminCreateUserOnly = true })
	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "mallory", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("mallory@example.com")}})
	wantMessage(t, err, userpool.CodeNotAuthorized, "SignUp is not permitted for this user pool")
	e.noUser("mallory")
	if n := e.sent(); n != 0 {
		t.Fatalf("%d messages sent for a refused sign-up", n)
	}
	if _, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "ann", MessageAction: "SUPPRESS"}); err != nil {
		t.Fatalf("AdminCreateUser in an admin-only pool: %v", err)
	}
}
