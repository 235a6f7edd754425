package userpool_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/userpool"
)

func validConfig(t *testing.T) userpool.Config {
	c := baseConfig(t, "pool_config", message.NewOutbox(), time.Now)
	c.SigningAlgorithm = token.EdDSA
	return c
}

func TestNewRefusesABadConfig(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name   string
		change func(*userpool.Config)
	}{
		{"a missing pool ID", func(c *userpool.Config) { c.ID = "" }},
		{"a pool ID with a space", func(c *userpool.Config) { c.ID = "my pool" }},
		{"a pool ID with a slash", func(c *userpool.Config) { c.ID = "pool/1" }},
		{"a pool ID of 56 characters", func(c *userpool.Config) { c.ID = strings.Repeat("p", 56) }},
		{"a missing issuer", func(c *userpool.Config) { c.Issuer = "" }},
		{"a relative issuer", func(c *userpool.Config) { c.Issuer = "/pool" }},
		{"an issuer without a host", func(c *userpool.Config) { c.Issuer = "https:///pool" }},
		{"an ftp issuer", func(c *userpool.Config) { c.Issuer = "ftp://auth.example.com/pool" }},
		{"an issuer with a query", func(c *userpool.Config) { c.Issuer = "https://auth.example.com/pool?x=1" }},
		{"an issuer with a fragment", func(c *userpool.Config) { c.Issuer = "https://auth.example.com/pool#x" }},
		{"an issuer that is no URL", func(c *userpool.Config) { c.Issuer = "https://auth example com/\x7f" }},
		{"a missing secret", func(c *userpool.Config) { c.Secret = nil }},
		{"a 31-byte secret", func(c *userpool.Config) { c.Secret = c.Secret[:31] }},
		{"a changeme secret", func(c *userpool.Config) { c.Secret = []byte("changeme-changeme-changeme-changeme") }},
		{"a ChangeMe secret among other characters", func(c *userpool.Config) { c.Secret = []byte("xQ9#kL2@ChangeMe!vB7$wP4&zR1*tY6^") }},
		{"a secret of 32 identical bytes", func(c *userpool.Config) { c.Secret = bytes.Repeat([]byte{0x41}, 32) }},
		{"a secret of 32 zero bytes", func(c *userpool.Config) { c.Secret = make([]byte, 32) }},
		{"a secret of two alternating characters", func(c *userpool.Config) { c.Secret = bytes.Repeat([]byte("ab"), 32) }},
		{"both username and alias attributes", func(c *userpool.Config) {
			c.UsernameAttributes, c.AliasAttributes = []string{"email"}, []string{"phone_number"}
		}},
		{"a username attribute that cannot be one", func(c *userpool.Config) { c.UsernameAttributes = []string{"name"} }},
		{"an alias attribute that cannot be one", func(c *userpool.Config) { c.AliasAttributes = []string{"nickname"} }},
		{"an auto-verified attribute that cannot be verified", func(c *userpool.Config) { c.AutoVerifiedAttributes = []string{"name"} }},
		{"an ID token validity under 5 minutes", func(c *userpool.Config) { c.Tokens.ID = 4 * time.Minute }},
		{"an ID token validity over a day", func(c *userpool.Config) { c.Tokens.ID = day + time.Second }},
		{"a negative access token validity", func(c *userpool.Config) { c.Tokens.Access = -time.Hour }},
		{"a refresh token validity under an hour", func(c *userpool.Config) { c.Tokens.Refresh = 59 * time.Minute }},
		{"a refresh token validity over 3650 days", func(c *userpool.Config) { c.Tokens.Refresh = 3651 * day }},
		{"a minimum password length of 7", func(c *userpool.Config) { c.PasswordPolicy.MinimumLength = 7 }},
		{"a minimum password length of 100", func(c *userpool.Config) { c.PasswordPolicy.MinimumLength = 100 }},
		{"a negative temporary password validity", func(c *userpool.Config) { c.PasswordPolicy.TemporaryPasswordValidityDays = -1 }},
		{"a lockout threshold of zero", func(c *userpool.Config) {
			c.Lockout = store.LockoutPolicy{Base: time.Second, Max: time.Minute, ResetAfter: time.Minute}
		}},
		{"a lockout without durations", func(c *userpool.Config) { c.Lockout = store.LockoutPolicy{Threshold: 5} }},
		{"a lockout whose maximum is below its base", func(c *userpool.Config) {
			c.Lockout = store.LockoutPolicy{Threshold: 5, Base: time.Minute, Max: time.Second, ResetAfter: time.Minute}
		}},
		{"a code send limit without durations", func(c *userpool.Config) { c.CodeSendLimit = store.LockoutPolicy{Threshold: 3} }},
		{"a code send limit of zero sends", func(c *userpool.Config) {
			c.CodeSendLimit = store.LockoutPolicy{Base: time.Hour, Max: time.Hour, ResetAfter: time.Hour}
		}},
		{"a code validity of 30 seconds", func(c *userpool.Config) { c.CodeValidity = 30 * time.Second }},
		{"a code validity over a day", func(c *userpool.Config) { c.CodeValidity = day + time.Minute }},
		{"a symmetric signing algorithm", func(c *userpool.Config) { c.SigningAlgorithm = "HS256" }},
		{"the none algorithm", func(c *userpool.Config) { c.SigningAlgorithm = "none" }},
		{"unusable hash parameters", func(c *userpool.Config) { c.Hashing.MemoryKiB = 1 }},
		{"a custom attribute name over 20 characters", func(c *userpool.Config) {
			c.Schema = []userpool.AttributeSchema{{Name: "custom:" + strings.Repeat("a", 21)}}
		}},
		{"an attribute declared twice", func(c *userpool.Config) {
			c.Schema = []userpool.AttributeSchema{{Name: "custom:team"}, {Name: "custom:team"}}
		}},
		{"an attribute neither standard nor custom", func(c *userpool.Config) {
			c.Schema = []userpool.AttributeSchema{{Name: "team"}}
		}},
		{"a required custom attribute", func(c *userpool.Config) {
			c.Schema = []userpool.AttributeSchema{{Name: "custom:team", Required: true}}
		}},
		{"a custom attribute of an unknown type", func(c *userpool.Config) {
			c.Schema = []userpool.AttributeSchema{{Name: "custom:team", Type: "Colour"}}
		}},
		{"a standard attribute with another type", func(c *userpool.Config) {
			c.Schema = []userpool.AttributeSchema{{Name: "birthdate", Type: userpool.TypeDateTime}}
		}},
		{"a maximum length over 2048", func(c *userpool.Config) {
			c.Schema = []userpool.AttributeSchema{{Name: "custom:bio", MaxLength: 2049}}
		}},
		{"a minimum length over the maximum", func(c *userpool.Config) {
			c.Schema = []userpool.AttributeSchema{{Name: "custom:bio", MinLength: 10, MaxLength: 5}}
		}},
		{"more than 50 custom attributes", func(c *userpool.Config) {
			for i := range 51 {
				c.Schema = append(c.Schema, userpool.AttributeSchema{Name: "custom:a" + strings.Repeat("b", i%19) + string(rune('a'+i/19))})
			}
		}},
		{"a message template without the code", func(c *userpool.Config) {
			c.Messages = message.Templates{message.KindSignUp: {EmailSubject: "Hi", EmailText: "Welcome!"}}
		}},
		{"a recent sign-in window of a second", func(c *userpool.Config) { c.MFA.RecentSignIn = time.Second }},
		{"an emailed-code first factor with MFA ON", func(c *userpool.Config) {
			c.MFA = userpool.MFAConfig{Mode: userpool.MFAOn}
			c.AllowedFirstAuthFactors = []string{userpool.FirstFactorPassword, userpool.FirstFactorEmailOTP}
		}},
		{"a texted-code first factor with MFA ON", func(c *userpool.Config) {
			c.MFA = userpool.MFAConfig{Mode: userpool.MFAOn}
			c.AllowedFirstAuthFactors = []string{userpool.FirstFactorSMSOTP}
		}},
		{"a configured client with a secret", func(c *userpool.Config) { c.Clients[0].GenerateSecret = true }},
		{"a configured client without an ID", func(c *userpool.Config) { c.Clients[0].ClientID = "" }},
		{"a configured client with an unknown flow", func(c *userpool.Config) { c.Clients[0].ExplicitAuthFlows = []string{"ALLOW_EVERYTHING"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			c := validConfig(t)
			tt.change(&c)
			p, err := userpool.New(t.Context(), c, memory.New())
			if err == nil {
				t.Fatal("New accepted the config")
			}
			if p != nil {
				t.Error("New returned a pool with its error")
			}
			if !strings.HasPrefix(err.Error(), "userpool: ") || strings.Contains(err.Error(), string(c.Secret)) && len(c.Secret) > 0 {
				t.Errorf("error %q: want a userpool error that does not echo the secret", err)
			}
		})
	}
	t.Run("a nil store is refused", func(t *testing.T) {
		if _, err := userpool.New(t.Context(), validConfig(t), nil); err == nil {
			t.Fatal("New accepted a nil store")
		}
	})
	t.Run("the valid config is accepted", func(t *testing.T) {
		if _, err := userpool.New(t.Context(), validConfig(t), memory.New()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestNewAcceptsTheBoundsOfEachSetting(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name   string
		change func(*userpool.Config)
	}{
		{"token validities at their minimum", func(c *userpool.Config) {
			c.Tokens = userpool.TokenValidity{ID: 5 * time.Minute, Access: 5 * time.Minute, Refresh: time.Hour}
		}},
		{"token validities at their maximum", func(c *userpool.Config) {
			c.Tokens = userpool.TokenValidity{ID: day, Access: day, Refresh: 3650 * day}
		}},
		{"a minimum password length of 8", func(c *userpool.Config) { c.PasswordPolicy.MinimumLength = 8 }},
		{"a minimum password length of 99", func(c *userpool.Config) { c.PasswordPolicy.MinimumLength = 99 }},
		{"a custom attribute name of 20 characters", func(c *userpool.Config) {
			c.Schema = []userpool.AttributeSchema{{Name: "custom:" + strings.Repeat("a", 20), MaxLength: 2048}}
		}},
		{"a phone username pool", func(c *userpool.Config) { c.UsernameAttributes = []string{"phone_number"} }},
		{"every alias", func(c *userpool.Config) {
			c.AliasAttributes = []string{"email", "phone_number", "preferred_username"}
		}},
		{"ES256 keys", func(c *userpool.Config) { c.SigningAlgorithm = token.ES256 }},
		{"one overridden template", func(c *userpool.Config) {
			c.Messages = message.Templates{message.KindSignUp: {EmailSubject: "Welcome", EmailText: "Code: {####}"}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is accepted", func(t *testing.T) {
			c := validConfig(t)
			tt.change(&c)
			if _, err := userpool.New(t.Context(), c, memory.New()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestConfigDefaultsHold(t *testing.T) {
	e := newFastEnv(t, func(c *userpool.Config) {
		c.Name, c.Tokens, c.Lockout, c.CodeValidity, c.CodeSendLimit = "", userpool.TokenValidity{}, store.LockoutPolicy{}, 0, store.LockoutPolicy{}
		c.PasswordPolicy, c.AutoVerifiedAttributes = userpool.PasswordPolicy{}, nil
	})
	t.Run("passwords need 15 characters without MFA, and no composition", func(t *testing.T) {
		_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "seven", Password: "zqxjvkwyzqxjvk",
			UserAttributes: []userpool.Attribute{email("seven@example.com")}})
		wantCode(t, err, userpool.CodeInvalidPassword)
		e.signUp("eight", "eight@example.com", "zqxjvkwyzqxjvkw")
	})
	t.Run("usernames are case-insensitive and email is auto-verified", func(t *testing.T) {
		e.signUp("Dora", "dora@example.com", goodPW)
		wantNoError(t, "ConfirmSignUp", e.confirm("DORA", e.lastCode("dora@example.com")))
		if e.user("dora").Attributes["email_verified"] != "true" {
			t.Error("the email was not verified by the sign-up code")
		}
	})
	t.Run("tokens last an hour and refresh tokens 30 days", func(t *testing.T) {
		res := e.mustSignIn("dora", goodPW)
		if a := e.accessClaims(res.AccessToken); a.ExpiresAt.Sub(a.IssuedAt) != time.Hour || res.ExpiresIn != 3600 {
			t.Errorf("access token lifetime %s", a.ExpiresAt.Sub(a.IssuedAt))
		}
		if i := e.idClaims(res.IDToken); i.ExpiresAt.Sub(i.IssuedAt) != time.Hour {
			t.Errorf("ID token lifetime %s", i.ExpiresAt.Sub(i.IssuedAt))
		}
		e.clock.Advance(30*24*time.Hour - time.Second)
		_, err := e.refresh(webClient, res.RefreshToken)
		wantNoError(t, "refresh on day 30", err)
		e.clock.Advance(time.Second)
		_, err = e.refresh(webClient, res.RefreshToken)
		wantCode(t, err, userpool.CodeNotAuthorized)
	})
	t.Run("the configured clients exist with their settings", func(t *testing.T) {
		d, err := e.pool.DescribeUserPoolClient(e.ctx, userpool.DescribeUserPoolClientInput{ClientID: webClient})
		wantNoError(t, "DescribeUserPoolClient", err)
		if d.ClientName != "web" || d.PreventUserExistenceErrors != "ENABLED" || d.DisableTokenRevocation || d.GenerateSecret ||
			d.AuthSessionValidity != 3*time.Minute {
			t.Errorf("client = %+v", d)
		}
	})
}

func TestNewKeepsConfiguredClientsAndKeysAcrossRestarts(t *testing.T) {
	s := memory.New()
	e := newEnv(t, s, fastKeys)
	e.confirmedUser("alice", "alice@example.com")
	res := e.mustSignIn("alice", goodPW)
	kid := kidOf(t, res.AccessToken)

	again, err := userpool.New(context.Background(), e.cfg, s)
	wantNoError(t, "New on the same store", err)
	if got := again.KeySet().JWKS(e.clock.Now()).Keys; len(got) != 1 || got[0].Kid != kid {
		t.Errorf("keys after restart = %+v, want the one key %s", got, kid)
	}
	if _, err := again.GetUser(e.ctx, userpool.GetUserInput{AccessToken: res.AccessToken}); err != nil {
		t.Errorf("the restarted pool refuses an earlier token: %v", err)
	}

	other := e.cfg
	other.Secret = randomSecret(t)
	if _, err := userpool.New(context.Background(), other, s); err == nil {
		t.Error("a pool whose secret changed read the sealed keys")
	}
}
