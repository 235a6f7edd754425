package federation

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
	saml2 "github.com/russellhaering/gosaml2"
	"github.com/russellhaering/gosaml2/types"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// How a SAML response is verified
//
// gosaml2 verifies the XML signatures (with goxmldsig), decrypts, and
// checks Destination, Issuer, Recipient and the bearer confirmation. It
// leaves the rest to its caller, and some of what it does is lenient:
//
//   - audience and the Conditions lifetime only produce WarningInfo;
//   - it has no clock skew, and does not require an AudienceRestriction;
//   - it accepts rsa-sha1 and sha1 digests (Go's x509 CheckSignature still
//     verifies SHA-1), and rsa-1_5 key transport and 3DES;
//   - it decodes the first Assertion it verified and ignores the others,
//     and decodes repeated single elements (Subject, Conditions) by
//     merging them into one struct;
//   - a NameID's text is what encoding/xml concatenates, so a comment in
//     it disappears from the value (and from exclusive c14n's digest).
//
// So before gosaml2 sees the response, the XML is parsed here with the
// same parser (etree) and its shape is pinned down: no DOCTYPE, exactly one
// assertion in the whole document, signatures only where SAML puts them
// and with SHA-256 or better, one Subject with one NameID made of text
// only, one Conditions. After gosaml2 verified it, the verified assertion
// must be the one inspected (same ID, same NameID), and every warning and
// lifetime is checked here with the configured skew. Either side refusing
// refuses the response.

// XML namespaces.
const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsMetadata  = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsDSig      = dsig.Namespace
	nsXMLEnc    = "http://www.w3.org/2001/04/xmlenc#"

	samlStatusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success"
	samlBearer        = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
)

// allowedSignatureMethod lists the XML-DSig SignatureMethods accepted:
// SHA-256 or better (no rsa-sha1, ecdsa-sha1, dsa or hmac).
func allowedSignatureMethod(alg string) bool {
	switch alg {
	case dsig.RSASHA256SignatureMethod, dsig.RSASHA384SignatureMethod, dsig.RSASHA512SignatureMethod,
		dsig.ECDSASHA256SignatureMethod, dsig.ECDSASHA384SignatureMethod, dsig.ECDSASHA512SignatureMethod:
		return true
	}
	return false
}

// allowedDigestMethod lists the Reference DigestMethods accepted.
func allowedDigestMethod(alg string) bool {
	switch alg {
	case "http://www.w3.org/2001/04/xmlenc#sha256",
		"http://www.w3.org/2001/04/xmldsig-more#sha384",
		"http://www.w3.org/2001/04/xmlenc#sha512":
		return true
	}
	return false
}

// allowedBlockCipher lists the EncryptedData algorithms accepted: AES
// (GCM, or CBC which many IdPs still use); not 3DES.
func allowedBlockCipher(alg string) bool {
	switch alg {
	case types.MethodAES128GCM, types.MethodAES192GCM, types.MethodAES256GCM,
		types.MethodAES128CBC, types.MethodAES256CBC:
		return true
	}
	return false
}

// allowedKeyTransport lists the EncryptedKey algorithms accepted: RSA-OAEP,
// not RSA PKCS #1 v1.5 (Bleichenbacher's padding oracle).
func allowedKeyTransport(alg string) bool {
	return alg == types.MethodRSAOAEP || alg == types.MethodRSAOAEP2
}

// parseXML parses untrusted XML with the parser gosaml2 uses, refusing
// what has no business in a SAML message: a DOCTYPE or any other
// directive, processing instructions other than the XML declaration, more
// than one root element, or more than maxXMLTokens elements.
func parseXML(data []byte) (*etree.Document, error) {
	if bytes.Count(data, []byte("<")) > maxXMLTokens {
		return nil, fmt.Errorf("more than %d XML elements", maxXMLTokens)
	}
	if bytes.Contains(data, []byte("<!DOCTYPE")) {
		return nil, errors.New("DOCTYPE is not allowed")
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, fmt.Errorf("malformed XML: %w", err)
	}
	roots := 0
	for _, tok := range doc.Child {
		switch t := tok.(type) {
		case *etree.Element:
			roots++
		case *etree.CharData:
			if strings.TrimSpace(t.Data) != "" {
				return nil, errors.New("malformed XML: text outside the root element")
			}
		case *etree.ProcInst:
			if t.Target != "xml" {
				return nil, errors.New("processing instruction " + t.Target + " is not allowed")
			}
		}
	}
	if roots != 1 {
		return nil, errors.New("malformed XML: not exactly one root element")
	}
	if err := refuseDirectives(&doc.Element); err != nil {
		return nil, err
	}
	return doc, nil
}

// refuseDirectives walks the whole tree for <!…> directives (DOCTYPE,
// ENTITY) and nested processing instructions.
func refuseDirectives(el *etree.Element) error {
	for _, tok := range el.Child {
		switch t := tok.(type) {
		case *etree.Directive:
			return errors.New("DOCTYPE or other <! directive is not allowed")
		case *etree.ProcInst:
			if el.Parent() != nil {
				return errors.New("processing instruction " + t.Target + " is not allowed")
			}
		case *etree.Element:
			if err := refuseDirectives(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// is reports whether el is namespace:tag, resolving el's prefix.
func is(el *etree.Element, namespace, tag string) bool {
	return el.Tag == tag && el.NamespaceURI() == namespace
}

// descendants returns el's descendants (el excluded) whose local name is
// one of tags, whatever their namespace: the shape checks count by local
// name so that a namespace trick cannot hide an element from them.
func descendants(el *etree.Element, tags ...string) []*etree.Element {
	var out []*etree.Element
	var walk func(*etree.Element)
	walk = func(e *etree.Element) {
		for _, c := range e.ChildElements() {
			for _, t := range tags {
				if c.Tag == t {
					out = append(out, c)
					break
				}
			}
			walk(c)
		}
	}
	walk(el)
	return out
}

// children returns el's child elements with the local name tag.
func children(el *etree.Element, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag {
			out = append(out, c)
		}
	}
	return out
}

// oneChild returns el's only child namespace:tag, or an error naming it.
func oneChild(el *etree.Element, namespace, tag string) (*etree.Element, error) {
	cs := children(el, tag)
	if len(cs) != 1 {
		return nil, fmt.Errorf("%s has %d %s elements; exactly one is accepted", el.Tag, len(cs), tag)
	}
	if !is(cs[0], namespace, tag) {
		return nil, fmt.Errorf("%s is not in the %s namespace", tag, namespace)
	}
	return cs[0], nil
}

// responseShape is what the unverified Response looks like.
type responseShape struct {
	status    []string       // StatusCode values, outermost first
	assertion *etree.Element // the one Assertion, when not encrypted
	encrypted *etree.Element // the one EncryptedAssertion, when encrypted
}

// inspectResponse pins down the shape of the Response before any
// signature is checked. Its status is read first, so that an IdP's error
// response (usually unsigned and without assertion) reads as
// ErrProviderError rather than as a bad signature.
func inspectResponse(root *etree.Element) (*responseShape, error) {
	if !is(root, nsProtocol, "Response") {
		return nil, errors.New("root element is not a SAML 2.0 protocol Response")
	}
	shape := &responseShape{}
	status, err := oneChild(root, nsProtocol, "Status")
	if err != nil {
		return nil, err
	}
	for code := status; ; {
		next := children(code, "StatusCode")
		if len(next) == 0 {
			break
		}
		if len(next) > 1 {
			return nil, errors.New("more than one StatusCode")
		}
		code = next[0]
		shape.status = append(shape.status, code.SelectAttrValue("Value", ""))
	}
	if len(shape.status) == 0 {
		return nil, errors.New("Status has no StatusCode")
	}
	if shape.status[0] != samlStatusSuccess {
		return shape, nil
	}

	if root.SelectAttrValue("ID", "") == "" {
		return nil, errors.New("Response has no ID")
	}
	// Exactly one assertion in the whole document, directly under the
	// Response: every XML signature wrapping attack needs a second
	// assertion (or a second Response) somewhere for the verifier and
	// the consumer to disagree on.
	found := descendants(root, "Assertion", "EncryptedAssertion")
	if len(found) != 1 {
		return nil, fmt.Errorf("%d assertions; exactly one is accepted", len(found))
	}
	a := found[0]
	if a.Parent() != root {
		return nil, errors.New("the assertion is not a child of the Response")
	}
	if len(descendants(root, "Response")) != 0 {
		return nil, errors.New("a Response inside the Response")
	}
	switch {
	case is(a, nsAssertion, "Assertion"):
		shape.assertion = a
		err = checkSignatures(root, root, a)
	case is(a, nsAssertion, "EncryptedAssertion"):
		shape.encrypted = a
		err = checkSignatures(root, root)
	default:
		err = errors.New("the assertion is not in the SAML 2.0 assertion namespace")
	}
	if err != nil {
		return nil, err
	}
	return shape, nil
}

// checkSignatures checks every Signature element under doc: each must be
// an XML-DSig Signature that is a direct child of one of parents, at most
// one per parent, with one Reference to its parent's ID, and SHA-256 or
// better for both the SignatureMethod and the DigestMethod. goxmldsig
// checks the signature value; this checks what it does not: the
// algorithms, and that no signature sits where a wrapping attack puts one.
func checkSignatures(doc *etree.Element, parents ...*etree.Element) error {
	seen := map[*etree.Element]bool{}
	for _, sig := range descendants(doc, "Signature") {
		if !is(sig, nsDSig, "Signature") {
			return errors.New("a Signature element outside the XML-DSig namespace")
		}
		parent := sig.Parent()
		allowed := false
		for _, p := range parents {
			allowed = allowed || parent == p
		}
		if !allowed {
			return fmt.Errorf("a Signature inside %s, where none belongs", parent.Tag)
		}
		if seen[parent] {
			return fmt.Errorf("more than one Signature on %s", parent.Tag)
		}
		seen[parent] = true
		if err := checkSignatureAlgorithms(sig, parent.SelectAttrValue("ID", "")); err != nil {
			return err
		}
	}
	return nil
}

// checkSignatureAlgorithms checks one Signature's SignedInfo.
func checkSignatureAlgorithms(sig *etree.Element, parentID string) error {
	if parentID == "" {
		return errors.New("a signed element without an ID")
	}
	signedInfo, err := oneChild(sig, nsDSig, "SignedInfo")
	if err != nil {
		return err
	}
	method, err := oneChild(signedInfo, nsDSig, "SignatureMethod")
	if err != nil {
		return err
	}
	if alg := method.SelectAttrValue("Algorithm", ""); !allowedSignatureMethod(alg) {
		return fmt.Errorf("signature algorithm %.200q is not accepted (SHA-256 or better)", alg)
	}
	ref, err := oneChild(signedInfo, nsDSig, "Reference")
	if err != nil {
		return err
	}
	if uri := ref.SelectAttrValue("URI", ""); uri != "#"+parentID {
		return fmt.Errorf("signature Reference %.200q is not its parent's ID", uri)
	}
	digest, err := oneChild(ref, nsDSig, "DigestMethod")
	if err != nil {
		return err
	}
	if alg := digest.SelectAttrValue("Algorithm", ""); !allowedDigestMethod(alg) {
		return fmt.Errorf("signature digest algorithm %.200q is not accepted (SHA-256 or better)", alg)
	}
	return nil
}

// assertionFacts is what the inspection read from the unverified
// assertion, to compare with what gosaml2 verified.
type assertionFacts struct {
	id     string
	nameID string
}

// inspectAssertion pins down the shape of an Assertion (a plaintext one
// from the Response, or a decrypted one).
func inspectAssertion(a *etree.Element) (*assertionFacts, error) {
	facts := &assertionFacts{id: a.SelectAttrValue("ID", "")}
	if facts.id == "" {
		return nil, errors.New("Assertion has no ID")
	}
	if n := len(descendants(a, "Assertion", "EncryptedAssertion")); n != 0 {
		return nil, errors.New("an assertion inside the assertion (Advice is not accepted)")
	}
	for _, tag := range []string{"Issuer", "Conditions"} {
		if _, err := oneChild(a, nsAssertion, tag); err != nil {
			return nil, err
		}
	}
	if n := len(descendants(a, "Subject")); n != 1 {
		return nil, fmt.Errorf("%d Subject elements; exactly one is accepted", n)
	}
	subject, err := oneChild(a, nsAssertion, "Subject")
	if err != nil {
		return nil, err
	}
	if len(children(subject, "EncryptedID"))+len(children(subject, "BaseID")) != 0 {
		return nil, errors.New("Subject without a plain NameID")
	}
	nameID, err := oneChild(subject, nsAssertion, "NameID")
	if err != nil {
		return nil, err
	}
	if facts.nameID, err = plainText(nameID); err != nil {
		return nil, err
	}
	if facts.nameID == "" {
		return nil, errors.New("empty NameID")
	}
	conf, err := oneChild(subject, nsAssertion, "SubjectConfirmation")
	if err != nil {
		return nil, err
	}
	if _, err := oneChild(conf, nsAssertion, "SubjectConfirmationData"); err != nil {
		return nil, err
	}
	return facts, nil
}

// plainText returns el's text, refusing anything but text inside: a
// comment in a NameID is the classic way to make a signed
// "alice@corp.com<!---->.evil.com" read as "alice@corp.com" in a library
// that keeps only the first text node (the comment is not part of the
// exclusive-c14n digest, so the signature still verifies).
func plainText(el *etree.Element) (string, error) {
	var b strings.Builder
	for _, tok := range el.Child {
		t, ok := tok.(*etree.CharData)
		if !ok {
			return "", fmt.Errorf("%s has a comment or element inside", el.Tag)
		}
		b.WriteString(t.Data)
	}
	return b.String(), nil
}

// decryptForInspection decrypts a copy of the EncryptedAssertion with
// gosaml2's own decryption (so it is the plaintext gosaml2 will verify)
// and parses it. Only AES and RSA-OAEP are accepted.
func (p *SAMLProvider) decryptForInspection(enc *etree.Element) (*etree.Element, error) {
	if n := len(descendants(enc, "EncryptedData")); n != 1 {
		return nil, fmt.Errorf("%d EncryptedData elements; exactly one is accepted", n)
	}
	if _, err := oneChild(enc, nsXMLEnc, "EncryptedData"); err != nil {
		return nil, err
	}
	for _, m := range descendants(enc, "EncryptionMethod") {
		alg := m.SelectAttrValue("Algorithm", "")
		switch m.Parent().Tag {
		case "EncryptedData":
			if !allowedBlockCipher(alg) {
				return nil, fmt.Errorf("encryption algorithm %.200q is not accepted", alg)
			}
		case "EncryptedKey":
			if !allowedKeyTransport(alg) {
				return nil, fmt.Errorf("key transport algorithm %.200q is not accepted", alg)
			}
		default:
			return nil, errors.New("EncryptionMethod in an unexpected place")
		}
	}
	nsCtx, err := etreeutils.NSBuildParentContext(enc)
	if err != nil {
		return nil, err
	}
	detached, err := etreeutils.NSDetatch(nsCtx, enc)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	doc.SetRoot(detached)
	data, err := doc.WriteToBytes()
	if err != nil {
		return nil, err
	}
	var ea types.EncryptedAssertion
	if err := xml.Unmarshal(data, &ea); err != nil {
		return nil, fmt.Errorf("EncryptedAssertion: %w", err)
	}
	cert := tls.Certificate(p.decryptKey.(dsig.TLSCertKeyStore))
	plain, err := ea.DecryptBytes(&cert)
	if err != nil {
		return nil, fmt.Errorf("decrypting the assertion: %w", err)
	}
	plainDoc, err := parseXML(plain)
	if err != nil {
		return nil, fmt.Errorf("decrypted assertion: %w", err)
	}
	a := plainDoc.Root()
	if !is(a, nsAssertion, "Assertion") {
		return nil, errors.New("the decrypted element is not an Assertion")
	}
	if err := checkSignatures(a, a); err != nil {
		return nil, err
	}
	return a, nil
}

// samlVerification is one Complete call.
type samlVerification struct {
	p   *SAMLProvider
	now time.Time
	in  CompleteInput
}

func (v *samlVerification) fail(kind error, detail string, err error) *Error {
	return &Error{Provider: v.p.name, Op: "complete", Kind: kind, Detail: detail, Err: err}
}

func (v *samlVerification) invalid(detail string, err error) (*Identity, error) {
	return nil, v.fail(ErrInvalidResponse, detail, err)
}

func (v *samlVerification) run(ctx context.Context) (*Identity, error) {
	p := v.p
	idpInitiated, err := p.checkPending(v.in)
	if err != nil {
		return nil, err
	}
	raw, encoded, err := decodeSAMLResponse(v.in.Params)
	if err != nil {
		return v.invalid(err.Error(), nil)
	}
	doc, err := parseXML(raw)
	if err != nil {
		return v.invalid(err.Error(), nil)
	}
	shape, err := inspectResponse(doc.Root())
	if err != nil {
		return v.invalid(err.Error(), nil)
	}
	if shape.status[0] != samlStatusSuccess {
		// The status codes are URIs from the SAML spec (or the IdP's own);
		// they say why, for the logs. The response is not verified: all it
		// can do is end this sign-in, as the state already matched.
		// Quoted and cut short: the values are unverified and go to logs.
		codes := make([]string, len(shape.status))
		for i, c := range shape.status {
			codes[i] = fmt.Sprintf("%.200q", c)
		}
		return nil, v.fail(ErrProviderError, "status "+strings.Join(codes, " / "), nil)
	}
	assertion := shape.assertion
	switch {
	case shape.encrypted != nil && !p.encrypted:
		return v.invalid("encrypted assertion, but EncryptedResponses is not enabled", nil)
	case shape.encrypted == nil && p.encrypted:
		// EncryptedResponses asks the IdP to encrypt; a plaintext
		// assertion means it does not, and the attributes crossed the
		// browser in the clear.
		return v.invalid("assertion is not encrypted, but EncryptedResponses is enabled", nil)
	case shape.encrypted != nil:
		if assertion, err = p.decryptForInspection(shape.encrypted); err != nil {
			return v.invalid(err.Error(), nil)
		}
	}
	facts, err := inspectAssertion(assertion)
	if err != nil {
		return v.invalid(err.Error(), nil)
	}

	// gosaml2 has no clock skew; its clock is set back by the skew so that
	// its expiry checks (SubjectConfirmationData, the IdP certificate)
	// tolerate it. NotBefore is checked below against now+skew.
	acsURL := v.in.Pending.CallbackURL
	sp := p.serviceProvider(acsURL, v.now.Add(-p.skew))
	resp, err := sp.ValidateEncodedResponse(encoded)
	if err != nil {
		return v.invalid(describeGosaml2Error(err), err)
	}
	if len(resp.Assertions) != 1 {
		return v.invalid(fmt.Sprintf("%d verified assertions; exactly one is accepted", len(resp.Assertions)), nil)
	}
	a := &resp.Assertions[0]
	if !resp.SignatureValidated && !a.SignatureValidated {
		return v.invalid("unsigned: neither the Response nor the Assertion is signed", nil)
	}
	if a.ID != facts.id || a.Subject == nil || a.Subject.NameID == nil || a.Subject.NameID.Value != facts.nameID {
		return v.invalid("the verified assertion is not the one inspected", nil)
	}

	expires, err := v.checkConditions(sp, a)
	if err != nil {
		return nil, err
	}
	if err := v.checkSubjectConfirmation(a, &expires); err != nil {
		return nil, err
	}
	if resp.Destination != "" && resp.Destination != acsURL {
		return v.invalid("destination: Response Destination is not the callback URL", nil)
	}
	if err := v.checkInResponseTo(resp, a, idpInitiated); err != nil {
		return nil, err
	}

	// Last, once everything else passed: only a valid assertion is
	// remembered, for as long as it could be accepted.
	fresh, err := p.replay.Remember(ctx, a.ID, expires.Add(p.skew))
	if err != nil {
		return nil, v.fail(ErrUnavailable, "replay cache", err)
	}
	if !fresh {
		return v.invalid("replayed: assertion "+a.ID+" was already used", nil)
	}
	return p.identity(a, facts), nil
}

// describeGosaml2Error names the check gosaml2 refused on.
func describeGosaml2Error(err error) string {
	var invalid saml2.ErrInvalidValue
	var missing saml2.ErrMissingElement
	switch {
	case errors.Is(err, dsig.ErrMissingSignature):
		return "unsigned: neither the Response nor the Assertion is signed by the IdP"
	case errors.As(err, &invalid):
		if invalid.Reason == saml2.ReasonExpired {
			return "expired: " + invalid.Key
		}
		return strings.ToLower(invalid.Key) + " mismatch"
	case errors.As(err, &missing):
		return "missing " + missing.Tag + " " + missing.Attribute
	}
	return "signature verification failed"
}

// checkConditions checks the verified assertion's Conditions: gosaml2's
// warnings, then audience and lifetime with the skew. It returns
// NotOnOrAfter.
func (v *samlVerification) checkConditions(sp *saml2.SAMLServiceProvider, a *types.Assertion) (time.Time, error) {
	fail := func(detail string, err error) (time.Time, error) {
		return time.Time{}, v.fail(ErrInvalidResponse, detail, err)
	}
	warn, err := sp.VerifyAssertionConditions(a)
	if err != nil {
		return fail("conditions: "+describeGosaml2Error(err), err)
	}
	// Every warning but two is a refusal. InvalidTime is gosaml2's
	// lifetime check without skew, redone below with it. OneTimeUse and
	// ProxyRestriction are conditions Cupola meets: an assertion is used
	// once (the replay cache) and never passed on to another party.
	if warn.NotInAudience {
		return fail("audience: the AudienceRestriction does not name "+v.p.entityID, nil)
	}
	c := a.Conditions
	if len(c.AudienceRestrictions) == 0 {
		return fail("audience: no AudienceRestriction", nil)
	}
	for _, r := range c.AudienceRestrictions {
		ok := false
		for _, aud := range r.Audiences {
			ok = ok || aud.Value == v.p.entityID
		}
		if !ok {
			return fail("audience: the AudienceRestriction does not name "+v.p.entityID, nil)
		}
	}
	// gosaml2 refused unparsable or missing times already.
	notBefore, err := time.Parse(time.RFC3339, c.NotBefore)
	if err != nil {
		return fail("conditions: NotBefore", err)
	}
	notOnOrAfter, err := time.Parse(time.RFC3339, c.NotOnOrAfter)
	if err != nil {
		return fail("conditions: NotOnOrAfter", err)
	}
	if v.now.Add(v.p.skew).Before(notBefore) {
		return fail("not yet valid: NotBefore "+c.NotBefore, nil)
	}
	if !v.now.Add(-v.p.skew).Before(notOnOrAfter) {
		return fail("expired: NotOnOrAfter "+c.NotOnOrAfter, nil)
	}
	return notOnOrAfter, nil
}

// checkSubjectConfirmation checks the bearer confirmation again (gosaml2
// did, without skew margin on our side) and extends expires to its
// NotOnOrAfter when later.
func (v *samlVerification) checkSubjectConfirmation(a *types.Assertion, expires *time.Time) error {
	conf := a.Subject.SubjectConfirmation
	if conf == nil || conf.Method != samlBearer || conf.SubjectConfirmationData == nil {
		return v.fail(ErrInvalidResponse, "subject confirmation is not bearer", nil)
	}
	data := conf.SubjectConfirmationData
	if data.Recipient != v.in.Pending.CallbackURL {
		return v.fail(ErrInvalidResponse, "recipient: SubjectConfirmationData Recipient is not the callback URL", nil)
	}
	t, err := time.Parse(time.RFC3339, data.NotOnOrAfter)
	if err != nil {
		return v.fail(ErrInvalidResponse, "subject confirmation: NotOnOrAfter", err)
	}
	if !v.now.Add(-v.p.skew).Before(t) {
		return v.fail(ErrInvalidResponse, "expired: SubjectConfirmationData NotOnOrAfter "+data.NotOnOrAfter, nil)
	}
	if t.After(*expires) {
		*expires = t
	}
	return nil
}

// checkInResponseTo binds the response to this browser's AuthnRequest.
// The Response's InResponseTo is only trusted when the Response signature
// was verified; the SubjectConfirmationData's is inside the verified
// assertion. A mismatch is a response for another sign-in: ErrState.
func (v *samlVerification) checkInResponseTo(resp *types.Response, a *types.Assertion, idpInitiated bool) error {
	scd := a.Subject.SubjectConfirmation.SubjectConfirmationData.InResponseTo
	if idpInitiated {
		if resp.InResponseTo != "" || scd != "" {
			return v.fail(ErrState, "InResponseTo: a response to an AuthnRequest arrived without its pending sign-in", nil)
		}
		return nil
	}
	want := v.in.Pending.RequestID
	bound := false
	if resp.InResponseTo != "" {
		if resp.InResponseTo != want {
			return v.fail(ErrState, "InResponseTo: the Response answers another AuthnRequest", nil)
		}
		bound = resp.SignatureValidated
	}
	if scd != "" {
		if scd != want {
			return v.fail(ErrState, "InResponseTo: the assertion answers another AuthnRequest", nil)
		}
		bound = true
	}
	if !bound {
		return v.fail(ErrInvalidResponse, "InResponseTo: missing from the signed part of the response", nil)
	}
	return nil
}

// identity maps the verified assertion.
func (p *SAMLProvider) identity(a *types.Assertion, facts *assertionFacts) *Identity {
	id := &Identity{
		Provider:   p.name,
		Type:       TypeSAML,
		Subject:    facts.nameID,
		Attributes: map[string]string{},
	}
	values := map[string][]string{}
	if a.AttributeStatement != nil {
		for _, attr := range a.AttributeStatement.Attributes {
			for _, val := range attr.Values {
				s := val.Value
				if val.NameID != nil {
					// eduPersonTargetedID and the like: the value is a NameID.
					s = val.NameID.Value
				}
				values[attr.Name] = append(values[attr.Name], s)
			}
			if _, ok := values[attr.Name]; !ok {
				values[attr.Name] = nil
			}
		}
	}
	for name, vals := range values {
		id.Attributes[name] = strings.Join(vals, ",")
	}
	// The names IdPs commonly give an email address under, in order of
	// preference.
	emailAttributes := []string{
		"email",
		"mail",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
		"urn:oid:0.9.2342.19200300.100.1.3",
	}
	for _, name := range emailAttributes {
		if vals := values[name]; len(vals) > 0 && vals[0] != "" {
			id.Email = vals[0]
			break
		}
	}
	// SAML attributes never say an address was verified.
	id.EmailVerified = false
	if s := a.AuthnStatement; s != nil {
		id.SessionIndex = s.SessionIndex
		if s.AuthnInstant != nil {
			id.AuthTime = *s.AuthnInstant
		}
	}
	return id
}
