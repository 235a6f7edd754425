package main

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/userpool"
)

const idpConfig = `
pool:
  id: fed_pool
  issuer: https://auth.example.com
  secret: {env: POOL_SECRET}
hosted_ui:
  cookie_keys: [{env: COOKIE_KEY}]
federation:
  saml_key: {file: sp.key}
  saml_certificate: {env: SP_CERT}
  link_verified_emails: true
clients:
  - client_id: web
    callback_urls: [https://app.example.com/cb]
    supported_identity_providers: [COGNITO, CorpIdP]
identity_providers:
  - name: CorpIdP
    type: OIDC
    details: {client_id: cupola, oidc_issuer: "https://idp.example.com", authorize_scopes: openid email}
    secret_details:
      client_secret: {env: CORP_SECRET}
    attribute_mapping: {email: email, name: name}
    idp_identifiers: [example.com]
  - name: SignInWithApple
    type: SignInWithApple
    details: {client_id: com.example.web, team_id: TEAM123456, key_id: KEY1234567}
    secret_details:
      private_key: {file: apple.p8}
`

func TestParseConfigReadsIdentityProvidersAndFederation(t *testing.T) {
	dir := t.TempDir()
	c, err := loadConfig(writeFile(t, dir, "cupola.yaml", idpConfig, 0o644))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.IdentityProviders) != 2 {
		t.Fatalf("identity providers = %+v", c.IdentityProviders)
	}
	corp, apple := c.IdentityProviders[0], c.IdentityProviders[1]
	if corp.Name != "CorpIdP" || corp.Type != "OIDC" || corp.Details["oidc_issuer"] != "https://idp.example.com" ||
		corp.SecretDetails["client_secret"].Env != "CORP_SECRET" || corp.AttributeMapping["name"] != "name" ||
		len(corp.IdpIdentifiers) != 1 || corp.IdpIdentifiers[0] != "example.com" {
		t.Errorf("CorpIdP = %+v", corp)
	}
	if want := filepath.Join(dir, "apple.p8"); apple.SecretDetails["private_key"].File != want {
		t.Errorf("private_key file = %q, want it relative to the config file: %q", apple.SecretDetails["private_key"].File, want)
	}
	if want := filepath.Join(dir, "sp.key"); c.Federation.SAMLKey.File != want || c.Federation.SAMLCertificate.Env != "SP_CERT" ||
		!c.Federation.LinkVerifiedEmails {
		t.Errorf("federation = %+v", c.Federation)
	}
	if got := c.userpoolConfig().Clients[0].SupportedIdentityProviders; len(got) != 2 || got[1] != "CorpIdP" {
		t.Errorf("supported identity providers = %q", got)
	}

	// The secret details are read in from the environment and files.
	writeFile(t, dir, "apple.p8", "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n", 0o600)
	ta := newTestApp(t)
	ta.env = map[string]string{"CORP_SECRET": "short-secret"} // an IdP's secret may be short
	src := &secretSource{app: ta.app, cfg: c, log: slog.New(slog.DiscardHandler)}
	details, err := src.providerDetails(corp)
	if err != nil {
		t.Fatal(err)
	}
	if details["client_secret"] != "short-secret" || details["client_id"] != "cupola" || len(details) != 4 {
		t.Errorf("details = %q", details)
	}
	if corp.Details["client_secret"] != "" {
		t.Error("reading the secret changed the configuration's details")
	}
	details, err = src.providerDetails(apple)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(details["private_key"], "-----END PRIVATE KEY-----") {
		t.Errorf("private_key = %q", details["private_key"])
	}
	ta.env = map[string]string{}
	if _, err := src.providerDetails(corp); err == nil || !strings.Contains(err.Error(), "CorpIdP secret_details.client_secret: environment variable CORP_SECRET is not set") {
		t.Errorf("a missing secret: err = %v", err)
	}
}

func TestParseConfigRefusesBadIdentityProviders(t *testing.T) {
	idp := func(s string) string { return "dev: true\nidentity_providers:\n  - " + s + "\n" }
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"an unknown type is refused", idp("{name: X1, type: OAuth, details: {client_id: a}}"), `type "OAuth" is not one of OIDC, SAML`},
		{"a type in the wrong case is refused", idp("{name: X1, type: oidc, details: {client_id: a}}"), `type "oidc"`},
		{"a provider without details is refused", idp("{name: X1, type: OIDC}"), "details are required"},
		{"a provider without a name is refused", idp("{type: OIDC, details: {client_id: a}}"), "name is required"},
		{"a provider declared twice is refused", "dev: true\nidentity_providers:\n  - {name: X1, type: OIDC, details: {a: b}}\n  - {name: X1, type: OIDC, details: {a: b}}\n", "declared twice"},
		{"a client secret in plain details is refused", idp("{name: X1, type: OIDC, details: {client_id: a, client_secret: hunter2}}"), "details.client_secret is a secret: give it in secret_details"},
		{"a private key in plain details is refused", idp("{name: SignInWithApple, type: SignInWithApple, details: {private_key: k}}"), "details.private_key is a secret"},
		{"an inline secret detail is refused", idp("{name: X1, type: OIDC, details: {client_id: a}, secret_details: {client_secret: hunter2}}"), "not written inline"},
		{"an unknown key in a secret detail is refused", idp("{name: X1, type: OIDC, details: {client_id: a}, secret_details: {client_secret: {vault: x}}}"), "field vault not found"},
		{"a secret detail from both env and file is refused", idp("{name: X1, type: OIDC, details: {client_id: a}, secret_details: {client_secret: {env: A, file: b}}}"), "secret_details.client_secret: give env or file"},
		{"a detail both plain and secret is refused", idp("{name: X1, type: OIDC, details: {client_id: a}, secret_details: {client_id: {env: A}}}"), "client_id is in both"},
		{"a misspelt provider field is refused", idp("{name: X1, type: OIDC, detail: {client_id: a}}"), "field detail not found"},
		{"a SAML key without its certificate is refused", "dev: true\nfederation: {saml_key: {env: K}}\n", "saml_key and saml_certificate go together"},
		{"an inline SAML key is refused", "dev: true\nfederation: {saml_key: '-----BEGIN', saml_certificate: {env: C}}\n", "not written inline"},
		{"a misspelt federation field is refused", "dev: true\nfederation: {saml_cert: {env: C}}\n", "field saml_cert not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// corpConfig is a configuration with an OIDC provider whose endpoints are
// given, so that nothing is discovered over the network.
func corpConfig(clientID, mapping, identifiers string) string {
	return `
pool:
  id: fed_pool
  issuer: http://localhost:9/auth
  secret: {env: POOL_SECRET}
hosted_ui:
  cookie_keys: [{env: COOKIE_KEY}]
clients:
  - client_id: web
    callback_urls: [https://app.example.com/cb]
    allowed_oauth_flows: [code]
    allowed_oauth_scopes: [openid, email]
    supported_identity_providers: [COGNITO, CorpIdP]
identity_providers:
  - name: CorpIdP
    type: OIDC
    details:
      client_id: ` + clientID + `
      oidc_issuer: https://idp.example.com
      authorize_url: https://idp.example.com/authorize
      token_url: https://idp.example.com/token
      jwks_uri: https://idp.example.com/jwks
    secret_details: {client_secret: {env: CORP_SECRET}}
    attribute_mapping: ` + mapping + `
    idp_identifiers: ` + identifiers + `
`
}

func TestServeCreatesTheConfiguredIdentityProviderAndARestartUpdatesIt(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	env := map[string]string{"POOL_SECRET": testSecret, "COOKIE_KEY": testSecret + "cookie", "CORP_SECRET": "corp-secret-1"}
	cfg := writeFile(t, dir, "cupola.yaml", corpConfig("cupola-v1", "{email: email}", "[Example.com]"), 0o644)
	ta := newTestApp(t)
	ta.env = env
	s := startServe(t, ta, "-config", cfg, "-db", db)
	if !strings.Contains(ta.stderr.String(), "identity provider created") {
		t.Errorf("the creation was not logged:\n%s", ta.stderr.String())
	}

	// The hosted UI sends the browser to the provider, with the configured
	// client ID and the callback under the issuer.
	p, err := newPKCE(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"response_type": {"code"}, "client_id": {"web"}, "redirect_uri": {"https://app.example.com/cb"},
		"scope": {"openid email"}, "identity_provider": {"CorpIdP"}, "code_challenge": {p.Challenge}, "code_challenge_method": {"S256"}}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, body := get(t, noFollow, s.base+"/auth/oauth2/authorize?"+q.Encode())
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode/100 != 3 || loc == nil || loc.Host != "idp.example.com" || loc.Path != "/authorize" ||
		loc.Query().Get("client_id") != "cupola-v1" || loc.Query().Get("redirect_uri") != "http://localhost:9/auth/oauth2/idpresponse" {
		t.Fatalf("authorize = %d, Location %q; body %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if code := s.stop(t); code != exitOK {
		t.Fatalf("exit = %d; stderr:\n%s", code, ta.stderr.String())
	}

	code, out, stderr := ta.exec(t, "idps", "describe", "-config", cfg, "-db", db, "-name", "CorpIdP")
	if code != exitOK {
		t.Fatalf("describe: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"type:        OIDC", "identifiers: example.com", "  client_id: cupola-v1", "  client_secret: (hidden)", "  email: email"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "corp-secret-1") {
		t.Error("describe shows the client secret")
	}
	if strings.Contains(stderr, "updated") {
		t.Errorf("an unchanged configuration updated the provider:\n%s", stderr)
	}

	// A restart with another client ID, secret, mapping and no identifiers
	// brings the provider to the file.
	writeFile(t, dir, "cupola.yaml", corpConfig("cupola-v2", "{email: mail, name: displayName}", "[]"), 0o644)
	ta.env["CORP_SECRET"] = "corp-secret-2"
	ta2 := newTestApp(t)
	ta2.env = ta.env
	s = startServe(t, ta2, "-config", cfg, "-db", db)
	if !strings.Contains(ta2.stderr.String(), "identity provider updated from the configuration") {
		t.Errorf("the update was not logged:\n%s", ta2.stderr.String())
	}
	resp, _ = get(t, noFollow, s.base+"/auth/oauth2/authorize?"+q.Encode())
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc == nil || loc.Query().Get("client_id") != "cupola-v2" {
		t.Errorf("after the restart the provider is sent client_id %q, want cupola-v2", resp.Header.Get("Location"))
	}
	if code := s.stop(t); code != exitOK {
		t.Fatalf("exit = %d; stderr:\n%s", code, ta2.stderr.String())
	}
	in, err := ta2.adminPool(t.Context(), &commonFlags{db: db, config: cfg, logLevel: "error"})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	have, err := in.pool.DescribeIdentityProvider(t.Context(), userpool.DescribeIdentityProviderInput{ProviderName: "CorpIdP"})
	if err != nil {
		t.Fatal(err)
	}
	got := have.IdentityProvider
	if got.ProviderDetails["client_secret"] != "corp-secret-2" || len(got.IdpIdentifiers) != 0 ||
		got.AttributeMapping["email"] != "mail" || got.AttributeMapping["name"] != "displayName" {
		t.Errorf("after the restart the provider is %+v", got)
	}
}

func TestAClientNamingAnUnknownIdentityProviderIsRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "cupola.yaml", strings.Replace(corpConfig("c", "{}", "[]"), "[COGNITO, CorpIdP]", "[COGNITO, CorpIDP]", 1), 0o644)
	ta := newTestApp(t)
	ta.env = map[string]string{"POOL_SECRET": testSecret, "COOKIE_KEY": testSecret + "cookie", "CORP_SECRET": "s"}
	code, _, stderr := ta.exec(t, "clients", "list", "-config", cfg, "-db", filepath.Join(dir, "c.db"))
	if code != exitFailure || !strings.Contains(stderr, `client web: supported identity provider "CorpIDP" is neither COGNITO nor a provider of the pool`) {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}

func TestAnIdentityProviderWhoseTypeChangedIsRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	ta := newTestApp(t)
	ta.env = map[string]string{"POOL_SECRET": testSecret, "COOKIE_KEY": testSecret + "cookie", "CORP_SECRET": "s"}
	cfg := writeFile(t, dir, "cupola.yaml", corpConfig("c", "{}", "[]"), 0o644)
	if code, _, stderr := ta.exec(t, "idps", "list", "-config", cfg, "-db", db); code != exitOK {
		t.Fatalf("first start: exit %d\n%s", code, stderr)
	}
	writeFile(t, dir, "cupola.yaml", strings.Replace(corpConfig("c", "{}", "[]"), "type: OIDC", "type: SAML", 1), 0o644)
	code, _, stderr := ta.exec(t, "idps", "list", "-config", cfg, "-db", db)
	if code != exitFailure || !strings.Contains(stderr, "is of type OIDC in the pool but SAML in the configuration") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}

// samlIdPMetadata is a SAML IdP's metadata with a signing certificate of
// its own.
func samlIdPMetadata(t *testing.T, ta *testApp) string {
	t.Helper()
	_, certPEM, err := ta.generateSAMLKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode([]byte(certPEM))
	return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>
      <ds:X509Certificate>` + base64.StdEncoding.EncodeToString(b.Bytes) + `</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`
}

func TestIdpsCommandsCreateListDescribeAndDelete(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cupola.db")
	ta := newTestApp(t)
	secretFile := writeFile(t, dir, "corp.secret", "corp-secret\n", 0o600)
	code, out, stderr := ta.exec(t, "idps", "create", "-db", db, "-name", "CorpIdP", "-type", "OIDC",
		"-detail", "client_id=cupola", "-detail", "oidc_issuer=https://idp.example.com", "-detail-file", "client_secret="+secretFile,
		"-mapping", "email=email", "-mapping", "name=displayName", "-identifier", "example.com", "-identifier", "example.org")
	if code != exitOK || !strings.Contains(out, "created identity provider CorpIdP (OIDC)") {
		t.Fatalf("create: exit %d\n%s\n%s", code, out, stderr)
	}
	metadata := writeFile(t, dir, "idp.xml", samlIdPMetadata(t, ta), 0o644)
	code, _, stderr = ta.exec(t, "idps", "create", "-db", db, "-name", "CorpSAML", "-type", "SAML",
		"-detail-file", "MetadataFile="+metadata, "-detail", "RequestSigningAlgorithm=rsa-sha256")
	if code != exitOK {
		t.Fatalf("create SAML: exit %d\n%s", code, stderr)
	}

	code, out, stderr = ta.exec(t, "idps", "list", "-db", db)
	if code != exitOK || len(lines(out, "CorpIdP", "OIDC")) != 1 || len(lines(out, "CorpSAML", "SAML")) != 1 || !strings.HasPrefix(out, "NAME") {
		t.Fatalf("list: exit %d\n%s\n%s", code, out, stderr)
	}
	var listed []idpJSON
	ta.execJSON(t, &listed, "idps", "list", "-db", db, "-o", "json")
	if len(listed) != 2 || listed[0].Name != "CorpIdP" || listed[0].Type != "OIDC" || listed[1].Type != "SAML" || listed[0].Created == nil {
		t.Errorf("list -o json = %+v", listed)
	}
	var described idpDetailJSON
	ta.execJSON(t, &described, "idps", "describe", "-db", db, "-name", "CorpIdP", "-o", "json")
	if described.Name != "CorpIdP" || described.Details["client_secret"] != "(hidden)" || described.Details["client_id"] != "cupola" ||
		described.AttributeMapping["name"] != "displayName" || len(described.Identifiers) != 2 {
		t.Errorf("describe -o json = %+v", described)
	}

	code, out, stderr = ta.exec(t, "idps", "describe", "-db", db, "-name", "CorpIdP")
	if code != exitOK {
		t.Fatalf("describe: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"name:        CorpIdP", "identifiers: example.com,example.org", "  client_secret: (hidden)",
		"  oidc_issuer: https://idp.example.com", "attribute_mapping:\n  email: email\n  name: displayName\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "corp-secret") {
		t.Error("describe shows the secret")
	}
	_, out, _ = ta.exec(t, "idps", "describe", "-db", db, "-name", "CorpSAML")
	if !strings.Contains(out, "  MetadataFile: (") || strings.Contains(out, "EntityDescriptor") {
		t.Errorf("describe prints the metadata XML instead of its size:\n%s", out)
	}

	// sp-metadata: the pool's entity ID, the ACS under the issuer, the
	// development SAML certificate, and signed requests as configured.
	code, xml1, stderr := ta.exec(t, "idps", "sp-metadata", "-db", db, "-name", "CorpSAML")
	if code != exitOK {
		t.Fatalf("sp-metadata: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{`entityID="urn:amazon:cognito:sp:` + devPoolID + `"`, `Location="http://127.0.0.1:8080/saml2/idpresponse"`,
		`AuthnRequestsSigned="true"`, `use="signing"`} {
		if !strings.Contains(xml1, want) {
			t.Errorf("sp-metadata lacks %s:\n%s", want, xml1)
		}
	}
	d, err := readDevSecrets(devSecretsPath(db))
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := pem.Decode([]byte(d.SAMLCertificate))
	if cb == nil || !strings.Contains(xml1, base64.StdEncoding.EncodeToString(cb.Bytes)) {
		t.Error("sp-metadata does not publish the development SAML certificate")
	}
	// Another start uses the same key pair.
	_, xml2, _ := newTestApp(t).exec(t, "idps", "sp-metadata", "-db", db, "-name", "CorpSAML")
	if xml1 != xml2 {
		t.Errorf("a second start published other metadata:\n%s\n%s", xml1, xml2)
	}
	code, _, stderr = ta.exec(t, "idps", "sp-metadata", "-db", db, "-name", "CorpIdP")
	if code != exitFailure || !strings.Contains(stderr, "not SAML") {
		t.Errorf("sp-metadata of an OIDC provider: exit %d\n%s", code, stderr)
	}

	code, out, stderr = ta.exec(t, "idps", "delete", "-db", db, "-name", "CorpIdP")
	if code != exitOK || !strings.Contains(out, "deleted identity provider CorpIdP") {
		t.Fatalf("delete: exit %d\n%s\n%s", code, out, stderr)
	}
	_, out, _ = ta.exec(t, "idps", "list", "-db", db)
	if len(lines(out, "CorpIdP")) != 0 || len(lines(out, "CorpSAML")) != 1 {
		t.Errorf("list after delete:\n%s", out)
	}
	code, _, stderr = ta.exec(t, "idps", "describe", "-db", db, "-name", "CorpIdP")
	if code != exitFailure || !strings.Contains(stderr, "ResourceNotFoundException") {
		t.Errorf("describe of a deleted provider: exit %d\n%s", code, stderr)
	}
}

func TestIdpsCommandsReportFailuresAndUsageErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cupola.db")
	tests := []struct {
		name       string
		args       []string
		want       int
		wantStderr string
	}{
		{"idps without a subcommand is a usage error", []string{"idps"}, exitUsage, "create, list, describe, delete, sp-metadata"},
		{"create without a name is a usage error", []string{"idps", "create", "-db", db, "-type", "OIDC", "-detail", "a=b"}, exitUsage, "-name is required"},
		{"create with an unknown type is a usage error", []string{"idps", "create", "-db", db, "-name", "X1", "-type", "LDAP", "-detail", "a=b"}, exitUsage, "-type must be one of"},
		{"create without details is a usage error", []string{"idps", "create", "-db", db, "-name", "X1", "-type", "OIDC"}, exitUsage, "-detail"},
		{"a detail without = is a usage error", []string{"idps", "create", "-db", db, "-name", "X1", "-type", "OIDC", "-detail", "client_id"}, exitUsage, "want key=value"},
		{"a detail given twice is a usage error", []string{"idps", "create", "-db", db, "-name", "X1", "-type", "OIDC", "-detail", "a=b", "-detail", "a=c"}, exitUsage, "given twice"},
		{"a missing detail file is a failure", []string{"idps", "create", "-db", db, "-name", "X1", "-type", "OIDC", "-detail-file", "client_secret=/nonexistent/x"}, exitFailure, "no such file"},
		{"details the provider refuses are a failure", []string{"idps", "create", "-db", db, "-name", "X1", "-type", "OIDC", "-detail", "client_id=a"}, exitFailure, "InvalidParameterException"},
		{"a social provider named otherwise is a failure", []string{"idps", "create", "-db", db, "-name", "MyGoogle", "-type", "Google", "-detail", "client_id=a", "-detail", "client_secret=b"}, exitFailure, "must be Google"},
		{"describe without a name is a usage error", []string{"idps", "describe", "-db", db}, exitUsage, "-name is required"},
		{"deleting an unknown provider is a failure", []string{"idps", "delete", "-db", db, "-name", "Nobody"}, exitFailure, "ResourceNotFoundException"},
		{"sp-metadata without a name is a usage error", []string{"idps", "sp-metadata", "-db", db}, exitUsage, "urn:amazon:cognito:sp:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta := newTestApp(t)
			code, _, stderr := ta.exec(t, tt.args...)
			if code != tt.want || !strings.Contains(stderr, tt.wantStderr) {
				t.Fatalf("exit %d, want %d; stderr (want %q):\n%s", code, tt.want, tt.wantStderr, stderr)
			}
		})
	}
}

func TestDevModeSAMLKeyIsGeneratedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cupola.db")
	log := slog.New(slog.DiscardHandler)
	src := func() *secretSource {
		return &secretSource{app: newTestApp(t).app, cfg: devConfig("http://localhost:8080"), dbPath: db, log: log}
	}
	key1, cert1, err := src().samlKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if cert1.PublicKeyAlgorithm != x509.RSA || key1.Public().(interface{ Size() int }).Size() != 256 {
		t.Errorf("the development SAML key is not RSA-2048: %v", cert1.PublicKeyAlgorithm)
	}
	if err := cert1.CheckSignature(cert1.SignatureAlgorithm, cert1.RawTBSCertificate, cert1.Signature); err != nil ||
		!bytes.Equal(cert1.RawIssuer, cert1.RawSubject) {
		t.Errorf("the certificate is not self-signed: %v", err)
	}
	_, cert2, err := src().samlKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if !cert1.Equal(cert2) {
		t.Error("a second start generated another SAML key pair")
	}

	// A file written before identity providers existed gets a key pair
	// once, keeping its secrets, and stays private.
	old, err := json.Marshal(map[string][]byte{"pool_secret": []byte(testSecret), "cookie_key": []byte(testSecret + "c")})
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, dir, "cupola.db.secrets", string(old), 0o600)
	var logs bytes.Buffer
	s := src()
	s.log = slog.New(slog.NewTextHandler(&logs, nil))
	_, cert3, err := s.samlKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if cert3.Equal(cert1) {
		t.Fatal("the old file was not read")
	}
	if !strings.Contains(logs.String(), "generated the SAML key pair") {
		t.Errorf("the upgrade was not logged:\n%s", logs.String())
	}
	d, err := readDevSecrets(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(d.PoolSecret) != testSecret || string(d.CookieKey) != testSecret+"c" {
		t.Error("the upgrade lost the secrets the file had")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after the upgrade = %v", fi.Mode().Perm())
	}
	_, cert4, err := src().samlKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if !cert3.Equal(cert4) {
		t.Error("the upgraded file's key pair was not reused")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestConfiguredSAMLKeyPairIsReadAndChecked(t *testing.T) {
	dir := t.TempDir()
	ta := newTestApp(t)
	key1, cert1, err := ta.generateSAMLKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	_, cert2, err := ta.generateSAMLKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "sp.key", key1, 0o600)
	c, err := loadConfig(writeFile(t, dir, "cupola.yaml",
		"dev: true\nfederation: {saml_key: {file: sp.key}, saml_certificate: {env: SP_CERT}}\n", 0o644))
	if err != nil {
		t.Fatal(err)
	}
	src := &secretSource{app: ta.app, cfg: c, dbPath: filepath.Join(dir, "c.db"), log: slog.New(slog.DiscardHandler)}
	ta.env["SP_CERT"] = cert1
	_, cert, err := src.samlKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := pem.Decode([]byte(cert1)); !bytes.Equal(cert.Raw, b.Bytes) {
		t.Error("the configured certificate was not used")
	}
	if found, _ := filepath.Glob(filepath.Join(dir, "*.secrets")); len(found) > 0 {
		t.Error("a configured SAML key pair wrote a development secrets file")
	}
	ta.env["SP_CERT"] = cert2
	if _, _, err := src.samlKeyPair(); err == nil || !strings.Contains(err.Error(), "not saml_key's certificate") {
		t.Errorf("a mismatched certificate: err = %v", err)
	}
	ta.env["SP_CERT"] = "not PEM"
	if _, _, err := src.samlKeyPair(); err == nil || !strings.Contains(err.Error(), "not a PEM certificate") {
		t.Errorf("a bad certificate: err = %v", err)
	}
}
