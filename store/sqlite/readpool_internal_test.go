package sqlite

import (
	"fmt"
	"testing"
)

// The reader keeps a statement per query text up to maxReadStmts and runs
// the texts past it unprepared; a text that does not prepare still
// reports its error.
func TestReadPoolKeepsBoundedStatements(t *testing.T) {
	s := openStore(t)
	for i := range maxReadStmts + 10 {
		var n int
		if err := s.reader.QueryRowContext(t.Context(), fmt.Sprintf("SELECT %d", i)).Scan(&n); err != nil || n != i {
			t.Fatalf("query %d: %d, %v", i, n, err)
		}
		rows, err := s.reader.QueryContext(t.Context(), fmt.Sprintf("SELECT %d", i))
		if err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
		rows.Close()
	}
	if got := len(s.reader.stmts); got != maxReadStmts {
		t.Errorf("%d statements kept, want %d", got, maxReadStmts)
	}
	if err := s.reader.QueryRowContext(t.Context(), "SELECT FROM nowhere").Scan(new(int)); err == nil {
		t.Error("a malformed query succeeded")
	}
	if _, err := s.reader.QueryContext(t.Context(), "SELECT * FROM no_such_table"); err == nil {
		t.Error("a query of a missing table succeeded")
	}
}
