package userpool

import (
	"context"
	"errors"
	"strings"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/mfa"
	"github.com/cupola-auth/cupola/store"
)

// recoveryCodeCount is how many recovery codes a set holds.
const recoveryCodeCount = 10

// AssociateSoftwareTokenInput names the user by an access token, or by the
// Session of an MFA_SETUP challenge.
type AssociateSoftwareTokenInput struct {
	AccessToken string
	Session     string
	// ClientID is required with Session (the session is bound to it).
	ClientID string
}

// AssociateSoftwareTokenOutput carries the new authenticator secret. Cupola
// adds the otpauth:// URI and its QR code.
type AssociateSoftwareTokenOutput struct {
	SecretCode string
	Session    string
	URI        string
	QRCodePNG  []byte
}

// AssociateSoftwareToken starts TOTP set-up: a new secret (160 bits) that
// replaces any existing authenticator only once VerifySoftwareToken
// proves the user's app has it.
func (p *UserPool) AssociateSoftwareToken(ctx context.Context, in AssociateSoftwareTokenInput) (_ *AssociateSoftwareTokenOutput, err error) {
	ctx, ob := p.begin(ctx, "AssociateSoftwareToken", AuditMFAChange)
	defer func() { ob.finish(ctx, err) }()
	if (in.AccessToken == "") == (in.Session == "") {
		return nil, invalidParam("Give exactly one of AccessToken and Session")
	}
	if !p.cfg.MFA.allows(FactorTOTP) {
		return nil, newErr(CodeInvalidParameter, "Software token MFA is not enabled for this pool.")
	}
	if in.AccessToken != "" {
		a, err := p.authenticate(ctx, in.AccessToken)
		if err != nil {
			return nil, err
		}
		enr, sealed, err := p.enrollTOTP(a.user)
		if err != nil {
			return nil, err
		}
		if _, err := p.modifyUser(ctx, "associate software token", a.user.Sub, func(u *store.User) error {
			u.MFA.TOTPPending = sealed
			return nil
		}); err != nil {
			return nil, err
		}
		return &AssociateSoftwareTokenOutput{SecretCode: enr.Secret, URI: enr.URI, QRCodePNG: enr.PNG}, nil
	}
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	return answerChallenge(ctx, p, c, byAnyFrontEnd, in.Session, ChallengeMFASetup, func(s store.AuthSession, st challengeState) (*AssociateSoftwareTokenOutput, error) {
		u, err := p.store.GetUser(ctx, p.cfg.ID, s.Subject)
		if err != nil {
			return nil, newErr(CodeNotAuthorized, msgSessionExpired)
		}
		enr, sealed, err := p.enrollTOTP(u)
		if err != nil {
			return nil, err
		}
		st.Pending, st.SetupDone, st.Attempts = sealed, false, 0
		session, err := p.newChallenge(ctx, c, u.Sub, ChallengeMFASetup, st)
		if err != nil {
			return nil, err
		}
		return &AssociateSoftwareTokenOutput{SecretCode: enr.Secret, Session: session, URI: enr.URI, QRCodePNG: enr.PNG}, nil
	})
}

func (p *UserPool) enrollTOTP(u store.User) (mfa.Enrollment, []byte, error) {
	account := u.Username
	if e := u.Attributes["email"]; e != "" {
		account = e
	}
	enr, secret, err := p.totp.Enroll(account)
	if err != nil {
		return enr, nil, internalErr("totp enrolment", err)
	}
	sealed, err := p.mfaSeal.Seal(p.random, secret, []byte("totp "+u.Sub))
	if err != nil {
		return enr, nil, internalErr("seal totp secret", err)
	}
	return enr, sealed, nil
}

// VerifySoftwareTokenInput is VerifySoftwareToken's request.
type VerifySoftwareTokenInput struct {
	AccessToken        string
	Session            string
	ClientID           string // required with Session
	UserCode           string
	FriendlyDeviceName string
}

// VerifySoftwareTokenOutput reports SUCCESS, with the Session to answer
// MFA_SETUP with (Session flow), and the user's new recovery codes, shown
// once.
type VerifySoftwareTokenOutput struct {
	Status        string
	Session       string
	RecoveryCodes []string
}

// VerifySoftwareToken checks a code from the user's authenticator against
// the associated secret and, if it matches, makes TOTP the user's enabled
// (and, if none was, preferred) factor and issues a fresh set of recovery
// codes.
func (p *UserPool) VerifySoftwareToken(ctx context.Context, in VerifySoftwareTokenInput) (_ *VerifySoftwareTokenOutput, err error) {
	ctx, ob := p.begin(ctx, "VerifySoftwareToken", AuditMFAChange)
	defer func() { ob.finish(ctx, err) }()
	if (in.AccessToken == "") == (in.Session == "") {
		return nil, invalidParam("Give exactly one of AccessToken and Session")
	}
	if len(in.UserCode) != 6 || strings.Trim(in.UserCode, "0123456789") != "" || len(in.FriendlyDeviceName) > 128 {
		return nil, invalidParam("UserCode must be 6 digits and FriendlyDeviceName at most 128 characters")
	}
	if in.AccessToken != "" {
		a, err := p.authenticate(ctx, in.AccessToken)
		if err != nil {
			return nil, err
		}
		if len(a.user.MFA.TOTPPending) == 0 {
			return nil, newErr(CodeInvalidParameter, "Call AssociateSoftwareToken first.")
		}
		if a.user.MFA.TOTPVerified {
			if err := p.recentSignIn(a); err != nil { // replacing the authenticator
				return nil, err
			}
		}
		codes, err := p.enableTOTP(ctx, a.user.Sub, a.user.MFA.TOTPPending, in.UserCode, in.FriendlyDeviceName)
		if err != nil {
			return nil, err
		}
		p.notify(ctx, a.user, message.KindMFAChanged)
		return &VerifySoftwareTokenOutput{Status: "SUCCESS", RecoveryCodes: codes}, nil
	}
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	return answerChallenge(ctx, p, c, byAnyFrontEnd, in.Session, ChallengeMFASetup, func(s store.AuthSession, st challengeState) (*VerifySoftwareTokenOutput, error) {
		if len(st.Pending) == 0 {
			return nil, newErr(CodeInvalidParameter, "Call AssociateSoftwareToken with this session first.")
		}
		if err := p.countAttempt(ctx, s.Subject, st.From); err != nil {
			return nil, err
		}
		codes, err := p.enableTOTP(ctx, s.Subject, st.Pending, in.UserCode, in.FriendlyDeviceName)
		if errors.Is(err, ErrCodeMismatch) {
			return nil, p.wrongAnswer(ctx, s, st)
		}
		if err != nil {
			return nil, err
		}
		st.SetupDone, st.Pending, st.Attempts = true, nil, 0
		session, err := p.newChallenge(ctx, c, s.Subject, ChallengeMFASetup, st)
		if err != nil {
			return nil, err
		}
		return &VerifySoftwareTokenOutput{Status: "SUCCESS", Session: session, RecoveryCodes: codes}, nil
	})
}

// enableTOTP verifies code against the sealed pending secret and makes it
// the user's authenticator.
func (p *UserPool) enableTOTP(ctx context.Context, sub string, sealed []byte, code, deviceName string) ([]string, error) {
	secret, err := p.mfaSeal.Open(sealed, []byte("totp "+sub))
	if err != nil {
		return nil, internalErr("open totp secret", err)
	}
	step, err := p.totp.Verify(secret, code, p.now(), 0)
	if err != nil {
		return nil, newErr(CodeCodeMismatch, "Code mismatch and fail enable Software Token MFA")
	}
	rc, err := mfa.NewRecoveryCodes(p.random, p.codeKey, recoveryCodeCount)
	if err != nil {
		return nil, internalErr("recovery codes", err)
	}
	_, err = p.modifyUser(ctx, "verify software token", sub, func(u *store.User) error {
		u.MFA.TOTPSecret, u.MFA.TOTPPending = sealed, nil
		u.MFA.TOTPVerified, u.MFA.TOTPEnabled = true, true
		u.MFA.TOTPLastStep, u.MFA.TOTPDeviceName = step, deviceName
		if u.MFA.Preferred == "" {
			u.MFA.Preferred = FactorTOTP
		}
		u.MFA.RecoveryCodes = rc.Hashes
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rc.Codes, nil
}

// recentSignIn refuses a change that weakens the user's second factor
// unless the access token comes from a sign-in within MFA.RecentSignIn
// (its auth_time, which refreshing keeps).
func (p *UserPool) recentSignIn(a *authenticated) error {
	if p.now().Sub(a.claims.AuthTime) > p.cfg.MFA.RecentSignIn {
		return newErr(CodeNotAuthorized, "Sign in again to change your second factor.")
	}
	return nil
}

// GenerateRecoveryCodesInput is GenerateRecoveryCodes' request.
type GenerateRecoveryCodesInput struct {
	AccessToken string
}

// GenerateRecoveryCodesOutput holds the new recovery codes, shown once.
type GenerateRecoveryCodesOutput struct {
	RecoveryCodes []string
}

// GenerateRecoveryCodes replaces the signed-in user's recovery codes with a
// new set of ten, shown once; the old set stops working.
func (p *UserPool) GenerateRecoveryCodes(ctx context.Context, in GenerateRecoveryCodesInput) (_ *GenerateRecoveryCodesOutput, err error) {
	ctx, ob := p.begin(ctx, "GenerateRecoveryCodes", AuditMFAChange)
	defer func() { ob.finish(ctx, err) }()
	a, err := p.authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := p.recentSignIn(a); err != nil { // a recovery code skips the authenticator
		return nil, err
	}
	if !a.user.MFA.TOTPVerified {
		return nil, invalidParam("Recovery codes need a verified software token.")
	}
	rc, err := mfa.NewRecoveryCodes(p.random, p.codeKey, recoveryCodeCount)
	if err != nil {
		return nil, internalErr("recovery codes", err)
	}
	if _, err := p.modifyUser(ctx, "recovery codes", a.user.Sub, func(u *store.User) error {
		u.MFA.RecoveryCodes = rc.Hashes
		return nil
	}); err != nil {
		return nil, err
	}
	p.notify(ctx, a.user, message.KindRecoveryCodes)
	return &GenerateRecoveryCodesOutput{RecoveryCodes: rc.Codes}, nil
}

// MFASettings enables a factor and marks it preferred (Cognito's
// *MfaSettingsType). A nil *MFASettings leaves the factor as it is.
type MFASettings struct {
	Enabled      bool
	PreferredMfa bool
}

// SetUserMFAPreferenceInput is SetUserMFAPreference's request.
type SetUserMFAPreferenceInput struct {
	AccessToken              string
	SoftwareTokenMfaSettings *MFASettings
	SMSMfaSettings           *MFASettings
	EmailMfaSettings         *MFASettings
}

// SetUserMFAPreferenceOutput is SetUserMFAPreference's answer; it carries nothing.
type SetUserMFAPreferenceOutput struct{}

// SetUserMFAPreference enables, disables and orders the signed-in user's
// factors.
func (p *UserPool) SetUserMFAPreference(ctx context.Context, in SetUserMFAPreferenceInput) (_ *SetUserMFAPreferenceOutput, err error) {
	ctx, ob := p.begin(ctx, "SetUserMFAPreference", AuditMFAChange)
	defer func() { ob.finish(ctx, err) }()
	a, err := p.authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	m := a.user.MFA
	for _, x := range []struct {
		s  *MFASettings
		on bool
	}{{in.SoftwareTokenMfaSettings, m.TOTPEnabled}, {in.SMSMfaSettings, m.SMSEnabled}, {in.EmailMfaSettings, m.EmailEnabled}} {
		if x.s != nil && !x.s.Enabled && x.on {
			if err := p.recentSignIn(a); err != nil { // turning a factor off
				return nil, err
			}
		}
	}
	if err := p.setMFAPreference(ctx, a.user.Sub, in); err != nil {
		return nil, err
	}
	p.notify(ctx, a.user, message.KindMFAChanged)
	return &SetUserMFAPreferenceOutput{}, nil
}

// AdminSetUserMFAPreferenceInput is AdminSetUserMFAPreference's request.
type AdminSetUserMFAPreferenceInput struct {
	Username                 string
	SoftwareTokenMfaSettings *MFASettings
	SMSMfaSettings           *MFASettings
	EmailMfaSettings         *MFASettings
}

// AdminSetUserMFAPreferenceOutput is AdminSetUserMFAPreference's answer; it carries nothing.
type AdminSetUserMFAPreferenceOutput struct{}

// AdminSetUserMFAPreference is SetUserMFAPreference by username.
func (p *UserPool) AdminSetUserMFAPreference(ctx context.Context, in AdminSetUserMFAPreferenceInput) (_ *AdminSetUserMFAPreferenceOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminSetUserMFAPreference", AuditMFAChange)
	defer func() { ob.finish(ctx, err) }()
	username := in.Username
	u, err := p.adminUser(ctx, username)
	if err != nil {
		return nil, err
	}
	if err := p.setMFAPreference(ctx, u.Sub, SetUserMFAPreferenceInput{
		SoftwareTokenMfaSettings: in.SoftwareTokenMfaSettings, SMSMfaSettings: in.SMSMfaSettings, EmailMfaSettings: in.EmailMfaSettings}); err != nil {
		return nil, err
	}
	p.notify(ctx, u, message.KindMFAChanged)
	return &AdminSetUserMFAPreferenceOutput{}, nil
}

func (p *UserPool) setMFAPreference(ctx context.Context, sub string, in SetUserMFAPreferenceInput) error {
	settings := []struct {
		factor string
		s      *MFASettings
	}{{FactorTOTP, in.SoftwareTokenMfaSettings}, {FactorSMS, in.SMSMfaSettings}, {FactorEmail, in.EmailMfaSettings}}
	preferred := 0
	for _, x := range settings {
		if x.s == nil {
			continue
		}
		if x.s.PreferredMfa {
			preferred++
			if !x.s.Enabled {
				return invalidParam("A preferred factor must be enabled")
			}
		}
		if x.s.Enabled && !p.cfg.MFA.allows(x.factor) {
			return invalidParam(x.factor + " is not enabled for this pool")
		}
	}
	if preferred > 1 {
		return invalidParam("Only one factor can be preferred")
	}
	_, err := p.modifyUser(ctx, "set mfa preference", sub, func(u *store.User) error {
		for _, x := range settings {
			if x.s == nil {
				continue
			}
			switch x.factor {
			case FactorTOTP:
				if x.s.Enabled && !u.MFA.TOTPVerified {
					return newErr(CodeInvalidParameter, "User has not verified software token mfa")
				}
				u.MFA.TOTPEnabled = x.s.Enabled
			case FactorSMS:
				if x.s.Enabled && u.Attributes["phone_number"] == "" {
					return invalidParam("User has no phone_number for SMS MFA")
				}
				u.MFA.SMSEnabled = x.s.Enabled
			case FactorEmail:
				if x.s.Enabled && u.Attributes["email"] == "" {
					return invalidParam("User has no email for email MFA")
				}
				u.MFA.EmailEnabled = x.s.Enabled
			}
			if x.s.PreferredMfa {
				u.MFA.Preferred = x.factor
			} else if u.MFA.Preferred == x.factor && !x.s.Enabled {
				u.MFA.Preferred = ""
			}
		}
		return nil
	})
	return err
}

// AdminDeleteSoftwareTokenInput is AdminDeleteSoftwareToken's request.
type AdminDeleteSoftwareTokenInput struct {
	Username string
}

// AdminDeleteSoftwareTokenOutput is AdminDeleteSoftwareToken's answer; it carries nothing.
type AdminDeleteSoftwareTokenOutput struct{}

// AdminDeleteSoftwareToken removes a user's authenticator and recovery
// codes (a lost phone). The user signs in with another factor, or sets TOTP
// up again when the pool requires MFA.
func (p *UserPool) AdminDeleteSoftwareToken(ctx context.Context, in AdminDeleteSoftwareTokenInput) (_ *AdminDeleteSoftwareTokenOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminDeleteSoftwareToken", AuditMFAChange)
	defer func() { ob.finish(ctx, err) }()
	username := in.Username
	u, err := p.adminUser(ctx, username)
	if err != nil {
		return nil, err
	}
	_, err = p.modifyUser(ctx, "delete software token", u.Sub, func(u *store.User) error {
		u.MFA.TOTPSecret, u.MFA.TOTPPending, u.MFA.RecoveryCodes = nil, nil, nil
		u.MFA.TOTPVerified, u.MFA.TOTPEnabled, u.MFA.TOTPLastStep, u.MFA.TOTPDeviceName = false, false, 0, ""
		if u.MFA.Preferred == FactorTOTP {
			u.MFA.Preferred = ""
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.notify(ctx, u, message.KindMFAChanged)
	return &AdminDeleteSoftwareTokenOutput{}, nil
}
