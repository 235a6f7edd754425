package token

import "errors"

// verifyError is the type of the verification sentinels: each one is itself
// matched by errors.Is(err, ErrInvalidToken), so a caller that only cares
// whether a token is good checks one sentinel, and a caller that wants the
// reason checks the specific one.
type verifyError struct{ msg string }

func (e *verifyError) Error() string { return e.msg }

// Is makes every verification sentinel match ErrInvalidToken.
func (e *verifyError) Is(target error) bool { return target == ErrInvalidToken }

// ErrInvalidToken is matched by every token verification failure.
var ErrInvalidToken = errors.New("invalid token")

// Verification failures. Each also matches ErrInvalidToken.
var (
	// ErrMalformed: not a well-formed JWT (size, segments, base64, JSON, claim types, missing required claims).
	ErrMalformed error = &verifyError{"malformed token"}
	// ErrAlgorithm: the alg header is missing, not allowed, or not the algorithm of the key named by kid.
	ErrAlgorithm error = &verifyError{"token algorithm not allowed"}
	// ErrUnknownKey: the kid header is missing, or names no key that may verify at this time.
	ErrUnknownKey error = &verifyError{"unknown signing key"}
	// ErrSignature: the signature does not verify.
	ErrSignature error = &verifyError{"invalid token signature"}
	// ErrExpired: exp is in the past (beyond the leeway).
	ErrExpired error = &verifyError{"token expired"}
	// ErrNotYetValid: nbf or iat is in the future (beyond the leeway).
	ErrNotYetValid error = &verifyError{"token not yet valid"}
	// ErrIssuer: iss is missing or not the configured issuer.
	ErrIssuer error = &verifyError{"wrong token issuer"}
	// ErrTokenUse: token_use is missing or not the kind of token asked for.
	ErrTokenUse error = &verifyError{"wrong token use"}
	// ErrAudience: client_id (access token) or aud (ID token) is missing or not an accepted client.
	ErrAudience error = &verifyError{"token not issued for this client"}
	// ErrNonce: an ID token's nonce is missing or not the one expected.
	ErrNonce error = &verifyError{"wrong token nonce"}
)

// Authorization failures: the token is valid but does not meet a route's
// Requirements. They do not match ErrInvalidToken (the answer is 403, not
// 401).
var (
	// ErrInsufficientScope: the access token lacks a required scope.
	ErrInsufficientScope = errors.New("insufficient scope")
	// ErrNotInGroup: the user is in none of the required groups.
	ErrNotInGroup = errors.New("not in a required group")
)

// Errors of a RemoteKeySet. A verification that fails on them also matches
// ErrInvalidToken.
var (
	// ErrJWKS: the JWKS could not be fetched or is not a usable key set
	// (transport error, status other than 200, too large, not JSON).
	ErrJWKS = errors.New("jwks fetch failed")
	// ErrKeysUnavailable: a RemoteKeySet has no keys to verify with (it
	// never fetched a JWKS, or its keys are older than MaxStale). It is
	// not ErrUnknownKey: the token was not judged.
	ErrKeysUnavailable = errors.New("verification keys unavailable")
	// ErrDiscovery: the OpenID configuration could not be fetched, or its
	// issuer or jwks_uri is not acceptable.
	ErrDiscovery = errors.New("openid discovery failed")
)

// Errors of key management and issuing. They do not match ErrInvalidToken.
var (
	// ErrNoSigningKey: the key set has no key that may sign at this time.
	ErrNoSigningKey = errors.New("no signing key")
	// ErrLockedClaim: Extra (or Attributes) tried to set a claim the issuer owns.
	ErrLockedClaim = errors.New("claim may not be overridden")
	// ErrInvalidClaims: the claims given to the issuer cannot make a valid token (missing exp, sub, client id...).
	ErrInvalidClaims = errors.New("invalid claims")
	// ErrInvalidKey: a key has no ID, a signer of the wrong type or size, or an impossible lifecycle.
	ErrInvalidKey = errors.New("invalid key")
	// ErrConfig: an IssuerConfig or VerifierConfig (or a rotation parameter) is not usable.
	ErrConfig = errors.New("invalid token configuration")
)
