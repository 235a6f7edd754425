package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Output formats of -o.
const (
	formatText = "text"
	formatJSON = "json"
)

// outputFlag adds -o to a listing or get command.
func outputFlag(fs *flag.FlagSet) *string {
	return fs.String("o", formatText, "output `format`: text (an aligned table) or json (see 'JSON output' in the package documentation)")
}

// checkOutput refuses an -o value other than text or json.
func checkOutput(cmd, format string) error {
	if format != formatText && format != formatJSON {
		return usagef("%s: -o %q is not text or json", cmd, format)
	}
	return nil
}

// writeJSON prints v as indented JSON followed by a line break.
func (a *app) writeJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// table returns a tabwriter for aligned text output on stdout.
func (a *app) table() *tabwriter.Writer {
	return tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
}

// timeText formats a time for text output: RFC 3339 in UTC, "-" for none.
func timeText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// timeJSON is a time for JSON output: nil (null) for none.
func timeJSON(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// derefTime is *t, or the zero time for nil.
func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// maxPasswordBytes bounds a password read from stdin.
const maxPasswordBytes = 1024

// readPasswordStdin reads a password from the first line of stdin; the
// line break is not part of it.
func (a *app) readPasswordStdin() (string, error) {
	r := bufio.NewReader(io.LimitReader(a.stdin, maxPasswordBytes+1))
	line, err := r.ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	if len(line) > maxPasswordBytes {
		return "", fmt.Errorf("read the password from stdin: longer than %d bytes", maxPasswordBytes)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usagef("-password-stdin: stdin holds no password")
	}
	return pw, nil
}

// generatePassword returns a random password of at least n characters
// with an upper-case and a lower-case letter, a digit and a symbol, so
// that it meets any password policy of that length.
func (a *app) generatePassword(n int) (string, error) {
	const (
		upper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		lower  = "abcdefghijkmnopqrstuvwxyz"
		digits = "23456789"
		symbol = "!@#%&*-_=+?"
	)
	n = max(n, 16)
	all := upper + lower + digits + symbol
	sets := []string{upper, lower, digits, symbol}
	b := make([]byte, n)
	for i := range b {
		set := all
		if i < len(sets) {
			set = sets[i]
		}
		c, err := a.randomIndex(len(set))
		if err != nil {
			return "", err
		}
		b[i] = set[c]
	}
	// Shuffle, so the guaranteed classes are not always first.
	for i := len(b) - 1; i > 0; i-- {
		j, err := a.randomIndex(i + 1)
		if err != nil {
			return "", err
		}
		b[i], b[j] = b[j], b[i]
	}
	return string(b), nil
}

// randomIndex returns a uniform random number in [0, n), n ≤ 256.
func (a *app) randomIndex(n int) (int, error) {
	limit := 256 - 256%n // reject the bias of the last partial range
	var buf [1]byte
	for {
		if _, err := io.ReadFull(a.random, buf[:]); err != nil {
			return 0, fmt.Errorf("generate a password: %w", err)
		}
		if int(buf[0]) < limit {
			return int(buf[0]) % n, nil
		}
	}
}

// cell makes s safe for one cell of a text table: printable, on one line,
// without the tabs that separate cells.
func cell(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ").Replace(printable(s))
}
