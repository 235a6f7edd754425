package userpool_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/internal/passkeytest"
	"github.com/cupola-auth/cupola/userpool"
)

// withHostedClient adds oauthEnv's code-flow client to the config.
func withHostedClient(c *userpool.Config) {
	c.Clients = append(c.Clients, userpool.ClientConfig{ClientID: oauthClient, CallbackURLs: []string{callback},
		AllowedOAuthFlows: []string{userpool.OAuthFlowCode}, AllowedOAuthScopes: []string{"openid", "email"},
		ExplicitAuthFlows: []string{userpool.AllowRefreshTokenAuth}})
}

// TestObservedOperations: self-service, passkey, administrative and
// hosted operations each write exactly one audit record, with their
// event, outcome, user or actor and request ID, and a span; no secret
// (client secrets, codes, tokens, sessions) reaches the log.
func TestObservedOperations(t *testing.T) {
	o := newObserved(t, withPasskeys, withHostedClient)
	e := o.env
	var secrets []string
	secret := func(s ...string) {
		for _, v := range s {
			if v != "" {
				secrets = append(secrets, v)
			}
		}
	}
	secret(goodPW)
	e.confirmedUser("alice", "alice@example.com")
	e.confirmedUser("bob", "bob@example.com")
	alice := e.mustSignIn("alice", goodPW)
	bob := e.mustSignIn("bob", goodPW)
	secret(alice.AccessToken, alice.RefreshToken, alice.IDToken, bob.AccessToken, bob.RefreshToken, bob.IDToken)
	hosted, err := e.pool.OAuth().SignIn(e.ctx, userpool.SignInInput{ClientID: oauthClient, Username: "alice", Password: goodPW})
	if err != nil || hosted.Principal == nil {
		t.Fatalf("hosted SignIn = %+v, %v", hosted, err)
	}
	secret(hosted.Principal.Session)
	authn, err := passkeytest.New(passkeyOrigin)
	if err != nil {
		t.Fatal(err)
	}

	user := userpool.WithRequestID(e.ctx, "req-user")
	admin := userpool.WithActor(userpool.WithRequestID(e.ctx, "req-admin"), "cli:root")
	var (
		options  []byte
		clientID string
	)
	for _, c := range []struct {
		op   string
		ctx  context.Context
		call func(ctx context.Context) error
		want map[string]string // besides operation and request_id
	}{
		{"UpdateUserAttributes", user, func(ctx context.Context) error {
			_, err := e.pool.UpdateUserAttributes(ctx, userpool.UpdateUserAttributesInput{AccessToken: alice.AccessToken,
				UserAttributes: []userpool.Attribute{{Name: "email", Value: "alice2@example.com"}}})
			secret(e.lastCode("alice2@example.com"))
			return err
		}, map[string]string{"event": userpool.AuditAttributeChange, "outcome": "success", "username": "alice", "client_id": webClient}},
		{"StartWebAuthnRegistration", user, func(ctx context.Context) error {
			out, err := e.pool.StartWebAuthnRegistration(ctx, userpool.StartWebAuthnRegistrationInput{AccessToken: alice.AccessToken})
			if err == nil {
				options = out.CredentialCreationOptions
			}
			return err
		}, map[string]string{"event": userpool.AuditMFAChange, "outcome": "success", "username": "alice"}},
		{"CompleteWebAuthnRegistration", user, func(ctx context.Context) error {
			cred, err := authn.Create(options)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.pool.CompleteWebAuthnRegistration(ctx, userpool.CompleteWebAuthnRegistrationInput{AccessToken: alice.AccessToken,
				Credential: cred})
			return err
		}, map[string]string{"event": userpool.AuditMFAChange, "outcome": "success", "username": "alice"}},
		{"DeleteWebAuthnCredential", user, func(ctx context.Context) error {
			list, err := e.pool.ListWebAuthnCredentials(ctx, userpool.ListWebAuthnCredentialsInput{AccessToken: alice.AccessToken})
			if err != nil || len(list.Credentials) != 1 {
				t.Fatalf("ListWebAuthnCredentials = %+v, %v", list, err)
			}
			_, err = e.pool.DeleteWebAuthnCredential(ctx, userpool.DeleteWebAuthnCredentialInput{AccessToken: alice.AccessToken,
				CredentialID: list.Credentials[0].CredentialID})
			return err
		}, map[string]string{"event": userpool.AuditMFAChange, "outcome": "success", "username": "alice"}},
		{"CreateUserPoolClient", admin, func(ctx context.Context) error {
			out, err := e.pool.CreateUserPoolClient(ctx, userpool.ClientConfig{ClientName: "machine", GenerateSecret: true,
				AllowedOAuthFlows: []string{userpool.OAuthFlowClientCredentials}})
			if err == nil {
				if out.ClientSecret == "" {
					t.Fatal("no client secret")
				}
				secret(out.ClientSecret)
				clientID = out.ClientID
			}
			return err
		}, map[string]string{"event": userpool.AuditAdminAction, "outcome": "success", "actor": "cli:root"}},
		{"CreateGroup", admin, func(ctx context.Context) error {
			return errOf(e.pool.CreateGroup(ctx, userpool.CreateGroupInput{GroupName: "admins"}))
		}, map[string]string{"event": userpool.AuditAdminAction, "outcome": "success", "actor": "cli:root", "target": "admins"}},
		{"AdminAddUserToGroup", admin, func(ctx context.Context) error {
			return errOf(e.pool.AdminAddUserToGroup(ctx, userpool.AdminAddUserToGroupInput{Username: "alice", GroupName: "admins"}))
		}, map[string]string{"event": userpool.AuditAdminAction, "outcome": "success", "actor": "cli:root", "username": "alice", "target": "admins"}},
		{"DeleteGroup", admin, func(ctx context.Context) error {
			return errOf(e.pool.DeleteGroup(ctx, userpool.DeleteGroupInput{GroupName: "nope"}))
		}, map[string]string{"event": userpool.AuditAdminAction, "outcome": "failure", "reason": "not_found", "actor": "cli:root", "target": "nope"}},
		{"SetRiskConfiguration", admin, func(ctx context.Context) error {
			return errOf(e.pool.SetRiskConfiguration(ctx, userpool.SetRiskConfigurationInput{ClientID: webClient,
				AccountTakeoverRiskConfiguration: takeover(userpool.ActionNoAction, userpool.ActionBlock, userpool.ActionBlock)}))
		}, map[string]string{"event": userpool.AuditAdminAction, "outcome": "success", "actor": "cli:root", "client_id": webClient}},
		{"RotateSigningKey", admin, func(ctx context.Context) error {
			return errOf(e.pool.RotateSigningKey(ctx, userpool.RotateSigningKeyInput{}))
		}, map[string]string{"event": userpool.AuditAdminAction, "outcome": "success", "actor": "cli:root"}},
		{"OAuth.SignOut", user, func(ctx context.Context) error {
			return e.pool.OAuth().SignOut(ctx, *hosted.Principal)
		}, map[string]string{"event": userpool.AuditGlobalSignOut, "outcome": "success", "username": "alice", "client_id": oauthClient}},
		{"DeleteUser", user, func(ctx context.Context) error {
			return errOf(e.pool.DeleteUser(ctx, userpool.DeleteUserInput{AccessToken: bob.AccessToken}))
		}, map[string]string{"event": userpool.AuditDeleteUser, "outcome": "success", "username": "bob"}},
	} {
		before := len(o.records(t, true))
		err := c.call(c.ctx)
		if c.want["outcome"] == "success" {
			wantNoError(t, c.op, err)
		} else if err == nil {
			t.Fatalf("%s succeeded", c.op)
		}
		recs := o.records(t, true)[before:]
		if len(recs) != 1 {
			t.Errorf("%s wrote %d audit records, want 1: %v", c.op, len(recs), recs)
			continue
		}
		req := "req-user"
		if c.ctx == admin {
			req = "req-admin"
		}
		want := map[string]string{"operation": c.op, "request_id": req, "pool": e.cfg.ID}
		for k, v := range c.want {
			want[k] = v
		}
		if len(matching(recs, want)) != 1 {
			t.Errorf("%s's audit record %v, want %v", c.op, recs[0], want)
		}
		if _, ok := c.want["actor"]; !ok && recs[0]["actor"] != nil {
			t.Errorf("%s's record names an actor: %v", c.op, recs[0])
		}
		if _, ok := c.want["reason"]; !ok && recs[0]["reason"] != nil {
			t.Errorf("%s's record has a reason: %v", c.op, recs[0])
		}
	}
	if one := matching(o.records(t, true), map[string]string{"operation": "CreateUserPoolClient"}); len(one) != 1 || one[0]["client_id"] != clientID {
		t.Errorf("CreateUserPoolClient's record does not name the new client %s: %v", clientID, one)
	}

	log := o.audit.String()
	for _, s := range secrets {
		if strings.Contains(log, s) {
			t.Errorf("the audit log carries the secret %q", s)
		}
	}
	spans := map[string]int{}
	for _, s := range o.spans.Ended() {
		spans[s.Name()]++
		for _, kv := range s.Attributes() {
			for _, sec := range secrets {
				if strings.Contains(kv.Value.Emit(), sec) {
					t.Errorf("span %s attribute %s carries %q", s.Name(), kv.Key, sec)
				}
			}
		}
	}
	for _, op := range []string{"UpdateUserAttributes", "StartWebAuthnRegistration", "CompleteWebAuthnRegistration",
		"DeleteWebAuthnCredential", "CreateUserPoolClient", "CreateGroup", "AdminAddUserToGroup", "DeleteGroup",
		"SetRiskConfiguration", "RotateSigningKey", "OAuth.SignOut", "DeleteUser"} {
		if spans["userpool."+op] != 1 {
			t.Errorf("%d spans userpool.%s, want 1 (%v)", spans["userpool."+op], op, spans)
		}
	}
}

// TestCodeExchangeIsNoSecondSignIn: the hosted sign-in is the sign-in;
// exchanging its code counts only as tokens issued, and its audit record
// is token_issued, not a second sign_in.
func TestCodeExchangeIsNoSecondSignIn(t *testing.T) {
	o := newObserved(t, withHostedClient)
	e := o.env
	e.confirmedUser("alice", "alice@example.com")
	a, err := authorize(e, nil)
	if err != nil {
		t.Fatal(err)
	}
	code := hostedCode(t, e, a)
	signIns := func() float64 { return sum(o.metrics(t)[userpool.MetricSignIns], nil) }
	if got := sum(o.metrics(t)[userpool.MetricSignIns], map[string]string{"flow": "hosted", "result": "success"}); got != 1 {
		t.Fatalf("hosted sign-ins = %v, want 1", got)
	}
	before := signIns()
	exchange := func() (*userpool.TokenResponse, error) {
		return e.pool.OAuth().Token(userpool.WithRequestID(e.ctx, "req-token"), userpool.TokenRequest{GrantType: "authorization_code",
			Code: code, RedirectURI: callback, CodeVerifier: verifier, ClientID: oauthClient})
	}
	tok, err := exchange()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exchange(); err == nil { // a reused code
		t.Fatal("a code was accepted twice")
	}
	if got := signIns(); got != before {
		t.Errorf("%s went from %v to %v over a code exchange", userpool.MetricSignIns, before, got)
	}
	if got := sum(o.metrics(t)[userpool.MetricTokensIssued], map[string]string{"grant": "authorization_code"}); got != 1 {
		t.Errorf("%s{grant=authorization_code} = %v, want 1", userpool.MetricTokensIssued, got)
	}
	recs := o.records(t, true)
	if n := len(matching(recs, map[string]string{"event": userpool.AuditSignIn, "operation": "OAuth.Token"})); n != 0 {
		t.Errorf("%d sign_in records of the exchange, want 0", n)
	}
	if n := len(matching(recs, map[string]string{"event": userpool.AuditSignIn, "operation": "OAuth.SignIn", "outcome": "success"})); n != 1 {
		t.Errorf("%d hosted sign-in records, want 1", n)
	}
	if n := len(matching(recs, map[string]string{"event": userpool.AuditTokenIssued, "operation": "OAuth.Token", "outcome": "success",
		"flow": "authorization_code", "username": "alice", "client_id": oauthClient, "request_id": "req-token"})); n != 1 {
		t.Errorf("%d successful token_issued records, want 1: %v", n, recs)
	}
	if n := len(matching(recs, map[string]string{"event": userpool.AuditTokenIssued, "outcome": "failure", "reason": "invalid_token"})); n != 1 {
		t.Errorf("%d failed token_issued records, want 1: %v", n, recs)
	}
	log := o.audit.String()
	for _, s := range []string{code, tok.AccessToken, tok.RefreshToken, tok.IDToken, verifier, goodPW} {
		if strings.Contains(log, s) {
			t.Errorf("the audit log carries the secret %q", s)
		}
	}
}
