package federation_test

import (
	"context"
	"encoding/base64"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/cupola-auth/cupola/federation"
)

func TestSAMLCompleteAcceptsAValidResponse(t *testing.T) {
	fx := newSAMLFixture(t)
	signings := []struct {
		name string
		sign func(t testing.TB, s samlSpec) *etree.Element
	}{
		{"with the assertion and the response signed", fx.signedResponse},
		{"with only the assertion signed", func(t testing.TB, s samlSpec) *etree.Element {
			return s.response(samlSign(t, s.assertion(), fx.idp, dsig.RSASHA256SignatureMethod))
		}},
		{"with only the response signed", func(t testing.TB, s samlSpec) *etree.Element {
			return samlSign(t, s.response(s.assertion()), fx.idp, dsig.RSASHA512SignatureMethod)
		}},
	}
	for _, tc := range signings {
		t.Run(tc.name, func(t *testing.T) {
			p := fx.provider(t, nil)
			resp := samlEncode(t, tc.sign(t, defaultSAMLSpec()))
			id, err := p.Complete(context.Background(), samlCallback(resp, samlState, samlPending()))
			if err != nil {
				t.Fatal(err)
			}
			want := federation.Identity{
				Provider:     samlProvider,
				Type:         federation.TypeSAML,
				Subject:      "alice@corp.example",
				Email:        "alice@corp.example",
				SessionIndex: "_session-42",
				AuthTime:     samlNow().Add(-10 * time.Second),
			}
			if id.Provider != want.Provider || id.Type != want.Type || id.Subject != want.Subject ||
				id.Email != want.Email || id.EmailVerified || id.SessionIndex != want.SessionIndex ||
				!id.AuthTime.Equal(want.AuthTime) {
				t.Errorf("identity = %+v; want %+v", *id, want)
			}
			if got := id.Attributes["groups"]; got != "admins,staff" {
				t.Errorf("groups = %q; want multi-valued joined with commas", got)
			}
			if got := id.Attributes["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"]; got != "Alice" {
				t.Errorf("givenname = %q", got)
			}
		})
	}
}

func TestSAMLCompleteToleratesTheClockSkew(t *testing.T) {
	fx := newSAMLFixture(t)
	for _, tc := range []struct {
		name string
		spec func(*samlSpec)
	}{
		{"a NotBefore one minute ahead", func(s *samlSpec) { s.notBefore = samlNow().Add(time.Minute) }},
		{"a NotOnOrAfter one minute ago", func(s *samlSpec) { s.notOnOrAfter = samlNow().Add(-time.Minute) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := defaultSAMLSpec()
			tc.spec(&s)
			_, err := fx.provider(t, nil).Complete(context.Background(),
				samlCallback(samlEncode(t, fx.signedResponse(t, s)), samlState, samlPending()))
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// samlRefusal is one response Complete must refuse.
type samlRefusal struct {
	name string
	// spec changes the content before anything is signed.
	spec func(*samlSpec)
	// build makes the response; nil means fx.signedResponse.
	build func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element
	// raw, when set, is the whole SAMLResponse parameter.
	raw func(t testing.TB, fx *samlFixture) string
	// config and pending change the provider and the pending sign-in.
	config  func(*federation.Config)
	pending func(*federation.Pending)
	relay   string // RelayState; "" means samlState
	kind    error
	detail  string // a word Error.Detail must contain
}

func runSAMLRefusals(t *testing.T, cases []samlRefusal) {
	t.Helper()
	fx := newSAMLFixture(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := defaultSAMLSpec()
			if tc.spec != nil {
				tc.spec(&s)
			}
			var resp string
			switch {
			case tc.raw != nil:
				resp = tc.raw(t, fx)
			case tc.build != nil:
				resp = samlEncode(t, tc.build(t, fx, s))
			default:
				resp = samlEncode(t, fx.signedResponse(t, s))
			}
			pending := samlPending()
			if tc.pending != nil {
				tc.pending(&pending)
			}
			relay := tc.relay
			if relay == "" {
				relay = samlState
			}
			id, err := fx.provider(t, tc.config).Complete(context.Background(), samlCallback(resp, relay, pending))
			if err == nil {
				t.Fatalf("accepted as %+v", *id)
			}
			wantSAMLError(t, err, tc.kind, tc.detail)
		})
	}
}

func TestSAMLCompleteRefuses(t *testing.T) {
	nameIDWithComment := func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
		// The IdP signed "alice@corp.com.evil.com" for the attacker's
		// account; the comment leaves the exclusive-c14n digest intact.
		s.nameID = "alice@corp.com.evil.com"
		r := fx.signedResponse(t, s)
		nameID := r.FindElement("//NameID")
		for len(nameID.Child) > 0 {
			nameID.RemoveChildAt(0)
		}
		nameID.AddChild(etree.NewText("alice@corp.com"))
		nameID.AddChild(etree.NewComment(""))
		nameID.AddChild(etree.NewText(".evil.com"))
		return r
	}
	runSAMLRefusals(t, []samlRefusal{
		{
			name: "an unsigned response and assertion",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				return s.response(s.assertion())
			},
			kind: federation.ErrInvalidResponse, detail: "unsigned",
		},
		{
			name: "a response signed by another key",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				a := samlSign(t, s.assertion(), fx.other, dsig.RSASHA256SignatureMethod)
				return samlSign(t, s.response(a), fx.other, dsig.RSASHA256SignatureMethod)
			},
			kind: federation.ErrInvalidResponse, detail: "signature",
		},
		{
			name: "a response signed by another key that names the IdP's certificate",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				a := samlSign(t, s.assertion(), fx.other, dsig.RSASHA256SignatureMethod)
				a.FindElement("//X509Certificate").SetText(base64.StdEncoding.EncodeToString(fx.idp.cert.Raw))
				return s.response(a)
			},
			kind: federation.ErrInvalidResponse, detail: "signature",
		},
		{
			name: "a signed assertion whose content was changed",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				a := samlSign(t, s.assertion(), fx.idp, dsig.RSASHA256SignatureMethod)
				a.FindElement("//NameID").SetText("admin@corp.example")
				return s.response(a)
			},
			kind: federation.ErrInvalidResponse, detail: "signature",
		},
		{
			name: "an rsa-sha1 signature",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				a := samlSign(t, s.assertion(), fx.idp, dsig.RSASHA1SignatureMethod)
				return s.response(a)
			},
			kind: federation.ErrInvalidResponse, detail: "rsa-sha1",
		},
		{
			name: "an rsa-sha1 signature on the response around a sha256-signed assertion",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				a := samlSign(t, s.assertion(), fx.idp, dsig.RSASHA256SignatureMethod)
				return samlSign(t, s.response(a), fx.idp, dsig.RSASHA1SignatureMethod)
			},
			kind: federation.ErrInvalidResponse, detail: "rsa-sha1",
		},
		{
			name: "two signed assertions",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				a := samlSign(t, s.assertion(), fx.idp, dsig.RSASHA256SignatureMethod)
				s.assertionID, s.nameID = "_assert-0002", "bob@corp.example"
				b := samlSign(t, s.assertion(), fx.idp, dsig.RSASHA256SignatureMethod)
				return samlSign(t, s.response(a, b), fx.idp, dsig.RSASHA256SignatureMethod)
			},
			kind: federation.ErrInvalidResponse, detail: "2 assertions",
		},
		{
			name: "an assertion with two Subjects",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				a := s.assertion()
				second := a.SelectElement("Subject").Copy()
				second.SelectElement("NameID").SetText("admin@corp.example")
				a.InsertChildAt(a.SelectElement("Subject").Index()+1, second)
				return s.response(samlSign(t, a, fx.idp, dsig.RSASHA256SignatureMethod))
			},
			kind: federation.ErrInvalidResponse, detail: "Subject",
		},
		{
			name:   "a NameID with a comment inside",
			build:  nameIDWithComment,
			kind:   federation.ErrInvalidResponse,
			detail: "comment",
		},
		{
			name:   "an audience that is another SP",
			spec:   func(s *samlSpec) { s.audience = "urn:amazon:cognito:sp:us-east-1_Other" },
			kind:   federation.ErrInvalidResponse,
			detail: "audience",
		},
		{
			name:   "an assertion without AudienceRestriction",
			spec:   func(s *samlSpec) { s.audience = "" },
			kind:   federation.ErrInvalidResponse,
			detail: "audience",
		},
		{
			name:   "a Recipient that is another ACS",
			spec:   func(s *samlSpec) { s.recipient = "https://evil.example/acs" },
			kind:   federation.ErrInvalidResponse,
			detail: "recipient",
		},
		{
			name:   "a Destination that is another ACS",
			spec:   func(s *samlSpec) { s.destination = "https://evil.example/acs" },
			kind:   federation.ErrInvalidResponse,
			detail: "destination",
		},
		{
			name:   "an Issuer that is not the IdP",
			spec:   func(s *samlSpec) { s.issuer = "https://evil.example/idp" },
			kind:   federation.ErrInvalidResponse,
			detail: "issuer",
		},
		{
			name: "an expired assertion",
			spec: func(s *samlSpec) {
				s.notBefore = samlNow().Add(-10 * time.Minute)
				s.notOnOrAfter = samlNow().Add(-3 * time.Minute)
			},
			kind: federation.ErrInvalidResponse, detail: "expired",
		},
		{
			name:   "an assertion not yet valid",
			spec:   func(s *samlSpec) { s.notBefore = samlNow().Add(3 * time.Minute) },
			kind:   federation.ErrInvalidResponse,
			detail: "not yet valid",
		},
		{
			name:   "an InResponseTo of another AuthnRequest",
			spec:   func(s *samlSpec) { s.inResponseTo = "_another-request-0000000000000000000000" },
			kind:   federation.ErrState,
			detail: "InResponseTo",
		},
		{
			name:   "an SP-initiated sign-in answered without InResponseTo",
			spec:   func(s *samlSpec) { s.inResponseTo = "" },
			kind:   federation.ErrInvalidResponse,
			detail: "InResponseTo",
		},
		{
			name:   "the RelayState of another browser",
			relay:  "browser-state-2",
			kind:   federation.ErrState,
			detail: "RelayState",
		},
		{
			name:    "a pending sign-in of another provider",
			pending: func(p *federation.Pending) { p.Provider = "OtherIdP" },
			kind:    federation.ErrState,
			detail:  "provider",
		},
		{
			name:    "an IdP-initiated response when IDPInit is not enabled",
			spec:    func(s *samlSpec) { s.inResponseTo = "" },
			pending: func(p *federation.Pending) { *p = federation.Pending{CallbackURL: samlACS} },
			kind:    federation.ErrState,
			detail:  "IDPInit",
		},
		{
			name:    "an SP-initiated response posted as IdP-initiated",
			config:  func(c *federation.Config) { c.Details["IDPInit"] = "true" },
			pending: func(p *federation.Pending) { *p = federation.Pending{CallbackURL: samlACS} },
			kind:    federation.ErrState,
			detail:  "InResponseTo",
		},
		{
			name: "a failure status",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				s.status = "urn:oasis:names:tc:SAML:2.0:status:Responder"
				r := s.response()
				r.FindElement("//StatusCode").CreateElement("samlp:StatusCode").
					CreateAttr("Value", "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed")
				return r
			},
			kind: federation.ErrProviderError, detail: "AuthnFailed",
		},
		{
			name: "a DOCTYPE",
			raw: func(t testing.TB, fx *samlFixture) string {
				xml := `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "alice@corp.example">]>` +
					`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r"/>`
				return base64.StdEncoding.EncodeToString([]byte(xml))
			},
			kind: federation.ErrInvalidResponse, detail: "DOCTYPE",
		},
		{
			name: "a SAMLResponse that is not base64",
			raw:  func(t testing.TB, fx *samlFixture) string { return "not base64!" },
			kind: federation.ErrInvalidResponse, detail: "base64",
		},
		{
			name: "a SAMLResponse that is not XML",
			raw: func(t testing.TB, fx *samlFixture) string {
				return base64.StdEncoding.EncodeToString([]byte("{\"json\": true}"))
			},
			kind: federation.ErrInvalidResponse, detail: "XML",
		},
		{
			name: "a deflated SAMLResponse (HTTP-POST is never compressed)",
			raw: func(t testing.TB, fx *samlFixture) string {
				return samlDeflate(t, samlEncode(t, fx.signedResponse(t, defaultSAMLSpec())))
			},
			kind: federation.ErrInvalidResponse, detail: "XML",
		},
		{
			name:   "a plaintext assertion when EncryptedResponses is enabled",
			config: func(c *federation.Config) { c.Details["EncryptedResponses"] = "true" },
			kind:   federation.ErrInvalidResponse,
			detail: "not encrypted",
		},
	})
}

// TestSAMLCompleteRefusesSignatureWrapping builds the classic XML
// signature wrapping placements (Somorovsky et al., "On Breaking SAML",
// 2012) from a validly signed response: each keeps the IdP's signature
// valid over the original assertion and adds an attacker's assertion
// where a careless consumer would read it.
func TestSAMLCompleteRefusesSignatureWrapping(t *testing.T) {
	// evil is the attacker's assertion: the signed one with another
	// subject, another ID and no signature.
	evil := func(s samlSpec) *etree.Element {
		s.nameID, s.assertionID = "admin@corp.example", "_evil-0001"
		return s.assertion()
	}
	signedAssertion := func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
		return samlSign(t, s.assertion(), fx.idp, dsig.RSASHA256SignatureMethod)
	}
	signature := func(el *etree.Element) *etree.Element { return el.SelectElement("Signature") }
	withoutSignature := func(el *etree.Element) *etree.Element {
		c := el.Copy()
		c.RemoveChild(signature(c))
		return c
	}
	cases := []samlRefusal{
		{
			name: "an evil assertion before the signed one",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				return s.response(evil(s), signedAssertion(t, fx, s))
			},
		},
		{
			name: "an evil assertion after the signed one",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				return s.response(signedAssertion(t, fx, s), evil(s))
			},
		},
		{
			name: "the signed assertion wrapped in the evil assertion's Advice",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				e := evil(s)
				e.CreateElement("saml:Advice").AddChild(signedAssertion(t, fx, s))
				return s.response(e)
			},
		},
		{
			name: "the signed assertion inside the Response's Extensions, the evil one in its place",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				r := s.response(evil(s))
				ext := etree.NewElement("samlp:Extensions")
				ext.AddChild(signedAssertion(t, fx, s))
				r.InsertChildAt(1, ext)
				return r
			},
		},
		{
			name: "the signed assertion in a ds:Object of the signature the evil assertion carries",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				orig := signedAssertion(t, fx, s)
				sig := signature(orig).Copy()
				sig.CreateElement("ds:Object").AddChild(withoutSignature(orig))
				e := evil(s)
				e.SelectAttr("ID").Value = s.assertionID // the Reference names it
				e.InsertChildAt(1, sig)
				return s.response(e)
			},
		},
		{
			name: "the signed assertion as a child of the evil assertion",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				e := evil(s)
				e.AddChild(signedAssertion(t, fx, s))
				return s.response(e)
			},
		},
		{
			name: "an evil Response whose signature carries the signed Response in a ds:Object",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				orig := samlSign(t, s.response(s.assertion()), fx.idp, dsig.RSASHA256SignatureMethod)
				sig := signature(orig).Copy()
				sig.CreateElement("ds:Object").AddChild(withoutSignature(orig))
				r := s.response(evil(s))
				r.InsertChildAt(1, sig)
				return r
			},
		},
		{
			name: "an evil Response with the signed Response inside it",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				orig := samlSign(t, s.response(s.assertion()), fx.idp, dsig.RSASHA256SignatureMethod)
				s.responseID = "_evil-response"
				r := s.response(evil(s))
				r.InsertChildAt(2, orig)
				return r
			},
		},
	}
	for i := range cases {
		cases[i].kind = federation.ErrInvalidResponse
	}
	runSAMLRefusals(t, cases)
}

func TestSAMLCompleteRefusesAReplayedAssertion(t *testing.T) {
	fx := newSAMLFixture(t)
	p := fx.provider(t, nil)
	resp := samlEncode(t, fx.signedResponse(t, defaultSAMLSpec()))
	if _, err := p.Complete(context.Background(), samlCallback(resp, samlState, samlPending())); err != nil {
		t.Fatal(err)
	}
	_, err := p.Complete(context.Background(), samlCallback(resp, samlState, samlPending()))
	wantSAMLError(t, err, federation.ErrInvalidResponse, "replayed")
}

func TestSAMLCompleteAcceptsIdPInitiatedOnlyWhenEnabled(t *testing.T) {
	fx := newSAMLFixture(t)
	s := defaultSAMLSpec()
	s.inResponseTo = ""
	resp := samlEncode(t, fx.signedResponse(t, s))
	unsolicited := federation.Pending{CallbackURL: samlACS}

	_, err := fx.provider(t, nil).Complete(context.Background(), samlCallback(resp, "", unsolicited))
	wantSAMLError(t, err, federation.ErrState, "IDPInit")

	p := fx.provider(t, func(c *federation.Config) { c.Details["IDPInit"] = "true" })
	id, err := p.Complete(context.Background(), samlCallback(resp, "whatever-the-idp-chose", unsolicited))
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "alice@corp.example" {
		t.Errorf("Subject = %q", id.Subject)
	}
}

func TestSAMLCompleteRefusesAnOversizedResponseFastWithBoundedMemory(t *testing.T) {
	fx := newSAMLFixture(t)
	p := fx.provider(t, nil)
	huge := strings.Repeat("PHNhbWxwOlJlc3BvbnNl", 10<<20/20) // 10 MB of base64
	in := samlCallback(huge, samlState, samlPending())

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := p.Complete(context.Background(), in)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)

	wantSAMLError(t, err, federation.ErrInvalidResponse, "larger than")
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 64<<10 {
		t.Errorf("refusing allocated %d bytes; want it refused before decoding", allocated)
	}
	if elapsed > time.Second {
		t.Errorf("refusing took %v", elapsed)
	}
}

func TestSAMLCompleteGivesTheWholeNameIDOrNothing(t *testing.T) {
	// Whatever the checks, "alice@corp.com" must never come out of a
	// NameID the IdP issued as "alice@corp.com.evil.com". A CDATA section
	// is text, and is read whole.
	fx := newSAMLFixture(t)
	s := defaultSAMLSpec()
	s.nameID = "alice@corp.com.evil.com"
	r := fx.signedResponse(t, s)
	nameID := r.FindElement("//NameID")
	for len(nameID.Child) > 0 {
		nameID.RemoveChildAt(0)
	}
	nameID.AddChild(etree.NewText("alice@corp.com"))
	nameID.AddChild(etree.NewCData(".evil.com"))
	id, err := fx.provider(t, nil).Complete(context.Background(), samlCallback(samlEncode(t, r), samlState, samlPending()))
	if err == nil && id.Subject != "alice@corp.com.evil.com" {
		t.Fatalf("Subject = %q; want the whole NameID", id.Subject)
	}
}
