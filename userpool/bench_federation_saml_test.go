package userpool_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/cupola-auth/cupola/userpool"
)

// benchmarkFederatedSAML is BenchmarkFederatedSignIn's SAML half: our side
// of a POST to /saml2/idpresponse (the response's checks and signature,
// the user, the hosted session, the code and our tokens) for responses
// crewjam/saml's IdP signed before the timer started; /limit is one RSA
// verification of the IdP's signature plus our two RS256 signatures.
func benchmarkFederatedSAML(b *testing.B) {
	idp := newBenchSAMLIdP(b)
	b.Run("saml/limit", func(b *testing.B) {
		l := newLimitSigner(b)
		d := sha256.Sum256([]byte("a signed SAML assertion's SignedInfo"))
		sig, err := rsa.SignPKCS1v15(nil, idp.key, crypto.SHA256, d[:])
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := rsa.VerifyPKCS1v15(&idp.key.PublicKey, crypto.SHA256, d[:], sig); err != nil {
				b.Fatal(err)
			}
			l.signTwo(b)
		}
	})
	for _, kind := range []string{"memory", "sqlite"} {
		b.Run("saml/"+kind, func(b *testing.B) {
			var e *env
			for _, sk := range storeKinds {
				if sk.name == kind {
					e = newEnv(b, sk.open(b), func(c *userpool.Config) { c.Clock = time.Now })
				}
			}
			md, err := xml.Marshal(idp.idp.Metadata())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.pool.CreateIdentityProvider(e.ctx, userpool.CreateIdentityProviderInput{ProviderName: "BenchSAML",
				ProviderType: userpool.ProviderTypeSAML, ProviderDetails: map[string]string{"MetadataFile": string(md)},
				AttributeMapping: map[string]string{"email": "urn:oid:0.9.2342.19200300.100.1.3"}}); err != nil {
				b.Fatal(err)
			}
			const acs = "https://hosted.example.test/saml2/idpresponse"
			spMD, err := e.pool.OAuth().SAMLMetadata(e.ctx, "BenchSAML", acs)
			if err != nil {
				b.Fatal(err)
			}
			var sp saml.EntityDescriptor
			if err := xml.Unmarshal(spMD, &sp); err != nil {
				b.Fatal(err)
			}
			idp.sp.Store(&sp)
			client, err := e.pool.CreateUserPoolClient(e.ctx, userpool.ClientConfig{ClientName: "fed", GenerateSecret: true, CodeWithoutPKCE: true,
				CallbackURLs: []string{"https://app.example.test/cb"}, AllowedOAuthFlows: []string{userpool.OAuthFlowCode},
				AllowedOAuthScopes: []string{userpool.ScopeOpenID, userpool.ScopeEmail}, SupportedIdentityProviders: []string{"BenchSAML"}})
			if err != nil {
				b.Fatal(err)
			}
			o := e.pool.OAuth()
			auth := &userpool.Authorization{ClientID: client.ClientID, RedirectURI: "https://app.example.test/cb",
				Scopes: []string{userpool.ScopeOpenID, userpool.ScopeEmail}}
			ins := make([]userpool.CompleteFederatedSignInInput, 0, b.N)
			for i := range b.N {
				st, err := o.StartFederatedSignIn(e.ctx, userpool.StartFederatedSignInInput{ClientID: client.ClientID, ProviderName: "BenchSAML",
					State: fmt.Sprint("s", i), Callback: func(string) string { return acs }})
				if err != nil {
					b.Fatal(err)
				}
				idp.user.Store(fmt.Sprintf("user-%d@corp.example", i/2)) // half first sign-ins, half returning
				ins = append(ins, userpool.CompleteFederatedSignInInput{ClientID: client.ClientID, Pending: st.Pending, Params: idp.respond(b, st.URL)})
			}
			b.ResetTimer()
			for i := range b.N {
				out, err := o.CompleteFederatedSignIn(e.ctx, ins[i])
				if err != nil {
					b.Fatal(err)
				}
				code, err := o.CreateAuthorizationCode(e.ctx, auth, out.Principal)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := o.Token(e.ctx, userpool.TokenRequest{GrantType: "authorization_code", Code: code, RedirectURI: auth.RedirectURI,
					ClientID: client.ClientID, ClientSecret: client.ClientSecret}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchSAMLIdP is crewjam/saml's IdP whose one session is whichever user
// the benchmark names next.
type benchSAMLIdP struct {
	server *httptest.Server
	idp    *saml.IdentityProvider
	key    *rsa.PrivateKey
	sp     atomic.Pointer[saml.EntityDescriptor]
	user   atomic.Value // string: the NameID of the next response
}

func newBenchSAMLIdP(b *testing.B) *benchSAMLIdP {
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("..", "federation", "testdata", "saml", name))
		if err != nil {
			b.Fatal(err)
		}
		blk, _ := pem.Decode(data)
		if blk == nil {
			b.Fatalf("%s: no PEM block", name)
		}
		return blk.Bytes
	}
	k, err := x509.ParsePKCS8PrivateKey(read("idp.key"))
	if err != nil {
		b.Fatal(err)
	}
	cert, err := x509.ParseCertificate(read("idp.crt"))
	if err != nil {
		b.Fatal(err)
	}
	s := &benchSAMLIdP{key: k.(*rsa.PrivateKey)}
	var h http.Handler
	s.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	b.Cleanup(s.server.Close)
	at := func(path string) url.URL {
		u, _ := url.Parse(s.server.URL + path)
		return *u
	}
	s.idp = &saml.IdentityProvider{Key: s.key, Certificate: cert, Logger: log.New(io.Discard, "", 0),
		MetadataURL: at("/metadata"), SSOURL: at("/sso"), ServiceProviderProvider: s, SessionProvider: s}
	h = s.idp.Handler()
	return s
}

func (s *benchSAMLIdP) GetServiceProvider(_ *http.Request, id string) (*saml.EntityDescriptor, error) {
	if sp := s.sp.Load(); sp != nil && sp.EntityID == id {
		return sp, nil
	}
	return nil, os.ErrNotExist
}

func (s *benchSAMLIdP) GetSession(http.ResponseWriter, *http.Request, *saml.IdpAuthnRequest) *saml.Session {
	now := time.Now()
	name := s.user.Load().(string)
	return &saml.Session{ID: "session-" + name, CreateTime: now.Add(-time.Minute), ExpireTime: now.Add(time.Hour), Index: "idx",
		NameID: name, NameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", UserEmail: name}
}

var (
	benchSAMLResponse = regexp.MustCompile(`name="SAMLResponse" value="([^"]*)"`)
	benchRelayState   = regexp.MustCompile(`name="RelayState" value="([^"]*)"`)
)

// respond follows the pool's redirect to the IdP and returns what its
// auto-posting form would post to the ACS.
func (s *benchSAMLIdP) respond(b *testing.B, authURL string) url.Values {
	resp, err := http.Get(authURL)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	r, s2 := benchSAMLResponse.FindSubmatch(body), benchRelayState.FindSubmatch(body)
	if r == nil || s2 == nil {
		b.Fatalf("the IdP answered %s without a SAML form:\n%s", resp.Status, body)
	}
	return url.Values{"SAMLResponse": {html.UnescapeString(string(r[1]))}, "RelayState": {html.UnescapeString(string(s2[1]))}}
}
