package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer is a bytes.Buffer safe for the server's goroutines and the
// test reading it at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testApp is an app writing to buffers and reading env from a map.
type testApp struct {
	*app
	stdout, stderr *lockedBuffer
	env            map[string]string
}

func newTestApp(t *testing.T) *testApp {
	t.Helper()
	ta := &testApp{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, env: map[string]string{}}
	ta.app = newApp(ta.stdout, ta.stderr)
	ta.lookupEnv = func(k string) (string, bool) {
		v, ok := ta.env[k]
		return v, ok
	}
	return ta
}

// exec runs a command line, returning its exit status and output.
func (ta *testApp) exec(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ta.stdout.mu.Lock()
	ta.stdout.b.Reset()
	ta.stdout.mu.Unlock()
	ta.stderr.mu.Lock()
	ta.stderr.b.Reset()
	ta.stderr.mu.Unlock()
	code = ta.run(context.Background(), args)
	return code, ta.stdout.String(), ta.stderr.String()
}

// writeFile writes a file under dir and returns its path.
func writeFile(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// testSecret is 48 random-looking printable bytes, as openssl rand -base64 36 prints.
const testSecret = "q3Vx8Jr0Tz4LmP2wYb7Kd9Ns1Hf6Gc5Ea8Ru3Io0Wl2Xv4Z"

// lines returns the lines of s containing all of the words.
func lines(s string, words ...string) []string {
	var out []string
next:
	for _, l := range strings.Split(s, "\n") {
		for _, w := range words {
			if !strings.Contains(l, w) {
				continue next
			}
		}
		out = append(out, l)
	}
	return out
}
