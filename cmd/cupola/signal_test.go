package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMainShutsDownGracefullyOnSIGTERM runs main in a child process (this
// test binary, re-executed) and sends it SIGTERM once it listens.
func TestMainShutsDownGracefullyOnSIGTERM(t *testing.T) {
	if os.Getenv("CUPOLA_TEST_MAIN") == "1" {
		os.Args = append([]string{"cupola"}, strings.Fields(os.Getenv("CUPOLA_TEST_ARGS"))...)
		main()
		return
	}
	db := filepath.Join(t.TempDir(), "cupola.db")
	cmd := exec.Command(os.Args[0], "-test.run", "^TestMainShutsDownGracefullyOnSIGTERM$")
	cmd.Env = append(os.Environ(), "CUPOLA_TEST_MAIN=1", "CUPOLA_TEST_ARGS=serve -addr 127.0.0.1:0 -db "+db)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var log strings.Builder
	listening := make(chan struct{})
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if !once && strings.Contains(sc.Text(), "msg=listening") {
				once = true
				close(listening)
			}
		}
	}()
	select {
	case <-listening:
	case <-time.After(60 * time.Second):
		t.Fatal("the server did not start")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-drained
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v; stderr:\n%s", err, log.String())
	}
	for _, want := range []string{"msg=\"shutting down\"", "msg=stopped"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("stderr lacks %s:\n%s", want, log.String())
		}
	}
}
