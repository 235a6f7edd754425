package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// server is a serve command running in a goroutine.
type server struct {
	base   string // http://127.0.0.1:port
	cancel context.CancelFunc
	done   chan struct{} // closed when serve has returned
	code   int           // its exit status, once done
}

// startServe runs "cupola serve" with args on 127.0.0.1:0 and waits until
// it listens.
func startServe(t *testing.T, ta *testApp, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	ta.onListen = func(a net.Addr) { addrc <- a }
	s := &server{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.code = ta.run(ctx, append([]string{"serve", "-addr", "127.0.0.1:0"}, args...))
	}()
	select {
	case a := <-addrc:
		s.base = "http://" + a.String()
	case <-s.done:
		cancel()
		t.Fatalf("serve exited with %d before listening; stderr:\n%s", s.code, ta.stderr.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("serve did not listen; stderr:\n%s", ta.stderr.String())
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
		}
	})
	return s
}

// stop cancels the server's context and returns its exit status.
func (s *server) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	select {
	case <-s.done:
		return s.code
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
		return -1
	}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestServeInDevelopmentModeAnswersAndShutsDownCleanly(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cupola.db")
	ta := newTestApp(t)
	s := startServe(t, ta, "-db", db)

	resp, body := get(t, nil, s.base+"/healthz")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"ok"`) {
		t.Fatalf("healthz = %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, nil, s.base+"/.well-known/openid-configuration")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("discovery = %d %s", resp.StatusCode, body)
	}
	var disc struct {
		Issuer                string `json:"issuer"`
		AuthorizationEndpoint string `json:"authorization_endpoint"`
		JWKSURI               string `json:"jwks_uri"`
	}
	if err := json.Unmarshal([]byte(body), &disc); err != nil {
		t.Fatal(err)
	}
	if disc.Issuer != s.base {
		t.Errorf("issuer = %q, want the listening address %q", disc.Issuer, s.base)
	}
	if resp, body := get(t, nil, disc.JWKSURI); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"keys"`) {
		t.Errorf("jwks = %d %s", resp.StatusCode, body)
	}

	out := ta.stdout.String()
	for _, want := range []string{"Client ID:      " + devClientID, s.base + "/.well-known/openid-configuration", "code_verifier:"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	// The printed authorize URL is accepted: the browser is sent to the
	// login page, not back with an error.
	authz := lines(out, s.base+"/oauth2/authorize?")
	if len(authz) != 1 {
		t.Fatalf("stdout has %d authorize URLs:\n%s", len(authz), out)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, body = get(t, noFollow, strings.TrimSpace(authz[0]))
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != s.base+"/login" {
		t.Errorf("authorize = %d, Location %q, want a redirect to the login page; body %s", resp.StatusCode, loc, body)
	}
	// The printed verifier matches the printed challenge.
	u, _ := url.Parse(strings.TrimSpace(authz[0]))
	verifier := strings.TrimSpace(strings.TrimPrefix(lines(out, "code_verifier:")[0], "  PKCE code_verifier:"))
	if u.Query().Get("code_challenge") != s256(verifier) {
		t.Errorf("challenge %q is not S256 of verifier %q", u.Query().Get("code_challenge"), verifier)
	}

	if code := s.stop(t); code != exitOK {
		t.Fatalf("exit = %d; stderr:\n%s", code, ta.stderr.String())
	}
	if !strings.Contains(ta.stderr.String(), "msg=stopped") {
		t.Errorf("no clean stop in the log:\n%s", ta.stderr.String())
	}
	if _, err := http.Get(s.base + "/healthz"); err == nil {
		t.Error("the server still answers after shutdown")
	}

	// A restart reuses the secrets: the sealed signing key still opens.
	ta2 := newTestApp(t)
	s2 := startServe(t, ta2, "-db", db)
	if resp, _ := get(t, nil, s2.base+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz after restart = %d", resp.StatusCode)
	}
	if strings.Contains(ta2.stderr.String(), "generated the pool secret") {
		t.Error("the restart generated new secrets")
	}
	if code := s2.stop(t); code != exitOK {
		t.Fatalf("exit after restart = %d; stderr:\n%s", code, ta2.stderr.String())
	}
}

func TestServeWithAConfigMountsTheHostedUIUnderTheIssuerPath(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "cupola.yaml", `
pool:
  id: test_pool
  name: Test
  issuer: http://localhost:9/auth
  secret: {env: POOL_SECRET}
clients:
  - client_id: web
    callback_urls: [https://app.example.com/cb]
    allowed_oauth_flows: [code]
    allowed_oauth_scopes: [openid, api.example.com/read]
resource_servers:
  - identifier: api.example.com
    name: API
    scopes: [{name: read}]
hosted_ui:
  cookie_keys: [{env: COOKIE_KEY}]
`, 0o644)
	ta := newTestApp(t)
	ta.env = map[string]string{"POOL_SECRET": testSecret, "COOKIE_KEY": testSecret + "cookie"}
	db := filepath.Join(dir, "c.db")
	s := startServe(t, ta, "-config", cfg, "-db", db)
	resp, body := get(t, nil, s.base+"/auth/.well-known/openid-configuration")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"issuer":"http://localhost:9/auth"`) {
		t.Fatalf("discovery = %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, nil, s.base+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("healthz = %d", resp.StatusCode)
	}
	if strings.Contains(ta.stdout.String(), "/oauth2/authorize?") {
		t.Error("a configured pool printed the development authorize URL")
	}
	if found, _ := filepath.Glob(filepath.Join(dir, "*.secrets")); len(found) > 0 {
		t.Error("a configured pool wrote a development secrets file")
	}
	if code := s.stop(t); code != exitOK {
		t.Fatalf("exit = %d; stderr:\n%s", code, ta.stderr.String())
	}

	// The configured client and resource server exist, and the client is
	// listed by the admin command on the same configuration.
	code, out, stderr := ta.exec(t, "clients", "list", "-config", cfg, "-db", db)
	if code != exitOK || len(lines(out, "web", "api.example.com/read", "https://app.example.com/cb")) != 1 {
		t.Fatalf("clients list: exit %d\n%s\n%s", code, out, stderr)
	}
}

func TestServeRefusesBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"an unknown flag is a usage error", []string{"serve", "-port", "80"}, exitUsage},
		{"a stray argument is a usage error", []string{"serve", "now"}, exitUsage},
		{"an unknown log level is a usage error", []string{"serve", "-log-level", "loud"}, exitUsage},
		{"an address that cannot be listened on is a failure", []string{"serve", "-addr", "256.0.0.1:1"}, exitFailure},
		{"help is not an error", []string{"serve", "-h"}, exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta := newTestApp(t)
			if code, _, stderr := ta.exec(t, append(tt.args, "-db", filepath.Join(t.TempDir(), "c.db"))...); code != tt.want {
				t.Fatalf("exit = %d, want %d; stderr:\n%s", code, tt.want, stderr)
			}
		})
	}
}

func TestServeCleansUpAtStart(t *testing.T) {
	ta := newTestApp(t)
	s := startServe(t, ta, "-db", filepath.Join(t.TempDir(), "cupola.db"), "-log-level", "debug")
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(ta.stderr.String(), "msg=cleanup removed=0") {
		if time.Now().After(deadline) {
			t.Fatalf("no cleanup run in the log:\n%s", ta.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code := s.stop(t); code != exitOK {
		t.Fatalf("exit = %d; stderr:\n%s", code, ta.stderr.String())
	}
	if strings.Contains(ta.stderr.String(), "level=ERROR") {
		t.Errorf("errors in the log:\n%s", ta.stderr.String())
	}
}

// failingCleanup is a store whose Cleanup always fails.
type failingCleanup struct{ store.Store }

func (failingCleanup) Cleanup(context.Context, string, store.CleanupParams) (int, error) {
	return 0, errors.New("disk on fire")
}

func TestACleanupRunIsBoundedAndLogged(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2031, time.March, 14, 15, 0, 0, 0, time.UTC)
	newPool := func(t *testing.T, st store.Store) *userpool.UserPool {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			t.Fatal(err)
		}
		p, err := userpool.New(ctx, userpool.Config{ID: "p", Issuer: "https://auth.example.test/p", Secret: secret,
			Clock: func() time.Time { return now }}, st)
		if err != nil {
			t.Fatalf("userpool.New: %v", err)
		}
		return p
	}
	st := memory.New()
	pool := newPool(t, st)
	for i := range 10 {
		lock := store.LockoutPolicy{Threshold: 5, Base: time.Second, Max: time.Second, ResetAfter: time.Minute}
		if _, err := st.BeginAttempt(ctx, "p", fmt.Sprintf("unknown:%d", i), now.Add(-24*time.Hour), lock); err != nil {
			t.Fatal(err)
		}
	}
	a := newApp(io.Discard, io.Discard)
	a.cleanup.batch, a.cleanup.batches = 2, 3
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, want := range []string{
		"level=INFO msg=cleanup removed=6", // three batches of two: the run stops there
		"level=INFO msg=cleanup removed=4",
		"level=DEBUG msg=cleanup removed=0",
	} {
		logs.Reset()
		a.cleanupRun(ctx, pool, st, log)
		if !strings.Contains(logs.String(), want) {
			t.Fatalf("run logged %q, want %q", logs.String(), want)
		}
	}

	logs.Reset()
	failing := failingCleanup{memory.New()}
	a.cleanupRun(ctx, newPool(t, failing), failing, log)
	if !strings.Contains(logs.String(), "level=ERROR msg=cleanup removed=0") || !strings.Contains(logs.String(), "disk on fire") {
		t.Fatalf("a failing run logged %q, want the error", logs.String())
	}

	// On a shared store, a run whose lock another instance holds does
	// nothing; one that gets it runs and gives the lock back.
	for i := range 3 {
		if _, err := st.BeginAttempt(ctx, "p", fmt.Sprintf("again:%d", i), now.Add(-24*time.Hour),
			store.LockoutPolicy{Threshold: 5, Base: time.Second, Max: time.Second, ResetAfter: time.Minute}); err != nil {
			t.Fatal(err)
		}
	}
	shared := &exclusiveStore{Store: st, held: true}
	logs.Reset()
	a.cleanupRun(ctx, pool, shared, log)
	if !strings.Contains(logs.String(), "another instance is running it") || strings.Contains(logs.String(), "removed=") {
		t.Fatalf("a run without the lock logged %q", logs.String())
	}
	shared.held = false
	logs.Reset()
	a.cleanupRun(ctx, pool, shared, log)
	if !strings.Contains(logs.String(), "removed=3") || shared.name != "cleanup:p" || shared.held {
		t.Fatalf("a run with the lock logged %q; lock %q held=%v", logs.String(), shared.name, shared.held)
	}
}

// exclusiveStore is a store shared by instances, for cleanupRun: held
// says whether another instance holds the lock.
type exclusiveStore struct {
	store.Store
	held bool
	name string
}

func (s *exclusiveStore) TryExclusive(_ context.Context, name string) (func(), bool, error) {
	if s.held {
		return nil, false, nil
	}
	s.held, s.name = true, name
	return func() { s.held = false }, true, nil
}

func TestCleanupIntervalsAreJittered(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 200 {
		d := jittered(10*time.Minute, rand.Reader)
		if d < 9*time.Minute || d > 11*time.Minute {
			t.Fatalf("jittered(10m) = %v, outside ±10%%", d)
		}
		seen[d] = true
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct waits in 200", len(seen))
	}
	if d := jittered(time.Minute, strings.NewReader("")); d != time.Minute {
		t.Errorf("with a failing source: %v", d)
	}
}
