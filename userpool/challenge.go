package userpool

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/trigger"
)

// Challenge names (cognito.md §2).
const (
	ChallengeNewPasswordRequired    ChallengeName = "NEW_PASSWORD_REQUIRED"
	ChallengeSoftwareTokenMFA       ChallengeName = "SOFTWARE_TOKEN_MFA"
	ChallengeSMSMFA                 ChallengeName = "SMS_MFA"
	ChallengeEmailOTP               ChallengeName = "EMAIL_OTP"
	ChallengeSMSOTP                 ChallengeName = "SMS_OTP"
	ChallengeSelectMFAType          ChallengeName = "SELECT_MFA_TYPE"
	ChallengeMFASetup               ChallengeName = "MFA_SETUP"
	ChallengeSelectChallenge        ChallengeName = "SELECT_CHALLENGE"
	ChallengePassword               ChallengeName = "PASSWORD"
	ChallengeDevicePasswordVerifier ChallengeName = "DEVICE_PASSWORD_VERIFIER"
)

// sessionTokenBytes is the entropy of a challenge Session string.
const sessionTokenBytes = 48

// maxChallengeAttempts wrong answers end a challenge session.
const maxChallengeAttempts = 5

// msgSessionExpired is the message Cognito's clients match on.
const msgSessionExpired = "Invalid session for the user, session is expired."

// challengeState is what a Session remembers between steps.
type challengeState struct {
	// Username is the name the user signed in with; responses must repeat
	// it (or the user's username) as USERNAME.
	Username string `json:"u"`
	// CodeHash is the hash of an emailed or texted code for this step.
	CodeHash []byte `json:"h,omitempty"`
	// Attempts counts wrong answers in this session.
	Attempts int `json:"n,omitempty"`
	// Choices are the factors a SELECT_* step may pick from.
	Choices []string `json:"c,omitempty"`
	// Pending is a sealed TOTP secret being set up (MFA_SETUP).
	Pending []byte `json:"p,omitempty"`
	// SetupDone marks an MFA_SETUP session whose token was verified.
	SetupDone bool `json:"d,omitempty"`
	// DeviceKey is the device the client named at sign-in.
	DeviceKey string `json:"k,omitempty"`
	// Decoy marks a session made for an unknown user: every answer fails.
	Decoy bool `json:"x,omitempty"`
	// From is the source the sign-in began from (see source): its answers
	// count toward the lockout from there.
	From string `json:"i,omitempty"`
	// Caller is where the sign-in began, for its auth event.
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"ua,omitempty"`
	Device    string `json:"dv,omitempty"`
	// The risk threat protection saw in the first factor, for the event
	// that ends the sign-in.
	RiskLevel    string `json:"rl,omitempty"`
	RiskDecision string `json:"rd,omitempty"`
	Country      string `json:"co,omitempty"`
	City         string `json:"ci,omitempty"`
	// EventID and Feedback are the event a risk notification about this
	// sign-in links to, and its feedback token's hash.
	EventID  string `json:"ei,omitempty"`
	Feedback []byte `json:"ef,omitempty"`
	// FirstFactor is the USER_AUTH first factor (EMAIL_OTP, SMS_OTP) this
	// code answers; a second factor may follow it.
	FirstFactor string `json:"f,omitempty"`
	// History is a custom-auth conversation so far (DefineAuthChallenge's
	// session); Private and Metadata belong to the pending challenge and
	// never leave the server.
	History  []trigger.ChallengeResult `json:"y,omitempty"`
	Private  map[string]string         `json:"z,omitempty"`
	Metadata string                    `json:"m,omitempty"`
	// Source is the token-generation trigger source if the sign-in
	// completes at the next answer ("" means TokenGeneration_Authentication).
	Source string `json:"s,omitempty"`
	// Login is what the user typed at an SRP sign-in, when Username is
	// the canonical username SRP binds (USER_ID_FOR_SRP).
	Login string `json:"l,omitempty"`
	// SRPKey is an SRP handshake's session key, sealed; Custom marks an
	// SRP step of CUSTOM_AUTH, whose answer goes to DefineAuthChallenge.
	SRPKey []byte `json:"sk,omitempty"`
	Custom bool   `json:"cu,omitempty"`
	// SecretBlock is a device handshake's SECRET_BLOCK, which its answer
	// must carry back.
	SecretBlock string `json:"sb,omitempty"`
	// WebAuthn is the passkey ceremony a WEB_AUTHN challenge waits on.
	WebAuthn []byte `json:"wa,omitempty"`
	// Hosted marks a sign-in begun in the hosted UI: it can only end
	// there, in a principal, never in tokens.
	Hosted bool `json:"w,omitempty"`
}

// source is the token-generation trigger source if the sign-in completes
// at this answer.
func (st challengeState) source() string {
	if st.Source == "" {
		return sourceAuthentication
	}
	return st.Source
}

// newChallenge opens a single-use, expiring Session for the next step of
// the sign-in of user sub at client c.
func (p *UserPool) newChallenge(ctx context.Context, c *appClient, sub string, name ChallengeName, st challengeState) (string, error) {
	raw, err := random.Token(p.random, sessionTokenBytes)
	if err != nil {
		return "", internalErr("challenge session", err)
	}
	return raw, p.putChallenge(ctx, c, sub, name, st, raw)
}

// putChallenge stores the session of newChallenge under the token raw,
// which the caller drew (SRP's SECRET_BLOCK is one).
func (p *UserPool) putChallenge(ctx context.Context, c *appClient, sub string, name ChallengeName, st challengeState, raw string) error {
	if st.Hosted && st.Source == "" {
		// Until every instance reads Hosted: the previous release knows a
		// hosted sign-in by this source (a hosted session's tokens are
		// minted at the code exchange, so Source means nothing else here).
		st.Source = sourceHostedAuth
	}
	data, err := json.Marshal(st)
	if err != nil {
		return internalErr("challenge session", err)
	}
	now := p.now()
	validity := c.Settings.AuthSessionValidity
	if (name == ChallengeSMSMFA || name == ChallengeEmailOTP || name == ChallengeSMSOTP) && p.cfg.CodeValidity < validity {
		validity = p.cfg.CodeValidity // a texted or emailed code lives no longer than CodeValidity
	}
	err = p.store.PutAuthSession(ctx, store.AuthSession{PoolID: p.cfg.ID, ID: sessionID(raw), Subject: sub, ClientID: c.ID,
		Challenge: string(name), Data: data, ExpiresAt: now.Add(validity), CreatedAt: now})
	if err != nil {
		return internalErr("challenge session", err)
	}
	return nil
}

// sessionID is how a Session is stored: its hash, so a database read does
// not yield live sessions.
func sessionID(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// errKeepSession marks an answer refused before it was checked (see
// keepSession).
type errKeepSession struct{ err error }

func (e errKeepSession) Error() string { return e.err.Error() }
func (e errKeepSession) Unwrap() error { return e.err }

// keepSession marks err, returned by an answerChallenge check, as refusing
// the answer before anything was checked or counted, for a reason the user
// can correct: the session is put back for a corrected answer.
// answerChallenge treats a bare InvalidParameter *Error the same way; an
// error that only wraps one (a trigger's, say) is not malformed input and
// ends the session.
func keepSession(err error) error { return errKeepSession{err} }

// malformed reports whether check refused the answer as input the user
// can correct: a keepSession mark, or an *Error whose own code (not that
// of an error it wraps) is InvalidParameter.
func malformed(err error) (error, bool) {
	var keep errKeepSession
	if errors.As(err, &keep) {
		return keep.err, true
	}
	if e, ok := err.(*Error); ok && e.Code == CodeInvalidParameter {
		return err, true
	}
	return err, false
}

// frontEnd is what answers a challenge: the API (RespondToAuthChallenge)
// or the hosted UI (OAuthServer). A sign-in ends at the front end that
// began it, so a session answers only to that one.
type frontEnd uint8

const (
	byAPI frontEnd = iota + 1
	byHostedUI
	// byAnyFrontEnd is for steps that do not end a sign-in (setting up
	// TOTP with an MFA_SETUP session), which both front ends take.
	byAnyFrontEnd
)

// answer is a challenge response on its way to its check, with the front
// end that sent it.
type answer struct {
	RespondToAuthChallengeInput
	by frontEnd
}

// answerChallenge is how every challenge answer opens and closes its
// Session. It consumes the session (so one answer wins, even in parallel),
// refuses a session begun at the other front end, hands the session to
// check, and puts it back unchanged when check refused the answer as
// malformed (see malformed), so the user can correct a typo within the
// session's lifetime. Any other outcome has used the session up; check
// opens a new one for the next step (newChallenge) or counts a wrong answer
// (wrongAnswer).
func answerChallenge[T any](ctx context.Context, p *UserPool, c *appClient, by frontEnd, raw string, name ChallengeName,
	check func(s store.AuthSession, st challengeState) (T, error)) (T, error) {
	var zero T
	expired := newErr(CodeNotAuthorized, msgSessionExpired)
	if raw == "" || len(raw) > 1024 {
		return zero, expired
	}
	s, err := p.store.ConsumeAuthSession(ctx, p.cfg.ID, sessionID(raw), c.ID, p.now())
	if errors.Is(err, store.ErrNotFound) {
		return zero, expired
	}
	if err != nil {
		return zero, internalErr("challenge session", err)
	}
	var st challengeState
	if s.Challenge != string(name) || json.Unmarshal(s.Data, &st) != nil {
		return zero, expired
	}
	if st.Source == sourceHostedAuth { // see newChallenge
		st.Source, st.Hosted = "", true
	}
	if (by == byAPI && st.Hosted) || (by == byHostedUI && !st.Hosted) {
		// Before anything is checked or spent: neither front end may finish
		// the other's sign-in.
		return zero, expired
	}
	out, err := check(s, st)
	err, keep := malformed(err)
	if !keep {
		return out, err
	}
	if perr := p.store.PutAuthSession(context.WithoutCancel(ctx), s); perr != nil {
		p.log.WarnContext(ctx, "challenge session not restored", "err", perr)
	}
	return out, err
}

// wrongAnswer counts a wrong answer: the session comes back for another
// try until maxChallengeAttempts, then it is gone.
func (p *UserPool) wrongAnswer(ctx context.Context, s store.AuthSession, st challengeState) error {
	p.countSourceFailure(ctx, st.From)
	if !st.Decoy {
		p.recordEvent(ctx, store.User{Sub: s.Subject, Username: st.Username}, event{typ: EventSignIn, response: EventFail,
			caller:     caller{ip: st.IP, userAgent: st.UserAgent, device: st.Device},
			challenges: []ChallengeResponseType{{ChallengeName: "Mfa", ChallengeResponse: "Failure"}}})
	}
	st.Attempts++
	if st.Attempts >= maxChallengeAttempts {
		return newErr(CodeNotAuthorized, "Invalid code or auth state for the user; too many attempts, sign in again.")
	}
	data, err := json.Marshal(st)
	if err != nil {
		return internalErr("challenge session", err)
	}
	s.Data = data
	if err := p.store.PutAuthSession(context.WithoutCancel(ctx), s); err != nil {
		return internalErr("challenge session", err)
	}
	return newErr(CodeCodeMismatch, "Invalid code received for user")
}

// RespondToAuthChallengeInput is RespondToAuthChallenge's request.
type RespondToAuthChallengeInput struct {
	ClientID           string
	ChallengeName      ChallengeName
	Session            string
	ChallengeResponses map[string]string
	ClientMetadata     map[string]string
}

// RespondToAuthChallenge answers a challenge from InitiateAuth with the
// Session it returned. Each Session is good for one answer (a wrong code
// may be retried a few times in the same session).
func (p *UserPool) RespondToAuthChallenge(ctx context.Context, in RespondToAuthChallengeInput) (out *RespondToAuthChallengeOutput, err error) {
	ctx, ob := p.begin(ctx, "RespondToAuthChallenge", AuditSignIn)
	defer func() { ob.finishSignIn(ctx, out, err) }()
	ob.flow = flowRespond
	return p.respondAPI(ctx, in)
}

// respondAPI is RespondToAuthChallenge and AdminRespondToAuthChallenge.
func (p *UserPool) respondAPI(ctx context.Context, in RespondToAuthChallengeInput) (_ *RespondToAuthChallengeOutput, err error) {
	defer func() { err = ended(ctx, err) }()
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	return p.endWithTokens(ctx)(p.respond(ctx, c, answer{in, byAPI}))
}

// RespondToAuthChallengeOutput is RespondToAuthChallenge's answer: tokens,
// or the next challenge. It has InitiateAuth's fields.
type RespondToAuthChallengeOutput = InitiateAuthOutput

// AdminRespondToAuthChallengeInput is AdminRespondToAuthChallenge's
// request; it has RespondToAuthChallenge's fields.
type AdminRespondToAuthChallengeInput = RespondToAuthChallengeInput

// AdminRespondToAuthChallengeOutput is AdminRespondToAuthChallenge's
// answer; it has InitiateAuth's fields.
type AdminRespondToAuthChallengeOutput = InitiateAuthOutput

// AdminRespondToAuthChallenge is RespondToAuthChallenge for trusted back
// ends (the answer to AdminInitiateAuth's challenges).
func (p *UserPool) AdminRespondToAuthChallenge(ctx context.Context, in AdminRespondToAuthChallengeInput) (out *AdminRespondToAuthChallengeOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminRespondToAuthChallenge", AuditSignIn)
	defer func() { ob.finishSignIn(ctx, out, err) }()
	ob.flow = flowRespond
	return p.respondAPI(ctx, in)
}

// respond routes a challenge answer to its check. The front end that asks
// ends the sign-in (endWithTokens, or the hosted UI's endHosted) and
// refuses one begun at the other.
func (p *UserPool) respond(ctx context.Context, c *appClient, in answer) (*step, error) {
	if in.ChallengeResponses == nil {
		in.ChallengeResponses = map[string]string{}
	}
	switch in.ChallengeName {
	case ChallengeNewPasswordRequired:
		return p.respondNewPassword(ctx, c, in)
	case ChallengeSoftwareTokenMFA:
		return p.respondTOTP(ctx, c, in)
	case ChallengeSMSMFA, ChallengeEmailOTP, ChallengeSMSOTP:
		return p.respondCode(ctx, c, in)
	case ChallengeSelectMFAType:
		return p.respondSelectMFA(ctx, c, in)
	case ChallengeMFASetup:
		return p.respondMFASetup(ctx, c, in)
	case ChallengeSelectChallenge:
		return p.respondSelectChallenge(ctx, c, in)
	case ChallengeDeviceSRPAuth:
		return p.respondDeviceSRP(ctx, c, in)
	case ChallengeDevicePasswordVerifier:
		return p.respondDevice(ctx, c, in)
	case ChallengeWebAuthn:
		return p.respondWebAuthn(ctx, c, in)
	case ChallengeCustom:
		return p.respondCustom(ctx, c, in)
	case ChallengePasswordVerifier:
		if in.ChallengeResponses[ParamPasswordClaimSignature] != "" {
			return p.respondSRP(ctx, c, in)
		}
		return p.respondPasswordVerifier(ctx, c, in)
	case "":
		return nil, invalidParam("Missing required parameter ChallengeName")
	default:
		return nil, invalidParam("Unsupported challenge " + sanitize(string(in.ChallengeName)))
	}
}

// challengeUser loads the user of a session and checks the USERNAME the
// response repeats. Decoy sessions (unknown users) fail here.
func (p *UserPool) challengeUser(ctx context.Context, c *appClient, s store.AuthSession, st challengeState, r map[string]string) (store.User, error) {
	expired := newErr(CodeNotAuthorized, msgSessionExpired)
	if st.Decoy {
		return store.User{}, newErr(CodeNotAuthorized, msgIncorrect)
	}
	u, err := p.store.GetUser(ctx, p.cfg.ID, s.Subject)
	if errors.Is(err, store.ErrNotFound) {
		return u, expired
	}
	if err != nil {
		return u, internalErr("challenge", err)
	}
	if o := opOf(ctx); o != nil {
		o.user(u)
		o.from(st.IP, st.UserAgent)
	}
	if name := r[ParamUsername]; name != st.Username && name != u.Username {
		return u, invalidParam("USERNAME does not match the session")
	}
	if err := c.checkSecretHash(r[ParamUsername], r[ParamSecretHash]); err != nil {
		return u, err
	}
	if !u.Enabled {
		return u, newErr(CodeNotAuthorized, msgDisabled)
	}
	return u, nil
}
