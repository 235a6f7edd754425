package mfa_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/internal/passkeytest"
	"github.com/cupola-auth/cupola/mfa"
)

const origin = "https://login.example.com"

func newRP(t *testing.T, uv string) *mfa.WebAuthn {
	t.Helper()
	w, err := mfa.NewWebAuthn(mfa.WebAuthnConfig{RPID: "example.com", RPName: "Example", Origins: []string{origin}, UserVerification: uv})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

var alice = mfa.WebAuthnUser{Handle: []byte("alice-handle-0001"), Name: "alice", DisplayName: "Alice"}

// register runs a registration ceremony with a fresh authenticator.
func register(t *testing.T, w *mfa.WebAuthn) (*passkeytest.Authenticator, mfa.Passkey) {
	t.Helper()
	a, err := passkeytest.New(origin)
	if err != nil {
		t.Fatal(err)
	}
	opts, cer, err := w.BeginRegistration(alice)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.FinishRegistration(alice, cer, resp)
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	return a, p
}

func TestPasskeyRegistrationAndSignIn(t *testing.T) {
	w := newRP(t, "")
	a, p := register(t, w)
	if string(p.ID) != string(a.ID) || len(p.PublicKey) == 0 || !p.UserVerified || !p.BackupEligible {
		t.Fatalf("passkey %+v", p)
	}
	opts, cer, err := w.BeginLogin(nil)
	if err != nil {
		t.Fatal(err)
	}
	var o map[string]any
	if err := json.Unmarshal(opts, &o); err != nil || o["challenge"] == "" || o["rpId"] != "example.com" || o["userVerification"] != "required" {
		t.Fatalf("request options %s (%v)", opts, err)
	}
	resp, err := a.Get(opts)
	if err != nil {
		t.Fatal(err)
	}
	id, handle, err := mfa.CredentialID(resp)
	if err != nil || string(id) != string(p.ID) || string(handle) != string(alice.Handle) {
		t.Fatalf("CredentialID = %x %q %v", id, handle, err)
	}
	u := alice
	u.Passkeys = []mfa.Passkey{p}
	as, err := w.FinishLogin(u, cer, resp)
	if err != nil {
		t.Fatalf("FinishLogin: %v", err)
	}
	if !as.UserVerified || as.CloneWarning || as.Passkey.SignCount != 1 {
		t.Fatalf("assertion %+v", as)
	}
}

func TestPasskeyCeremoniesRefuseAttacks(t *testing.T) {
	cases := []struct {
		name string
		uv   string
		edit func(a *passkeytest.Authenticator)
		resp func(b []byte) []byte
		want error
	}{
		{"wrong origin", "", func(a *passkeytest.Authenticator) { a.Origin = "https://evil.example.net" }, nil, mfa.ErrWebAuthnOrigin},
		{"wrong RP ID", "", func(a *passkeytest.Authenticator) { a.RPID = "evil.example.net" }, nil, mfa.ErrWebAuthnRelyingParty},
		{"another challenge", "", func(a *passkeytest.Authenticator) { a.Challenge = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }, nil, mfa.ErrWebAuthnChallenge},
		{"no user verification when required", "required", func(a *passkeytest.Authenticator) { a.NoUV = true }, nil, mfa.ErrWebAuthnUserVerification},
		{"malformed JSON", "", nil, func([]byte) []byte { return []byte(`{"id":`) }, mfa.ErrWebAuthnMalformed},
		{"oversized", "", nil, func([]byte) []byte { return []byte(`{"id":"` + strings.Repeat("A", mfa.MaxWebAuthnResponse) + `"}`) }, mfa.ErrWebAuthnMalformed},
		{"bad signature", "", nil, func(b []byte) []byte { return flipSignature(t, b) }, mfa.ErrWebAuthnCredential},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newRP(t, tc.uv)
			a, p := register(t, w)
			opts, cer, err := w.BeginLogin(nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.edit != nil {
				tc.edit(a)
			}
			resp, err := a.Get(opts)
			if err != nil {
				t.Fatal(err)
			}
			if tc.resp != nil {
				resp = tc.resp(resp)
			}
			u := alice
			u.Passkeys = []mfa.Passkey{p}
			if _, err := w.FinishLogin(u, cer, resp); !errors.Is(err, tc.want) {
				t.Fatalf("FinishLogin = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestPasskeyWithoutUserVerificationIsOneFactorWhenPreferred(t *testing.T) {
	w := newRP(t, "preferred")
	a, p := register(t, w)
	a.NoUV = true
	opts, cer, _ := w.BeginLogin(nil)
	resp, _ := a.Get(opts)
	u := alice
	u.Passkeys = []mfa.Passkey{p}
	as, err := w.FinishLogin(u, cer, resp)
	if err != nil || as.UserVerified {
		t.Fatalf("FinishLogin = %+v, %v; want a verified assertion without UV", as, err)
	}
}

func TestPasskeyCounterRegressionWarns(t *testing.T) {
	w := newRP(t, "")
	a, p := register(t, w)
	p.SignCount = 10 // the stored counter is ahead: a copy of the key signs
	a.SignCount = 4
	opts, cer, _ := w.BeginLogin(nil)
	resp, _ := a.Get(opts)
	u := alice
	u.Passkeys = []mfa.Passkey{p}
	as, err := w.FinishLogin(u, cer, resp)
	if err != nil || !as.CloneWarning {
		t.Fatalf("FinishLogin = %+v, %v; want a clone warning", as, err)
	}
}

func TestPasskeyOfAnotherAccountIsRefused(t *testing.T) {
	w := newRP(t, "")
	a, p := register(t, w)
	opts, cer, _ := w.BeginLogin(nil)
	resp, _ := a.Get(opts)
	bob := mfa.WebAuthnUser{Handle: []byte("bob-handle"), Name: "bob", Passkeys: []mfa.Passkey{p}}
	if _, err := w.FinishLogin(bob, cer, resp); !errors.Is(err, mfa.ErrWebAuthnCredential) {
		t.Fatalf("FinishLogin for another account = %v", err)
	}
	// An allow list that does not name the credential refuses it too.
	opts, cer, _ = w.BeginLogin([]mfa.Passkey{{ID: []byte("another-credential")}})
	resp, _ = a.Get(opts)
	u := alice
	u.Passkeys = []mfa.Passkey{p}
	if _, err := w.FinishLogin(u, cer, resp); !errors.Is(err, mfa.ErrWebAuthnCredential) {
		t.Fatalf("FinishLogin outside the allow list = %v", err)
	}
}

func TestNewWebAuthnRefusesBadConfig(t *testing.T) {
	for _, c := range []mfa.WebAuthnConfig{
		{},
		{RPID: "example.com"},
		{RPID: "https://example.com", Origins: []string{origin}},
		{RPID: "example.com", Origins: []string{"https://example.org"}},
		{RPID: "example.com", Origins: []string{"https://example.com/path"}},
		{RPID: "example.com", Origins: []string{origin}, UserVerification: "discouraged"},
		{RPID: "example.com", Origins: []string{origin}, Attestation: "maybe"},
	} {
		if _, err := mfa.NewWebAuthn(c); !errors.Is(err, mfa.ErrConfig) {
			t.Errorf("NewWebAuthn(%+v) = %v, want ErrConfig", c, err)
		}
	}
}

// flipSignature changes one byte of an assertion's signature.
func flipSignature(t *testing.T, b []byte) []byte {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	r := m["response"].(map[string]any)
	sig, _ := base64.RawURLEncoding.DecodeString(r["signature"].(string))
	sig[len(sig)-1] ^= 1
	r["signature"] = base64.RawURLEncoding.EncodeToString(sig)
	out, _ := json.Marshal(m)
	return out
}
