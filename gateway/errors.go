package gateway

import "errors"

// Errors of New and VerifyData. Match them with errors.Is.
var (
	// ErrConfig: Options (or DataOptions) are not usable: a missing or
	// malformed field, a short cookie key, a signing key that cannot sign.
	ErrConfig = errors.New("invalid gateway configuration")
	// ErrDiscovery: the provider's OpenID configuration could not be
	// fetched, or its issuer is not Options.Issuer.
	ErrDiscovery = errors.New("provider discovery failed")
	// ErrInvalidData: an X-Amzn-Oidc-Data value does not verify: malformed,
	// too large, signed by an unknown key or algorithm, expired, or for
	// another issuer or client.
	ErrInvalidData = errors.New("invalid identity data")
)

// errSession is the cause of a session or flow cookie that cannot be
// used: absent, malformed, tampered with, sealed with an unknown key or
// expired. It never leaves the package.
var errSession = errors.New("no usable session")
