package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/sqlite"
	"github.com/cupola-auth/cupola/store/storetest"
)

// openTemp opens a store on a fresh file in t.TempDir and closes it when
// the test ends.
func openTemp(t *testing.T, opts ...sqlite.Option) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cupola.db")
	s, err := sqlite.Open(t.Context(), path, opts...)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := openTemp(t)
		return s
	})
}

func TestConformanceOnOneSharedDatabase(t *testing.T) {
	s, _ := openTemp(t)
	storetest.Run(t, func(t *testing.T) store.Store { return s })
}
