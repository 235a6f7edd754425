// Package mfa provides the multi-factor primitives of a user pool: TOTP authenticator apps
// (RFC 6238, with replay protection), one-time codes for SMS/email MFA and passwordless sign-in,
// single-use recovery codes, and passkeys (WebAuthn, through go-webauthn).
//
// The package holds no storage and no state. It returns secrets, hashes, verifiers and time steps;
// the caller (userpool) persists them, seals the secret ones, and performs the atomic updates that
// make codes single-use: a compare-and-swap of the last used TOTP step, deleting a spent OTP hash
// with its challenge, clearing a spent recovery-code hash.
//
// Enrol and verify a TOTP authenticator:
//
//	t, err := mfa.NewTOTP(mfa.TOTPConfig{Issuer: "Example Pool"})
//	enr, secret, err := t.Enroll("alice@example.com") // show enr.PNG / enr.Secret, store secret sealed
//	step, err := t.Verify(secret, code, time.Now(), lastStep)
//	// on success: store step if the stored value still equals lastStep (compare-and-swap)
//
// One-time codes are stored as HashOTP(key, binding, code) and checked with CheckOTP, where the
// binding names the challenge and user so that a code never crosses challenges or accounts.
//
// Passkeys: NewWebAuthn is a relying party whose ceremonies return options for the browser and an
// opaque ceremony state the caller keeps until the browser answers. (Remembered devices prove
// themselves by SRP, in internal/srp.)
package mfa
