package userpool

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/mfa"
	"github.com/cupola-auth/cupola/store"
)

// afterCodeFirstFactor runs once a USER_AUTH code (EMAIL_OTP, SMS_OTP)
// proved the first factor. The code is one factor: a user who enabled a
// different second factor is asked for it (MFA ON refuses code first
// factors at New, so this is MFA OPTIONAL); the medium the code came
// through is not asked for again.
func (p *UserPool) afterCodeFirstFactor(ctx context.Context, c *appClient, u store.User, st challengeState) (*step, error) {
	used := FactorEmail
	if st.FirstFactor == FirstFactorSMSOTP {
		used = FactorSMS
	}
	st.FirstFactor, st.CodeHash = "", nil
	return p.afterOneFactor(ctx, c, u, st, used)
}

// userFactors lists the second factors the pool offers and u can use.
func (p *UserPool) userFactors(u store.User) []string {
	var out []string
	m := u.MFA
	if p.cfg.MFA.allows(FactorTOTP) && m.TOTPEnabled && m.TOTPVerified && len(m.TOTPSecret) > 0 {
		out = append(out, FactorTOTP)
	}
	if p.cfg.MFA.allows(FactorSMS) && m.SMSEnabled && p.verified(u, "phone_number") {
		out = append(out, FactorSMS)
	}
	if p.cfg.MFA.allows(FactorEmail) && m.EmailEnabled && p.verified(u, "email") {
		out = append(out, FactorEmail)
	}
	return out
}

func (p *UserPool) verified(u store.User, attr string) bool {
	return u.Attributes[attr] != "" && u.Attributes[verifiedFlags[attr]] == "true"
}

// mfaChallenge asks for the second factor: the only or preferred one,
// SELECT_MFA_TYPE when there is a choice, or MFA_SETUP when MFA is
// required and the user has none yet.
func (p *UserPool) mfaChallenge(ctx context.Context, c *appClient, u store.User, st challengeState, factors []string) (*step, error) {
	if len(factors) == 0 {
		switch {
		case p.cfg.MFA.allows(FactorSMS) && p.verified(u, "phone_number"):
			factors = []string{FactorSMS}
		case p.cfg.MFA.allows(FactorEmail) && p.verified(u, "email"):
			factors = []string{FactorEmail}
		case p.cfg.MFA.allows(FactorTOTP):
			session, err := p.newChallenge(ctx, c, u.Sub, ChallengeMFASetup, st)
			if err != nil {
				return nil, err
			}
			setup, _ := json.Marshal([]string{FactorTOTP})
			return &step{challenge: &InitiateAuthOutput{ChallengeName: ChallengeMFASetup, Session: session,
				ChallengeParameters: map[string]string{ParamMFAsCanSetup: string(setup), ParamUserIDForSRP: u.Username}}}, nil
		default:
			return nil, newErr(CodeInvalidUserPoolConfig, "MFA is required but the user has no factor the pool can set up.")
		}
	}
	if len(factors) == 1 {
		return p.factorChallenge(ctx, c, u, factors[0], st)
	}
	for _, f := range factors {
		if f == u.MFA.Preferred {
			return p.factorChallenge(ctx, c, u, f, st)
		}
	}
	st.Choices = factors
	session, err := p.newChallenge(ctx, c, u.Sub, ChallengeSelectMFAType, st)
	if err != nil {
		return nil, err
	}
	choose, _ := json.Marshal(factors)
	return &step{challenge: &InitiateAuthOutput{ChallengeName: ChallengeSelectMFAType, Session: session,
		ChallengeParameters: map[string]string{ParamMFAsCanChoose: string(choose), ParamUserIDForSRP: u.Username}}}, nil
}

// factorChallenge asks for one second factor.
func (p *UserPool) factorChallenge(ctx context.Context, c *appClient, u store.User, factor string, st challengeState) (*step, error) {
	st.Choices, st.Attempts = nil, 0
	switch factor {
	case FactorTOTP:
		session, err := p.newChallenge(ctx, c, u.Sub, ChallengeSoftwareTokenMFA, st)
		if err != nil {
			return nil, err
		}
		return &step{challenge: &InitiateAuthOutput{ChallengeName: ChallengeSoftwareTokenMFA, Session: session, ChallengeParameters: map[string]string{
			ParamUserIDForSRP: u.Username, ParamFriendlyDeviceName: u.MFA.TOTPDeviceName}}}, nil
	case FactorSMS:
		return p.codeChallenge(ctx, c, u, ChallengeSMSMFA, "phone_number", st)
	case FactorEmail:
		return p.codeChallenge(ctx, c, u, ChallengeEmailOTP, "email", st)
	}
	return nil, invalidParam("unknown factor " + sanitize(factor))
}

// codeChallenge texts or emails a one-time code and opens the session that
// holds its hash. The code lives as long as the session.
func (p *UserPool) codeChallenge(ctx context.Context, c *appClient, u store.User, name ChallengeName, attr string, st challengeState) (*step, error) {
	code, err := mfa.NewOTP(p.random)
	if err != nil {
		return nil, internalErr("one-time code", err)
	}
	st.CodeHash = mfa.HashOTP(p.codeKey, u.Sub+"|"+string(name), code)
	session, err := p.newChallenge(ctx, c, u.Sub, name, st)
	if err != nil {
		return nil, err
	}
	d, err := p.deliver(ctx, u, message.KindAuthentication, attr, u.Attributes[attr], message.Data{Code: code, Username: u.Username, PoolName: p.cfg.Name})
	if err != nil {
		return nil, err
	}
	return &step{challenge: &InitiateAuthOutput{ChallengeName: name, Session: session, ChallengeParameters: map[string]string{
		ParamCodeDeliveryMedium: d.DeliveryMedium, ParamCodeDeliveryDestination: d.Destination, ParamUserIDForSRP: u.Username}}}, nil
}

// respondTOTP checks SOFTWARE_TOKEN_MFA_CODE: an authenticator code (each
// time step accepted once, enforced by compare-and-swap in the store) or
// one of the user's recovery codes.
func (p *UserPool) respondTOTP(ctx context.Context, c *appClient, in answer) (*step, error) {
	r := in.ChallengeResponses
	return answerChallenge(ctx, p, c, in.by, in.Session, ChallengeSoftwareTokenMFA, func(s store.AuthSession, st challengeState) (*step, error) {
		u, err := p.challengeUser(ctx, c, s, st, r)
		if err != nil {
			return nil, err
		}
		code := r[ParamSoftwareTokenMFACode]
		if code == "" || len(code) > 64 {
			return nil, invalidParam("Missing or malformed SOFTWARE_TOKEN_MFA_CODE")
		}
		if err := p.countAttempt(ctx, u.Sub, st.From); err != nil {
			return nil, err
		}
		if err := p.checkSecondFactorCode(ctx, u, code); err != nil {
			if errors.Is(err, ErrCodeMismatch) {
				return nil, p.wrongAnswer(ctx, s, st)
			}
			return nil, err
		}
		if err := p.signInAllowed(u); err != nil { // disabled, reset or changed since the challenge began
			return nil, err
		}
		return p.complete(ctx, c, u, st, st.source())
	})
}

// checkSecondFactorCode accepts a TOTP code for a step after the last one
// used, or an unused recovery code; either is then spent.
func (p *UserPool) checkSecondFactorCode(ctx context.Context, u store.User, code string) error {
	mismatch := newErr(CodeCodeMismatch, "Invalid code received for user")
	if len(code) > 6 {
		hashes := u.MFA.RecoveryCodes
		i := mfa.MatchRecoveryCode(p.codeKey, code, hashes)
		if i < 0 {
			return mismatch
		}
		spent := hashes[i]
		_, err := p.modifyUser(ctx, "recovery code", u.Sub, func(u *store.User) error {
			for j, h := range u.MFA.RecoveryCodes {
				if string(h) == string(spent) {
					u.MFA.RecoveryCodes = append(u.MFA.RecoveryCodes[:j:j], u.MFA.RecoveryCodes[j+1:]...)
					return nil
				}
			}
			return mismatch // spent by a concurrent sign-in
		})
		if err == nil {
			p.log.InfoContext(ctx, "recovery code used", "sub", u.Sub, "left", len(hashes)-1)
		}
		return err
	}
	secret, err := p.mfaSeal.Open(u.MFA.TOTPSecret, []byte("totp "+u.Sub))
	if err != nil {
		return internalErr("open totp secret", err)
	}
	step, err := p.totp.Verify(secret, code, p.now(), u.MFA.TOTPLastStep)
	if errors.Is(err, mfa.ErrReplayed) {
		p.log.WarnContext(ctx, "totp code replayed", "sub", u.Sub)
		return mismatch
	}
	if err != nil {
		return mismatch
	}
	_, err = p.modifyUser(ctx, "totp step", u.Sub, func(u *store.User) error {
		if u.MFA.TOTPLastStep >= step {
			p.log.WarnContext(ctx, "totp code replayed", "sub", u.Sub)
			return mismatch
		}
		u.MFA.TOTPLastStep = step
		return nil
	})
	return err
}

// respondCode checks an emailed or texted code (SMS_MFA, EMAIL_OTP as a
// second factor, and EMAIL_OTP/SMS_OTP as a USER_AUTH first factor).
func (p *UserPool) respondCode(ctx context.Context, c *appClient, in answer) (*step, error) {
	r := in.ChallengeResponses
	key := map[ChallengeName]string{ChallengeSMSMFA: "SMS_MFA_CODE", ChallengeEmailOTP: "EMAIL_OTP_CODE", ChallengeSMSOTP: "SMS_OTP_CODE"}[in.ChallengeName]
	return answerChallenge(ctx, p, c, in.by, in.Session, in.ChallengeName, func(s store.AuthSession, st challengeState) (*step, error) {
		code := r[key]
		if code == "" || len(code) > 16 {
			return nil, invalidParam("Missing or malformed " + key)
		}
		if st.Decoy {
			// An unknown user's session answers as a real one would: the same
			// checks of USERNAME and SECRET_HASH, the same lockout, a wrong code.
			if r[ParamUsername] != st.Username {
				return nil, invalidParam("USERNAME does not match the session")
			}
			if err := c.checkSecretHash(r[ParamUsername], r[ParamSecretHash]); err != nil {
				return nil, err
			}
			if err := p.countAttempt(ctx, p.unknownKey(st.Username), st.From); err != nil {
				return nil, err
			}
			return nil, p.wrongAnswer(ctx, s, st)
		}
		u, err := p.challengeUser(ctx, c, s, st, r)
		if err != nil {
			return nil, err
		}
		if err := p.countAttempt(ctx, u.Sub, st.From); err != nil {
			return nil, err
		}
		if !mfa.CheckOTP(p.codeKey, u.Sub+"|"+string(in.ChallengeName), code, st.CodeHash) {
			return nil, p.wrongAnswer(ctx, s, st)
		}
		if err := p.signInAllowed(u); err != nil { // disabled, reset or changed since the challenge began
			return nil, err
		}
		if st.FirstFactor != "" {
			return p.afterCodeFirstFactor(ctx, c, u, st)
		}
		return p.complete(ctx, c, u, st, st.source())
	})
}

// respondSelectMFA takes the factor the user chose.
func (p *UserPool) respondSelectMFA(ctx context.Context, c *appClient, in answer) (*step, error) {
	return answerChallenge(ctx, p, c, in.by, in.Session, ChallengeSelectMFAType, func(s store.AuthSession, st challengeState) (*step, error) {
		u, err := p.challengeUser(ctx, c, s, st, in.ChallengeResponses)
		if err != nil {
			return nil, err
		}
		answer := in.ChallengeResponses[ParamAnswer]
		for _, f := range st.Choices {
			if f == answer {
				return p.factorChallenge(ctx, c, u, f, st)
			}
		}
		return nil, invalidParam("ANSWER must be one of MFAS_CAN_CHOOSE")
	})
}

// respondMFASetup completes MFA_SETUP once VerifySoftwareToken succeeded
// with the setup Session.
func (p *UserPool) respondMFASetup(ctx context.Context, c *appClient, in answer) (*step, error) {
	return answerChallenge(ctx, p, c, in.by, in.Session, ChallengeMFASetup, func(s store.AuthSession, st challengeState) (*step, error) {
		u, err := p.challengeUser(ctx, c, s, st, in.ChallengeResponses)
		if err != nil {
			return nil, err
		}
		if !st.SetupDone {
			return nil, invalidParam("Set up the software token (AssociateSoftwareToken, VerifySoftwareToken) with this session first")
		}
		if err := p.signInAllowed(u); err != nil { // disabled, reset or changed since the challenge began
			return nil, err
		}
		return p.complete(ctx, c, u, st, st.source())
	})
}
