package userpool_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cupola-auth/cupola/userpool"
)

// lockedBuffer is a bytes.Buffer safe for the pool's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// observed is a pool with every observer on.
type observed struct {
	*env
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
	audit  *lockedBuffer
}

func newObserved(t *testing.T, mutate ...func(*userpool.Config)) *observed {
	o := &observed{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder(), audit: &lockedBuffer{}}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(o.reader))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(o.spans), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	o.env = newFastEnv(t, append([]func(*userpool.Config){func(c *userpool.Config) {
		c.MeterProvider = mp
		c.TracerProvider = tp
		c.AuditLogger = slog.New(slog.NewJSONHandler(o.audit, nil))
	}}, mutate...)...)
	return o
}

// point is one data point of a collected metric.
type point struct {
	attrs map[string]string
	value float64 // a sum's or gauge's value, a histogram's count
}

func (o *observed) metrics(t *testing.T) map[string][]point {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := o.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	attrs := func(s attribute.Set) map[string]string {
		m := map[string]string{}
		for _, kv := range s.ToSlice() {
			m[string(kv.Key)] = kv.Value.Emit()
		}
		return m
	}
	out := map[string][]point{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					out[m.Name] = append(out[m.Name], point{attrs(dp.Attributes), float64(dp.Value)})
				}
			case metricdata.Gauge[int64]:
				for _, dp := range d.DataPoints {
					out[m.Name] = append(out[m.Name], point{attrs(dp.Attributes), float64(dp.Value)})
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					out[m.Name] = append(out[m.Name], point{attrs(dp.Attributes), float64(dp.Count)})
				}
			default:
				t.Fatalf("metric %s: unexpected %T", m.Name, m.Data)
			}
		}
	}
	return out
}

// sum adds the points of name whose attributes include want.
func sum(points []point, want map[string]string) float64 {
	var n float64
next:
	for _, p := range points {
		for k, v := range want {
			if p.attrs[k] != v {
				continue next
			}
		}
		n += p.value
	}
	return n
}

// records are the audit records written so far; with only, every line
// must be one.
func (o *observed) records(t *testing.T, only bool) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(o.audit.String()))
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		if r["msg"] != userpool.AuditMessage {
			if only {
				t.Fatalf("audit line %q: msg is not %q", sc.Text(), userpool.AuditMessage)
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// matching are the records with every field of want.
func matching(recs []map[string]any, want map[string]string) []map[string]any {
	var out []map[string]any
next:
	for _, r := range recs {
		for k, v := range want {
			if s, _ := r[k].(string); s != v {
				continue next
			}
		}
		out = append(out, r)
	}
	return out
}

func TestObservedFlow(t *testing.T) {
	o := newObserved(t)
	e := o.env
	var secrets []string
	secret := func(s ...string) {
		for _, v := range s {
			if v != "" {
				secrets = append(secrets, v)
			}
		}
	}
	const wrongPW = "wrong-Pass-word-93"
	secret(goodPW, wrongPW)

	// Sign-up and confirmation of two users.
	for _, name := range []string{"alice", "bob"} {
		out := e.signUp(name, name+"@example.com", goodPW)
		code := e.lastCode(name + "@example.com")
		secret(code, out.Session)
		_, err := e.pool.ConfirmSignUp(e.ctx, userpool.ConfirmSignUpInput{ClientID: webClient, Username: name, ConfirmationCode: code})
		wantNoError(t, "ConfirmSignUp", err)
	}

	ctx := userpool.WithRequestID(e.ctx, "req-1")
	from := &userpool.UserContextData{IPAddress: "203.0.113.7"}
	signIn := func(user, pw string) (*userpool.InitiateAuthOutput, error) {
		return e.pool.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
			AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": pw}, UserContextData: from})
	}
	refresh := func(tok string) (*userpool.InitiateAuthOutput, error) {
		return e.pool.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowRefreshTokenAuth, ClientID: webClient,
			AuthParameters: map[string]string{"REFRESH_TOKEN": tok}, UserContextData: from})
	}
	tokens := func(r *userpool.AuthenticationResult) {
		secret(r.AccessToken, r.IDToken, r.RefreshToken)
	}

	// A success, a failure, a refresh and a refresh reuse.
	ok, err := signIn("alice", goodPW)
	wantNoError(t, "sign in", err)
	tokens(ok.AuthenticationResult)
	_, err = signIn("alice", wrongPW)
	wantCode(t, err, userpool.CodeNotAuthorized)
	next, err := refresh(ok.AuthenticationResult.RefreshToken)
	wantNoError(t, "refresh", err)
	tokens(next.AuthenticationResult)
	_, err = refresh(ok.AuthenticationResult.RefreshToken)
	wantCode(t, err, userpool.CodeRefreshTokenReuse)

	// Bob is locked out after five wrong passwords; the sixth is refused.
	for range 5 {
		_, err = signIn("bob", wrongPW)
		wantCode(t, err, userpool.CodeNotAuthorized)
	}
	_, err = signIn("bob", goodPW)
	if pe := wantCode(t, err, userpool.CodeNotAuthorized); pe.Message != "Password attempts exceeded" {
		t.Fatalf("sixth sign-in: %v, want the lockout", err)
	}

	// Alice changes her password; an administrator disables Bob.
	again, err := signIn("alice", goodPW)
	wantNoError(t, "sign in", err)
	tokens(again.AuthenticationResult)
	const newPW = "Another-harbor-82"
	secret(newPW)
	_, err = e.pool.ChangePassword(ctx, userpool.ChangePasswordInput{AccessToken: again.AuthenticationResult.AccessToken,
		PreviousPassword: goodPW, ProposedPassword: newPW})
	wantNoError(t, "ChangePassword", err)
	_, err = e.pool.AdminDisableUser(userpool.WithActor(ctx, "cli:root"), userpool.AdminDisableUserInput{Username: "bob"})
	wantNoError(t, "AdminDisableUser", err)

	// Metrics.
	m := o.metrics(t)
	pw := string(userpool.FlowUserPasswordAuth)
	rt := string(userpool.FlowRefreshTokenAuth)
	for _, c := range []struct {
		name  string
		attrs map[string]string
		want  float64
	}{
		{userpool.MetricSignIns, map[string]string{"flow": pw, "result": "success", "reason": ""}, 2},
		{userpool.MetricSignIns, map[string]string{"flow": pw, "result": "failure", "reason": "bad_credentials"}, 6},
		{userpool.MetricSignIns, map[string]string{"flow": pw, "result": "failure", "reason": "locked"}, 1},
		{userpool.MetricSignIns, map[string]string{"flow": rt, "result": "success"}, 1},
		{userpool.MetricSignIns, map[string]string{"flow": rt, "result": "failure", "reason": "token_reuse"}, 1},
		{userpool.MetricSignUps, map[string]string{"result": "success"}, 2},
		{userpool.MetricLockouts, map[string]string{"scope": "account_source"}, 1},
		{userpool.MetricRefreshReuse, nil, 1},
		{userpool.MetricTokensIssued, map[string]string{"grant": "password"}, 2},
		{userpool.MetricTokensIssued, map[string]string{"grant": "refresh_token"}, 1},
	} {
		if got := sum(m[c.name], c.attrs); got != c.want {
			t.Errorf("%s%v = %v, want %v (points %v)", c.name, c.attrs, got, c.want, m[c.name])
		}
	}
	for _, p := range m[userpool.MetricSignIns] {
		if p.attrs["pool"] != e.cfg.ID {
			t.Errorf("%s point without the pool: %v", userpool.MetricSignIns, p.attrs)
		}
	}
	// Sign-up, eight sign-in checks that hashed, the change (old and new).
	if got := sum(m[userpool.MetricHashWait], nil); got < 10 {
		t.Errorf("%s has %v observations, want ≥ 10", userpool.MetricHashWait, got)
	}
	if len(m[userpool.MetricHashQueue]) != 1 || len(m[userpool.MetricHashRunning]) != 1 {
		t.Errorf("hash gauges: %v %v", m[userpool.MetricHashQueue], m[userpool.MetricHashRunning])
	}
	for _, op := range []string{"GetUserByUsername", "BeginAttempt", "CreateFamily", "RotateRefresh", "UpdateUser"} {
		if sum(m[userpool.MetricStoreDuration], map[string]string{"operation": op}) == 0 {
			t.Errorf("%s has no %s", userpool.MetricStoreDuration, op)
		}
	}

	// Spans: one per operation; store calls are their children; no
	// secret, username or address in any attribute.
	spans := o.spans.Ended()
	byID := map[string]sdktrace.ReadOnlySpan{}
	names := map[string]int{}
	for _, s := range spans {
		byID[s.SpanContext().SpanID().String()] = s
		names[s.Name()]++
	}
	if names["userpool.InitiateAuth"] != 11 || names["userpool.ChangePassword"] != 1 || names["userpool.AdminDisableUser"] != 1 {
		t.Errorf("operation spans: %v", names)
	}
	children := 0
	for _, s := range spans {
		for _, kv := range s.Attributes() {
			v := kv.Value.Emit()
			for _, sec := range append(secrets, "alice", "bob", "203.0.113.7") {
				if strings.Contains(v, sec) {
					t.Errorf("span %s attribute %s carries %q", s.Name(), kv.Key, sec)
				}
			}
		}
		if !strings.HasPrefix(s.Name(), "store.") || !s.Parent().IsValid() {
			continue // the event writer's store calls run on their own
		}
		parent, ok := byID[s.Parent().SpanID().String()]
		if !ok || !strings.HasPrefix(parent.Name(), "userpool.") {
			t.Errorf("store span %s has parent %v", s.Name(), s.Parent().SpanID())
		}
		children++
	}
	if children < 20 {
		t.Errorf("only %d store spans are children of an operation", children)
	}

	// The audit log: one record per event, its fields, no secret.
	log := o.audit.String()
	for _, sec := range secrets {
		if strings.Contains(log, sec) {
			t.Errorf("the audit log carries the secret %q", sec)
		}
	}
	recs := o.records(t, true)
	one := func(want map[string]string) map[string]any {
		t.Helper()
		got := matching(recs, want)
		if len(got) != 1 {
			t.Errorf("%d audit records match %v, want 1", len(got), want)
			return map[string]any{}
		}
		return got[0]
	}
	for _, name := range []string{"alice", "bob"} {
		one(map[string]string{"event": "sign_up", "outcome": "success", "username": name, "client_id": webClient})
		one(map[string]string{"event": "confirm_sign_up", "outcome": "success", "username": name})
	}
	successes := matching(recs, map[string]string{"event": "sign_in", "outcome": "success", "username": "alice", "flow": pw,
		"ip": "203.0.113.7", "request_id": "req-1", "client_id": webClient, "pool": e.cfg.ID, "operation": "InitiateAuth"})
	if len(successes) != 2 {
		t.Fatalf("%d password sign-in records of alice, want 2", len(successes))
	}
	first := successes[0]
	if first["sub"] == nil || first["event_id"] == nil || first["event_id"] == successes[1]["event_id"] {
		t.Errorf("sign-in record lacks sub or event_id: %v", first)
	}
	one(map[string]string{"event": "sign_in", "outcome": "failure", "reason": "bad_credentials", "username": "alice"})
	one(map[string]string{"event": "sign_in", "outcome": "success", "flow": rt, "username": "alice"})
	one(map[string]string{"event": "sign_in", "outcome": "failure", "flow": rt, "reason": "token_reuse", "username": "alice"})
	one(map[string]string{"event": "sign_in", "outcome": "failure", "reason": "locked", "username": "bob"})
	one(map[string]string{"event": "lockout", "scope": "account_source", "username": "bob", "ip": "203.0.113.7"})
	one(map[string]string{"event": "change_password", "outcome": "success", "username": "alice"})
	admin := one(map[string]string{"event": "admin_action", "operation": "AdminDisableUser", "actor": "cli:root", "username": "bob"})
	if admin["outcome"] != "success" {
		t.Errorf("admin record: %v", admin)
	}
	if n := len(matching(recs, map[string]string{"event": "sign_in", "username": "bob", "reason": "bad_credentials"})); n != 5 {
		t.Errorf("%d failed sign-in records of bob, want 5", n)
	}

	// Every stored auth event has exactly one record, with its ID.
	evs, err := e.pool.AdminListUserAuthEvents(e.ctx, userpool.AdminListUserAuthEventsInput{Username: "alice"})
	wantNoError(t, "AdminListUserAuthEvents", err)
	if len(evs.AuthEvents) < 4 {
		t.Fatalf("%d auth events of alice", len(evs.AuthEvents))
	}
	for _, ev := range evs.AuthEvents {
		if n := len(matching(recs, map[string]string{"event_id": ev.EventID})); n != 1 {
			t.Errorf("auth event %s (%s %s) is in %d audit records, want 1", ev.EventID, ev.EventType, ev.EventResponse, n)
		}
	}
	if first["event_id"] != evs.AuthEvents[len(evs.AuthEvents)-2].EventID {
		// newest first: sign-up, then the first sign-in
		t.Errorf("first sign-in's event_id %v is not the stored event's", first["event_id"])
	}
}

// TestUnobservedPoolLogsToLogger: without AuditLogger the audit log goes
// to Logger.
func TestUnobservedPoolLogsToLogger(t *testing.T) {
	var buf lockedBuffer
	e := newFastEnv(t, func(c *userpool.Config) { c.Logger = slog.New(slog.NewJSONHandler(&buf, nil)) })
	e.confirmedUser("alice", "alice@example.com")
	e.mustSignIn("alice", goodPW)
	o := &observed{audit: &buf}
	recs := o.records(t, false)
	if len(matching(recs, map[string]string{"event": "sign_in", "outcome": "success", "username": "alice"})) != 1 {
		t.Errorf("no sign-in record on Logger: %s", buf.String())
	}
	if strings.Contains(buf.String(), goodPW) {
		t.Error("the log carries the password")
	}
}
