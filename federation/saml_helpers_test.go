package federation_test

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/cupola-auth/cupola/federation"
)

// Names of the crafted-response world. The IdP here is only its metadata:
// its responses are built and signed by the tests with the key the
// metadata trusts (testdata/saml/idp.*).
const (
	samlIdPEntity = "https://idp.example.com/metadata"
	samlIdPSSO    = "https://idp.example.com/sso"
	samlSPEntity  = "urn:amazon:cognito:sp:us-east-1_TestPool"
	samlACS       = "https://auth.example.com/saml2/idpresponse"
	samlProvider  = "CorpSAML"
	samlRequestID = "_9f1c0e2b7a4d4c6e8b3a1f0d2c4e6a8b0c2e4f60"
	samlState     = "browser-state-1"

	nsSAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsSAML  = "urn:oasis:names:tc:SAML:2.0:assertion"
)

// samlNow is the crafted world's clock.
func samlNow() time.Time { return time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC) }

// samlKeyPair is a test key and its self-signed certificate (valid
// 2000–2099), from testdata/saml.
type samlKeyPair struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

func loadSAMLKeyPair(t testing.TB, name string) samlKeyPair {
	t.Helper()
	read := func(ext string) *pem.Block {
		data, err := os.ReadFile(filepath.Join("testdata", "saml", name+ext))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := pem.Decode(data)
		if b == nil {
			t.Fatalf("%s%s: no PEM block", name, ext)
		}
		return b
	}
	k, err := x509.ParsePKCS8PrivateKey(read(".key").Bytes)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(read(".crt").Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return samlKeyPair{key: k.(*rsa.PrivateKey), cert: c}
}

// samlFixture holds the three test key pairs: the IdP's, the SP's, and
// an attacker's.
type samlFixture struct {
	idp, sp, other samlKeyPair
}

func newSAMLFixture(t testing.TB) *samlFixture {
	return &samlFixture{
		idp:   loadSAMLKeyPair(t, "idp"),
		sp:    loadSAMLKeyPair(t, "sp"),
		other: loadSAMLKeyPair(t, "other"),
	}
}

// samlIdPMetadata is minimal IdP metadata trusting cert.
func samlIdPMetadata(entityID, ssoURL string, cert *x509.Certificate) string {
	return fmt.Sprintf(`<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="%s">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="%s/post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="%s"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`, entityID, base64.StdEncoding.EncodeToString(cert.Raw), ssoURL, ssoURL)
}

// samlReplay is an in-memory ReplayCache.
type samlReplay struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func newSAMLReplay() *samlReplay { return &samlReplay{seen: map[string]time.Time{}} }

func (r *samlReplay) Remember(_ context.Context, id string, expires time.Time) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.seen[id]; ok {
		return false, nil
	}
	r.seen[id] = expires
	return true, nil
}

// samlConfig is the crafted world's provider configuration.
func (fx *samlFixture) config() federation.Config {
	return federation.Config{
		Name:    samlProvider,
		Type:    federation.TypeSAML,
		Details: map[string]string{"MetadataFile": samlIdPMetadata(samlIdPEntity, samlIdPSSO, fx.idp.cert)},
		Now:     samlNow,
		SP: federation.SPConfig{
			EntityID:    samlSPEntity,
			Key:         fx.sp.key,
			Certificate: fx.sp.cert,
			Replay:      newSAMLReplay(),
		},
	}
}

func (fx *samlFixture) provider(t testing.TB, change func(*federation.Config)) *federation.SAMLProvider {
	t.Helper()
	cfg := fx.config()
	if change != nil {
		change(&cfg)
	}
	p, err := federation.NewSAML(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// samlAttr is one attribute of a crafted assertion.
type samlAttr struct {
	name   string
	values []string
}

// samlSpec describes a crafted Response. The zero values of the fields a
// case leaves alone come from defaultSAMLSpec: a valid answer to
// samlRequestID for samlACS.
type samlSpec struct {
	responseID, assertionID string
	inResponseTo            string // on the Response and the SubjectConfirmationData
	destination, recipient  string
	issuer                  string
	audience                string // "" for no AudienceRestriction
	nameID                  string
	notBefore, notOnOrAfter time.Time
	status                  string
	attrs                   []samlAttr
	sessionIndex            string
	authnInstant            time.Time
}

func defaultSAMLSpec() samlSpec {
	now := samlNow()
	return samlSpec{
		responseID:   "_resp-0001",
		assertionID:  "_assert-0001",
		inResponseTo: samlRequestID,
		destination:  samlACS,
		recipient:    samlACS,
		issuer:       samlIdPEntity,
		audience:     samlSPEntity,
		nameID:       "alice@corp.example",
		notBefore:    now.Add(-30 * time.Second),
		notOnOrAfter: now.Add(5 * time.Minute),
		status:       "urn:oasis:names:tc:SAML:2.0:status:Success",
		attrs: []samlAttr{
			{"email", []string{"alice@corp.example"}},
			{"groups", []string{"admins", "staff"}},
			{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", []string{"Alice"}},
		},
		sessionIndex: "_session-42",
		authnInstant: now.Add(-10 * time.Second),
	}
}

func samlTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// assertion builds the unsigned Assertion element.
func (s samlSpec) assertion() *etree.Element {
	a := etree.NewElement("saml:Assertion")
	a.CreateAttr("xmlns:saml", nsSAML)
	a.CreateAttr("ID", s.assertionID)
	a.CreateAttr("Version", "2.0")
	a.CreateAttr("IssueInstant", samlTime(samlNow()))
	a.CreateElement("saml:Issuer").SetText(s.issuer)
	subject := a.CreateElement("saml:Subject")
	nameID := subject.CreateElement("saml:NameID")
	nameID.CreateAttr("Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
	nameID.SetText(s.nameID)
	sc := subject.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	if s.inResponseTo != "" {
		scd.CreateAttr("InResponseTo", s.inResponseTo)
	}
	scd.CreateAttr("NotOnOrAfter", samlTime(s.notOnOrAfter))
	scd.CreateAttr("Recipient", s.recipient)
	cond := a.CreateElement("saml:Conditions")
	cond.CreateAttr("NotBefore", samlTime(s.notBefore))
	cond.CreateAttr("NotOnOrAfter", samlTime(s.notOnOrAfter))
	if s.audience != "" {
		cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(s.audience)
	}
	authn := a.CreateElement("saml:AuthnStatement")
	authn.CreateAttr("AuthnInstant", samlTime(s.authnInstant))
	authn.CreateAttr("SessionIndex", s.sessionIndex)
	authn.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").
		SetText("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
	if len(s.attrs) > 0 {
		st := a.CreateElement("saml:AttributeStatement")
		for _, at := range s.attrs {
			el := st.CreateElement("saml:Attribute")
			el.CreateAttr("Name", at.name)
			for _, v := range at.values {
				el.CreateElement("saml:AttributeValue").SetText(v)
			}
		}
	}
	return a
}

// response wraps assertions (already signed or not) in a Response.
func (s samlSpec) response(assertions ...*etree.Element) *etree.Element {
	r := etree.NewElement("samlp:Response")
	r.CreateAttr("xmlns:samlp", nsSAMLP)
	r.CreateAttr("xmlns:saml", nsSAML)
	r.CreateAttr("ID", s.responseID)
	r.CreateAttr("Version", "2.0")
	r.CreateAttr("IssueInstant", samlTime(samlNow()))
	if s.destination != "" {
		r.CreateAttr("Destination", s.destination)
	}
	if s.inResponseTo != "" {
		r.CreateAttr("InResponseTo", s.inResponseTo)
	}
	r.CreateElement("saml:Issuer").SetText(s.issuer)
	r.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", s.status)
	for _, a := range assertions {
		r.AddChild(a)
	}
	return r
}

// samlSign signs el (enveloped, exclusive c14n) with kp and method, and
// puts the Signature right after the Issuer, where SAML's schema wants it.
func samlSign(t testing.TB, el *etree.Element, kp samlKeyPair, method string) *etree.Element {
	t.Helper()
	ctx, err := dsig.NewSigningContext(kp.key, [][]byte{kp.cert.Raw})
	if err != nil {
		t.Fatal(err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(method); err != nil {
		t.Fatal(err)
	}
	signed, err := ctx.SignEnveloped(el)
	if err != nil {
		t.Fatal(err)
	}
	// goxmldsig appends the Signature to Child directly, without the
	// bookkeeping etree's RemoveChild relies on, so it is moved by hand.
	sig := signed.Child[len(signed.Child)-1].(*etree.Element)
	signed.Child = signed.Child[:len(signed.Child)-1]
	signed.InsertChildAt(1, sig)
	return signed
}

// samlEncode serializes el as a SAMLResponse parameter.
func samlEncode(t testing.TB, el *etree.Element) string {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(el)
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// signedResponse is the usual IdP answer: the assertion signed, then the
// Response around it signed too.
func (fx *samlFixture) signedResponse(t testing.TB, s samlSpec) *etree.Element {
	a := samlSign(t, s.assertion(), fx.idp, dsig.RSASHA256SignatureMethod)
	return samlSign(t, s.response(a), fx.idp, dsig.RSASHA256SignatureMethod)
}

// samlDecode is the XML of a SAMLResponse parameter.
func samlDecode(t testing.TB, response string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(response)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// samlDeflate deflates a base64 SAMLResponse, as the HTTP-Redirect
// binding would (and HTTP-POST never does).
func samlDeflate(t testing.TB, response string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(response)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(raw)
	w.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// samlPending is the pending sign-in the crafted responses answer.
func samlPending() federation.Pending {
	return federation.Pending{
		Provider:    samlProvider,
		State:       samlState,
		RequestID:   samlRequestID,
		CallbackURL: samlACS,
		Started:     samlNow().Add(-time.Minute),
	}
}

// samlCallback is the browser's POST to the ACS.
func samlCallback(response, relayState string, pending federation.Pending) federation.CompleteInput {
	return federation.CompleteInput{
		Params:  url.Values{"SAMLResponse": {response}, "RelayState": {relayState}},
		Pending: pending,
	}
}

// wantSAMLError checks that err is a *federation.Error of kind whose
// Detail mentions detail.
func wantSAMLError(t testing.TB, err error, kind error, detail string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want %v (%s)", kind, detail)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error %v; want %v", err, kind)
	}
	var fe *federation.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %T is not a *federation.Error", err)
	}
	if detail != "" && !containsFold(fe.Detail, detail) {
		t.Fatalf("Detail %q does not mention %q (error: %v)", fe.Detail, detail, err)
	}
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
