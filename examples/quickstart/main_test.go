package main

import "testing"

// TestQuickstartRuns keeps the README's main command working.
func TestQuickstartRuns(t *testing.T) {
	if err := run(t.Context()); err != nil {
		t.Fatal(err)
	}
}
