package federation_test

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/cupola-auth/cupola/federation"
)

func TestSAMLStartSendsAnAuthnRequestWithTheRedirectBinding(t *testing.T) {
	fx := newSAMLFixture(t)
	for _, tc := range []struct {
		name   string
		signed bool
	}{
		{"unsigned", false},
		{"signed with rsa-sha256", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := fx.provider(t, func(c *federation.Config) {
				if tc.signed {
					c.Details["RequestSigningAlgorithm"] = "rsa-sha256"
				}
			})
			in := federation.StartInput{CallbackURL: samlACS, State: samlState, LoginHint: "alice"}
			start, err := p.Start(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(start.URL)
			if err != nil {
				t.Fatal(err)
			}
			if got := u.Scheme + "://" + u.Host + u.Path; got != samlIdPSSO {
				t.Errorf("URL goes to %q; want the HTTP-Redirect SSO endpoint %q", got, samlIdPSSO)
			}
			q := u.Query()
			if q.Get("RelayState") != samlState {
				t.Errorf("RelayState = %q", q.Get("RelayState"))
			}
			if got := q.Get("SigAlg"); tc.signed != (got == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256") || tc.signed != (q.Get("Signature") != "") {
				t.Errorf("SigAlg = %q, Signature = %q; signed = %v", got, q.Get("Signature"), tc.signed)
			}
			req := samlInflateRequest(t, q.Get("SAMLRequest"))
			root := req.Root()
			id := root.SelectAttrValue("ID", "")
			if !strings.HasPrefix(id, "_") || len(id) < 1+32 {
				t.Errorf("ID %q: want a letter or underscore then at least 128 bits", id)
			}
			for attr, want := range map[string]string{
				"Destination":                 samlIdPSSO,
				"AssertionConsumerServiceURL": samlACS,
				"ProtocolBinding":             "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
				"Version":                     "2.0",
				"IssueInstant":                "2030-06-01T12:00:00Z",
			} {
				if got := root.SelectAttrValue(attr, ""); got != want {
					t.Errorf("%s = %q; want %q", attr, got, want)
				}
			}
			if got := root.FindElement("Issuer").Text(); got != samlSPEntity {
				t.Errorf("Issuer = %q", got)
			}
			if strings.Contains(start.URL, "alice") {
				t.Error("the login hint was sent")
			}
			want := federation.Pending{Provider: samlProvider, State: samlState, RequestID: id, CallbackURL: samlACS, Started: samlNow()}
			if start.Pending != want {
				t.Errorf("Pending = %+v; want %+v", start.Pending, want)
			}
			again, err := p.Start(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if again.Pending.RequestID == id {
				t.Error("two sign-ins got the same request ID")
			}
		})
	}
}

func samlInflateRequest(t *testing.T, param string) *etree.Document {
	t.Helper()
	compressed, err := base64.StdEncoding.DecodeString(param)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(compressed)))
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestSAMLStartRefuses(t *testing.T) {
	p := newSAMLFixture(t).provider(t, nil)
	for _, tc := range []struct {
		name string
		in   federation.StartInput
		kind error
	}{
		{"an empty state", federation.StartInput{CallbackURL: samlACS}, federation.ErrState},
		{"a relative callback URL", federation.StartInput{CallbackURL: "/saml2/idpresponse", State: samlState}, federation.ErrConfig},
		{"a callback URL that is not http", federation.StartInput{CallbackURL: "javascript:alert(1)", State: samlState}, federation.ErrConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Start(context.Background(), tc.in)
			wantSAMLError(t, err, tc.kind, "")
		})
	}
}

func TestSAMLMetadataDescribesTheSP(t *testing.T) {
	fx := newSAMLFixture(t)
	for _, tc := range []struct {
		name                       string
		details                    map[string]string
		signed                     string
		signingKey, encryptionKeys bool
	}{
		{"for unsigned requests", nil, "false", true, false},
		{"for signed requests", map[string]string{"RequestSigningAlgorithm": "rsa-sha256"}, "true", true, false},
		{"for encrypted assertions", map[string]string{"EncryptedResponses": "true"}, "false", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := fx.provider(t, func(c *federation.Config) {
				for k, v := range tc.details {
					c.Details[k] = v
				}
			})
			data, err := p.Metadata(samlACS)
			if err != nil {
				t.Fatal(err)
			}
			doc := etree.NewDocument()
			if err := doc.ReadFromBytes(data); err != nil {
				t.Fatal(err)
			}
			ed := doc.Root()
			if ed.Tag != "EntityDescriptor" || ed.SelectAttrValue("entityID", "") != samlSPEntity {
				t.Fatalf("metadata root %s entityID %q", ed.Tag, ed.SelectAttrValue("entityID", ""))
			}
			sp := ed.SelectElement("SPSSODescriptor")
			if got := sp.SelectAttrValue("AuthnRequestsSigned", ""); got != tc.signed {
				t.Errorf("AuthnRequestsSigned = %q; want %q", got, tc.signed)
			}
			if got := sp.SelectAttrValue("WantAssertionsSigned", ""); got != "true" {
				t.Errorf("WantAssertionsSigned = %q", got)
			}
			acs := sp.SelectElement("AssertionConsumerService")
			if acs.SelectAttrValue("Location", "") != samlACS ||
				acs.SelectAttrValue("Binding", "") != "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" {
				t.Errorf("ACS = %v", acs.Attr)
			}
			keys := map[string]string{}
			for _, kd := range sp.SelectElements("KeyDescriptor") {
				keys[kd.SelectAttrValue("use", "")] = kd.FindElement(".//X509Certificate").Text()
			}
			cert := base64.StdEncoding.EncodeToString(fx.sp.cert.Raw)
			if (keys["signing"] == cert) != tc.signingKey || (keys["encryption"] == cert) != tc.encryptionKeys {
				t.Errorf("keys published: %v", keys)
			}
		})
	}
	p := fx.provider(t, nil)
	_, err := p.Metadata("not a url")
	wantSAMLError(t, err, federation.ErrConfig, "ACS")
}

func TestNewSAMLRefusesABadConfiguration(t *testing.T) {
	fx := newSAMLFixture(t)
	meta := func(edit func(string) string) func(*federation.Config) {
		return func(c *federation.Config) { c.Details["MetadataFile"] = edit(c.Details["MetadataFile"]) }
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(*federation.Config)
		detail string
	}{
		{"without a replay cache", func(c *federation.Config) { c.SP.Replay = nil }, "Replay"},
		{"without an SP entity ID", func(c *federation.Config) { c.SP.EntityID = "" }, "EntityID"},
		{"with a name with an underscore", func(c *federation.Config) { c.Name = "Corp_SAML" }, "underscore"},
		{"with a name too short", func(c *federation.Config) { c.Name = "ab" }, "3 to 32"},
		{"with another provider type", func(c *federation.Config) { c.Type = federation.TypeOIDC }, "type"},
		{"without metadata", func(c *federation.Config) { delete(c.Details, "MetadataFile") }, "required"},
		{"with both metadata sources", func(c *federation.Config) { c.Details["MetadataURL"] = "https://idp.example.com/md" }, "exclude"},
		{"with an unknown RequestSigningAlgorithm", func(c *federation.Config) { c.Details["RequestSigningAlgorithm"] = "rsa-sha1" }, "RequestSigningAlgorithm"},
		{"with IDPInit neither true nor false", func(c *federation.Config) { c.Details["IDPInit"] = "yes" }, "IDPInit"},
		{"with request signing and no key", func(c *federation.Config) {
			c.Details["RequestSigningAlgorithm"] = "rsa-sha256"
			c.SP.Key, c.SP.Certificate = nil, nil
		}, "SP.Key"},
		{"with encryption and an EC key", func(c *federation.Config) {
			c.Details["EncryptedResponses"] = "true"
			c.SP.Key = ecKey
		}, "SP.Certificate"},
		{"with a certificate that is not the key's", func(c *federation.Config) { c.SP.Certificate = fx.other.cert }, "SP.Certificate"},
		{"with metadata that has a DOCTYPE", meta(func(m string) string {
			return strings.Replace(m, `<?xml version="1.0"?>`, `<?xml version="1.0"?><!DOCTYPE md>`, 1)
		}), "DOCTYPE"},
		{"with metadata that is not XML", meta(func(string) string { return "{}" }), "XML"},
		{"with metadata that is not SAML metadata", meta(func(string) string { return "<html/>" }), "EntityDescriptor"},
		{"with metadata without an IdP SSO descriptor", meta(func(m string) string {
			return strings.ReplaceAll(m, "IDPSSODescriptor", "SPSSODescriptor")
		}), "IDPSSODescriptor"},
		{"with metadata without a signing certificate", meta(func(m string) string {
			return strings.Replace(m, `use="signing"`, `use="encryption"`, 1)
		}), "signing certificate"},
		{"with metadata with a broken certificate", meta(func(m string) string {
			i := strings.Index(m, "<ds:X509Certificate>") + len("<ds:X509Certificate>")
			return m[:i] + "AAAA" + m[i+40:]
		}), "certificate"},
		{"with metadata without an HTTP-Redirect SSO endpoint", meta(func(m string) string {
			return strings.Replace(m, "HTTP-Redirect", "HTTP-Artifact", 1)
		}), "HTTP-Redirect"},
		{"with metadata whose SSO endpoint is plain http", func(c *federation.Config) {
			c.Details["MetadataFile"] = samlIdPMetadata(samlIdPEntity, "http://idp.example.com/sso", fx.idp.cert)
		}, "https"},
		{"with metadata for two IdPs", meta(func(m string) string {
			m = strings.Replace(m, `<?xml version="1.0"?>`, "", 1)
			return `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` + m +
				strings.Replace(m, samlIdPEntity, "https://idp2.example.com", 1) + `</md:EntitiesDescriptor>`
		}), "2 SAML 2.0 IdP SSO descriptors"},
		{"with metadata larger than 1 MiB", meta(func(m string) string {
			return m + "<!--" + strings.Repeat("x", 1<<20) + "-->"
		}), "larger than"},
		{"with a plain http MetadataURL", func(c *federation.Config) {
			delete(c.Details, "MetadataFile")
			c.Details["MetadataURL"] = "http://idp.example.com/metadata"
		}, "MetadataURL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fx.config()
			tc.change(&cfg)
			_, err := federation.NewSAML(context.Background(), cfg)
			wantSAMLError(t, err, federation.ErrConfig, tc.detail)
		})
	}
}

func TestNewSAMLAcceptsMetadataInAnEntitiesDescriptor(t *testing.T) {
	fx := newSAMLFixture(t)
	p := fx.provider(t, func(c *federation.Config) {
		m := strings.Replace(c.Details["MetadataFile"], `<?xml version="1.0"?>`, "", 1)
		c.Details["MetadataFile"] = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` + m + `</md:EntitiesDescriptor>`
	})
	if p.IdPEntityID() != samlIdPEntity {
		t.Errorf("IdPEntityID = %q", p.IdPEntityID())
	}
}

func TestNewSAMLFetchesTheMetadataURL(t *testing.T) {
	fx := newSAMLFixture(t)
	md := samlIdPMetadata(samlIdPEntity, samlIdPSSO, fx.idp.cert)
	mux := http.NewServeMux()
	mux.HandleFunc("/metadata", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, md) })
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, md)
		w.Write(bytes.Repeat([]byte(" "), 2<<20))
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) })
	mux.HandleFunc("/downgrade", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://idp.example.com/metadata", http.StatusFound)
	})
	tls := httptest.NewTLSServer(mux)
	defer tls.Close()
	plain := httptest.NewServer(mux) // on 127.0.0.1: allowed over http
	defer plain.Close()

	for _, tc := range []struct {
		name   string
		url    string
		client *http.Client
		kind   error
		detail string
	}{
		{"over https", tls.URL + "/metadata", tls.Client(), nil, ""},
		{"over http to a loopback address", plain.URL + "/metadata", nil, nil, ""},
		{"refusing a body larger than 1 MiB", plain.URL + "/huge", nil, federation.ErrConfig, "larger than"},
		{"reporting an error status as unavailable", plain.URL + "/gone", nil, federation.ErrUnavailable, "410"},
		{"refusing a redirect to plain http", tls.URL + "/downgrade", tls.Client(), federation.ErrConfig, "redirect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fx.config()
			cfg.HTTPClient = tc.client
			cfg.Details = map[string]string{"MetadataURL": tc.url}
			p, err := federation.NewSAML(context.Background(), cfg)
			if tc.kind == nil {
				if err != nil {
					t.Fatal(err)
				}
				if p.IdPEntityID() != samlIdPEntity {
					t.Errorf("IdPEntityID = %q", p.IdPEntityID())
				}
				return
			}
			wantSAMLError(t, err, tc.kind, tc.detail)
		})
	}
}
