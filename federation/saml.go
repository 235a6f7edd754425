package federation

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"time"

	saml2 "github.com/russellhaering/gosaml2"
	dsig "github.com/russellhaering/goxmldsig"
)

// Limits on what a SAML callback may carry. A browser-posted SAMLResponse
// is a few kilobytes to a few hundred; anything near these bounds is an
// attack or a broken IdP, and refusing it before decoding keeps memory use
// per request bounded.
const (
	// maxSAMLResponse bounds the base64 SAMLResponse parameter.
	maxSAMLResponse = 1 << 20
	// maxXMLTokens bounds the elements (counted as '<') of a response or
	// of the metadata, like gosaml2's own token bound, so that a small but
	// deeply nested or element-dense document cannot cost much to parse.
	maxXMLTokens = 50000
	// defaultClockSkew is SPConfig.ClockSkew's zero value.
	defaultClockSkew = 2 * time.Minute
	// requestIDBytes is the randomness of an AuthnRequest ID: 160 bits,
	// above SAML core's 128-bit minimum (saml-core-2.0 §1.3.4).
	requestIDBytes = 20
)

// RequestSigningAlgorithm values (Cognito's spelling).
const samlSigningRSASHA256 = "rsa-sha256"

// SAMLProvider is a SAML 2.0 identity provider, seen from Cupola's side as
// the service provider. It signs users in with the SP-initiated Web
// Browser SSO profile (HTTP-Redirect AuthnRequest, HTTP-POST Response) and,
// when IDPInit is "true", accepts IdP-initiated responses.
//
// A SAMLProvider is immutable once built and safe for concurrent use.
// Single logout (IDPSignout) is not implemented: the setting is accepted
// and ignored.
type SAMLProvider struct {
	name     string
	entityID string // the SP's entity ID: our Issuer, the audience we require
	idp      *idpMetadata
	roots    *dsig.MemoryX509CertificateStore // the IdP's signing certificates

	signRequests bool
	signer       crypto.Signer // signs AuthnRequests when signRequests
	cert         *x509.Certificate

	encrypted  bool              // EncryptedResponses: assertions must be encrypted
	decryptKey dsig.X509KeyStore // decrypts them; nil unless encrypted

	idpInit bool
	replay  ReplayCache
	skew    time.Duration
	now     func() time.Time
}

var _ Provider = (*SAMLProvider)(nil)

// NewSAML builds a SAML provider from cfg: the IdP's metadata from
// Details["MetadataFile"] (the XML itself) or Details["MetadataURL"]
// (fetched now with cfg.HTTPClient; https, or http to a loopback address),
// and Cupola's side from cfg.SP. cfg.SP.EntityID and cfg.SP.Replay are
// required; cfg.SP.Key and cfg.SP.Certificate are required when
// RequestSigningAlgorithm is set or EncryptedResponses is "true".
//
// Errors match ErrConfig, or ErrUnavailable when the metadata URL cannot be
// fetched.
func NewSAML(ctx context.Context, cfg Config) (*SAMLProvider, error) {
	p := &SAMLProvider{
		name:     cfg.Name,
		entityID: cfg.SP.EntityID,
		replay:   cfg.SP.Replay,
		skew:     cfg.SP.ClockSkew,
		now:      cfg.Now,
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.skew == 0 {
		p.skew = defaultClockSkew
	}
	bad := func(detail string, err error) (*SAMLProvider, error) {
		return nil, &Error{Provider: cfg.Name, Op: "config", Kind: ErrConfig, Detail: detail, Err: err}
	}
	if cfg.Type != "" && cfg.Type != TypeSAML {
		return bad("type "+cfg.Type+" is not "+TypeSAML, nil)
	}
	if err := checkProviderName(cfg.Name); err != nil {
		return bad(err.Error(), nil)
	}
	if p.entityID == "" {
		return bad("SP.EntityID is required", nil)
	}
	if p.replay == nil {
		// Without a replay cache a captured assertion could be posted
		// again until it expires.
		return bad("SP.Replay is required", nil)
	}
	if p.skew < 0 {
		return bad("SP.ClockSkew is negative", nil)
	}

	var err error
	if p.signRequests, err = samlAlgorithmDetail(cfg.Details["RequestSigningAlgorithm"]); err != nil {
		return bad(err.Error(), nil)
	}
	if p.encrypted, err = boolDetail("EncryptedResponses", cfg.Details["EncryptedResponses"]); err != nil {
		return bad(err.Error(), nil)
	}
	if p.idpInit, err = boolDetail("IDPInit", cfg.Details["IDPInit"]); err != nil {
		return bad(err.Error(), nil)
	}
	// IDPSignout is validated so that a typo does not pass silently, even
	// though single logout is not implemented.
	if _, err := boolDetail("IDPSignout", cfg.Details["IDPSignout"]); err != nil {
		return bad(err.Error(), nil)
	}

	if err := p.setKeys(cfg.SP); err != nil {
		return bad(err.Error(), nil)
	}

	p.idp, err = loadIdPMetadata(ctx, cfg)
	if err != nil {
		return nil, err
	}
	p.roots = &dsig.MemoryX509CertificateStore{Roots: p.idp.certs}
	return p, nil
}

// samlAlgorithmDetail reads RequestSigningAlgorithm: empty (unsigned
// requests) or rsa-sha256, the only value Cognito takes.
func samlAlgorithmDetail(v string) (bool, error) {
	switch v {
	case "":
		return false, nil
	case samlSigningRSASHA256:
		return true, nil
	}
	return false, fmt.Errorf("RequestSigningAlgorithm %q is not %s", v, samlSigningRSASHA256)
}

// boolDetail reads a "true"/"false" ProviderDetails value; empty is false.
func boolDetail(key, v string) (bool, error) {
	switch v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, fmt.Errorf("%s must be \"true\" or \"false\", not %q", key, v)
}

// setKeys checks SP.Key and SP.Certificate against what the settings need.
func (p *SAMLProvider) setKeys(sp SPConfig) error {
	if (sp.Key == nil) != (sp.Certificate == nil) {
		return errors.New("SP.Key and SP.Certificate go together")
	}
	if sp.Key != nil {
		type equaler interface{ Equal(crypto.PublicKey) bool }
		pub, ok := sp.Key.Public().(equaler)
		if !ok || !pub.Equal(sp.Certificate.PublicKey) {
			return errors.New("SP.Certificate is not SP.Key's certificate")
		}
	}
	p.cert = sp.Certificate
	if p.signRequests {
		if sp.Key == nil {
			return errors.New("RequestSigningAlgorithm needs SP.Key and SP.Certificate")
		}
		if _, ok := sp.Key.Public().(*rsa.PublicKey); !ok {
			return errors.New("RequestSigningAlgorithm rsa-sha256 needs an RSA SP.Key")
		}
		p.signer = sp.Key
	}
	if p.encrypted {
		// gosaml2 decrypts the key transport (RSA-OAEP) only with an
		// *rsa.PrivateKey, not with an opaque crypto.Signer.
		key, ok := sp.Key.(*rsa.PrivateKey)
		if !ok {
			return errors.New("EncryptedResponses needs an *rsa.PrivateKey SP.Key and SP.Certificate")
		}
		p.decryptKey = dsig.TLSCertKeyStore(tls.Certificate{
			Certificate: [][]byte{sp.Certificate.Raw},
			PrivateKey:  key,
			Leaf:        sp.Certificate,
		})
	}
	return nil
}

// Name implements Provider.
func (p *SAMLProvider) Name() string { return p.name }

// Type implements Provider; it is TypeSAML.
func (p *SAMLProvider) Type() string { return TypeSAML }

// IdPEntityID is the entity ID from the IdP's metadata: the Issuer its
// responses must carry.
func (p *SAMLProvider) IdPEntityID() string { return p.idp.entityID }

// serviceProvider configures gosaml2 for one call. It is built per call
// because the ACS URL is the caller's per sign-in (StartInput.CallbackURL)
// and the clock is read once per call; the IdP's certificates and our keys
// are shared, read-only.
func (p *SAMLProvider) serviceProvider(acsURL string, clock time.Time) *saml2.SAMLServiceProvider {
	sp := &saml2.SAMLServiceProvider{
		IdentityProviderSSOURL:      p.idp.ssoURL,
		IdentityProviderSSOBinding:  saml2.BindingHttpRedirect,
		IdentityProviderIssuer:      p.idp.entityID,
		AssertionConsumerServiceURL: acsURL,
		ServiceProviderIssuer:       p.entityID,
		AudienceURI:                 p.entityID,
		IDPCertificateStore:         p.roots,
		SignAuthnRequests:           p.signRequests,
		SignAuthnRequestsAlgorithm:  dsig.RSASHA256SignatureMethod,
		// Attributes are optional: the NameID is the identity.
		AllowMissingAttributes:      true,
		Clock:                       dsig.NewFakeClockAt(clock),
		MaximumDecompressedBodySize: maxSAMLResponse,
		MaximumXMLTokens:            maxXMLTokens,
	}
	if p.signRequests {
		// Cannot fail: the signer is non-nil (checked in NewSAML).
		_ = sp.SetSPSigningKeyStore(&saml2.KeyStore{Signer: p.signer, Cert: p.cert.Raw})
	}
	if p.encrypted {
		// gosaml2 v0.12.0 decrypts with the (deprecated) SPKeyStore field
		// only; SetSPKeyStore's key is not used for decryption.
		sp.SPKeyStore = p.decryptKey
	}
	return sp
}

// Start implements Provider: an AuthnRequest sent with the HTTP-Redirect
// binding, RelayState in.State, signed in the query string (rsa-sha256)
// when RequestSigningAlgorithm is set. in.LoginHint is not sent.
func (p *SAMLProvider) Start(ctx context.Context, in StartInput) (*Start, error) {
	fail := func(kind error, detail string, err error) (*Start, error) {
		return nil, &Error{Provider: p.name, Op: "start", Kind: kind, Detail: detail, Err: err}
	}
	if err := checkCallbackURL(in.CallbackURL); err != nil {
		return fail(ErrConfig, "callback URL", err)
	}
	if in.State == "" {
		// RelayState is what binds the response to this browser.
		return fail(ErrState, "empty state", nil)
	}
	now := p.now()
	sp := p.serviceProvider(in.CallbackURL, now)
	doc, err := sp.BuildAuthRequestDocumentNoSig()
	if err != nil {
		return fail(ErrConfig, "building the AuthnRequest", err)
	}
	// gosaml2's own ID is a UUIDv4 (122 random bits); ours has 160 and
	// starts with an underscore, as an xs:ID must not start with a digit.
	id := newSAMLID()
	doc.Root().CreateAttr("ID", id)
	// With the HTTP-Redirect binding the signature covers the query string
	// (SAMLRequest, RelayState, SigAlg), not the XML, so changing the ID
	// before this call is sound.
	u, err := sp.BuildAuthURLRedirect(in.State, doc)
	if err != nil {
		return fail(ErrConfig, "building the redirect URL", err)
	}
	return &Start{
		URL: u,
		Pending: Pending{
			Provider:    p.name,
			State:       in.State,
			RequestID:   id,
			CallbackURL: in.CallbackURL,
			Started:     now,
		},
	}, nil
}

// newSAMLID returns a fresh xs:ID with requestIDBytes of randomness.
func newSAMLID() string {
	b := make([]byte, requestIDBytes)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return "_" + hex.EncodeToString(b)
}

// Complete implements Provider for the HTTP-POST binding: in.Params carry
// SAMLResponse and RelayState. The checks run in this order: the pending
// sign-in and RelayState (ErrState), the size and shape of the XML
// (ErrInvalidResponse), the status (ErrProviderError), the IdP's signature,
// audience, lifetime, recipient, destination (ErrInvalidResponse),
// InResponseTo (ErrState), and last the replay cache (ErrInvalidResponse
// "replayed", or ErrUnavailable when the cache fails). Every Detail names
// the check that refused.
//
// The Identity's Subject is the NameID's exact text, Attributes are the
// assertion's attributes by Name (values joined with commas), Email comes
// from the email, mail, the WS-Federation emailaddress claim or the
// urn:oid:0.9.2342.19200300.100.1.3 attribute, and EmailVerified is false.
func (p *SAMLProvider) Complete(ctx context.Context, in CompleteInput) (*Identity, error) {
	v := &samlVerification{p: p, now: p.now(), in: in}
	return v.run(ctx)
}

// checkPending decides whether the callback belongs to in.Pending, before
// anything of the response is read: a constant-time RelayState comparison
// for an SP-initiated sign-in, the IDPInit setting for an unsolicited one.
// It reports whether the sign-in is IdP-initiated.
func (p *SAMLProvider) checkPending(in CompleteInput) (bool, error) {
	fail := func(detail string) (bool, error) {
		return false, &Error{Provider: p.name, Op: "complete", Kind: ErrState, Detail: detail}
	}
	pend := in.Pending
	if pend.Provider != "" && pend.Provider != p.name {
		return fail("pending sign-in is for provider " + pend.Provider)
	}
	if pend.CallbackURL == "" {
		return fail("pending sign-in has no callback URL")
	}
	if len(in.Params["RelayState"]) > 1 {
		return fail("more than one RelayState")
	}
	relay := in.Params.Get("RelayState")
	if pend.RequestID == "" {
		if !p.idpInit {
			return fail("IdP-initiated sign-in is not enabled (IDPInit) and no AuthnRequest is pending")
		}
		if pend.State != "" && !equalSecret(relay, pend.State) {
			return fail("RelayState does not match")
		}
		return true, nil
	}
	if pend.State == "" || !equalSecret(relay, pend.State) {
		return fail("RelayState does not match")
	}
	return false, nil
}

// equalSecret compares in constant time for equal lengths.
func equalSecret(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// decodeSAMLResponse bounds and decodes the SAMLResponse parameter.
func decodeSAMLResponse(params url.Values) ([]byte, string, error) {
	values := params["SAMLResponse"]
	if len(values) != 1 || values[0] == "" {
		return nil, "", errors.New("exactly one SAMLResponse parameter is required")
	}
	enc := values[0]
	if len(enc) > maxSAMLResponse {
		return nil, "", fmt.Errorf("SAMLResponse is larger than %d bytes", maxSAMLResponse)
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, "", fmt.Errorf("SAMLResponse is not base64: %w", err)
	}
	// gosaml2 decodes again from the same text; Go's decoder ignores the
	// line breaks some IdPs put in, and so does gosaml2's.
	return raw, enc, nil
}
