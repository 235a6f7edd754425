package userpool

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/cupola-auth/cupola/internal/passhash"
	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/store"
)

// ImportHashColumn is the CSV column Cupola adds to Cognito's user-import
// format: a password hash the user keeps signing in with (bcrypt
// $2a$/$2b$/$2y$ up to cost 13, or argon2id PHC up to 64 MiB and 256 MiB ×
// passes). The hash is upgraded to the pool's parameters at the user's
// first sign-in.
const ImportHashColumn = "cupola:password_hash"

// maxImportErrors bounds the row errors kept in a report.
const maxImportErrors = 1000

// ImportRowError is one refused row.
type ImportRowError struct {
	Line     int
	Username string
	Err      error
}

func (e ImportRowError) Error() string {
	return fmt.Sprintf("line %d (%s): %v", e.Line, e.Username, e.Err)
}

// ImportReport sums up an import.
type ImportReport struct {
	Imported int
	// Skipped rows name users that already exist: re-running an import
	// changes nothing.
	Skipped int
	Failed  int
	// Errors lists refused rows (the first 1000).
	Errors []ImportRowError
}

// ImportUsersInput is ImportUsers's request.
type ImportUsersInput struct {
	// CSV is the file, in Cognito's import format (see ImportUsers).
	CSV io.Reader
	// Strict stops at the first bad row instead of skipping it. Rows
	// before it stay imported; the import is idempotent, so fix the file
	// and run it again.
	Strict bool
}

// ImportUsersOutput is ImportUsers's answer.
type ImportUsersOutput struct {
	*ImportReport
}

// ImportUsers reads users from Cognito's user-import CSV (a header row of
// attribute names with cognito:username, then one user a row), streaming:
// the file is never held in memory. Users with an ImportHashColumn value
// are CONFIRMED and sign in with their old password; users without one are
// RESET_REQUIRED and must reset it (ForgotPassword). A malformed row is
// reported with its line number and skipped. Rows reach the store in
// batches of store.MaxCreateUsers (5,000), one transaction each
// (store.Users.CreateUsers), and the report is what creating them one at
// a time would give. When the import stops early (Strict, a store
// failure, ctx), the error comes with the report of the rows before it:
// unlike other operations, the output is then not nil.
func (p *UserPool) ImportUsers(ctx context.Context, in ImportUsersInput) (_ *ImportUsersOutput, err error) {
	ctx, ob := p.begin(ctx, "ImportUsers", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	r := in.CSV
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, invalidParam("cannot read the CSV header: " + err.Error())
	}
	cols := make([]string, len(header))
	copy(cols, header)
	userCol, hashCol := -1, -1
	for i, name := range cols {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
		cols[i] = name
		switch name {
		case "cognito:username":
			userCol = i
		case ImportHashColumn:
			hashCol = i
		case "cognito:mfa_enabled", "email_verified", "phone_number_verified":
		default:
			if _, ok := p.schemaOf(name); !ok {
				return nil, invalidParam("CSV header: attribute " + sanitize(name) + " is not in the pool's schema")
			}
		}
	}
	if userCol < 0 && len(p.cfg.UsernameAttributes) == 0 {
		return nil, invalidParam("CSV header: the cognito:username column is required")
	}
	b := importBatch{p: p, rep: &ImportReport{}, strict: in.Strict}
	for {
		if err := ctx.Err(); err != nil {
			return &ImportUsersOutput{ImportReport: b.rep}, err
		}
		rec, err := cr.Read()
		if err == io.EOF {
			return &ImportUsersOutput{ImportReport: b.rep}, b.flush(ctx)
		}
		row := importEntry{}
		if err == nil {
			row.line, _ = cr.FieldPos(0)
		} else {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				if ferr := b.flush(ctx); ferr != nil {
					return &ImportUsersOutput{ImportReport: b.rep}, ferr
				}
				return &ImportUsersOutput{ImportReport: b.rep}, invalidParam("cannot read the CSV: " + err.Error())
			}
			row.line, row.err = pe.StartLine, invalidParam("malformed CSV row: "+pe.Err.Error())
		}
		if err == nil {
			if userCol >= 0 {
				row.username = rec[userCol]
			}
			row.user, row.err = p.importUser(cols, rec, userCol, hashCol)
			var pe *Error
			if errors.As(row.err, &pe) && pe.Code == CodeInternalError {
				if ferr := b.flush(ctx); ferr != nil {
					return &ImportUsersOutput{ImportReport: b.rep}, ferr
				}
				return &ImportUsersOutput{ImportReport: b.rep}, row.err
			}
		}
		b.rows = append(b.rows, row)
		// In strict mode a refused row ends the import: the rows before it
		// are stored at once, and none after it is read.
		if len(b.rows) == importBatchSize || (in.Strict && row.err != nil) {
			if err := b.flush(ctx); err != nil {
				return &ImportUsersOutput{ImportReport: b.rep}, err
			}
		}
	}
}

// importBatchSize is how many rows ImportUsers hands the store in one
// CreateUsers call: one transaction (one fsync) per importBatchSize users,
// and memory bounded by it whatever the file's size. The most the store
// takes, because a commit's cost is the pages it writes, and with random
// subs the more rows share a commit, the more of them share a page: on
// SQLite at 100,000 rows, 14,500 rows/s in batches of 1,000, 19,000 of
// 2,500, 22,400 of 5,000. On SQLite the pool's other writes wait for a
// batch in progress: up to 0.43 s at 5,000 on two cores (0.22 s at 1,000).
const importBatchSize = store.MaxCreateUsers

// importEntry is one data row of an import on its way to the store.
type importEntry struct {
	line     int
	username string // as the row gives it, for the report
	user     store.User
	// err refuses the row before the store sees it.
	err error
}

// importBatch gathers rows for CreateUsers and turns the store's outcomes
// into the report, in file order, exactly as if every row had been
// created alone.
type importBatch struct {
	p      *UserPool
	rep    *ImportReport
	strict bool
	rows   []importEntry
	users  []store.User // scratch for flush
}

// flush creates the gathered users in one CreateUsers call and reports
// every gathered row. A non-nil error ends the import: strict mode met a
// refused row, or the store failed.
func (b *importBatch) flush(ctx context.Context) error {
	if len(b.rows) == 0 {
		return nil
	}
	rows := b.rows
	b.rows = b.rows[:0]
	b.users = b.users[:0]
	for _, r := range rows {
		if r.err == nil {
			b.users = append(b.users, r.user)
		}
	}
	var outcomes []error
	if len(b.users) > 0 {
		var err error
		if outcomes, err = b.p.store.CreateUsers(ctx, b.users); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return internalErr("import", err)
		}
	}
	next := 0 // the next outcome
	for i, r := range rows {
		rowErr := r.err
		if rowErr == nil {
			outcome := outcomes[next]
			next++
			var exists *store.ExistsError
			switch {
			case outcome == nil:
				b.rep.Imported++
				continue
			case errors.As(outcome, &exists) && (exists.Key == "username" || len(b.p.cfg.UsernameAttributes) > 0):
				b.rep.Skipped++
				continue
			case errors.As(outcome, &exists):
				rowErr = newErr(CodeAliasExists, "An account with the given "+exists.Key+" already exists.")
			default:
				return b.stop(ctx, rows[i+1:], outcomes[next:], internalErr("import", outcome))
			}
		}
		b.rep.Failed++
		re := ImportRowError{Line: r.line, Username: sanitize(r.username), Err: rowErr}
		if len(b.rep.Errors) < maxImportErrors {
			b.rep.Errors = append(b.rep.Errors, re)
		}
		if b.strict {
			return b.stop(ctx, rows[i+1:], outcomes[next:], &Error{Code: CodeInvalidParameter, Message: re.Error(), Err: rowErr})
		}
	}
	return nil
}

// stop ends the import at a row of a batch already stored: the users
// created from the rows after it (rest, whose outcomes are outcomes) are
// deleted again, so the import stops at that row as it would have
// creating one user at a time. It returns err. The deletions run
// undoWorkers at a time, so that a store which commits concurrent writes
// together (SQLite's group commit) undoes a batch of thousands in a few
// commits rather than one each.
func (b *importBatch) stop(ctx context.Context, rest []importEntry, outcomes []error, err error) error {
	ctx = context.WithoutCancel(ctx)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		fails []error
		slots = make(chan struct{}, undoWorkers)
	)
	next := 0
	for _, r := range rest {
		if r.err != nil {
			continue
		}
		created := outcomes[next] == nil
		next++
		if !created {
			continue
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			derr := b.p.store.DeleteUser(ctx, r.user.PoolID, r.user.Sub)
			if derr != nil && !errors.Is(derr, store.ErrNotFound) {
				mu.Lock()
				fails = append(fails, derr)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(fails) > 0 {
		return internalErr("import: undo the rows after the one that stopped it", errors.Join(append([]error{err}, fails...)...))
	}
	return err
}

// undoWorkers is how many deletions stop runs at once.
const undoWorkers = 32

// importUser validates one row and returns the user it creates.
func (p *UserPool) importUser(cols, rec []string, userCol, hashCol int) (store.User, error) {
	var attrs []Attribute
	for i, v := range rec {
		if v == "" || i == userCol || i == hashCol {
			continue
		}
		if cols[i] == "cognito:mfa_enabled" {
			if strings.EqualFold(v, "false") {
				continue
			}
			return store.User{}, invalidParam("cognito:mfa_enabled=true cannot be imported before MFA exists")
		}
		attrs = append(attrs, Attribute{Name: cols[i], Value: v})
	}
	vals, err := p.checkAdminAttributes(attrs, true)
	if err != nil {
		return store.User{}, err
	}
	given := ""
	if userCol >= 0 {
		given = rec[userCol]
	}
	if len(p.cfg.UsernameAttributes) > 0 {
		for _, a := range p.cfg.UsernameAttributes {
			if vals[a] != "" {
				given = vals[a]
				break
			}
		}
	}
	username, err := p.signUpUsername(given, vals)
	if err != nil {
		return store.User{}, err
	}
	if missing := p.requiredMissing(vals); missing != "" {
		return store.User{}, invalidParam("the required attribute " + missing + " is missing")
	}
	for attr, flag := range verifiedFlags {
		if vals[attr] == "" {
			delete(vals, flag)
		} else if vals[flag] == "" {
			vals[flag] = "false"
		}
	}
	status, cred := store.StatusResetRequired, store.PasswordCredential{}
	if hashCol >= 0 && rec[hashCol] != "" {
		if err := passhash.Check(rec[hashCol]); err != nil {
			return store.User{}, invalidParam("the password hash is not bcrypt (cost ≤ 14) or argon2id within bounds")
		}
		status, cred = store.StatusConfirmed, store.PasswordCredential{Hash: rec[hashCol]}
	}
	sub, err := random.UUID(p.random)
	if err != nil {
		return store.User{}, internalErr("import", err)
	}
	if username == "" {
		username = sub
	}
	now := p.now()
	cred.ChangedAt = now
	return store.User{PoolID: p.cfg.ID, Sub: sub, Username: username, UsernameKey: p.usernameKey(username),
		Status: status, Enabled: true, Attributes: vals, Aliases: p.aliasesOf(vals, nil), Password: cred, CreatedAt: now, UpdatedAt: now}, nil
}
