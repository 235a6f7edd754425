package cognitoapi_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/pquerna/otp/totp"

	"github.com/cupola-auth/cupola/cognitoapi"
	"github.com/cupola-auth/cupola/internal/srp"
	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/risk"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/userpool"
	"github.com/cupola-auth/cupola/userpool/pooltest"
)

// newMgmtEnv is newEnv with the pool's configuration changed by mutate
// (device tracking, MFA, threat protection).
func newMgmtEnv(t *testing.T, mutate func(*userpool.Config)) *env {
	t.Helper()
	outbox := message.NewOutbox()
	pool := newMgmtPool(t, poolID, outbox, mutate)
	h, err := cognitoapi.New([]*userpool.UserPool{pool}, cognitoapi.Options{AccessKeys: map[string]string{accessKey: secretKey}, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(recordActions(h))
	t.Cleanup(srv.Close)
	e := &env{t: t, ctx: t.Context(), pool: pool, outbox: outbox, srv: srv}
	e.sdk = e.client(secretKey)
	return e
}

func newMgmtPool(t *testing.T, id string, outbox *message.Outbox, mutate func(*userpool.Config)) *userpool.UserPool {
	t.Helper()
	secret := make([]byte, 32)
	rand.Read(secret)
	cfg := userpool.Config{ID: id, Name: "Wire", Issuer: "https://auth.example.test/" + id,
		Secret: secret, Hashing: pooltest.FastHashing(), EmailSender: outbox, Delivery: userpool.DeliverInline,
		SigningAlgorithm: token.EdDSA,
		Clients: []userpool.ClientConfig{{ClientID: clientID, ClientName: "wire",
			ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth, userpool.AllowAdminUserPasswordAuth, userpool.AllowRefreshTokenAuth}}},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	pool, err := userpool.New(t.Context(), cfg, memory.New())
	if err != nil {
		t.Fatal(err)
	}
	return pool
}

// mgmtUser creates a confirmed user with a verified email and a permanent
// password, through the wire.
func (e *env) mgmtUser(username, email string) {
	e.t.Helper()
	if _, err := e.sdk.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String(username),
		MessageAction: types.MessageActionTypeSuppress, UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(email)}, {Name: aws.String("email_verified"), Value: aws.String("true")}}}); err != nil {
		e.t.Fatalf("AdminCreateUser: %v", err)
	}
	if _, err := e.sdk.AdminSetUserPassword(e.ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(poolID), Username: aws.String(username),
		Password: aws.String(goodPW), Permanent: true}); err != nil {
		e.t.Fatalf("AdminSetUserPassword: %v", err)
	}
}

// mgmtSignIn signs username in with USER_PASSWORD_AUTH.
func (e *env) mgmtSignIn(username string) *cip.InitiateAuthOutput {
	e.t.Helper()
	out, err := e.sdk.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": goodPW}})
	if err != nil {
		e.t.Fatalf("InitiateAuth: %v", err)
	}
	return out
}

// mgmtTokens signs username in and returns the tokens.
func (e *env) mgmtTokens(username string) *types.AuthenticationResultType {
	e.t.Helper()
	out := e.mgmtSignIn(username)
	if out.AuthenticationResult == nil || out.AuthenticationResult.AccessToken == nil {
		e.t.Fatalf("InitiateAuth: no tokens: %+v", out)
	}
	return out.AuthenticationResult
}

func wantErr[T error](t *testing.T, what string, err error) {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("%s: %v, want %T", what, err, target)
	}
}

func pid() *string { return aws.String(poolID) }

func TestWireGroups(t *testing.T) {
	e := newEnv(t)
	e.mgmtUser("alice", "alice@example.com")
	created, err := e.sdk.CreateGroup(e.ctx, &cip.CreateGroupInput{UserPoolId: pid(), GroupName: aws.String("admins"),
		Description: aws.String("Administrators"), Precedence: aws.Int32(3), RoleArn: aws.String("arn:aws:iam::123456789012:role/Admin")})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	g := created.Group
	if aws.ToString(g.GroupName) != "admins" || aws.ToInt32(g.Precedence) != 3 || aws.ToString(g.UserPoolId) != poolID ||
		aws.ToString(g.RoleArn) != "arn:aws:iam::123456789012:role/Admin" || g.CreationDate == nil || time.Since(*g.CreationDate) > time.Hour {
		t.Fatalf("CreateGroup = %+v", g)
	}
	_, err = e.sdk.CreateGroup(e.ctx, &cip.CreateGroupInput{UserPoolId: pid(), GroupName: aws.String("admins")})
	wantErr[*types.GroupExistsException](t, "CreateGroup again", err)
	if _, err := e.sdk.CreateGroup(e.ctx, &cip.CreateGroupInput{UserPoolId: pid(), GroupName: aws.String("readers")}); err != nil {
		t.Fatalf("CreateGroup readers: %v", err)
	}

	got, err := e.sdk.GetGroup(e.ctx, &cip.GetGroupInput{UserPoolId: pid(), GroupName: aws.String("admins")})
	if err != nil || aws.ToString(got.Group.Description) != "Administrators" {
		t.Fatalf("GetGroup = %+v, %v", got, err)
	}
	_, err = e.sdk.GetGroup(e.ctx, &cip.GetGroupInput{UserPoolId: pid(), GroupName: aws.String("nobody")})
	wantErr[*types.ResourceNotFoundException](t, "GetGroup of an unknown group", err)

	upd, err := e.sdk.UpdateGroup(e.ctx, &cip.UpdateGroupInput{UserPoolId: pid(), GroupName: aws.String("admins"), Precedence: aws.Int32(1)})
	if err != nil || aws.ToInt32(upd.Group.Precedence) != 1 || aws.ToString(upd.Group.Description) != "Administrators" {
		t.Fatalf("UpdateGroup = %+v, %v (the description should stay)", upd, err)
	}

	list, err := e.sdk.ListGroups(e.ctx, &cip.ListGroupsInput{UserPoolId: pid()})
	if err != nil || len(list.Groups) != 2 || aws.ToString(list.Groups[0].GroupName) != "admins" || aws.ToInt32(list.Groups[0].Precedence) != 1 ||
		list.Groups[1].Precedence != nil {
		t.Fatalf("ListGroups = %+v, %v", list, err)
	}
	page, err := e.sdk.ListGroups(e.ctx, &cip.ListGroupsInput{UserPoolId: pid(), Limit: aws.Int32(1)})
	if err != nil || len(page.Groups) != 1 || page.NextToken == nil {
		t.Fatalf("ListGroups, a page of one = %+v, %v", page, err)
	}
	rest, err := e.sdk.ListGroups(e.ctx, &cip.ListGroupsInput{UserPoolId: pid(), Limit: aws.Int32(1), NextToken: page.NextToken})
	if err != nil || len(rest.Groups) != 1 || aws.ToString(rest.Groups[0].GroupName) != "readers" || rest.NextToken != nil {
		t.Fatalf("ListGroups, the next page = %+v, %v", rest, err)
	}

	if _, err := e.sdk.AdminAddUserToGroup(e.ctx, &cip.AdminAddUserToGroupInput{UserPoolId: pid(), Username: aws.String("alice"),
		GroupName: aws.String("admins")}); err != nil {
		t.Fatalf("AdminAddUserToGroup: %v", err)
	}
	_, err = e.sdk.AdminAddUserToGroup(e.ctx, &cip.AdminAddUserToGroupInput{UserPoolId: pid(), Username: aws.String("nobody"),
		GroupName: aws.String("admins")})
	wantErr[*types.UserNotFoundException](t, "AdminAddUserToGroup of an unknown user", err)
	mine, err := e.sdk.AdminListGroupsForUser(e.ctx, &cip.AdminListGroupsForUserInput{UserPoolId: pid(), Username: aws.String("alice")})
	if err != nil || len(mine.Groups) != 1 || aws.ToString(mine.Groups[0].GroupName) != "admins" {
		t.Fatalf("AdminListGroupsForUser = %+v, %v", mine, err)
	}
	members, err := e.sdk.ListUsersInGroup(e.ctx, &cip.ListUsersInGroupInput{UserPoolId: pid(), GroupName: aws.String("admins")})
	if err != nil || len(members.Users) != 1 || aws.ToString(members.Users[0].Username) != "alice" || members.Users[0].UserStatus != types.UserStatusTypeConfirmed {
		t.Fatalf("ListUsersInGroup = %+v, %v", members, err)
	}
	// The group reaches the tokens.
	if tok := e.mgmtTokens("alice"); !strings.Contains(claims(t, aws.ToString(tok.AccessToken)), `"cognito:groups":["admins"]`) {
		t.Fatalf("access token claims %s lack the group", claims(t, aws.ToString(tok.AccessToken)))
	}

	if _, err := e.sdk.AdminRemoveUserFromGroup(e.ctx, &cip.AdminRemoveUserFromGroupInput{UserPoolId: pid(), Username: aws.String("alice"),
		GroupName: aws.String("admins")}); err != nil {
		t.Fatalf("AdminRemoveUserFromGroup: %v", err)
	}
	members, err = e.sdk.ListUsersInGroup(e.ctx, &cip.ListUsersInGroupInput{UserPoolId: pid(), GroupName: aws.String("admins")})
	if err != nil || members.Users == nil || len(members.Users) != 0 {
		t.Fatalf("ListUsersInGroup after removal = %+v, %v", members, err)
	}
	if _, err := e.sdk.DeleteGroup(e.ctx, &cip.DeleteGroupInput{UserPoolId: pid(), GroupName: aws.String("admins")}); err != nil {
		t.Fatalf("DeleteGroup: %v", err)
	}
	_, err = e.sdk.DeleteGroup(e.ctx, &cip.DeleteGroupInput{UserPoolId: pid(), GroupName: aws.String("admins")})
	wantErr[*types.ResourceNotFoundException](t, "DeleteGroup again", err)
	_, err = e.sdk.ListGroups(e.ctx, &cip.ListGroupsInput{UserPoolId: aws.String("us-east-1_Other")})
	wantErr[*types.ResourceNotFoundException](t, "ListGroups of an unknown pool", err)
}

// claims is the payload of a JWT.
func claims(t *testing.T, jwt string) string {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWireUserPoolClients(t *testing.T) {
	e := newEnv(t)
	e.mgmtUser("alice", "alice@example.com")
	created, err := e.sdk.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid(), ClientName: aws.String("server"),
		GenerateSecret:      true,
		ExplicitAuthFlows:   []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
		AccessTokenValidity: aws.Int32(30), IdTokenValidity: aws.Int32(2), RefreshTokenValidity: 7,
		TokenValidityUnits:  &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes},
		AuthSessionValidity: aws.Int32(5), EnableTokenRevocation: aws.Bool(false),
		RefreshTokenRotation:            &types.RefreshTokenRotationType{Feature: types.FeatureTypeEnabled, RetryGracePeriodSeconds: aws.Int32(10)},
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode},
		AllowedOAuthScopes: []string{"openid", "email"}, CallbackURLs: []string{"https://app.example.test/cb"},
		ReadAttributes: []string{"email", "email_verified"}, PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesLegacy})
	if err != nil {
		t.Fatalf("CreateUserPoolClient: %v", err)
	}
	c := created.UserPoolClient
	id, secret := aws.ToString(c.ClientId), aws.ToString(c.ClientSecret)
	if id == "" || secret == "" || aws.ToString(c.UserPoolId) != poolID || aws.ToString(c.ClientName) != "server" || c.CreationDate == nil {
		t.Fatalf("CreateUserPoolClient = %+v; want the ID and the secret", c)
	}

	// The secret is the one SECRET_HASH must be made with.
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("alice" + id))
	hash := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	auth, err := e.sdk.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(id), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": goodPW, "SECRET_HASH": hash}})
	if err != nil || auth.AuthenticationResult == nil || auth.AuthenticationResult.ExpiresIn != 1800 {
		t.Fatalf("InitiateAuth with the new client's secret = %+v, %v; want tokens for 30 minutes", auth, err)
	}
	_, err = e.sdk.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(id), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": goodPW}})
	wantErr[*types.NotAuthorizedException](t, "InitiateAuth without SECRET_HASH", err)

	desc, err := e.sdk.DescribeUserPoolClient(e.ctx, &cip.DescribeUserPoolClientInput{UserPoolId: pid(), ClientId: aws.String(id)})
	if err != nil {
		t.Fatalf("DescribeUserPoolClient: %v", err)
	}
	d := desc.UserPoolClient
	units := d.TokenValidityUnits
	switch {
	case d.ClientSecret != nil:
		t.Fatalf("DescribeUserPoolClient answered the secret")
	case aws.ToInt32(d.AccessTokenValidity) != 30 || units == nil || units.AccessToken != types.TimeUnitsTypeMinutes,
		aws.ToInt32(d.IdTokenValidity) != 2 || units.IdToken != types.TimeUnitsTypeHours,
		d.RefreshTokenValidity != 7 || units.RefreshToken != types.TimeUnitsTypeDays:
		t.Fatalf("validities %v %v %v, units %+v", aws.ToInt32(d.AccessTokenValidity), aws.ToInt32(d.IdTokenValidity), d.RefreshTokenValidity, units)
	case aws.ToInt32(d.AuthSessionValidity) != 5 || aws.ToBool(d.EnableTokenRevocation) || d.PreventUserExistenceErrors != types.PreventUserExistenceErrorTypesLegacy:
		t.Fatalf("DescribeUserPoolClient = %+v", d)
	case d.RefreshTokenRotation == nil || d.RefreshTokenRotation.Feature != types.FeatureTypeEnabled || aws.ToInt32(d.RefreshTokenRotation.RetryGracePeriodSeconds) != 10:
		t.Fatalf("RefreshTokenRotation = %+v", d.RefreshTokenRotation)
	case !aws.ToBool(d.AllowedOAuthFlowsUserPoolClient) || !slices.Equal(d.AllowedOAuthFlows, []types.OAuthFlowType{types.OAuthFlowTypeCode}) ||
		!slices.Equal(d.AllowedOAuthScopes, []string{"openid", "email"}) || !slices.Equal(d.CallbackURLs, []string{"https://app.example.test/cb"}):
		t.Fatalf("OAuth settings = %+v", d)
	case !slices.Equal(d.ExplicitAuthFlows, []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}),
		!slices.Equal(d.ReadAttributes, []string{"email", "email_verified"}):
		t.Fatalf("flows and attributes = %+v", d)
	}

	upd, err := e.sdk.UpdateUserPoolClient(e.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: pid(), ClientId: aws.String(id),
		ClientName: aws.String("server v2"), ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
			types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}, AccessTokenValidity: aws.Int32(2)})
	if err != nil {
		t.Fatalf("UpdateUserPoolClient: %v", err)
	}
	u := upd.UserPoolClient
	if aws.ToString(u.ClientName) != "server v2" || aws.ToInt32(u.AccessTokenValidity) != 2 || u.TokenValidityUnits.AccessToken != types.TimeUnitsTypeHours ||
		u.IdTokenValidity != nil || len(u.AllowedOAuthFlows) != 0 || aws.ToBool(u.AllowedOAuthFlowsUserPoolClient) || !aws.ToBool(u.EnableTokenRevocation) ||
		u.ClientSecret != nil {
		t.Fatalf("UpdateUserPoolClient = %+v; what it leaves out returns to its default", u)
	}
	// The secret stays.
	if _, err := e.sdk.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: aws.String(id), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": goodPW, "SECRET_HASH": hash}}); err != nil {
		t.Fatalf("InitiateAuth after the update: %v", err)
	}

	list, err := e.sdk.ListUserPoolClients(e.ctx, &cip.ListUserPoolClientsInput{UserPoolId: pid()})
	if err != nil || len(list.UserPoolClients) != 2 || !slices.ContainsFunc(list.UserPoolClients, func(c types.UserPoolClientDescription) bool {
		return aws.ToString(c.ClientId) == id && aws.ToString(c.ClientName) == "server v2" && aws.ToString(c.UserPoolId) == poolID
	}) {
		t.Fatalf("ListUserPoolClients = %+v, %v", list, err)
	}

	_, err = e.sdk.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid(), ClientName: aws.String("bad"),
		AccessTokenValidity: aws.Int32(1), TokenValidityUnits: &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes}})
	wantErr[*types.InvalidParameterException](t, "CreateUserPoolClient with a 1-minute access token", err)

	if _, err := e.sdk.DeleteUserPoolClient(e.ctx, &cip.DeleteUserPoolClientInput{UserPoolId: pid(), ClientId: aws.String(id)}); err != nil {
		t.Fatalf("DeleteUserPoolClient: %v", err)
	}
	_, err = e.sdk.DescribeUserPoolClient(e.ctx, &cip.DescribeUserPoolClientInput{UserPoolId: pid(), ClientId: aws.String(id)})
	wantErr[*types.ResourceNotFoundException](t, "DescribeUserPoolClient of a deleted client", err)
}

func TestWireResourceServers(t *testing.T) {
	e := newEnv(t)
	const api = "https://api.example.test"
	created, err := e.sdk.CreateResourceServer(e.ctx, &cip.CreateResourceServerInput{UserPoolId: pid(), Identifier: aws.String(api),
		Name: aws.String("API"), Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("Read")}}})
	if err != nil {
		t.Fatalf("CreateResourceServer: %v", err)
	}
	if r := created.ResourceServer; aws.ToString(r.Identifier) != api || aws.ToString(r.UserPoolId) != poolID || len(r.Scopes) != 1 ||
		aws.ToString(r.Scopes[0].ScopeName) != "read" {
		t.Fatalf("CreateResourceServer = %+v", r)
	}
	upd, err := e.sdk.UpdateResourceServer(e.ctx, &cip.UpdateResourceServerInput{UserPoolId: pid(), Identifier: aws.String(api),
		Name: aws.String("Orders API"), Scopes: []types.ResourceServerScopeType{
			{ScopeName: aws.String("read"), ScopeDescription: aws.String("Read")}, {ScopeName: aws.String("write"), ScopeDescription: aws.String("Write")}}})
	if err != nil || aws.ToString(upd.ResourceServer.Name) != "Orders API" || len(upd.ResourceServer.Scopes) != 2 {
		t.Fatalf("UpdateResourceServer = %+v, %v", upd, err)
	}
	desc, err := e.sdk.DescribeResourceServer(e.ctx, &cip.DescribeResourceServerInput{UserPoolId: pid(), Identifier: aws.String(api)})
	if err != nil || aws.ToString(desc.ResourceServer.Scopes[1].ScopeName) != "write" || aws.ToString(desc.ResourceServer.Scopes[1].ScopeDescription) != "Write" {
		t.Fatalf("DescribeResourceServer = %+v, %v", desc, err)
	}
	list, err := e.sdk.ListResourceServers(e.ctx, &cip.ListResourceServersInput{UserPoolId: pid(), MaxResults: aws.Int32(10)})
	if err != nil || len(list.ResourceServers) != 1 || aws.ToString(list.ResourceServers[0].Name) != "Orders API" {
		t.Fatalf("ListResourceServers = %+v, %v", list, err)
	}
	if _, err := e.sdk.DeleteResourceServer(e.ctx, &cip.DeleteResourceServerInput{UserPoolId: pid(), Identifier: aws.String(api)}); err != nil {
		t.Fatalf("DeleteResourceServer: %v", err)
	}
	_, err = e.sdk.DescribeResourceServer(e.ctx, &cip.DescribeResourceServerInput{UserPoolId: pid(), Identifier: aws.String(api)})
	wantErr[*types.ResourceNotFoundException](t, "DescribeResourceServer after delete", err)
	list, err = e.sdk.ListResourceServers(e.ctx, &cip.ListResourceServersInput{UserPoolId: pid(), MaxResults: aws.Int32(10)})
	if err != nil || list.ResourceServers == nil || len(list.ResourceServers) != 0 {
		t.Fatalf("ListResourceServers after delete = %+v, %v", list, err)
	}
}

func TestWireIdentityProviders(t *testing.T) {
	e := newEnv(t)
	e.mgmtUser("alice", "alice@example.com")
	details := map[string]string{"client_id": "corp-client", "client_secret": "corp-secret", "oidc_issuer": "https://idp.example.test",
		"authorize_scopes": "openid email"}
	created, err := e.sdk.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{UserPoolId: pid(), ProviderName: aws.String("Corp"),
		ProviderType: types.IdentityProviderTypeTypeOidc, ProviderDetails: details, AttributeMapping: map[string]string{"email": "email"},
		IdpIdentifiers: []string{"Corp.example"}})
	if err != nil {
		t.Fatalf("CreateIdentityProvider: %v", err)
	}
	p := created.IdentityProvider
	if aws.ToString(p.ProviderName) != "Corp" || p.ProviderType != types.IdentityProviderTypeTypeOidc || p.ProviderDetails["client_secret"] != "corp-secret" ||
		p.AttributeMapping["email"] != "email" || !slices.Equal(p.IdpIdentifiers, []string{"corp.example"}) || aws.ToString(p.UserPoolId) != poolID || p.CreationDate == nil {
		t.Fatalf("CreateIdentityProvider = %+v", p)
	}
	_, err = e.sdk.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{UserPoolId: pid(), ProviderName: aws.String("Corp"),
		ProviderType: types.IdentityProviderTypeTypeOidc, ProviderDetails: details})
	wantErr[*types.DuplicateProviderException](t, "CreateIdentityProvider again", err)

	desc, err := e.sdk.DescribeIdentityProvider(e.ctx, &cip.DescribeIdentityProviderInput{UserPoolId: pid(), ProviderName: aws.String("Corp")})
	if err != nil || desc.IdentityProvider.ProviderDetails["oidc_issuer"] != "https://idp.example.test" {
		t.Fatalf("DescribeIdentityProvider = %+v, %v", desc, err)
	}
	byID, err := e.sdk.GetIdentityProviderByIdentifier(e.ctx, &cip.GetIdentityProviderByIdentifierInput{UserPoolId: pid(), IdpIdentifier: aws.String("CORP.example")})
	if err != nil || aws.ToString(byID.IdentityProvider.ProviderName) != "Corp" {
		t.Fatalf("GetIdentityProviderByIdentifier = %+v, %v", byID, err)
	}
	upd, err := e.sdk.UpdateIdentityProvider(e.ctx, &cip.UpdateIdentityProviderInput{UserPoolId: pid(), ProviderName: aws.String("Corp"),
		AttributeMapping: map[string]string{"email": "mail"}})
	if err != nil || upd.IdentityProvider.AttributeMapping["email"] != "mail" || upd.IdentityProvider.ProviderDetails["client_id"] != "corp-client" ||
		!slices.Equal(upd.IdentityProvider.IdpIdentifiers, []string{"corp.example"}) {
		t.Fatalf("UpdateIdentityProvider = %+v, %v (what it leaves out stays)", upd, err)
	}
	list, err := e.sdk.ListIdentityProviders(e.ctx, &cip.ListIdentityProvidersInput{UserPoolId: pid(), MaxResults: aws.Int32(10)})
	if err != nil || len(list.Providers) != 1 || aws.ToString(list.Providers[0].ProviderName) != "Corp" ||
		list.Providers[0].ProviderType != types.IdentityProviderTypeTypeOidc || list.Providers[0].LastModifiedDate == nil {
		t.Fatalf("ListIdentityProviders = %+v, %v", list, err)
	}

	corpUser := &types.ProviderUserIdentifierType{ProviderName: aws.String("Corp"), ProviderAttributeName: aws.String("Cognito_Subject"),
		ProviderAttributeValue: aws.String("corp-4711")}
	if _, err := e.sdk.AdminLinkProviderForUser(e.ctx, &cip.AdminLinkProviderForUserInput{UserPoolId: pid(), SourceUser: corpUser,
		DestinationUser: &types.ProviderUserIdentifierType{ProviderName: aws.String("Cognito"), ProviderAttributeValue: aws.String("alice")}}); err != nil {
		t.Fatalf("AdminLinkProviderForUser: %v", err)
	}
	if v := attribute(t, e, "alice", "identities"); !strings.Contains(v, "corp-4711") {
		t.Fatalf("identities after linking = %q", v)
	}
	if _, err := e.sdk.AdminDisableProviderForUser(e.ctx, &cip.AdminDisableProviderForUserInput{UserPoolId: pid(), User: corpUser}); err != nil {
		t.Fatalf("AdminDisableProviderForUser: %v", err)
	}
	if v := attribute(t, e, "alice", "identities"); v != "" {
		t.Fatalf("identities after unlinking = %q", v)
	}
	_, err = e.sdk.AdminDisableProviderForUser(e.ctx, &cip.AdminDisableProviderForUserInput{UserPoolId: pid(), User: corpUser})
	wantErr[*types.UserNotFoundException](t, "AdminDisableProviderForUser of an unlinked identity", err)

	if _, err := e.sdk.DeleteIdentityProvider(e.ctx, &cip.DeleteIdentityProviderInput{UserPoolId: pid(), ProviderName: aws.String("Corp")}); err != nil {
		t.Fatalf("DeleteIdentityProvider: %v", err)
	}
	_, err = e.sdk.DescribeIdentityProvider(e.ctx, &cip.DescribeIdentityProviderInput{UserPoolId: pid(), ProviderName: aws.String("Corp")})
	wantErr[*types.ResourceNotFoundException](t, "DescribeIdentityProvider after delete", err)
}

// attribute is a user's attribute as AdminGetUser answers it ("" when
// absent).
func attribute(t *testing.T, e *env, username, name string) string {
	t.Helper()
	u, err := e.sdk.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: pid(), Username: aws.String(username)})
	if err != nil {
		t.Fatalf("AdminGetUser: %v", err)
	}
	for _, a := range u.UserAttributes {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

// deviceAttribute is a device attribute ("" when absent).
func deviceAttribute(d *types.DeviceType, name string) string {
	for _, a := range d.DeviceAttributes {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

func TestWireDevices(t *testing.T) {
	e := newMgmtEnv(t, func(c *userpool.Config) { c.Devices = userpool.DeviceConfig{Enabled: true} })
	e.mgmtUser("alice", "alice@example.com")
	tok := e.mgmtTokens("alice")
	if tok.NewDeviceMetadata == nil || aws.ToString(tok.NewDeviceMetadata.DeviceKey) == "" {
		t.Fatalf("a sign-in with device tracking on: no NewDeviceMetadata: %+v", tok)
	}
	key, at := aws.ToString(tok.NewDeviceMetadata.DeviceKey), tok.AccessToken
	_, salt, verifier, err := srp.DeviceVerifierConfig(rand.Reader, aws.ToString(tok.NewDeviceMetadata.DeviceGroupKey), key)
	if err != nil {
		t.Fatal(err)
	}
	conf, err := e.sdk.ConfirmDevice(e.ctx, &cip.ConfirmDeviceInput{AccessToken: at, DeviceKey: aws.String(key), DeviceName: aws.String("Alice's laptop"),
		DeviceSecretVerifierConfig: &types.DeviceSecretVerifierConfigType{PasswordVerifier: aws.String(verifier), Salt: aws.String(salt)}})
	if err != nil || conf.UserConfirmationNecessary {
		t.Fatalf("ConfirmDevice = %+v, %v", conf, err)
	}

	got, err := e.sdk.GetDevice(e.ctx, &cip.GetDeviceInput{AccessToken: at, DeviceKey: aws.String(key)})
	if err != nil {
		t.Fatalf("GetDevice: %v", err)
	}
	if d := got.Device; aws.ToString(d.DeviceKey) != key || deviceAttribute(d, "device_name") != "Alice's laptop" ||
		deviceAttribute(d, "dev:device_remembered_status") != "remembered" || d.DeviceCreateDate == nil || d.DeviceLastAuthenticatedDate == nil {
		t.Fatalf("GetDevice = %+v", d)
	}
	mine, err := e.sdk.ListDevices(e.ctx, &cip.ListDevicesInput{AccessToken: at})
	if err != nil || len(mine.Devices) != 1 || aws.ToString(mine.Devices[0].DeviceKey) != key {
		t.Fatalf("ListDevices = %+v, %v", mine, err)
	}
	if _, err := e.sdk.UpdateDeviceStatus(e.ctx, &cip.UpdateDeviceStatusInput{AccessToken: at, DeviceKey: aws.String(key),
		DeviceRememberedStatus: types.DeviceRememberedStatusTypeNotRemembered}); err != nil {
		t.Fatalf("UpdateDeviceStatus: %v", err)
	}
	admin, err := e.sdk.AdminGetDevice(e.ctx, &cip.AdminGetDeviceInput{UserPoolId: pid(), Username: aws.String("alice"), DeviceKey: aws.String(key)})
	if err != nil || deviceAttribute(admin.Device, "dev:device_remembered_status") != "not_remembered" {
		t.Fatalf("AdminGetDevice after UpdateDeviceStatus = %+v, %v", admin, err)
	}
	if _, err := e.sdk.AdminUpdateDeviceStatus(e.ctx, &cip.AdminUpdateDeviceStatusInput{UserPoolId: pid(), Username: aws.String("alice"),
		DeviceKey: aws.String(key), DeviceRememberedStatus: types.DeviceRememberedStatusTypeRemembered}); err != nil {
		t.Fatalf("AdminUpdateDeviceStatus: %v", err)
	}

	// A second sign-in without DEVICE_KEY is a second device.
	other := aws.ToString(e.mgmtTokens("alice").NewDeviceMetadata.DeviceKey)
	all, err := e.sdk.AdminListDevices(e.ctx, &cip.AdminListDevicesInput{UserPoolId: pid(), Username: aws.String("alice")})
	if err != nil || len(all.Devices) != 2 {
		t.Fatalf("AdminListDevices = %+v, %v", all, err)
	}
	for _, d := range all.Devices {
		want := "not_remembered"
		if aws.ToString(d.DeviceKey) == key {
			want = "remembered"
		}
		if got := deviceAttribute(&d, "dev:device_remembered_status"); got != want {
			t.Fatalf("device %s is %q, want %q", aws.ToString(d.DeviceKey), got, want)
		}
	}
	page, err := e.sdk.AdminListDevices(e.ctx, &cip.AdminListDevicesInput{UserPoolId: pid(), Username: aws.String("alice"), Limit: aws.Int32(1)})
	if err != nil || len(page.Devices) != 1 || page.PaginationToken == nil {
		t.Fatalf("AdminListDevices, a page of one = %+v, %v", page, err)
	}

	if _, err := e.sdk.ForgetDevice(e.ctx, &cip.ForgetDeviceInput{AccessToken: at, DeviceKey: aws.String(key)}); err != nil {
		t.Fatalf("ForgetDevice: %v", err)
	}
	_, err = e.sdk.GetDevice(e.ctx, &cip.GetDeviceInput{AccessToken: at, DeviceKey: aws.String(key)})
	wantErr[*types.ResourceNotFoundException](t, "GetDevice of a forgotten device", err)
	if _, err := e.sdk.AdminForgetDevice(e.ctx, &cip.AdminForgetDeviceInput{UserPoolId: pid(), Username: aws.String("alice"), DeviceKey: aws.String(other)}); err != nil {
		t.Fatalf("AdminForgetDevice: %v", err)
	}
	mine, err = e.sdk.ListDevices(e.ctx, &cip.ListDevicesInput{AccessToken: at})
	if err != nil || mine.Devices == nil || len(mine.Devices) != 0 {
		t.Fatalf("ListDevices after forgetting both = %+v, %v", mine, err)
	}
	_, err = e.sdk.AdminForgetDevice(e.ctx, &cip.AdminForgetDeviceInput{UserPoolId: pid(), Username: aws.String("alice"), DeviceKey: aws.String(other)})
	wantErr[*types.ResourceNotFoundException](t, "AdminForgetDevice again", err)
}

func withOptionalTOTP(c *userpool.Config) {
	c.MFA = userpool.MFAConfig{Mode: userpool.MFAOptional, Factors: []string{userpool.FactorTOTP}}
}

func TestWireSoftwareTokenWithAccessToken(t *testing.T) {
	e := newMgmtEnv(t, withOptionalTOTP)
	e.mgmtUser("alice", "alice@example.com")
	at := e.mgmtTokens("alice").AccessToken
	assoc, err := e.sdk.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{AccessToken: at})
	if err != nil || aws.ToString(assoc.SecretCode) == "" || assoc.Session != nil {
		t.Fatalf("AssociateSoftwareToken = %+v, %v", assoc, err)
	}
	_, err = e.sdk.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{AccessToken: at, UserCode: aws.String("000000")})
	wantErr[*types.CodeMismatchException](t, "VerifySoftwareToken with a wrong code", err)
	code, err := totp.GenerateCode(aws.ToString(assoc.SecretCode), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ver, err := e.sdk.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{AccessToken: at, UserCode: aws.String(code),
		FriendlyDeviceName: aws.String("phone")})
	if err != nil || ver.Status != types.VerifySoftwareTokenResponseTypeSuccess {
		t.Fatalf("VerifySoftwareToken = %+v, %v", ver, err)
	}
	if _, err := e.sdk.SetUserMFAPreference(e.ctx, &cip.SetUserMFAPreferenceInput{AccessToken: at,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}); err != nil {
		t.Fatalf("SetUserMFAPreference: %v", err)
	}
	factors, err := e.sdk.GetUserAuthFactors(e.ctx, &cip.GetUserAuthFactorsInput{AccessToken: at})
	if err != nil || aws.ToString(factors.PreferredMfaSetting) != "SOFTWARE_TOKEN_MFA" {
		t.Fatalf("GetUserAuthFactors = %+v, %v", factors, err)
	}
	if out := e.mgmtSignIn("alice"); out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("sign-in with TOTP on = %+v; want SOFTWARE_TOKEN_MFA", out)
	}
	_, err = e.sdk.SetUserMFAPreference(e.ctx, &cip.SetUserMFAPreferenceInput{AccessToken: at,
		WebAuthnMfaSettings: &types.WebAuthnMfaSettingsType{Enabled: true}})
	wantErr[*types.InvalidParameterException](t, "SetUserMFAPreference with WebAuthn", err)

	if _, err := e.sdk.AdminSetUserMFAPreference(e.ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: pid(), Username: aws.String("alice"),
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: false}}); err != nil {
		t.Fatalf("AdminSetUserMFAPreference: %v", err)
	}
	if out := e.mgmtSignIn("alice"); out.AuthenticationResult == nil {
		t.Fatalf("sign-in with TOTP turned off = %+v; want tokens", out)
	}
}

func TestWireSoftwareTokenWithSession(t *testing.T) {
	e := newMgmtEnv(t, func(c *userpool.Config) {
		c.MFA = userpool.MFAConfig{Mode: userpool.MFAOn, Factors: []string{userpool.FactorTOTP}}
		// A client listed before the session's, which the handler tries
		// first.
		c.Clients = append(c.Clients, userpool.ClientConfig{ClientID: "aaafirst", ClientName: "other"})
	})
	e.mgmtUser("alice", "alice@example.com")
	start := e.mgmtSignIn("alice")
	if start.ChallengeName != types.ChallengeNameTypeMfaSetup || start.Session == nil {
		t.Fatalf("sign-in with MFA required = %+v; want MFA_SETUP", start)
	}
	_, err := e.sdk.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{Session: aws.String("not-a-session")})
	wantErr[*types.NotAuthorizedException](t, "AssociateSoftwareToken with a made-up session", err)

	assoc, err := e.sdk.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{Session: start.Session})
	if err != nil || aws.ToString(assoc.SecretCode) == "" || aws.ToString(assoc.Session) == "" {
		t.Fatalf("AssociateSoftwareToken with the session = %+v, %v", assoc, err)
	}
	code, err := totp.GenerateCode(aws.ToString(assoc.SecretCode), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ver, err := e.sdk.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{Session: assoc.Session, UserCode: aws.String(code)})
	if err != nil || ver.Status != types.VerifySoftwareTokenResponseTypeSuccess || aws.ToString(ver.Session) == "" {
		t.Fatalf("VerifySoftwareToken with the session = %+v, %v", ver, err)
	}
	done, err := e.sdk.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(clientID),
		ChallengeName: types.ChallengeNameTypeMfaSetup, Session: ver.Session, ChallengeResponses: map[string]string{"USERNAME": "alice"}})
	if err != nil || done.AuthenticationResult == nil || aws.ToString(done.AuthenticationResult.AccessToken) == "" {
		t.Fatalf("RespondToAuthChallenge MFA_SETUP = %+v, %v", done, err)
	}
}

func TestWireSoftwareTokenSessionWithSeveralPools(t *testing.T) {
	outbox := message.NewOutbox()
	a, b := newMgmtPool(t, "us-east-1_A", outbox, nil), newMgmtPool(t, "us-east-1_B", outbox, nil)
	h, err := cognitoapi.New([]*userpool.UserPool{a, b}, cognitoapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{t: t, ctx: t.Context(), srv: srv}
	sdk := e.client(secretKey)
	_, err = sdk.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{Session: aws.String("some-session")})
	wantErr[*types.InvalidParameterException](t, "AssociateSoftwareToken with only a Session before two pools", err)
	_, err = sdk.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{Session: aws.String("some-session"), UserCode: aws.String("123456")})
	wantErr[*types.InvalidParameterException](t, "VerifySoftwareToken with only a Session before two pools", err)
	// Cupola's ClientId names the pool (the SDK cannot send it).
	status, typ, _ := e.post("AWSCognitoIdentityProviderService.AssociateSoftwareToken", jsonType,
		[]byte(`{"Session":"some-session","ClientId":"`+clientID+`"}`), nil)
	if typ != "NotAuthorizedException" {
		t.Fatalf("AssociateSoftwareToken with a Session and a ClientId: %d %q, want NotAuthorizedException", status, typ)
	}
}

func TestWireAttributes(t *testing.T) {
	e := newEnv(t)
	e.mgmtUser("alice", "alice@example.com")
	at := e.mgmtTokens("alice").AccessToken
	out, err := e.sdk.GetUserAttributeVerificationCode(e.ctx, &cip.GetUserAttributeVerificationCodeInput{AccessToken: at, AttributeName: aws.String("email")})
	if err != nil || out.CodeDeliveryDetails == nil || out.CodeDeliveryDetails.DeliveryMedium != types.DeliveryMediumTypeEmail ||
		aws.ToString(out.CodeDeliveryDetails.AttributeName) != "email" {
		t.Fatalf("GetUserAttributeVerificationCode = %+v, %v", out, err)
	}
	_, err = e.sdk.VerifyUserAttribute(e.ctx, &cip.VerifyUserAttributeInput{AccessToken: at, AttributeName: aws.String("email"), Code: aws.String("000000")})
	wantErr[*types.CodeMismatchException](t, "VerifyUserAttribute with a wrong code", err)
	if _, err := e.sdk.VerifyUserAttribute(e.ctx, &cip.VerifyUserAttributeInput{AccessToken: at, AttributeName: aws.String("email"),
		Code: aws.String(lastCode(t, e.outbox, "alice@example.com"))}); err != nil {
		t.Fatalf("VerifyUserAttribute: %v", err)
	}
	if v := attribute(t, e, "alice", "email_verified"); v != "true" {
		t.Fatalf("email_verified = %q", v)
	}

	if _, err := e.sdk.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: pid(), Username: aws.String("alice"),
		UserAttributes: []types.AttributeType{{Name: aws.String("name"), Value: aws.String("Alice")}}}); err != nil {
		t.Fatalf("AdminUpdateUserAttributes: %v", err)
	}
	if _, err := e.sdk.AdminDeleteUserAttributes(e.ctx, &cip.AdminDeleteUserAttributesInput{UserPoolId: pid(), Username: aws.String("alice"),
		UserAttributeNames: []string{"name", "email"}}); err != nil {
		t.Fatalf("AdminDeleteUserAttributes: %v", err)
	}
	if name, email, verified := attribute(t, e, "alice", "name"), attribute(t, e, "alice", "email"), attribute(t, e, "alice", "email_verified"); name != "" || email != "" || verified != "" {
		t.Fatalf("after AdminDeleteUserAttributes: name %q, email %q, email_verified %q", name, email, verified)
	}
	_, err = e.sdk.AdminDeleteUserAttributes(e.ctx, &cip.AdminDeleteUserAttributesInput{UserPoolId: pid(), Username: aws.String("alice"),
		UserAttributeNames: []string{"sub"}})
	wantErr[*types.InvalidParameterException](t, "AdminDeleteUserAttributes of sub", err)
}

func TestWireAuthEventsAndFeedback(t *testing.T) {
	high := risk.AssessorFunc(func(context.Context, risk.Signals) (risk.Assessment, error) {
		return risk.Assessment{Level: risk.High, Score: 90, Reasons: []string{"test"}}, nil
	})
	e := newMgmtEnv(t, func(c *userpool.Config) {
		c.ThreatProtection = userpool.ThreatProtectionConfig{Mode: userpool.ThreatProtectionEnforced, Assessor: high}
	})
	e.mgmtUser("alice", "alice@example.com")
	notify := &types.AccountTakeoverActionType{EventAction: types.AccountTakeoverEventActionTypeNoAction, Notify: true}
	if _, err := e.sdk.SetRiskConfiguration(e.ctx, &cip.SetRiskConfigurationInput{UserPoolId: pid(),
		AccountTakeoverRiskConfiguration: &types.AccountTakeoverRiskConfigurationType{Actions: &types.AccountTakeoverActionsType{
			LowAction: notify, MediumAction: notify, HighAction: notify}}}); err != nil {
		t.Fatalf("SetRiskConfiguration: %v", err)
	}
	e.mgmtTokens("alice")

	events, err := e.sdk.AdminListUserAuthEvents(e.ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: pid(), Username: aws.String("alice")})
	if err != nil || len(events.AuthEvents) == 0 {
		t.Fatalf("AdminListUserAuthEvents = %+v, %v", events, err)
	}
	ev := events.AuthEvents[0]
	if ev.EventType != types.EventTypeSignIn || ev.EventResponse != types.EventResponseTypePass || ev.EventRisk == nil ||
		ev.EventRisk.RiskLevel != types.RiskLevelTypeHigh || ev.CreationDate == nil || ev.EventFeedback != nil || aws.ToString(ev.EventId) == "" {
		t.Fatalf("the sign-in's event = %+v (risk %+v)", ev, ev.EventRisk)
	}

	// The user's "this was me" link, from the notification.
	m, ok := e.outbox.LastEmail("alice@example.com")
	if !ok {
		t.Fatal("no risk notification")
	}
	var link url.Values
	for _, f := range strings.Fields(m.Text) {
		if u, err := url.Parse(f); err == nil && u.Query().Get("value") == "Valid" {
			link = u.Query()
		}
	}
	if link == nil || link.Get("event_id") != aws.ToString(ev.EventId) {
		t.Fatalf("no link for the event in %q", m.Text)
	}
	feedback := &cip.UpdateAuthEventFeedbackInput{UserPoolId: pid(), Username: aws.String(link.Get("username")), EventId: aws.String(link.Get("event_id")),
		FeedbackToken: aws.String(link.Get("token")), FeedbackValue: types.FeedbackValueTypeValid}
	if _, err := e.sdk.UpdateAuthEventFeedback(e.ctx, feedback); err != nil {
		t.Fatalf("UpdateAuthEventFeedback: %v", err)
	}
	_, err = e.sdk.UpdateAuthEventFeedback(e.ctx, feedback)
	wantErr[*types.NotAuthorizedException](t, "UpdateAuthEventFeedback with a used token", err)
	events, err = e.sdk.AdminListUserAuthEvents(e.ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: pid(), Username: aws.String("alice"), MaxResults: aws.Int32(1)})
	if err != nil || len(events.AuthEvents) != 1 || events.AuthEvents[0].EventFeedback == nil ||
		events.AuthEvents[0].EventFeedback.FeedbackValue != types.FeedbackValueTypeValid || aws.ToString(events.AuthEvents[0].EventFeedback.Provider) != "User" {
		t.Fatalf("the event after the user's feedback = %+v, %v", events, err)
	}

	if _, err := e.sdk.AdminUpdateAuthEventFeedback(e.ctx, &cip.AdminUpdateAuthEventFeedbackInput{UserPoolId: pid(), Username: aws.String("alice"),
		EventId: ev.EventId, FeedbackValue: types.FeedbackValueTypeInvalid}); err != nil {
		t.Fatalf("AdminUpdateAuthEventFeedback: %v", err)
	}
	events, err = e.sdk.AdminListUserAuthEvents(e.ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: pid(), Username: aws.String("alice")})
	if err != nil || events.AuthEvents[0].EventFeedback == nil || events.AuthEvents[0].EventFeedback.FeedbackValue != types.FeedbackValueTypeInvalid ||
		aws.ToString(events.AuthEvents[0].EventFeedback.Provider) != "Admin" || events.AuthEvents[0].EventFeedback.FeedbackDate == nil {
		t.Fatalf("the event after the administrator's feedback = %+v, %v", events, err)
	}
	_, err = e.sdk.AdminUpdateAuthEventFeedback(e.ctx, &cip.AdminUpdateAuthEventFeedbackInput{UserPoolId: pid(), Username: aws.String("alice"),
		EventId: aws.String("no-such-event"), FeedbackValue: types.FeedbackValueTypeValid})
	wantErr[*types.ResourceNotFoundException](t, "AdminUpdateAuthEventFeedback of an unknown event", err)
}

func TestWireRiskConfiguration(t *testing.T) {
	e := newEnv(t)
	empty, err := e.sdk.DescribeRiskConfiguration(e.ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: pid()})
	if err != nil || empty.RiskConfiguration == nil || aws.ToString(empty.RiskConfiguration.UserPoolId) != poolID ||
		empty.RiskConfiguration.AccountTakeoverRiskConfiguration != nil {
		t.Fatalf("DescribeRiskConfiguration before any = %+v, %v", empty, err)
	}
	set, err := e.sdk.SetRiskConfiguration(e.ctx, &cip.SetRiskConfigurationInput{UserPoolId: pid(),
		AccountTakeoverRiskConfiguration: &types.AccountTakeoverRiskConfigurationType{
			NotifyConfiguration: &types.NotifyConfigurationType{SourceArn: aws.String("arn:aws:ses:us-east-1:123456789012:identity/example.test"),
				BlockEmail: &types.NotifyEmailType{Subject: aws.String("Blocked"), TextBody: aws.String("From {ip-address}")}},
			Actions: &types.AccountTakeoverActionsType{
				HighAction: &types.AccountTakeoverActionType{EventAction: types.AccountTakeoverEventActionTypeBlock, Notify: true}}},
		CompromisedCredentialsRiskConfiguration: &types.CompromisedCredentialsRiskConfigurationType{EventFilter: []types.EventFilterType{types.EventFilterTypeSignIn},
			Actions: &types.CompromisedCredentialsActionsType{EventAction: types.CompromisedCredentialsEventActionTypeBlock}},
		RiskExceptionConfiguration: &types.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"203.0.113.0/24"}}})
	if err != nil || set.RiskConfiguration.LastModifiedDate == nil {
		t.Fatalf("SetRiskConfiguration = %+v, %v", set, err)
	}
	got, err := e.sdk.DescribeRiskConfiguration(e.ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: pid()})
	if err != nil {
		t.Fatalf("DescribeRiskConfiguration: %v", err)
	}
	rc := got.RiskConfiguration
	switch a := rc.AccountTakeoverRiskConfiguration; {
	case a == nil || a.Actions == nil || a.Actions.HighAction == nil || a.Actions.HighAction.EventAction != types.AccountTakeoverEventActionTypeBlock ||
		!a.Actions.HighAction.Notify || a.Actions.LowAction != nil:
		t.Fatalf("AccountTakeoverRiskConfiguration = %+v", a)
	case a.NotifyConfiguration == nil || aws.ToString(a.NotifyConfiguration.BlockEmail.Subject) != "Blocked" || a.NotifyConfiguration.MfaEmail != nil:
		t.Fatalf("NotifyConfiguration = %+v", a.NotifyConfiguration)
	case rc.CompromisedCredentialsRiskConfiguration == nil || rc.CompromisedCredentialsRiskConfiguration.Actions.EventAction != types.CompromisedCredentialsEventActionTypeBlock ||
		!slices.Equal(rc.CompromisedCredentialsRiskConfiguration.EventFilter, []types.EventFilterType{types.EventFilterTypeSignIn}):
		t.Fatalf("CompromisedCredentialsRiskConfiguration = %+v", rc.CompromisedCredentialsRiskConfiguration)
	case rc.RiskExceptionConfiguration == nil || !slices.Equal(rc.RiskExceptionConfiguration.BlockedIPRangeList, []string{"203.0.113.0/24"}):
		t.Fatalf("RiskExceptionConfiguration = %+v", rc.RiskExceptionConfiguration)
	case rc.LastModifiedDate == nil || time.Since(*rc.LastModifiedDate) > time.Hour || rc.ClientId != nil:
		t.Fatalf("DescribeRiskConfiguration = %+v", rc)
	}

	// A client's own configuration.
	if _, err := e.sdk.SetRiskConfiguration(e.ctx, &cip.SetRiskConfigurationInput{UserPoolId: pid(), ClientId: aws.String(clientID),
		RiskExceptionConfiguration: &types.RiskExceptionConfigurationType{SkippedIPRangeList: []string{"10.0.0.0/8"}}}); err != nil {
		t.Fatalf("SetRiskConfiguration of a client: %v", err)
	}
	client, err := e.sdk.DescribeRiskConfiguration(e.ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: pid(), ClientId: aws.String(clientID)})
	if err != nil || aws.ToString(client.RiskConfiguration.ClientId) != clientID || client.RiskConfiguration.AccountTakeoverRiskConfiguration != nil ||
		!slices.Equal(client.RiskConfiguration.RiskExceptionConfiguration.SkippedIPRangeList, []string{"10.0.0.0/8"}) {
		t.Fatalf("DescribeRiskConfiguration of the client = %+v, %v", client, err)
	}
	_, err = e.sdk.SetRiskConfiguration(e.ctx, &cip.SetRiskConfigurationInput{UserPoolId: pid(),
		RiskExceptionConfiguration: &types.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"not a range"}}})
	wantErr[*types.InvalidParameterException](t, "SetRiskConfiguration with a malformed range", err)
}
