package federation_test

import (
	"context"
	"encoding/xml"
	"html"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/cupola-auth/cupola/federation"
)

// samlTestIdP is a real SAML identity provider (crewjam/saml) in an
// httptest server, with one logged-in user.
type samlTestIdP struct {
	server *httptest.Server
	idp    *saml.IdentityProvider

	mu sync.Mutex
	sp *saml.EntityDescriptor // the registered SP
}

// GetServiceProvider implements saml.ServiceProviderProvider.
func (s *samlTestIdP) GetServiceProvider(_ *http.Request, id string) (*saml.EntityDescriptor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sp == nil || s.sp.EntityID != id {
		return nil, os.ErrNotExist
	}
	return s.sp, nil
}

// GetSession implements saml.SessionProvider: the user is always logged in.
func (s *samlTestIdP) GetSession(http.ResponseWriter, *http.Request, *saml.IdpAuthnRequest) *saml.Session {
	now := time.Now()
	return &saml.Session{
		ID:             "session-1",
		CreateTime:     now.Add(-time.Minute),
		ExpireTime:     now.Add(time.Hour),
		Index:          "idx-42",
		NameID:         "alice@corp.example",
		NameIDFormat:   "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
		UserName:       "alice",
		UserEmail:      "alice@corp.example",
		UserGivenName:  "Alice",
		UserSurname:    "Liddell",
		UserCommonName: "Alice Liddell",
		Groups:         []string{"admins", "staff"},
	}
}

func newSAMLTestIdP(t *testing.T, fx *samlFixture) *samlTestIdP {
	t.Helper()
	s := &samlTestIdP{}
	var handler http.Handler
	s.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(s.server.Close)
	at := func(path string) url.URL {
		u, err := url.Parse(s.server.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		return *u
	}
	s.idp = &saml.IdentityProvider{
		Key:                     fx.idp.key,
		Certificate:             fx.idp.cert,
		Logger:                  log.New(io.Discard, "", 0),
		MetadataURL:             at("/metadata"),
		SSOURL:                  at("/sso"),
		ServiceProviderProvider: s,
		SessionProvider:         s,
	}
	handler = s.idp.Handler()
	return s
}

// metadata is the IdP's metadata, as an administrator would paste it.
func (s *samlTestIdP) metadata(t *testing.T) string {
	t.Helper()
	b, err := xml.Marshal(s.idp.Metadata())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// register gives the IdP the SP's metadata.
func (s *samlTestIdP) register(t *testing.T, spMetadata []byte) {
	t.Helper()
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(spMetadata, &ed); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.sp = &ed
	s.mu.Unlock()
}

// The fields of crewjam's auto-submitting response form.
const (
	samlFormSAMLResponse = `name="SAMLResponse" value="([^"]*)"`
	samlFormRelayState   = `name="RelayState" value="([^"]*)"`
	samlFormAction       = `<form method="post" action="([^"]*)"`
)

// browse is the browser: it follows the Start URL to the IdP and reads
// the auto-submitting form the IdP answers with.
func (s *samlTestIdP) browse(t *testing.T, startURL string) (action string, form url.Values) {
	t.Helper()
	resp, err := s.server.Client().Get(startURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("IdP answered %s: %s", resp.Status, body)
	}
	get := func(pattern string) string {
		re := regexp.MustCompile(pattern)
		m := re.FindSubmatch(body)
		if m == nil {
			t.Fatalf("no %v in the IdP's page: %s", re, body)
		}
		return html.UnescapeString(string(m[1]))
	}
	return get(samlFormAction), url.Values{
		"SAMLResponse": {get(samlFormSAMLResponse)},
		"RelayState":   {get(samlFormRelayState)},
	}
}

func TestSAMLSignInThroughARealIdP(t *testing.T) {
	const callback = "https://auth.example.com/saml2/idpresponse"
	fx := newSAMLFixture(t)
	cases := []struct {
		name    string
		details map[string]string
	}{
		{"with an unsigned AuthnRequest", nil},
		{"with a signed AuthnRequest", map[string]string{"RequestSigningAlgorithm": "rsa-sha256"}},
		{"with encrypted assertions", map[string]string{"EncryptedResponses": "true", "RequestSigningAlgorithm": "rsa-sha256"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			idp := newSAMLTestIdP(t, fx)
			details := map[string]string{"MetadataFile": idp.metadata(t)}
			for k, v := range tc.details {
				details[k] = v
			}
			p, err := federation.NewSAML(context.Background(), federation.Config{
				Name:    samlProvider,
				Type:    federation.TypeSAML,
				Details: details,
				SP: federation.SPConfig{
					EntityID:    samlSPEntity,
					Key:         fx.sp.key,
					Certificate: fx.sp.cert,
					Replay:      newSAMLReplay(),
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if p.IdPEntityID() != idp.idp.MetadataURL.String() {
				t.Errorf("IdPEntityID = %q", p.IdPEntityID())
			}
			spMetadata, err := p.Metadata(callback)
			if err != nil {
				t.Fatal(err)
			}
			idp.register(t, spMetadata)

			start, err := p.Start(context.Background(), federation.StartInput{CallbackURL: callback, State: samlState})
			if err != nil {
				t.Fatal(err)
			}
			action, form := idp.browse(t, start.URL)
			if action != callback {
				t.Errorf("the IdP posts to %q; want the callback", action)
			}
			if got := form.Get("RelayState"); got != samlState {
				t.Errorf("RelayState = %q", got)
			}
			encrypted := strings.Contains(samlDecode(t, form.Get("SAMLResponse")), "EncryptedAssertion")
			if want := tc.details["EncryptedResponses"] == "true"; encrypted != want {
				t.Errorf("encrypted = %v; want %v", encrypted, want)
			}

			in := federation.CompleteInput{Params: form, Pending: start.Pending}
			id, err := p.Complete(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if id.Subject != "alice@corp.example" || id.Email != "alice@corp.example" || id.EmailVerified ||
				id.Provider != samlProvider || id.Type != federation.TypeSAML || id.SessionIndex != "idx-42" {
				t.Errorf("identity = %+v", *id)
			}
			if time.Since(id.AuthTime) > time.Hour {
				t.Errorf("AuthTime = %v", id.AuthTime)
			}
			// crewjam names groups eduPersonAffiliation by OID.
			if got := id.Attributes["urn:oid:1.3.6.1.4.1.5923.1.1.1.1"]; got != "admins,staff" {
				t.Errorf("groups = %q in %v", got, id.Attributes)
			}

			_, err = p.Complete(context.Background(), in)
			wantSAMLError(t, err, federation.ErrInvalidResponse, "replayed")
		})
	}
}

func TestSAMLIdPInitiatedSignInThroughARealIdP(t *testing.T) {
	const callback = "https://auth.example.com/saml2/idpresponse"
	fx := newSAMLFixture(t)
	idp := newSAMLTestIdP(t, fx)
	p, err := federation.NewSAML(context.Background(), federation.Config{
		Name:    samlProvider,
		Details: map[string]string{"MetadataFile": idp.metadata(t), "IDPInit": "true"},
		SP:      federation.SPConfig{EntityID: samlSPEntity, Replay: newSAMLReplay()},
	})
	if err != nil {
		t.Fatal(err)
	}
	spMetadata, err := p.Metadata(callback)
	if err != nil {
		t.Fatal(err)
	}
	idp.register(t, spMetadata)

	rec := httptest.NewRecorder()
	idp.idp.ServeIDPInitiated(rec, httptest.NewRequest(http.MethodGet, "/login", nil), samlSPEntity, "")
	page := rec.Body.Bytes()
	m := regexp.MustCompile(samlFormSAMLResponse).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no SAMLResponse in %s", page)
	}
	form := url.Values{"SAMLResponse": {html.UnescapeString(string(m[1]))}}
	id, err := p.Complete(context.Background(), federation.CompleteInput{
		Params:  form,
		Pending: federation.Pending{CallbackURL: callback},
	})
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "alice@corp.example" {
		t.Errorf("Subject = %q", id.Subject)
	}
}

func TestSAMLRefusesAnEncryptedAssertionItWasNotConfiguredFor(t *testing.T) {
	const callback = "https://auth.example.com/saml2/idpresponse"
	fx := newSAMLFixture(t)
	idp := newSAMLTestIdP(t, fx)
	cfg := federation.Config{
		Name:    samlProvider,
		Details: map[string]string{"MetadataFile": idp.metadata(t), "EncryptedResponses": "true"},
		SP:      federation.SPConfig{EntityID: samlSPEntity, Key: fx.sp.key, Certificate: fx.sp.cert, Replay: newSAMLReplay()},
	}
	encrypting, err := federation.NewSAML(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	spMetadata, err := encrypting.Metadata(callback)
	if err != nil {
		t.Fatal(err)
	}
	idp.register(t, spMetadata) // publishes an encryption key

	cfg.Details = map[string]string{"MetadataFile": idp.metadata(t)}
	plain, err := federation.NewSAML(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	start, err := plain.Start(context.Background(), federation.StartInput{CallbackURL: callback, State: samlState})
	if err != nil {
		t.Fatal(err)
	}
	_, form := idp.browse(t, start.URL)
	_, err = plain.Complete(context.Background(), federation.CompleteInput{Params: form, Pending: start.Pending})
	wantSAMLError(t, err, federation.ErrInvalidResponse, "EncryptedResponses")
}
