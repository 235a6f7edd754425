package userpool_test

import (
	"slices"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

func TestListUserPoolClientsPages(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t), fastKeys)
			for _, id := range []string{"c3", "c1", "c5", "c2"} {
				e.passwordClient(id)
			}
			e.createClient(userpool.ClientConfig{ClientID: "c4", GenerateSecret: true})
			var ids []string
			pages, next := 0, ""
			for {
				page, err := e.pool.ListUserPoolClients(e.ctx, userpool.ListUserPoolClientsInput{MaxResults: 2, NextToken: next})
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, c := range page.UserPoolClients {
					ids = append(ids, c.ClientID)
					if c.ClientSecret != "" {
						t.Fatalf("ListUserPoolClients showed %s's secret", c.ClientID)
					}
					if c.ClientID == "c4" && !c.GenerateSecret {
						t.Fatal("the listing hides that c4 has a secret")
					}
				}
				if next = page.NextToken; next == "" {
					break
				}
			}
			if want := []string{"c1", "c2", "c3", "c4", "c5", webClient}; !slices.Equal(ids, want) || pages != 3 {
				t.Fatalf("%d pages listed %v, want %v", pages, ids, want)
			}
			all, err := e.pool.ListUserPoolClients(e.ctx, userpool.ListUserPoolClientsInput{MaxResults: 6})
			if err != nil || len(all.UserPoolClients) != 6 || all.NextToken != "" {
				t.Fatalf("a page of exactly 6 = %d clients, token %q, %v", len(all.UserPoolClients), all.NextToken, err)
			}
			for _, in := range []userpool.ListUserPoolClientsInput{{MaxResults: 61}, {MaxResults: -1}, {NextToken: "forged"}} {
				_, err := e.pool.ListUserPoolClients(e.ctx, in)
				wantCode(t, err, userpool.CodeInvalidParameter)
			}
			// A token from another listing does not continue this one.
			e.mustGroup(userpool.CreateGroupInput{GroupName: "a"})
			e.mustGroup(userpool.CreateGroupInput{GroupName: "b"})
			gp, err := e.pool.ListGroups(e.ctx, userpool.ListGroupsInput{Limit: 1})
			if err != nil || gp.NextToken == "" {
				t.Fatalf("ListGroups = %+v, %v", gp, err)
			}
			_, err = e.pool.ListUserPoolClients(e.ctx, userpool.ListUserPoolClientsInput{NextToken: gp.NextToken})
			wantCode(t, err, userpool.CodeInvalidParameter)
		})
	}
}

func TestUpdateUserPoolClientResetsWhatItIsNotGivenAndKeepsTheSecret(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("ann", "ann@example.com")
	created := e.createClient(userpool.ClientConfig{
		ClientID: "svc", ClientName: "service", GenerateSecret: true,
		ExplicitAuthFlows:   []string{userpool.AllowUserPasswordAuth, userpool.AllowRefreshTokenAuth},
		ReadAttributes:      []string{"email"},
		AccessTokenValidity: 10 * time.Minute, AuthSessionValidity: 10 * time.Minute,
		PreventUserExistenceErrors: "LEGACY", RefreshTokenRotation: true, RetryGracePeriod: 10 * time.Second,
		CallbackURLs: []string{"https://app.example.com/cb"}, AllowedOAuthScopes: []string{"openid"},
	})
	secret := created.ClientSecret
	hash := map[string]string{"SECRET_HASH": secretHash(secret, "ann", "svc")}
	if _, err := e.signInWith("svc", "ann", goodPW, hash); err != nil {
		t.Fatalf("sign-in with the secret hash: %v", err)
	}
	e.clock.Advance(time.Minute)

	updated, err := e.pool.UpdateUserPoolClient(e.ctx, userpool.ClientConfig{ClientID: "svc", ClientName: "renamed",
		ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth}})
	if err != nil {
		t.Fatal(err)
	}
	described, err := e.pool.DescribeUserPoolClient(e.ctx, userpool.DescribeUserPoolClientInput{ClientID: "svc"})
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string]*userpool.ClientDescription{"UpdateUserPoolClient": updated.ClientDescription, "DescribeUserPoolClient": described.ClientDescription} {
		switch {
		case d.ClientName != "renamed" || !slices.Equal(d.ExplicitAuthFlows, []string{userpool.AllowUserPasswordAuth}):
			t.Errorf("%s: name %q, flows %v", name, d.ClientName, d.ExplicitAuthFlows)
		case d.ReadAttributes != nil || d.AccessTokenValidity != 0 || d.AuthSessionValidity != 3*time.Minute:
			t.Errorf("%s kept settings it was not given: read %v, access %v, session %v", name, d.ReadAttributes, d.AccessTokenValidity, d.AuthSessionValidity)
		case d.PreventUserExistenceErrors != "ENABLED" || d.RefreshTokenRotation || d.RetryGracePeriod != 0:
			t.Errorf("%s kept settings it was not given: prevent %q, rotation %v, grace %v", name, d.PreventUserExistenceErrors, d.RefreshTokenRotation, d.RetryGracePeriod)
		case d.CallbackURLs != nil || d.AllowedOAuthScopes != nil:
			t.Errorf("%s kept OAuth settings it was not given: %v %v", name, d.CallbackURLs, d.AllowedOAuthScopes)
		case !d.GenerateSecret || d.ClientSecret != "":
			t.Errorf("%s: GenerateSecret %v, secret shown %q", name, d.GenerateSecret, d.ClientSecret)
		case !d.CreationDate.Equal(created.CreationDate) || !d.LastModifiedDate.After(created.LastModifiedDate):
			t.Errorf("%s: dates %v/%v, created %v/%v", name, d.CreationDate, d.LastModifiedDate, created.CreationDate, created.LastModifiedDate)
		}
	}
	// The secret is the same one: the old SECRET_HASH still works, and
	// none at all does not.
	res, err := e.signInWith("svc", "ann", goodPW, hash)
	if err != nil {
		t.Fatalf("sign-in with the original secret after the update: %v", err)
	}
	if _, err := e.signInWith("svc", "ann", goodPW, nil); err == nil {
		t.Fatal("the updated client forgot its secret")
	}
	// Refresh was not given, so it is no longer allowed.
	_, err = e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowRefreshTokenAuth, ClientID: "svc",
		AuthParameters: map[string]string{"REFRESH_TOKEN": res.RefreshToken, "SECRET_HASH": hash["SECRET_HASH"]}})
	wantCode(t, err, userpool.CodeInvalidParameter)

	refused := []struct {
		name string
		in   userpool.ClientConfig
		want userpool.ErrorCode
	}{
		{"a new secret", userpool.ClientConfig{ClientID: "svc", GenerateSecret: true}, userpool.CodeInvalidParameter},
		{"no client ID", userpool.ClientConfig{ClientName: "x"}, userpool.CodeInvalidParameter},
		{"an unknown client", userpool.ClientConfig{ClientID: "nope"}, userpool.CodeResourceNotFound},
		{"a session validity under 3 minutes", userpool.ClientConfig{ClientID: "svc", AuthSessionValidity: time.Minute}, userpool.CodeInvalidParameter},
		{"an unknown flow", userpool.ClientConfig{ClientID: "svc", ExplicitAuthFlows: []string{"ALLOW_EVERYTHING"}}, userpool.CodeInvalidParameter},
		{"an unknown read attribute", userpool.ClientConfig{ClientID: "svc", ReadAttributes: []string{"shoe_size"}}, userpool.CodeInvalidParameter},
	}
	for _, tc := range refused {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			_, err := e.pool.UpdateUserPoolClient(e.ctx, tc.in)
			wantCode(t, err, tc.want)
			d, err := e.pool.DescribeUserPoolClient(e.ctx, userpool.DescribeUserPoolClientInput{ClientID: "svc"})
			if err != nil || d.ClientName != "renamed" || !d.GenerateSecret || !d.LastModifiedDate.Equal(updated.LastModifiedDate) {
				t.Fatalf("a refused update changed the client: %+v, %v", d, err)
			}
		})
	}
}

func TestDeleteUserPoolClientEndsItsSessions(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("bea", "bea@example.com")
	e.passwordClient("mobile")
	mobile, err := e.signInWith("mobile", "bea", goodPW, nil)
	if err != nil {
		t.Fatal(err)
	}
	web := e.mustSignIn("bea", goodPW)

	wantNoError(t, "DeleteUserPoolClient", errOf(e.pool.DeleteUserPoolClient(e.ctx, userpool.DeleteUserPoolClientInput{ClientID: "mobile"})))
	_, err = e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: mobile.AccessToken})
	wantCode(t, err, userpool.CodeNotAuthorized)
	if _, err := e.refresh("mobile", mobile.RefreshToken); err == nil {
		t.Fatal("a deleted client's refresh token still works")
	}
	if _, err := e.refresh(webClient, mobile.RefreshToken); err == nil {
		t.Fatal("a deleted client's refresh token works at another client")
	}
	_, err = e.signInWith("mobile", "bea", goodPW, nil)
	wantCode(t, err, userpool.CodeResourceNotFound)
	_, err = e.pool.DescribeUserPoolClient(e.ctx, userpool.DescribeUserPoolClientInput{ClientID: "mobile"})
	wantCode(t, err, userpool.CodeResourceNotFound)
	wantCode(t, errOf(e.pool.DeleteUserPoolClient(e.ctx, userpool.DeleteUserPoolClientInput{ClientID: "mobile"})), userpool.CodeResourceNotFound)
	// The user's other sessions are untouched.
	if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: web.AccessToken}); err != nil {
		t.Fatalf("the web client's token after deleting mobile: %v", err)
	}
	if _, err := e.refresh(webClient, web.RefreshToken); err != nil {
		t.Fatalf("the web client's refresh after deleting mobile: %v", err)
	}

	// A client created again under the same ID does not revive them.
	e.clock.Advance(time.Minute)
	e.passwordClient("mobile")
	_, err = e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: mobile.AccessToken})
	wantCode(t, err, userpool.CodeNotAuthorized)
	if _, err := e.refresh("mobile", mobile.RefreshToken); err == nil {
		t.Fatal("a re-created client accepts the deleted one's refresh token")
	}
	again, err := e.signInWith("mobile", "bea", goodPW, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: again.AccessToken}); err != nil {
		t.Fatalf("a token of the re-created client: %v", err)
	}
	if _, err := e.refresh("mobile", again.RefreshToken); err != nil {
		t.Fatalf("a refresh token of the re-created client: %v", err)
	}
}
