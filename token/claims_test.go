package token

import (
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

func TestRoundTripForEachAlgorithm(t *testing.T) {
	for _, alg := range []Algorithm{RS256, ES256, EdDSA} {
		f := newFixture(t, alg)
		t.Run("an "+string(alg)+" access token verifies to the claims it was issued with", func(t *testing.T) {
			in := sampleAccess()
			in.DeviceKey = "eu-west-1_device"
			in.Extra = map[string]any{"tenant": "acme", "version": 2}
			raw, err := f.issuer.IssueAccess(in)
			if err != nil {
				t.Fatal(err)
			}
			if got := decodePart(t, raw, 0)["alg"]; got != string(alg) {
				t.Fatalf("header alg %v", got)
			}
			got, err := f.verifier.VerifyAccess(context.Background(), raw)
			if err != nil {
				t.Fatal(err)
			}
			want := in
			want.Issuer, want.IssuedAt = testIssuer, t0
			want.Extra = map[string]any{"tenant": "acme", "version": float64(2)}
			got.AuthTime, got.IssuedAt, got.ExpiresAt = utc(got.AuthTime), utc(got.IssuedAt), utc(got.ExpiresAt)
			if !reflect.DeepEqual(*got, want) {
				t.Fatalf("got  %+v\nwant %+v", *got, want)
			}
		})
		t.Run("an "+string(alg)+" id token verifies to the claims it was issued with", func(t *testing.T) {
			in := sampleID()
			in.Attributes["sub"] = in.Subject // skipped: it is the sub claim
			in.Attributes["identities"] = `[{"userId":"1234","providerName":"Google","providerType":"Google","primary":"true","dateCreated":"1642699117273"}]`
			in.Extra = map[string]any{"tenant": "acme"}
			raw, err := f.issuer.IssueID(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.verifier.VerifyID(context.Background(), raw)
			if err != nil {
				t.Fatal(err)
			}
			want := in
			want.Issuer, want.IssuedAt = testIssuer, t0
			want.Attributes = maps.Clone(in.Attributes)
			delete(want.Attributes, "sub")
			var gotIDs, wantIDs any
			if err := json.Unmarshal([]byte(got.Attributes["identities"]), &gotIDs); err != nil {
				t.Fatal(err)
			}
			_ = json.Unmarshal([]byte(want.Attributes["identities"]), &wantIDs)
			if !reflect.DeepEqual(gotIDs, wantIDs) {
				t.Fatalf("identities %s", got.Attributes["identities"])
			}
			got.Attributes["identities"] = want.Attributes["identities"]
			got.AuthTime, got.IssuedAt, got.ExpiresAt = utc(got.AuthTime), utc(got.IssuedAt), utc(got.ExpiresAt)
			if !reflect.DeepEqual(*got, want) {
				t.Fatalf("got  %+v\nwant %+v", *got, want)
			}
		})
	}
}

func TestAccessTokenHasCognitoShape(t *testing.T) {
	f := newFixture(t, RS256)
	c := sampleAccess()
	c.IssuedAt = t0.Add(-time.Second).Add(300 * time.Millisecond) // sub-second is dropped
	raw, err := f.issuer.IssueAccess(c)
	if err != nil {
		t.Fatal(err)
	}
	hdr := decodePart(t, raw, 0)
	if want := map[string]any{"alg": "RS256", "kid": f.key.ID}; !reflect.DeepEqual(hdr, want) {
		t.Fatalf("header %v, want exactly %v", hdr, want)
	}
	p := decodePart(t, raw, 1)
	names := slices.Sorted(maps.Keys(p))
	want := []string{"auth_time", "client_id", "cognito:groups", "event_id", "exp", "iat", "iss", "jti", "origin_jti", "scope", "sub", "token_use", "username"}
	if !slices.Equal(names, want) {
		t.Fatalf("claims %v\nwant   %v", names, want)
	}
	tests := []struct {
		name  string
		claim string
		want  any
	}{
		{"token_use is access", "token_use", "access"},
		{"scope is one space-separated string", "scope", "aws.cognito.signin.user.admin openid orders/read"},
		{"client_id is the client", "client_id", testClient},
		{"username is the user name", "username", "alice"},
		{"iss is the issuer", "iss", testIssuer},
		{"cognito:groups is a list of strings", "cognito:groups", []any{"admins", "staff"}},
		{"iat is whole unix seconds", "iat", json.Number("1772366399")},
		{"exp is whole unix seconds", "exp", json.Number("1772370000")},
		{"auth_time is whole unix seconds", "auth_time", json.Number("1772366340")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p[tt.claim]; !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("%s = %#v, want %#v", tt.claim, got, tt.want)
			}
		})
	}
	t.Run("device_key appears when set", func(t *testing.T) {
		c := sampleAccess()
		c.DeviceKey = "dk"
		raw, err := f.issuer.IssueAccess(c)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodePart(t, raw, 1)["device_key"]; got != "dk" {
			t.Fatalf("device_key %v", got)
		}
	})
}

func TestIDTokenHasCognitoShape(t *testing.T) {
	f := newFixture(t, RS256)
	c := sampleID()
	c.Attributes["identities"] = `[{"userId":"1234","providerName":"Google"}]`
	raw, err := f.issuer.IssueID(c)
	if err != nil {
		t.Fatal(err)
	}
	p := decodePart(t, raw, 1)
	tests := []struct {
		name  string
		claim string
		want  any
	}{
		{"token_use is id", "token_use", "id"},
		{"aud is the client id as a string", "aud", testClient},
		{"cognito:username is the user name", "cognito:username", "alice"},
		{"email_verified is a json boolean", "email_verified", true},
		{"phone_number_verified is a json boolean", "phone_number_verified", false},
		{"custom attributes are strings, even numeric ones", "custom:age", "42"},
		{"custom:team is a string", "custom:team", "blue"},
		{"email is a string", "email", "alice@example.com"},
		{"nonce is passed through", "nonce", "n-0S6_WzA2Mj"},
		{"cognito:groups is a list", "cognito:groups", []any{"admins"}},
		{"cognito:roles is a list", "cognito:roles", []any{"arn:aws:iam::123456789012:role/admin"}},
		{"cognito:preferred_role is a string", "cognito:preferred_role", "arn:aws:iam::123456789012:role/admin"},
		{"identities is a json array", "identities", []any{map[string]any{"userId": "1234", "providerName": "Google"}}},
		{"event_id is a string", "event_id", "event-1"},
		{"auth_time is whole unix seconds", "auth_time", json.Number("1772366340")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p[tt.claim]; !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("%s = %#v, want %#v", tt.claim, got, tt.want)
			}
		})
	}
	for _, absent := range []string{"client_id", "scope", "username", "device_key"} {
		if _, ok := p[absent]; ok {
			t.Fatalf("id token has %s", absent)
		}
	}

	t.Run("empty optional claims are omitted", func(t *testing.T) {
		raw, err := f.issuer.IssueID(IDClaims{Subject: "s", Audience: testClient, ExpiresAt: t0.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		names := slices.Sorted(maps.Keys(decodePart(t, raw, 1)))
		if want := []string{"aud", "exp", "iat", "iss", "sub", "token_use"}; !slices.Equal(names, want) {
			t.Fatalf("claims %v", names)
		}
	})
	t.Run("Extra adds claims and overrides attributes", func(t *testing.T) {
		c := sampleID()
		c.Extra = map[string]any{"email": "override@example.com", "tier": "gold", "cognito:groups": []string{"vip"}}
		raw, err := f.issuer.IssueID(c)
		if err != nil {
			t.Fatal(err)
		}
		p := decodePart(t, raw, 1)
		if p["email"] != "override@example.com" || p["tier"] != "gold" || !reflect.DeepEqual(p["cognito:groups"], []any{"vip"}) {
			t.Fatalf("claims %v", p)
		}
		got, err := f.verifier.VerifyID(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		if got.Attributes["email"] != "override@example.com" || got.Extra["tier"] != "gold" || !slices.Equal(got.Groups, []string{"vip"}) {
			t.Fatalf("verified %+v", got)
		}
	})
}

func TestHasScope(t *testing.T) {
	c := &AccessClaims{Scopes: []string{"openid", "orders/read"}}
	tests := []struct {
		name  string
		c     *AccessClaims
		scope string
		want  bool
	}{
		{"a granted scope is found", c, "orders/read", true},
		{"a prefix of a scope is not a scope", c, "orders", false},
		{"the space-joined string is not a scope", c, "openid orders/read", false},
		{"nil claims grant nothing", nil, "openid", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.HasScope(tt.scope); got != tt.want {
				t.Fatalf("HasScope(%q) = %v", tt.scope, got)
			}
		})
	}
	if strings.Contains(strings.Join(LockedClaims(), ","), "scope") {
		t.Fatal("scope is only locked in access tokens")
	}
}
