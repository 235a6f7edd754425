package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelattr "go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/cupola-auth/cupola/cognitoapi"
	"github.com/cupola-auth/cupola/userpool"
)

// Telemetry: the pool and the HTTP server record through OpenTelemetry's
// API. Metrics are exported in Prometheus' text format on a listener of
// their own (metrics.addr), apart from the public one, so that a scrape is
// never reachable from the internet by accident; the registry is this
// server's, not the prometheus package's global one, with Go runtime and
// process collectors added. Traces (tracing.otlp_endpoint) go to an
// OpenTelemetry collector over OTLP/HTTP: a span per HTTP request, the
// pool's operations and store calls as its children. Either is off unless
// configured, and then costs nothing.

// metricsConfig is the metrics: block.
type metricsConfig struct {
	// Addr is the host:port of the metrics listener ("127.0.0.1:9464");
	// empty turns metrics off.
	Addr string `yaml:"addr"`
}

// tracingConfig is the tracing: block.
type tracingConfig struct {
	// OTLPEndpoint is the collector's OTLP/HTTP traces URL
	// ("http://otel-collector:4318/v1/traces"); empty turns tracing off.
	OTLPEndpoint string `yaml:"otlp_endpoint"`
	// SampleRatio is the share of requests traced, in (0, 1]; zero
	// means 1 (every request).
	SampleRatio float64 `yaml:"sample_ratio"`
}

// check refuses a tracing block that cannot work.
func (c tracingConfig) check() error {
	if c.SampleRatio < 0 || c.SampleRatio > 1 {
		return fmt.Errorf("tracing.sample_ratio %v is not in (0, 1]", c.SampleRatio)
	}
	if c.OTLPEndpoint == "" {
		return nil
	}
	u, err := url.Parse(c.OTLPEndpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("tracing.otlp_endpoint %q is not an http(s) URL", c.OTLPEndpoint)
	}
	return nil
}

// telemetry is serve's metric and trace pipelines.
type telemetry struct {
	// meters and scrape are set when metrics are on.
	meters *sdkmetric.MeterProvider
	scrape http.Handler
	// tracer is set when tracing is on.
	tracer *sdktrace.TracerProvider
	// requests, duration and refused are the HTTP server's instruments
	// (no-op ones when metrics are off).
	requests metric.Int64Counter
	duration metric.Float64Histogram
	refused  metric.Int64Counter
	// actions are the Cognito API's action names, the only ones a route
	// label may carry (anything else is "cognito:unknown").
	actions []string
}

// newTelemetry builds the pipelines the configuration asks for, or
// returns nil when it asks for none.
func newTelemetry(ctx context.Context, m metricsConfig, tr tracingConfig) (*telemetry, error) {
	if m.Addr == "" && tr.OTLPEndpoint == "" {
		return nil, nil
	}
	t := &telemetry{actions: cognitoapi.Actions()}
	var mp metric.MeterProvider = metricnoop.NewMeterProvider()
	if m.Addr != "" {
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
		t.meters = sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
		t.scrape = promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
		mp = t.meters
	}
	if tr.OTLPEndpoint != "" {
		exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(tr.OTLPEndpoint))
		if err != nil {
			return nil, fmt.Errorf("tracing: %w", err)
		}
		ratio := tr.SampleRatio
		if ratio == 0 {
			ratio = 1
		}
		t.tracer = sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp),
			sdktrace.WithSampler(sdktrace.TraceIDRatioBased(ratio)),
			sdktrace.WithResource(resource.NewSchemaless(otelattr.String("service.name", "cupola"))))
	}
	meter := mp.Meter("github.com/cupola-auth/cupola/cmd/cupola")
	var err error
	if t.requests, err = meter.Int64Counter("cupola.http.requests", metric.WithDescription("HTTP requests by route and status")); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if t.duration, err = meter.Float64Histogram("cupola.http.duration", metric.WithUnit("s"),
		metric.WithDescription("HTTP request latency by route"),
		metric.WithExplicitBucketBoundaries(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if t.refused, err = meter.Int64Counter("cupola.http.throttled", metric.WithDescription("requests refused by the rate limits, by class")); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return t, nil
}

// instrument hands the pipelines to the pool's configuration.
func (t *telemetry) instrument(pcfg *userpool.Config) {
	if t == nil {
		return
	}
	if t.meters != nil {
		pcfg.MeterProvider = t.meters
	}
	if t.tracer != nil {
		pcfg.TracerProvider = t.tracer
	}
}

// throttled counts a request the rate limits refused; a nil telemetry
// counts nothing.
func (t *telemetry) throttled(r *http.Request, class string) {
	if t == nil {
		return
	}
	t.refused.Add(r.Context(), 1, metric.WithAttributes(otelattr.String("class", class)))
}

// shutdown flushes the spans still buffered and stops both pipelines.
func (t *telemetry) shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	var errs []error
	if t.tracer != nil {
		errs = append(errs, t.tracer.Shutdown(ctx))
	}
	if t.meters != nil {
		errs = append(errs, t.meters.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

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

// middleware counts and times every request by route and status, and
// traces it as the parent of the pool's spans. It must wrap the route
// table with nothing between that copies the request: the ServeMux
// records the matched pattern on the request it is given, which is how
// the route label stays bounded (a pattern, never a raw path).
func (t *telemetry) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		var span trace.Span
		if t.tracer != nil {
			var ctx context.Context
			ctx, span = t.tracer.Tracer("github.com/cupola-auth/cupola/cmd/cupola").Start(r.Context(), "HTTP "+r.Method,
				trace.WithSpanKind(trace.SpanKindServer))
			r = r.WithContext(ctx) // the copy is what the route table sees and marks
		}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		route := t.route(r)
		if span != nil {
			span.SetName(r.Method + " " + route)
			span.SetAttributes(otelattr.String("http.route", route), otelattr.Int("http.response.status_code", rec.status))
			span.End()
		}
		attrs := metric.WithAttributes(otelattr.String("route", route), otelattr.String("method", r.Method),
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
	if addr == "" || t == nil || t.scrape == nil {
		return nil, nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics.addr: %w", err)
	}
	mux := http.NewServeMux()
	// GET /metrics is the Prometheus scrape.
	mux.Handle("GET /metrics", t.scrape)
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
