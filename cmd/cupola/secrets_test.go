package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestDevSecretsFileIsCreatedPrivateAndReused(t *testing.T) {
	dir := t.TempDir()
	path := devSecretsPath(filepath.Join(dir, "cupola.db"))
	if path != filepath.Join(dir, "cupola.db.secrets") {
		t.Fatalf("path = %q, want it beside the database", path)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ta := newTestApp(t)
	first, err := ta.loadDevSecrets(path, log)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	if !strings.Contains(logs.String(), "generated the pool secret") || !strings.Contains(logs.String(), path) {
		t.Errorf("the log does not say the secrets were generated and where:\n%s", logs.String())
	}
	if len(first.PoolSecret) != secretBytes || len(first.CookieKey) != secretBytes || bytes.Equal(first.PoolSecret, first.CookieKey) {
		t.Errorf("secrets = %x / %x", first.PoolSecret, first.CookieKey)
	}
	if strings.Contains(logs.String(), string(first.PoolSecret)) {
		t.Error("the log holds the secret")
	}

	logs.Reset()
	second, err := newTestApp(t).loadDevSecrets(path, log)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.PoolSecret, second.PoolSecret) || !bytes.Equal(first.CookieKey, second.CookieKey) {
		t.Error("a second start generated new secrets instead of reusing the file")
	}
	if strings.Contains(logs.String(), "generated") {
		t.Errorf("a reused file is reported as generated:\n%s", logs.String())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestDevSecretsFileReadableByOthersIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cupola.db.secrets")
	ta := newTestApp(t)
	if _, err := ta.loadDevSecrets(path, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ta.loadDevSecrets(path, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("err = %v, want a refusal telling to chmod 600", err)
	}
}

func TestDevSecretsFileCreatedConcurrentlyIsOneSet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cupola.db.secrets")
	const n = 8
	got := make([]*devSecrets, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = newTestApp(t).loadDevSecrets(path, slog.New(slog.DiscardHandler)) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("start %d: %v", i, errs[i])
		}
		if !bytes.Equal(got[i].PoolSecret, got[0].PoolSecret) {
			t.Fatalf("start %d got another pool secret than start 0", i)
		}
	}
}

func TestDevSecretsFileForPostgresIsInTheWorkingDirectory(t *testing.T) {
	if p := devSecretsPath("postgres://u:p@db.example.com/cupola"); p != devSecretsFile {
		t.Errorf("path = %q, want %q", p, devSecretsFile)
	}
}

func TestSecretFileReadableByOthersIsWarnedAbout(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "secret", testSecret+"\r\n", 0o644)
	var logs bytes.Buffer
	b, err := newTestApp(t).readSecret(secretRef{File: p}, "pool.secret", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != testSecret {
		t.Errorf("secret = %q, want the file without its line break", b)
	}
	if !strings.Contains(logs.String(), "readable by other users") {
		t.Errorf("no warning about the file mode:\n%s", logs.String())
	}
}
