package userpool

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

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
// reported with its line number and skipped. When the import stops early
// (Strict, a store failure, ctx), the error comes with the report of the
// rows before it: unlike other operations, the output is then not nil.
func (p *UserPool) ImportUsers(ctx context.Context, in ImportUsersInput) (*ImportUsersOutput, error) {
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
	rep := &ImportReport{}
	for {
		if err := ctx.Err(); err != nil {
			return &ImportUsersOutput{ImportReport: rep}, err
		}
		rec, err := cr.Read()
		if err == io.EOF {
			return &ImportUsersOutput{ImportReport: rep}, nil
		}
		var rowErr error
		line, username := 0, ""
		if err == nil {
			line, _ = cr.FieldPos(0)
		} else {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return &ImportUsersOutput{ImportReport: rep}, invalidParam("cannot read the CSV: " + err.Error())
			}
			line, rowErr = pe.StartLine, invalidParam("malformed CSV row: "+pe.Err.Error())
		}
		if err == nil {
			if userCol >= 0 {
				username = rec[userCol]
			}
			var skipped bool
			skipped, rowErr = p.importRow(ctx, cols, rec, userCol, hashCol)
			if rowErr == nil && skipped {
				rep.Skipped++
				continue
			}
		}
		if rowErr == nil {
			rep.Imported++
			continue
		}
		var pe *Error
		if errors.As(rowErr, &pe) && pe.Code == CodeInternalError {
			return &ImportUsersOutput{ImportReport: rep}, rowErr
		}
		rep.Failed++
		re := ImportRowError{Line: line, Username: sanitize(username), Err: rowErr}
		if len(rep.Errors) < maxImportErrors {
			rep.Errors = append(rep.Errors, re)
		}
		if in.Strict {
			return &ImportUsersOutput{ImportReport: rep}, &Error{Code: CodeInvalidParameter, Message: re.Error(), Err: rowErr}
		}
	}
}

// importRow creates one user; skipped reports an existing user.
func (p *UserPool) importRow(ctx context.Context, cols, rec []string, userCol, hashCol int) (skipped bool, err error) {
	var attrs []Attribute
	for i, v := range rec {
		if v == "" || i == userCol || i == hashCol {
			continue
		}
		if cols[i] == "cognito:mfa_enabled" {
			if strings.EqualFold(v, "false") {
				continue
			}
			return false, invalidParam("cognito:mfa_enabled=true cannot be imported before MFA exists")
		}
		attrs = append(attrs, Attribute{Name: cols[i], Value: v})
	}
	vals, err := p.checkAdminAttributes(attrs, true)
	if err != nil {
		return false, err
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
		return false, err
	}
	if missing := p.requiredMissing(vals); missing != "" {
		return false, invalidParam("the required attribute " + missing + " is missing")
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
			return false, invalidParam("the password hash is not bcrypt (cost ≤ 14) or argon2id within bounds")
		}
		status, cred = store.StatusConfirmed, store.PasswordCredential{Hash: rec[hashCol]}
	}
	sub, err := random.UUID(p.random)
	if err != nil {
		return false, internalErr("import", err)
	}
	if username == "" {
		username = sub
	}
	now := p.now()
	cred.ChangedAt = now
	_, err = p.store.CreateUser(ctx, store.User{PoolID: p.cfg.ID, Sub: sub, Username: username, UsernameKey: p.usernameKey(username),
		Status: status, Enabled: true, Attributes: vals, Aliases: p.aliasesOf(vals, nil), Password: cred, CreatedAt: now, UpdatedAt: now})
	var exists *store.ExistsError
	if errors.As(err, &exists) {
		if exists.Key == "username" || len(p.cfg.UsernameAttributes) > 0 {
			return true, nil
		}
		return false, newErr(CodeAliasExists, "An account with the given "+exists.Key+" already exists.")
	}
	if err != nil {
		return false, internalErr("import", err)
	}
	return false, nil
}
