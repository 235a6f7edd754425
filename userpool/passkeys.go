package userpool

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/mfa"
	"github.com/cupola-auth/cupola/store"
)

// Passkeys (WebAuthn): registering them with an access token (or a
// hosted-UI session), listing and deleting them, and signing in with one
// under USER_AUTH (the WEB_AUTHN challenge). The ceremonies themselves are
// mfa.WebAuthn's; this file keeps their state, counts their failures
// toward the lockout, and stores the credentials.

// WebAuthnConfig configures passkeys (Cognito's WebAuthnConfiguration).
// Passkeys are on when AllowedFirstAuthFactors lists WEB_AUTHN.
type WebAuthnConfig struct {
	// RelyingPartyID is the domain passkeys are bound to; empty means the
	// host of Issuer (where the hosted UI is served). It must be a domain
	// name (localhost in development): browsers refuse IP addresses.
	RelyingPartyID string
	// RelyingPartyName is what authenticators show; empty means Name.
	RelyingPartyName string
	// Origins are the exact origins whose pages run the ceremonies; empty
	// means Issuer's origin.
	Origins []string
	// UserVerification is "required" (the default: every passkey use
	// asks for a PIN or biometric, so a passkey sign-in satisfies MFA) or
	// "preferred" (a passkey used without it is one factor, and MFA
	// follows as after a password).
	UserVerification string
	// Attestation is the attestation conveyance asked for: "none" (the
	// default), "indirect", "direct" or "enterprise".
	Attestation string
	// MaxCredentials bounds a user's passkeys; zero means 20, as Cognito.
	MaxCredentials int
}

// FirstFactorWebAuthn is the USER_AUTH first factor of passkeys.
const FirstFactorWebAuthn = "WEB_AUTHN"

// ChallengeWebAuthn asks for a passkey assertion: ChallengeParameters
// carry ParamCredentialRequestOptions, the answer ParamCredential.
const ChallengeWebAuthn ChallengeName = "WEB_AUTHN"

// Passkey parameters, as Cognito names them.
const (
	// ParamCredentialRequestOptions is the JSON of the
	// PublicKeyCredentialRequestOptions for navigator.credentials.get.
	ParamCredentialRequestOptions = "CREDENTIAL_REQUEST_OPTIONS"
	// ParamCredential is the JSON of the PublicKeyCredential the browser
	// returned.
	ParamCredential = "CREDENTIAL"
)

// registrationValidity bounds a passkey registration ceremony.
const registrationValidity = 5 * time.Minute

// maxListedPasskeys is the largest page of ListWebAuthnCredentials.
const maxListedPasskeys = 20

// newWebAuthn builds the pool's relying party, or nil when passkeys are off.
func newWebAuthn(cfg Config) (*mfa.WebAuthn, error) {
	if !slices.Contains(cfg.AllowedFirstAuthFactors, FirstFactorWebAuthn) {
		return nil, nil
	}
	w := cfg.WebAuthn
	issuer, err := url.Parse(cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("userpool: config: Issuer: %w", err)
	}
	if w.RelyingPartyID == "" {
		w.RelyingPartyID = issuer.Hostname()
		if net.ParseIP(w.RelyingPartyID) != nil {
			return nil, fmt.Errorf("userpool: config: WebAuthn: passkeys need a domain name, and the Issuer's host %s is an address; serve on a name (localhost in development) or set WebAuthn.RelyingPartyID", w.RelyingPartyID)
		}
	}
	if len(w.Origins) == 0 {
		w.Origins = []string{issuer.Scheme + "://" + issuer.Host}
	}
	if w.RelyingPartyName == "" {
		w.RelyingPartyName = cfg.Name
	}
	rp, err := mfa.NewWebAuthn(mfa.WebAuthnConfig{RPID: w.RelyingPartyID, RPName: w.RelyingPartyName, Origins: w.Origins,
		UserVerification: w.UserVerification, Attestation: w.Attestation})
	if err != nil {
		return nil, fmt.Errorf("userpool: config: WebAuthn: %w", err)
	}
	return rp, nil
}

func (p *UserPool) maxPasskeys() int {
	if p.cfg.WebAuthn.MaxCredentials > 0 {
		return p.cfg.WebAuthn.MaxCredentials
	}
	return 20
}

// passkeysOff answers a passkey operation of a pool without passkeys.
func (p *UserPool) passkeysOff() error {
	if p.webauthn == nil {
		return newErr(CodeWebAuthnNotEnabled, "Passkeys are not enabled for this user pool.")
	}
	return nil
}

// registrationErr maps a registration's refusal onto Cognito's
// exceptions: what is not the browser's fault or an origin problem is a
// passkey the pool cannot take.
func registrationErr(err error) *Error {
	e := webAuthnErr(err)
	switch {
	case errors.Is(err, mfa.ErrWebAuthnMalformed):
		e.Message = "Credential is not a WebAuthn registration."
	case e.Code == CodeNotAuthorized:
		e.Code, e.Message = CodeWebAuthnCredentialNotSupported, "The passkey could not be registered: "+e.Message
	}
	return e
}

// webAuthnErr maps a ceremony's refusal onto Cognito's exceptions.
func webAuthnErr(err error) *Error {
	e := func(code ErrorCode, msg string) *Error { return &Error{Code: code, Message: msg, Err: err} }
	switch {
	case errors.Is(err, mfa.ErrWebAuthnChallenge):
		return e(CodeWebAuthnChallengeNotFound, "The passkey answers no pending challenge.")
	case errors.Is(err, mfa.ErrWebAuthnOrigin):
		return e(CodeWebAuthnOriginNotAllowed, "The passkey was used from an origin this user pool does not allow.")
	case errors.Is(err, mfa.ErrWebAuthnRelyingParty):
		return e(CodeWebAuthnRelyingPartyMismatch, "The passkey belongs to another relying party.")
	case errors.Is(err, mfa.ErrWebAuthnUnsupported):
		return e(CodeWebAuthnCredentialNotSupported, "The passkey's algorithm or attestation is not supported.")
	case errors.Is(err, mfa.ErrWebAuthnMalformed):
		return e(CodeInvalidParameter, "CREDENTIAL is not a WebAuthn credential.")
	case errors.Is(err, mfa.ErrWebAuthnUserVerification):
		return e(CodeNotAuthorized, "The passkey did not verify the user.")
	}
	return e(CodeNotAuthorized, msgIncorrectPasskey)
}

const msgIncorrectPasskey = "Incorrect username or passkey."

// passkeysOf lists every passkey of a user (at most the limit, plus one).
func (p *UserPool) passkeysOf(ctx context.Context, sub string) ([]store.WebAuthnCredential, error) {
	cs, err := p.store.ListWebAuthnCredentials(ctx, p.cfg.ID, sub, nil, p.maxPasskeys()+1)
	if err != nil {
		return nil, internalErr("passkeys", err)
	}
	return cs, nil
}

func toPasskey(c store.WebAuthnCredential) mfa.Passkey {
	return mfa.Passkey{ID: c.ID, PublicKey: c.PublicKey, AAGUID: c.AAGUID, AttestationType: c.AttestationType,
		AttestationFormat: c.AttestationFormat, SignCount: c.SignCount, Transports: c.Transports,
		UserVerified: c.UserVerified, BackupEligible: c.BackupEligible, BackupState: c.BackupState}
}

// passkeyUser is u as a WebAuthn account: its handle is the sub, which
// names nobody.
func passkeyUser(u store.User, cs []store.WebAuthnCredential) mfa.WebAuthnUser {
	w := mfa.WebAuthnUser{Handle: []byte(u.Sub), Name: u.Username, DisplayName: u.Username}
	if e := u.Attributes["email"]; e != "" {
		w.DisplayName = e
	}
	for _, c := range cs {
		w.Passkeys = append(w.Passkeys, toPasskey(c))
	}
	return w
}

// --- Registration ----------------------------------------------------------

// StartWebAuthnRegistrationInput is StartWebAuthnRegistration's request.
type StartWebAuthnRegistrationInput struct {
	AccessToken string
}

// StartWebAuthnRegistrationOutput carries the
// PublicKeyCredentialCreationOptions (JSON) for
// navigator.credentials.create.
type StartWebAuthnRegistrationOutput struct {
	CredentialCreationOptions json.RawMessage
}

// StartWebAuthnRegistration starts registering a passkey for the signed-in
// user. The ceremony is kept with the user and lasts five minutes; a new
// start replaces it.
func (p *UserPool) StartWebAuthnRegistration(ctx context.Context, in StartWebAuthnRegistrationInput) (_ *StartWebAuthnRegistrationOutput, err error) {
	ctx, ob := p.begin(ctx, "StartWebAuthnRegistration", AuditMFAChange)
	defer func() { ob.finish(ctx, err) }()
	defer func() { err = ended(ctx, err) }()
	if err := p.passkeysOff(); err != nil {
		return nil, err
	}
	a, err := p.authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	return p.startPasskeyRegistration(ctx, a.user)
}

func (p *UserPool) startPasskeyRegistration(ctx context.Context, u store.User) (*StartWebAuthnRegistrationOutput, error) {
	cs, err := p.passkeysOf(ctx, u.Sub)
	if err != nil {
		return nil, err
	}
	if len(cs) >= p.maxPasskeys() {
		return nil, newErr(CodeLimitExceeded, fmt.Sprintf("A user may register at most %d passkeys.", p.maxPasskeys()))
	}
	options, ceremony, err := p.webauthn.BeginRegistration(passkeyUser(u, cs))
	if err != nil {
		return nil, internalErr("start passkey registration", err)
	}
	expires := p.now().Add(registrationValidity)
	if _, err := p.modifyUser(ctx, "start passkey registration", u.Sub, func(u *store.User) error {
		u.MFA.WebAuthnCeremony, u.MFA.WebAuthnCeremonyExpires = ceremony, expires
		return nil
	}); err != nil {
		return nil, err
	}
	return &StartWebAuthnRegistrationOutput{CredentialCreationOptions: options}, nil
}

// CompleteWebAuthnRegistrationInput is CompleteWebAuthnRegistration's
// request: Credential is the PublicKeyCredential (JSON) the browser
// returned from navigator.credentials.create.
type CompleteWebAuthnRegistrationInput struct {
	AccessToken string
	Credential  json.RawMessage
}

// CompleteWebAuthnRegistrationOutput is CompleteWebAuthnRegistration's
// answer; it carries nothing.
type CompleteWebAuthnRegistrationOutput struct{}

// CompleteWebAuthnRegistration checks the browser's answer to the pending
// registration and stores the passkey. The ceremony is spent whatever the
// outcome: a refused answer needs a new start.
func (p *UserPool) CompleteWebAuthnRegistration(ctx context.Context, in CompleteWebAuthnRegistrationInput) (_ *CompleteWebAuthnRegistrationOutput, err error) {
	ctx, ob := p.begin(ctx, "CompleteWebAuthnRegistration", AuditMFAChange)
	defer func() { ob.finish(ctx, err) }()
	defer func() { err = ended(ctx, err) }()
	if err := p.passkeysOff(); err != nil {
		return nil, err
	}
	a, err := p.authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := p.completePasskeyRegistration(ctx, a.user.Sub, in.Credential); err != nil {
		return nil, err
	}
	return &CompleteWebAuthnRegistrationOutput{}, nil
}

func (p *UserPool) completePasskeyRegistration(ctx context.Context, sub string, credential []byte) error {
	if len(credential) == 0 {
		return invalidParam("Missing required parameter Credential")
	}
	if len(credential) > mfa.MaxWebAuthnResponse {
		return invalidParam("Credential is too large")
	}
	var ceremony []byte
	now := p.now()
	u, err := p.modifyUser(ctx, "complete passkey registration", sub, func(u *store.User) error {
		if len(u.MFA.WebAuthnCeremony) == 0 || !now.Before(u.MFA.WebAuthnCeremonyExpires) {
			return newErr(CodeWebAuthnChallengeNotFound, "No passkey registration is pending; start one.")
		}
		ceremony = u.MFA.WebAuthnCeremony
		u.MFA.WebAuthnCeremony, u.MFA.WebAuthnCeremonyExpires = nil, time.Time{}
		return nil
	})
	if err != nil {
		return err
	}
	pk, err := p.webauthn.FinishRegistration(passkeyUser(u, nil), ceremony, credential)
	if err != nil {
		return registrationErr(err)
	}
	err = p.store.CreateWebAuthnCredential(ctx, store.WebAuthnCredential{PoolID: p.cfg.ID, Subject: sub, ID: pk.ID,
		PublicKey: pk.PublicKey, AttestationType: pk.AttestationType, AttestationFormat: pk.AttestationFormat,
		AAGUID: pk.AAGUID, SignCount: pk.SignCount, Transports: pk.Transports, UserVerified: pk.UserVerified,
		BackupEligible: pk.BackupEligible, BackupState: pk.BackupState, RelyingPartyID: p.webauthn.RPID(),
		CreatedAt: now}, p.maxPasskeys())
	switch {
	case errors.Is(err, store.ErrExists):
		return newErr(CodeWebAuthnCredentialNotSupported, "This passkey is already registered.")
	case errors.Is(err, store.ErrLimit):
		return newErr(CodeLimitExceeded, fmt.Sprintf("A user may register at most %d passkeys.", p.maxPasskeys()))
	case errors.Is(err, store.ErrInvalid):
		return &Error{Code: CodeWebAuthnCredentialNotSupported, Message: "The passkey cannot be stored.", Err: err}
	case errors.Is(err, store.ErrNotFound):
		return newErr(CodeUserNotFound, msgUserNotExist)
	case err != nil:
		return internalErr("store passkey", err)
	}
	return nil
}

// --- Listing and deleting --------------------------------------------------

// ListWebAuthnCredentialsInput is ListWebAuthnCredentials's request:
// MaxResults 1–20 (zero 20), NextToken from the previous page.
type ListWebAuthnCredentialsInput struct {
	AccessToken string
	MaxResults  int
	NextToken   string
}

// WebAuthnCredentialDescription is one passkey as Cognito describes it.
type WebAuthnCredentialDescription struct {
	// CredentialID is the credential ID, base64url without padding.
	CredentialID            string
	FriendlyCredentialName  string
	RelyingPartyID          string
	AuthenticatorAttachment string
	AuthenticatorTransports []string
	CreatedAt               time.Time
	// LastUsedAt is zero until the passkey signs in.
	LastUsedAt time.Time
}

// ListWebAuthnCredentialsOutput is a page of the user's passkeys.
type ListWebAuthnCredentialsOutput struct {
	Credentials []WebAuthnCredentialDescription
	NextToken   string
}

// ListWebAuthnCredentials lists the signed-in user's passkeys.
func (p *UserPool) ListWebAuthnCredentials(ctx context.Context, in ListWebAuthnCredentialsInput) (_ *ListWebAuthnCredentialsOutput, err error) {
	defer func() { err = ended(ctx, err) }()
	a, err := p.authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	limit := in.MaxResults
	if limit == 0 {
		limit = maxListedPasskeys
	}
	if limit < 1 || limit > maxListedPasskeys {
		return nil, invalidParam(fmt.Sprintf("MaxResults must be 1 to %d", maxListedPasskeys))
	}
	kind := "passkeys:" + a.user.Sub
	_, after, err := p.decodePage(kind, in.NextToken)
	if err != nil {
		return nil, err
	}
	afterID, err := base64.RawURLEncoding.DecodeString(after)
	if err != nil {
		return nil, invalidParam("Invalid NextToken")
	}
	cs, err := p.store.ListWebAuthnCredentials(ctx, p.cfg.ID, a.user.Sub, afterID, limit+1)
	if err != nil {
		return nil, internalErr("list passkeys", err)
	}
	out := &ListWebAuthnCredentialsOutput{Credentials: []WebAuthnCredentialDescription{}}
	if len(cs) > limit {
		cs = cs[:limit]
		if out.NextToken, err = p.encodePage(kind, "", base64.RawURLEncoding.EncodeToString(cs[limit-1].ID)); err != nil {
			return nil, err
		}
	}
	for _, c := range cs {
		d := WebAuthnCredentialDescription{CredentialID: base64.RawURLEncoding.EncodeToString(c.ID), FriendlyCredentialName: c.Name,
			RelyingPartyID: c.RelyingPartyID, AuthenticatorTransports: slices.Clone(c.Transports), CreatedAt: c.CreatedAt, LastUsedAt: c.LastUsedAt}
		if d.FriendlyCredentialName == "" {
			d.FriendlyCredentialName = "Passkey"
		}
		if slices.Contains(c.Transports, "internal") || slices.Contains(c.Transports, "hybrid") {
			d.AuthenticatorAttachment = "platform"
		} else if len(c.Transports) > 0 {
			d.AuthenticatorAttachment = "cross-platform"
		}
		out.Credentials = append(out.Credentials, d)
	}
	return out, nil
}

// DeleteWebAuthnCredentialInput is DeleteWebAuthnCredential's request.
type DeleteWebAuthnCredentialInput struct {
	AccessToken  string
	CredentialID string
}

// DeleteWebAuthnCredentialOutput is DeleteWebAuthnCredential's answer; it
// carries nothing.
type DeleteWebAuthnCredentialOutput struct{}

// DeleteWebAuthnCredential deletes one of the signed-in user's passkeys;
// it signs nobody in from then on.
func (p *UserPool) DeleteWebAuthnCredential(ctx context.Context, in DeleteWebAuthnCredentialInput) (_ *DeleteWebAuthnCredentialOutput, err error) {
	ctx, ob := p.begin(ctx, "DeleteWebAuthnCredential", AuditMFAChange)
	defer func() { ob.finish(ctx, err) }()
	defer func() { err = ended(ctx, err) }()
	a, err := p.authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	id, err := base64.RawURLEncoding.DecodeString(in.CredentialID)
	if err != nil || len(id) == 0 || len(id) > store.MaxWebAuthnCredentialID {
		return nil, invalidParam("CredentialId is not a credential ID")
	}
	err = p.store.DeleteWebAuthnCredential(ctx, p.cfg.ID, a.user.Sub, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr(CodeResourceNotFound, "Credential not found.")
	}
	if err != nil {
		return nil, internalErr("delete passkey", err)
	}
	return &DeleteWebAuthnCredentialOutput{}, nil
}

// GetUserAuthFactorsInput is GetUserAuthFactors's request.
type GetUserAuthFactorsInput struct {
	AccessToken string
}

// GetUserAuthFactorsOutput lists how the user can sign in: the USER_AUTH
// first factors they have set up and their MFA settings.
type GetUserAuthFactorsOutput struct {
	Username                  string
	PreferredMfaSetting       string
	UserMFASettingList        []string
	ConfiguredUserAuthFactors []string
}

// GetUserAuthFactors lists the signed-in user's sign-in factors.
func (p *UserPool) GetUserAuthFactors(ctx context.Context, in GetUserAuthFactorsInput) (_ *GetUserAuthFactorsOutput, err error) {
	defer func() { err = ended(ctx, err) }()
	a, err := p.authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	u := a.user
	out := &GetUserAuthFactorsOutput{Username: u.Username, PreferredMfaSetting: u.MFA.Preferred, UserMFASettingList: p.userFactors(u)}
	factors, err := p.userFirstFactors(ctx, u)
	if err != nil {
		return nil, err
	}
	out.ConfiguredUserAuthFactors = factors
	return out, nil
}

// userFirstFactors lists the USER_AUTH first factors u has set up.
func (p *UserPool) userFirstFactors(ctx context.Context, u store.User) ([]string, error) {
	out := p.firstFactors(u, true)
	if p.webauthn != nil {
		cs, err := p.store.ListWebAuthnCredentials(ctx, p.cfg.ID, u.Sub, nil, 1)
		if err != nil {
			return nil, internalErr("passkeys", err)
		}
		if len(cs) > 0 {
			out = append(out, FirstFactorWebAuthn)
		}
	}
	return out, nil
}

// --- Sign-in ---------------------------------------------------------------

// passkeyChallenge opens a WEB_AUTHN challenge. u is the account named at
// sign-in (the zero User for a discoverable sign-in, where the passkey
// names the account, and for a decoy). The request options list the
// account's passkeys only when the client lets existence show; otherwise
// every answer looks the same and the authenticator finds the passkey.
func (p *UserPool) passkeyChallenge(ctx context.Context, c *appClient, u store.User, sub string, st challengeState) (*step, error) {
	var allow []mfa.Passkey
	if u.Sub != "" && !st.Decoy && !c.preventsExistenceErrors() {
		cs, err := p.passkeysOf(ctx, u.Sub)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			allow = append(allow, toPasskey(c))
		}
	}
	options, ceremony, err := p.webauthn.BeginLogin(allow)
	if err != nil {
		return nil, internalErr("passkey challenge", err)
	}
	st.Choices, st.FirstFactor, st.WebAuthn = nil, FirstFactorWebAuthn, ceremony
	session, err := p.newChallenge(ctx, c, sub, ChallengeWebAuthn, st)
	if err != nil {
		return nil, err
	}
	return &step{challenge: &InitiateAuthOutput{ChallengeName: ChallengeWebAuthn, Session: session,
		ChallengeParameters: map[string]string{ParamCredentialRequestOptions: string(options)}}}, nil
}

// respondWebAuthn checks a passkey assertion. The answer counts toward the
// account's lockout before it is checked, a locked account gets nothing,
// and the challenge is spent whatever the outcome (a replayed assertion
// finds no session). A counter that went backwards flags the passkey, which
// signs in no more.
func (p *UserPool) respondWebAuthn(ctx context.Context, c *appClient, in answer) (*step, error) {
	if err := p.passkeysOff(); err != nil {
		return nil, err
	}
	r := in.ChallengeResponses
	return answerChallenge(ctx, p, c, in.by, in.Session, ChallengeWebAuthn, func(s store.AuthSession, st challengeState) (*step, error) {
		credential := []byte(r[ParamCredential])
		if len(credential) == 0 {
			return nil, invalidParam("Missing required parameter CREDENTIAL")
		}
		if st.Username != "" && r[ParamUsername] != st.Username {
			return nil, invalidParam("USERNAME does not match the session")
		}
		if err := c.checkSecretHash(r[ParamUsername], r[ParamSecretHash]); err != nil {
			return nil, err
		}
		id, _, err := mfa.CredentialID(credential)
		if err != nil {
			return nil, keepSession(webAuthnErr(err)) // nothing was checked
		}
		refused := newErr(CodeNotAuthorized, msgIncorrectPasskey)
		if st.Decoy {
			if err := p.countAttempt(ctx, p.unknownKey(st.Username), st.From); err != nil {
				return nil, err
			}
			p.countSourceFailure(ctx, st.From)
			return nil, refused
		}
		rec, err := p.store.GetWebAuthnCredential(ctx, p.cfg.ID, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, internalErr("passkey", err)
		}
		named := st.Username != ""
		if err != nil || (named && rec.Subject != s.Subject) {
			// No such passkey, or another account's: a guess at the named
			// account counts against it; a discoverable one only against
			// its source.
			if named {
				if err := p.countAttempt(ctx, s.Subject, st.From); err != nil {
					return nil, err
				}
			}
			p.countSourceFailure(ctx, st.From)
			return nil, refused
		}
		if err := p.countAttempt(ctx, rec.Subject, st.From); err != nil {
			return nil, err
		}
		u, err := p.store.GetUser(ctx, p.cfg.ID, rec.Subject)
		if errors.Is(err, store.ErrNotFound) {
			p.countSourceFailure(ctx, st.From)
			return nil, refused
		}
		if err != nil {
			return nil, internalErr("passkey", err)
		}
		if !named {
			if err := p.preAuthentication(ctx, u, u.Username, c.ID, true, nil, in.ClientMetadata); err != nil {
				return nil, err
			}
			st.Username = u.Username
		}
		fail := func(why *Error) (*step, error) {
			p.countSourceFailure(ctx, st.From)
			p.recordEvent(ctx, u, event{typ: EventSignIn, response: EventFail, caller: caller{ip: st.IP, userAgent: st.UserAgent, device: st.Device},
				challenges: []ChallengeResponseType{{ChallengeName: "WebAuthn", ChallengeResponse: "Failure"}}})
			return nil, why
		}
		if rec.CloneWarning {
			return fail(refused)
		}
		as, err := p.webauthn.FinishLogin(passkeyUser(u, []store.WebAuthnCredential{rec}), st.WebAuthn, credential)
		if err != nil {
			return fail(webAuthnErr(err))
		}
		if as.CloneWarning {
			p.log.WarnContext(ctx, "passkey counter went backwards: refused and flagged as cloned", "sub", u.Sub,
				"stored", rec.SignCount, "presented", as.Passkey.SignCount)
			if err := p.store.FlagWebAuthnCredential(context.WithoutCancel(ctx), p.cfg.ID, rec.ID); err != nil {
				p.log.WarnContext(ctx, "passkey not flagged", "err", err)
			}
			return fail(refused)
		}
		err = p.store.UseWebAuthnCredential(ctx, p.cfg.ID, rec.ID, store.WebAuthnUse{SignCount: as.Passkey.SignCount, BackupState: as.Passkey.BackupState, At: p.now()})
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			// Another sign-in spent this counter value first, or the passkey
			// was flagged or deleted meanwhile.
			return fail(refused)
		}
		if err != nil {
			return nil, internalErr("passkey", err)
		}
		if err := p.signInAllowed(u); err != nil {
			return nil, err
		}
		st.WebAuthn, st.FirstFactor = nil, ""
		if as.UserVerified {
			return p.complete(ctx, c, u, st, st.source()) // something held and something known or been: two factors
		}
		return p.afterOneFactor(ctx, c, u, st, "")
	})
}

// afterOneFactor runs once a one-factor first step (an emailed or texted
// code, a passkey without user verification) succeeded: a user with a
// second factor — other than used, the medium the code came through — is
// asked for it, and with MFA ON a user without one sets one up.
func (p *UserPool) afterOneFactor(ctx context.Context, c *appClient, u store.User, st challengeState, used string) (*step, error) {
	if p.cfg.MFA.Mode == MFAOff {
		return p.complete(ctx, c, u, st, sourceAuthentication)
	}
	var others []string
	for _, f := range p.userFactors(u) {
		if f != used {
			others = append(others, f)
		}
	}
	if len(others) == 0 && p.cfg.MFA.Mode == MFAOptional {
		return p.complete(ctx, c, u, st, sourceAuthentication)
	}
	return p.mfaChallenge(ctx, c, u, st, others)
}

// hasPasskey reports whether the user has a passkey.
func (p *UserPool) hasPasskey(ctx context.Context, sub string) (bool, error) {
	cs, err := p.store.ListWebAuthnCredentials(ctx, p.cfg.ID, sub, nil, 1)
	if err != nil {
		return false, internalErr("passkeys", err)
	}
	return len(cs) > 0, nil
}

// passkeyFirstFactor starts the WEB_AUTHN first factor for the account
// the sign-in named. An account without a passkey (offered one so the
// list does not tell it from others) gets a decoy: every answer fails.
func (p *UserPool) passkeyFirstFactor(ctx context.Context, c *appClient, u store.User, sub string, st challengeState) (*step, error) {
	if !st.Decoy {
		has, err := p.hasPasskey(ctx, u.Sub)
		if err != nil {
			return nil, err
		}
		// A disabled or unconfirmed account is told so only after its
		// passkey proved itself, as after a right password.
		st.Decoy = !has
	}
	if st.Decoy {
		u = store.User{}
	}
	return p.passkeyChallenge(ctx, c, u, sub, st)
}

// discoverablePasskey starts a sign-in where no username is given: the
// passkey the authenticator offers names its account.
func (p *UserPool) discoverablePasskey(ctx context.Context, req *signInRequest) (*step, error) {
	if err := p.passkeysOff(); err != nil {
		return nil, err
	}
	if !slices.Contains(p.cfg.AllowedFirstAuthFactors, FirstFactorWebAuthn) {
		return nil, invalidParam("WEB_AUTHN is not an allowed first factor")
	}
	sub, err := random.UUID(p.random)
	if err != nil {
		return nil, internalErr("passkey sign-in", err)
	}
	return p.passkeyChallenge(ctx, req.client, store.User{}, sub, req.state())
}
