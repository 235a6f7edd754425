package main

import "testing"

func TestPasswordlessExampleRuns(t *testing.T) {
	if err := run(t.Context()); err != nil {
		t.Fatal(err)
	}
}
