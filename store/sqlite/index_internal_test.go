package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/cupola-auth/cupola/store"
)

// indexRows returns the rows of user_aliases ("alias kind=value sub") and
// user_search ("search attr=key sub") as stored, sorted.
func indexRows(t *testing.T, s *Store) []string {
	t.Helper()
	var rows []string
	for _, q := range []string{
		`SELECT 'alias ' || pool_id || ' ' || kind || '=' || value || ' ' || sub FROM user_aliases`,
		`SELECT 'search ' || pool_id || ' ' || attr || '=' || key || ' ' || sub FROM user_search`,
	} {
		rs, err := s.reader.QueryContext(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rs.Next() {
			var r string
			if err := rs.Scan(&r); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, r)
		}
		if err := rs.Close(); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(rows)
	return rows
}

// derivedRows returns the rows user_aliases and user_search must hold for
// the users stored, in indexRows' form.
func derivedRows(t *testing.T, s *Store) []string {
	t.Helper()
	rs, err := s.reader.QueryContext(t.Context(), `SELECT u.pool_id, `+userColumns+` FROM users u`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var rows []string
	for rs.Next() {
		var pool string
		u, err := scanUser(scanFunc(func(dest ...any) error { return rs.Scan(append([]any{&pool}, dest...)...) }), "")
		if err != nil {
			t.Fatal(err)
		}
		for kind, value := range u.Aliases {
			rows = append(rows, fmt.Sprintf("alias %s %s=%s %s", pool, kind, value, u.Sub))
		}
		for attr, key := range searchKeys(u) {
			rows = append(rows, fmt.Sprintf("search %s %s=%s %s", pool, attr, key, u.Sub))
		}
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(rows)
	return rows
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// Since migration 0012, user_aliases and user_search have no index by sub
// and no foreign key: every write removes the rows of the user's old
// version by primary key, derived from the stored row. Any write that
// left a row behind, or forgot one, shows here as a difference between
// the tables and what the users rows derive.
func TestIndexRowsFollowTheUsersRow(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "cupola.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	user := func(pool, sub, email, phone string) store.User {
		u := store.User{PoolID: pool, Sub: sub, Username: "User-" + sub, UsernameKey: "user-" + sub,
			Status: store.StatusConfirmed, Enabled: true,
			Attributes: map[string]string{"email": email, "given_name": "Ann"}, Aliases: map[string]string{}}
		if email != "" {
			u.Aliases["email"] = email
		}
		if phone != "" {
			u.Attributes["phone_number"] = phone
			u.Aliases["phone_number"] = phone
		}
		return u
	}
	check := func(step string) {
		t.Helper()
		if got, want := indexRows(t, s), derivedRows(t, s); !slices.Equal(got, want) {
			t.Fatalf("after %s the index tables hold\n%q\nbut the users rows derive\n%q", step, got, want)
		}
	}
	steps := []struct {
		name string
		do   func(context.Context) error
	}{
		{"creating users", func(ctx context.Context) error {
			for _, u := range []store.User{user("p", "a", "a@x.example", "+15550001"), user("p", "b", "b@x.example", ""),
				user("q", "a", "a@x.example", "")} {
				if _, err := s.CreateUser(ctx, u); err != nil {
					return err
				}
			}
			return nil
		}},
		{"a batch whose second alias of a user is taken", func(ctx context.Context) error {
			// "d" has a free email (inserted first) and a taken phone:
			// nothing of it may stay, its email row included.
			out, err := s.CreateUsers(ctx, []store.User{user("p", "c", "c@x.example", "+15550003"),
				user("p", "d", "d@x.example", "+15550001"), user("p", "e", "", "")})
			if err != nil {
				return err
			}
			var exists *store.ExistsError
			if out[0] != nil || !errors.As(out[1], &exists) || out[2] != nil {
				return fmt.Errorf("outcomes %v, want nil, taken phone, nil", out)
			}
			return nil
		}},
		{"changing aliases, attributes, status and enabled", func(ctx context.Context) error {
			u, err := s.GetUser(ctx, "p", "a")
			if err != nil {
				return err
			}
			u.Attributes["email"], u.Aliases["email"] = "a2@x.example", "a2@x.example"
			delete(u.Attributes, "phone_number")
			delete(u.Aliases, "phone_number")
			u.Attributes["family_name"] = "Lee"
			u.Status, u.Enabled = store.StatusResetRequired, false
			_, err = s.UpdateUser(ctx, u)
			return err
		}},
		{"changing only a search attribute", func(ctx context.Context) error {
			u, err := s.GetUser(ctx, "p", "b")
			if err != nil {
				return err
			}
			u.Attributes["given_name"] = "Bea"
			_, err = s.UpdateUser(ctx, u)
			return err
		}},
		{"an update refused for a taken alias", func(ctx context.Context) error {
			u, err := s.GetUser(ctx, "p", "b")
			if err != nil {
				return err
			}
			u.Aliases["email"] = "c@x.example"
			var exists *store.ExistsError
			if _, err := s.UpdateUser(ctx, u); !errors.As(err, &exists) {
				return fmt.Errorf("UpdateUser with a taken email: %v, want an ExistsError", err)
			}
			return nil
		}},
		{"deleting users", func(ctx context.Context) error {
			for _, sub := range []string{"c", "e"} {
				if err := s.DeleteUser(ctx, "p", sub); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, st := range steps {
		if err := st.do(ctx); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		check(st.name)
	}
	// The freed email is free again, and another pool's user of the same
	// sub kept its rows throughout.
	if _, err := s.CreateUser(ctx, user("p", "f", "c@x.example", "")); err != nil {
		t.Fatalf("CreateUser with a deleted user's email: %v", err)
	}
	check("reusing a deleted user's email")
	if got, err := s.ListUsers(ctx, "q", store.UserQuery{Attribute: store.SearchEmail, Value: "a@x.example", Limit: 10}); err != nil || len(got) != 1 {
		t.Fatalf("the other pool's user by email: %d users, %v", len(got), err)
	}
}

// Migration 0012 leaves user_aliases and user_search with neither a
// foreign key nor an index other than their primary keys.
func TestIndexTablesHaveOnlyTheirPrimaryKeys(t *testing.T) {
	s := openStore(t)
	for _, table := range []string{"user_aliases", "user_search"} {
		var fks, indexes int
		if err := s.reader.QueryRowContext(t.Context(), `SELECT count(*) FROM pragma_foreign_key_list(?)`, table).Scan(&fks); err != nil {
			t.Fatal(err)
		}
		if err := s.reader.QueryRowContext(t.Context(), `SELECT count(*) FROM pragma_index_list(?) WHERE origin != 'pk'`, table).Scan(&indexes); err != nil {
			t.Fatal(err)
		}
		if fks != 0 || indexes != 0 {
			t.Errorf("%s has %d foreign keys and %d secondary indexes, want none", table, fks, indexes)
		}
	}
}

// JSON holds only UTF-8, and a user's alias and search rows are removed as
// derived from its JSON: a name or value that is not UTF-8 would come back
// as U+FFFD and leave its rows behind, so it is refused and nothing stored.
func TestAttributesThatAreNotUTF8AreRefused(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	for _, u := range []store.User{
		{Attributes: map[string]string{"email": "a\xff@x.example"}},
		{Aliases: map[string]string{"email": "a\xc3@x.example"}},
		{Attributes: map[string]string{"custom:\xff": "v"}},
	} {
		u.PoolID, u.Sub, u.Username, u.UsernameKey, u.Status = "p", "s", "u", "u", store.StatusConfirmed
		if _, err := s.CreateUser(ctx, u); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("CreateUser(%q, %q) = %v, want ErrInvalid", u.Attributes, u.Aliases, err)
		}
		out, err := s.CreateUsers(ctx, []store.User{u})
		if err != nil || !errors.Is(out[0], store.ErrInvalid) {
			t.Errorf("CreateUsers(%q, %q) = %v, %v; want ErrInvalid for the user", u.Attributes, u.Aliases, out, err)
		}
	}
	good, err := s.CreateUser(ctx, store.User{PoolID: "p", Sub: "s", Username: "u", UsernameKey: "u", Status: store.StatusConfirmed})
	if err != nil {
		t.Fatal(err)
	}
	good.Attributes = map[string]string{"name": "\xff"}
	if _, err := s.UpdateUser(ctx, good); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("UpdateUser with a name that is not UTF-8 = %v, want ErrInvalid", err)
	}
	if got := indexRows(t, s); len(got) != len(derivedRows(t, s)) {
		t.Errorf("index rows %q after refused writes", got)
	}
}

// upTo is the embedded migrations up to version v: a database as the
// release that stopped there left it.
func upTo(t *testing.T, v int) fs.FS {
	t.Helper()
	ms, err := loadMigrations(migrationsFS)
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, m := range ms[:v] {
		out["migrations/"+m.name] = &fstest.MapFile{Data: []byte(m.sql)}
	}
	return out
}

// A database of schema 11 holds alias rows, search rows of the sub, and
// both by-sub indexes; migration 0012 keeps the rows that are derived
// from users (all but the sub's) and later writes find them.
func TestUpgradeFrom0011KeepsTheIndexRows(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "cupola.db")
	db := rawDB(t, path)
	if err := migrate(ctx, db, upTo(t, 11), migrationSteps(), discard); err != nil {
		t.Fatalf("migrate to 0011: %v", err)
	}
	for i := range 30 {
		u := store.User{PoolID: "p", Sub: fmt.Sprintf("sub-%02d", i), Username: fmt.Sprintf("User%02d", i),
			UsernameKey: fmt.Sprintf("user%02d", i), Status: store.StatusConfirmed, Enabled: i%4 != 0,
			Attributes: map[string]string{"email": fmt.Sprintf("u%02d@x.example", i), "given_name": "Ann"},
			Aliases:    map[string]string{"email": fmt.Sprintf("u%02d@x.example", i)}}
		u.Version = 1
		u, docs, err := encodeUser(u)
		if err != nil {
			t.Fatal(err)
		}
		// What the schema-11 code wrote: the row, its alias, and a search
		// row for every attribute, the sub included.
		if _, err := db.ExecContext(ctx, insertUserSQL, u.PoolID, u.Sub, u.Username, u.UsernameKey, string(u.Status),
			boolInt(u.Enabled), docs.attrs, docs.aliases, "", "", "", 0, nil, nil, 1, nil, nil, docs.mfa); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, insertAliasSQL, u.PoolID, "email", u.Aliases["email"], u.Sub); err != nil {
			t.Fatal(err)
		}
		for _, attr := range store.SearchAttributes() {
			if k, ok := store.SearchKey(u, attr); ok {
				if _, err := db.ExecContext(ctx, `INSERT INTO user_search (pool_id, attr, key, sub) VALUES (?, ?, ?, ?)`,
					u.PoolID, attr, k, u.Sub); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open (upgrade): %v", err)
	}
	defer s.Close()
	if got, want := indexRows(t, s), derivedRows(t, s); !slices.Equal(got, want) || len(got) != 30*6 {
		t.Fatalf("after the upgrade the index tables hold %d rows, the users derive %d (want 180: an alias and five search keys each)", len(got), len(want))
	}
	u, err := s.GetUserByAlias(ctx, "p", "email", "u07@x.example")
	if err != nil || u.Sub != "sub-07" {
		t.Fatalf("GetUserByAlias after the upgrade = %q, %v", u.Sub, err)
	}
	if got, err := s.ListUsers(ctx, "p", store.UserQuery{Attribute: store.SearchSub, Value: "sub-07", Limit: 10}); err != nil || len(got) != 1 {
		t.Fatalf("ListUsers by sub after the upgrade: %d users, %v", len(got), err)
	}
	u.Aliases["email"], u.Attributes["email"] = "moved@x.example", "moved@x.example"
	if _, err := s.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, "p", "sub-08"); err != nil {
		t.Fatal(err)
	}
	if got, want := indexRows(t, s), derivedRows(t, s); !slices.Equal(got, want) {
		t.Fatalf("after writes on the upgraded database the index tables hold\n%q\nbut the users derive\n%q", got, want)
	}
}
