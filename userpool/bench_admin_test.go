package userpool_test

import (
	"bufio"
	"fmt"
	"io"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/cupola-auth/cupola/internal/passhash"
	"github.com/cupola-auth/cupola/userpool"
)

// csvUsers streams n import rows without holding them in memory, in
// 64 KiB writes as a file would be read (a pipe written row by row would
// hand the reader one row per Read).
func csvUsers(n int, hash string) io.Reader {
	r, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 64<<10)
		fmt.Fprintf(w, "cognito:username,email,email_verified,given_name,%s\n", userpool.ImportHashColumn)
		for i := range n {
			if _, err := fmt.Fprintf(w, "user%07d,user%07d@%s.example,true,User,%q\n", i, i, []string{"alpha", "beta", "gamma"}[i%3], hash); err != nil {
				return
			}
		}
		pw.CloseWithError(w.Flush())
	}()
	return r
}

// BenchmarkImportUsers reports rows/s; run it with -benchtime 100000x for
// the 100k figure. Hashes are checked (PHC syntax and bounds) and stored,
// not re-hashed, at import. The targets are 20,000 rows/s on SQLite
// without hashes and 10,000 with them.
func BenchmarkImportUsers(b *testing.B) {
	bc, err := bcrypt.GenerateFromPassword([]byte("imported-Password-1"), 10)
	if err != nil {
		b.Fatal(err)
	}
	h, err := passhash.New(passhash.Options{Params: passhash.Params{Memory: 64 * 1024, Time: 3, Threads: 4, SaltLen: 16, KeyLen: 32}})
	if err != nil {
		b.Fatal(err)
	}
	argon, err := h.Hash(b.Context(), "imported-Password-1")
	if err != nil {
		b.Fatal(err)
	}
	for _, kind := range []string{"sqlite", "postgres"} {
		for _, c := range []struct{ name, hash string }{{"nohash", ""}, {"bcrypt", string(bc)}, {"argon2id", argon}} {
			b.Run(kind+"/"+c.name, func(b *testing.B) {
				e := benchEnvOn(b, kind)
				b.ResetTimer()
				rep, err := e.pool.ImportUsers(e.ctx, userpool.ImportUsersInput{CSV: csvUsers(b.N, c.hash), Strict: true})
				if err != nil || rep.Imported != b.N {
					b.Fatalf("import: %+v, %v", rep, err)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

// BenchmarkListUsers reads the first page of 60 users of pools of 1k,
// 100k and 1M users (the scale fixtures of bench_scale_test.go), with an
// email-prefix filter every user of the 1k pool matches ("prefix") and
// without one ("all"): the 1M case must cost no more than twice the 1k
// case (an index, not a scan). -short skips 100k and 1M.
func BenchmarkListUsers(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		for _, n := range []struct {
			name  string
			users int
		}{{"1k", 1_000}, {"100k", 100_000}, {"1M", 1_000_000}} {
			for _, c := range []struct{ name, filter string }{{"prefix", `email ^= "user00"`}, {"all", ""}} {
				b.Run(fmt.Sprintf("%s/%s/%s", kind, n.name, c.name), func(b *testing.B) {
					e := scaleFixtureFor(b, kind, n.users).env(b)
					in := userpool.ListUsersInput{Filter: c.filter, Limit: 60}
					for b.Loop() {
						out, err := e.pool.ListUsers(e.ctx, in)
						if err != nil || len(out.Users) != 60 {
							b.Fatalf("ListUsers: %d users, %v", len(out.Users), err)
						}
					}
				})
			}
		}
	}
}

// benchEnvOn is a pool with cheap hashing (nothing is hashed here) on a
// store of that kind.
func benchEnvOn(b *testing.B, kind string) *env {
	for _, sk := range storeKinds {
		if sk.name == kind {
			return newEnv(b, sk.open(b))
		}
	}
	b.Fatalf("no store %q", kind)
	return nil
}
