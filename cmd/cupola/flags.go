package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// errFlagParse reports flags the flag package refused; it has printed why.
var errFlagParse = errors.New("invalid flags")

// commonFlags are the flags every command takes.
type commonFlags struct {
	db        string
	config    string
	logLevel  string
	logFormat string
}

// flagSet returns a flag set for "cupola <name>" with the common flags.
func (a *app) flagSet(name, synopsis string) (*flag.FlagSet, *commonFlags) {
	fs := flag.NewFlagSet("cupola "+name, flag.ContinueOnError)
	// Help asked for goes to stdout, a flag error to stderr (parse).
	fs.SetOutput(&flagOutput{stdout: a.stdout, stderr: a.stderr})
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: cupola %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	c := &commonFlags{}
	fs.StringVar(&c.db, "db", "cupola.db", "SQLite `file`, or a postgres:// or postgresql:// DSN for PostgreSQL")
	fs.StringVar(&c.config, "config", "", "YAML configuration `file`; without it, a development pool")
	fs.StringVar(&c.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", "text", "log `format`: text (key=value lines) or json (one object a line)")
	return fs, c
}

// flagOutput holds what the flag package prints while parsing, so that
// parse can send help (-h) to stdout and errors to stderr.
type flagOutput struct {
	stdout, stderr io.Writer
	buf            bytes.Buffer
}

func (o *flagOutput) Write(p []byte) (int, error) { return o.buf.Write(p) }

// flush writes what was held to stdout or stderr and empties it.
func (o *flagOutput) flush(help bool) {
	w := o.stderr
	if help {
		w = o.stdout
	}
	w.Write(o.buf.Bytes())
	o.buf.Reset()
}

// parseFlags parses args, sending help to stdout and flag errors, with
// the usage, to stderr. Positional arguments are left in fs.Args().
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if o, ok := fs.Output().(*flagOutput); ok {
		o.flush(errors.Is(err, flag.ErrHelp))
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		return flag.ErrHelp
	case err != nil:
		return errFlagParse
	}
	return nil
}

// parse parses args and refuses positional arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q (flags go before arguments, and every value needs its flag)", fs.Name(), fs.Arg(0))
	}
	return nil
}

// logger builds the command's logger: text or JSON lines to stderr at the
// given level. Field names are stable (see doc.go, "Logs").
func (a *app) logger(cf *commonFlags) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(cf.logLevel)); err != nil {
		return nil, usagef("-log-level %q is not debug, info, warn or error", cf.logLevel)
	}
	return a.loggerAt(cf, l)
}

// auditLogger writes the pool's audit records in the log's format at
// Info whatever -log-level says: quieting the operational log never drops
// the audit trail.
func (a *app) auditLogger(cf *commonFlags) (*slog.Logger, error) {
	return a.loggerAt(cf, slog.LevelInfo)
}

func (a *app) loggerAt(cf *commonFlags, l slog.Level) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: l}
	switch cf.logFormat {
	case "", "text":
		return slog.New(slog.NewTextHandler(a.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(a.stderr, opts)), nil
	default:
		return nil, usagef("-log-format %q is not text or json", cf.logFormat)
	}
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	if v == "" {
		return errors.New("empty value")
	}
	*s = append(*s, v)
	return nil
}
