package main

import "testing"

func TestMFAExampleRuns(t *testing.T) {
	if err := run(t.Context()); err != nil {
		t.Fatal(err)
	}
}
