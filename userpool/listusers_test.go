package userpool_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

func TestListUsers(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t))
			for i := range 7 {
				e.confirmedUser(fmt.Sprintf("user%d", i), fmt.Sprintf("user%d@%s.example", i, []string{"alpha", "beta"}[i%2]))
			}
			e.signUp("pending", "pending@alpha.example", goodPW)
			if _, err := e.pool.AdminDisableUser(e.ctx, userpool.AdminDisableUserInput{Username: "user3"}); err != nil {
				t.Fatal(err)
			}

			names := func(filter string, limit int) []string {
				t.Helper()
				var out []string
				next := ""
				for {
					page, err := e.pool.ListUsers(e.ctx, userpool.ListUsersInput{Filter: filter, Limit: limit, PaginationToken: next})
					if err != nil {
						t.Fatalf("ListUsers(%q): %v", filter, err)
					}
					for _, u := range page.Users {
						out = append(out, u.Username)
					}
					if next = page.PaginationToken; next == "" {
						return out
					}
				}
			}
			sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

			if got := names("", 3); len(got) != 8 {
				t.Fatalf("all users = %v", got)
			}
			if got := sorted(names(`email ^= "user"`, 2)); strings.Join(got, ",") != "user0,user1,user2,user3,user4,user5,user6" {
				t.Fatalf("email prefix = %v", got)
			}
			if got := names(`email = "user4@alpha.example"`, 0); strings.Join(got, ",") != "user4" {
				t.Fatalf("email exact = %v", got)
			}
			if got := names(`cognito:user_status = "unconfirmed"`, 0); strings.Join(got, ",") != "pending" {
				t.Fatalf("status = %v", got)
			}
			if got := names(`status = "Disabled"`, 0); strings.Join(got, ",") != "user3" {
				t.Fatalf("disabled = %v", got)
			}
			if got := names(`username ^= "User"`, 0); len(got) != 0 {
				t.Fatalf("username search is case-sensitive, got %v", got)
			}

			page, err := e.pool.ListUsers(e.ctx, userpool.ListUsersInput{Filter: `username = "user1"`, AttributesToGet: []string{"email"}})
			if err != nil || len(page.Users) != 1 || len(page.Users[0].Attributes) != 1 || page.Users[0].Attributes[0].Name != "email" {
				t.Fatalf("AttributesToGet: %+v, %v", page, err)
			}

			first, err := e.pool.ListUsers(e.ctx, userpool.ListUsersInput{Filter: `email ^= "user"`, Limit: 2})
			if err != nil || first.PaginationToken == "" {
				t.Fatal(err)
			}
			_, err = e.pool.ListUsers(e.ctx, userpool.ListUsersInput{Filter: `email ^= "x"`, Limit: 2, PaginationToken: first.PaginationToken})
			if !errors.Is(err, userpool.ErrInvalidParameter) {
				t.Fatalf("token reused with another filter: %v", err)
			}
			tampered := flipLastByte(t, first.PaginationToken)
			_, err = e.pool.ListUsers(e.ctx, userpool.ListUsersInput{Filter: `email ^= "user"`, Limit: 2, PaginationToken: tampered})
			if !errors.Is(err, userpool.ErrInvalidParameter) {
				t.Fatalf("tampered token: %v", err)
			}
			e.clock.Advance(time.Hour)
			_, err = e.pool.ListUsers(e.ctx, userpool.ListUsersInput{Filter: `email ^= "user"`, Limit: 2, PaginationToken: first.PaginationToken})
			if !errors.Is(err, userpool.ErrInvalidParameter) {
				t.Fatalf("expired token: %v", err)
			}
		})
	}
}

func TestListUsersBadInput(t *testing.T) {
	e := newMemEnv(t)
	for _, in := range []userpool.ListUsersInput{
		{Filter: `email ~ "x"`},
		{Filter: `custom:team = "x"`},
		{Limit: 61},
		{Limit: -1},
		{AttributesToGet: []string{"no_such"}},
		{PaginationToken: "not a token"},
	} {
		_, err := e.pool.ListUsers(e.ctx, in)
		if !errors.Is(err, userpool.ErrInvalidParameter) {
			t.Errorf("ListUsers(%+v) = %v, want InvalidParameterException", in, err)
		}
	}
}

// flipLastByte changes the last byte a pagination token decodes to. Editing
// the text instead can change only unused trailing bits (or nothing, when
// the text already ends that way) and leave the token valid.
func flipLastByte(t *testing.T, tok string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.Strict().DecodeString(tok)
	if err != nil || len(raw) == 0 {
		t.Fatalf("pagination token %q is not unpadded base64url: %v", tok, err)
	}
	raw[len(raw)-1] ^= 0x01
	return base64.RawURLEncoding.EncodeToString(raw)
}
