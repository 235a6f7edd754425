package userpool

// A password sign-in, top to bottom. Every way in (InitiateAuth,
// AdminInitiateAuth, the hosted UI's OAuthServer.SignIn) parses its
// request once into a signInRequest (parseSignIn) and runs the same path:
//
//	input          USERNAME, PASSWORD, DEVICE_KEY and SECRET_HASH are
//	               checked; malformed input changes nothing
//	lockout        countAttempt counts the attempt before the password is
//	               (lockout.go)
//	verification   the password hash (a dummy hash for unknown users)
//	next           afterFirstFactor: a second-factor challenge, or complete
//	end            the front end decides: endWithTokens mints tokens
//	               (this file); the hosted UI opens a hosted session
//	               (OAuthServer.endHosted, hosted.go)
//
// USER_AUTH (userauth.go) and CUSTOM_AUTH (customauth.go) start from the
// same request and refuse a locked account; their codes and answers count
// toward the lockout when they are answered. Challenge answers
// (RespondToAuthChallenge) open their session with answerChallenge
// (challenge.go) and rejoin the path at afterFirstFactor or complete.

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/cupola-auth/cupola/internal/passhash"
	"github.com/cupola-auth/cupola/store"
)

// AuthFlow is InitiateAuth's AuthFlow (cognito.md §2).
type AuthFlow string

// Auth flows. USER_SRP_AUTH arrives with its issue; it is refused with
// InvalidParameterException until then.
const (
	FlowUserPasswordAuth      AuthFlow = "USER_PASSWORD_AUTH"
	FlowAdminUserPasswordAuth AuthFlow = "ADMIN_USER_PASSWORD_AUTH"
	FlowRefreshTokenAuth      AuthFlow = "REFRESH_TOKEN_AUTH"
	FlowRefreshToken          AuthFlow = "REFRESH_TOKEN"
	FlowUserSRPAuth           AuthFlow = "USER_SRP_AUTH"
	FlowCustomAuth            AuthFlow = "CUSTOM_AUTH"
	FlowUserAuth              AuthFlow = "USER_AUTH"
)

// ChallengeName names a challenge in an InitiateAuth answer.
type ChallengeName string

// InitiateAuthInput is InitiateAuth's request. AuthParameters use
// Cognito's keys (ParamUsername, ParamPassword, ParamSecretHash,
// ParamRefreshToken…).
type InitiateAuthInput struct {
	AuthFlow       AuthFlow
	ClientID       string
	AuthParameters map[string]string
	ClientMetadata map[string]string
	// UserContextData describes the end user's device. Its IPAddress is
	// the source the lockout counts failures from (Config.Lockout); the
	// rest is recorded for risk assessment, which the pool does not do
	// yet.
	UserContextData *UserContextData
	// Session, with USER_AUTH, is ConfirmSignUp's: the user signs in
	// right after confirming, without the password.
	Session string
}

// UserContextData is what an end user's device tells about itself
// (Cognito's UserContextDataType).
type UserContextData struct {
	IPAddress   string
	EncodedData string
}

// ContextData is what a trusted back end tells about the end user it signs
// in (Cognito's ContextDataType, for AdminInitiateAuth).
type ContextData struct {
	IPAddress   string
	ServerName  string
	ServerPath  string
	HTTPHeaders []HTTPHeader
	EncodedData string
}

// HTTPHeader is one header of the end user's request.
type HTTPHeader struct {
	HeaderName  string
	HeaderValue string
}

// InitiateAuthOutput is InitiateAuth's answer: tokens, or a challenge.
type InitiateAuthOutput struct {
	AuthenticationResult *AuthenticationResult
	ChallengeName        ChallengeName
	ChallengeParameters  map[string]string
	Session              string
	// AvailableChallenges lists the first factors a USER_AUTH sign-in may
	// choose (with SELECT_CHALLENGE).
	AvailableChallenges []ChallengeName
}

// AdminInitiateAuthOutput is AdminInitiateAuth's answer; it has
// InitiateAuth's fields.
type AdminInitiateAuthOutput = InitiateAuthOutput

// InitiateAuth starts a sign-in from an end user's device:
// USER_PASSWORD_AUTH (USERNAME, PASSWORD), USER_AUTH, CUSTOM_AUTH or
// REFRESH_TOKEN_AUTH (REFRESH_TOKEN). The flow must be allowed by the
// client.
func (p *UserPool) InitiateAuth(ctx context.Context, in InitiateAuthInput) (out *InitiateAuthOutput, err error) {
	ctx, ob := p.begin(ctx, "InitiateAuth", AuditSignIn)
	defer func() { ob.finishSignIn(ctx, out, err) }()
	ob.flow = flowLabel(in.AuthFlow)
	if in.UserContextData != nil {
		ob.from(in.UserContextData.IPAddress, "")
	}
	defer func() { err = ended(ctx, err) }()
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	req, err := parseSignIn(c, in.AuthParameters, in.ClientMetadata)
	if err != nil {
		return nil, err
	}
	if in.UserContextData != nil {
		req.caller.ip = in.UserContextData.IPAddress
	}
	if in.AuthFlow == FlowAdminUserPasswordAuth {
		return nil, invalidParam("ADMIN_USER_PASSWORD_AUTH is only allowed through AdminInitiateAuth")
	}
	if in.Session != "" {
		if in.AuthFlow != FlowUserAuth {
			return nil, invalidParam("Session is taken only with USER_AUTH")
		}
		return p.endWithTokens(ctx)(p.signInAfterSignUp(ctx, req, in.Session))
	}
	return p.initiate(ctx, in.AuthFlow, req, FlowUserPasswordAuth, AllowUserPasswordAuth)
}

// AdminInitiateAuthInput is AdminInitiateAuth's request.
type AdminInitiateAuthInput struct {
	AuthFlow       AuthFlow
	ClientID       string
	AuthParameters map[string]string
	ClientMetadata map[string]string
	// ContextData describes the end user's request. Its IPAddress is the
	// source the lockout counts failures from (Config.Lockout); the
	// User-Agent header is recorded for risk assessment, which the pool
	// does not do yet.
	ContextData *ContextData
}

// AdminInitiateAuth starts a sign-in from a trusted back end:
// ADMIN_USER_PASSWORD_AUTH, USER_AUTH, CUSTOM_AUTH or REFRESH_TOKEN_AUTH.
// Callers must guard it as they would Cognito's IAM-authorized API.
func (p *UserPool) AdminInitiateAuth(ctx context.Context, in AdminInitiateAuthInput) (out *AdminInitiateAuthOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminInitiateAuth", AuditSignIn)
	defer func() { ob.finishSignIn(ctx, out, err) }()
	ob.flow = flowLabel(in.AuthFlow)
	defer func() { err = ended(ctx, err) }()
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	req, err := parseSignIn(c, in.AuthParameters, in.ClientMetadata)
	if err != nil {
		return nil, err
	}
	if d := in.ContextData; d != nil {
		req.caller.ip = d.IPAddress
		for _, h := range d.HTTPHeaders {
			if strings.EqualFold(h.HeaderName, "User-Agent") {
				req.caller.userAgent = h.HeaderValue
			}
		}
		ob.from(req.caller.ip, req.caller.userAgent)
	}
	return p.initiate(ctx, in.AuthFlow, req, FlowAdminUserPasswordAuth, AllowAdminUserPasswordAuth)
}

// initiate runs an auth flow for the API: password is the password flow
// this entry point accepts, allowed the client setting that enables it.
func (p *UserPool) initiate(ctx context.Context, flow AuthFlow, req *signInRequest, password AuthFlow, allowed string) (*InitiateAuthOutput, error) {
	switch flow {
	case password:
		if !req.client.allows(allowed) {
			return nil, invalidParam(string(password) + " flow not enabled for this client")
		}
		return p.endWithTokens(ctx)(p.passwordAuth(ctx, req))
	case FlowRefreshTokenAuth, FlowRefreshToken:
		return p.refreshAuth(ctx, req)
	case FlowUserAuth:
		return p.endWithTokens(ctx)(p.userAuth(ctx, req))
	case FlowCustomAuth:
		return p.endWithTokens(ctx)(p.customAuth(ctx, req))
	case FlowUserSRPAuth:
		if !req.client.allows(AllowUserSRPAuth) {
			return nil, invalidParam("USER_SRP_AUTH flow not enabled for this client")
		}
		return p.endWithTokens(ctx)(p.srpAuth(ctx, req, req.srpA))
	case "":
		return nil, invalidParam("Missing required parameter AuthFlow")
	default:
		return nil, invalidParam("Unsupported auth flow " + sanitize(string(flow)))
	}
}

// signInRequest is one sign-in attempt, parsed once from AuthParameters
// (or the hosted UI's form) and carried through its first request.
type signInRequest struct {
	client       *appClient
	login        string // USERNAME as typed: a username or a sign-in alias
	password     string
	secretHash   string
	deviceKey    string // DEVICE_KEY of a device the client remembers
	preferred    string // USER_AUTH's PREFERRED_CHALLENGE
	challenge    string // CUSTOM_AUTH's CHALLENGE_NAME
	srpA         string // SRP_A of an SRP sign-in
	refreshToken string
	meta         map[string]string // ClientMetadata, handed to triggers
	caller       caller
	// hosted marks a sign-in begun in the hosted UI: its challenge
	// sessions can only be answered there, and it ends in a principal.
	hosted bool
}

// caller is who asks to sign in, as far as the request tells: its address
// is the lockout's source (lockout.go); both go into the auth event.
type caller struct {
	ip        string
	userAgent string
	// device is the hosted UI's device cookie, or the remembered device's
	// key: the device the risk assessor knows the user by.
	device string
}

// parseSignIn reads AuthParameters once. Keys a flow does not use are
// ignored; DEVICE_KEY, which every flow may carry into its sessions, is
// bounded here.
func parseSignIn(c *appClient, params, meta map[string]string) (*signInRequest, error) {
	if len(params[ParamDeviceKey]) > maxDeviceKeyLen {
		return nil, invalidParam("DEVICE_KEY is too long")
	}
	return &signInRequest{
		client: c, login: params[ParamUsername], password: params[ParamPassword], secretHash: params[ParamSecretHash],
		deviceKey: params[ParamDeviceKey], preferred: params[ParamPreferredChallenge], challenge: params[ParamChallengeName],
		refreshToken: params[ParamRefreshToken], srpA: params[ParamSRPA], meta: meta,
	}, nil
}

// state is the challenge-session state a sign-in starts with.
func (r *signInRequest) state() challengeState {
	return challengeState{Username: r.login, DeviceKey: r.deviceKey, Hosted: r.hosted, From: r.from(),
		IP: r.caller.ip, UserAgent: deviceName(r.caller.userAgent), Device: r.device()}
}

// device is the device the request comes from, as far as it tells: the
// remembered device it names, else the hosted UI's device cookie.
func (r *signInRequest) device() string {
	if r.deviceKey != "" {
		return r.deviceKey
	}
	return r.caller.device
}

// from is the lockout source of the request ("" when unknown).
func (r *signInRequest) from() string { return source(r.caller.ip) }

// step is where a sign-in stands after one request: a challenge to answer
// next, or done.
type step struct {
	challenge *InitiateAuthOutput
	done      *signedIn
}

// signedIn is a sign-in that proved every factor it needs.
type signedIn struct {
	client    *appClient
	user      store.User
	deviceKey string
	source    string // PreTokenGeneration's trigger source
	hosted    bool   // begun in the hosted UI
}

// endWithTokens ends an API sign-in step: a challenge goes back to the
// caller; a completed sign-in gets its tokens, and PostAuthentication may
// still refuse it. A sign-in begun in the hosted UI cannot end here.
func (p *UserPool) endWithTokens(ctx context.Context) func(*step, error) (*InitiateAuthOutput, error) {
	return func(s *step, err error) (*InitiateAuthOutput, error) {
		if err != nil {
			return nil, err
		}
		if s.done == nil {
			return s.challenge, nil
		}
		d := s.done
		if d.hosted {
			return nil, newErr(CodeNotAuthorized, msgSessionExpired)
		}
		res, famID, err := p.startSession(ctx, d.client, d.user, []string{ScopeAdmin}, d.deviceKey, d.source)
		if err != nil {
			return nil, err
		}
		// A device is new when this sign-in made it; one the client named is
		// not, even when it is offered again for confirmation.
		newDevice := res.NewDeviceMetadata != nil && res.NewDeviceMetadata.DeviceKey != d.deviceKey
		if err := p.postAuthentication(ctx, d.user, d.client.ID, newDevice); err != nil {
			// The sign-in is refused: the tokens just issued must not outlive it.
			if rerr := p.store.RevokeFamily(context.WithoutCancel(ctx), p.cfg.ID, famID, p.now()); rerr != nil {
				p.log.ErrorContext(ctx, "revoking a refused sign-in failed", "sub", d.user.Sub, "err", rerr)
			}
			return nil, err
		}
		return &InitiateAuthOutput{AuthenticationResult: res}, nil
	}
}

// passwordAuth checks a username and password. Unknown users cost the same
// work as known ones and, when the client prevents existence errors, get
// the same answer. Every attempt is counted before the password is hashed,
// so parallel guesses cannot outrun the lockout.
func (p *UserPool) passwordAuth(ctx context.Context, req *signInRequest) (*step, error) {
	c, login, password := req.client, req.login, req.password
	if err := checkLogin(login); err != nil {
		return nil, err
	}
	if password == "" {
		return nil, invalidParam("Missing required parameter PASSWORD")
	}
	if len(password) > passhash.MaxPasswordBytes || !utf8.ValidString(password) {
		// No password of the policy is this long or invalid UTF-8; answer
		// before any look-up so known and unknown users cost the same.
		return nil, newErr(CodeNotAuthorized, msgIncorrect)
	}
	if err := c.checkSecretHash(login, req.secretHash); err != nil {
		return nil, err
	}
	u, err := p.findUser(ctx, login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internalErr("find user", err)
	}
	known := err == nil

	// Lockout: the attempt counts before anything is checked.
	key := p.unknownKey(login)
	if known {
		key = u.Sub
	}
	if err := p.countAttempt(ctx, key, req.from()); err != nil {
		return nil, err
	}
	if known || c.preventsExistenceErrors() {
		if err := p.preAuthentication(ctx, u, login, c.ID, known, nil, req.meta); err != nil {
			return nil, err
		}
	}

	// Verification.
	if !known {
		return p.unknownUserAuth(ctx, req)
	}
	if u.Password.Hash == "" {
		// Imported without a hash: nothing to check the password against.
		// Saying "reset required" to any password would tell a stranger the
		// account exists; with existence errors prevented the user learns
		// it from ForgotPassword instead.
		if err := p.hasher.VerifyDummy(ctx, password); err != nil {
			return nil, p.hashErr(err)
		}
		p.countSourceFailure(ctx, req.from())
		if u.Status == store.StatusResetRequired && !c.preventsExistenceErrors() {
			return nil, newErr(CodePasswordResetRequired, msgResetRequired)
		}
		return nil, newErr(CodeNotAuthorized, msgIncorrect)
	}
	ok, rehash, err := p.hasher.Verify(ctx, u.Password.Hash, password)
	if err := p.verifyErr(ctx, u.Sub, err); err != nil {
		return nil, err
	}
	if !ok {
		p.countSourceFailure(ctx, req.from())
		p.recordEvent(ctx, u, event{typ: EventSignIn, response: EventFail, caller: req.caller,
			challenges: []ChallengeResponseType{{ChallengeName: "Password", ChallengeResponse: "Failure"}}})
		return nil, newErr(CodeNotAuthorized, msgIncorrect)
	}

	if rehash || u.Password.SRPVerifier == "" {
		p.upgradeHash(ctx, u, password, rehash)
	}
	return p.passwordProved(ctx, req, u)
}

// passwordProved continues a sign-in whose password was right, checked
// against its hash (passwordAuth) or by SRP (srp_flow.go). The attempt
// stays counted until the whole sign-in completes (complete clears it), so
// a second factor cannot be guessed behind a known password; an answer
// that ends here clears it.
func (p *UserPool) passwordProved(ctx context.Context, req *signInRequest, u store.User) (*step, error) {
	c := req.client
	if u.Enabled && u.Status == store.StatusForceChangePassword {
		if !u.Password.ExpiresAt.IsZero() && !p.now().Before(u.Password.ExpiresAt) {
			return nil, newErr(CodeNotAuthorized, "Temporary password has expired and must be reset by an administrator.")
		}
		return p.newPasswordChallenge(ctx, c, u, req.state())
	}
	if err := p.signInAllowed(u); err != nil {
		if cerr := p.clearAttempts(ctx, u.Sub, req.from()); cerr != nil {
			return nil, cerr
		}
		return nil, err
	}
	v, err := p.assessSignIn(ctx, req, u)
	if err != nil {
		return nil, err
	}
	st := req.state()
	if v.assessed {
		st.RiskLevel, st.RiskDecision, st.Country, st.City = v.level.String(), v.decision, v.country, v.city
		st.EventID, st.Feedback = v.eventID, v.feedback
	}
	if v.action == ActionMFARequired || v.action == ActionMFAIfConfigured {
		return p.riskStepUp(ctx, c, u, st, v.action)
	}
	return p.afterFirstFactor(ctx, c, u, st, sourceAuthentication)
}

// unknownUserAuth answers a password sign-in of a login the pool does not
// know. The user may still be in the system the team is moving from: the
// MigrateUser trigger checks the password there and, if it is right, the
// user is created here and signs in.
func (p *UserPool) unknownUserAuth(ctx context.Context, req *signInRequest) (*step, error) {
	c := req.client
	migrated, ok, err := p.migrateUser(ctx, c, req.login, req.password, req.meta)
	if err != nil {
		return nil, err
	}
	if ok {
		if migrated.Status == store.StatusResetRequired {
			return nil, newErr(CodePasswordResetRequired, msgResetRequired)
		}
		if err := p.signInAllowed(migrated); err != nil {
			return nil, err
		}
		return p.afterFirstFactor(ctx, c, migrated, req.state(), sourceAuthentication)
	}
	if p.cfg.Triggers.MigrateUser == nil {
		if err := p.hasher.VerifyDummy(ctx, req.password); err != nil {
			return nil, p.hashErr(err)
		}
	}
	p.countSourceFailure(ctx, req.from())
	if c.preventsExistenceErrors() {
		return nil, newErr(CodeNotAuthorized, msgIncorrect)
	}
	return nil, newErr(CodeUserNotFound, msgUserNotExist)
}

// maxDeviceKeyLen bounds a DEVICE_KEY before it is looked up.
const maxDeviceKeyLen = 128

// afterFirstFactor runs once a user proved their first factor (password,
// new password): it asks for the second factor the pool and the user call
// for, or lets a remembered device prove itself instead, or completes the
// sign-in. st carries the login and device into the next challenge;
// source is the token-generation trigger source if the sign-in completes
// now.
func (p *UserPool) afterFirstFactor(ctx context.Context, c *appClient, u store.User, st challengeState, source string) (*step, error) {
	if p.cfg.MFA.Mode == MFAOff {
		return p.complete(ctx, c, u, st, source)
	}
	factors := p.userFactors(u)
	if len(factors) == 0 && p.cfg.MFA.Mode == MFAOptional {
		return p.complete(ctx, c, u, st, source)
	}
	if st.DeviceKey != "" && p.cfg.Devices.Enabled && p.cfg.Devices.SkipMFAOnRememberedDevice {
		d, err := p.store.GetDevice(ctx, p.cfg.ID, u.Sub, st.DeviceKey)
		if err == nil && d.Remembered && len(d.Verifier) > 0 {
			return p.deviceChallenge(ctx, c, u, st)
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, internalErr("device", err)
		}
	}
	st.Source = source
	return p.mfaChallenge(ctx, c, u, st, factors)
}

// complete ends a sign-in whose every factor is proved: the failed
// attempts are forgotten, and the front end that began it decides what the
// user gets (endWithTokens, or the hosted UI's session). Either stores a
// session, a durable write, before it answers a sign-in, so the clearing
// needs no flush of its own (store.DeferSync); a sign-in refused after it
// (a trigger, a token failure) leaves a clearing that a crash may undo,
// which nothing answered relies on.
func (p *UserPool) complete(ctx context.Context, c *appClient, u store.User, st challengeState, source string) (*step, error) {
	if err := p.clearAttempts(store.DeferSync(ctx), u.Sub, st.From); err != nil {
		return nil, err
	}
	p.recordEvent(ctx, u, event{id: st.EventID, feedback: st.Feedback, typ: EventSignIn, response: EventPass, caller: caller{ip: st.IP, userAgent: st.UserAgent, device: st.Device},
		risk: EventRiskType{RiskDecision: st.RiskDecision, RiskLevel: st.RiskLevel}, country: st.Country, city: st.City})
	return &step{done: &signedIn{client: c, user: u, deviceKey: st.DeviceKey, source: source, hosted: st.Hosted}}, nil
}

// signedInStatus reports whether a user in status s may hold a session:
// a confirmed user, or a federated one (who signs in at their provider).
func signedInStatus(s store.UserStatus) bool {
	return s == store.StatusConfirmed || s == store.StatusExternalProvider
}

// signInAllowed maps a user's state to Cognito's answers after a correct
// password.
func (p *UserPool) signInAllowed(u store.User) error {
	if !u.Enabled {
		return newErr(CodeNotAuthorized, msgDisabled)
	}
	switch u.Status {
	case store.StatusConfirmed:
		return nil
	case store.StatusUnconfirmed:
		return newErr(CodeUserNotConfirmed, msgNotConfirmed)
	case store.StatusResetRequired:
		return newErr(CodePasswordResetRequired, msgResetRequired)
	default:
		return newErr(CodeUnsupportedUserState, "User is in status "+string(u.Status)+", which this sign-in flow cannot complete.")
	}
}

// upgradeHash re-hashes a password that matched an old hash (bcrypt, or
// older argon2id parameters) when rehash is set, and computes the SRP
// verifier a password without one lacks (imported, or set before SRP).
// Failure is logged, never fatal: the old hash still works.
func (p *UserPool) upgradeHash(ctx context.Context, u store.User, password string, rehash bool) {
	old := u.Password.Hash
	hash := old
	if rehash {
		var err error
		if hash, err = p.hasher.Hash(ctx, password); err != nil {
			p.log.WarnContext(ctx, "password rehash failed", "sub", u.Sub, "err", err)
			return
		}
	}
	verifier, err := p.sealSRPVerifier(u.Sub, u.Username, password)
	if err != nil {
		p.log.WarnContext(ctx, "srp verifier not computed", "sub", u.Sub, "err", err)
		return
	}
	_, err = p.modifyUser(ctx, "rehash password", u.Sub, func(u *store.User) error {
		if u.Password.Hash != old {
			return errPasswordChanged
		}
		u.Password.Hash, u.Password.SRPVerifier = hash, verifier
		return nil
	})
	if err != nil && !errors.Is(err, errPasswordChanged) {
		p.log.WarnContext(ctx, "password rehash not stored", "sub", u.Sub, "err", err)
	}
}

var errPasswordChanged = errors.New("password changed meanwhile")

// hashErr answers a hash that did not run: a password too long, the
// caller gone (endedErr), or every slot taken and the queue full
// (TooManyRequestsException at once).
func (p *UserPool) hashErr(err error) error {
	switch {
	case errors.Is(err, passhash.ErrTooLong):
		return newErr(CodeInvalidPassword, "Password did not conform with policy: Password is too long")
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return endedErr("password hash", err)
	}
	return &Error{Code: CodeTooManyRequests, Message: "Too many sign-ins in progress; retry.", Err: err}
}

// verifyErr sorts the error of a password verification: a stored hash
// that cannot be read is logged and the password counts as wrong (nil, as
// a password too long does); a verification that did not run (the queue
// full, the caller gone) is answered with hashErr, never as a wrong
// password.
func (p *UserPool) verifyErr(ctx context.Context, sub string, err error) error {
	switch {
	case err == nil || errors.Is(err, passhash.ErrTooLong):
		return nil
	case errors.Is(err, passhash.ErrMalformedHash):
		p.log.ErrorContext(ctx, "stored password hash unreadable", "sub", sub, "err", err)
		return nil
	}
	return p.hashErr(err)
}
