package federation_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml/xmlenc"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/cupola-auth/cupola/federation"
)

// samlEncrypt replaces a (signed) assertion with an EncryptedAssertion
// for the SP's certificate, as an IdP does, with crewjam/saml's xmlenc.
func samlEncrypt(t testing.TB, fx *samlFixture, assertion *etree.Element, enc xmlenc.Encrypter) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(assertion)
	plain, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	data, err := enc.Encrypt(fx.sp.cert, plain, nil)
	if err != nil {
		t.Fatal(err)
	}
	data.CreateAttr("Type", "http://www.w3.org/2001/04/xmlenc#Element")
	ea := etree.NewElement("saml:EncryptedAssertion")
	ea.CreateAttr("xmlns:saml", nsSAML)
	ea.AddChild(data)
	return ea
}

// samlOAEP is the usual IdP encryption: RSA-OAEP (SHA-1 digest, which is
// fine for OAEP) and the given block cipher.
func samlOAEP(cipher xmlenc.BlockCipher) xmlenc.Encrypter {
	e := xmlenc.OAEP()
	e.DigestMethod = &xmlenc.SHA1
	e.BlockCipher = cipher
	return e
}

func TestSAMLCompleteRefusesEncrypted(t *testing.T) {
	encrypted := func(c *federation.Config) { c.Details["EncryptedResponses"] = "true" }
	build := func(change func(a *etree.Element), enc xmlenc.Encrypter) func(testing.TB, *samlFixture, samlSpec) *etree.Element {
		return func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
			a := s.assertion()
			if change != nil {
				change(a)
			}
			a = samlSign(t, a, fx.idp, dsig.RSASHA256SignatureMethod)
			return samlSign(t, s.response(samlEncrypt(t, fx, a, enc)), fx.idp, dsig.RSASHA256SignatureMethod)
		}
	}
	runSAMLRefusals(t, []samlRefusal{
		{
			name: "assertions with two Subjects inside",
			build: build(func(a *etree.Element) {
				second := a.SelectElement("Subject").Copy()
				second.SelectElement("NameID").SetText("admin@corp.example")
				a.InsertChildAt(a.SelectElement("Subject").Index()+1, second)
			}, samlOAEP(xmlenc.AES256GCM)),
			config: encrypted,
			kind:   federation.ErrInvalidResponse, detail: "Subject",
		},
		{
			name:   "assertions encrypted with RSA PKCS #1 v1.5 key transport",
			build:  build(nil, func() xmlenc.Encrypter { e := xmlenc.PKCS1v15(); e.BlockCipher = xmlenc.AES128CBC; return e }()),
			config: encrypted,
			kind:   federation.ErrInvalidResponse, detail: "rsa-1_5",
		},
		{
			name:   "assertions encrypted with 3DES",
			build:  build(nil, samlOAEP(xmlenc.TripleDES)),
			config: encrypted,
			kind:   federation.ErrInvalidResponse, detail: "tripledes",
		},
		{
			name: "assertions signed with rsa-sha1 inside",
			build: func(t testing.TB, fx *samlFixture, s samlSpec) *etree.Element {
				a := samlSign(t, s.assertion(), fx.idp, dsig.RSASHA1SignatureMethod)
				return s.response(samlEncrypt(t, fx, a, samlOAEP(xmlenc.AES128GCM)))
			},
			config: encrypted,
			kind:   federation.ErrInvalidResponse, detail: "rsa-sha1",
		},
		{
			name:   "assertions when EncryptedResponses is not enabled",
			build:  build(nil, samlOAEP(xmlenc.AES256GCM)),
			kind:   federation.ErrInvalidResponse,
			detail: "EncryptedResponses",
		},
	})
}

func TestSAMLCompleteAcceptsEncryptedAssertions(t *testing.T) {
	fx := newSAMLFixture(t)
	for _, tc := range []struct {
		name string
		enc  xmlenc.Encrypter
	}{
		{"with AES-256-GCM", samlOAEP(xmlenc.AES256GCM)},
		{"with AES-128-CBC", samlOAEP(xmlenc.AES128CBC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := defaultSAMLSpec()
			a := samlSign(t, s.assertion(), fx.idp, dsig.RSASHA256SignatureMethod)
			r := s.response(samlEncrypt(t, fx, a, tc.enc))
			p := fx.provider(t, func(c *federation.Config) { c.Details["EncryptedResponses"] = "true" })
			id, err := p.Complete(context.Background(), samlCallback(samlEncode(t, r), samlState, samlPending()))
			if err != nil {
				t.Fatal(err)
			}
			if id.Subject != "alice@corp.example" {
				t.Errorf("Subject = %q", id.Subject)
			}
		})
	}
}

// samlAlwaysNew is a replay cache that forgets, so that the fuzzer can
// reach acceptance with the valid seed more than once.
type samlAlwaysNew struct{}

func (samlAlwaysNew) Remember(context.Context, string, time.Time) (bool, error) { return true, nil }

// FuzzSAMLComplete feeds Complete arbitrary Response XML (base64-encoded
// as the browser would post it), to a provider taking plaintext assertions
// and to one requiring encrypted ones. It must never panic, must fail only
// with a *federation.Error, and must never accept without a subject.
func FuzzSAMLComplete(f *testing.F) {
	fx := newSAMLFixture(f)
	plain := fx.provider(f, func(c *federation.Config) { c.SP.Replay = samlAlwaysNew{} })
	encrypting := fx.provider(f, func(c *federation.Config) {
		c.SP.Replay = samlAlwaysNew{}
		c.Details["EncryptedResponses"] = "true"
	})

	xmlOf := func(el *etree.Element) []byte {
		raw, err := base64.StdEncoding.DecodeString(samlEncode(f, el))
		if err != nil {
			f.Fatal(err)
		}
		return raw
	}
	s := defaultSAMLSpec()
	valid := xmlOf(fx.signedResponse(f, s))
	f.Add(valid, false)
	f.Add(xmlOf(s.response(samlSign(f, s.assertion(), fx.idp, dsig.RSASHA256SignatureMethod))), false)
	f.Add(xmlOf(s.response(samlEncrypt(f, fx, samlSign(f, s.assertion(), fx.idp, dsig.RSASHA256SignatureMethod), samlOAEP(xmlenc.AES128GCM)))), true)
	f.Add([]byte(strings.Replace(string(valid), "alice@corp.example</saml:NameID>", "alice@corp.example<!---->.evil</saml:NameID>", 1)), false)
	f.Add([]byte(strings.Replace(string(valid), "<saml:Subject>", "<saml:Subject><saml:NameID>x</saml:NameID>", 1)), false)
	f.Add(valid[:len(valid)/2], false)

	f.Fuzz(func(t *testing.T, xml []byte, encrypted bool) {
		p := plain
		if encrypted {
			p = encrypting
		}
		in := samlCallback(base64.StdEncoding.EncodeToString(xml), samlState, samlPending())
		id, err := p.Complete(context.Background(), in)
		if err != nil {
			var fe *federation.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %T %v is not a *federation.Error", err, err)
			}
			return
		}
		if id.Subject == "" {
			t.Fatalf("accepted an identity without subject: %+v", *id)
		}
	})
}
