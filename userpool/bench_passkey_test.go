package userpool_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/userpool"
)

// BenchmarkPasskeySignIn is a whole passkey sign-in (USER_AUTH with
// WEB_AUTHN preferred, then the assertion) on the in-memory store. Its
// limit is the work no passkey sign-in avoids: one ES256 verification of
// the assertion and the two RS256 signatures of the tokens. The software
// authenticator's signing is the browser's work and is not timed.
func BenchmarkPasskeySignIn(b *testing.B) {
	b.Run("limit", func(b *testing.B) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		signed := sha256.Sum256([]byte(strings.Repeat("c", 37+32)))
		sig, err := ecdsa.SignASN1(rand.Reader, key, signed[:])
		if err != nil {
			b.Fatal(err)
		}
		l := newLimitSigner(b)
		for b.Loop() {
			if !ecdsa.VerifyASN1(&key.PublicKey, signed[:], sig) {
				b.Fatal("signature")
			}
			l.signTwo(b)
		}
	})
	b.Run("memory", func(b *testing.B) {
		e := newEnv(b, storeKinds[0].open(b), withPasskeys)
		e.confirmedUser("bench", "bench@example.com")
		a := e.registerPasskey("bench")
		start := userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserAuth, ClientID: webClient,
			AuthParameters: map[string]string{userpool.ParamUsername: "bench", userpool.ParamPreferredChallenge: userpool.FirstFactorWebAuthn}}
		for b.Loop() {
			ch, err := e.pool.InitiateAuth(e.ctx, start)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			cred, err := a.Get([]byte(ch.ChallengeParameters[userpool.ParamCredentialRequestOptions]))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			out, err := e.answerPasskey(ch, "bench", cred)
			if err != nil || out.AuthenticationResult == nil {
				b.Fatal(out, err)
			}
		}
	})
}
