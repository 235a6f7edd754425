package token

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestNewVerifierConfig(t *testing.T) {
	ks := mustKeySet(t, testKeys()[RS256])
	base := func() VerifierConfig {
		return VerifierConfig{Issuer: testIssuer, Keys: ks, ClientIDs: []string{testClient}}
	}
	tests := []struct {
		name string
		mod  func(*VerifierConfig)
		ok   bool
	}{
		{"the defaults are accepted", func(*VerifierConfig) {}, true},
		{"a leeway of 60s is accepted", func(c *VerifierConfig) { c.Leeway = 60 * time.Second }, true},
		{"a leeway over 60s is refused", func(c *VerifierConfig) { c.Leeway = 61 * time.Second }, false},
		{"a negative leeway is refused", func(c *VerifierConfig) { c.Leeway = -time.Second }, false},
		{"no issuer is refused", func(c *VerifierConfig) { c.Issuer = "" }, false},
		{"no key source is refused", func(c *VerifierConfig) { c.Keys = nil }, false},
		{"a nil key set is refused", func(c *VerifierConfig) { c.Keys = (*KeySet)(nil) }, false},
		{"no client ids are refused", func(c *VerifierConfig) { c.ClientIDs = nil }, false},
		{"an empty client id is refused", func(c *VerifierConfig) { c.ClientIDs = []string{""} }, false},
		{"skipping the client check without ids is accepted", func(c *VerifierConfig) { c.ClientIDs, c.SkipClientIDCheck = nil, true }, true},
		{"skipping the client check with ids is refused", func(c *VerifierConfig) { c.SkipClientIDCheck = true }, false},
		{"a subset of algorithms is accepted", func(c *VerifierConfig) { c.Algorithms = []Algorithm{ES256} }, true},
		{"an empty algorithm list is refused", func(c *VerifierConfig) { c.Algorithms = []Algorithm{} }, false},
		{"none is refused", func(c *VerifierConfig) { c.Algorithms = []Algorithm{"none"} }, false},
		{"HS256 is refused", func(c *VerifierConfig) { c.Algorithms = []Algorithm{RS256, "HS256"} }, false},
		{"PS256 is refused", func(c *VerifierConfig) { c.Algorithms = []Algorithm{"PS256"} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base()
			tt.mod(&cfg)
			_, err := NewVerifier(cfg)
			if tt.ok != (err == nil) {
				t.Fatalf("err %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrConfig) {
				t.Fatalf("err %v, want ErrConfig", err)
			}
		})
	}
}

// countingServer counts every request, to prove nothing is fetched.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "no", http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestVerifyRefusesAttacks(t *testing.T) {
	f := newFixture(t, RS256)
	rs := f.key
	attacker := otherKeys()[RS256]
	attackerOurKid := withID(attacker, rs.ID)
	srv, hits := countingServer(t)

	good, err := f.issuer.IssueAccess(sampleAccess())
	if err != nil {
		t.Fatal(err)
	}
	goodID, err := f.issuer.IssueID(sampleID())
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	payload := parts[1]

	with := func(mod func(map[string]any)) map[string]any {
		c := rawAccessClaims()
		mod(c)
		return c
	}
	unsigned := func(alg string) string {
		return encodeSegment(t, map[string]any{"alg": alg, "kid": rs.ID}) + "." + payload + "."
	}
	hmacWith := func(secret []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(rawAccessClaims()))
		tok.Header["kid"] = rs.ID
		s, err := tok.SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	pubDER, err := x509.MarshalPKIXPublicKey(rs.Signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	jwkJSON, _ := json.Marshal(f.keys.JWKS(t0).Keys[0])
	attackerJWK, err := newJWK(attacker.ID, RS256, attacker.Signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	esKey := testKeys()[ES256]
	esWithRSAKid := withID(esKey, rs.ID)

	tests := []struct {
		name string
		raw  string
		id   bool // verify as an ID token
		want error
	}{
		{"alg none is refused", func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims(rawAccessClaims()))
			tok.Header["kid"] = rs.ID
			s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}(), false, ErrAlgorithm},
		{"alg None is refused", unsigned("None"), false, ErrAlgorithm},
		{"alg NONE is refused", unsigned("NONE"), false, ErrAlgorithm},
		{"a missing alg is refused", encodeSegment(t, map[string]any{"kid": rs.ID}) + "." + payload + "." + parts[2], false, ErrAlgorithm},
		{"an empty signature is refused", parts[0] + "." + parts[1] + ".", false, ErrSignature},
		{"a signature from another token is refused", parts[0] + "." + strings.Split(goodID, ".")[1] + "." + parts[2], false, ErrSignature},
		{"a signature with a line break inserted is refused (found by FuzzVerifyTampered)", parts[0] + "." + parts[1] + "." + parts[2][:10] + "\r\n" + parts[2][10:], false, ErrMalformed},
		{"a tampered payload is refused", parts[0] + "." + encodeSegment(t, with(func(c map[string]any) { c["sub"] = "admin" })) + "." + parts[2], false, ErrSignature},
		{"HS256 signed with the public key PEM is refused", hmacWith(pubPEM), false, ErrAlgorithm},
		{"HS256 signed with the public key DER is refused", hmacWith(pubDER), false, ErrAlgorithm},
		{"HS256 signed with the JWK is refused", hmacWith(jwkJSON), false, ErrAlgorithm},
		{"PS256 with our RSA key is refused", func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodPS256, jwt.MapClaims(rawAccessClaims()))
			tok.Header["kid"] = rs.ID
			s, err := tok.SignedString(rs.Signer)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}(), false, ErrAlgorithm},
		{"an ES256 token naming our RS256 key is refused", signRaw(t, esWithRSAKid, nil, rawAccessClaims()), false, ErrAlgorithm},
		{"an unknown kid is refused", signRaw(t, attacker, nil, rawAccessClaims()), false, ErrUnknownKey},
		{"a missing kid is refused", signRaw(t, rs, map[string]any{"kid": nil}, rawAccessClaims()), false, ErrUnknownKey},
		{"an empty kid is refused", signRaw(t, withID(rs, ""), nil, rawAccessClaims()), false, ErrUnknownKey},
		{"a numeric kid is refused", signRaw(t, rs, map[string]any{"kid": 1}, rawAccessClaims()), false, ErrUnknownKey},
		{"a path kid is refused", signRaw(t, withID(rs, "../../etc/passwd"), nil, rawAccessClaims()), false, ErrUnknownKey},
		{"an sql kid is refused", signRaw(t, withID(rs, "' OR 1=1 --"), nil, rawAccessClaims()), false, ErrUnknownKey},
		{"our kid signed by another key is refused", signRaw(t, attackerOurKid, nil, rawAccessClaims()), false, ErrSignature},
		{"an embedded jwk of the signer is not trusted", signRaw(t, attacker, map[string]any{"jwk": attackerJWK}, rawAccessClaims()), false, ErrUnknownKey},
		{"an embedded jwk with our kid is not trusted", signRaw(t, attackerOurKid, map[string]any{"jwk": attackerJWK}, rawAccessClaims()), false, ErrSignature},
		{"a jku header is not fetched", signRaw(t, attacker, map[string]any{"jku": srv.URL + "/jwks.json"}, rawAccessClaims()), false, ErrUnknownKey},
		{"an x5u header is not fetched", signRaw(t, attacker, map[string]any{"x5u": srv.URL + "/cert.pem"}, rawAccessClaims()), false, ErrUnknownKey},
		{"a typ other than JWT is refused", signRaw(t, rs, map[string]any{"typ": "logout+jwt"}, rawAccessClaims()), false, ErrMalformed},
		{"a crit header is refused", signRaw(t, rs, map[string]any{"crit": []string{"exp"}}, rawAccessClaims()), false, ErrMalformed},
		{"an expired token is refused", signRaw(t, rs, nil, with(func(c map[string]any) { c["exp"] = t0.Add(-time.Second).Unix() })), false, ErrExpired},
		{"a token expiring right now is refused", signRaw(t, rs, nil, with(func(c map[string]any) { c["exp"] = t0.Unix() })), false, ErrExpired},
		{"a token without exp is refused", signRaw(t, rs, nil, with(func(c map[string]any) { delete(c, "exp") })), false, ErrMalformed},
		{"a string exp is refused", signRaw(t, rs, nil, with(func(c map[string]any) { c["exp"] = "2099-01-01" })), false, ErrMalformed},
		{"nbf in the future is refused", signRaw(t, rs, nil, with(func(c map[string]any) { c["nbf"] = t0.Add(time.Second).Unix() })), false, ErrNotYetValid},
		{"iat in the future is refused", signRaw(t, rs, nil, with(func(c map[string]any) { c["iat"] = t0.Add(time.Minute).Unix() })), false, ErrNotYetValid},
		{"a wrong issuer is refused", signRaw(t, rs, nil, with(func(c map[string]any) { c["iss"] = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_OTHER" })), false, ErrIssuer},
		{"an issuer with a trailing slash is refused", signRaw(t, rs, nil, with(func(c map[string]any) { c["iss"] = testIssuer + "/" })), false, ErrIssuer},
		{"a missing issuer is refused", signRaw(t, rs, nil, with(func(c map[string]any) { delete(c, "iss") })), false, ErrIssuer},
		{"a wrong client_id is refused", signRaw(t, rs, nil, with(func(c map[string]any) { c["client_id"] = "other-client" })), false, ErrAudience},
		{"a missing client_id is refused", signRaw(t, rs, nil, with(func(c map[string]any) { delete(c, "client_id") })), false, ErrAudience},
		{"an aud does not stand in for client_id", signRaw(t, rs, nil, with(func(c map[string]any) { delete(c, "client_id"); c["aud"] = testClient })), false, ErrAudience},
		{"an id token is refused as an access token", goodID, false, ErrTokenUse},
		{"an access token is refused as an id token", good, true, ErrTokenUse},
		{"a token without token_use is refused", signRaw(t, rs, nil, with(func(c map[string]any) { delete(c, "token_use") })), false, ErrTokenUse},
		{"a wrong aud is refused", signRaw(t, rs, nil, func() map[string]any { c := rawIDClaims(); c["aud"] = "other-client"; return c }()), true, ErrAudience},
		{"a missing aud is refused", signRaw(t, rs, nil, func() map[string]any { c := rawIDClaims(); delete(c, "aud"); return c }()), true, ErrAudience},
		{"several audiences are refused", signRaw(t, rs, nil, func() map[string]any { c := rawIDClaims(); c["aud"] = []string{testClient, "other"}; return c }()), true, ErrAudience},
		{"a client_id does not stand in for aud", signRaw(t, rs, nil, func() map[string]any { c := rawIDClaims(); delete(c, "aud"); c["client_id"] = testClient; return c }()), true, ErrAudience},
		{"a token without sub is refused", signRaw(t, rs, nil, with(func(c map[string]any) { delete(c, "sub") })), false, ErrMalformed},
		{"an id token without sub is refused", signRaw(t, rs, nil, func() map[string]any { c := rawIDClaims(); c["sub"] = ""; return c }()), true, ErrMalformed},
		{"a numeric scope is refused", signRaw(t, rs, nil, with(func(c map[string]any) { c["scope"] = 7 })), false, ErrMalformed},
		{"groups that are not strings are refused", signRaw(t, rs, nil, with(func(c map[string]any) { c["cognito:groups"] = []any{"a", 1} })), false, ErrMalformed},
		{"a 1 MB token is refused", strings.Repeat("a", 1<<20), false, ErrMalformed},
		{"a token just over 16 KiB is refused", parts[0] + "." + strings.Repeat("A", MaxTokenSize) + "." + parts[2], false, ErrMalformed},
		{"a string of dots is refused", "....", false, ErrMalformed},
		{"a million dots are refused", strings.Repeat(".", 1<<20), false, ErrMalformed},
		{"two dots are refused", "..", false, ErrMalformed},
		{"an empty string is refused", "", false, ErrMalformed},
		{"padded base64 is refused", parts[0] + "=." + parts[1] + "." + parts[2], false, ErrMalformed},
		{"a header that is not json is refused", base64.RawURLEncoding.EncodeToString([]byte("{")) + "." + parts[1] + "." + parts[2], false, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.id {
				_, err = f.verifier.VerifyID(context.Background(), tt.raw)
			} else {
				_, err = f.verifier.VerifyAccess(context.Background(), tt.raw)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("err %v does not match ErrInvalidToken", err)
			}
		})
	}
	if hits.Load() != 0 {
		t.Fatalf("the verifier fetched %d urls named by tokens", hits.Load())
	}
}

func TestVerifyIgnoresKeyURLHeadersOnOurTokens(t *testing.T) {
	f := newFixture(t, RS256)
	srv, hits := countingServer(t)
	attackerJWK, err := newJWK("evil", RS256, otherKeys()[RS256].Signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	raw := signRaw(t, f.key, map[string]any{
		"jku": srv.URL + "/jwks.json", "x5u": srv.URL + "/cert.pem", "jwk": attackerJWK, "x5c": []string{"MIIB"},
	}, rawAccessClaims())
	if _, err := f.verifier.VerifyAccess(context.Background(), raw); err != nil {
		t.Fatalf("a token signed by our key with ignored headers: %v", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("fetched %d urls", hits.Load())
	}
}

func TestVerifyLeeway(t *testing.T) {
	const leeway = 30 * time.Second
	f := newFixture(t, ES256, func(c *VerifierConfig) { c.Leeway = leeway })
	tests := []struct {
		name string
		mod  func(map[string]any)
		want error
	}{
		{"a token expired within the leeway is accepted", func(c map[string]any) { c["exp"] = t0.Add(-29 * time.Second).Unix() }, nil},
		{"a token expired exactly the leeway ago is refused", func(c map[string]any) { c["exp"] = t0.Add(-leeway).Unix() }, ErrExpired},
		{"a token expired beyond the leeway is refused", func(c map[string]any) { c["exp"] = t0.Add(-31 * time.Second).Unix() }, ErrExpired},
		{"nbf within the leeway is accepted", func(c map[string]any) { c["nbf"] = t0.Add(leeway).Unix() }, nil},
		{"nbf beyond the leeway is refused", func(c map[string]any) { c["nbf"] = t0.Add(leeway + time.Second).Unix() }, ErrNotYetValid},
		{"iat within the leeway is accepted", func(c map[string]any) { c["iat"] = t0.Add(leeway).Unix() }, nil},
		{"iat beyond the leeway is refused", func(c map[string]any) { c["iat"] = t0.Add(leeway + time.Second).Unix() }, ErrNotYetValid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := rawAccessClaims()
			tt.mod(c)
			_, err := f.verifier.VerifyAccess(context.Background(), signRaw(t, f.key, nil, c))
			if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyAlgorithmAllowlist(t *testing.T) {
	keys := testKeys()
	ks := mustKeySet(t, keys[RS256], keys[ES256], keys[EdDSA])
	v, err := NewVerifier(VerifierConfig{Issuer: testIssuer, Keys: ks, ClientIDs: []string{testClient}, Algorithms: []Algorithm{ES256}, Now: at(t0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []Algorithm{RS256, ES256, EdDSA} {
		t.Run(string(alg)+" is accepted only if listed", func(t *testing.T) {
			_, err := v.VerifyAccess(context.Background(), signRaw(t, keys[alg], nil, rawAccessClaims()))
			if alg == ES256 && err != nil {
				t.Fatal(err)
			}
			if alg != ES256 && !errors.Is(err, ErrAlgorithm) {
				t.Fatalf("err %v", err)
			}
		})
	}
}

func TestVerifyClientIDs(t *testing.T) {
	f := newFixture(t, EdDSA, func(c *VerifierConfig) { c.ClientIDs = []string{"a", testClient} })
	skip := newFixture(t, EdDSA, func(c *VerifierConfig) { c.ClientIDs, c.SkipClientIDCheck = nil, true })
	other := sampleAccess()
	other.ClientID = "someone-else"
	raw, err := f.issuer.IssueAccess(other)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		v    *Verifier
		raw  string
		want error
	}{
		{"any listed client is accepted", f.verifier, mustIssue(t, f.issuer, sampleAccess()), nil},
		{"an unlisted client is refused", f.verifier, raw, ErrAudience},
		{"with the check skipped any client is accepted", skip.verifier, raw, nil},
		{"with the check skipped client_id is still required", skip.verifier, signRaw(t, skip.key, nil, func() map[string]any {
			c := rawAccessClaims()
			delete(c, "client_id")
			return c
		}()), ErrAudience},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.v.VerifyAccess(context.Background(), tt.raw)
			if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
		})
	}
}

func mustIssue(t testing.TB, iss *Issuer, c AccessClaims) string {
	t.Helper()
	raw, err := iss.IssueAccess(c)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// failingSource is a KeySource that cannot answer.
type failingSource struct{ err error }

func (s failingSource) VerificationKey(context.Context, string, time.Time) (crypto.PublicKey, Algorithm, error) {
	return nil, "", s.err
}

// nilKeySource returns a key of the right algorithm but nil.
type nilKeySource struct{}

func (nilKeySource) VerificationKey(context.Context, string, time.Time) (crypto.PublicKey, Algorithm, error) {
	return nil, RS256, nil
}

func TestVerifyWithAFailingKeySource(t *testing.T) {
	raw := mustIssue(t, newFixture(t, RS256).issuer, sampleAccess())
	tests := []struct {
		name   string
		source KeySource
		want   []error
	}{
		{"a source error is an invalid token that keeps its cause", failingSource{context.Canceled}, []error{ErrInvalidToken, context.Canceled}},
		{"a source answering unknown key is ErrUnknownKey", failingSource{ErrUnknownKey}, []error{ErrUnknownKey}},
		{"a source returning a nil key is refused without panic", nilKeySource{}, []error{ErrUnknownKey}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(VerifierConfig{Issuer: testIssuer, Keys: tt.source, ClientIDs: []string{testClient}, Now: at(t0)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.VerifyAccess(context.Background(), raw)
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Fatalf("err %v does not match %v", err, w)
				}
			}
		})
	}
}

func TestHugeInputsAreRefusedCheaply(t *testing.T) {
	f := newFixture(t, RS256)
	inputs := map[string]string{
		"1 MB of letters": strings.Repeat("a", 1<<20),
		"1 MB of dots":    strings.Repeat(".", 1<<20),
		"16 KiB of dots":  strings.Repeat(".", MaxTokenSize),
	}
	for name, raw := range inputs {
		t.Run(name+" is refused with bounded memory", func(t *testing.T) {
			const runs = 20
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range runs {
				if _, err := f.verifier.VerifyAccess(context.Background(), raw); !errors.Is(err, ErrMalformed) {
					t.Fatalf("err %v", err)
				}
			}
			runtime.ReadMemStats(&after)
			if perCall := (after.TotalAlloc - before.TotalAlloc) / runs; perCall > 4<<10 {
				t.Fatalf("%d bytes allocated per call", perCall)
			}
		})
	}
}

// FuzzVerify never panics, and whatever it accepts was signed with an
// allowed algorithm by a key of the set.
func FuzzVerify(f *testing.F) {
	keys := testKeys()
	ks, err := NewKeySet(keys[RS256], keys[ES256], keys[EdDSA])
	if err != nil {
		f.Fatal(err)
	}
	iss, err := NewIssuer(IssuerConfig{Issuer: testIssuer, Keys: ks, Now: at(t0)})
	if err != nil {
		f.Fatal(err)
	}
	allowed := []Algorithm{RS256, EdDSA}
	v, err := NewVerifier(VerifierConfig{Issuer: testIssuer, Keys: ks, ClientIDs: []string{testClient}, Algorithms: allowed, Now: at(t0)})
	if err != nil {
		f.Fatal(err)
	}
	for _, alg := range []Algorithm{RS256, ES256, EdDSA} {
		f.Add(signRaw(f, keys[alg], nil, rawAccessClaims()))
		f.Add(signRaw(f, keys[alg], nil, rawIDClaims()))
	}
	good, _ := iss.IssueAccess(sampleAccess())
	goodID, _ := iss.IssueID(sampleID())
	p := strings.Split(good, ".")
	for _, s := range []string{
		good, goodID, p[0] + "." + p[1] + ".", "....", "", "a.b.c",
		encodeSegment(f, map[string]any{"alg": "none"}) + "." + p[1] + ".",
		encodeSegment(f, map[string]any{"alg": "HS256", "kid": keys[RS256].ID}) + "." + p[1] + "." + p[2],
		signRaw(f, withID(otherKeys()[RS256], keys[RS256].ID), nil, rawAccessClaims()),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, verify := range []func() error{
			func() error { _, err := v.VerifyAccess(context.Background(), raw); return err },
			func() error { _, err := v.VerifyID(context.Background(), raw); return err },
		} {
			err := verify()
			if err != nil {
				if !errors.Is(err, ErrInvalidToken) {
					t.Fatalf("error %v does not match ErrInvalidToken", err)
				}
				continue
			}
			hdr := strings.SplitN(raw, ".", 2)[0]
			b, err := base64.RawURLEncoding.DecodeString(hdr)
			if err != nil {
				t.Fatalf("accepted a token whose header does not decode: %v", err)
			}
			var h struct {
				Alg string `json:"alg"`
				Kid string `json:"kid"`
			}
			if err := json.Unmarshal(b, &h); err != nil {
				t.Fatalf("accepted a token whose header is not json: %v", err)
			}
			if !slices.Contains(allowed, Algorithm(h.Alg)) {
				t.Fatalf("accepted alg %q", h.Alg)
			}
			if _, alg, err := ks.VerificationKey(context.Background(), h.Kid, t0); err != nil || string(alg) != h.Alg {
				t.Fatalf("accepted kid %q alg %q", h.Kid, h.Alg)
			}
		}
	})
}
