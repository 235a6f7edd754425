package store

import (
	"context"
	"time"
)

// MFA is a user's multi-factor state. userpool seals the secrets before
// they reach the store; the store keeps the struct as one document.
type MFA struct {
	// TOTPSecret is the sealed authenticator secret; empty when none is
	// associated. TOTPVerified is set once VerifySoftwareToken succeeded.
	TOTPSecret []byte `json:"totp_secret,omitempty"`
	// TOTPPending is a sealed secret associated but not yet verified; it
	// replaces TOTPSecret only when VerifySoftwareToken succeeds.
	TOTPPending    []byte `json:"totp_pending,omitempty"`
	TOTPVerified   bool   `json:"totp_verified,omitempty"`
	TOTPDeviceName string `json:"totp_device_name,omitempty"`
	// TOTPLastStep is the last accepted time step. It changes only through
	// UpdateUser's compare-and-swap, so a code is accepted once even when
	// two requests present it at the same moment.
	TOTPLastStep int64 `json:"totp_last_step,omitempty"`
	TOTPEnabled  bool  `json:"totp_enabled,omitempty"`
	SMSEnabled   bool  `json:"sms_enabled,omitempty"`
	EmailEnabled bool  `json:"email_enabled,omitempty"`
	// Preferred is "SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP" or "".
	Preferred string `json:"preferred,omitempty"`
	// RecoveryCodes are hashes of the unused recovery codes.
	RecoveryCodes [][]byte `json:"recovery_codes,omitempty"`
	// WebAuthnCeremony is a pending passkey registration (userpool's
	// opaque state), valid until WebAuthnCeremonyExpires; a completion
	// clears it by compare-and-swap, so it is spent once.
	WebAuthnCeremony        []byte    `json:"webauthn_ceremony,omitempty"`
	WebAuthnCeremonyExpires time.Time `json:"webauthn_ceremony_expires,omitzero"`
}

// Device is a device a user signed in from (Cognito's device tracking).
type Device struct {
	PoolID  string
	Subject string
	// Key is the device key Cognito clients send as DEVICE_KEY.
	Key  string
	Name string
	// Verifier checks the device's proof; sealed by userpool. Empty until
	// the device is confirmed.
	Verifier   []byte
	Remembered bool
	// Attributes are Cognito's device attributes (device_name, last_ip…).
	Attributes        map[string]string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	LastAuthenticated time.Time
}

// Devices stores users' devices.
type Devices interface {
	// PutDevice inserts or replaces the device (PoolID, Subject, Key).
	// An unknown subject is ErrNotFound.
	PutDevice(ctx context.Context, d Device) error
	// GetDevice returns a device of the user, or ErrNotFound.
	GetDevice(ctx context.Context, poolID, subject, key string) (Device, error)
	// ListDevices returns at most limit devices of the user ordered by
	// Key, starting after afterKey.
	ListDevices(ctx context.Context, poolID, subject, afterKey string, limit int) ([]Device, error)
	// DeleteDevice forgets a device (unknown: ErrNotFound).
	DeleteDevice(ctx context.Context, poolID, subject, key string) error
}
