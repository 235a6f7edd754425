package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const usageText = `Cupola runs a Cognito-style user pool: hosted sign-in pages and the
OAuth2/OpenID Connect endpoints, on SQLite or PostgreSQL.

Usage:
  cupola serve [-addr 127.0.0.1:8080]            serve the hosted UI and OAuth2/OIDC endpoints
  cupola users list [-filter 'email ^= "a"']     list users (Cognito's ListUsers filter syntax)
  cupola users create -username U -email E [-temporary-password P]
  cupola users disable -username U               disable a user and sign them out everywhere
  cupola users enable -username U
  cupola clients create -name N -callback URL [-callback URL...] [-secret]
  cupola clients list
  cupola idps create -name N -type T -detail k=v [-detail k=v...] [-mapping attr=claim...] [-identifier ID...]
  cupola idps list | describe -name N | delete -name N
  cupola idps sp-metadata -name N              SAML service-provider metadata for provider N
  cupola keys rotate [-publish-ahead 24h]        publish a new signing key, sign with it later

Every command takes:
  -db PATH|DSN       SQLite file (default ./cupola.db); a postgres:// or
                     postgresql:// DSN selects PostgreSQL
  -config FILE       YAML configuration (pool, clients, resource servers,
                     identity providers, hosted UI branding, SMTP); without
                     it, a development pool
  -log-level LEVEL   debug, info, warn or error (default info)

Run 'cupola <command> -h' for a command's flags. Exit status: 0 on success,
1 on failure, 2 on a usage error.
`

// app is one invocation of the command: its output streams and the
// sources it reads, injectable for tests.
type app struct {
	stdout, stderr io.Writer
	// lookupEnv reads an environment variable (os.LookupEnv).
	lookupEnv func(string) (string, bool)
	// random is the source of generated secrets and PKCE values.
	random io.Reader
	// now returns the current time.
	now func() time.Time
	// onListen, when set, is called with the server's address once it
	// listens (tests serve on port 0).
	onListen func(net.Addr)
	// shutdownTimeout bounds a graceful shutdown.
	shutdownTimeout time.Duration
	// keyReloadInterval is how often serve re-reads signing keys, so that
	// a rotation by another process is picked up.
	keyReloadInterval time.Duration
	// createdDevSecrets is the development secrets file this run
	// created, removed again if the start fails (open).
	createdDevSecrets string
	// tlsWatchInterval is how often serve checks its certificate files.
	tlsWatchInterval time.Duration
	// acmeClient, when set, is the HTTP client serve talks to an ACME CA
	// with (tests trust a local CA through it); nil is http.DefaultClient.
	acmeClient *http.Client
	// cleanup is when serve removes expired and idle records, and how many
	// at a time.
	cleanup cleanupSchedule
	// deliverInterval is how often serve retries queued messages.
	deliverInterval time.Duration
}

func newApp(stdout, stderr io.Writer) *app {
	return &app{
		stdout:            stdout,
		stderr:            stderr,
		lookupEnv:         os.LookupEnv,
		random:            rand.Reader,
		now:               time.Now,
		shutdownTimeout:   15 * time.Second,
		keyReloadInterval: time.Minute,
		tlsWatchInterval:  tlsWatchInterval,
		// Up to 10,000 records every ten minutes, in batches of 500.
		cleanup:         cleanupSchedule{interval: 10 * time.Minute, batch: 500, batches: 20},
		deliverInterval: 15 * time.Second,
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, restore the default handling so that a
		// second one ends a shutdown that hangs.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return newApp(stdout, stderr).run(ctx, args)
}

// usageError is a command line the command cannot run; it exits with 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

func (a *app) run(ctx context.Context, args []string) int {
	err := a.dispatch(ctx, args)
	var uerr *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &uerr):
		fmt.Fprintf(a.stderr, "cupola: %s\nRun 'cupola -h' for usage.\n", uerr.msg)
		return exitUsage
	case errors.Is(err, errFlagParse):
		// The flag package has already printed the error and the usage.
		return exitUsage
	default:
		fmt.Fprintf(a.stderr, "cupola: %v\n", err)
		return exitFailure
	}
}

// command is a subcommand: its name and its body.
type command struct {
	name string
	run  func(ctx context.Context, args []string) error
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, usageText)
		return usagef("no command given")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(a.stdout, usageText)
		return nil
	}
	groups := map[string][]command{
		"serve": {{"", a.serve}},
		"users": {
			{"list", a.usersList}, {"create", a.usersCreate},
			{"disable", a.usersDisable}, {"enable", a.usersEnable},
		},
		"clients": {{"create", a.clientsCreate}, {"list", a.clientsList}},
		"idps": {
			{"create", a.idpsCreate}, {"list", a.idpsList}, {"describe", a.idpsDescribe},
			{"delete", a.idpsDelete}, {"sp-metadata", a.idpsSPMetadata},
		},
		"keys": {{"rotate", a.keysRotate}},
	}
	cmds, ok := groups[args[0]]
	if !ok {
		return usagef("unknown command %q", args[0])
	}
	if len(cmds) == 1 && cmds[0].name == "" {
		return cmds[0].run(ctx, args[1:])
	}
	if len(args) < 2 {
		return usagef("%s needs a subcommand: %s", args[0], names(cmds))
	}
	for _, c := range cmds {
		if c.name == args[1] {
			return c.run(ctx, args[2:])
		}
	}
	return usagef("unknown command %q %q; %s takes %s", args[0], args[1], args[0], names(cmds))
}

func names(cmds []command) string {
	s := ""
	for i, c := range cmds {
		if i > 0 {
			s += ", "
		}
		s += c.name
	}
	return s
}
