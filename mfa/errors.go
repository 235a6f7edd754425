package mfa

import "errors"

// Sentinel errors. Functions wrap them with context; match them with errors.Is.
var (
	// ErrInvalidCode means a code is wrong, malformed (not exactly the configured number of ASCII
	// digits) or outside the accepted time window.
	ErrInvalidCode = errors.New("invalid code")

	// ErrReplayed means a TOTP code is correct but its time step is not later than the last step
	// the user already spent. RFC 6238 §5.2 forbids accepting it again; callers should log it.
	ErrReplayed = errors.New("code already used")

	// ErrConfig means a configuration value or key is missing or out of its allowed range.
	ErrConfig = errors.New("invalid mfa configuration")

	// ErrInvalidSecret means a TOTP secret is not valid base32 or is shorter than 160 bits.
	ErrInvalidSecret = errors.New("invalid totp secret")

	// ErrInvalidInput means an argument other than a code or secret is unusable, such as an
	// empty account name or device key.
	ErrInvalidInput = errors.New("invalid input")
)
