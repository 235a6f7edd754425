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

// readSecret reads the secret ref names. A file's trailing line break is
// not part of the secret.
func (a *app) readSecret(ref secretRef, what string, log *slog.Logger) ([]byte, error) {
	var v []byte
	switch {
	case ref.Env != "":
		s, ok := a.lookupEnv(ref.Env)
		if !ok || s == "" {
			return nil, fmt.Errorf("%s: environment variable %s is not set", what, ref.Env)
		}
		v = []byte(s)
	case ref.File != "":
		b, err := readSmallFile(ref.File, maxSecretFileBytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if fi, err := os.Stat(ref.File); err == nil && fi.Mode().Perm()&0o077 != 0 {
			log.Warn("secret file is readable by other users; chmod 600 it", "what", what, "file", ref.File, "mode", fi.Mode().Perm().String())
		}
		v = []byte(strings.TrimRight(string(b), "\r\n"))
	default:
		return nil, fmt.Errorf("%s: give env or file", what)
	}
	if len(v) < secretBytes {
		return nil, fmt.Errorf("%s: the secret is shorter than %d bytes (generate one with: openssl rand -base64 48)", what, secretBytes)
	}
	return v, nil
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
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("generate development secrets: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("write development secrets: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp already uses 0600; Chmod makes that explicit whatever
	// the platform.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write development secrets: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write development secrets: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write development secrets: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("write development secrets: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readDevSecrets(path)
		}
		return nil, fmt.Errorf("write development secrets: %w", err)
	}
	log.Warn("development mode: generated the pool secret and cookie key; keep this file private, and configure real secrets in production",
		"file", path)
	return d, nil
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
