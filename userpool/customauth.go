package userpool

import (
	"context"
	"errors"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/internal/srp"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/trigger"
)

// Custom authentication challenges (CUSTOM_AUTH).
const (
	ChallengeCustom           ChallengeName = "CUSTOM_CHALLENGE"
	ChallengePasswordVerifier ChallengeName = "PASSWORD_VERIFIER"
)

// maxCustomRounds bounds a custom-auth conversation: after this many
// answers the sign-in fails whatever DefineAuthChallenge says.
const maxCustomRounds = 8

// customAuth is InitiateAuth's CUSTOM_AUTH: DefineAuthChallenge decides
// each step from the growing session history, CreateAuthChallenge makes
// the challenge (its private parameters stay in the server-side session),
// VerifyAuthChallengeResponse checks answers. With CHALLENGE_NAME "SRP_A"
// and SRP_A (Cognito's clients) the user first proves the password by SRP
// (srp_flow.go); with "PASSWORD_VERIFIER" (or "SRP_A" without SRP_A) the
// password is sent in plain as PASSWORD.
func (p *UserPool) customAuth(ctx context.Context, req *signInRequest) (*step, error) {
	c, login, meta := req.client, req.login, req.meta
	if !c.allows(AllowCustomAuth) {
		return nil, invalidParam("CUSTOM_AUTH flow not enabled for this client")
	}
	if p.cfg.Triggers.DefineAuthChallenge == nil || p.cfg.Triggers.CreateAuthChallenge == nil || p.cfg.Triggers.VerifyAuthChallengeResponse == nil {
		return nil, newErr(CodeInvalidUserPoolConfig, "Custom auth needs the DefineAuthChallenge, CreateAuthChallenge and VerifyAuthChallengeResponse triggers.")
	}
	if err := checkLogin(login); err != nil {
		return nil, err
	}
	if err := c.checkSecretHash(login, req.secretHash); err != nil {
		return nil, err
	}
	u, err := p.findUser(ctx, login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internalErr("find user", err)
	}
	known := err == nil
	if !known && !c.preventsExistenceErrors() {
		return nil, newErr(CodeUserNotFound, msgUserNotExist)
	}
	// No credential is checked here, so nothing is counted against the
	// lockout; but a locked account gets nothing (DefineAuthChallenge may
	// issue tokens at once), and initiations, which usually send a code,
	// are throttled per user.
	key := p.unknownKey(login)
	if known {
		key = u.Sub
	}
	if err := p.refuseLocked(ctx, key, req.from()); err != nil {
		return nil, err
	}
	if err := p.throttle(ctx, "custom:", key, req.from()); err != nil {
		return nil, err
	}
	if err := p.preAuthentication(ctx, u, login, c.ID, known, nil, meta); err != nil {
		return nil, err
	}
	sub := u.Sub
	if !known {
		if sub, err = random.UUID(p.random); err != nil {
			return nil, internalErr("custom auth", err)
		}
	}
	st := req.state()
	st.Decoy = !known
	if req.challenge == "SRP_A" && req.srpA != "" {
		A, err := srp.ParseA(req.srpA)
		if err != nil {
			return nil, invalidParam("SRP_A is not a valid SRP public value")
		}
		st.Custom = true
		if !known {
			u.Sub = sub
		}
		return p.srpHandshake(ctx, c, u, known, login, A, st)
	}
	if name := req.challenge; name == "PASSWORD_VERIFIER" || name == "SRP_A" {
		session, err := p.newChallenge(ctx, c, sub, ChallengePasswordVerifier, st)
		if err != nil {
			return nil, err
		}
		return &step{challenge: &InitiateAuthOutput{ChallengeName: ChallengePasswordVerifier, Session: session,
			ChallengeParameters: map[string]string{ParamUsername: login, ParamUserIDForSRP: login}}}, nil
	}
	return p.nextCustomStep(ctx, c, u, sub, st, meta)
}

// nextCustomStep asks DefineAuthChallenge what comes next.
func (p *UserPool) nextCustomStep(ctx context.Context, c *appClient, u store.User, sub string, st challengeState, meta map[string]string) (*step, error) {
	fail := newErr(CodeNotAuthorized, msgIncorrect)
	if len(st.History) >= maxCustomRounds {
		return nil, fail
	}
	def := &trigger.DefineAuthChallengeEvent{Common: p.triggerCommon("DefineAuthChallenge_Authentication", st.Username, c.ID)}
	def.Request.UserAttributes, def.Request.Session, def.Request.ClientMetadata, def.Request.UserNotFound = p.customAttributes(u, st), st.History, nonNil(meta), st.Decoy
	if err := runTrigger(ctx, p, "DefineAuthChallenge", p.cfg.Triggers.DefineAuthChallenge, def); err != nil {
		return nil, err
	}
	r := def.Response
	switch {
	case r.FailAuthentication:
		return nil, fail
	case r.IssueTokens:
		if st.Decoy {
			return nil, fail
		}
		if err := p.signInAllowed(u); err != nil {
			return nil, err
		}
		return p.complete(ctx, c, u, st, sourceAuthentication)
	case r.ChallengeName == string(ChallengeCustom):
	default:
		return nil, newErr(CodeInvalidLambdaResponse, "DefineAuthChallenge must issue tokens, fail, or name CUSTOM_CHALLENGE.")
	}
	create := &trigger.CreateAuthChallengeEvent{Common: p.triggerCommon("CreateAuthChallenge_Authentication", st.Username, c.ID)}
	create.Request.UserAttributes, create.Request.ChallengeName, create.Request.Session = p.customAttributes(u, st), r.ChallengeName, st.History
	create.Request.ClientMetadata, create.Request.UserNotFound = nonNil(meta), st.Decoy
	if err := runTrigger(ctx, p, "CreateAuthChallenge", p.cfg.Triggers.CreateAuthChallenge, create); err != nil {
		return nil, err
	}
	st.Private, st.Metadata, st.Attempts = create.Response.PrivateChallengeParameters, create.Response.ChallengeMetadata, 0
	session, err := p.newChallenge(ctx, c, sub, ChallengeCustom, st)
	if err != nil {
		return nil, err
	}
	params := map[string]string{}
	for k, v := range create.Response.PublicChallengeParameters {
		params[k] = v
	}
	params[ParamUsername] = st.Username
	return &step{challenge: &InitiateAuthOutput{ChallengeName: ChallengeCustom, Session: session, ChallengeParameters: params}}, nil
}

// customAttributes are the attributes custom-auth triggers see (none for an
// unknown user).
func (p *UserPool) customAttributes(u store.User, st challengeState) map[string]string {
	if st.Decoy {
		return map[string]string{}
	}
	return eventAttributes(u)
}

// respondCustom checks a CUSTOM_CHALLENGE ANSWER with
// VerifyAuthChallengeResponse and asks DefineAuthChallenge for the next step.
func (p *UserPool) respondCustom(ctx context.Context, c *appClient, in answer) (*step, error) {
	r := in.ChallengeResponses
	return answerChallenge(ctx, p, c, in.by, in.Session, ChallengeCustom, func(s store.AuthSession, st challengeState) (*step, error) {
		if r[ParamUsername] != st.Username || len(r[ParamAnswer]) > 4096 {
			return nil, invalidParam("USERNAME must match the session and ANSWER be at most 4096 characters")
		}
		var u store.User
		var err error
		key := p.unknownKey(st.Username)
		if !st.Decoy {
			if u, err = p.challengeUser(ctx, c, s, st, r); err != nil {
				return nil, err
			}
			key = u.Sub
		}
		// Every answer counts before the trigger sees it, right or wrong: a
		// locked account's answers reach no trigger, and guesses cannot
		// outrun the count. complete clears it when the sign-in succeeds.
		if err := p.countAttempt(ctx, key, st.From); err != nil {
			return nil, err
		}
		ver := &trigger.VerifyAuthChallengeResponseEvent{Common: p.triggerCommon("VerifyAuthChallengeResponse_Authentication", st.Username, c.ID)}
		ver.Request.UserAttributes, ver.Request.PrivateChallengeParameters = p.customAttributes(u, st), st.Private
		ver.Request.ChallengeAnswer, ver.Request.ClientMetadata, ver.Request.UserNotFound = r[ParamAnswer], nonNil(in.ClientMetadata), st.Decoy
		if err := runTrigger(ctx, p, "VerifyAuthChallengeResponse", p.cfg.Triggers.VerifyAuthChallengeResponse, ver); err != nil {
			return nil, err
		}
		if !ver.Response.AnswerCorrect || st.Decoy {
			p.countSourceFailure(ctx, st.From)
		}
		st.History = append(st.History, trigger.ChallengeResult{ChallengeName: string(ChallengeCustom),
			ChallengeResult: ver.Response.AnswerCorrect && !st.Decoy, ChallengeMetadata: st.Metadata})
		st.Private, st.Metadata = nil, ""
		return p.nextCustomStep(ctx, c, u, s.Subject, st, in.ClientMetadata)
	})
}

// respondPasswordVerifier is the PASSWORD_VERIFIER step of CUSTOM_AUTH: the
// password (PASSWORD, in plain until SRP exists) is checked like a sign-in,
// lockout included, and the result joins the history.
func (p *UserPool) respondPasswordVerifier(ctx context.Context, c *appClient, in answer) (*step, error) {
	r := in.ChallengeResponses
	return answerChallenge(ctx, p, c, in.by, in.Session, ChallengePasswordVerifier, func(s store.AuthSession, st challengeState) (*step, error) {
		pw := r[ParamPassword]
		if r[ParamUsername] != st.Username || pw == "" || len(pw) > 1024 {
			return nil, invalidParam("USERNAME must match the session and PASSWORD is required")
		}
		var u store.User
		var err error
		ok := false
		if st.Decoy {
			if err := p.countAttempt(ctx, p.unknownKey(st.Username), st.From); err != nil {
				return nil, err
			}
			if err := p.hasher.VerifyDummy(ctx, pw); err != nil {
				return nil, p.hashErr(err)
			}
		} else {
			if u, err = p.challengeUser(ctx, c, s, st, r); err != nil {
				return nil, err
			}
			if err := p.countAttempt(ctx, u.Sub, st.From); err != nil {
				return nil, err
			}
			ok, _, err = p.hasher.Verify(ctx, u.Password.Hash, pw)
			if err := p.verifyErr(ctx, u.Sub, err); err != nil {
				return nil, err
			}
		}
		if !ok {
			p.countSourceFailure(ctx, st.From)
		}
		st.History = append(st.History, trigger.ChallengeResult{ChallengeName: string(ChallengePasswordVerifier), ChallengeResult: ok})
		return p.nextCustomStep(ctx, c, u, s.Subject, st, in.ClientMetadata)
	})
}
