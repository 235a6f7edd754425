package userpool_test

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cupola-auth/cupola/internal/srp"
	"github.com/cupola-auth/cupola/userpool"
)

// withSRP allows USER_SRP_AUTH at the web client.
func withSRP(c *userpool.Config) {
	c.Clients[0].ExplicitAuthFlows = append(c.Clients[0].ExplicitAuthFlows, userpool.AllowUserSRPAuth)
}

// srpPoolName is the part of a pool ID after "_" (the whole ID without).
func srpPoolName(id string) string {
	if _, name, ok := strings.Cut(id, "_"); ok {
		return name
	}
	return id
}

// srpStart sends USER_SRP_AUTH with a fresh client secret.
func (e *env) srpStart(login string) (*srp.Client, *userpool.InitiateAuthOutput, error) {
	e.t.Helper()
	cl, err := srp.NewClient(rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserSRPAuth, ClientID: webClient,
		AuthParameters: map[string]string{userpool.ParamUsername: login, userpool.ParamSRPA: cl.SRPA()}})
	return cl, out, err
}

// srpAnswer answers PASSWORD_VERIFIER as Cognito's JS client does: the
// user ID it was given everywhere, the claim over the block and now.
func (e *env) srpAnswer(cl *srp.Client, ch *userpool.InitiateAuthOutput, password string) (*userpool.InitiateAuthOutput, error) {
	e.t.Helper()
	p := ch.ChallengeParameters
	userID := p[userpool.ParamUserIDForSRP]
	key, err := cl.Key(p[userpool.ParamSRPB], p[userpool.ParamSalt], srpPoolName(e.cfg.ID), userID, password)
	if err != nil {
		e.t.Fatal(err)
	}
	ts := srp.FormatTimestamp(e.clock.Now())
	claim, err := srp.Claim(key, srpPoolName(e.cfg.ID), userID, p[userpool.ParamSecretBlock], ts)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient,
		ChallengeName: userpool.ChallengePasswordVerifier, ChallengeResponses: map[string]string{
			userpool.ParamUsername: userID, userpool.ParamPasswordClaimSecretBlock: p[userpool.ParamSecretBlock],
			userpool.ParamTimestamp: ts, userpool.ParamPasswordClaimSignature: claim}})
}

func (e *env) srpSignIn(login, password string) (*userpool.InitiateAuthOutput, error) {
	e.t.Helper()
	cl, ch, err := e.srpStart(login)
	if err != nil {
		return nil, err
	}
	if ch.ChallengeName != userpool.ChallengePasswordVerifier {
		e.t.Fatalf("USER_SRP_AUTH answered %q", ch.ChallengeName)
	}
	return e.srpAnswer(cl, ch, password)
}

func TestSRPSignIn(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t), withSRP)
			e.confirmedUser("alice", "alice@example.com")
			tok := wantTokens(t)(e.srpSignIn("alice", goodPW))
			if c := e.accessClaims(tok.AccessToken); c.Username != "alice" {
				t.Fatalf("signed in %q", c.Username)
			}
			wantCode(t, errOf(e.srpSignIn("alice", "wrong password 123")), userpool.CodeNotAuthorized)
		})
	}
}

func TestSRPFollowsEveryPasswordChange(t *testing.T) {
	e := newFastEnv(t, withSRP)
	e.confirmedUser("bo", "bo@example.com")
	res := e.mustSignIn("bo", goodPW)
	const next = "another good password 42"
	if _, err := e.pool.ChangePassword(e.ctx, userpool.ChangePasswordInput{AccessToken: res.AccessToken, PreviousPassword: goodPW, ProposedPassword: next}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, errOf(e.srpSignIn("bo", goodPW)), userpool.CodeNotAuthorized)
	wantTokens(t)(e.srpSignIn("bo", next))
	if _, err := e.pool.AdminSetUserPassword(e.ctx, userpool.AdminSetUserPasswordInput{Username: "bo", Password: goodPW, Permanent: true}); err != nil {
		t.Fatal(err)
	}
	wantTokens(t)(e.srpSignIn("bo", goodPW))
}

func TestSRPSecretBlockIsSingleUseAndChecked(t *testing.T) {
	e := newFastEnv(t, withSRP)
	e.confirmedUser("cy", "cy@example.com")
	cl, ch, err := e.srpStart("cy")
	if err != nil {
		t.Fatal(err)
	}
	if ch.Session != "" {
		t.Fatalf("PASSWORD_VERIFIER carries a Session %q; Cognito's clients expect none", ch.Session)
	}
	p := ch.ChallengeParameters
	key, _ := cl.Key(p[userpool.ParamSRPB], p[userpool.ParamSalt], srpPoolName(e.cfg.ID), "cy", goodPW)
	ts := srp.FormatTimestamp(e.clock.Now())
	claim, _ := srp.Claim(key, srpPoolName(e.cfg.ID), "cy", p[userpool.ParamSecretBlock], ts)
	answer := func(r map[string]string) error {
		base := map[string]string{userpool.ParamUsername: "cy", userpool.ParamPasswordClaimSecretBlock: p[userpool.ParamSecretBlock],
			userpool.ParamTimestamp: ts, userpool.ParamPasswordClaimSignature: claim}
		for k, v := range r {
			base[k] = v
		}
		_, err := e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient,
			ChallengeName: userpool.ChallengePasswordVerifier, ChallengeResponses: base})
		return err
	}
	// Malformed answers and an unknown device keep the block.
	wantCode(t, answer(map[string]string{userpool.ParamTimestamp: "Fri Nov 06 09:05:03 UTC 2026"}), userpool.CodeInvalidParameter)
	wantCode(t, answer(map[string]string{userpool.ParamUsername: "someone"}), userpool.CodeInvalidParameter)
	wantCode(t, answer(map[string]string{userpool.ParamDeviceKey: "us-east-1_nope"}), userpool.CodeResourceNotFound)
	if err := answer(nil); err != nil {
		t.Fatalf("the right answer after the corrected ones: %v", err)
	}
	wantCode(t, answer(nil), userpool.CodeNotAuthorized) // replayed: spent
}

func TestSRPRefusesABadA(t *testing.T) {
	e := newFastEnv(t, withSRP)
	e.confirmedUser("di", "di@example.com")
	for _, a := range []string{"0", "", "zz", strings.Repeat("f", 2000),
		"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"} {
		_, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserSRPAuth, ClientID: webClient,
			AuthParameters: map[string]string{userpool.ParamUsername: "di", userpool.ParamSRPA: a}})
		wantCode(t, err, userpool.CodeInvalidParameter)
	}
}

func TestSRPNeedsTheClientFlow(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("ed", "ed@example.com")
	_, _, err := e.srpStart("ed")
	wantCode(t, err, userpool.CodeInvalidParameter)
}

func TestSRPDoesNotTellWhoExists(t *testing.T) {
	e := newFastEnv(t, withSRP)
	e.confirmedUser("fay", "fay@example.com")
	_, real, err := e.srpStart("fay")
	if err != nil {
		t.Fatal(err)
	}
	_, ghost, err := e.srpStart("ghost")
	if err != nil {
		t.Fatalf("an unknown user: %v (with existence errors prevented it gets a handshake)", err)
	}
	if len(ghost.ChallengeParameters) != len(real.ChallengeParameters) || ghost.ChallengeName != real.ChallengeName {
		t.Fatalf("a stranger's challenge %+v differs in shape from a user's %+v", ghost, real)
	}
	_, again, _ := e.srpStart("ghost")
	if again.ChallengeParameters[userpool.ParamSalt] != ghost.ChallengeParameters[userpool.ParamSalt] {
		t.Fatal("a stranger's salt changes between tries; a real user's does not")
	}
	wantCode(t, errOf(e.srpSignIn("ghost", goodPW)), userpool.CodeNotAuthorized)
}

func TestSRPFailuresCountTowardTheLockout(t *testing.T) {
	e := newFastEnv(t, withSRP)
	e.confirmedUser("gus", "gus@example.com")
	for range 5 {
		wantCode(t, errOf(e.srpSignIn("gus", "wrong password 123")), userpool.CodeNotAuthorized)
	}
	_, _, err := e.srpStart("gus")
	if pe := wantCode(t, err, userpool.CodeNotAuthorized); !strings.Contains(pe.Message, "attempts exceeded") {
		t.Fatalf("after 5 failures: %v", pe)
	}
	e.clock.Advance(16 * time.Minute)
	wantTokens(t)(e.srpSignIn("gus", goodPW))
}

func TestSRPForAnImportedHashAfterItsFirstSignIn(t *testing.T) {
	e := newFastEnv(t, withSRP)
	e.importUserWithHash(t, "hal", goodPW)
	wantCode(t, errOf(e.srpSignIn("hal", goodPW)), userpool.CodeNotAuthorized) // no verifier yet
	e.mustSignIn("hal", goodPW)                                                // the password signs in once: a verifier is made
	wantTokens(t)(e.srpSignIn("hal", goodPW))
}

func TestSRPUnderUserAuth(t *testing.T) {
	e := newFastEnv(t, withUserAuth(userpool.FirstFactorPassword))
	e.confirmedUser("ivy", "ivy@example.com")
	cl, err := srp.NewClient(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserAuth, ClientID: webClient,
		AuthParameters: map[string]string{userpool.ParamUsername: "ivy", userpool.ParamPreferredChallenge: userpool.FirstFactorPasswordSRP,
			userpool.ParamSRPA: cl.SRPA()}})
	if err != nil || ch.ChallengeName != userpool.ChallengePasswordVerifier {
		t.Fatalf("USER_AUTH with PASSWORD_SRP = %+v, %v", ch, err)
	}
	wantTokens(t)(e.srpAnswer(cl, ch, goodPW))
}

// importUserWithHash imports a confirmed user whose password arrives as a
// bcrypt hash (no SRP verifier can be made from it).
func (e *env) importUserWithHash(t *testing.T, username, password string) {
	t.Helper()
	bc, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	csv := "cognito:username,email,email_verified," + userpool.ImportHashColumn + "\n" + username + "," + username + "@example.com,true," + string(bc) + "\n"
	rep, err := e.pool.ImportUsers(e.ctx, userpool.ImportUsersInput{CSV: strings.NewReader(csv), Strict: true})
	if err != nil || rep.Imported != 1 {
		t.Fatalf("ImportUsers = %+v, %v", rep, err)
	}
}

func TestSRPTimestampMustBeNearTheServersClock(t *testing.T) {
	e := newFastEnv(t, withSRP)
	e.confirmedUser("jo", "jo@example.com")
	for _, skew := range []time.Duration{-16 * time.Minute, 16 * time.Minute} {
		cl, ch, err := e.srpStart("jo")
		if err != nil {
			t.Fatal(err)
		}
		p := ch.ChallengeParameters
		key, _ := cl.Key(p[userpool.ParamSRPB], p[userpool.ParamSalt], srpPoolName(e.cfg.ID), "jo", goodPW)
		ts := srp.FormatTimestamp(e.clock.Now().Add(skew))
		claim, _ := srp.Claim(key, srpPoolName(e.cfg.ID), "jo", p[userpool.ParamSecretBlock], ts)
		_, err = e.pool.RespondToAuthChallenge(e.ctx, userpool.RespondToAuthChallengeInput{ClientID: webClient,
			ChallengeName: userpool.ChallengePasswordVerifier, ChallengeResponses: map[string]string{userpool.ParamUsername: "jo",
				userpool.ParamPasswordClaimSecretBlock: p[userpool.ParamSecretBlock], userpool.ParamTimestamp: ts, userpool.ParamPasswordClaimSignature: claim}})
		wantCode(t, err, userpool.CodeInvalidParameter)
	}
}

// A verifier is sealed with the pool secret: what the database holds is
// no verifier an attacker could guess passwords against.
func TestSRPVerifiersAreSealedAtRest(t *testing.T) {
	e := newFastEnv(t, withSRP)
	sub := e.confirmedUser("kit", "kit@example.com")
	u, err := e.store.GetUser(e.ctx, e.cfg.ID, sub)
	if err != nil || u.Password.SRPVerifier == "" {
		t.Fatalf("stored credential %+v, %v: want a verifier", u.Password, err)
	}
	raw, err := base64.RawStdEncoding.DecodeString(u.Password.SRPVerifier)
	if err != nil {
		t.Fatalf("stored verifier: %v", err)
	}
	if v, err := srp.UnmarshalVerifier(raw); err == nil {
		t.Fatalf("the database holds a plain verifier (salt %x)", v.Salt)
	}
	if len(raw) < 384 {
		t.Fatalf("stored verifier is %d bytes, too short to hold one", len(raw))
	}
	wantTokens(t)(e.srpSignIn("kit", goodPW))
}
