package main

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads the metrics listener's exposition and parses it as
// Prometheus does.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape = %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse the exposition: %v", err)
	}
	return fams
}

// sample is the sum over the series of family name whose labels include
// want (a counter's value, a histogram's count, a gauge's value), or -1
// when there is none.
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
	sum, found := 0.0, false
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		}
	}
	if !found {
		return -1
	}
	return sum
}

var metricsAddrLog = regexp.MustCompile(`msg=metrics addr=(\S+)`)

// startWithMetrics serves a configured pool with metrics on a port of
// their own and returns the public and the metrics base URLs.
func startWithMetrics(t *testing.T, extra string) (*server, string, *testApp) {
	t.Helper()
	dir := t.TempDir()
	cfg := writeFile(t, dir, "cupola.yaml", `
pool:
  id: m_pool
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
`+extra, 0o644)
	ta := newTestApp(t)
	ta.env = map[string]string{"POOL_SECRET": testSecret, "COOKIE_KEY": testSecret + "cookie"}
	s := startServe(t, ta, "-config", cfg, "-db", filepath.Join(dir, "c.db"))
	m := metricsAddrLog.FindStringSubmatch(ta.stderr.String())
	if m == nil {
		t.Fatalf("no metrics listener in the log:\n%s", ta.stderr.String())
	}
	return s, "http://" + m[1], ta
}

func TestMetricsCountHTTPRequestsByRoute(t *testing.T) {
	s, metrics, _ := startWithMetrics(t, "")
	for range 3 {
		get(t, nil, s.base+"/.well-known/openid-configuration")
	}
	get(t, nil, s.base+"/no/such/page")
	fams := scrape(t, metrics)
	if got := sample(fams, "cupola_http_requests_total", map[string]string{"route": "/.well-known/openid-configuration", "method": "GET", "status": "200"}); got != 3 {
		t.Errorf("discovery requests = %v, want 3", got)
	}
	if got := sample(fams, "cupola_http_duration_seconds", map[string]string{"route": "/.well-known/openid-configuration"}); got != 3 {
		t.Errorf("discovery latency observations = %v, want 3", got)
	}
	// A raw path never becomes a label.
	for _, m := range fams["cupola_http_requests_total"].GetMetric() {
		for _, l := range m.Label {
			if strings.Contains(l.GetValue(), "no/such") {
				t.Errorf("an unmatched path became a label: %v", m)
			}
		}
	}
	if sample(fams, "go_goroutines", nil) < 1 {
		t.Error("no Go runtime metrics")
	}
	// The public listener does not serve the scrape.
	if resp, _ := get(t, nil, s.base+"/metrics"); resp.StatusCode == http.StatusOK {
		t.Error("/metrics is served on the public listener")
	}
}
