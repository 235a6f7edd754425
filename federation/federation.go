// Package federation signs users in through outside identity providers:
// any OpenID Connect provider, the social presets Cognito offers (Google,
// Sign in with Apple, Facebook, Login with Amazon) and any SAML 2.0
// identity provider.
//
// A [Provider] turns one browser round trip into a verified [Identity]:
// [Provider.Start] says where to send the browser and what to keep until it
// comes back ([Pending]); [Provider.Complete] checks what the browser
// brought back against that and against the provider's keys. Where the
// pending state is kept — bound to the browser, for example in a sealed
// cookie — is the caller's choice; the package keeps no state between the
// two calls except, for SAML, the assertion replay cache the caller hands
// in.
//
// The package imports no other Cupola package: userpool maps an Identity
// onto a user, hostedui serves the callback endpoints.
package federation

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Provider types, spelled as Cognito's ProviderType.
const (
	TypeOIDC     = "OIDC"
	TypeSAML     = "SAML"
	TypeGoogle   = "Google"
	TypeApple    = "SignInWithApple"
	TypeFacebook = "Facebook"
	TypeAmazon   = "LoginWithAmazon"
)

// Provider is one configured identity provider.
type Provider interface {
	// Name is the provider's name in the pool, such as "Google" or
	// "CorpSAML"; it prefixes federated usernames.
	Name() string
	// Type is one of the Type constants.
	Type() string
	// Start begins a sign-in: where the browser goes, and what Complete
	// needs back.
	Start(ctx context.Context, in StartInput) (*Start, error)
	// Complete verifies the browser's return to the callback and returns
	// who signed in. It refuses a callback whose state is not
	// in.Pending's, and every response the provider did not sign or that
	// was not meant for this sign-in.
	Complete(ctx context.Context, in CompleteInput) (*Identity, error)
}

// StartInput is what a sign-in starts from.
type StartInput struct {
	// CallbackURL is where the provider sends the browser back: the OAuth2
	// redirect_uri, or the SAML assertion consumer service URL. It must be
	// the one registered with the provider.
	CallbackURL string
	// State is an unguessable value the caller generated for this
	// browser; it travels as OAuth2 state or SAML RelayState and comes
	// back in the callback.
	State string
	// LoginHint, when set, is passed to providers that take one
	// (login_hint; SAML Subject NameID is not sent).
	LoginHint string
}

// Start is where a sign-in goes first.
type Start struct {
	// URL is where the browser goes, with a 302/303 redirect.
	URL string
	// Pending is what Complete needs back. It holds secrets (the PKCE
	// verifier, the nonce): keep it server-side or sealed, bound to the
	// browser that started.
	Pending Pending
}

// Pending is the state of one sign-in between Start and Complete.
type Pending struct {
	Provider     string    `json:"p"`           // the provider's name
	State        string    `json:"s"`           // as in StartInput
	Nonce        string    `json:"n,omitempty"` // OIDC nonce sent upstream
	CodeVerifier string    `json:"v,omitempty"` // PKCE verifier (RFC 7636)
	RequestID    string    `json:"r,omitempty"` // SAML AuthnRequest ID
	CallbackURL  string    `json:"c"`           // as in StartInput
	Started      time.Time `json:"t"`
}

// CompleteInput is the browser's return to the callback.
type CompleteInput struct {
	// Params are the callback's parameters: the query of a GET, or the
	// form of a POST (Apple's form_post, SAML's HTTP-POST binding).
	Params url.Values
	// Pending is what Start returned for this browser. For a SAML
	// IdP-initiated sign-in (where the provider allows it) it is the zero
	// value apart from CallbackURL.
	Pending Pending
}

// Identity is who a provider vouches for.
type Identity struct {
	// Provider is the provider's name in the pool.
	Provider string
	// Type is the provider's type (one of the Type constants).
	Type string
	// Subject is the provider's stable ID for the user: OIDC sub, SAML
	// NameID, Facebook or Amazon user ID. Never empty.
	Subject string
	// Email is the address the provider gave, if any.
	Email string
	// EmailVerified is true only when the provider asserts that it
	// verified Email (OIDC email_verified, Apple, Facebook's and Amazon's
	// account emails per their documentation). SAML attributes never set
	// it.
	EmailVerified bool
	// Attributes are the provider's claims or assertion attributes by
	// their provider-side names, flattened to strings (numbers and
	// booleans as JSON writes them, multi-valued SAML attributes joined
	// with commas). An attribute mapping picks from these.
	Attributes map[string]string
	// SessionIndex is the SAML session index, for single logout.
	SessionIndex string
	// AuthTime is when the user authenticated at the provider, when it
	// says so.
	AuthTime time.Time
}

// Errors every provider's errors match with errors.Is.
var (
	// ErrConfig: the provider's configuration is refused (missing or
	// malformed ProviderDetails, unreadable metadata, bad key).
	ErrConfig = errors.New("federation: invalid provider configuration")
	// ErrState: the callback's state does not belong to this browser's
	// pending sign-in (login CSRF, a swapped or replayed callback).
	ErrState = errors.New("federation: callback state mismatch")
	// ErrProviderError: the provider answered with an error (the user
	// cancelled, access_denied, a SAML status other than Success).
	ErrProviderError = errors.New("federation: identity provider returned an error")
	// ErrInvalidResponse: the provider's response failed verification
	// (signature, issuer, audience, nonce, lifetime, replay).
	ErrInvalidResponse = errors.New("federation: invalid identity provider response")
	// ErrUnavailable: the provider could not be reached or answered
	// garbage (discovery, token or profile endpoint).
	ErrUnavailable = errors.New("federation: identity provider unavailable")
)

// Error is a provider failure: which provider, which step, and why. It
// matches one of the package's sentinel errors and its cause.
type Error struct {
	Provider string // the provider's name
	Op       string // "start", "complete", "token", "verify", "metadata"…
	Kind     error  // one of the sentinel errors
	Detail   string // for logs; may name the upstream error code, never a secret
	Err      error  // the cause, if any
}

// Error implements error.
func (e *Error) Error() string {
	s := fmt.Sprintf("%v: %s %s", e.Kind, e.Provider, e.Op)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// ReplayCache remembers SAML assertion IDs until they expire, so an
// assertion is accepted once. userpool backs it with the store, so the
// check holds across instances sharing a database.
type ReplayCache interface {
	// Remember records id until expires and reports whether it was new.
	// It must be atomic: of two concurrent calls with the same id, one
	// returns true.
	Remember(ctx context.Context, id string, expires time.Time) (bool, error)
}

// Config configures one provider. Details uses Cognito's ProviderDetails
// keys for the provider's type:
//
//   - OIDC: client_id, client_secret, authorize_scopes (space-separated),
//     oidc_issuer, attributes_request_method (GET or POST),
//     token_endpoint_auth_method (client_secret_basic or
//     client_secret_post); authorize_url, token_url, attributes_url and
//     jwks_uri override discovery.
//   - Google, Facebook, LoginWithAmazon: client_id, client_secret,
//     authorize_scopes; Facebook also api_version.
//   - SignInWithApple: client_id (the Services ID), team_id, key_id,
//     private_key (PEM, PKCS #8 EC P-256), authorize_scopes.
//   - SAML: MetadataURL or MetadataFile (the XML itself), IDPSignout,
//     IDPInit, EncryptedResponses, RequestSigningAlgorithm (rsa-sha256).
type Config struct {
	// Name is the provider's name in the pool: 3–32 characters, no
	// underscore (the federated username is Name_subject).
	Name string
	// Type is one of the Type constants.
	Type string
	// Details are the provider's settings (see above). Secrets in it are
	// the caller's to keep sealed at rest.
	Details map[string]string

	// HTTPClient makes the calls to the provider (discovery, token,
	// profile, metadata). Nil means a client with a 10-second timeout.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// SAML service-provider settings, ignored by other types.
	SP SPConfig
}

// SPConfig is Cupola's side of a SAML federation.
type SPConfig struct {
	// EntityID is the SP's entity ID (Cognito's urn:amazon:cognito:sp:<pool id>
	// shape is a good choice).
	EntityID string
	// Key and Certificate sign AuthnRequests and decrypt encrypted
	// assertions; the certificate is published in the SP metadata.
	Key         crypto.Signer
	Certificate *x509.Certificate
	// Replay remembers assertion IDs; required.
	Replay ReplayCache
	// ClockSkew tolerated on NotBefore/NotOnOrAfter; zero means 2 minutes.
	ClockSkew time.Duration
}
