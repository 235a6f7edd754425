package postgres_test

import (
	"testing"

	"github.com/cupola-auth/cupola/store/postgres"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
)

// TestTryExclusiveAcrossInstances: two stores on one database stand for
// two instances; one holds a named lock, the other is refused it until
// it is released, and other names are independent.
func TestTryExclusiveAcrossInstances(t *testing.T) {
	dsn := postgrestest.FreshSchemaDSN(t)
	var s [2]*postgres.Store
	for i := range s {
		st, err := postgres.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		s[i] = st
	}
	release, ok, err := s[0].TryExclusive(t.Context(), "cleanup:pool_a")
	if err != nil || !ok {
		t.Fatalf("first TryExclusive = %v, %v", ok, err)
	}
	if _, ok, err := s[1].TryExclusive(t.Context(), "cleanup:pool_a"); err != nil || ok {
		t.Fatalf("second instance got a held lock: %v, %v", ok, err)
	}
	other, ok, err := s[1].TryExclusive(t.Context(), "cleanup:pool_b")
	if err != nil || !ok {
		t.Fatalf("another name = %v, %v", ok, err)
	}
	other()
	release()
	again, ok, err := s[1].TryExclusive(t.Context(), "cleanup:pool_a")
	if err != nil || !ok {
		t.Fatalf("after release = %v, %v", ok, err)
	}
	again()
	if _, _, err := s[0].TryExclusive(t.Context(), ""); err == nil {
		t.Error("an empty name was accepted")
	}
}
