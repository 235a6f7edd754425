package token

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzVerifyTampered: a valid token changed anywhere (bytes replaced,
// cut or inserted at any position) no longer verifies, unless the change
// left its signing input (header and payload) as it was: then the claims
// are the original ones. RS256 and EdDSA signatures are not malleable, so
// for them only the unchanged token verifies; an ES256 signature (r, s)
// has a twin (r, n-s), which is why ES256 is judged by its signing input.
func FuzzVerifyTampered(f *testing.F) {
	type issued struct {
		fx       fixture
		raw      string
		access   bool
		original any
	}
	var tokens []issued
	for _, alg := range []Algorithm{RS256, ES256, EdDSA} {
		fx := newFixture(f, alg)
		at, err := fx.issuer.IssueAccess(sampleAccess())
		if err != nil {
			f.Fatal(err)
		}
		ac, err := fx.verifier.VerifyAccess(context.Background(), at)
		if err != nil {
			f.Fatal(err)
		}
		id, err := fx.issuer.IssueID(sampleID())
		if err != nil {
			f.Fatal(err)
		}
		ic, err := fx.verifier.VerifyID(context.Background(), id)
		if err != nil {
			f.Fatal(err)
		}
		tokens = append(tokens, issued{fx, at, true, ac}, issued{fx, id, false, ic})
	}
	for i, tok := range tokens {
		dot := strings.LastIndexByte(tok.raw, '.')
		f.Add(uint8(i), uint16(0), uint8(0), "")                                   // unchanged
		f.Add(uint8(i), uint16(dot+1), uint8(1), "A")                              // first signature character
		f.Add(uint8(i), uint16(len(tok.raw)-1), uint8(1), "B")                     // last signature character
		f.Add(uint8(i), uint16(len(tok.raw)), uint8(0), "=")                       // padding
		f.Add(uint8(i), uint16(dot), uint8(0), ".")                                // a fourth segment
		f.Add(uint8(i), uint16(strings.IndexByte(tok.raw, '.')+3), uint8(2), "xy") // payload bytes
	}
	f.Fuzz(func(t *testing.T, which uint8, pos uint16, cut uint8, insert string) {
		tok := tokens[int(which)%len(tokens)]
		at := int(pos) % (len(tok.raw) + 1)
		end := min(at+int(cut), len(tok.raw))
		raw := tok.raw[:at] + insert + tok.raw[end:]

		var got any
		var err error
		if tok.access {
			got, err = tok.fx.verifier.VerifyAccess(context.Background(), raw)
		} else {
			got, err = tok.fx.verifier.VerifyID(context.Background(), raw)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("error %v does not match ErrInvalidToken", err)
			}
			return
		}
		if raw == tok.raw {
			return
		}
		signingInput := func(s string) string { return s[:strings.LastIndexByte(s, '.')] }
		if tok.fx.key.Algorithm != ES256 || signingInput(raw) != signingInput(tok.raw) {
			t.Fatalf("tampered %s token verifies:\n%s\nwas\n%s", tok.fx.key.Algorithm, raw, tok.raw)
		}
		if !reflect.DeepEqual(got, tok.original) {
			t.Fatalf("tampered token verifies with other claims %+v", got)
		}
	})
}

// signPayload signs payload, as is, with the EdDSA key k (header: alg,
// kid, typ JWT).
func signPayload(t testing.TB, k Key, payload []byte) string {
	t.Helper()
	hdr, err := json.Marshal(map[string]string{"alg": string(k.Algorithm), "kid": k.ID, "typ": "JWT"})
	if err != nil {
		t.Fatal(err)
	}
	input := base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString(payload)
	sig, err := k.Signer.Sign(rand.Reader, []byte(input), crypto.Hash(0))
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// FuzzVerifySignedClaims feeds arbitrary payloads signed by the pool's own
// key, so the claim checks and the claim mapping are reached. Whatever
// verifies is from the issuer, for the client, of the asked token_use, with
// a subject and unexpired; and its claims survive being issued again.
func FuzzVerifySignedClaims(f *testing.F) {
	fx := newFixture(f, EdDSA)
	for _, m := range []map[string]any{rawAccessClaims(), rawIDClaims()} {
		b, _ := json.Marshal(m)
		f.Add(b)
	}
	for _, tok := range []func() (string, error){
		func() (string, error) { return fx.issuer.IssueAccess(sampleAccess()) },
		func() (string, error) { return fx.issuer.IssueID(sampleID()) },
	} {
		raw, err := tok()
		if err != nil {
			f.Fatal(err)
		}
		b, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[1])
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"iss":"` + testIssuer + `","sub":"u","client_id":"` + testClient + `","token_use":"access","exp":1e300,"scope":7}`,
		`{"iss":"` + testIssuer + `","sub":"u","aud":["` + testClient + `","x"],"token_use":"id","exp":1.8e9}`,
		`{"iss":"` + testIssuer + `","sub":"","client_id":"` + testClient + `","token_use":"access","exp":1.8e9}`,
		`{"iss":"` + testIssuer + `","sub":"u","client_id":"` + testClient + `","token_use":"access","exp":1.8e9,"auth_time":-1.5,"cognito:groups":"g"}`,
		`{"iss":"` + testIssuer + `","sub":"u","aud":"` + testClient + `","token_use":"id","exp":1.8e9,"email_verified":true,"identities":[{}]}`,
		`[]`, `null`, `{"exp":"1.8e9"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		raw := signPayload(t, fx.key, payload)
		ctx := context.Background()

		ac, err := fx.verifier.VerifyAccess(ctx, raw)
		if err != nil && !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("access: error %v does not match ErrInvalidToken", err)
		}
		if err == nil {
			checkVerifiedPayload(t, payload, "access", ac.Subject, ac.ExpiresAt.Unix())
			if ac.Issuer != testIssuer || ac.ClientID != testClient {
				t.Fatalf("access token of %q for %q verifies", ac.Issuer, ac.ClientID)
			}
			if again, err := fx.issuer.IssueAccess(*ac); err == nil {
				ac2, err := fx.verifier.VerifyAccess(ctx, again)
				if err != nil {
					t.Fatalf("claims %+v issued again do not verify: %v", ac, err)
				}
				sameAccess(t, ac, ac2)
			}
		}

		ic, err := fx.verifier.VerifyID(ctx, raw)
		if err != nil && !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("id: error %v does not match ErrInvalidToken", err)
		}
		if err == nil {
			checkVerifiedPayload(t, payload, "id", ic.Subject, ic.ExpiresAt.Unix())
			if ic.Issuer != testIssuer || ic.Audience != testClient {
				t.Fatalf("id token of %q for %q verifies", ic.Issuer, ic.Audience)
			}
			if again, err := fx.issuer.IssueID(*ic); err == nil {
				ic2, err := fx.verifier.VerifyID(ctx, again)
				if err != nil {
					t.Fatalf("claims %+v issued again do not verify: %v", ic, err)
				}
				sameID(t, ic, ic2)
			}
		}
	})
}

// checkVerifiedPayload checks a verified payload independently of the
// verifier: a JSON object with the right token_use and a string sub equal
// to the one returned, which expires after now.
func checkVerifiedPayload(t *testing.T, payload []byte, use, sub string, exp int64) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatalf("a payload that is not a JSON object verifies: %q", payload)
	}
	if m["token_use"] != use {
		t.Fatalf("token_use %v verifies as %s", m["token_use"], use)
	}
	if s, ok := m["sub"].(string); !ok || s == "" || s != sub {
		t.Fatalf("sub %v verifies as %q", m["sub"], sub)
	}
	if exp < t0.Unix() {
		t.Fatalf("expired token verifies: exp %d", exp)
	}
}

// sameAccess compares access claims as they survive signing: times to the
// second, empty lists and maps as absent.
func sameAccess(t *testing.T, a, b *AccessClaims) {
	t.Helper()
	type view struct {
		Fields []string
		Lists  [][]string
		Times  []int64
		Extra  map[string]any
	}
	v := func(c *AccessClaims) view {
		return view{
			[]string{c.Issuer, c.Subject, c.ClientID, c.Username, c.JTI, c.OriginJTI, c.EventID, c.DeviceKey},
			[][]string{orNil(c.Scopes), orNil(c.Groups)},
			[]int64{secs(c.AuthTime), c.ExpiresAt.Unix()},
			extraOrNil(c.Extra),
		}
	}
	if va, vb := v(a), v(b); !reflect.DeepEqual(va, vb) {
		t.Fatalf("access claims changed when issued again:\n%+v\n%+v", va, vb)
	}
}

func sameID(t *testing.T, a, b *IDClaims) {
	t.Helper()
	type view struct {
		Fields []string
		Lists  [][]string
		Times  []int64
		Attrs  map[string]string
		Extra  map[string]any
	}
	v := func(c *IDClaims) view {
		attrs := maps.Clone(c.Attributes)
		if len(attrs) == 0 {
			attrs = nil
		}
		return view{
			[]string{c.Issuer, c.Subject, c.Audience, c.Username, c.JTI, c.OriginJTI, c.EventID, c.Nonce, c.PreferredRole},
			[][]string{orNil(c.Groups), orNil(c.Roles)},
			[]int64{secs(c.AuthTime), c.ExpiresAt.Unix()},
			attrs,
			extraOrNil(c.Extra),
		}
	}
	if va, vb := v(a), v(b); !reflect.DeepEqual(va, vb) {
		t.Fatalf("id claims changed when issued again:\n%+v\n%+v", va, vb)
	}
}

func orNil(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func extraOrNil(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return m
}

// secs is t in Unix seconds, 0 for the zero time (an absent claim).
func secs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// FuzzParseJWKS: a JWKS body from the network never panics the parser,
// and every key it keeps has a kid used by exactly one entry, is a
// supported signature key of the algorithm it is kept for, and is the key
// that entry describes.
func FuzzParseJWKS(f *testing.F) {
	keys := testKeys()
	ks, err := NewKeySet(keys[RS256], keys[ES256], keys[EdDSA])
	if err != nil {
		f.Fatal(err)
	}
	doc, err := json.Marshal(ks.JWKS(t0))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(doc)
	for _, s := range []string{
		`{"keys":[]}`, `{}`, `{"keys":null}`, `[]`,
		`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`,
		`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},{"kid":"a"}]}`,
		`{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB","alg":"RS256"}]}`,
		`{"keys":[{"kty":"EC","crv":"P-256","kid":"e","x":"` + strings.Repeat("A", 43) + `","y":"` + strings.Repeat("A", 43) + `"}]}`,
		`{"keys":[1,"x",null,{"kid":7}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := parseJWKS(body)
		if err != nil {
			return
		}
		var doc struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("parsed a body that is not a JWKS: %v", err)
		}
		for kid, k := range got {
			var entries []JWK
			for _, raw := range doc.Keys {
				var j JWK
				if json.Unmarshal(raw, &j) == nil && j.Kid == kid {
					entries = append(entries, j)
				}
			}
			if kid == "" || len(entries) != 1 {
				t.Fatalf("kept kid %q described by %d entries", kid, len(entries))
			}
			if !slices.Contains([]Algorithm{RS256, ES256, EdDSA}, k.alg) || !publicKeyFits(k.pub, k.alg) {
				t.Fatalf("kept kid %q as an unusable %s key %T", kid, k.alg, k.pub)
			}
			pub, alg, err := entries[0].PublicKey()
			if err != nil || alg != k.alg || !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(k.pub) {
				t.Fatalf("kept kid %q as another key than its entry describes (%v)", kid, err)
			}
			// What is kept can be published again and read back the same.
			j, err := newJWK(kid, k.alg, k.pub)
			if err != nil {
				t.Fatalf("kept kid %q cannot be published: %v", kid, err)
			}
			if again, alg, err := j.PublicKey(); err != nil || alg != k.alg || !again.(interface{ Equal(crypto.PublicKey) bool }).Equal(k.pub) {
				t.Fatalf("kept kid %q does not survive publishing (%v)", kid, err)
			}
		}
	})
}
