package userpool_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/cupola-auth/cupola/internal/passhash"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

func TestImportUsers(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t))
			bc, err := bcrypt.GenerateFromPassword([]byte("old-bcrypt-Password1"), bcrypt.MinCost)
			if err != nil {
				t.Fatal(err)
			}
			h, err := passhash.New(passhash.Options{Params: passhash.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
			if err != nil {
				t.Fatal(err)
			}
			argon, err := h.Hash(e.ctx, "old-argon-Password2")
			if err != nil {
				t.Fatal(err)
			}
			csv := "cognito:username,email,email_verified,name,cognito:mfa_enabled," + userpool.ImportHashColumn + "\n" +
				"liz,liz@example.com,true,Liz,false," + string(bc) + "\n" +
				"max,max@example.com,true,Max,false,\"" + argon + "\"\n" + // PHC strings hold commas: quoted
				"ned,ned@example.com,false,,false,\n" +
				"bad user,x@example.com,true,,false,\n" + // whitespace in the username
				"oli,not-an-email,true,,false,\n" +
				"pam,pam@example.com,true,,false,$2a$31$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234\n" + // cost 31
				"\"unterminated,x\n"
			rep, err := e.pool.ImportUsers(e.ctx, userpool.ImportUsersInput{CSV: strings.NewReader(csv)})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Imported != 3 || rep.Failed != 4 || rep.Skipped != 0 {
				t.Fatalf("report = %+v", rep)
			}
			lines := []int{}
			for _, re := range rep.Errors {
				lines = append(lines, re.Line)
			}
			if len(lines) != 4 || lines[0] != 5 || lines[1] != 6 || lines[2] != 7 || lines[3] != 8 {
				t.Fatalf("error lines = %v (%v)", lines, rep.Errors)
			}

			e.mustSignIn("liz", "old-bcrypt-Password1")
			u, err := e.store.GetUserByUsername(e.ctx, e.cfg.ID, "liz")
			if err != nil || !strings.HasPrefix(u.Password.Hash, "$argon2id$") {
				t.Fatalf("bcrypt hash not upgraded at sign-in: %q, %v", u.Password.Hash, err)
			}
			e.mustSignIn("max", "old-argon-Password2")
			// Any password "needs a reset" would tell a stranger ned exists:
			// a client that prevents existence errors hears a wrong password,
			// a LEGACY one the reset.
			if _, err := e.signIn("ned", "anything-at-all-1"); !errors.Is(err, userpool.ErrNotAuthorized) {
				t.Fatalf("user imported without hash: %v, want NotAuthorizedException", err)
			}
			e.passwordClient("legacy", func(c *userpool.ClientConfig) { c.PreventUserExistenceErrors = "LEGACY" })
			if _, err := e.signInWith("legacy", "ned", "anything-at-all-1", nil); !errors.Is(err, userpool.ErrPasswordResetRequired) {
				t.Fatalf("user imported without hash at a LEGACY client: %v, want PasswordResetRequiredException", err)
			}
			ned, err := e.pool.AdminGetUser(e.ctx, userpool.AdminGetUserInput{Username: "ned"})
			if err != nil || ned.UserStatus != store.StatusResetRequired {
				t.Fatalf("ned = %+v, %v", ned, err)
			}

			// Re-running changes nothing.
			rep, err = e.pool.ImportUsers(e.ctx, userpool.ImportUsersInput{CSV: strings.NewReader(csv)})
			if err != nil || rep.Imported != 0 || rep.Skipped != 3 {
				t.Fatalf("re-run report = %+v, %v", rep, err)
			}
		})
	}
}

func TestImportStrictStopsAtFirstBadRow(t *testing.T) {
	e := newMemEnv(t)
	csv := "cognito:username,email\nqua,qua@example.com\nbad user,b@example.com\nrex,rex@example.com\n"
	rep, err := e.pool.ImportUsers(e.ctx, userpool.ImportUsersInput{CSV: strings.NewReader(csv), Strict: true})
	if !errors.Is(err, userpool.ErrInvalidParameter) || rep.Imported != 1 || rep.Failed != 1 {
		t.Fatalf("strict import = %+v, %v", rep, err)
	}
	if _, err := e.pool.AdminGetUser(e.ctx, userpool.AdminGetUserInput{Username: "rex"}); !errors.Is(err, userpool.ErrUserNotFound) {
		t.Fatalf("row after the bad one was imported: %v", err)
	}
}

func TestImportRefusesBadHeaders(t *testing.T) {
	e := newMemEnv(t)
	for _, csv := range []string{"", "email\nx@example.com\n", "cognito:username,shoe_size\nsam,44\n"} {
		if _, err := e.pool.ImportUsers(e.ctx, userpool.ImportUsersInput{CSV: strings.NewReader(csv)}); !errors.Is(err, userpool.ErrInvalidParameter) {
			t.Errorf("ImportUsers(%q) = %v, want InvalidParameterException", csv, err)
		}
	}
}

// Rows reach the store in batches; the report must read as if every row
// had been created alone: line-numbered errors in file order, duplicates
// of earlier rows (in the same batch or an earlier one) skipped, a taken
// alias refused.
func TestImportBatchesReportRowByRow(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t), func(c *userpool.Config) { c.AliasAttributes = []string{"email"} })
			var b strings.Builder
			b.WriteString("cognito:username,email,email_verified\n")
			const rows = 2*store.MaxCreateUsers + 234 // three batches
			var wantLines []int
			imported, skipped := 0, 0
			for i := range rows {
				line := i + 2
				switch {
				case i%100 == 7: // a username of an earlier row, maybe an earlier batch
					fmt.Fprintf(&b, "u%d,other%d@example.com,true\n", i-7-(i/300)*5, i)
					skipped++
				case i%100 == 8: // the verified email of a row two before
					fmt.Fprintf(&b, "v%d,u%d@example.com,true\n", i, i-2)
					wantLines = append(wantLines, line)
				case i%100 == 9: // a malformed username
					fmt.Fprintf(&b, "bad user%d,b%d@example.com,true\n", i, i)
					wantLines = append(wantLines, line)
				default:
					fmt.Fprintf(&b, "u%d,u%d@example.com,true\n", i, i)
					imported++
				}
			}
			rep, err := e.pool.ImportUsers(e.ctx, userpool.ImportUsersInput{CSV: strings.NewReader(b.String())})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Imported != imported || rep.Skipped != skipped || rep.Failed != len(wantLines) {
				t.Fatalf("report = %d imported, %d skipped, %d failed; want %d, %d, %d",
					rep.Imported, rep.Skipped, rep.Failed, imported, skipped, len(wantLines))
			}
			for i, re := range rep.Errors {
				if re.Line != wantLines[i] {
					t.Fatalf("error %d at line %d, want %d (%v)", i, re.Line, wantLines[i], re)
				}
				if i%2 == 0 && !errors.Is(re.Err, userpool.ErrAliasExists) {
					t.Errorf("line %d: %v, want AliasExistsException", re.Line, re.Err)
				}
			}
			users, err := e.store.ListUsers(e.ctx, e.cfg.ID, store.UserQuery{Attribute: store.SearchEmail, Value: "u1000@example.com", Limit: 10})
			if err != nil || len(users) != 1 {
				t.Fatalf("ListUsers by email: %d users, %v", len(users), err)
			}

			rep, err = e.pool.ImportUsers(e.ctx, userpool.ImportUsersInput{CSV: strings.NewReader(b.String())})
			if err != nil || rep.Imported != 0 || rep.Skipped != imported+skipped || rep.Failed != len(wantLines) {
				t.Fatalf("re-run report = %d imported, %d skipped, %d failed, %v", rep.Imported, rep.Skipped, rep.Failed, err)
			}
		})
	}
}

// A row the store refuses (a taken alias) stops a strict import there,
// even though the rows after it went to the store in the same batch.
func TestImportStrictStopsAtATakenAlias(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t), func(c *userpool.Config) { c.AliasAttributes = []string{"email"} })
			csv := "cognito:username,email,email_verified\n" +
				"sue,sue@example.com,true\n" +
				"tom,sue@example.com,true\n" +
				"uma,uma@example.com,true\n"
			rep, err := e.pool.ImportUsers(e.ctx, userpool.ImportUsersInput{CSV: strings.NewReader(csv), Strict: true})
			if !errors.Is(err, userpool.ErrAliasExists) || rep.Imported != 1 || rep.Failed != 1 || rep.Errors[0].Line != 3 {
				t.Fatalf("strict import = %+v, %v", rep, err)
			}
			if _, err := e.pool.AdminGetUser(e.ctx, userpool.AdminGetUserInput{Username: "uma"}); !errors.Is(err, userpool.ErrUserNotFound) {
				t.Fatalf("row after the refused one was imported: %v", err)
			}
		})
	}
}

// importRows is a CSV of n rows u0…u{n-1} with their own emails, except
// that row taken (0-based) gives the email of row 3.
func importRows(n, taken int) string {
	var b strings.Builder
	b.WriteString("cognito:username,email,email_verified\n")
	for i := range n {
		email := i
		if i == taken {
			email = 3
		}
		fmt.Fprintf(&b, "u%d,u%d@example.com,true\n", i, email)
	}
	return b.String()
}

// A strict import refused by the store in its first batch stores nothing
// after the refused row: neither the rest of that batch nor a later one.
func TestImportStrictStopsAtATakenAliasBeforeLaterBatches(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t), func(c *userpool.Config) { c.AliasAttributes = []string{"email"} })
			const batch, taken = store.MaxCreateUsers, store.MaxCreateUsers - 400
			rep, err := e.pool.ImportUsers(e.ctx, userpool.ImportUsersInput{CSV: strings.NewReader(importRows(2*batch+500, taken)), Strict: true})
			if !errors.Is(err, userpool.ErrAliasExists) || rep.Imported != taken || rep.Failed != 1 || rep.Errors[0].Line != taken+2 {
				t.Fatalf("strict import = %d imported, %d failed, %v; want %d, 1 at line %d, AliasExistsException",
					rep.Imported, rep.Failed, err, taken, taken+2)
			}
			for _, i := range []int{taken + 1, batch - 1, batch, 2*batch - 1, 2*batch + 499} {
				name := fmt.Sprintf("u%d", i)
				if _, err := e.pool.AdminGetUser(e.ctx, userpool.AdminGetUserInput{Username: name}); !errors.Is(err, userpool.ErrUserNotFound) {
					t.Errorf("%s, after the refused row, was imported: %v", name, err)
				}
			}
		})
	}
}

// batchFailingStore fails its failAt-th CreateUsers call (1-based) and
// counts them all.
type batchFailingStore struct {
	store.Store
	failAt int32
	calls  atomic.Int32
}

func (f *batchFailingStore) CreateUsers(ctx context.Context, users []store.User) ([]error, error) {
	if f.calls.Add(1) == f.failAt {
		return nil, errOutage
	}
	return f.Store.CreateUsers(ctx, users)
}

// A store failure ends the import at its batch: the report holds the
// batches before it, and no later batch reaches the store.
func TestImportStopsAtAFailedBatch(t *testing.T) {
	fs := &batchFailingStore{Store: memory.New(), failAt: 2}
	e := newEnv(t, fs)
	const batch = store.MaxCreateUsers
	rep, err := e.pool.ImportUsers(e.ctx, userpool.ImportUsersInput{CSV: strings.NewReader(importRows(4*batch+500, -1))})
	if !errors.Is(err, userpool.ErrInternal) || !errors.Is(err, errOutage) {
		t.Fatalf("import over a failing store: %v, want InternalErrorException wrapping the outage", err)
	}
	if rep == nil || rep.Imported != batch || rep.Failed != 0 {
		t.Fatalf("report = %+v, want the first batch's %d users", rep, batch)
	}
	if n := fs.calls.Load(); n != 2 {
		t.Errorf("CreateUsers called %d times, want 2: nothing after the failed batch", n)
	}
	if _, err := e.pool.AdminGetUser(e.ctx, userpool.AdminGetUserInput{Username: fmt.Sprintf("u%d", 2*batch)}); !errors.Is(err, userpool.ErrUserNotFound) {
		t.Errorf("a row of the third batch was imported: %v", err)
	}
}
