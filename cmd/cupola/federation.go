package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"time"
)

// devSAMLCertificateValidity is how long a generated development SAML
// certificate is valid. SAML IdPs pin the certificate from the SP
// metadata, so it should outlive the development database.
const devSAMLCertificateValidity = 10 * 365 * 24 * time.Hour

// samlKeyPair returns the pool's SAML service-provider key and
// certificate: from federation.saml_key and saml_certificate, else, in
// development mode, from the development secrets file (generated once),
// else none.
func (s *secretSource) samlKeyPair() (crypto.Signer, *x509.Certificate, error) {
	f := s.cfg.Federation
	if f.SAMLKey.set() {
		keyPEM, err := s.app.readSecretValue(f.SAMLKey, "federation.saml_key", s.log)
		if err != nil {
			return nil, nil, err
		}
		certPEM, err := s.app.readSecretValue(f.SAMLCertificate, "federation.saml_certificate", s.log)
		if err != nil {
			return nil, nil, err
		}
		key, cert, err := parseSAMLKeyPair(keyPEM, certPEM)
		if err != nil {
			return nil, nil, fmt.Errorf("federation: %w", err)
		}
		return key, cert, nil
	}
	if !s.cfg.Dev {
		return nil, nil, nil
	}
	d, err := s.devFile()
	if err != nil {
		return nil, nil, err
	}
	if d.SAMLKey == "" {
		if d, err = s.app.addDevSAMLKey(devSecretsPath(s.dbPath), d, s.log); err != nil {
			return nil, nil, err
		}
		s.dev = d
	}
	key, cert, err := parseSAMLKeyPair([]byte(d.SAMLKey), []byte(d.SAMLCertificate))
	if err != nil {
		return nil, nil, fmt.Errorf("development secrets file %s: %w", devSecretsPath(s.dbPath), err)
	}
	return key, cert, nil
}

// providerDetails returns a configured provider's ProviderDetails: the
// plain details with the secret ones read in.
func (s *secretSource) providerDetails(p identityProviderConfig) (map[string]string, error) {
	details := maps.Clone(p.Details)
	if details == nil {
		details = map[string]string{}
	}
	for k, ref := range p.SecretDetails {
		v, err := s.app.readSecretValue(ref, "identity provider "+p.Name+" secret_details."+k, s.log)
		if err != nil {
			return nil, err
		}
		details[k] = string(v)
	}
	return details, nil
}

// generateSAMLKeyPair makes an RSA-2048 key (PKCS #8 PEM) and a
// self-signed certificate for it (PEM), for development mode.
func (a *app) generateSAMLKeyPair() (keyPEM, certPEM string, err error) {
	key, err := rsa.GenerateKey(a.random, 2048)
	if err != nil {
		return "", "", fmt.Errorf("generate SAML key: %w", err)
	}
	serial := make([]byte, 16)
	if _, err := io.ReadFull(a.random, serial); err != nil {
		return "", "", fmt.Errorf("generate SAML certificate: %w", err)
	}
	now := a.now()
	tmpl := &x509.Certificate{
		SerialNumber:          new(big.Int).SetBytes(serial),
		Subject:               pkix.Name{CommonName: "Cupola development SAML service provider"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(devSAMLCertificateValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(a.random, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", fmt.Errorf("generate SAML certificate: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", fmt.Errorf("generate SAML key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})),
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), nil
}

// parseSAMLKeyPair reads a PEM private key (PKCS #8, PKCS #1 RSA or SEC 1
// EC) and the PEM certificate that goes with it.
func parseSAMLKeyPair(keyPEM, certPEM []byte) (crypto.Signer, *x509.Certificate, error) {
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, nil, errors.New("saml_key is not a PEM private key")
	}
	var (
		parsed any
		err    error
	)
	switch kb.Type {
	case "PRIVATE KEY":
		parsed, err = x509.ParsePKCS8PrivateKey(kb.Bytes)
	case "RSA PRIVATE KEY":
		parsed, err = x509.ParsePKCS1PrivateKey(kb.Bytes)
	case "EC PRIVATE KEY":
		parsed, err = x509.ParseECPrivateKey(kb.Bytes)
	default:
		return nil, nil, fmt.Errorf("saml_key: PEM block %q is not a private key", kb.Type)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("saml_key: %w", err)
	}
	var key crypto.Signer
	switch k := parsed.(type) {
	case *rsa.PrivateKey:
		key = k
	case *ecdsa.PrivateKey:
		key = k
	default:
		return nil, nil, fmt.Errorf("saml_key: a %T is neither RSA nor ECDSA", parsed)
	}
	cb, _ := pem.Decode(certPEM)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, nil, errors.New("saml_certificate is not a PEM certificate")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("saml_certificate: %w", err)
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if pub, ok := key.Public().(equaler); !ok || !pub.Equal(cert.PublicKey) {
		return nil, nil, errors.New("saml_certificate is not saml_key's certificate")
	}
	return key, cert, nil
}
