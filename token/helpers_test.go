package token

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testIssuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TEST"
	testClient = "3n4b5urk1ft4fl3mg5e62d9ado"
)

// t0 is the fixed "now" of the tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(t time.Time) func() time.Time { return func() time.Time { return t } }

// testKeys generates one key per algorithm once: RSA generation is slow.
var testKeys = sync.OnceValue(func() map[Algorithm]Key {
	out := map[Algorithm]Key{}
	for _, alg := range []Algorithm{RS256, ES256, EdDSA} {
		k, err := GenerateKey(alg, nil)
		if err != nil {
			panic(err)
		}
		out[alg] = k
	}
	return out
})

// otherKeys are keys the verifier does not know (an attacker's).
var otherKeys = sync.OnceValue(func() map[Algorithm]Key {
	out := map[Algorithm]Key{}
	for _, alg := range []Algorithm{RS256, ES256, EdDSA} {
		k, err := GenerateKey(alg, nil)
		if err != nil {
			panic(err)
		}
		out[alg] = k
	}
	return out
})

type fixture struct {
	key      Key
	keys     *KeySet
	issuer   *Issuer
	verifier *Verifier
}

// newFixture builds a key set with the key of alg, an issuer and a verifier
// for testClient, all at t0.
func newFixture(t testing.TB, alg Algorithm, mod ...func(*VerifierConfig)) fixture {
	t.Helper()
	k := testKeys()[alg]
	ks, err := NewKeySet(k)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := NewIssuer(IssuerConfig{Issuer: testIssuer, Keys: ks, Now: at(t0)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := VerifierConfig{Issuer: testIssuer, Keys: ks, ClientIDs: []string{testClient}, Now: at(t0)}
	for _, m := range mod {
		m(&cfg)
	}
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{key: k, keys: ks, issuer: iss, verifier: v}
}

func sampleAccess() AccessClaims {
	return AccessClaims{
		Subject:   "7d8ca528-4931-4254-9273-ea5ee853f271",
		ClientID:  testClient,
		Username:  "alice",
		Scopes:    []string{"aws.cognito.signin.user.admin", "openid", "orders/read"},
		Groups:    []string{"admins", "staff"},
		AuthTime:  t0.Add(-time.Minute),
		ExpiresAt: t0.Add(time.Hour),
		JTI:       "jti-1",
		OriginJTI: "origin-1",
		EventID:   "event-1",
	}
}

func sampleID() IDClaims {
	return IDClaims{
		Subject:       "7d8ca528-4931-4254-9273-ea5ee853f271",
		Audience:      testClient,
		Username:      "alice",
		AuthTime:      t0.Add(-time.Minute),
		ExpiresAt:     t0.Add(time.Hour),
		JTI:           "jti-2",
		OriginJTI:     "origin-1",
		EventID:       "event-1",
		Nonce:         "n-0S6_WzA2Mj",
		Groups:        []string{"admins"},
		Roles:         []string{"arn:aws:iam::123456789012:role/admin"},
		PreferredRole: "arn:aws:iam::123456789012:role/admin",
		Attributes: map[string]string{
			"email":                 "alice@example.com",
			"email_verified":        "true",
			"phone_number":          "+15555550100",
			"phone_number_verified": "false",
			"custom:team":           "blue",
			"custom:age":            "42",
		},
	}
}

// rawAccessClaims are valid access-token claims at t0, for hand-made tokens.
func rawAccessClaims() map[string]any {
	return map[string]any{
		"iss": testIssuer, "sub": "u-1", "client_id": testClient, "token_use": "access",
		"iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix(), "scope": "openid",
	}
}

// rawIDClaims are valid ID-token claims at t0, for hand-made tokens.
func rawIDClaims() map[string]any {
	return map[string]any{
		"iss": testIssuer, "sub": "u-1", "aud": testClient, "token_use": "id",
		"iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix(),
	}
}

// signRaw signs claims with k using golang-jwt, with header {alg, kid}
// changed by hdr (a nil value deletes the entry).
func signRaw(t testing.TB, k Key, hdr map[string]any, claims map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(k.Algorithm.method(), jwt.MapClaims(claims))
	tok.Header = map[string]any{"alg": string(k.Algorithm), "kid": k.ID}
	maps.Copy(tok.Header, hdr)
	maps.DeleteFunc(tok.Header, func(_ string, v any) bool { return v == nil })
	s, err := tok.SignedString(k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// encodeSegment base64url-encodes v as JSON.
func encodeSegment(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodePart decodes segment i (0 header, 1 payload) of a token into a map,
// keeping numbers as json.Number.
func decodePart(t testing.TB, raw string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}
