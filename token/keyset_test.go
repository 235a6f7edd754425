package token

import (
	"context"
	"crypto/ed25519"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

func keyIDs(keys []Key) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.ID
	}
	return out
}

func withID(k Key, id string) Key { k.ID = id; return k }

func TestNewKeySetValidation(t *testing.T) {
	rs, es := testKeys()[RS256], testKeys()[ES256]
	tests := []struct {
		name string
		keys []Key
		want error
	}{
		{"an empty set is fine", nil, nil},
		{"keys of every algorithm are fine", []Key{rs, es, testKeys()[EdDSA]}, nil},
		{"duplicate ids are refused", []Key{withID(rs, "a"), withID(es, "a")}, ErrInvalidKey},
		{"an empty id is refused", []Key{withID(rs, "")}, ErrInvalidKey},
		{"a nil signer is refused", []Key{{ID: "a", Algorithm: RS256}}, ErrInvalidKey},
		{"a signer of another algorithm is refused", []Key{{ID: "a", Algorithm: ES256, Signer: rs.Signer}}, ErrInvalidKey},
		{"an unknown algorithm is refused", []Key{{ID: "a", Algorithm: "HS256", Signer: rs.Signer}}, ErrInvalidKey},
		{"a truncated ed25519 key is refused", []Key{{ID: "a", Algorithm: EdDSA, Signer: ed25519.PrivateKey{1}}}, ErrInvalidKey},
		{"active before published is refused", []Key{{ID: "a", Algorithm: RS256, Signer: rs.Signer, Published: t0, Active: t0.Add(-1)}}, ErrInvalidKey},
		{"retired before active is refused", []Key{{ID: "a", Algorithm: RS256, Signer: rs.Signer, Active: t0, Retired: t0.Add(-1)}}, ErrInvalidKey},
		{"expires before retired is refused", []Key{{ID: "a", Algorithm: RS256, Signer: rs.Signer, Retired: t0, Expires: t0.Add(-1)}}, ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewKeySet(tt.keys...)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
		})
	}
}

func TestKeysAreOrderedByPublishedThenID(t *testing.T) {
	rs, es, ed := testKeys()[RS256], testKeys()[ES256], testKeys()[EdDSA]
	a := withID(rs, "b")
	a.Published, a.Active = t0, t0
	b := withID(es, "a")
	b.Published, b.Active = t0, t0
	c := withID(ed, "z")
	s, err := NewKeySet(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add(c); err != nil {
		t.Fatal(err)
	}
	if got := keyIDs(s.Keys()); !slices.Equal(got, []string{"z", "a", "b"}) {
		t.Fatalf("order %v", got)
	}
	if err := s.Add(withID(ed, "a")); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("adding a duplicate id: %v", err)
	}
	keys := s.Keys()
	keys[0].ID = "changed"
	if s.Keys()[0].ID != "z" {
		t.Fatal("Keys does not return a copy")
	}
}

func TestSigningKey(t *testing.T) {
	rs, es := testKeys()[RS256], testKeys()[ES256]
	old := withID(rs, "old")
	newer := withID(es, "new")
	newer.Published, newer.Active = t0, t0.Add(time.Hour)
	old.Retired, old.Expires = t0.Add(time.Hour), t0.Add(3*time.Hour)
	s, err := NewKeySet(old, newer)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		now  time.Time
		want string
	}{
		{"before the new key is active the old key signs", t0, "old"},
		{"a nanosecond before activation the old key signs", t0.Add(time.Hour - 1), "old"},
		{"at activation the new key signs", t0.Add(time.Hour), "new"},
		{"long after the new key signs", t0.Add(100 * time.Hour), "new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := s.SigningKey(tt.now)
			if err != nil || k.ID != tt.want {
				t.Fatalf("got %q, %v; want %q", k.ID, err, tt.want)
			}
		})
	}

	t.Run("with only retired keys there is no signing key", func(t *testing.T) {
		s, err := NewKeySet(old)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SigningKey(t0.Add(time.Hour)); !errors.Is(err, ErrNoSigningKey) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("an empty set has no signing key", func(t *testing.T) {
		s, _ := NewKeySet()
		if _, err := s.SigningKey(t0); !errors.Is(err, ErrNoSigningKey) {
			t.Fatalf("err %v", err)
		}
	})
}

func TestRotate(t *testing.T) {
	const (
		ahead    = time.Hour
		lifetime = 2 * time.Hour
	)
	a := withID(testKeys()[RS256], "a")
	s, err := NewKeySet(a)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := NewIssuer(IssuerConfig{Issuer: testIssuer, Keys: s, Now: at(t0)})
	if err != nil {
		t.Fatal(err)
	}
	verifierAt := func(now time.Time) *Verifier {
		v, err := NewVerifier(VerifierConfig{Issuer: testIssuer, Keys: s, ClientIDs: []string{testClient}, Now: at(now)})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	changed, err := s.Rotate(withID(testKeys()[ES256], "b"), t0, ahead, lifetime)
	if err != nil {
		t.Fatal(err)
	}
	if got := keyIDs(changed); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("rotate returned %v", got)
	}
	ra, rb := changed[0], changed[1]
	if !ra.Retired.Equal(t0.Add(ahead)) || !ra.Expires.Equal(t0.Add(ahead+lifetime)) {
		t.Fatalf("old key retired %s expires %s", ra.Retired, ra.Expires)
	}
	if !rb.Published.Equal(t0) || !rb.Active.Equal(t0.Add(ahead)) || !rb.Retired.IsZero() || !rb.Expires.IsZero() {
		t.Fatalf("new key %+v", rb)
	}
	if !slices.EqualFunc(s.Keys(), []Key{ra, rb}, func(x, y Key) bool { return x == y }) {
		t.Fatal("the set does not hold what Rotate returned")
	}

	t.Run("the next key is in the JWKS before it signs", func(t *testing.T) {
		if got := jwksIDs(s.JWKS(t0)); !slices.Equal(got, []string{"a", "b"}) {
			t.Fatalf("jwks at rotation %v", got)
		}
		if k, _ := s.SigningKey(t0); k.ID != "a" {
			t.Fatalf("signing with %q right after rotation", k.ID)
		}
	})

	// A token signed by the old key just before it retires, with the
	// longest lifetime.
	signedAt := t0.Add(ahead - time.Second)
	iss.now = at(signedAt)
	c := sampleAccess()
	c.IssuedAt, c.ExpiresAt = signedAt, signedAt.Add(lifetime)
	oldToken, err := iss.IssueAccess(c)
	if err != nil {
		t.Fatal(err)
	}
	if kid := decodePart(t, oldToken, 0)["kid"]; kid != "a" {
		t.Fatalf("signed by %v before activation", kid)
	}

	t.Run("the signing key switches at Active", func(t *testing.T) {
		iss.now = at(t0.Add(ahead))
		c := sampleAccess()
		c.IssuedAt, c.ExpiresAt = t0.Add(ahead), t0.Add(ahead+time.Hour)
		raw, err := iss.IssueAccess(c)
		if err != nil {
			t.Fatal(err)
		}
		if kid := decodePart(t, raw, 0)["kid"]; kid != "b" {
			t.Fatalf("signed by %v at activation", kid)
		}
		if _, err := verifierAt(t0.Add(ahead)).VerifyAccess(context.Background(), raw); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("the old key keeps verifying until its tokens expire", func(t *testing.T) {
		if _, err := verifierAt(signedAt.Add(lifetime-time.Second)).VerifyAccess(context.Background(), oldToken); err != nil {
			t.Fatal(err)
		}
		if got := jwksIDs(s.JWKS(ra.Expires.Add(-1))); !slices.Equal(got, []string{"a", "b"}) {
			t.Fatalf("jwks just before expiry %v", got)
		}
	})

	t.Run("the old key leaves the JWKS and verification at Expires", func(t *testing.T) {
		if got := jwksIDs(s.JWKS(ra.Expires)); !slices.Equal(got, []string{"b"}) {
			t.Fatalf("jwks at expiry %v", got)
		}
		if _, _, err := s.VerificationKey(context.Background(), "a", ra.Expires); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("old key at expiry: %v", err)
		}
	})

	t.Run("the old key refuses to sign a token outliving it", func(t *testing.T) {
		iss.now = at(signedAt)
		c := sampleAccess()
		c.IssuedAt, c.ExpiresAt = signedAt, ra.Expires.Add(time.Second)
		if _, err := iss.IssueAccess(c); !errors.Is(err, ErrInvalidClaims) {
			t.Fatalf("err %v", err)
		}
	})

	t.Run("prune removes exactly the expired keys", func(t *testing.T) {
		if got := s.Prune(ra.Expires.Add(-1)); got != nil {
			t.Fatalf("pruned early: %v", keyIDs(got))
		}
		got := s.Prune(ra.Expires)
		if !slices.Equal(keyIDs(got), []string{"a"}) || !slices.Equal(keyIDs(s.Keys()), []string{"b"}) {
			t.Fatalf("pruned %v, kept %v", keyIDs(got), keyIDs(s.Keys()))
		}
	})
}

func TestRotateTwiceBeforeActivation(t *testing.T) {
	s, err := NewKeySet(withID(testKeys()[RS256], "a"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rotate(withID(testKeys()[ES256], "b"), t0, time.Hour, time.Hour); err != nil {
		t.Fatal(err)
	}
	changed, err := s.Rotate(withID(testKeys()[EdDSA], "c"), t0.Add(10*time.Minute), time.Hour, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// a retires at t0+1h as planned (before c activates), so only the
	// pending b changes.
	if got := keyIDs(changed); !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("changed %v", got)
	}
	tests := []struct {
		now  time.Time
		want string
	}{
		{t0.Add(59 * time.Minute), "a"},
		{t0.Add(65 * time.Minute), "b"},
		{t0.Add(70 * time.Minute), "c"},
	}
	for _, tt := range tests {
		if k, err := s.SigningKey(tt.now); err != nil || k.ID != tt.want {
			t.Fatalf("at %s signing with %q (%v), want %q", tt.now, k.ID, err, tt.want)
		}
	}
}

func TestRotateErrors(t *testing.T) {
	s, err := NewKeySet(withID(testKeys()[RS256], "a"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name            string
		next            Key
		ahead, lifetime time.Duration
		want            error
	}{
		{"a negative publish-ahead is refused", withID(testKeys()[ES256], "b"), -time.Second, time.Hour, ErrConfig},
		{"a zero token lifetime is refused", withID(testKeys()[ES256], "b"), time.Hour, 0, ErrConfig},
		{"a next key reusing an id is refused", withID(testKeys()[ES256], "a"), time.Hour, time.Hour, ErrInvalidKey},
		{"a next key without signer is refused", Key{ID: "b", Algorithm: ES256}, time.Hour, time.Hour, ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Rotate(tt.next, t0, tt.ahead, tt.lifetime); !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if got := keyIDs(s.Keys()); !slices.Equal(got, []string{"a"}) {
				t.Fatalf("a failed rotation changed the set: %v", got)
			}
			if k := s.Keys()[0]; !k.Retired.IsZero() {
				t.Fatal("a failed rotation retired the key")
			}
		})
	}
}

func TestVerificationKeyWindow(t *testing.T) {
	k := withID(testKeys()[RS256], "k")
	k.Published, k.Active, k.Expires = t0, t0, t0.Add(time.Hour)
	s, err := NewKeySet(k)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		kid  string
		now  time.Time
		ok   bool
	}{
		{"a key is unknown before it is published", "k", t0.Add(-1), false},
		{"a key verifies from Published", "k", t0, true},
		{"a key verifies just before Expires", "k", t0.Add(time.Hour - 1), true},
		{"a key is unknown from Expires", "k", t0.Add(time.Hour), false},
		{"a path as kid is unknown", "../../etc/passwd", t0, false},
		{"sql as kid is unknown", "' OR 1=1 --", t0, false},
		{"an empty kid is unknown", "", t0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub, alg, err := s.VerificationKey(context.Background(), tt.kid, tt.now)
			if tt.ok != (err == nil) {
				t.Fatalf("err %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("err %v, want ErrUnknownKey", err)
			}
			if tt.ok && (alg != RS256 || pub == nil) {
				t.Fatalf("got %T %s", pub, alg)
			}
			if got := len(s.JWKS(tt.now).Keys) == 1; tt.kid == "k" && got != tt.ok {
				t.Fatalf("JWKS disagrees with VerificationKey")
			}
		})
	}
}

func TestKeySetConcurrentUse(t *testing.T) {
	f := newFixture(t, EdDSA)
	iss, err := NewIssuer(IssuerConfig{Issuer: testIssuer, Keys: f.keys, Now: at(t0)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				raw, err := iss.IssueAccess(sampleAccess())
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := f.verifier.VerifyAccess(context.Background(), raw); err != nil {
					t.Error(err)
					return
				}
				_ = f.keys.JWKS(t0)
				if g == 0 && i%10 == 0 {
					k, err := GenerateKey(EdDSA, nil)
					if err != nil {
						t.Error(err)
						return
					}
					k.Published, k.Active, k.Retired, k.Expires = t0.Add(-2*time.Hour), t0.Add(-2*time.Hour), t0.Add(-2*time.Hour), t0.Add(-time.Hour)
					if err := f.keys.Add(k); err != nil {
						t.Error(err)
					}
					f.keys.Prune(t0)
				}
			}
		}()
	}
	wg.Wait()
}

func jwksIDs(j JWKS) []string {
	out := make([]string, len(j.Keys))
	for i, k := range j.Keys {
		out[i] = k.Kid
	}
	return out
}
