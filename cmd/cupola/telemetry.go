package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelattr "go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/cupola-auth/cupola/cognitoapi"
)

// Metrics: the pool and the HTTP server record through OpenTelemetry's
// metric API, and serve exports them in Prometheus' text format on a
// listener of their own (metrics.addr), apart from the public one, so
// that a scrape is never reachable from the internet by accident. The
// registry is this server's, not the prometheus package's global one;
// Go runtime and process collectors are added to it.

// metricsConfig is the metrics: block.
type metricsConfig struct {
	// Addr is the host:port of the metrics listener ("127.0.0.1:9464");
	// empty turns metrics off.
	Addr string `yaml:"addr"`
}

// telemetry is serve's metric pipeline: the provider handed to the pool
// and to the HTTP middleware, and the handler that exports it.
type telemetry struct {
	provider *sdkmetric.MeterProvider
	handler  http.Handler
	// requests and duration are the HTTP server's instruments.
	requests metric.Int64Counter
	duration metric.Float64Histogram
	// refused counts requests the rate limits refused, by class.
	refused metric.Int64Counter
	// actions are the Cognito API's action names, the only ones a route
	// label may carry (anything else is "cognito:unknown").
	actions []string
}

// newTelemetry builds the pipeline on a fresh registry.
func newTelemetry() (*telemetry, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	t := &telemetry{
		provider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp)),
		handler:  promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}),
		actions:  cognitoapi.Actions(),
	}
	m := t.provider.Meter("github.com/cupola-auth/cupola/cmd/cupola")
	if t.requests, err = m.Int64Counter("cupola.http.requests", metric.WithDescription("HTTP requests by route and status")); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if t.duration, err = m.Float64Histogram("cupola.http.duration", metric.WithUnit("s"),
		metric.WithDescription("HTTP request latency by route"),
		metric.WithExplicitBucketBoundaries(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if t.refused, err = m.Int64Counter("cupola.http.throttled", metric.WithDescription("requests refused by the rate limits, by class")); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return t, nil
}

// throttled counts a request the rate limits refused; a nil telemetry
// (metrics off) counts nothing.
func (t *telemetry) throttled(r *http.Request, class string) {
	if t == nil {
		return
	}
	t.refused.Add(r.Context(), 1, metric.WithAttributes(otelattr.String("class", class)))
}

// shutdown flushes and stops the provider.
func (t *telemetry) shutdown(ctx context.Context) error { return t.provider.Shutdown(ctx) }

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// middleware counts and times every request by route and status. It must
// wrap the route table with nothing between that copies the request: the
// ServeMux records the matched pattern on the request it is given, which
// is how the route label stays bounded (a pattern, never a raw path).
func (t *telemetry) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		attrs := metric.WithAttributes(otelattr.String("route", t.route(r)), otelattr.String("method", r.Method),
			otelattr.String("status", strconv.Itoa(rec.status)))
		t.requests.Add(r.Context(), 1, attrs)
		t.duration.Record(r.Context(), time.Since(start).Seconds(), attrs)
	})
}

// route is a request's bounded route label: the Cognito API's action, or
// the pattern the route table matched, or "unmatched".
func (t *telemetry) route(r *http.Request) string {
	if target := r.Header.Get("X-Amz-Target"); target != "" && r.URL.Path == "/" && r.Method == http.MethodPost {
		_, action, _ := strings.Cut(target, ".")
		if slices.Contains(t.actions, action) {
			return "cognito:" + action
		}
		return "cognito:unknown"
	}
	if r.Pattern == "" {
		return "unmatched"
	}
	// A pattern may carry the method ("GET /login"): the method is a
	// label of its own.
	if _, path, ok := strings.Cut(r.Pattern, " "); ok {
		return path
	}
	return r.Pattern
}

// metricsServer is the listener metrics are scraped from.
type metricsServer struct {
	srv *http.Server
	ln  net.Listener
}

// listenMetrics listens on metrics.addr with GET /metrics, or returns nil
// when metrics are off.
func listenMetrics(ctx context.Context, addr string, t *telemetry, log *slog.Logger) (*metricsServer, error) {
	if addr == "" || t == nil {
		return nil, nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics.addr: %w", err)
	}
	mux := http.NewServeMux()
	// GET /metrics is the Prometheus scrape.
	mux.Handle("GET /metrics", t.handler)
	log.Info("metrics", "addr", ln.Addr().String(), "path", "/metrics")
	return &metricsServer{ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout: idleTimeout, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}}, nil
}

// serve runs the listener until it is closed.
func (m *metricsServer) serve(log *slog.Logger) {
	if err := m.srv.Serve(m.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("metrics listener", "err", err)
	}
}

// newTelemetryIf builds the pipeline when on, and returns nil otherwise.
func newTelemetryIf(on bool) (*telemetry, error) {
	if !on {
		return nil, nil
	}
	return newTelemetry()
}
