package userpool

import (
	"context"
	"errors"
	"slices"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/store"
)

// userAuth is InitiateAuth's USER_AUTH: choice-based sign-in with the
// first factors the pool allows (PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN;
// a passkey sign-in may leave USERNAME out and let the passkey name the
// account). A PREFERRED_CHALLENGE the user can use is started at once; otherwise the
// answer is SELECT_CHALLENGE with AvailableChallenges. Codes go only to a
// verified email or phone number. Unknown users get the same answers
// (with existence errors prevented), and every code they type is wrong.
func (p *UserPool) userAuth(ctx context.Context, req *signInRequest) (*step, error) {
	if !req.client.allows(AllowUserAuth) {
		return nil, invalidParam("USER_AUTH flow not enabled for this client")
	}
	return p.userAuthAt(ctx, req)
}

// userAuthAt is USER_AUTH at a client that allows it (or the hosted UI's
// passkey sign-in, which any hosted client may use).
func (p *UserPool) userAuthAt(ctx context.Context, req *signInRequest) (*step, error) {
	c, login, meta, preferred := req.client, req.login, req.meta, req.preferred
	if login == "" && preferred == FirstFactorWebAuthn {
		if err := c.checkSecretHash(login, req.secretHash); err != nil {
			return nil, err
		}
		return p.discoverablePasskey(ctx, req)
	}
	if err := checkLogin(login); err != nil {
		return nil, err
	}
	if err := c.checkSecretHash(login, req.secretHash); err != nil {
		return nil, err
	}
	if preferred == FirstFactorPassword && req.password != "" && slices.Contains(p.cfg.AllowedFirstAuthFactors, FirstFactorPassword) {
		return p.passwordAuth(ctx, req)
	}
	if preferred == FirstFactorPasswordSRP && req.srpA != "" && slices.Contains(p.cfg.AllowedFirstAuthFactors, FirstFactorPassword) {
		return p.srpAuth(ctx, req, req.srpA)
	}
	u, err := p.findUser(ctx, login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internalErr("find user", err)
	}
	known := err == nil
	if !known && !c.preventsExistenceErrors() {
		return nil, newErr(CodeUserNotFound, msgUserNotExist)
	}
	key := p.unknownKey(login)
	if known {
		key = u.Sub
	}
	if err := p.refuseLocked(ctx, key, req.from()); err != nil { // a locked account is sent no code
		return nil, err
	}
	if err := p.preAuthentication(ctx, u, login, c.ID, known, nil, meta); err != nil {
		return nil, err
	}
	st := req.state()
	st.Decoy = !known
	// With existence errors prevented everyone is offered the pool's
	// factors, so the list does not tell a user's own from a stranger's;
	// a factor the user lacks then answers as for an unknown user.
	available := p.firstFactors(u, known && !c.preventsExistenceErrors())
	if p.webauthn != nil && slices.Contains(p.cfg.AllowedFirstAuthFactors, FirstFactorWebAuthn) {
		has := !known || c.preventsExistenceErrors()
		if !has {
			if has, err = p.hasPasskey(ctx, u.Sub); err != nil {
				return nil, err
			}
		}
		if has {
			available = append(available, FirstFactorWebAuthn)
		}
	}
	sub := u.Sub
	if !known {
		if sub, err = random.UUID(p.random); err != nil {
			return nil, internalErr("user auth", err)
		}
	}
	if preferred == FirstFactorWebAuthn && slices.Contains(available, preferred) {
		return p.passkeyFirstFactor(ctx, c, u, sub, st)
	}
	if preferred == FirstFactorWebAuthn && req.hosted {
		// Only where the client lets existence show: elsewhere everyone is
		// offered passkeys.
		return nil, newErr(CodeNotAuthorized, "This account has no passkey.")
	}
	if preferred != "" && slices.Contains(available, preferred) && preferred != FirstFactorPassword {
		return p.firstFactorCode(ctx, c, u, sub, preferred, st)
	}
	st.Choices = available
	session, err := p.newChallenge(ctx, c, sub, ChallengeSelectChallenge, st)
	if err != nil {
		return nil, err
	}
	out := &InitiateAuthOutput{ChallengeName: ChallengeSelectChallenge, Session: session, ChallengeParameters: map[string]string{}}
	for _, f := range available {
		out.AvailableChallenges = append(out.AvailableChallenges, ChallengeName(f))
	}
	return &step{challenge: out}, nil
}

// firstFactors lists what the user may sign in with. For an unknown user
// it lists what a typical user would have, so the answer reveals nothing.
func (p *UserPool) firstFactors(u store.User, known bool) []string {
	var out []string
	for _, f := range p.cfg.AllowedFirstAuthFactors {
		switch {
		case f == FirstFactorPassword && (!known || u.Password.Hash != ""):
			out = append(out, f)
		case f == FirstFactorEmailOTP && p.cfg.EmailSender != nil && (!known || p.verified(u, "email")):
			out = append(out, f)
		case f == FirstFactorSMSOTP && p.cfg.SMSSender != nil && (!known || p.verified(u, "phone_number")):
			out = append(out, f)
		}
	}
	return out
}

// firstFactorCode sends a sign-in code (EMAIL_OTP, SMS_OTP). Sends are
// throttled per user, since no password gates them.
func (p *UserPool) firstFactorCode(ctx context.Context, c *appClient, u store.User, sub, factor string, st challengeState) (*step, error) {
	if !st.Decoy && !slices.Contains(p.firstFactors(u, true), factor) {
		st.Decoy = true // offered to look like everyone else; nothing to send
	}
	account := sub
	if st.Decoy {
		account = p.unknownKey(st.Username) // as simulatedSend: throttled like a real user
	}
	if err := p.throttle(ctx, "send:", account, st.From); err != nil {
		return nil, err
	}
	name, attr := ChallengeEmailOTP, "email"
	if factor == FirstFactorSMSOTP {
		name, attr = ChallengeSMSOTP, "phone_number"
	}
	st.Choices, st.FirstFactor = nil, factor
	if st.Decoy {
		session, err := p.newChallenge(ctx, c, sub, name, st)
		if err != nil {
			return nil, err
		}
		if err := p.postDecoy(ctx, attr); err != nil {
			return nil, err
		}
		// Say the medium a real user's code would take, with a made-up,
		// stable destination when the login cannot be one.
		d := p.simulatedDelivery(st.Username)
		switch {
		case name == ChallengeSMSOTP && d.DeliveryMedium != "SMS":
			d = &CodeDeliveryDetails{DeliveryMedium: "SMS", AttributeName: "phone_number", Destination: maskPhone(p.decoyPhone(st.Username))}
		case name == ChallengeEmailOTP && d.DeliveryMedium != "EMAIL":
			d = p.decoyEmail(st.Username)
		}
		return &step{challenge: &InitiateAuthOutput{ChallengeName: name, Session: session, ChallengeParameters: map[string]string{
			ParamCodeDeliveryMedium: d.DeliveryMedium, ParamCodeDeliveryDestination: d.Destination}}}, nil
	}
	if err := p.signInAllowed(u); err != nil {
		return nil, err
	}
	out, err := p.codeChallenge(ctx, c, u, name, attr, st)
	if err != nil {
		return nil, err
	}
	delete(out.challenge.ChallengeParameters, ParamUserIDForSRP) // a decoy could not know it
	return out, nil
}

// respondSelectChallenge takes the first factor chosen under SELECT_CHALLENGE:
// PASSWORD (with PASSWORD in the same answer), EMAIL_OTP or SMS_OTP.
func (p *UserPool) respondSelectChallenge(ctx context.Context, c *appClient, in answer) (*step, error) {
	r := in.ChallengeResponses
	return answerChallenge(ctx, p, c, in.by, in.Session, ChallengeSelectChallenge, func(s store.AuthSession, st challengeState) (*step, error) {
		answer := r[ParamAnswer]
		srpAnswer := answer == FirstFactorPasswordSRP && slices.Contains(st.Choices, FirstFactorPassword)
		if !slices.Contains(st.Choices, answer) && !srpAnswer {
			return nil, invalidParam("ANSWER must be one of AvailableChallenges")
		}
		if r[ParamUsername] != st.Username {
			return nil, invalidParam("USERNAME does not match the session")
		}
		if srpAnswer {
			if r[ParamSRPA] == "" {
				return nil, invalidParam("Missing required parameter SRP_A")
			}
			return p.srpAuth(ctx, &signInRequest{client: c, login: st.Username, secretHash: r[ParamSecretHash], deviceKey: st.DeviceKey,
				meta: in.ClientMetadata, hosted: st.Hosted, caller: caller{ip: st.IP, userAgent: st.UserAgent, device: st.Device}}, r[ParamSRPA])
		}
		if answer == FirstFactorPassword {
			if r[ParamPassword] == "" {
				return nil, invalidParam("Missing required parameter PASSWORD")
			}
			return p.passwordAuth(ctx, &signInRequest{client: c, login: st.Username, password: r[ParamPassword],
				secretHash: r[ParamSecretHash], deviceKey: st.DeviceKey, meta: in.ClientMetadata, hosted: st.Hosted,
				caller: caller{ip: st.From}})
		}
		var u store.User
		var err error
		if !st.Decoy {
			if u, err = p.challengeUser(ctx, c, s, st, r); err != nil {
				return nil, err
			}
		}
		if answer == FirstFactorWebAuthn {
			return p.passkeyFirstFactor(ctx, c, u, s.Subject, st)
		}
		return p.firstFactorCode(ctx, c, u, s.Subject, answer, st)
	})
}
