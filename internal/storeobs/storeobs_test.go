package storeobs_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cupola-auth/cupola/internal/storeobs"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
)

// TestEveryMethod: every method of store.Store that takes a context has
// its own wrapper in methods.go, so none is left untimed by embedding.
func TestEveryMethod(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "methods.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv != nil {
			declared[fn.Name.Name] = true
		}
	}
	it := reflect.TypeFor[store.Store]()
	ctxType := reflect.TypeFor[context.Context]()
	for i := range it.NumMethod() {
		m := it.Method(i)
		if m.Type.NumIn() > 0 && m.Type.In(0) == ctxType && !declared[m.Name] {
			t.Errorf("store.Store.%s has no wrapper in methods.go", m.Name)
		}
	}
}

func TestDurationsAndSpans(t *testing.T) {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	s, err := storeobs.New(memory.New(), mp, tp, attribute.String("pool", "p1"))
	if err != nil {
		t.Fatal(err)
	}
	parentCtx, parent := tp.Tracer("test").Start(ctx, "parent")
	if _, err := s.GetUser(parentCtx, "p1", "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetUser: %v", err)
	}
	if _, err := s.GetUserByUsername(parentCtx, "p1", "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetUserByUsername: %v", err)
	}
	parent.End()

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	counts := map[string]uint64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != storeobs.MetricDuration {
				continue
			}
			for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
				op, _ := dp.Attributes.Value("operation")
				pool, _ := dp.Attributes.Value("pool")
				if pool.AsString() != "p1" {
					t.Errorf("pool attribute %q", pool.AsString())
				}
				counts[op.AsString()] += dp.Count
			}
		}
	}
	if counts["GetUser"] != 1 || counts["GetUserByUsername"] != 1 {
		t.Errorf("durations by operation: %v", counts)
	}

	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans, want 3", len(spans))
	}
	for _, sp := range spans[:2] {
		if sp.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("span %s is not the caller's child", sp.Name())
		}
		var class string
		for _, kv := range sp.Attributes() {
			if kv.Key == "error.type" {
				class = kv.Value.AsString()
			}
		}
		if class != "not_found" {
			t.Errorf("span %s error.type %q", sp.Name(), class)
		}
	}
	if spans[0].Name() != "store.GetUser" {
		t.Errorf("span name %q", spans[0].Name())
	}
}

func TestNoProviders(t *testing.T) {
	s, err := storeobs.New(memory.New(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetUser(context.Background(), "p1", "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetUser: %v", err)
	}
}
