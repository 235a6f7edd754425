package federation

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
	saml2 "github.com/russellhaering/gosaml2"
	"github.com/russellhaering/gosaml2/types"
)

// maxMetadata bounds the IdP metadata, from a file or a URL.
const maxMetadata = 1 << 20

// idpMetadata is what Cupola uses of the IdP's metadata.
type idpMetadata struct {
	entityID string              // the Issuer of its responses
	ssoURL   string              // its HTTP-Redirect SingleSignOnService
	certs    []*x509.Certificate // its signing certificates
}

// insecureURLError refuses a metadata or SSO URL that is neither https
// nor http to a loopback address.
type insecureURLError struct{ url string }

func (e *insecureURLError) Error() string {
	return fmt.Sprintf("%q is not https (http is allowed only to a loopback address)", e.url)
}

// checkSecureURL requires https, or http to localhost or a loopback IP
// (an IdP in a test or on the same machine).
func checkSecureURL(u *url.URL) error {
	switch {
	case u.Host == "":
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return &insecureURLError{u.String()}
}

// loadIdPMetadata reads the metadata named by cfg.Details.
func loadIdPMetadata(ctx context.Context, cfg Config) (*idpMetadata, error) {
	bad := func(detail string, err error) (*idpMetadata, error) {
		return nil, &Error{Provider: cfg.Name, Op: "metadata", Kind: ErrConfig, Detail: detail, Err: err}
	}
	file, link := cfg.Details["MetadataFile"], cfg.Details["MetadataURL"]
	var data []byte
	switch {
	case file != "" && link != "":
		return bad("MetadataFile and MetadataURL exclude each other", nil)
	case file != "":
		data = []byte(file)
	case link != "":
		var err error
		if data, err = fetchMetadata(ctx, cfg, link); err != nil {
			return nil, err
		}
	default:
		return bad("MetadataFile or MetadataURL is required", nil)
	}
	if len(data) > maxMetadata {
		return bad(fmt.Sprintf("metadata is larger than %d bytes", maxMetadata), nil)
	}
	md, err := parseIdPMetadata(data)
	if err != nil {
		return bad(err.Error(), nil)
	}
	return md, nil
}

// fetchMetadata GETs the metadata URL with cfg.HTTPClient, following
// redirects only to URLs that pass the same https rule.
func fetchMetadata(ctx context.Context, cfg Config, link string) ([]byte, error) {
	fail := func(kind error, detail string, err error) ([]byte, error) {
		return nil, &Error{Provider: cfg.Name, Op: "metadata", Kind: kind, Detail: detail, Err: err}
	}
	u, err := url.Parse(link)
	if err != nil {
		return fail(ErrConfig, "MetadataURL", err)
	}
	if err := checkSecureURL(u); err != nil {
		return fail(ErrConfig, "MetadataURL", err)
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	// A copy, so the caller's client is not changed, whose redirects may
	// not downgrade to plain http.
	c := *client
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := checkSecureURL(req.URL); err != nil {
			return err
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fail(ErrConfig, "MetadataURL", err)
	}
	req.Header.Set("Accept", "application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8")
	resp, err := c.Do(req)
	if err != nil {
		var insecure *insecureURLError
		if errors.As(err, &insecure) {
			return fail(ErrConfig, "MetadataURL redirects", insecure)
		}
		return fail(ErrUnavailable, "fetching MetadataURL", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail(ErrUnavailable, "MetadataURL answered "+resp.Status, nil)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadata+1))
	if err != nil {
		return fail(ErrUnavailable, "reading MetadataURL", err)
	}
	if len(body) > maxMetadata {
		return fail(ErrConfig, fmt.Sprintf("metadata is larger than %d bytes", maxMetadata), nil)
	}
	return body, nil
}

// parseIdPMetadata reads an EntityDescriptor, or an EntitiesDescriptor
// holding exactly one identity provider. The metadata's own signature and
// validUntil are not checked: it is configuration, from the administrator
// or over https.
func parseIdPMetadata(data []byte) (*idpMetadata, error) {
	doc, err := parseXML(data)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	root := doc.Root()
	if !is(root, nsMetadata, "EntitiesDescriptor") && !is(root, nsMetadata, "EntityDescriptor") {
		return nil, errors.New("metadata: the root is not a SAML 2.0 EntityDescriptor or EntitiesDescriptor")
	}
	var found []*etree.Element // IDPSSODescriptors for SAML 2.0
	var walk func(*etree.Element)
	walk = func(el *etree.Element) {
		switch {
		case is(el, nsMetadata, "EntitiesDescriptor"):
			for _, c := range el.ChildElements() {
				walk(c)
			}
		case is(el, nsMetadata, "EntityDescriptor"):
			for _, d := range el.ChildElements() {
				if is(d, nsMetadata, "IDPSSODescriptor") &&
					strings.Contains(d.SelectAttrValue("protocolSupportEnumeration", ""), nsProtocol) {
					found = append(found, d)
				}
			}
		}
	}
	walk(root)
	if len(found) != 1 {
		return nil, fmt.Errorf("metadata has %d SAML 2.0 IdP SSO descriptors (IDPSSODescriptor); exactly one is accepted", len(found))
	}
	desc := found[0]
	md := &idpMetadata{entityID: desc.Parent().SelectAttrValue("entityID", "")}
	if md.entityID == "" {
		return nil, errors.New("metadata: EntityDescriptor has no entityID")
	}

	for _, kd := range desc.ChildElements() {
		if !is(kd, nsMetadata, "KeyDescriptor") {
			continue
		}
		// A KeyDescriptor without use is for both signing and encryption.
		if use := kd.SelectAttrValue("use", ""); use != "" && use != "signing" {
			continue
		}
		for _, c := range descendants(kd, "X509Certificate") {
			if !is(c, nsDSig, "X509Certificate") {
				continue
			}
			der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c.Text()), ""))
			if err != nil {
				return nil, fmt.Errorf("metadata: signing certificate is not base64: %w", err)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, fmt.Errorf("metadata: signing certificate: %w", err)
			}
			md.certs = append(md.certs, cert)
		}
	}
	if len(md.certs) == 0 {
		return nil, errors.New("metadata: the IdP has no signing certificate")
	}

	for _, s := range desc.ChildElements() {
		if is(s, nsMetadata, "SingleSignOnService") && s.SelectAttrValue("Binding", "") == saml2.BindingHttpRedirect {
			md.ssoURL = s.SelectAttrValue("Location", "")
			break
		}
	}
	if md.ssoURL == "" {
		return nil, errors.New("metadata: the IdP has no HTTP-Redirect SingleSignOnService")
	}
	u, err := url.Parse(md.ssoURL)
	if err != nil {
		return nil, fmt.Errorf("metadata: SingleSignOnService Location: %w", err)
	}
	if err := checkSecureURL(u); err != nil {
		return nil, fmt.Errorf("metadata: SingleSignOnService Location: %w", err)
	}
	return md, nil
}

// Metadata returns the SP metadata to register at the IdP: the SP entity
// ID, acsURL as the HTTP-POST AssertionConsumerService (the CallbackURL
// Start is given), SP.Certificate as the signing key (when set) and as the
// encryption key (when EncryptedResponses is "true"),
// AuthnRequestsSigned per RequestSigningAlgorithm, and
// WantAssertionsSigned="true".
//
// The encryption key is published only with EncryptedResponses, since
// IdPs encrypt whenever the SP metadata has one, and Complete refuses an
// encrypted assertion it was not configured for.
func (p *SAMLProvider) Metadata(acsURL string) ([]byte, error) {
	if err := checkCallbackURL(acsURL); err != nil {
		return nil, &Error{Provider: p.name, Op: "metadata", Kind: ErrConfig, Detail: "ACS URL", Err: err}
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	ed := doc.CreateElement("md:EntityDescriptor")
	ed.CreateAttr("xmlns:md", nsMetadata)
	ed.CreateAttr("xmlns:ds", nsDSig)
	ed.CreateAttr("entityID", p.entityID)

	sp := ed.CreateElement("md:SPSSODescriptor")
	sp.CreateAttr("AuthnRequestsSigned", strconv.FormatBool(p.signRequests))
	sp.CreateAttr("WantAssertionsSigned", "true")
	sp.CreateAttr("protocolSupportEnumeration", nsProtocol)
	key := func(use string) *etree.Element {
		kd := sp.CreateElement("md:KeyDescriptor")
		kd.CreateAttr("use", use)
		kd.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").
			SetText(base64.StdEncoding.EncodeToString(p.cert.Raw))
		return kd
	}
	if p.cert != nil {
		key("signing")
	}
	if p.encrypted {
		kd := key("encryption")
		// What Complete decrypts, strongest first; IdPs pick from this
		// list (crewjam/saml takes the first it knows, others default to
		// AES-CBC when the SP lists nothing).
		for _, alg := range []string{types.MethodAES256GCM, types.MethodAES128GCM, types.MethodAES256CBC, types.MethodAES128CBC} {
			kd.CreateElement("md:EncryptionMethod").CreateAttr("Algorithm", alg)
		}
	}
	acs := sp.CreateElement("md:AssertionConsumerService")
	acs.CreateAttr("Binding", saml2.BindingHttpPost)
	acs.CreateAttr("Location", acsURL)
	acs.CreateAttr("index", "1")
	acs.CreateAttr("isDefault", "true")

	doc.Indent(2)
	return doc.WriteToBytes()
}
