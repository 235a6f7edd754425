package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// unplugged is a store that can be taken away: every read fails while down.
type unplugged struct {
	store.Store
	down atomic.Bool
}

func (u *unplugged) GetSetting(ctx context.Context, pool, kind, scope string) (store.Setting, error) {
	if u.down.Load() {
		return store.Setting{}, errors.New("connection refused")
	}
	return u.Store.GetSetting(ctx, pool, kind, scope)
}

func TestReadyzFollowsTheStore(t *testing.T) {
	secret := make([]byte, 32)
	rand.Read(secret)
	st := &unplugged{Store: memory.New()}
	pool, err := userpool.New(t.Context(), userpool.Config{ID: "p", Issuer: "https://auth.example.test/p", Secret: secret}, st)
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(io.Discard, io.Discard)
	h := a.readyz(&instance{pool: pool, log: slog.New(slog.DiscardHandler)})
	probe := func() int {
		rec := httptest.NewRecorder()
		h(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return rec.Code
	}
	if got := probe(); got != http.StatusOK {
		t.Fatalf("ready store: %d", got)
	}
	st.down.Store(true)
	if got := probe(); got != http.StatusServiceUnavailable {
		t.Fatalf("store gone: %d, want 503", got)
	}
	st.down.Store(false)
	if got := probe(); got != http.StatusOK {
		t.Fatalf("store back: %d, want 200", got)
	}
}

func TestLogFormat(t *testing.T) {
	ta := newTestApp(t)
	if code, _, stderr := ta.exec(t, "keys", "rotate", "-log-format", "yaml", "-db", t.TempDir()+"/c.db"); code != exitUsage || !strings.Contains(stderr, "-log-format") {
		t.Fatalf("a bad -log-format: exit %d\n%s", code, stderr)
	}
	ta = newTestApp(t)
	s := startServe(t, ta, "-log-format", "json", "-db", t.TempDir()+"/c.db")
	if code := s.stop(t); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(ta.stderr.String()), "\n")
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["msg"] == nil || rec["level"] == nil || rec["time"] == nil {
			t.Fatalf("a log line that is no JSON record: %q (%v)", l, err)
		}
	}
}

// A failed start leaves no development secrets behind, and its error names
// the files the user asked for.
func TestAFailedStartLeavesNoSecretsBehind(t *testing.T) {
	dir := t.TempDir()
	// The database path is a directory: the store cannot open, after the
	// secrets were generated.
	db := filepath.Join(dir, "db-is-a-dir")
	if err := os.Mkdir(db, 0o755); err != nil {
		t.Fatal(err)
	}
	ta := newTestApp(t)
	if code, _, stderr := ta.exec(t, "serve", "-addr", "127.0.0.1:0", "-db", db); code == exitOK {
		t.Fatalf("serve on a directory started:\n%s", stderr)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*secrets*")); len(left) > 0 {
		t.Fatalf("a failed start left %v", left)
	}
	// The secrets cannot be written (the database's directory is a file):
	// the error names the path asked for, never a temporary file.
	file := filepath.Join(dir, "plain-file")
	os.WriteFile(file, nil, 0o644)
	code, _, stderr := ta.exec(t, "serve", "-addr", "127.0.0.1:0", "-db", filepath.Join(file, "c.db"))
	if code == exitOK || !strings.Contains(stderr, filepath.Join(file, "c.db")) || strings.Contains(stderr, ".tmp") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}
