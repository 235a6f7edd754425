package token

import (
	"context"
	"errors"
	"testing"
)

func TestRequirementsCheck(t *testing.T) {
	c := &AccessClaims{Scopes: []string{"openid", "orders/read"}, Groups: []string{"staff"}}
	tests := []struct {
		name string
		req  Requirements
		c    *AccessClaims
		want error
	}{
		{"no requirement is met by any token", Requirements{}, c, nil},
		{"no requirement is not met by nil claims", Requirements{}, nil, ErrInsufficientScope},
		{"any scope is met by one of them", Requirements{AnyScope: []string{"orders/write", "orders/read"}}, c, nil},
		{"any scope is not met by none of them", Requirements{AnyScope: []string{"orders/write", "admin"}}, c, ErrInsufficientScope},
		{"all scopes are met when every one is granted", Requirements{AllScopes: []string{"openid", "orders/read"}}, c, nil},
		{"all scopes are not met when one is missing", Requirements{AllScopes: []string{"openid", "orders/write"}}, c, ErrInsufficientScope},
		{"scopes compare exactly", Requirements{AnyScope: []string{"Orders/Read", "orders/read "}}, c, ErrInsufficientScope},
		{"a scope is not a prefix of another", Requirements{AnyScope: []string{"orders"}}, c, ErrInsufficientScope},
		{"a token without scopes meets no scope requirement", Requirements{AnyScope: []string{"openid"}}, &AccessClaims{}, ErrInsufficientScope},
		{"any group is met by membership of one", Requirements{AnyGroup: []string{"admins", "staff"}}, c, nil},
		{"any group is not met without membership", Requirements{AnyGroup: []string{"admins"}}, c, ErrNotInGroup},
		{"a token without groups meets no group requirement", Requirements{AnyGroup: []string{"staff"}}, &AccessClaims{Scopes: c.Scopes}, ErrNotInGroup},
		{"scopes and groups must all be met", Requirements{AllScopes: []string{"openid"}, AnyScope: []string{"orders/read"}, AnyGroup: []string{"staff"}}, c, nil},
		{"a met scope does not excuse a missing group", Requirements{AllScopes: []string{"openid"}, AnyGroup: []string{"admins"}}, c, ErrNotInGroup},
		{"a group does not stand in for a scope", Requirements{AnyScope: []string{"staff"}}, c, ErrInsufficientScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Check(tt.c)
			if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if err != nil && errors.Is(err, ErrInvalidToken) {
				t.Fatal("an authorization failure matches ErrInvalidToken")
			}
		})
	}
}

func TestVerifyIDWithNonce(t *testing.T) {
	f := newFixture(t, EdDSA)
	withNonce, err := f.issuer.IssueID(sampleID()) // nonce n-0S6_WzA2Mj
	if err != nil {
		t.Fatal(err)
	}
	noNonce := sampleID()
	noNonce.Nonce = ""
	withoutNonce, err := f.issuer.IssueID(noNonce)
	if err != nil {
		t.Fatal(err)
	}
	access := mustIssue(t, f.issuer, sampleAccess())
	tests := []struct {
		name  string
		raw   string
		nonce string
		want  error
	}{
		{"the expected nonce is accepted", withNonce, "n-0S6_WzA2Mj", nil},
		{"another nonce is refused", withNonce, "n-0S6_WzA2Mk", ErrNonce},
		{"a prefix of the nonce is refused", withNonce, "n-0S6", ErrNonce},
		{"a token without nonce is refused", withoutNonce, "n-0S6_WzA2Mj", ErrNonce},
		{"an empty expected nonce is a config error", withNonce, "", ErrConfig},
		{"an access token is refused before the nonce", access, "n-0S6_WzA2Mj", ErrTokenUse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := f.verifier.VerifyIDWithNonce(context.Background(), tt.raw, tt.nonce)
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if c.Nonce != tt.nonce {
					t.Fatalf("nonce %q", c.Nonce)
				}
				return
			}
			if !errors.Is(err, tt.want) || c != nil {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
		})
	}
	if !errors.Is(ErrNonce, ErrInvalidToken) {
		t.Fatal("ErrNonce does not match ErrInvalidToken")
	}
}
