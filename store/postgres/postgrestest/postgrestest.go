// Package postgrestest connects tests to the PostgreSQL server that
// .ci/run starts. Tests call DSN: it returns CUPOLA_TEST_POSTGRES_DSN, or
// skips the test when that is unset, unless CUPOLA_TEST_REQUIRE_POSTGRES=1
// says PostgreSQL must be there, in which case the test fails.
//
//	func TestSomething(t *testing.T) {
//		s, err := postgres.Open(t.Context(), postgrestest.DSN(t))
//		…
//	}
package postgrestest

import (
	"os"
	"testing"
)

// Environment variables read by DSN.
const (
	// EnvDSN names the database tests may use (and share with each other).
	EnvDSN = "CUPOLA_TEST_POSTGRES_DSN"
	// EnvRequire, set to 1, turns a missing DSN into a test failure.
	EnvRequire = "CUPOLA_TEST_REQUIRE_POSTGRES"
)

// DSN returns the test database's DSN. Without one it skips the test, or
// fails it when CUPOLA_TEST_REQUIRE_POSTGRES=1.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn != "" {
		return dsn
	}
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("%s=1 but %s is not set", EnvRequire, EnvDSN)
		return ""
	}
	t.Skipf("set %s to run PostgreSQL tests; .ci/run does", EnvDSN)
	return ""
}
