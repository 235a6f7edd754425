package userpool

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/cupola-auth/cupola/store"
)

// Signing in right after signing up, as Cognito does: SignUp answers a
// Session; ConfirmSignUp, given it, answers a new one once the code
// proved the address; InitiateAuth with USER_AUTH, the USERNAME and that
// Session signs the user in without asking for the password again. The
// confirmation code is one factor: MFA follows as after a code sign-in.
// Each Session is single-use, bound to its client and user, and lives as
// long as the client's AuthSessionValidity.

// Internal challenge names of the two sessions; no client answers them
// with RespondToAuthChallenge.
const (
	challengeSignedUp  ChallengeName = "cupola:SIGNED_UP"
	challengeConfirmed ChallengeName = "cupola:CONFIRMED"
)

// signUpSession opens the Session SignUp answers. A concealed sign-up
// (another account holds the name) gets a decoy: it never confirms.
func (p *UserPool) signUpSession(ctx context.Context, c *appClient, sub, username string, decoy bool) (string, error) {
	return p.newChallenge(ctx, c, sub, challengeSignedUp, challengeState{Username: username, Decoy: decoy})
}

// confirmedSession spends the SignUp Session of user u (if it is one) and
// opens the Session InitiateAuth takes. A Session that is not u's, or is
// spent or expired, yields no new one: the confirmation itself stands.
func (p *UserPool) confirmedSession(ctx context.Context, c *appClient, u store.User, raw string) string {
	if raw == "" || len(raw) > 1024 {
		return ""
	}
	s, err := p.store.ConsumeAuthSession(ctx, p.cfg.ID, sessionID(raw), c.ID, p.now())
	if err != nil {
		return ""
	}
	var st challengeState
	if s.Challenge != string(challengeSignedUp) || s.Subject != u.Sub || json.Unmarshal(s.Data, &st) != nil || st.Decoy {
		return ""
	}
	next, err := p.newChallenge(ctx, c, u.Sub, challengeConfirmed, challengeState{Username: u.Username})
	if err != nil {
		p.log.WarnContext(ctx, "sign-in session after confirmation not opened", "err", err)
		return ""
	}
	return next
}

// signInAfterSignUp is USER_AUTH with the Session ConfirmSignUp answered.
func (p *UserPool) signInAfterSignUp(ctx context.Context, req *signInRequest, raw string) (*step, error) {
	c := req.client
	if !c.allows(AllowUserAuth) {
		return nil, invalidParam("USER_AUTH flow not enabled for this client")
	}
	if err := checkLogin(req.login); err != nil {
		return nil, err
	}
	if err := c.checkSecretHash(req.login, req.secretHash); err != nil {
		return nil, err
	}
	return answerChallenge(ctx, p, c, byAPI, raw, challengeConfirmed, func(s store.AuthSession, _ challengeState) (*step, error) {
		u, err := p.findUser(ctx, req.login)
		if errors.Is(err, store.ErrNotFound) || (err == nil && u.Sub != s.Subject) {
			return nil, newErr(CodeNotAuthorized, msgSessionExpired)
		}
		if err != nil {
			return nil, internalErr("sign in after sign-up", err)
		}
		if err := p.refuseLocked(ctx, u.Sub, req.from()); err != nil {
			return nil, err
		}
		if err := p.signInAllowed(u); err != nil {
			return nil, err
		}
		if err := p.preAuthentication(ctx, u, req.login, c.ID, true, nil, req.meta); err != nil {
			return nil, err
		}
		return p.afterOneFactor(ctx, c, u, req.state(), FactorEmail)
	})
}
