package sqlite

import (
	"path/filepath"
	"testing"
)

// openStore opens a store on a fresh file for an internal test, closed
// when the test ends.
func openStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "cupola.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
