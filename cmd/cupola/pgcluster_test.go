package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
)

// pgCluster is a PostgreSQL cluster of the test's own, which it may stop
// and start: .ci/postgres.sh's way, with the same binaries.
type pgCluster struct {
	bin, dir string
	port     int
	// asPostgres runs the binaries as the postgres user (initdb refuses
	// root).
	asPostgres bool
}

func (c *pgCluster) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// startPGCluster initializes and starts a cluster, skipping the test when
// the PostgreSQL server binaries are not installed (failing under
// CUPOLA_TEST_REQUIRE_POSTGRES=1).
func startPGCluster(t *testing.T) *pgCluster {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...) + "; this test starts and stops a PostgreSQL cluster of its own"
		if os.Getenv(postgrestest.EnvRequire) == "1" {
			t.Fatalf("%s=1 but %s", postgrestest.EnvRequire, msg)
		}
		t.Skip(msg)
	}
	bin := os.Getenv("CUPOLA_CI_POSTGRES_BIN")
	if bin == "" {
		found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
		slices.SortFunc(found, func(a, b string) int {
			va, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(a))))
			vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(b))))
			return va - vb
		})
		if len(found) == 0 {
			unavailable("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (set CUPOLA_CI_POSTGRES_BIN)")
		}
		bin = filepath.Dir(found[len(found)-1])
	}
	for _, b := range []string{"initdb", "pg_ctl"} {
		if _, err := os.Stat(filepath.Join(bin, b)); err != nil {
			unavailable("%s not found in %s", b, bin)
		}
	}
	c := &pgCluster{bin: bin, asPostgres: os.Geteuid() == 0}
	var pgUser *user.User
	if c.asPostgres {
		u, err := user.Lookup("postgres")
		if err != nil {
			unavailable("running as root, and there is no postgres user to run the cluster as")
		}
		pgUser = u
	}
	// Under /tmp, which the postgres user can reach.
	dir, err := os.MkdirTemp("/tmp", "cupola-instances-pg.")
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
			c.pgctl("-D", filepath.Join(dir, "data"), "-m", "immediate", "-w", "-t", "30", "stop")
		}
		os.RemoveAll(dir)
	})
	if pgUser != nil {
		uid, _ := strconv.Atoi(pgUser.Uid)
		gid, _ := strconv.Atoi(pgUser.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := c.run("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c.start(t)
	return c
}

// run runs one of the cluster's binaries, as its owner.
func (c *pgCluster) run(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.asPostgres {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c *pgCluster) pgctl(args ...string) (string, error) { return c.run("pg_ctl", args...) }

func (c *pgCluster) start(t *testing.T) {
	t.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB",
		c.port, c.dir)
	if out, err := c.pgctl("-D", filepath.Join(c.dir, "data"), "-l", filepath.Join(c.dir, "postgres.log"), "-w", "-t", "60",
		"-o", opts, "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

func (c *pgCluster) stop(t *testing.T) {
	t.Helper()
	if out, err := c.pgctl("-D", filepath.Join(c.dir, "data"), "-m", "fast", "-w", "-t", "60", "stop"); err != nil {
		t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}
