package userpool_test

import (
	"crypto/rand"
	"testing"

	"github.com/cupola-auth/cupola/internal/srp"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// BenchmarkSRP is a whole USER_SRP_AUTH sign-in on the in-memory store:
// InitiateAuth with SRP_A, then RespondToAuthChallenge with the claim. Its
// limit is the work no SRP sign-in avoids: the server's three modular
// exponentiations (g^b, v^u, (A·v^u)^b, 256-bit exponents in the 3072-bit
// group) and the two RS256 signatures of the tokens. The client's work
// (its own exponentiations and the claim) is the browser's and is not
// timed.
func BenchmarkSRP(b *testing.B) {
	b.Run("limit", func(b *testing.B) {
		ver, err := srp.NewVerifier(rand.Reader, "Pool", "bench", goodPW)
		if err != nil {
			b.Fatal(err)
		}
		cl, err := srp.NewClient(rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		A, err := srp.ParseA(cl.SRPA())
		if err != nil {
			b.Fatal(err)
		}
		l := newLimitSigner(b)
		for b.Loop() {
			if _, err := srp.NewServer(rand.Reader, ver.V, A); err != nil {
				b.Fatal(err)
			}
			l.signTwo(b)
		}
	})
	b.Run("server", func(b *testing.B) {
		e := newEnv(b, memory.New(), withSRP)
		e.confirmedUser("bench", "bench@example.com")
		pool := srpPoolName(e.cfg.ID)
		for b.Loop() {
			b.StopTimer()
			cl, err := srp.NewClient(rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			ch, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserSRPAuth, ClientID: webClient,
				AuthParameters: map[string]string{userpool.ParamUsername: "bench", userpool.ParamSRPA: cl.SRPA()}})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			p := ch.ChallengeParameters
			key, err := cl.Key(p[userpool.ParamSRPB], p[userpool.ParamSalt], pool, "bench", goodPW)
			if err != nil {
				b.Fatal(err)
			}
			ts := srp.FormatTimestamp(e.clock.Now())
			claim, err := srp.Claim(key, pool, "bench", p[userpool.ParamSecretBlock], ts)
			if err != nil {
				b.Fatal(err)
			}
			in := userpool.RespondToAuthChallengeInput{ClientID: webClient, ChallengeName: userpool.ChallengePasswordVerifier,
				ChallengeResponses: map[string]string{userpool.ParamUsername: "bench", userpool.ParamPasswordClaimSecretBlock: p[userpool.ParamSecretBlock],
					userpool.ParamTimestamp: ts, userpool.ParamPasswordClaimSignature: claim}}
			b.StartTimer()
			out, err := e.pool.RespondToAuthChallenge(e.ctx, in)
			if err != nil || out.AuthenticationResult == nil {
				b.Fatal(out, err)
			}
		}
	})
}
