package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// progressInterval spaces the redraws of import's progress bar.
const progressInterval = 100 * time.Millisecond

// progressWidth is the number of cells in the progress bar.
const progressWidth = 30

// importJSON is import's report in JSON output. The field names are
// stable; errors holds at most the first 1000 refused rows.
type importJSON struct {
	Imported int               `json:"imported"`
	Skipped  int               `json:"skipped"`
	Failed   int               `json:"failed"`
	Errors   []importErrorJSON `json:"errors"`
}

// importErrorJSON is one refused row: its line in the file, the username
// it gives and why it was refused.
type importErrorJSON struct {
	Line     int    `json:"line"`
	Username string `json:"username"`
	Error    string `json:"error"`
}

// importUsers imports users from Cognito's user-import CSV (see
// userpool.UserPool.ImportUsers): users with a cupola:password_hash keep
// their password, the others must reset it. Existing users are skipped,
// so an import can run again. Each refused row is reported with its line;
// the exit status is 1 if any row was refused.
func (a *app) importUsers(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("import", "import [-strict] [-o text|json] FILE.csv\n\n"+
		"FILE.csv is in Cognito's user-import format: a header row of attribute names\n"+
		"(cognito:username, email, email_verified, given_name…, and Cupola's\n"+
		"cupola:password_hash: a bcrypt or argon2id hash the user keeps signing in\n"+
		"with), then one user a row. Users without a hash must reset their password.\n"+
		"Users that exist already are skipped, so an import can run again.")
	strict := fs.Bool("strict", false, "stop at the first refused row (the rows before it stay imported)")
	format := outputFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("import: the CSV file is required: cupola import [flags] FILE.csv")
	}
	path := fs.Arg(0)
	// Flags may follow the file too.
	if err := parse(fs, fs.Args()[1:]); err != nil {
		return err
	}
	if err := checkOutput("import", *format); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)

	var r io.Reader = f
	var bar *progressBar
	if *format == formatText && a.isTerminal(a.stdout) {
		bar = &progressBar{w: a.stdout, total: fi.Size(), now: a.now}
		r = &progressReader{r: f, bar: bar}
	}
	out, ierr := in.pool.ImportUsers(ctx, userpool.ImportUsersInput{CSV: r, Strict: *strict})
	if bar != nil {
		bar.finish()
	}
	if out == nil {
		return fmt.Errorf("import %s: %w", path, ierr)
	}
	rep := out.ImportReport
	if *format == formatJSON {
		j := importJSON{Imported: rep.Imported, Skipped: rep.Skipped, Failed: rep.Failed, Errors: []importErrorJSON{}}
		for _, e := range rep.Errors {
			j.Errors = append(j.Errors, importErrorJSON{Line: e.Line, Username: e.Username, Error: e.Err.Error()})
		}
		if err := a.writeJSON(j); err != nil {
			return err
		}
	} else {
		for _, e := range rep.Errors {
			user := ""
			if e.Username != "" {
				user = fmt.Sprintf(" (%s)", printable(e.Username))
			}
			fmt.Fprintf(a.stderr, "%s:%d%s: %s\n", path, e.Line, user, printable(e.Err.Error()))
		}
		if rep.Failed > len(rep.Errors) {
			fmt.Fprintf(a.stderr, "%s: %d more refused rows not listed\n", path, rep.Failed-len(rep.Errors))
		}
		fmt.Fprintf(a.stdout, "imported %d, skipped %d (already there), failed %d\n", rep.Imported, rep.Skipped, rep.Failed)
	}
	switch {
	case ierr != nil:
		return fmt.Errorf("import %s: stopped: %w", path, ierr)
	case rep.Failed > 0:
		return fmt.Errorf("import %s: %d %s refused", path, rep.Failed, plural(rep.Failed, "row was", "rows were"))
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// progressBar draws how much of the file was read, on one line rewritten
// with \r.
type progressBar struct {
	w     io.Writer
	total int64
	read  int64
	now   func() time.Time
	last  time.Time
	drawn bool
}

// add counts n more bytes read and redraws, at most every
// progressInterval.
func (b *progressBar) add(n int) {
	b.read += int64(n)
	if t := b.now(); !b.drawn || t.Sub(b.last) >= progressInterval {
		b.last = t
		b.draw()
	}
}

func (b *progressBar) draw() {
	b.drawn = true
	frac := 1.0
	if b.total > 0 {
		frac = min(float64(b.read)/float64(b.total), 1)
	}
	filled := int(frac * progressWidth)
	fmt.Fprintf(b.w, "\r[%s%s] %3d%%  %s / %s", strings.Repeat("#", filled), strings.Repeat(".", progressWidth-filled),
		int(frac*100), byteSize(b.read), byteSize(b.total))
}

// finish draws the final state and ends the line.
func (b *progressBar) finish() {
	b.draw()
	fmt.Fprintln(b.w)
}

// byteSize formats a byte count for the progress bar.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// progressReader reports what it reads to a progress bar.
type progressReader struct {
	r   io.Reader
	bar *progressBar
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.bar.add(n)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, fmt.Errorf("read: %w", err)
	}
	return n, err
}
