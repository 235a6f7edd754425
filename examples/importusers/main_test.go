package main

import "testing"

func TestImportExampleRuns(t *testing.T) {
	if err := run(t.Context()); err != nil {
		t.Fatal(err)
	}
}
