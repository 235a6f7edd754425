package hostedui_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBrowserHarnessFindsChromiumOrSaysWhy checks where the browser tests
// look for Chromium, and that only a machine without it (and without
// CUPOLA_TEST_REQUIRE_BROWSER=1) skips them.
func TestBrowserHarnessFindsChromiumOrSaysWhy(t *testing.T) {
	dir := t.TempDir()
	program := filepath.Join(dir, "my-chromium")
	if err := os.WriteFile(program, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other-chromium")
	if err := os.WriteFile(other, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	notProgram := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notProgram, []byte("chromium"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	inPath := func(string) (string, error) { return "/opt/bin/chromium", nil }
	notInPath := func(string) (string, error) { return "", exec.ErrNotFound }

	tests := []struct {
		name         string
		env, debian  string
		lookPath     func(string) (string, error)
		want         string
		wantNotFound bool // errNoChromium: skip unless required
		wantErr      bool // any other error: always fail
	}{
		{name: "the variable wins over Debian's path", env: program, debian: other, lookPath: inPath, want: program},
		{name: "a variable naming a missing file is an error, not a skip", env: missing, debian: program, lookPath: inPath, wantErr: true},
		{name: "a variable naming a file that is not executable is an error", env: notProgram, debian: program, lookPath: inPath, wantErr: true},
		{name: "Debian's chromium comes before PATH", debian: program, lookPath: inPath, want: program},
		{name: "chromium in PATH is the last resort", debian: missing, lookPath: inPath, want: "/opt/bin/chromium"},
		{name: "nothing installed is errNoChromium", debian: missing, lookPath: notInPath, wantNotFound: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := locateChromium(tt.env, tt.debian, tt.lookPath)
			switch {
			case tt.wantNotFound:
				if !errors.Is(err, errNoChromium) {
					t.Fatalf("got %q, %v; want errNoChromium", got, err)
				}
			case tt.wantErr:
				if err == nil || errors.Is(err, errNoChromium) {
					t.Fatalf("got %q, %v; want an error other than errNoChromium", got, err)
				}
			case err != nil || got != tt.want:
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestBrowserHarnessSkipsOnlyWhenChromiumIsMissingAndNotRequired checks the
// skip rule: a newcomer without Chromium skips, CI (which sets
// CUPOLA_TEST_REQUIRE_BROWSER=1) fails, and a misconfiguration always fails.
func TestBrowserHarnessSkipsOnlyWhenChromiumIsMissingAndNotRequired(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		require string
		skip    bool
	}{
		{name: "missing and not required skips", err: errNoChromium, require: "", skip: true},
		{name: "missing and required fails", err: errNoChromium, require: "1", skip: false},
		{name: "missing with another value of the variable skips", err: errNoChromium, require: "0", skip: true},
		{name: "a bad CUPOLA_TEST_CHROMIUM fails even when not required", err: errors.New("not executable"), require: "", skip: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := skipWithoutBrowser(tt.err, tt.require); got != tt.skip {
				t.Errorf("skipWithoutBrowser(%v, %q) = %v, want %v", tt.err, tt.require, got, tt.skip)
			}
		})
	}
	if msg := errNoChromium.Error(); msg != "Chromium not found; install Debian's chromium or set CUPOLA_TEST_CHROMIUM; .ci/run does" {
		t.Errorf("the skip message is %q", msg)
	}
}
