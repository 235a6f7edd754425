package userpool_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/userpool"
)

func TestResourceServerLifecycle(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t), fastKeys)
			orders := userpool.ResourceServerType{Identifier: "https://api.example.com/orders", Name: "Orders API", Scopes: []userpool.ResourceServerScope{
				{ScopeName: "orders.read", ScopeDescription: "Read orders"}, {ScopeName: "orders.write", ScopeDescription: "Place orders"}}}
			created, err := e.pool.CreateResourceServer(e.ctx, orders)
			if err != nil {
				t.Fatalf("CreateResourceServer: %v", err)
			}
			if created.Identifier != orders.Identifier || created.Name != orders.Name || len(created.Scopes) != 2 || created.Scopes[1] != orders.Scopes[1] {
				t.Fatalf("created = %+v", created)
			}
			if _, err := e.pool.CreateResourceServer(e.ctx, userpool.ResourceServerType{Identifier: "billing", Name: "Billing"}); err != nil {
				t.Fatal(err)
			}
			_, err = e.pool.CreateResourceServer(e.ctx, userpool.ResourceServerType{Identifier: orders.Identifier, Name: "Again"})
			wantCode(t, err, userpool.CodeInvalidParameter)

			got, err := e.pool.DescribeResourceServer(e.ctx, userpool.DescribeResourceServerInput{Identifier: orders.Identifier})
			if err != nil || got.Name != "Orders API" || len(got.Scopes) != 2 || got.Scopes[0].ScopeName != "orders.read" {
				t.Fatalf("DescribeResourceServer = %+v, %v", got, err)
			}
			list, err := e.pool.ListResourceServers(e.ctx, userpool.ListResourceServersInput{})
			if err != nil || len(list.ResourceServers) != 2 {
				t.Fatalf("ListResourceServers = %+v, %v", list, err)
			}

			// Update replaces the name and the whole scope list.
			updated, err := e.pool.UpdateResourceServer(e.ctx, userpool.ResourceServerType{Identifier: orders.Identifier, Name: "Orders",
				Scopes: []userpool.ResourceServerScope{{ScopeName: "orders.admin", ScopeDescription: "Everything"}}})
			if err != nil || updated.Name != "Orders" || len(updated.Scopes) != 1 || updated.Scopes[0].ScopeName != "orders.admin" {
				t.Fatalf("UpdateResourceServer = %+v, %v", updated, err)
			}
			got, err = e.pool.DescribeResourceServer(e.ctx, userpool.DescribeResourceServerInput{Identifier: orders.Identifier})
			if err != nil || got.Name != "Orders" || len(got.Scopes) != 1 {
				t.Fatalf("after the update = %+v, %v", got, err)
			}
			cleared, err := e.pool.UpdateResourceServer(e.ctx, userpool.ResourceServerType{Identifier: "billing", Name: "Billing"})
			if err != nil || len(cleared.Scopes) != 0 {
				t.Fatalf("an update without scopes = %+v, %v", cleared, err)
			}
			_, err = e.pool.UpdateResourceServer(e.ctx, userpool.ResourceServerType{Identifier: "nope", Name: "Nope"})
			wantCode(t, err, userpool.CodeResourceNotFound)

			wantNoError(t, "DeleteResourceServer", errOf(e.pool.DeleteResourceServer(e.ctx, userpool.DeleteResourceServerInput{Identifier: orders.Identifier})))
			_, err = e.pool.DescribeResourceServer(e.ctx, userpool.DescribeResourceServerInput{Identifier: orders.Identifier})
			wantCode(t, err, userpool.CodeResourceNotFound)
			wantCode(t, errOf(e.pool.DeleteResourceServer(e.ctx, userpool.DeleteResourceServerInput{Identifier: orders.Identifier})), userpool.CodeResourceNotFound)
			if list, err := e.pool.ListResourceServers(e.ctx, userpool.ListResourceServersInput{}); err != nil || len(list.ResourceServers) != 1 || list.ResourceServers[0].Identifier != "billing" {
				t.Fatalf("after deleting one = %+v, %v", list, err)
			}
			// The identifier is free again.
			if _, err := e.pool.CreateResourceServer(e.ctx, orders); err != nil {
				t.Fatalf("re-creating a deleted resource server: %v", err)
			}
		})
	}
}

func TestResourceServerIdentifiersAcceptWhatCognitoAccepts(t *testing.T) {
	e := newFastEnv(t)
	for _, id := range []string{
		"orders", "https://api.example.com", "https://api.example.com/v1/orders", "urn:example:orders",
		"api.example.com:8443/orders", "https://api.example.com/orders?tenant=1", strings.Repeat("i", 256),
	} {
		if _, err := e.pool.CreateResourceServer(e.ctx, userpool.ResourceServerType{Identifier: id, Name: "API"}); err != nil {
			t.Errorf("CreateResourceServer(%q): %v", id, err)
		}
	}
}

func TestResourceServersRefuseBadIdentifiersNamesAndScopes(t *testing.T) {
	e := newFastEnv(t)
	scope := func(name string) []userpool.ResourceServerScope {
		return []userpool.ResourceServerScope{{ScopeName: name, ScopeDescription: "d"}}
	}
	many := make([]userpool.ResourceServerScope, 101)
	for i := range many {
		many[i] = userpool.ResourceServerScope{ScopeName: fmt.Sprintf("s%d", i), ScopeDescription: "d"}
	}
	cases := []struct {
		name string
		in   userpool.ResourceServerType
	}{
		{"an empty identifier", userpool.ResourceServerType{Name: "API"}},
		{"an identifier over 256 characters", userpool.ResourceServerType{Identifier: strings.Repeat("i", 257), Name: "API"}},
		{"an identifier with a space", userpool.ResourceServerType{Identifier: "my api", Name: "API"}},
		{"an identifier with a space in its query", userpool.ResourceServerType{Identifier: "https://api.example.com/?a b", Name: "API"}},
		{"an identifier with a quote", userpool.ResourceServerType{Identifier: `api"x`, Name: "API"}},
		{"an identifier with a quote in its fragment", userpool.ResourceServerType{Identifier: `https://api.example.com/#"`, Name: "API"}},
		{"an identifier with a backslash", userpool.ResourceServerType{Identifier: `api\x`, Name: "API"}},
		{"an identifier with a newline", userpool.ResourceServerType{Identifier: "api\nx", Name: "API"}},
		{"an identifier with non-ASCII", userpool.ResourceServerType{Identifier: "apí", Name: "API"}},
		{"an empty name", userpool.ResourceServerType{Identifier: "api"}},
		{"a name over 256 characters", userpool.ResourceServerType{Identifier: "api", Name: strings.Repeat("n", 257)}},
		{"a scope with a slash", userpool.ResourceServerType{Identifier: "api", Name: "API", Scopes: scope("read/all")}},
		{"a scope with a space", userpool.ResourceServerType{Identifier: "api", Name: "API", Scopes: scope("read all")}},
		{"a scope with a quote", userpool.ResourceServerType{Identifier: "api", Name: "API", Scopes: scope(`read"`)}},
		{"an empty scope", userpool.ResourceServerType{Identifier: "api", Name: "API", Scopes: scope("")}},
		{"a scope over 256 characters", userpool.ResourceServerType{Identifier: "api", Name: "API", Scopes: scope(strings.Repeat("s", 257))}},
		{"a duplicate scope", userpool.ResourceServerType{Identifier: "api", Name: "API", Scopes: append(scope("read"), scope("read")...)}},
		{"a scope description over 256 characters", userpool.ResourceServerType{Identifier: "api", Name: "API",
			Scopes: []userpool.ResourceServerScope{{ScopeName: "read", ScopeDescription: strings.Repeat("d", 257)}}}},
		{"101 scopes", userpool.ResourceServerType{Identifier: "api", Name: "API", Scopes: many}},
	}
	for _, tc := range cases {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			_, err := e.pool.CreateResourceServer(e.ctx, tc.in)
			wantCode(t, err, userpool.CodeInvalidParameter)
			if tc.in.Identifier != "" {
				if _, err := e.pool.DescribeResourceServer(e.ctx, userpool.DescribeResourceServerInput{Identifier: tc.in.Identifier}); err == nil {
					t.Fatal("a refused resource server was stored")
				}
			}
		})
	}
	// Update checks the same rules and leaves the server as it was.
	if _, err := e.pool.CreateResourceServer(e.ctx, userpool.ResourceServerType{Identifier: "api", Name: "API", Scopes: scope("read")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.pool.UpdateResourceServer(e.ctx, userpool.ResourceServerType{Identifier: "api", Name: "API", Scopes: scope("read/all")})
	wantCode(t, err, userpool.CodeInvalidParameter)
	if got, err := e.pool.DescribeResourceServer(e.ctx, userpool.DescribeResourceServerInput{Identifier: "api"}); err != nil || len(got.Scopes) != 1 || got.Scopes[0].ScopeName != "read" {
		t.Fatalf("after a refused update = %+v, %v", got, err)
	}
	_, err = e.pool.DescribeResourceServer(e.ctx, userpool.DescribeResourceServerInput{Identifier: ""})
	if err == nil {
		t.Fatal("DescribeResourceServer(\"\") found something")
	}
}

func TestListResourceServersPages(t *testing.T) {
	e := newMemEnv(t)
	for _, id := range []string{"c-api", "a-api", "b-api"} {
		if _, err := e.pool.CreateResourceServer(e.ctx, userpool.CreateResourceServerInput{Identifier: id, Name: id}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	next := ""
	for range 3 {
		page, err := e.pool.ListResourceServers(e.ctx, userpool.ListResourceServersInput{MaxResults: 2, NextToken: next})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.ResourceServers {
			got = append(got, r.Identifier)
		}
		if next = page.NextToken; next == "" {
			break
		}
	}
	if strings.Join(got, ",") != "a-api,b-api,c-api" || next != "" {
		t.Fatalf("pages gave %v (next %q), want a-api,b-api,c-api in identifier order", got, next)
	}
	for _, bad := range []userpool.ListResourceServersInput{{MaxResults: 51}, {MaxResults: -1}, {NextToken: "not-a-token"}} {
		_, err := e.pool.ListResourceServers(e.ctx, bad)
		wantCode(t, err, userpool.CodeInvalidParameter)
	}
}
