package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// The admin commands work on the same database as serve; without -config
// they open the development pool, whose invitations are printed on stdout
// (suppressed here).
func Example_run() {
	dir, err := os.MkdirTemp("", "cupola-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "cupola.db")
	ctx := context.Background()

	code := run(ctx, []string{"users", "create", "-db", db, "-username", "alice", "-email", "alice@example.com",
		"-temporary-password", "Temporary-pass-42", "-suppress"}, os.Stdout, io.Discard)
	fmt.Println("exit status", code)
	code = run(ctx, []string{"users", "disable", "-db", db, "-username", "alice"}, os.Stdout, io.Discard)
	fmt.Println("exit status", code)
	code = run(ctx, []string{"users", "disable", "-db", db}, os.Stdout, io.Discard)
	fmt.Println("exit status", code)
	// Output:
	// created user alice (FORCE_CHANGE_PASSWORD)
	// exit status 0
	// disabled user alice
	// exit status 0
	// exit status 2
}
