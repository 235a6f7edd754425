package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

const (
	// secretBytes is the size of generated secrets.
	secretBytes = 32
	// maxSecretFileBytes bounds a secret file.
	maxSecretFileBytes = 64 << 10
	// devSecretsSuffix names the development secrets file beside a SQLite
	// database; with PostgreSQL it is devSecretsFile in the working
	// directory.
	devSecretsSuffix = ".secrets"
	devSecretsFile   = "cupola-dev.secrets"
)

// devSecrets are the secrets development mode generates once and keeps in
// a 0600 file beside the database, so that restarts keep sessions, client
// secrets and signing keys working.
type devSecrets struct {
	PoolSecret []byte `json:"pool_secret"`
	CookieKey  []byte `json:"cookie_key"`
	// SAMLKey (PKCS #8 PEM) and SAMLCertificate (PEM, self-signed) are
	// the SAML service-provider key pair; files written before identity
	// providers existed lack them, and get them at the next start.
	SAMLKey         string `json:"saml_key,omitempty"`
	SAMLCertificate string `json:"saml_certificate,omitempty"`
}

// secretSource resolves the secrets a command needs: from the environment
// variables or files the configuration names, else, in development mode,
// from the development secrets file.
type secretSource struct {
	app    *app
	cfg    *fileConfig
	dbPath string
	log    *slog.Logger
	dev    *devSecrets // loaded on first need
}

// poolSecret returns the pool's Secret.
func (s *secretSource) poolSecret() ([]byte, error) {
	if s.cfg.Pool.Secret.set() {
		return s.app.readSecret(s.cfg.Pool.Secret, "pool.secret", s.log)
	}
	if !s.cfg.Dev {
		return nil, errors.New("pool.secret is not configured")
	}
	d, err := s.devFile()
	if err != nil {
		return nil, err
	}
	return d.PoolSecret, nil
}

// cookieKeys returns the hosted UI's cookie keys, the sealing one first.
func (s *secretSource) cookieKeys() ([][]byte, error) {
	var keys [][]byte
	for i, ref := range s.cfg.HostedUI.CookieKeys {
		k, err := s.app.readSecret(ref, fmt.Sprintf("hosted_ui.cookie_keys[%d]", i), s.log)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if len(keys) > 0 {
		return keys, nil
	}
	if !s.cfg.Dev {
		return nil, errors.New("hosted_ui.cookie_keys is not configured")
	}
	d, err := s.devFile()
	if err != nil {
		return nil, err
	}
	return [][]byte{d.CookieKey}, nil
}

// smtpPassword returns the SMTP password, or "" when none is configured.
func (s *secretSource) smtpPassword() (string, error) {
	if s.cfg.SMTP == nil || !s.cfg.SMTP.Password.set() {
		return "", nil
	}
	b, err := s.app.readSecret(s.cfg.SMTP.Password, "smtp.password", s.log)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func (s *secretSource) devFile() (*devSecrets, error) {
	if s.dev != nil {
		return s.dev, nil
	}
	d, err := s.app.loadDevSecrets(devSecretsPath(s.dbPath), s.log)
	if err != nil {
		return nil, err
	}
	s.dev = d
	return d, nil
}

// readSecret reads the secret ref names, refusing one shorter than
// secretBytes: it keys or seals something of the pool's.
func (a *app) readSecret(ref secretRef, what string, log *slog.Logger) ([]byte, error) {
	v, err := a.readSecretValue(ref, what, log)
	if err != nil {
		return nil, err
	}
	if len(v) < secretBytes {
		return nil, fmt.Errorf("%s: the secret is shorter than %d bytes (generate one with: openssl rand -base64 48)", what, secretBytes)
	}
	return v, nil
}

// readSecretValue reads the value ref names, of any length: a secret
// someone else chose (an identity provider's client secret) or a PEM
// block. A file's trailing line break is not part of the value.
func (a *app) readSecretValue(ref secretRef, what string, log *slog.Logger) ([]byte, error) {
	switch {
	case ref.Env != "":
		s, ok := a.lookupEnv(ref.Env)
		if !ok || s == "" {
			return nil, fmt.Errorf("%s: environment variable %s is not set", what, ref.Env)
		}
		return []byte(s), nil
	case ref.File != "":
		b, err := readSmallFile(ref.File, maxSecretFileBytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if fi, err := os.Stat(ref.File); err == nil && fi.Mode().Perm()&0o077 != 0 {
			log.Warn("secret file is readable by other users; chmod 600 it", "what", what, "file", ref.File, "mode", fi.Mode().Perm().String())
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return nil, fmt.Errorf("%s: %s is empty", what, ref.File)
		}
		return []byte(v), nil
	}
	return nil, fmt.Errorf("%s: give env or file", what)
}

// devSecretsPath is where development mode keeps its secrets: beside a
// SQLite database, or in the working directory for PostgreSQL.
func devSecretsPath(db string) string {
	if isPostgresDSN(db) {
		return devSecretsFile
	}
	return db + devSecretsSuffix
}

// loadDevSecrets reads the development secrets file at path, creating it
// with new random secrets (mode 0600) when it does not exist. Creation is
// atomic: a file is written under a temporary name and linked into place,
// so two processes starting at once agree on one set of secrets.
func (a *app) loadDevSecrets(path string, log *slog.Logger) (*devSecrets, error) {
	d, err := readDevSecrets(path)
	if err == nil {
		return d, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	d = &devSecrets{PoolSecret: make([]byte, secretBytes), CookieKey: make([]byte, secretBytes)}
	if _, err := io.ReadFull(a.random, d.PoolSecret); err != nil {
		return nil, fmt.Errorf("generate development secrets: %w", err)
	}
	if _, err := io.ReadFull(a.random, d.CookieKey); err != nil {
		return nil, fmt.Errorf("generate development secrets: %w", err)
	}
	if d.SAMLKey, d.SAMLCertificate, err = a.generateSAMLKeyPair(); err != nil {
		return nil, fmt.Errorf("generate development secrets: %w", err)
	}
	tmp, err := writeDevSecretsTemp(path, d)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readDevSecrets(path)
		}
		return nil, fmt.Errorf("write development secrets %s: %w", path, err)
	}
	a.createdDevSecrets = path
	log.Warn("development mode: generated the pool secret, cookie key and SAML key pair; keep this file private, and configure real secrets in production",
		"file", path)
	return d, nil
}

// addDevSAMLKey gives a development secrets file written before identity
// providers existed a SAML key pair, keeping its other secrets. The file is
// replaced atomically and read back, so the caller uses what the file
// holds. Two processes upgrading the same file at the same instant may
// briefly use different key pairs; the file keeps one, which every later
// start uses.
func (a *app) addDevSAMLKey(path string, d *devSecrets, log *slog.Logger) (*devSecrets, error) {
	up := *d
	var err error
	if up.SAMLKey, up.SAMLCertificate, err = a.generateSAMLKeyPair(); err != nil {
		return nil, fmt.Errorf("generate development SAML key: %w", err)
	}
	tmp, err := writeDevSecretsTemp(path, &up)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	if now, err := readDevSecrets(path); err == nil && now.SAMLKey != "" {
		return now, nil // another process was first
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("write development secrets: %w", err)
	}
	log.Warn("development mode: generated the SAML key pair into the development secrets file", "file", path)
	return readDevSecrets(path)
}

// writeDevSecretsTemp writes d to a new 0600 file beside path and returns
// its name; the caller links or renames it into place and removes it.
func writeDevSecretsTemp(path string, d *devSecrets) (string, error) {
	// Errors name the file the user's -db asked for, not the temporary
	// file beside it that they never named.
	failed := func(err error) error {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("write development secrets %s: %w", path, err)
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return "", failed(err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return "", failed(err)
	}
	fail := func(err error) (string, error) {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", failed(err)
	}
	// CreateTemp already uses 0600; Chmod makes that explicit whatever
	// the platform.
	if err := tmp.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", failed(err)
	}
	return tmp.Name(), nil
}

// readDevSecrets reads an existing development secrets file, refusing one
// other users can read.
func readDevSecrets(path string) (*devSecrets, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("development secrets file %s is readable by other users (mode %s); run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	b, err := readSmallFile(path, maxSecretFileBytes)
	if err != nil {
		return nil, err
	}
	var d devSecrets
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("development secrets file %s: %w", path, err)
	}
	if len(d.PoolSecret) < secretBytes || len(d.CookieKey) < secretBytes {
		return nil, fmt.Errorf("development secrets file %s: secrets shorter than %d bytes", path, secretBytes)
	}
	return &d, nil
}

// readSmallFile reads a file of at most limit bytes.
func readSmallFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return b, nil
}
