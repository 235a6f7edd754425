package postgrestest

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that notes a skip or a failure instead of
// ending the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                      {}
func (r *recorder) Skipf(f string, args ...any)  { r.skipped = fmt.Sprintf(f, args...) }
func (r *recorder) Fatalf(f string, args ...any) { r.failed = fmt.Sprintf(f, args...) }

func TestDSN(t *testing.T) {
	tests := []struct {
		name, dsn, require string
		wantSkip, wantFail bool
	}{
		{name: "a set DSN is returned", dsn: "postgres://x@127.0.0.1/db", require: "1"},
		{name: "no DSN skips the test", wantSkip: true},
		{name: "no DSN fails the test when PostgreSQL is required", require: "1", wantFail: true},
		{name: "a require value other than 1 still skips", require: "yes", wantSkip: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvDSN, tt.dsn)
			t.Setenv(EnvRequire, tt.require)
			r := &recorder{TB: t}
			got := DSN(r)
			if (r.skipped != "") != tt.wantSkip || (r.failed != "") != tt.wantFail {
				t.Fatalf("skipped %q, failed %q; want skip %v, fail %v", r.skipped, r.failed, tt.wantSkip, tt.wantFail)
			}
			if r.skipped != "" && !strings.Contains(r.skipped, ".ci/run") {
				t.Errorf("skip message %q does not say how to run the tests", r.skipped)
			}
			if !tt.wantSkip && !tt.wantFail && got != tt.dsn {
				t.Errorf("DSN = %q, want %q", got, tt.dsn)
			}
		})
	}
}

func TestWithSearchPath(t *testing.T) {
	tests := []struct{ name, dsn, want string }{
		{"a URL gets a query parameter", "postgres://u:p@h:5432/db?sslmode=disable", "postgres://u:p@h:5432/db?search_path=s&sslmode=disable"},
		{"a URL without a query gets one", "postgresql://h/db", "postgresql://h/db?search_path=s"},
		{"a keyword/value string gets a keyword", "host=h dbname=db", "host=h dbname=db search_path=s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WithSearchPath(tt.dsn, "s"); got != tt.want {
				t.Errorf("WithSearchPath(%q) = %q, want %q", tt.dsn, got, tt.want)
			}
		})
	}
}
