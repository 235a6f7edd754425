package userpool_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/trigger"
	"github.com/cupola-auth/cupola/userpool"
)

const (
	fedClient   = "fedclient"
	fedCallback = "https://hosted.example.test/oauth2/idpresponse"
	mockIdP     = "MockIdP"
)

// fedEnv is a pool with an OIDC identity provider played by mockoidc, and
// a client that offers it beside the pool's own users.
type fedEnv struct {
	*env
	idp *mockoidc.MockOIDC
}

func newFedEnv(t *testing.T, mutate ...func(*userpool.Config)) *fedEnv {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	// mockoidc computes its key ID lazily without a lock; computing it here
	// keeps parallel token requests from racing on it.
	if _, err := m.Keypair.KeyID(); err != nil {
		t.Fatal(err)
	}
	e := newFastEnv(t, append([]func(*userpool.Config){func(c *userpool.Config) {
		c.Clock = time.Now // mockoidc signs with the real time
		c.Clients = append(c.Clients, userpool.ClientConfig{ClientID: fedClient, CallbackURLs: []string{"https://app.example.test/cb"},
			AllowedOAuthFlows: []string{userpool.OAuthFlowCode}, AllowedOAuthScopes: []string{userpool.ScopeOpenID, userpool.ScopeEmail},
			SupportedIdentityProviders: []string{userpool.ProviderCognito, mockIdP}})
	}}, mutate...)...)
	cfg := m.Config()
	_, err = e.pool.CreateIdentityProvider(e.ctx, userpool.CreateIdentityProviderInput{ProviderName: mockIdP, ProviderType: userpool.ProviderTypeOIDC,
		ProviderDetails: map[string]string{"client_id": cfg.ClientID, "client_secret": cfg.ClientSecret, "oidc_issuer": m.Issuer(),
			"authorize_scopes": "openid email profile", "token_endpoint_auth_method": "client_secret_post"},
		AttributeMapping: map[string]string{"email": "email", "preferred_username": "preferred_username"}})
	if err != nil {
		t.Fatalf("CreateIdentityProvider: %v", err)
	}
	return &fedEnv{env: e, idp: m}
}

// fedSignIn plays the browser through the provider for user and returns
// the pool's answer.
func (e *fedEnv) fedSignIn(user *mockoidc.MockUser) (*userpool.HostedAuthOutput, error) {
	e.t.Helper()
	e.idp.QueueUser(user)
	start, err := e.pool.OAuth().StartFederatedSignIn(e.ctx, userpool.StartFederatedSignInInput{ClientID: fedClient,
		ProviderName: mockIdP, State: "state-" + user.Subject, Callback: func(string) string { return fedCallback }})
	if err != nil {
		e.t.Fatalf("StartFederatedSignIn: %v", err)
	}
	return e.pool.OAuth().CompleteFederatedSignIn(e.ctx, userpool.CompleteFederatedSignInInput{ClientID: fedClient,
		Params: e.followIdP(start.URL), Pending: start.Pending})
}

// followIdP GETs the provider's authorization URL and returns the query of
// its redirect to the callback.
func (e *fedEnv) followIdP(authURL string) url.Values {
	e.t.Helper()
	browser := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), fedCallback) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := browser.Get(authURL)
	if err != nil {
		e.t.Fatalf("GET %s: %v", authURL, err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || !strings.HasPrefix(loc.String(), fedCallback) {
		e.t.Fatalf("the provider answered %s, not a redirect to the callback", resp.Status)
	}
	return loc.Query()
}

func jane() *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: "jane-1234", Email: "jane@example.com", EmailVerified: true, PreferredUsername: "janed"}
}

func TestAFirstFederatedSignInCreatesAnExternalProviderUser(t *testing.T) {
	e := newFedEnv(t)
	out, err := e.fedSignIn(jane())
	wantNoError(t, "federated sign-in", err)
	if out.Principal == nil || out.Principal.Username != "MockIdP_jane-1234" {
		t.Fatalf("principal = %+v, want MockIdP_jane-1234", out.Principal)
	}
	u := e.user("MockIdP_jane-1234")
	if u.Status != store.StatusExternalProvider || u.Attributes["email"] != "jane@example.com" ||
		u.Attributes["email_verified"] != "true" || u.Attributes["preferred_username"] != "janed" {
		t.Fatalf("user = %s %v", u.Status, u.Attributes)
	}
	var ids []map[string]any
	if err := json.Unmarshal([]byte(u.Attributes["identities"]), &ids); err != nil || len(ids) != 1 ||
		ids[0]["providerName"] != mockIdP || ids[0]["userId"] != "jane-1234" || ids[0]["providerType"] != "OIDC" {
		t.Fatalf("identities = %s", u.Attributes["identities"])
	}

	// The next sign-in is the same user, with the mapping applied again.
	again := jane()
	again.Email, again.PreferredUsername = "jane.doe@example.com", "jd"
	out2, err := e.fedSignIn(again)
	wantNoError(t, "second federated sign-in", err)
	if out2.Principal.Sub != out.Principal.Sub {
		t.Fatalf("the second sign-in is another user: %s, want %s", out2.Principal.Sub, out.Principal.Sub)
	}
	if u := e.user("MockIdP_jane-1234"); u.Attributes["email"] != "jane.doe@example.com" || u.Attributes["preferred_username"] != "jd" {
		t.Fatalf("the mapping was not applied again: %v", u.Attributes)
	}
}

func TestAnUnverifiedProviderEmailStaysUnverifiedAndJoinsNoAccount(t *testing.T) {
	e := newFedEnv(t, func(c *userpool.Config) { c.AliasAttributes = []string{"email"} })
	e.confirmedUser("alice", "alice@example.com")
	out, err := e.fedSignIn(&mockoidc.MockUser{Subject: "mallory-1", Email: "alice@example.com", EmailVerified: false})
	wantNoError(t, "federated sign-in", err)
	if out.Principal.Username != "MockIdP_mallory-1" {
		t.Fatalf("the identity signed in as %s", out.Principal.Username)
	}
	if u := e.user("MockIdP_mallory-1"); u.Attributes["email_verified"] != "false" {
		t.Fatalf("an email the provider did not verify is verified: %v", u.Attributes)
	}
	// A verified one joins no account either: only a link does.
	out, err = e.fedSignIn(&mockoidc.MockUser{Subject: "mallory-2", Email: "alice@example.com", EmailVerified: true})
	wantNoError(t, "federated sign-in", err)
	if out.Principal.Username != "MockIdP_mallory-2" {
		t.Fatalf("a matching verified email signed in as %s", out.Principal.Username)
	}
	e.mustSignIn("alice", goodPW)
}

func TestALinkedIdentitySignsInAsTheNativeUser(t *testing.T) {
	e := newFedEnv(t)
	aliceSub := e.confirmedUser("alice", "alice@example.com")
	link := userpool.AdminLinkProviderForUserInput{
		DestinationUser: userpool.ProviderUserIdentifierType{ProviderName: "Cognito", ProviderAttributeValue: "alice"},
		SourceUser:      userpool.ProviderUserIdentifierType{ProviderName: mockIdP, ProviderAttributeName: userpool.AttributeCognitoSubject, ProviderAttributeValue: "jane-1234"}}
	wantNoError(t, "AdminLinkProviderForUser", errOf(e.pool.AdminLinkProviderForUser(e.ctx, link)))
	wantNoError(t, "linking again", errOf(e.pool.AdminLinkProviderForUser(e.ctx, link)))

	out, err := e.fedSignIn(jane())
	wantNoError(t, "federated sign-in", err)
	if out.Principal.Sub != aliceSub {
		t.Fatalf("the linked identity signed in as %s, want alice", out.Principal.Username)
	}
	if u := e.user("alice"); u.Attributes["email"] != "alice@example.com" || !strings.Contains(u.Attributes["identities"], mockIdP) {
		t.Fatalf("alice after the federated sign-in: %v", u.Attributes)
	}
	e.noUser("MockIdP_jane-1234")

	// Unlinked, the identity is a user of its own again; alice keeps her
	// password.
	wantNoError(t, "AdminDisableProviderForUser", errOf(e.pool.AdminDisableProviderForUser(e.ctx, userpool.AdminDisableProviderForUserInput{
		User: link.SourceUser})))
	out, err = e.fedSignIn(jane())
	wantNoError(t, "federated sign-in after unlinking", err)
	if out.Principal.Sub == aliceSub {
		t.Fatal("the unlinked identity still signs in as alice")
	}
	e.mustSignIn("alice", goodPW)
}

func TestAnIdentityThatSignedInCannotBeLinkedAndADisabledOneIsRefused(t *testing.T) {
	e := newFedEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	wantNoError(t, "federated sign-in", errOf(e.fedSignIn(jane())))
	src := userpool.ProviderUserIdentifierType{ProviderName: mockIdP, ProviderAttributeName: userpool.AttributeCognitoSubject, ProviderAttributeValue: "jane-1234"}
	_, err := e.pool.AdminLinkProviderForUser(e.ctx, userpool.AdminLinkProviderForUserInput{
		DestinationUser: userpool.ProviderUserIdentifierType{ProviderName: "Cognito", ProviderAttributeValue: "alice"}, SourceUser: src})
	wantCode(t, err, userpool.CodeInvalidParameter)

	wantNoError(t, "AdminDisableProviderForUser", errOf(e.pool.AdminDisableProviderForUser(e.ctx, userpool.AdminDisableProviderForUserInput{User: src})))
	_, err = e.fedSignIn(jane())
	wantCode(t, err, userpool.CodeNotAuthorized)
	if u := e.user("MockIdP_jane-1234"); u.Enabled {
		t.Fatal("the federated user is still enabled")
	}
}

func TestConcurrentFirstSignInsOfOneIdentityMakeOneUser(t *testing.T) {
	e := newFedEnv(t)
	// Each browser's round trip to the provider first, then the pool's
	// completions at once.
	type started struct {
		params  url.Values
		pending userpool.CompleteFederatedSignInInput
	}
	var ins []userpool.CompleteFederatedSignInInput
	for i := range 8 {
		e.idp.QueueUser(jane())
		st, err := e.pool.OAuth().StartFederatedSignIn(e.ctx, userpool.StartFederatedSignInInput{ClientID: fedClient,
			ProviderName: mockIdP, State: "s" + string(rune('a'+i)), Callback: func(string) string { return fedCallback }})
		wantNoError(t, "StartFederatedSignIn", err)
		ins = append(ins, userpool.CompleteFederatedSignInInput{ClientID: fedClient, Params: e.followIdP(st.URL), Pending: st.Pending})
	}
	subs := make([]string, len(ins))
	var wg sync.WaitGroup
	for i, in := range ins {
		wg.Go(func() {
			out, err := e.pool.OAuth().CompleteFederatedSignIn(context.Background(), in)
			if err != nil {
				t.Errorf("completion %d: %v", i, err)
				return
			}
			subs[i] = out.Principal.Sub
		})
	}
	wg.Wait()
	for i, s := range subs {
		if s != subs[0] {
			t.Fatalf("completion %d signed in %s, completion 0 %s: one identity, two users", i, s, subs[0])
		}
	}
}

func TestPreSignUpExternalProviderMayLinkInstead(t *testing.T) {
	var pool *userpool.UserPool
	var sources []string
	e := newFedEnv(t, withTriggerSet(func(s *trigger.Set) {
		s.PreSignUp = func(ctx context.Context, ev *trigger.PreSignUpEvent) error {
			sources = append(sources, ev.TriggerSource)
			if ev.TriggerSource != "PreSignUp_ExternalProvider" {
				return nil
			}
			_, err := pool.AdminLinkProviderForUser(ctx, userpool.AdminLinkProviderForUserInput{
				DestinationUser: userpool.ProviderUserIdentifierType{ProviderName: "Cognito", ProviderAttributeValue: "alice"},
				SourceUser: userpool.ProviderUserIdentifierType{ProviderName: mockIdP, ProviderAttributeName: userpool.AttributeCognitoSubject,
					ProviderAttributeValue: strings.TrimPrefix(ev.UserName, mockIdP+"_")}})
			return err
		}
	}))
	pool = e.pool
	aliceSub := e.confirmedUser("alice", "alice@example.com")
	out, err := e.fedSignIn(jane())
	wantNoError(t, "federated sign-in", err)
	if out.Principal.Sub != aliceSub || sources[len(sources)-1] != "PreSignUp_ExternalProvider" {
		t.Fatalf("signed in %s after triggers %v, want alice linked by the trigger", out.Principal.Username, sources)
	}
	e.noUser("MockIdP_jane-1234")
}

func TestFederatedSignInRefusals(t *testing.T) {
	e := newFedEnv(t)
	t.Run("another browser's state is refused and creates nobody", func(t *testing.T) {
		e.idp.QueueUser(jane())
		st, err := e.pool.OAuth().StartFederatedSignIn(e.ctx, userpool.StartFederatedSignInInput{ClientID: fedClient,
			ProviderName: mockIdP, State: "victim-state", Callback: func(string) string { return fedCallback }})
		wantNoError(t, "StartFederatedSignIn", err)
		params := e.followIdP(st.URL)
		mine := st.Pending
		mine.State = "attacker-state"
		_, err = e.pool.OAuth().CompleteFederatedSignIn(e.ctx, userpool.CompleteFederatedSignInInput{ClientID: fedClient, Params: params, Pending: mine})
		wantCode(t, err, userpool.CodeNotAuthorized)
		e.noUser("MockIdP_jane-1234")
	})
	t.Run("a client that does not offer the provider cannot use it", func(t *testing.T) {
		_, err := e.pool.OAuth().StartFederatedSignIn(e.ctx, userpool.StartFederatedSignInInput{ClientID: webClient,
			ProviderName: mockIdP, State: "s", Callback: func(string) string { return fedCallback }})
		wantCode(t, err, userpool.CodeNotAuthorized)
	})
	t.Run("an unknown provider is not found", func(t *testing.T) {
		_, err := e.pool.OAuth().StartFederatedSignIn(e.ctx, userpool.StartFederatedSignInInput{ClientID: fedClient,
			ProviderName: "Nobody", State: "s", Callback: func(string) string { return fedCallback }})
		wantCode(t, err, userpool.CodeResourceNotFound)
	})
	t.Run("a federated user has no password to sign in with", func(t *testing.T) {
		wantNoError(t, "federated sign-in", errOf(e.fedSignIn(&mockoidc.MockUser{Subject: "pw-1", Email: "pw@example.com"})))
		_, err := e.signIn("MockIdP_pw-1", goodPW)
		if err == nil {
			t.Fatal("a federated user signed in with a password")
		}
	})
}

func TestIdentityProviderAdministration(t *testing.T) {
	e := newFedEnv(t)
	cfg := e.idp.Config()
	details := map[string]string{"client_id": cfg.ClientID, "client_secret": cfg.ClientSecret, "oidc_issuer": e.idp.Issuer(), "authorize_scopes": "openid email", "token_endpoint_auth_method": "client_secret_post"}
	create := func(in userpool.CreateIdentityProviderInput) error {
		_, err := e.pool.CreateIdentityProvider(e.ctx, in)
		return err
	}
	for _, tc := range []struct {
		name string
		in   userpool.CreateIdentityProviderInput
		want userpool.ErrorCode
	}{
		{"a taken name is a duplicate", userpool.CreateIdentityProviderInput{ProviderName: mockIdP, ProviderType: "OIDC", ProviderDetails: details}, userpool.CodeDuplicateProvider},
		{"an unknown type is refused", userpool.CreateIdentityProviderInput{ProviderName: "Other", ProviderType: "LDAP", ProviderDetails: details}, userpool.CodeInvalidParameter},
		{"a Google provider must be named Google", userpool.CreateIdentityProviderInput{ProviderName: "MyGoogle", ProviderType: "Google", ProviderDetails: details}, userpool.CodeInvalidParameter},
		{"COGNITO is reserved", userpool.CreateIdentityProviderInput{ProviderName: "COGNITO", ProviderType: "OIDC", ProviderDetails: details}, userpool.CodeInvalidParameter},
		{"an underscore is refused", userpool.CreateIdentityProviderInput{ProviderName: "My_IdP", ProviderType: "OIDC", ProviderDetails: details}, userpool.CodeInvalidParameter},
		{"missing details name the key", userpool.CreateIdentityProviderInput{ProviderName: "Other", ProviderType: "OIDC", ProviderDetails: map[string]string{"oidc_issuer": e.idp.Issuer()}}, userpool.CodeInvalidParameter},
		{"a mapping to an unknown attribute is refused", userpool.CreateIdentityProviderInput{ProviderName: "Other", ProviderType: "OIDC", ProviderDetails: details,
			AttributeMapping: map[string]string{"custom:nope": "x"}}, userpool.CodeInvalidParameter},
		{"sub cannot be mapped", userpool.CreateIdentityProviderInput{ProviderName: "Other", ProviderType: "OIDC", ProviderDetails: details,
			AttributeMapping: map[string]string{"sub": "sub"}}, userpool.CodeInvalidParameter},
		{"a malformed identifier is refused", userpool.CreateIdentityProviderInput{ProviderName: "Other", ProviderType: "OIDC", ProviderDetails: details,
			IdpIdentifiers: []string{"no/slashes"}}, userpool.CodeInvalidParameter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, create(tc.in), tc.want)
			if tc.in.ProviderName != mockIdP {
				_, err := e.pool.DescribeIdentityProvider(e.ctx, userpool.DescribeIdentityProviderInput{ProviderName: tc.in.ProviderName})
				wantCode(t, err, userpool.CodeResourceNotFound)
			}
		})
	}

	wantNoError(t, "create Corp", create(userpool.CreateIdentityProviderInput{ProviderName: "Corp", ProviderType: "OIDC", ProviderDetails: details,
		IdpIdentifiers: []string{"Corp.Example"}}))
	wantCode(t, create(userpool.CreateIdentityProviderInput{ProviderName: "Corp2", ProviderType: "OIDC", ProviderDetails: details,
		IdpIdentifiers: []string{"corp.example"}}), userpool.CodeDuplicateProvider)
	got, err := e.pool.GetIdentityProviderByIdentifier(e.ctx, userpool.GetIdentityProviderByIdentifierInput{IdpIdentifier: "CORP.example"})
	wantNoError(t, "GetIdentityProviderByIdentifier", err)
	if got.IdentityProvider.ProviderName != "Corp" || got.IdentityProvider.ProviderDetails["client_secret"] != cfg.ClientSecret {
		t.Fatalf("by identifier: %+v", got.IdentityProvider)
	}
	upd, err := e.pool.UpdateIdentityProvider(e.ctx, userpool.UpdateIdentityProviderInput{ProviderName: "Corp", IdpIdentifiers: []string{"corp.test"}})
	wantNoError(t, "UpdateIdentityProvider", err)
	if upd.IdentityProvider.ProviderDetails["client_id"] != cfg.ClientID || upd.IdentityProvider.IdpIdentifiers[0] != "corp.test" {
		t.Fatalf("after update: %+v", upd.IdentityProvider)
	}
	_, err = e.pool.UpdateIdentityProvider(e.ctx, userpool.UpdateIdentityProviderInput{ProviderName: "Corp", ProviderDetails: map[string]string{"client_id": "x"}})
	wantCode(t, err, userpool.CodeInvalidParameter)

	list, err := e.pool.ListIdentityProviders(e.ctx, userpool.ListIdentityProvidersInput{MaxResults: 1})
	wantNoError(t, "ListIdentityProviders", err)
	if len(list.Providers) != 1 || list.Providers[0].ProviderName != "Corp" || list.NextToken == "" {
		t.Fatalf("first page: %+v", list)
	}
	list, err = e.pool.ListIdentityProviders(e.ctx, userpool.ListIdentityProvidersInput{MaxResults: 1, NextToken: list.NextToken})
	wantNoError(t, "ListIdentityProviders page 2", err)
	if len(list.Providers) != 1 || list.Providers[0].ProviderName != mockIdP {
		t.Fatalf("second page: %+v", list)
	}
	wantNoError(t, "DeleteIdentityProvider", errOf(e.pool.DeleteIdentityProvider(e.ctx, userpool.DeleteIdentityProviderInput{ProviderName: "Corp"})))
	_, err = e.pool.DeleteIdentityProvider(e.ctx, userpool.DeleteIdentityProviderInput{ProviderName: "Corp"})
	if !errors.Is(err, userpool.ErrResourceNotFound) {
		t.Fatalf("deleting again: %v", err)
	}
}

func TestAClientMayOnlyNameProvidersThatExist(t *testing.T) {
	e := newFedEnv(t)
	for _, names := range [][]string{{"Nobody"}, {userpool.ProviderCognito, "Nobody"}, {mockIdP, mockIdP}} {
		_, err := e.pool.CreateUserPoolClient(e.ctx, userpool.ClientConfig{ClientName: "x", SupportedIdentityProviders: names})
		wantCode(t, err, userpool.CodeInvalidParameter)
		_, err = e.pool.UpdateUserPoolClient(e.ctx, userpool.ClientConfig{ClientID: fedClient, SupportedIdentityProviders: names})
		wantCode(t, err, userpool.CodeInvalidParameter)
	}
	out, err := e.pool.CreateUserPoolClient(e.ctx, userpool.ClientConfig{ClientName: "ok", SupportedIdentityProviders: []string{mockIdP}})
	wantNoError(t, "CreateUserPoolClient", err)
	if got := out.ClientDescription.SupportedIdentityProviders; len(got) != 1 || got[0] != mockIdP {
		t.Fatalf("SupportedIdentityProviders = %v", got)
	}
}

func TestLinkVerifiedEmailsJoinsOnlyAVerifiedAddressOfOneNativeUser(t *testing.T) {
	e := newFedEnv(t, func(c *userpool.Config) { c.Federation.LinkVerifiedEmails = true })
	aliceSub := e.confirmedUser("alice", "alice@example.com")
	e.confirmedUser("bob1", "bob@example.com")
	e.confirmedUser("bob2", "bob@example.com") // the same address twice: ambiguous

	for _, tc := range []struct {
		name     string
		user     *mockoidc.MockUser
		wantSub  string // "" means a user of its own
		wantName string
	}{
		{"an unverified address joins nobody", &mockoidc.MockUser{Subject: "u1", Email: "alice@example.com", EmailVerified: false}, "", "MockIdP_u1"},
		{"a verified address joins its one owner, whatever its case", &mockoidc.MockUser{Subject: "u2", Email: "Alice@Example.com", EmailVerified: true}, aliceSub, "alice"},
		{"an address two users hold joins neither", &mockoidc.MockUser{Subject: "u3", Email: "bob@example.com", EmailVerified: true}, "", "MockIdP_u3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.fedSignIn(tc.user)
			wantNoError(t, "federated sign-in", err)
			if out.Principal.Username != tc.wantName || (tc.wantSub != "" && out.Principal.Sub != tc.wantSub) {
				t.Fatalf("signed in %s (%s), want %s", out.Principal.Username, out.Principal.Sub, tc.wantName)
			}
		})
	}
	// Linked, the identity keeps signing in as alice.
	out, err := e.fedSignIn(&mockoidc.MockUser{Subject: "u2", Email: "alice@example.com", EmailVerified: true})
	wantNoError(t, "second federated sign-in", err)
	if out.Principal.Sub != aliceSub {
		t.Fatalf("the linked identity now signs in as %s", out.Principal.Username)
	}
}
