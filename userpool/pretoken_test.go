package userpool_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/trigger"
	"github.com/cupola-auth/cupola/userpool"
)

// ------------------------------------------------------- PreTokenGeneration

// v1Pool is a pool whose V1 pre token generation trigger answers with d,
// and a confirmed user ada in group staff.
func v1Pool(t *testing.T, d *trigger.ClaimsOverrideDetails, log *trigLog[trigger.PreTokenGenerationEvent]) *env {
	t.Helper()
	if log == nil {
		log = &trigLog[trigger.PreTokenGenerationEvent]{}
	}
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.PreTokenGeneration = log.fn(func(_ context.Context, ev *trigger.PreTokenGenerationEvent) error {
			ev.Response.ClaimsOverrideDetails = d
			return nil
		})
	}))
	e.confirmedUser("ada", "ada@example.com")
	if _, err := e.pool.CreateGroup(e.ctx, userpool.CreateGroupInput{GroupName: "staff",
		RoleArn: "arn:aws:iam::123456789012:role/staff"}); err != nil {
		t.Fatal(err)
	}
	wantNoError(t, "AdminAddUserToGroup", errOf(e.pool.AdminAddUserToGroup(e.ctx, userpool.AdminAddUserToGroupInput{Username: "ada", GroupName: "staff"})))
	return e
}

func TestPreTokenGenerationV1ChangesTheIDToken(t *testing.T) {
	admin := "arn:aws:iam::123456789012:role/admin"
	for _, tc := range []struct {
		name  string
		d     *trigger.ClaimsOverrideDetails
		check func(t *testing.T, c *tokenClaimsPair)
	}{
		{"no answer changes nothing", nil, func(t *testing.T, c *tokenClaimsPair) {
			if c.id.Attributes["email"] != "ada@example.com" || !slices.Equal(c.id.Groups, []string{"staff"}) || len(c.id.Extra) != 0 {
				t.Fatalf("ID token = %+v", c.id)
			}
		}},
		{"a string claim is added", &trigger.ClaimsOverrideDetails{ClaimsToAddOrOverride: map[string]string{"tenant": "acme"}},
			func(t *testing.T, c *tokenClaimsPair) {
				if c.id.Extra["tenant"] != "acme" {
					t.Fatalf("ID token extra = %v", c.id.Extra)
				}
				if _, ok := c.access.Extra["tenant"]; ok {
					t.Fatal("V1 changed the access token")
				}
			}},
		{"an attribute is overridden", &trigger.ClaimsOverrideDetails{ClaimsToAddOrOverride: map[string]string{"email": "ada@corp.example"}},
			func(t *testing.T, c *tokenClaimsPair) { wantAttrIs(t, c.id.Attributes, "email", "ada@corp.example") }},
		{"email is suppressed", &trigger.ClaimsOverrideDetails{ClaimsToSuppress: []string{"email"}},
			func(t *testing.T, c *tokenClaimsPair) {
				if _, ok := c.id.Attributes["email"]; ok {
					t.Fatalf("email still in the ID token: %v", c.id.Attributes)
				}
				if c.id.Attributes["email_verified"] != "true" {
					t.Fatalf("suppressing email took email_verified too: %v", c.id.Attributes)
				}
			}},
		{"groups and roles are overridden", &trigger.ClaimsOverrideDetails{GroupOverrideDetails: &trigger.GroupConfiguration{
			GroupsToOverride: []string{"admins", "ops"}, IAMRolesToOverride: []string{admin}, PreferredRole: &admin}},
			func(t *testing.T, c *tokenClaimsPair) {
				if !slices.Equal(c.id.Groups, []string{"admins", "ops"}) || !slices.Equal(c.id.Roles, []string{admin}) || c.id.PreferredRole != admin {
					t.Fatalf("ID token groups %v roles %v preferred %q", c.id.Groups, c.id.Roles, c.id.PreferredRole)
				}
				if !slices.Equal(c.access.Groups, []string{"admins", "ops"}) {
					t.Fatalf("access token groups %v", c.access.Groups)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log trigLog[trigger.PreTokenGenerationEvent]
			e := v1Pool(t, tc.d, &log)
			res := e.mustSignIn("ada", goodPW)
			tc.check(t, &tokenClaimsPair{id: e.idClaims(res.IDToken), access: e.accessClaims(res.AccessToken)})
			ev := log.last(t)
			if ev.Version != "1" || ev.TriggerSource != trigger.TriggerTokenGenerationAuthentication || ev.CallerContext.ClientID != webClient {
				t.Fatalf("envelope = %+v", ev.Common)
			}
			g := ev.Request.GroupConfiguration
			if !slices.Equal(g.GroupsToOverride, []string{"staff"}) || !slices.Equal(g.IAMRolesToOverride, []string{"arn:aws:iam::123456789012:role/staff"}) {
				t.Fatalf("groupConfiguration = %+v", g)
			}
		})
	}
}

type tokenClaimsPair struct {
	id     *token.IDClaims
	access *token.AccessClaims
}

func TestPreTokenGenerationCannotTouchLockedClaims(t *testing.T) {
	locked := []string{"sub", "aud", "iss", "exp", "iat", "auth_time", "jti", "origin_jti", "token_use", "cognito:username", "identities", "nonce"}
	type variant struct {
		name string
		set  func(claim string) func(*trigger.Set)
	}
	variants := []variant{
		{"V1 add", func(claim string) func(*trigger.Set) {
			return func(s *trigger.Set) {
				s.PreTokenGeneration = func(_ context.Context, ev *trigger.PreTokenGenerationEvent) error {
					ev.Response.ClaimsOverrideDetails = &trigger.ClaimsOverrideDetails{ClaimsToAddOrOverride: map[string]string{claim: "x"}}
					return nil
				}
			}
		}},
		{"V1 suppress", func(claim string) func(*trigger.Set) {
			return func(s *trigger.Set) {
				s.PreTokenGeneration = func(_ context.Context, ev *trigger.PreTokenGenerationEvent) error {
					ev.Response.ClaimsOverrideDetails = &trigger.ClaimsOverrideDetails{ClaimsToSuppress: []string{claim}}
					return nil
				}
			}
		}},
		{"V2 ID add", func(claim string) func(*trigger.Set) {
			return func(s *trigger.Set) {
				s.PreTokenGenerationV2 = func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
					ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
						IDTokenGeneration: &trigger.TokenGeneration{ClaimsToAddOrOverride: map[string]any{claim: 1}}}
					return nil
				}
			}
		}},
		{"V2 access add", func(claim string) func(*trigger.Set) {
			return func(s *trigger.Set) {
				s.PreTokenGenerationV2 = func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
					ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
						AccessTokenGeneration: &trigger.AccessTokenGeneration{ClaimsToAddOrOverride: map[string]any{claim: "x"}}}
					return nil
				}
			}
		}},
		{"V2 access suppress", func(claim string) func(*trigger.Set) {
			return func(s *trigger.Set) {
				s.PreTokenGenerationV2 = func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
					ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
						AccessTokenGeneration: &trigger.AccessTokenGeneration{ClaimsToSuppress: []string{claim}}}
					return nil
				}
			}
		}},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			claims := locked
			if strings.HasPrefix(v.name, "V2 access") {
				claims = append(slices.Clone(locked), "client_id", "scope", "username")
			}
			for _, claim := range claims {
				e := newFastEnv(t, withTriggerSet(v.set(claim)))
				e.confirmedUser("ada", "ada@example.com")
				_, err := e.signIn("ada", goodPW)
				if pe := asPoolError(err); pe == nil || pe.Code != userpool.CodeInvalidLambdaResponse {
					t.Fatalf("%s %q: %v, want InvalidLambdaResponseException", v.name, claim, err)
				}
			}
		})
	}
}

func TestPreTokenGenerationRefusesMalformedValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*trigger.Set)
	}{
		{"V1 email_verified that is not a boolean", func(s *trigger.Set) {
			s.PreTokenGeneration = func(_ context.Context, ev *trigger.PreTokenGenerationEvent) error {
				ev.Response.ClaimsOverrideDetails = &trigger.ClaimsOverrideDetails{ClaimsToAddOrOverride: map[string]string{"email_verified": "maybe"}}
				return nil
			}
		}},
		{"V2 ID claim that is not JSON", func(s *trigger.Set) {
			s.PreTokenGenerationV2 = func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
				ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
					IDTokenGeneration: &trigger.TokenGeneration{ClaimsToAddOrOverride: map[string]any{"ch": make(chan int)}}}
				return nil
			}
		}},
		{"V2 access claim that is not JSON", func(s *trigger.Set) {
			s.PreTokenGenerationV2 = func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
				ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
					AccessTokenGeneration: &trigger.AccessTokenGeneration{ClaimsToAddOrOverride: map[string]any{"f": func() {}}}}
				return nil
			}
		}},
		{"V2 scope with a space", func(s *trigger.Set) {
			s.PreTokenGenerationV2 = func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
				ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
					AccessTokenGeneration: &trigger.AccessTokenGeneration{ScopesToAdd: []string{"a b"}}}
				return nil
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newFastEnv(t, withTriggerSet(tc.set))
			e.confirmedUser("ada", "ada@example.com")
			_, err := e.signIn("ada", goodPW)
			wantCode(t, err, userpool.CodeInvalidLambdaResponse)
		})
	}
}

func TestPreTokenGenerationV2ChangesBothTokensAndTheScopes(t *testing.T) {
	var log trigLog[trigger.PreTokenGenerationV2Event]
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.PreTokenGenerationV2 = log.fn(func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
			ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
				IDTokenGeneration: &trigger.TokenGeneration{
					ClaimsToAddOrOverride: map[string]any{"tenant": "acme", "seats": 5, "beta": true,
						"regions": []string{"eu", "us"}, "limits": map[string]any{"rps": 10}},
					ClaimsToSuppress: []string{"email"},
				},
				AccessTokenGeneration: &trigger.AccessTokenGeneration{
					ClaimsToAddOrOverride: map[string]any{"tenant": "acme", "plan": map[string]any{"tier": "gold"}},
					ScopesToAdd:           []string{"orders/read", "orders/write"},
					ScopesToSuppress:      []string{userpool.ScopeAdmin, "orders/write"},
				},
			}
			return nil
		})
	}))
	e.confirmedUser("ada", "ada@example.com")
	res := e.mustSignIn("ada", goodPW)
	id, acc := e.idClaims(res.IDToken), e.accessClaims(res.AccessToken)
	wantExtra := map[string]any{"tenant": "acme", "seats": float64(5), "beta": true,
		"regions": []any{"eu", "us"}, "limits": map[string]any{"rps": float64(10)}}
	if !reflect.DeepEqual(id.Extra, wantExtra) {
		t.Fatalf("ID token extra claims = %#v, want %#v", id.Extra, wantExtra)
	}
	if _, ok := id.Attributes["email"]; ok {
		t.Fatal("email not suppressed from the ID token")
	}
	if !reflect.DeepEqual(acc.Extra, map[string]any{"tenant": "acme", "plan": map[string]any{"tier": "gold"}}) {
		t.Fatalf("access token extra claims = %#v", acc.Extra)
	}
	if !slices.Equal(acc.Scopes, []string{"orders/read"}) {
		t.Fatalf("access token scopes = %v", acc.Scopes)
	}
	ev := log.last(t)
	if ev.Version != "2" || ev.TriggerSource != trigger.TriggerTokenGenerationAuthentication ||
		!slices.Equal(ev.Request.Scopes, []string{userpool.ScopeAdmin}) {
		t.Fatalf("event = %+v", ev)
	}
	// Without the admin scope the token no longer opens self-service.
	_, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: res.AccessToken})
	if err == nil {
		t.Fatal("GetUser accepted a token whose admin scope was suppressed")
	}
}

func TestPreTokenGenerationV2SourceNamesTheFlow(t *testing.T) {
	var log trigLog[trigger.PreTokenGenerationV2Event]
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.PreTokenGenerationV2 = log.fn(func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
			ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
				IDTokenGeneration: &trigger.TokenGeneration{ClaimsToAddOrOverride: map[string]any{"source": ev.TriggerSource}}}
			return nil
		})
	}))
	e.confirmedUser("ada", "ada@example.com")
	check := func(raw, want string) {
		t.Helper()
		if ev := log.last(t); ev.TriggerSource != want {
			t.Fatalf("triggerSource = %q, want %q", ev.TriggerSource, want)
		}
		if got := e.idClaims(raw).Extra["source"]; got != want {
			t.Fatalf("ID token claim source = %v, want %q", got, want)
		}
	}
	res := e.mustSignIn("ada", goodPW)
	check(res.IDToken, trigger.TriggerTokenGenerationAuthentication)
	ref, err := e.refresh(webClient, res.RefreshToken)
	wantNoError(t, "refresh", err)
	check(ref.IDToken, trigger.TriggerTokenGenerationRefreshTokens)

	_, err = e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "bob", TemporaryPassword: goodPW,
		MessageAction: "SUPPRESS", UserAttributes: []userpool.Attribute{email("bob@example.com")}})
	wantNoError(t, "AdminCreateUser", err)
	out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
		AuthParameters: map[string]string{"USERNAME": "bob", "PASSWORD": goodPW}})
	if err != nil || out.ChallengeName != userpool.ChallengeNewPasswordRequired {
		t.Fatalf("first sign-in = %+v, %v", out, err)
	}
	done, err := e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient,
		ChallengeName: userpool.ChallengeNewPasswordRequired, Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": "bob", "NEW_PASSWORD": "new-Harbor-72xyz"}})
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("NEW_PASSWORD_REQUIRED answer = %+v, %v", done, err)
	}
	check(done.AuthenticationResult.IDToken, trigger.TriggerTokenGenerationNewPasswordChallenge)
}

func TestPreTokenGenerationFailureIssuesNoTokens(t *testing.T) {
	e := newFastEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.PreTokenGenerationV2 = trigFail[trigger.PreTokenGenerationV2Event]("claims service down")
	}))
	e.confirmedUser("ada", "ada@example.com")
	_, err := e.signIn("ada", goodPW)
	wantMessage(t, err, userpool.CodeUserLambdaValidation, "PreTokenGeneration failed with error claims service down.")
}
