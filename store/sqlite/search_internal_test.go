package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cupola-auth/cupola/store"
)

// queryPlan returns the detail column of EXPLAIN QUERY PLAN for query.
func queryPlan(t *testing.T, db *sql.DB, query string, args []any) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

func TestListUsersIsAnsweredFromAnIndex(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "cupola.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := seedUsers(ctx, s, "p", 300, 3); err != nil {
		t.Fatal(err)
	}
	queries := []struct {
		name string
		q    store.UserQuery
	}{
		{"every user", store.UserQuery{Limit: 60}},
		{"every user after a sub", store.UserQuery{Limit: 60, AfterSub: "sub-000100"}},
		{"an exact email", store.UserQuery{Attribute: store.SearchEmail, Value: "user000001@example.com", Limit: 60}},
		{"an exact status after a cursor", store.UserQuery{Attribute: store.SearchStatus, Value: "CONFIRMED", Limit: 60,
			AfterKey: "CONFIRMED", AfterSub: "sub-000100"}},
		{"an email prefix", store.UserQuery{Attribute: store.SearchEmail, Value: "user0", Prefix: true, Limit: 61}},
		{"an email prefix after a cursor", store.UserQuery{Attribute: store.SearchEmail, Value: "user0", Prefix: true, Limit: 61,
			AfterKey: "user000100@example.com", AfterSub: "sub-000100"}},
		{"an empty prefix", store.UserQuery{Attribute: store.SearchUsername, Prefix: true, Limit: 61}},
		{"a prefix of 0xFF bytes", store.UserQuery{Attribute: store.SearchName, Value: "\xff\xff", Prefix: true, Limit: 61}},
		{"an exact sub", store.UserQuery{Attribute: store.SearchSub, Value: "sub-000100", Limit: 60}},
		{"a sub prefix after a cursor", store.UserQuery{Attribute: store.SearchSub, Value: "sub-0", Prefix: true, Limit: 61,
			AfterKey: "sub-000100", AfterSub: "sub-000100"}},
		{"every sub after a cursor that is not a pair of subs", store.UserQuery{Attribute: store.SearchSub, Prefix: true, Limit: 61,
			AfterKey: "sub-000100", AfterSub: "sub-0000"}},
		{"every sub after a cursor of a sub alone", store.UserQuery{Attribute: store.SearchSub, Prefix: true, Limit: 61,
			AfterSub: "sub-000100"}},
	}
	check := func(t *testing.T) {
		for _, tt := range queries {
			t.Run(tt.name, func(t *testing.T) {
				query, args, err := listUsersQuery("p", tt.q)
				if err != nil {
					t.Fatalf("listUsersQuery: %v", err)
				}
				plan := queryPlan(t, s.reader.DB, query, args)
				if len(plan) == 0 {
					t.Fatal("empty plan")
				}
				for _, step := range plan {
					if !strings.HasPrefix(step, "SEARCH ") || strings.Contains(step, "TEMP B-TREE") {
						t.Errorf("plan step %q is not an index search; plan: %q", step, plan)
					}
				}
			})
		}
	}
	t.Run("without statistics", check)
	if _, err := s.writer.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	t.Run("after ANALYZE", check)
}

func TestPrefixEnd(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
		ok             bool
	}{
		{"the last byte is incremented", "abc", "abd", true},
		{"trailing 0xFF bytes are dropped before incrementing", "a\xff\xff", "b", true},
		{"a multibyte rune is incremented bytewise", "é", "\xc3\xaa", true},
		{"an empty prefix has no end", "", "", false},
		{"a prefix of only 0xFF bytes has no end", "\xff\xff", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := prefixEnd(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("prefixEnd(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestListUsersQueryRefusesBadInput(t *testing.T) {
	for _, tt := range []struct {
		name string
		q    store.UserQuery
	}{
		{"a zero limit is refused", store.UserQuery{}},
		{"a negative limit is refused", store.UserQuery{Limit: -1}},
		{"an attribute that is not searchable is refused", store.UserQuery{Attribute: "custom:team", Limit: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := listUsersQuery("p", tt.q); !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("listUsersQuery(%+v): %v, want ErrInvalid", tt.q, err)
			}
		})
	}
}

// only0001 is the embedded migrations up to version 1: a database as the
// first release of this package left it.
func only0001(t *testing.T) fs.FS {
	t.Helper()
	b, err := fs.ReadFile(migrationsFS, "migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{"migrations/0001_init.sql": &fstest.MapFile{Data: b}}
}

func TestUpgradeFrom0001IndexesTheUsersAlreadyStored(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "cupola.db")
	db := rawDB(t, path)
	if err := migrate(ctx, db, only0001(t), nil, discard); err != nil {
		t.Fatalf("migrate to 0001: %v", err)
	}
	// More users than one backfill batch, in two pools, written as the
	// 0001 code did: no user_search rows.
	const n = backfillBatch*2 + 7
	var want []store.User
	for i := range n {
		pool := []string{"p1", "p2"}[i%2]
		u := store.User{PoolID: pool, Sub: fmt.Sprintf("sub-%04d", i), Username: fmt.Sprintf("User%04d", i),
			UsernameKey: fmt.Sprintf("user%04d", i), Status: store.StatusConfirmed, Enabled: i%3 != 0,
			Attributes: map[string]string{"email": fmt.Sprintf("u%04d@d%d.example", i, i%5)}}
		if i%7 == 0 {
			u.Attributes["given_name"] = "Zoë"
			u.Attributes["phone_number"] = "" // empty: never indexed
		}
		u.Version = 1
		_, docs, err := encodeUser(u)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO users (pool_id, sub, username, username_key, status, enabled,
			attributes, aliases, password_hash, srp_salt, srp_verifier, password_temporary, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', '', 0, 1)`,
			u.PoolID, u.Sub, u.Username, u.UsernameKey, string(u.Status), boolInt(u.Enabled), docs.attrs, docs.aliases); err != nil {
			t.Fatalf("insert user at 0001: %v", err)
		}
		want = append(want, u)
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open (upgrade): %v", err)
	}
	defer s.Close()

	var rows, wantRows int
	if err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM user_search`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	for _, u := range want {
		wantRows += len(searchKeys(u))
	}
	if rows != wantRows {
		t.Errorf("user_search has %d rows after the upgrade, want %d", rows, wantRows)
	}
	for _, tt := range []struct {
		name string
		pool string
		q    store.UserQuery
		want func(store.User) bool
	}{
		{"an old user is found by exact email", "p1", store.UserQuery{Attribute: store.SearchEmail, Value: "u0010@d0.example", Limit: 10},
			func(u store.User) bool { return u.Sub == "sub-0010" }},
		{"old users are found by email prefix", "p2", store.UserQuery{Attribute: store.SearchEmail, Value: "u01", Prefix: true, Limit: 1000},
			func(u store.User) bool { return u.PoolID == "p2" && strings.HasPrefix(u.Attributes["email"], "u01") }},
		{"old users are found by enabled state", "p1", store.UserQuery{Attribute: store.SearchEnabled, Value: "Disabled", Limit: 1000},
			func(u store.User) bool { return u.PoolID == "p1" && !u.Enabled }},
		{"old users are found by a non-ASCII given name", "p2", store.UserQuery{Attribute: store.SearchGivenName, Value: "Zoë", Limit: 1000},
			func(u store.User) bool { return u.PoolID == "p2" && u.Attributes["given_name"] == "Zoë" }},
		{"an empty attribute value is not indexed", "p1", store.UserQuery{Attribute: store.SearchPhoneNumber, Prefix: true, Limit: 1000},
			func(store.User) bool { return false }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListUsers(ctx, tt.pool, tt.q)
			if err != nil {
				t.Fatalf("ListUsers: %v", err)
			}
			var wantSubs []string
			for _, u := range want {
				if tt.want(u) {
					wantSubs = append(wantSubs, u.Sub)
				}
			}
			var gotSubs []string
			for _, u := range got {
				gotSubs = append(gotSubs, u.Sub)
			}
			slices.Sort(gotSubs)
			if !slices.Equal(gotSubs, wantSubs) {
				t.Fatalf("ListUsers found %d users %v…, want %d %v…", len(gotSubs), head(gotSubs), len(wantSubs), head(wantSubs))
			}
		})
	}
	// Writes after the upgrade keep the backfilled rows in step.
	u, err := s.GetUser(ctx, "p1", "sub-0010")
	if err != nil {
		t.Fatal(err)
	}
	u.Attributes["email"] = "moved@example.com"
	if _, err := s.UpdateUser(ctx, u); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if got, err := s.ListUsers(ctx, "p1", store.UserQuery{Attribute: store.SearchEmail, Value: "u0010@d0.example", Limit: 10}); err != nil || len(got) != 0 {
		t.Errorf("old email after update: %d users, %v; want none", len(got), err)
	}
}

func head(s []string) []string { return s[:min(len(s), 3)] }

func TestAFailingGoStepRollsBackItsMigration(t *testing.T) {
	ctx := context.Background()
	db := rawDB(t, filepath.Join(t.TempDir(), "m.db"))
	files := migrationFS(map[string]string{"0001_a.sql": `CREATE TABLE a (x INTEGER);`, "0002_b.sql": `CREATE TABLE b (y INTEGER);`})
	ran := 0
	steps := map[int]migrationStep{2: func(ctx context.Context, tx *sql.Tx) error {
		ran++
		if _, err := tx.ExecContext(ctx, `INSERT INTO b VALUES (1)`); err != nil {
			return err
		}
		return fmt.Errorf("backfill broke")
	}}
	err := migrate(ctx, db, files, steps, discard)
	if err == nil || !strings.Contains(err.Error(), "backfill broke") || !strings.Contains(err.Error(), "0002_b.sql") {
		t.Fatalf("migrate: %v, want the step's error naming 0002_b.sql", err)
	}
	if ran != 1 {
		t.Errorf("step ran %d times, want 1", ran)
	}
	if tableExists(t, db, "a") || tableExists(t, db, "b") {
		t.Error("tables of the failed upgrade were kept")
	}
}
