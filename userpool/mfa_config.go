package userpool

import (
	"fmt"
	"slices"
	"time"
)

// MFAMode is the pool's MFA setting (Cognito's MfaConfiguration).
type MFAMode string

// MFA modes.
const (
	MFAOff      MFAMode = "OFF"
	MFAOptional MFAMode = "OPTIONAL"
	MFAOn       MFAMode = "ON"
)

// MFA factors, named as the challenges that ask for them.
const (
	FactorTOTP  = "SOFTWARE_TOKEN_MFA"
	FactorSMS   = "SMS_MFA"
	FactorEmail = "EMAIL_OTP"
)

// USER_AUTH first factors.
const (
	FirstFactorPassword = "PASSWORD"
	FirstFactorEmailOTP = "EMAIL_OTP"
	FirstFactorSMSOTP   = "SMS_OTP"
)

// MFAConfig configures multi-factor authentication.
type MFAConfig struct {
	// Mode: OFF (the default), OPTIONAL (users who enabled a factor are
	// asked for it) or ON (every user; those without a factor set up TOTP
	// at sign-in).
	Mode MFAMode
	// Factors the pool offers: SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP.
	// Empty means SOFTWARE_TOKEN_MFA only.
	Factors []string
	// TOTPIssuer is shown in authenticator apps; empty means the pool name.
	TOTPIssuer string
	// RecentSignIn is how recent the sign-in behind an access token must
	// be for the user to weaken their second factor with it: turn a factor
	// off, replace the authenticator, or get new recovery codes. A stolen
	// token, or a device left signed in, cannot strip the factor. Zero
	// means 15 minutes. Administrators (AdminSetUserMFAPreference,
	// AdminDeleteSoftwareToken) are not bound by it.
	RecentSignIn time.Duration
}

func (m *MFAConfig) check() error {
	switch m.Mode {
	case "":
		m.Mode = MFAOff
	case MFAOff, MFAOptional, MFAOn:
	default:
		return fmt.Errorf("userpool: config: MFA.Mode %q is not OFF, OPTIONAL or ON", m.Mode)
	}
	if len(m.Factors) == 0 {
		m.Factors = []string{FactorTOTP}
	}
	if m.RecentSignIn == 0 {
		m.RecentSignIn = 15 * time.Minute
	}
	if m.RecentSignIn < time.Minute || m.RecentSignIn > 24*time.Hour {
		return fmt.Errorf("userpool: config: MFA.RecentSignIn must be 1 min to 24 h")
	}
	for _, f := range m.Factors {
		if f != FactorTOTP && f != FactorSMS && f != FactorEmail {
			return fmt.Errorf("userpool: config: MFA.Factors: %q is not SOFTWARE_TOKEN_MFA, SMS_MFA or EMAIL_OTP", f)
		}
	}
	return nil
}

func (m MFAConfig) allows(f string) bool { return slices.Contains(m.Factors, f) }

// DeviceConfig configures device tracking (Cognito's DeviceConfiguration).
type DeviceConfig struct {
	// Enabled tracks devices: sign-ins return NewDeviceMetadata, and
	// access tokens carry device_key.
	Enabled bool
	// OnlyRememberedOnUserPrompt remembers a confirmed device only when
	// the user asks (UpdateDeviceStatus); otherwise confirmed devices are
	// remembered at once.
	OnlyRememberedOnUserPrompt bool
	// SkipMFAOnRememberedDevice lets a remembered device that proves its
	// secret sign in without the second factor.
	SkipMFAOnRememberedDevice bool
}
