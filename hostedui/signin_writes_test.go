package hostedui_test

import (
	"maps"
	"strings"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/cupola-auth/cupola/internal/storeobs"
)

// TestAHostedSignInCostsSixWrites holds the store writes of a fresh
// browser's sign-in and code exchange (BenchmarkHTTPSignIn's sequence) to
// their budget: on SQLite each is a commit and an fsync, on PostgreSQL a
// round trip and a WAL flush, so each one more is sign-ins lost at the
// hardware's limit. The sign-in's auth event, written off the request
// path, is not counted.
func TestAHostedSignInCostsSixWrites(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	site := newBenchSiteMP(t, "memory", sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	calls := func() map[string]uint64 {
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(t.Context(), &rm); err != nil {
			t.Fatalf("collect: %v", err)
		}
		out := map[string]uint64{}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				h, ok := m.Data.(metricdata.Histogram[float64])
				if !ok || m.Name != storeobs.MetricDuration {
					continue
				}
				for _, dp := range h.DataPoints {
					op, _ := dp.Attributes.Value("operation")
					out[op.AsString()] += dp.Count
				}
			}
		}
		return out
	}
	if err := site.signIn(); err != nil { // the first one loads keys and clients
		t.Fatal(err)
	}
	const n = 5
	before := calls()
	for range n {
		if err := site.signIn(); err != nil {
			t.Fatal(err)
		}
	}
	after := calls()
	want := map[string]uint64{
		"BeginAttempts":     1, // the account@source and account lockout keys, counted before the check
		"ClearAttempts":     1, // both, cleared after the right password
		"CreateFamily":      2, // the hosted session and the token family
		"PutAuthSession":    1, // the authorization code
		"RedeemAuthSession": 1, // the code spent, its reuse guard left in its place
	}
	got := map[string]uint64{}
	for op, c := range after {
		read := strings.HasPrefix(op, "Get") || strings.HasPrefix(op, "List") || strings.HasPrefix(op, "Peek")
		if d := c - before[op]; d > 0 && !read && op != "PutAuthEvent" {
			got[op] = d / n
			if d%n != 0 {
				t.Errorf("%s: %d calls in %d sign-ins", op, d, n)
			}
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("writes per hosted sign-in:\n got %v\nwant %v", got, want)
	}
}
