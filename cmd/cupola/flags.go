package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
)

// errFlagParse reports flags the flag package refused; it has printed why.
var errFlagParse = errors.New("invalid flags")

// commonFlags are the flags every command takes.
type commonFlags struct {
	db       string
	config   string
	logLevel string
}

// flagSet returns a flag set for "cupola <name>" with the common flags.
func (a *app) flagSet(name, synopsis string) (*flag.FlagSet, *commonFlags) {
	fs := flag.NewFlagSet("cupola "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: cupola %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	c := &commonFlags{}
	fs.StringVar(&c.db, "db", "cupola.db", "SQLite `file`, or a postgres:// or postgresql:// DSN for PostgreSQL")
	fs.StringVar(&c.config, "config", "", "YAML configuration `file`; without it, a development pool")
	fs.StringVar(&c.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	return fs, c
}

// parse parses args and refuses positional arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return flag.ErrHelp
		}
		return errFlagParse
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q (flags go before arguments, and every value needs its flag)", fs.Name(), fs.Arg(0))
	}
	return nil
}

// logger builds the command's logger: text to stderr at the given level.
func (a *app) logger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("-log-level %q is not debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: l})), nil
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
