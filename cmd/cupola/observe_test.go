package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// collector is an OTLP/HTTP trace receiver: it keeps the span names it
// is sent, by trace.
type collector struct {
	mu    sync.Mutex
	spans map[string][]string // trace ID (hex) → span names
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	var req collectortrace.ExportTraceServiceRequest
	if err != nil || proto.Unmarshal(b, &req) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				id := string(s.TraceId)
				c.spans[id] = append(c.spans[id], s.Name)
			}
		}
	}
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	w.Write(out)
}

// TestServeObservesASignIn signs a user in through the hosted UI after a
// wrong password, with JSON logs, metrics and tracing on, and checks
// what an operator sees: the counters moved, the audit records parse
// as JSON with the request ID, address and reason and no secret, and
// the request's trace holds the pool's and the store's spans.
func TestServeObservesASignIn(t *testing.T) {
	col := &collector{spans: map[string][]string{}}
	otlp := httptest.NewServer(col)
	defer otlp.Close()
	dir := t.TempDir()
	cfg := writeFile(t, dir, "cupola.yaml", `
pool:
  id: obs_pool
  issuer: http://localhost:9
  secret: {env: POOL_SECRET}
clients:
  - client_id: web
    callback_urls: [https://app.example.com/cb]
    allowed_oauth_flows: [code]
    allowed_oauth_scopes: [openid]
hosted_ui:
  cookie_keys: [{env: COOKIE_KEY}]
metrics:
  addr: 127.0.0.1:0
tracing:
  otlp_endpoint: `+otlp.URL+`/v1/traces
`, 0o644)
	db := filepath.Join(dir, "c.db")
	env := map[string]string{"POOL_SECRET": testSecret, "COOKIE_KEY": testSecret + "cookie"}
	const temp, good = "Temp-Passw0rd!-long-enough-1", "New-Passw0rd!-long-enough-2"
	cli := newTestApp(t)
	cli.env = env
	if code, _, stderr := cli.exec(t, "users", "create", "-config", cfg, "-db", db, "-username", "olga",
		"-email", "olga@example.com", "-temporary-password", temp, "-suppress"); code != exitOK {
		t.Fatalf("users create = %d: %s", code, stderr)
	}
	ta := newTestApp(t)
	ta.env = env
	s := startServe(t, ta, "-config", cfg, "-db", db, "-log-format", "json")
	var metricsBase string
	for _, line := range strings.Split(ta.stderr.String(), "\n") {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "metrics" {
			metricsBase = "http://" + rec.Addr
		}
	}
	if metricsBase == "" {
		t.Fatalf("no metrics listener in the log:\n%s", ta.stderr.String())
	}

	// The hosted UI's issuer is localhost:9; the browser talks to s.base.
	at := func(p string) string { return s.base + p }
	b := newBrowser(t)
	q := url.Values{"response_type": {"code"}, "client_id": {"web"}, "redirect_uri": {"https://app.example.com/cb"},
		"scope": {"openid"}, "state": {"s1"}, "code_challenge": {s256(strings.Repeat("v", 43))}, "code_challenge_method": {"S256"}}
	b.do(http.MethodGet, at("/oauth2/authorize?"+q.Encode()), nil)
	_, page := b.do(http.MethodGet, at("/login"), nil)
	resp, body := b.do(http.MethodPost, at("/login"), url.Values{"_csrf": {csrfOf(t, page)}, "username": {"olga"}, "password": {"Wrong-Passw0rd!-guess"}})
	failedID := resp.Header.Get("X-Request-Id")
	if redirected(resp) || failedID == "" {
		t.Fatalf("a wrong password = %d, X-Request-Id %q: %s", resp.StatusCode, failedID, body)
	}
	_, page = b.do(http.MethodGet, at("/login"), nil)
	resp, _ = b.do(http.MethodPost, at("/login"), url.Values{"_csrf": {csrfOf(t, page)}, "username": {"olga"}, "password": {temp}})
	if loc := resp.Header.Get("Location"); strings.HasSuffix(loc, "/newPassword") {
		_, page := b.do(http.MethodGet, at("/newPassword"), nil)
		resp, _ = b.do(http.MethodPost, at("/newPassword"), url.Values{"_csrf": {csrfOf(t, page)}, "password": {good}})
	}
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "https://app.example.com/cb?") {
		t.Fatalf("sign-in ended at %d %q", resp.StatusCode, loc)
	}

	// Metrics: the failure and the success, the hash queue, the store.
	fams := scrape(t, metricsBase)
	if got := sample(fams, "cupola_signins_total", map[string]string{"result": "failure", "reason": "bad_credentials"}); got < 1 {
		t.Errorf("failed sign-ins = %v, want ≥ 1", got)
	}
	if got := sample(fams, "cupola_signins_total", map[string]string{"result": "success"}); got < 1 {
		t.Errorf("successful sign-ins = %v, want ≥ 1", got)
	}
	if got := sample(fams, "cupola_password_hash_wait_seconds", nil); got < 2 {
		t.Errorf("hash waits observed = %v, want ≥ 2", got)
	}
	if got := sample(fams, "cupola_store_duration_seconds", nil); got < 1 {
		t.Errorf("store calls timed = %v, want ≥ 1", got)
	}
	if got := sample(fams, "cupola_http_requests_total", map[string]string{"route": "/login", "method": "POST"}); got < 2 {
		t.Errorf("POST /login requests = %v, want ≥ 2", got)
	}

	// The audit log: JSON records, the failure with its request ID,
	// address and reason; no password anywhere in the log.
	logs := ta.stderr.String()
	for _, secret := range []string{temp, good, "Wrong-Passw0rd!-guess", testSecret} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds a secret %q", secret)
		}
	}
	var failure, success bool
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %q", sc.Text())
		}
		if rec["msg"] != "audit" || rec["event"] != "sign_in" {
			continue
		}
		switch rec["outcome"] {
		case "failure":
			failure = rec["reason"] == "bad_credentials" && rec["request_id"] == failedID && rec["ip"] == "127.0.0.1" &&
				rec["username"] == "olga" && rec["pool"] == "obs_pool"
		case "success":
			success = true
		}
	}
	if !failure || !success {
		t.Errorf("audit records: failure with request ID %s found %v, success found %v; log:\n%s", failedID, failure, success, logs)
	}

	// Traces: the spans are flushed at shutdown; a POST /login trace
	// holds the pool's operation and store calls.
	if code := s.stop(t); code != exitOK {
		t.Fatalf("exit = %d", code)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		col.mu.Lock()
		var found bool
		for _, names := range col.spans {
			var http, pool, st bool
			for _, n := range names {
				http = http || n == "POST /login"
				pool = pool || strings.HasPrefix(n, "userpool.")
				st = st || strings.HasPrefix(n, "store.")
			}
			found = found || http && pool && st
		}
		col.mu.Unlock()
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no trace with POST /login, a pool span and a store span: %v", col.spans)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestAdminCommandsAreAuditedWithTheirActor: a CLI command that changes a
// user leaves an audit record naming the operating-system user.
func TestAdminCommandsAreAuditedWithTheirActor(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.db")
	ta := newTestApp(t)
	if code, _, stderr := ta.exec(t, "users", "create", "-db", db, "-username", "pat", "-email", "pat@example.com",
		"-temporary-password", "Temp-Passw0rd!-long-enough-1", "-suppress"); code != exitOK {
		t.Fatalf("users create = %d: %s", code, stderr)
	}
	ta = newTestApp(t)
	if code, _, stderr := ta.exec(t, "users", "disable", "-db", db, "-log-format", "json", "-username", "pat"); code != exitOK {
		t.Fatalf("users disable = %d: %s", code, stderr)
	}
	want := ta.cliActor()
	sc := bufio.NewScanner(strings.NewReader(ta.stderr.String()))
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == "audit" && rec["operation"] == "AdminDisableUser" {
			if rec["actor"] != want || rec["username"] != "pat" || rec["outcome"] != "success" {
				t.Errorf("audit record %v, want actor %q", rec, want)
			}
			return
		}
	}
	t.Fatalf("no audit record of AdminDisableUser:\n%s", ta.stderr.String())
}

// TestAuditRecordsSurviveAQuietLog: -log-level error silences the
// operational log, not the audit trail.
func TestAuditRecordsSurviveAQuietLog(t *testing.T) {
	db := filepath.Join(t.TempDir(), "q.db")
	ta := newTestApp(t)
	if code, _, stderr := ta.exec(t, "users", "create", "-db", db, "-log-level", "error", "-username", "quinn",
		"-email", "quinn@example.com", "-temporary-password", "Temp-Passw0rd!-long-enough-1", "-suppress"); code != exitOK {
		t.Fatalf("users create = %d: %s", code, stderr)
	}
	if out := ta.stderr.String(); !strings.Contains(out, "msg=audit") || !strings.Contains(out, "operation=AdminCreateUser") || !strings.Contains(out, "username=quinn") ||
		strings.Contains(out, "applied migrations") {
		t.Errorf("with -log-level error the log is:\n%s", out)
	}
}
