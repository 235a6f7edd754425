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
	"os/user"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/cupola-auth/cupola/userpool"
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
  cupola users get -username U
  cupola users create -username U -email E [-attribute k=v...] [-password-stdin] [-suppress]
  cupola users delete|enable|disable|confirm|reset-password|sign-out -username U
  cupola users set-password -username U [-password-stdin [-permanent]]
  cupola users groups -username U                the groups a user belongs to
  cupola groups create -name G [-description D] [-precedence N] [-role-arn ARN]
  cupola groups list | delete -name G
  cupola groups add|remove -name G -username U
  cupola clients create -name N -callback URL [-callback URL...] [-secret]
  cupola clients list | get -id ID | delete -id ID
  cupola clients update -id ID [-name N] [-callback URL...] [-scope S...] ...
  cupola idps create -name N -type T -detail k=v [-detail k=v...] [-mapping attr=claim...] [-identifier ID...]
  cupola idps list | describe -name N | delete -name N
  cupola idps sp-metadata -name N                SAML service-provider metadata for provider N
  cupola import [-strict] FILE.csv               import users (Cognito's user-import CSV)
  cupola keys list                               signing keys and their state
  cupola keys rotate [-publish-ahead 24h]        publish a new signing key, sign with it later
  cupola config validate [-config cupola.yaml]   check a configuration without starting
  cupola config example                          print a complete, commented cupola.yaml

Listings and gets take -o text (an aligned table, the default) or -o json.
Passwords are read from stdin (-password-stdin), or generated and printed;
never give one on the command line, where it lands in the shell history.

Every command takes:
  -db PATH|DSN       SQLite file (default ./cupola.db); a postgres:// or
                     postgresql:// DSN selects PostgreSQL
  -config FILE       YAML configuration (pool, clients, resource servers,
                     identity providers, hosted UI branding, SMTP); without
                     it, a development pool
  -log-level LEVEL   debug, info, warn or error (default info)

Run 'cupola <command> -h' for a group's commands, 'cupola <command>
<subcommand> -h' for a command's flags. Exit status: 0 on success,
1 on failure, 2 on a usage error.
`

// app is one invocation of the command: its output streams and the
// sources it reads, injectable for tests.
type app struct {
	stdout, stderr io.Writer
	// stdin is what -password-stdin reads.
	stdin io.Reader
	// isTerminal reports whether w is a terminal (import's progress bar).
	isTerminal func(w io.Writer) bool
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
		stdin:             os.Stdin,
		isTerminal:        isTerminal,
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

// command is a subcommand: its name, a one-line summary for its group's
// help, and its body.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) error
}

// commandGroup is a top-level command. A group with a single unnamed
// command (serve, import) runs it directly; the others dispatch on their
// first argument.
type commandGroup struct {
	name    string
	summary string
	cmds    []command
}

// commands is the dispatch table.
func (a *app) commands() []commandGroup {
	return []commandGroup{
		{"serve", "serve the hosted UI and the OAuth2/OIDC endpoints", []command{{"", "", a.serve}}},
		{"users", "manage the pool's users", []command{
			{"list", "list users, optionally filtered (Cognito's ListUsers filter syntax)", a.usersList},
			{"create", "create a user who chooses a new password at the first sign-in", a.usersCreate},
			{"disable", "disable a user and sign them out everywhere", a.usersDisable},
			{"enable", "enable a disabled user", a.usersEnable},
			{"get", "show one user and their attributes", a.usersGet},
			{"delete", "delete a user and everything issued to them", a.usersDelete},
			{"confirm", "confirm an UNCONFIRMED user without a code", a.usersConfirm},
			{"set-password", "set a user's password (temporary unless -permanent)", a.usersSetPassword},
			{"reset-password", "require a password reset; a code goes to the verified email or phone", a.usersResetPassword},
			{"sign-out", "sign a user out of every session", a.usersSignOut},
			{"groups", "list the groups a user belongs to", a.usersGroups},
		}},
		{"groups", "manage groups and their members", []command{
			{"create", "create a group", a.groupsCreate},
			{"list", "list the pool's groups", a.groupsList},
			{"delete", "delete a group and its memberships", a.groupsDelete},
			{"add", "add a user to a group", a.groupsAdd},
			{"remove", "remove a user from a group", a.groupsRemove},
		}},
		{"clients", "manage app clients", []command{
			{"create", "register an app client (its secret is printed once)", a.clientsCreate},
			{"list", "list the pool's app clients, without secrets", a.clientsList},
			{"get", "show one app client's settings", a.clientsGet},
			{"update", "change an app client's settings", a.clientsUpdate},
			{"delete", "delete an app client", a.clientsDelete},
		}},
		{"idps", "manage identity providers (OIDC, SAML, social)", []command{
			{"create", "add an identity provider", a.idpsCreate},
			{"list", "list the pool's identity providers", a.idpsList},
			{"describe", "show one identity provider (secrets hidden)", a.idpsDescribe},
			{"delete", "delete an identity provider", a.idpsDelete},
			{"sp-metadata", "print the SAML service-provider metadata for a provider", a.idpsSPMetadata},
		}},
		{"import", "import users from a CSV in Cognito's user-import format", []command{{"", "", a.importUsers}}},
		{"keys", "list and rotate the token signing keys", []command{
			{"list", "list the signing keys and their state", a.keysList},
			{"rotate", "publish a new signing key, sign with it later", a.keysRotate},
		}},
		{"config", "check a configuration, or print a complete example", []command{
			{"validate", "load and check a configuration without starting anything", a.configValidate},
			{"example", "print a complete, commented cupola.yaml", a.configExample},
		}},
	}
}

func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, usageText)
		return usagef("no command given")
	}
	if isHelp(args[0]) {
		fmt.Fprint(a.stdout, usageText)
		return nil
	}
	groups := a.commands()
	i := slices.IndexFunc(groups, func(g commandGroup) bool { return g.name == args[0] })
	if i < 0 {
		return usagef("unknown command %q; commands are %s", args[0], groupNames(groups))
	}
	g := groups[i]
	if len(g.cmds) == 1 && g.cmds[0].name == "" {
		return g.cmds[0].run(ctx, args[1:])
	}
	if len(args) < 2 {
		return usagef("%s needs a subcommand: %s", g.name, names(g.cmds))
	}
	if isHelp(args[1]) {
		a.groupHelp(g)
		return nil
	}
	for _, c := range g.cmds {
		if c.name == args[1] {
			// An administrator's command: the audit log names who ran it.
			return c.run(userpool.WithActor(ctx, a.cliActor()), args[2:])
		}
	}
	return usagef("unknown command %q %q; %s takes %s", g.name, args[1], g.name, names(g.cmds))
}

// cliActor is the audit log's actor for an admin command: "cli:" and the
// operating-system user running it.
func (a *app) cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli:uid-" + strconv.Itoa(os.Getuid())
}

// groupHelp prints a group's subcommands with their summaries.
func (a *app) groupHelp(g commandGroup) {
	fmt.Fprintf(a.stdout, "cupola %s: %s.\n\nUsage: cupola %s <command> [flags]\n\nCommands:\n", g.name, g.summary, g.name)
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, c := range g.cmds {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintf(a.stdout, "\nRun 'cupola %s <command> -h' for a command's flags.\n", g.name)
}

func names(cmds []command) string {
	s := make([]string, len(cmds))
	for i, c := range cmds {
		s[i] = c.name
	}
	return strings.Join(s, ", ")
}

func groupNames(groups []commandGroup) string {
	s := make([]string, len(groups))
	for i, g := range groups {
		s[i] = g.name
	}
	return strings.Join(s, ", ")
}
