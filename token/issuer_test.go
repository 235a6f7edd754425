package token

import (
	"errors"
	"testing"
	"time"
)

func TestNewIssuerConfig(t *testing.T) {
	ks := mustKeySet(t, testKeys()[RS256])
	tests := []struct {
		name   string
		issuer string
		keys   *KeySet
		ok     bool
	}{
		{"an https url is accepted", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc", ks, true},
		{"http on localhost is accepted", "http://localhost:8080/pool", ks, true},
		{"http on 127.0.0.1 is accepted", "http://127.0.0.1:9000", ks, true},
		{"http on ::1 is accepted", "http://[::1]:9000/p", ks, true},
		{"http elsewhere is refused", "http://auth.example.com/pool", ks, false},
		{"http on a localhost lookalike is refused", "http://localhost.evil.com/pool", ks, false},
		{"an empty issuer is refused", "", ks, false},
		{"a relative url is refused", "/pool", ks, false},
		{"a query is refused", "https://auth.example.com/pool?x=1", ks, false},
		{"an empty query is refused", "https://auth.example.com/pool?", ks, false},
		{"a fragment is refused", "https://auth.example.com/pool#x", ks, false},
		{"user info is refused", "https://user@auth.example.com/pool", ks, false},
		{"another scheme is refused", "ftp://auth.example.com/pool", ks, false},
		{"a missing key set is refused", "https://auth.example.com/pool", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewIssuer(IssuerConfig{Issuer: tt.issuer, Keys: tt.keys})
			if tt.ok != (err == nil) {
				t.Fatalf("err %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrConfig) {
				t.Fatalf("err %v, want ErrConfig", err)
			}
		})
	}
}

func TestIssueRefusesInvalidClaims(t *testing.T) {
	f := newFixture(t, EdDSA)
	access := func(mod func(*AccessClaims)) func() error {
		return func() error {
			c := sampleAccess()
			mod(&c)
			_, err := f.issuer.IssueAccess(c)
			return err
		}
	}
	id := func(mod func(*IDClaims)) func() error {
		return func() error {
			c := sampleID()
			mod(&c)
			_, err := f.issuer.IssueID(c)
			return err
		}
	}
	tests := []struct {
		name  string
		issue func() error
		want  error
	}{
		{"an access token without exp is refused", access(func(c *AccessClaims) { c.ExpiresAt = time.Time{} }), ErrInvalidClaims},
		{"an access token expiring before it is issued is refused", access(func(c *AccessClaims) { c.ExpiresAt = t0.Add(-time.Second) }), ErrInvalidClaims},
		{"an access token without sub is refused", access(func(c *AccessClaims) { c.Subject = "" }), ErrInvalidClaims},
		{"an access token without client id is refused", access(func(c *AccessClaims) { c.ClientID = "" }), ErrInvalidClaims},
		{"a scope with a space is refused", access(func(c *AccessClaims) { c.Scopes = []string{"a b"} }), ErrInvalidClaims},
		{"an empty scope is refused", access(func(c *AccessClaims) { c.Scopes = []string{""} }), ErrInvalidClaims},
		{"an extra claim json cannot encode is refused", access(func(c *AccessClaims) { c.Extra = map[string]any{"ch": make(chan int)} }), ErrInvalidClaims},
		{"an extra claim without a name is refused", access(func(c *AccessClaims) { c.Extra = map[string]any{"": 1} }), ErrInvalidClaims},
		{"an id token without exp is refused", id(func(c *IDClaims) { c.ExpiresAt = time.Time{} }), ErrInvalidClaims},
		{"an id token without aud is refused", id(func(c *IDClaims) { c.Audience = "" }), ErrInvalidClaims},
		{"an id token without sub is refused", id(func(c *IDClaims) { c.Subject = "" }), ErrInvalidClaims},
		{"email_verified must be true or false", id(func(c *IDClaims) { c.Attributes["email_verified"] = "yes" }), ErrInvalidClaims},
		{"identities must be a json array", id(func(c *IDClaims) { c.Attributes["identities"] = `{"a":1}` }), ErrInvalidClaims},
		{"an attribute without a name is refused", id(func(c *IDClaims) { c.Attributes[""] = "x" }), ErrInvalidClaims},
		{"an attribute sub other than the subject is refused", id(func(c *IDClaims) { c.Attributes["sub"] = "someone-else" }), ErrLockedClaim},
		{"an attribute named token_use is refused", id(func(c *IDClaims) { c.Attributes["token_use"] = "access" }), ErrLockedClaim},
		{"an attribute named cognito:groups is refused", id(func(c *IDClaims) { c.Attributes["cognito:groups"] = "admins" }), ErrLockedClaim},
		{"an attribute named iss is refused", id(func(c *IDClaims) { c.Attributes["iss"] = "https://evil" }), ErrLockedClaim},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.issue(); !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
		})
	}
}

func TestLockedClaimsAreRefusedInExtra(t *testing.T) {
	f := newFixture(t, EdDSA)
	for _, name := range LockedClaims() {
		if !isLocked(name) {
			t.Fatalf("LockedClaims lists %q but isLocked disagrees", name)
		}
		t.Run(name+" may not be set by an id token's Extra", func(t *testing.T) {
			c := sampleID()
			c.Extra = map[string]any{name: "x"}
			if _, err := f.issuer.IssueID(c); !errors.Is(err, ErrLockedClaim) {
				t.Fatalf("err %v", err)
			}
		})
		t.Run(name+" may not be set by an access token's Extra", func(t *testing.T) {
			c := sampleAccess()
			c.Extra = map[string]any{name: "x"}
			if _, err := f.issuer.IssueAccess(c); !errors.Is(err, ErrLockedClaim) {
				t.Fatalf("err %v", err)
			}
		})
	}
	for _, name := range []string{"client_id", "scope", "username"} {
		t.Run(name+" may not be set by an access token's Extra", func(t *testing.T) {
			c := sampleAccess()
			c.Extra = map[string]any{name: "x"}
			if _, err := f.issuer.IssueAccess(c); !errors.Is(err, ErrLockedClaim) {
				t.Fatalf("err %v", err)
			}
		})
	}
	if len(LockedClaims()) != 17 {
		t.Fatalf("%d locked claims, Cognito locks 17", len(LockedClaims()))
	}
}

func TestIssueWithoutSigningKey(t *testing.T) {
	k := withID(testKeys()[RS256], "later")
	k.Published, k.Active = t0, t0.Add(time.Hour)
	iss, err := NewIssuer(IssuerConfig{Issuer: testIssuer, Keys: mustKeySet(t, k), Now: at(t0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iss.IssueAccess(sampleAccess()); !errors.Is(err, ErrNoSigningKey) {
		t.Fatalf("access: %v", err)
	}
	if _, err := iss.IssueID(sampleID()); !errors.Is(err, ErrNoSigningKey) {
		t.Fatalf("id: %v", err)
	}
}

// An ID token issued with its access token carries at_hash: the left half
// of the access token's hash under the algorithm's hash function (SHA-512
// for EdDSA), base64url.
func TestIDTokensCarryTheAccessTokenHash(t *testing.T) {
	for alg, key := range testKeys() {
		t.Run(string(alg), func(t *testing.T) {
			ks := mustKeySet(t, key)
			iss, err := NewIssuer(IssuerConfig{Issuer: "https://auth.example.com/pool", Keys: ks})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			raw, err := iss.IssueID(IDClaims{Subject: "s", Audience: "c", ExpiresAt: now.Add(time.Hour), AccessToken: "an.access.token"})
			if err != nil {
				t.Fatal(err)
			}
			v, err := NewVerifier(VerifierConfig{Issuer: "https://auth.example.com/pool", Keys: ks, ClientIDs: []string{"c"}})
			if err != nil {
				t.Fatal(err)
			}
			c, err := v.VerifyID(t.Context(), raw)
			if err != nil {
				t.Fatal(err)
			}
			want, size := atHash(alg, "an.access.token"), 22 // half of SHA-256: 16 bytes
			if alg == EdDSA {
				size = 43 // half of SHA-512: 32 bytes
			}
			if c.AccessTokenHash != want || len(want) != size {
				t.Fatalf("at_hash = %q, want %q", c.AccessTokenHash, want)
			}
			if _, ok := c.Extra["at_hash"]; ok {
				t.Error("at_hash is also among the extra claims")
			}
		})
	}
}
