package mfa

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// Passkeys (WebAuthn, https://www.w3.org/TR/webauthn-3/) through
// github.com/go-webauthn/webauthn, which does every piece of CBOR, COSE,
// attestation and signature work. This file only adapts it to the pool: a
// relying party per pool, ceremonies kept as opaque bytes the caller
// stores, credentials as plain data, and errors sorted into the few kinds
// Cognito names.

// WebAuthn errors. The ceremony functions wrap them; match with errors.Is.
var (
	// ErrWebAuthnMalformed: the response is not a WebAuthn credential
	// (bad JSON, bad encoding, too large, a wrong type).
	ErrWebAuthnMalformed = errors.New("malformed webauthn response")
	// ErrWebAuthnChallenge: the response answers another challenge (a
	// replay, or another ceremony's).
	ErrWebAuthnChallenge = errors.New("webauthn challenge not found")
	// ErrWebAuthnOrigin: the browser reported an origin the relying party
	// does not allow.
	ErrWebAuthnOrigin = errors.New("webauthn origin not allowed")
	// ErrWebAuthnRelyingParty: the authenticator signed for another RP ID.
	ErrWebAuthnRelyingParty = errors.New("webauthn relying party mismatch")
	// ErrWebAuthnUserVerification: user verification was required and the
	// authenticator did not perform it.
	ErrWebAuthnUserVerification = errors.New("webauthn user verification missing")
	// ErrWebAuthnUnsupported: the credential uses an algorithm or an
	// attestation the relying party does not accept.
	ErrWebAuthnUnsupported = errors.New("webauthn credential not supported")
	// ErrWebAuthnCredential: the credential is unknown, not the user's, or
	// its signature or counter does not verify.
	ErrWebAuthnCredential = errors.New("webauthn credential refused")
)

// MaxWebAuthnResponse bounds a registration or assertion response, in
// bytes, before it is parsed.
const MaxWebAuthnResponse = 64 << 10

// WebAuthnConfig is a relying party: the site passkeys are bound to.
type WebAuthnConfig struct {
	// RPID is the relying party ID, a registrable domain ("example.com");
	// credentials work on it and its subdomains.
	RPID string
	// RPName is shown by the authenticator at registration.
	RPName string
	// Origins are the exact origins ("https://login.example.com") whose
	// pages may run the ceremonies.
	Origins []string
	// UserVerification is "required" (the default: a PIN or biometric at
	// each use, so a passkey is two factors) or "preferred".
	UserVerification string
	// Attestation is the conveyance asked for at registration: "none"
	// (the default), "indirect", "direct" or "enterprise".
	Attestation string
	// Timeout is what the browser is told a ceremony may take; zero means
	// 5 minutes. The caller's session bounds the ceremony on the server.
	Timeout time.Duration
}

// WebAuthn runs registration and sign-in ceremonies for one relying party.
// It holds no state between calls and is safe for concurrent use.
type WebAuthn struct {
	rp   *webauthn.WebAuthn
	uv   protocol.UserVerificationRequirement
	conv protocol.ConveyancePreference
}

// NewWebAuthn checks cfg and returns its relying party.
func NewWebAuthn(cfg WebAuthnConfig) (*WebAuthn, error) {
	if cfg.RPID == "" || strings.ContainsAny(cfg.RPID, "/:") {
		return nil, fmt.Errorf("%w: webauthn RPID must be a host name", ErrConfig)
	}
	if len(cfg.Origins) == 0 {
		return nil, fmt.Errorf("%w: webauthn needs at least one origin", ErrConfig)
	}
	for _, o := range cfg.Origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("%w: webauthn origin %q is not scheme://host[:port]", ErrConfig, o)
		}
		if h := u.Hostname(); h != cfg.RPID && !strings.HasSuffix(h, "."+cfg.RPID) {
			return nil, fmt.Errorf("%w: webauthn origin %q is not on RP ID %q", ErrConfig, o, cfg.RPID)
		}
	}
	w := &WebAuthn{uv: protocol.VerificationRequired, conv: protocol.PreferNoAttestation}
	switch cfg.UserVerification {
	case "", "required":
	case "preferred":
		w.uv = protocol.VerificationPreferred
	default:
		return nil, fmt.Errorf("%w: webauthn user verification must be required or preferred", ErrConfig)
	}
	switch cfg.Attestation {
	case "", "none":
	case "indirect", "direct", "enterprise":
		w.conv = protocol.ConveyancePreference(cfg.Attestation)
	default:
		return nil, fmt.Errorf("%w: webauthn attestation must be none, indirect, direct or enterprise", ErrConfig)
	}
	if cfg.RPName == "" {
		cfg.RPName = cfg.RPID
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Minute
	}
	rp, err := webauthn.New(&webauthn.Config{
		RPID:                  cfg.RPID,
		RPDisplayName:         cfg.RPName,
		RPOrigins:             cfg.Origins,
		AttestationPreference: w.conv,
		// The caller's session expires the ceremony, on its own clock.
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Timeout: cfg.Timeout, TimeoutUVD: cfg.Timeout},
			Registration: webauthn.TimeoutConfig{Timeout: cfg.Timeout, TimeoutUVD: cfg.Timeout},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	w.rp = rp
	return w, nil
}

// RPID is the relying party ID passkeys are bound to.
func (w *WebAuthn) RPID() string { return w.rp.Config.RPID }

// UserVerificationRequired reports whether every ceremony requires user
// verification.
func (w *WebAuthn) UserVerificationRequired() bool { return w.uv == protocol.VerificationRequired }

// Passkey is a registered credential, as plain data the caller stores.
type Passkey struct {
	ID                []byte
	PublicKey         []byte
	AAGUID            []byte
	AttestationType   string
	AttestationFormat string
	SignCount         uint32
	Transports        []string
	UserVerified      bool
	BackupEligible    bool
	BackupState       bool
}

// WebAuthnUser is the account a ceremony is for: Handle is the opaque user
// handle authenticators keep (never personal data), Name and DisplayName
// what they show, Passkeys the account's credentials.
type WebAuthnUser struct {
	Handle      []byte
	Name        string
	DisplayName string
	Passkeys    []Passkey
}

// BeginRegistration starts registering a passkey for u: options are the
// PublicKeyCredentialCreationOptions (JSON) for navigator.credentials.create,
// ceremony the state FinishRegistration needs, to keep server-side. The
// passkey is discoverable (a resident key) and u's passkeys are excluded.
func (w *WebAuthn) BeginRegistration(u WebAuthnUser) (options, ceremony []byte, err error) {
	if len(u.Handle) == 0 || u.Name == "" {
		return nil, nil, fmt.Errorf("%w: webauthn user without handle or name", ErrInvalidInput)
	}
	exclude := make([]protocol.CredentialDescriptor, 0, len(u.Passkeys))
	for _, p := range u.Passkeys {
		exclude = append(exclude, descriptor(p))
	}
	creation, session, err := w.rp.BeginRegistration(wuser{u},
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: w.uv,
		}),
		webauthn.WithConveyancePreference(w.conv),
		webauthn.WithExclusions(exclude))
	if err != nil {
		return nil, nil, fmt.Errorf("webauthn: begin registration: %w", err)
	}
	return marshalCeremony(creation.Response, session)
}

// FinishRegistration checks the browser's response (the PublicKeyCredential
// as JSON) against ceremony and returns the new passkey.
func (w *WebAuthn) FinishRegistration(u WebAuthnUser, ceremony, response []byte) (Passkey, error) {
	session, err := unmarshalCeremony(ceremony)
	if err != nil {
		return Passkey{}, err
	}
	if len(response) > MaxWebAuthnResponse {
		return Passkey{}, fmt.Errorf("%w: response larger than %d bytes", ErrWebAuthnMalformed, MaxWebAuthnResponse)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return Passkey{}, sortErr(err, ErrWebAuthnMalformed)
	}
	c, err := w.rp.CreateCredential(wuser{u}, *session, parsed)
	if err != nil {
		return Passkey{}, sortErr(err, ErrWebAuthnUnsupported)
	}
	return passkeyOf(c), nil
}

// BeginLogin starts a sign-in: options are the
// PublicKeyCredentialRequestOptions (JSON) for navigator.credentials.get,
// ceremony the state FinishLogin needs. The passkey names its account (a
// discoverable credential returns its user handle); allow, when not
// empty, lists the only credentials the browser may offer.
func (w *WebAuthn) BeginLogin(allow []Passkey) (options, ceremony []byte, err error) {
	opts := []webauthn.LoginOption{webauthn.WithUserVerification(w.uv)}
	if len(allow) > 0 {
		list := make([]protocol.CredentialDescriptor, 0, len(allow))
		for _, p := range allow {
			list = append(list, descriptor(p))
		}
		opts = append(opts, webauthn.WithAllowedCredentials(list))
	}
	assertion, session, err := w.rp.BeginDiscoverableLogin(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("webauthn: begin login: %w", err)
	}
	return marshalCeremony(assertion.Response, session)
}

// Assertion is a verified sign-in: the account's handle, the passkey
// with its counter and backup state as the assertion left them, and
// whether the user was verified.
type Assertion struct {
	Handle       []byte
	Passkey      Passkey
	UserVerified bool
	// CloneWarning: the counter did not move forward, so another copy of
	// the key may exist. The caller refuses and records it.
	CloneWarning bool
}

// CredentialID reads the credential ID of an assertion response without
// verifying anything, so the caller can find its account and count the
// attempt before the check.
func CredentialID(response []byte) ([]byte, []byte, error) {
	if len(response) > MaxWebAuthnResponse {
		return nil, nil, fmt.Errorf("%w: response larger than %d bytes", ErrWebAuthnMalformed, MaxWebAuthnResponse)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return nil, nil, sortErr(err, ErrWebAuthnMalformed)
	}
	return parsed.RawID, parsed.Response.UserHandle, nil
}

// FinishLogin checks an assertion (the PublicKeyCredential as JSON)
// against ceremony. u is the account the credential belongs to, as the
// caller found it from CredentialID; its Passkeys must hold the credential.
func (w *WebAuthn) FinishLogin(u WebAuthnUser, ceremony, response []byte) (Assertion, error) {
	session, err := unmarshalCeremony(ceremony)
	if err != nil {
		return Assertion{}, err
	}
	if len(response) > MaxWebAuthnResponse {
		return Assertion{}, fmt.Errorf("%w: response larger than %d bytes", ErrWebAuthnMalformed, MaxWebAuthnResponse)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return Assertion{}, sortErr(err, ErrWebAuthnMalformed)
	}
	if len(session.AllowedCredentialIDs) > 0 && !slices.ContainsFunc(session.AllowedCredentialIDs, func(id []byte) bool { return bytes.Equal(id, parsed.RawID) }) {
		return Assertion{}, fmt.Errorf("%w: credential not among those the sign-in allowed", ErrWebAuthnCredential)
	}
	_, c, err := w.rp.ValidatePasskeyLogin(func(rawID, handle []byte) (webauthn.User, error) {
		if !bytes.Equal(handle, u.Handle) {
			return nil, fmt.Errorf("%w: user handle is not the account's", ErrWebAuthnCredential)
		}
		return wuser{u}, nil
	}, *session, parsed)
	if err != nil {
		return Assertion{}, sortErr(err, ErrWebAuthnCredential)
	}
	return Assertion{Handle: u.Handle, Passkey: passkeyOf(c), UserVerified: parsed.Response.AuthenticatorData.Flags.HasUserVerified(),
		CloneWarning: c.Authenticator.CloneWarning}, nil
}

// sortErr maps go-webauthn's error onto the kinds above; otherwise is the
// kind of an error it does not single out.
func sortErr(err error, otherwise error) error {
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		return fmt.Errorf("%w: %w", otherwise, err)
	}
	kind := otherwise
	switch {
	case pe.Details == "Error validating challenge":
		kind = ErrWebAuthnChallenge
	case pe.Details == "Error validating origin", strings.Contains(pe.Details, "topOrigin"), strings.Contains(pe.Details, "cross origin"):
		kind = ErrWebAuthnOrigin
	case strings.HasPrefix(pe.DevInfo, "RP Hash mismatch"):
		kind = ErrWebAuthnRelyingParty
	case strings.HasPrefix(pe.DevInfo, "User verification required"):
		kind = ErrWebAuthnUserVerification
	case pe.Type == protocol.ErrUnsupportedAlgorithm.Type, pe.Type == protocol.ErrUnsupportedKey.Type,
		pe.Type == protocol.ErrAttestationFormat.Type, pe.Type == protocol.ErrAttestation.Type,
		pe.Type == protocol.ErrAttestationCertificate.Type:
		kind = ErrWebAuthnUnsupported
	case pe.Type == protocol.ErrParsingData.Type:
		kind = ErrWebAuthnMalformed
	case pe.Type == protocol.ErrAssertionSignature.Type:
		kind = ErrWebAuthnCredential
	}
	detail := pe.Details
	if pe.DevInfo != "" {
		detail += " (" + pe.DevInfo + ")"
	}
	return fmt.Errorf("%w: %s", kind, detail)
}

// ceremonyState is what a ceremony keeps between begin and finish.
type ceremonyState struct {
	Session webauthn.SessionData `json:"s"`
}

func marshalCeremony(options any, session *webauthn.SessionData) ([]byte, []byte, error) {
	opts, err := json.Marshal(options)
	if err != nil {
		return nil, nil, fmt.Errorf("webauthn: options: %w", err)
	}
	state, err := json.Marshal(ceremonyState{Session: *session})
	if err != nil {
		return nil, nil, fmt.Errorf("webauthn: ceremony: %w", err)
	}
	return opts, state, nil
}

func unmarshalCeremony(b []byte) (*webauthn.SessionData, error) {
	var st ceremonyState
	if err := json.Unmarshal(b, &st); err != nil || st.Session.Challenge == "" {
		return nil, fmt.Errorf("%w: no ceremony", ErrWebAuthnChallenge)
	}
	return &st.Session, nil
}

func descriptor(p Passkey) protocol.CredentialDescriptor {
	d := protocol.CredentialDescriptor{Type: protocol.PublicKeyCredentialType, CredentialID: p.ID}
	for _, t := range p.Transports {
		d.Transport = append(d.Transport, protocol.AuthenticatorTransport(t))
	}
	return d
}

func passkeyOf(c *webauthn.Credential) Passkey {
	p := Passkey{ID: c.ID, PublicKey: c.PublicKey, AttestationType: c.AttestationType, AttestationFormat: c.AttestationFormat,
		SignCount: c.Authenticator.SignCount, UserVerified: c.Flags.UserVerified, BackupEligible: c.Flags.BackupEligible,
		BackupState: c.Flags.BackupState}
	if len(c.Authenticator.AAGUID) == 16 && !bytes.Equal(c.Authenticator.AAGUID, make([]byte, 16)) {
		p.AAGUID = c.Authenticator.AAGUID
	}
	for _, t := range c.Transport {
		p.Transports = append(p.Transports, string(t))
	}
	return p
}

// wuser is a WebAuthnUser as go-webauthn's User.
type wuser struct{ u WebAuthnUser }

func (w wuser) WebAuthnID() []byte          { return w.u.Handle }
func (w wuser) WebAuthnName() string        { return w.u.Name }
func (w wuser) WebAuthnDisplayName() string { return w.u.DisplayName }
func (w wuser) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, 0, len(w.u.Passkeys))
	for _, p := range w.u.Passkeys {
		c := webauthn.Credential{ID: p.ID, PublicKey: p.PublicKey, AttestationType: p.AttestationType, AttestationFormat: p.AttestationFormat,
			Flags:         webauthn.CredentialFlags{UserPresent: true, UserVerified: p.UserVerified, BackupEligible: p.BackupEligible, BackupState: p.BackupState},
			Authenticator: webauthn.Authenticator{AAGUID: p.AAGUID, SignCount: p.SignCount}}
		for _, t := range p.Transports {
			c.Transport = append(c.Transport, protocol.AuthenticatorTransport(t))
		}
		out = append(out, c)
	}
	return out
}
