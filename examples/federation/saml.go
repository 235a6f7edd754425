package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sync"
	"time"

	"github.com/crewjam/saml"
)

// samlUser is a user of the company's SAML IdP.
type samlUser struct {
	NameID string // the subject the IdP asserts: the pool user is CorpSAML_<NameID>
	Email  string
}

// samlIdP is the company's SAML 2.0 identity provider, played in-process
// by crewjam/saml's IdentityProvider. Like mockoidc, it signs in the users
// queued with QueueUser, one per sign-in, without a login page.
type samlIdP struct {
	server *httptest.Server
	idp    *saml.IdentityProvider

	mu    sync.Mutex
	sp    *saml.EntityDescriptor // the one service provider it trusts: the pool
	queue []samlUser
}

// newSAMLIdP starts the IdP with a fresh key pair.
func newSAMLIdP() (*samlIdP, error) {
	key, cert, err := newKeyPair("Corp SAML IdP")
	if err != nil {
		return nil, fmt.Errorf("IdP key pair: %w", err)
	}
	s := &samlIdP{server: httptest.NewUnstartedServer(nil)}
	host := s.server.Listener.Addr().String()
	s.idp = &saml.IdentityProvider{
		Key:                     key,
		Certificate:             cert,
		MetadataURL:             url.URL{Scheme: "http", Host: host, Path: "/metadata"},
		SSOURL:                  url.URL{Scheme: "http", Host: host, Path: "/sso"},
		ServiceProviderProvider: s,
		SessionProvider:         s,
		Logger:                  log.New(io.Discard, "", 0),
	}
	s.server.Config.Handler = s.idp.Handler()
	s.server.Start()
	return s, nil
}

// Close stops the IdP.
func (s *samlIdP) Close() { s.server.Close() }

// Metadata is the IdP's metadata XML, which the pool's identity provider
// is created from (ProviderDetails MetadataFile).
func (s *samlIdP) Metadata() (string, error) {
	md, err := xml.Marshal(s.idp.Metadata())
	if err != nil {
		return "", fmt.Errorf("IdP metadata: %w", err)
	}
	return string(md), nil
}

// Trust fetches a service provider's metadata from metadataURL, as an IdP
// administrator would, and trusts that service provider from then on.
func (s *samlIdP) Trust(ctx context.Context, metadataURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metadataURL, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("SP metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("SP metadata: %s", resp.Status)
	}
	var sp saml.EntityDescriptor
	if err := xml.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&sp); err != nil {
		return fmt.Errorf("SP metadata: %w", err)
	}
	s.mu.Lock()
	s.sp = &sp
	s.mu.Unlock()
	return nil
}

// QueueUser has the IdP sign u in on the next sign-in.
func (s *samlIdP) QueueUser(u samlUser) {
	s.mu.Lock()
	s.queue = append(s.queue, u)
	s.mu.Unlock()
}

// GetServiceProvider implements saml.ServiceProviderProvider: the IdP
// answers only the service provider it trusts (crewjam wants
// os.ErrNotExist for any other).
func (s *samlIdP) GetServiceProvider(_ *http.Request, entityID string) (*saml.EntityDescriptor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sp == nil || s.sp.EntityID != entityID {
		return nil, fmt.Errorf("service provider %q: %w", entityID, os.ErrNotExist)
	}
	return s.sp, nil
}

// GetSession implements saml.SessionProvider: it signs in the next queued
// user. A real IdP would show its login page when nobody is signed in.
func (s *samlIdP) GetSession(w http.ResponseWriter, _ *http.Request, _ *saml.IdpAuthnRequest) *saml.Session {
	s.mu.Lock()
	if len(s.queue) == 0 {
		s.mu.Unlock()
		http.Error(w, "nobody to sign in", http.StatusUnauthorized)
		return nil
	}
	u := s.queue[0]
	s.queue = s.queue[1:]
	s.mu.Unlock()
	now := time.Now()
	return &saml.Session{ID: rand.Text(), Index: rand.Text(), CreateTime: now, ExpireTime: now.Add(time.Hour),
		NameID: u.NameID, NameIDFormat: string(saml.UnspecifiedNameIDFormat), UserEmail: u.Email}
}

// newKeyPair generates an RSA-2048 key and a self-signed certificate for
// it, as SAML metadata carries them. A real deployment loads both from a
// secret store.
func newKeyPair(name string) (*rsa.PrivateKey, *x509.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		// A nil SerialNumber has CreateCertificate pick a random one.
		Subject:   pkix.Name{CommonName: name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return key, cert, nil
}

// The auto-submitting form of the SAML HTTP-POST binding, as crewjam's IdP
// writes it.
var (
	formAction = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	formInput  = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)"`)
)

// autoPostForm reads a page whose script posts a form as soon as it loads
// (how a SAML IdP sends its response to the service provider): where the
// form posts, and what. ok is false if page is not such a page.
func autoPostForm(page []byte) (action string, form url.Values, ok bool) {
	m := formAction.FindSubmatch(page)
	if m == nil {
		return "", nil, false
	}
	form = url.Values{}
	for _, in := range formInput.FindAllSubmatch(page, -1) {
		form.Add(html.UnescapeString(string(in[1])), html.UnescapeString(string(in[2])))
	}
	return html.UnescapeString(string(m[1])), form, true
}
