package postgres

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
)

// upgradeUsers are users a 0001 schema may hold, with keys that test the
// backfill's reading of the users and attributes columns.
func upgradeUsers(pool string) []store.User {
	at := time.Date(2029, 5, 6, 7, 8, 9, 0, time.UTC)
	user := func(sub, username string, status store.UserStatus, enabled bool, attrs map[string]string) store.User {
		return store.User{PoolID: pool, Sub: sub, Username: username, UsernameKey: strings.ToLower(sub),
			Status: status, Enabled: enabled, Attributes: attrs, Version: 3, CreatedAt: at, UpdatedAt: at}
	}
	return []store.User{
		user("sub-plain", "Alice", store.StatusConfirmed, true, map[string]string{
			"email": "alice@example.com", "email_verified": "true", "phone_number": "+15555550100",
			"name": "Alice A", "given_name": "Alice", "family_name": "A", "preferred_username": "al",
			"custom:team": "red"}),
		user("sub-disabled", "bob", store.StatusResetRequired, false, map[string]string{"email": "bob@example.com"}),
		user("sub-nil-attributes", "carol", store.StatusUnconfirmed, true, nil),
		user("sub-empty-attributes", "dave", store.StatusForceChangePassword, true, map[string]string{}),
		user("sub-empty-values", "erin", store.StatusConfirmed, true, map[string]string{"email": "", "name": "", "given_name": "Erin"}),
		user("sub-escapes", `Zoë "the" \ <b>&`, store.StatusExternalProvider, true, map[string]string{
			"email": "zoë+<tag>&\"q\"@exämple.com", "name": "line\nbreak\ttab\u2028sep 😀 \u007f", "family_name": `back\slash`}),
		user("sub-long", strings.Repeat("ü", 700), store.StatusConfirmed, true, map[string]string{
			"name": strings.Repeat("long name ", 300), "given_name": strings.Repeat("é", 1500) + "z"}),
		user("sub-empty-username", "", "", false, map[string]string{"custom:only": "x"}),
	}
}

// insertV1 stores u as the 0001 store did: a users row, no user_search.
func insertV1(ctx context.Context, pool *pgxpool.Pool, u store.User) error {
	attrs, err := attributesJSON(u.Attributes)
	if err != nil {
		return err
	}
	_, err = pool.Exec(ctx, `INSERT INTO users (pool_id, sub, username, username_key, status, enabled,
		attributes, password_hash, srp_salt, srp_verifier, password_temporary,
		password_expires_at, password_changed_at, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		u.PoolID, u.Sub, u.Username, u.UsernameKey, string(u.Status), u.Enabled,
		attrs, u.Password.Hash, u.Password.SRPSalt, u.Password.SRPVerifier, u.Password.Temporary,
		ts(u.Password.ExpiresAt), ts(u.Password.ChangedAt), u.Version, ts(u.CreatedAt), ts(u.UpdatedAt))
	return err
}

type searchRow struct {
	attr string
	key  []byte
}

// schemaAt returns a pool on a fresh schema migrated up to version n (a
// database as the release that stopped there left it) and every embedded
// migration.
func schemaAt(t *testing.T, n int) (*pgxpool.Pool, []migration) {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), postgrestest.FreshSchemaDSN(t))
	if err != nil {
		t.Fatalf("pool: %v", err)
	}
	t.Cleanup(pool.Close)
	ms, err := loadMigrations()
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	if len(ms) <= n {
		t.Fatalf("%d migrations, want one after %04d", len(ms), n)
	}
	if err := applyMigrations(t.Context(), pool, slog.New(slog.DiscardHandler), ms[:n]); err != nil {
		t.Fatalf("migrate to %04d: %v", n, err)
	}
	return pool, ms
}

// wantLatestSchema fails unless the schema is at the last of ms.
func wantLatestSchema(t *testing.T, pool *pgxpool.Pool, ms []migration) {
	t.Helper()
	var version int64
	if err := pool.QueryRow(t.Context(), `SELECT max(version) FROM schema_migrations`).Scan(&version); err != nil {
		t.Fatalf("read version: %v", err)
	}
	if version != int64(len(ms)) {
		t.Errorf("schema version %d after New, want %d", version, len(ms))
	}
}

// Upgrading a database migrated by 0001 only, with users in it, indexes
// every user under exactly the keys store.SearchKey gives.
func TestUpgradeFromTheFirstSchema(t *testing.T) {
	ctx := t.Context()
	pool, ms := schemaAt(t, 1)
	users := upgradeUsers("old-pool")
	users = append(users, upgradeUsers("other-pool")[:2]...)
	for _, u := range users {
		if err := insertV1(ctx, pool, u); err != nil {
			t.Fatalf("insert %s as 0001 did: %v", u.Sub, err)
		}
	}

	s, err := New(ctx, pool)
	if err != nil {
		t.Fatalf("New on a 0001 schema: %v", err)
	}
	wantLatestSchema(t, pool, ms)

	for _, u := range users {
		t.Run("the keys of "+u.PoolID+"/"+u.Sub+" are store.SearchKey's", func(t *testing.T) {
			rows, err := pool.Query(ctx, `SELECT attr, key FROM user_search WHERE pool_id = $1 AND sub = $2 ORDER BY attr`, u.PoolID, u.Sub)
			if err != nil {
				t.Fatalf("read user_search: %v", err)
			}
			got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (searchRow, error) {
				var sr searchRow
				return sr, r.Scan(&sr.attr, &sr.key)
			})
			if err != nil {
				t.Fatalf("read user_search: %v", err)
			}
			var want []searchRow
			attrs, keys := searchRows(u)
			for i := range attrs {
				want = append(want, searchRow{attrs[i], keys[i]})
			}
			slices.SortFunc(want, func(a, b searchRow) int { return strings.Compare(a.attr, b.attr) })
			if !slices.EqualFunc(got, want, func(a, b searchRow) bool { return a.attr == b.attr && bytes.Equal(a.key, b.key) }) {
				t.Errorf("user_search rows:\n got %q\nwant %q", got, want)
			}
		})
	}

	t.Run("the upgraded users are found by ListUsers", func(t *testing.T) {
		for _, u := range upgradeUsers("old-pool") {
			for _, attr := range store.SearchAttributes() {
				key, ok := store.SearchKey(u, attr)
				if !ok {
					continue
				}
				got, err := s.ListUsers(ctx, "old-pool", store.UserQuery{Attribute: attr, Value: key, Limit: 10})
				if err != nil {
					t.Fatalf("ListUsers(%s): %v", attr, err)
				}
				if !slices.ContainsFunc(got, func(g store.User) bool { return g.Sub == u.Sub }) {
					t.Errorf("ListUsers(%s = %.40q) does not find %s", attr, key, u.Sub)
				}
			}
		}
	})

	t.Run("an upgraded user's update moves its keys", func(t *testing.T) {
		u, err := s.GetUser(ctx, "old-pool", "sub-plain")
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		u.Attributes = maps.Clone(u.Attributes)
		u.Attributes["email"] = "alice@example.org"
		delete(u.Attributes, "phone_number")
		if _, err := s.UpdateUser(ctx, u); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		for _, q := range []store.UserQuery{
			{Attribute: store.SearchEmail, Value: "alice@example.com", Limit: 10},
			{Attribute: store.SearchPhoneNumber, Value: "+", Prefix: true, Limit: 10},
		} {
			if got, err := s.ListUsers(ctx, "old-pool", q); err != nil || len(got) != 0 {
				t.Errorf("ListUsers(%s %q) = %d users, %v; want none", q.Attribute, q.Value, len(got), err)
			}
		}
		got, err := s.ListUsers(ctx, "old-pool", store.UserQuery{Attribute: store.SearchEmail, Value: "alice@example.org", Limit: 10})
		if err != nil || len(got) != 1 || got[0].Sub != "sub-plain" {
			t.Errorf("ListUsers(new email) = %v, %v; want sub-plain", subsOf(got), err)
		}
	})
}

func subsOf(us []store.User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Sub)
	}
	return out
}

// insertV2 stores u as the 0002 store did: a users row without mfa, its
// aliases and its user_search rows.
func insertV2(ctx context.Context, pool *pgxpool.Pool, u store.User) error {
	if err := insertV1(ctx, pool, u); err != nil {
		return err
	}
	kinds, values := aliasArrays(u.Aliases)
	if _, err := pool.Exec(ctx, `INSERT INTO user_aliases (pool_id, kind, value, sub)
		SELECT $1, k, v, $2 FROM unnest($3::text[], $4::text[]) AS t(k, v)`, u.PoolID, u.Sub, kinds, values); err != nil {
		return err
	}
	attrs, keys := searchRows(u)
	_, err := pool.Exec(ctx, `INSERT INTO user_search (pool_id, sub, attr, key)
		SELECT $1, $2, k.attr, k.key FROM unnest($3::text[], $4::bytea[]) AS k(attr, key)`, u.PoolID, u.Sub, attrs, keys)
	return err
}

// Upgrading a database migrated by 0002, with users, groups and
// memberships in it, gives every user the zero MFA without rewriting the
// table, and the upgraded users take MFA state and devices like new ones.
func TestUpgradeFromTheSecondSchema(t *testing.T) {
	ctx := t.Context()
	pool, ms := schemaAt(t, 2)
	users := upgradeUsers("old-pool")
	users[0].Aliases = map[string]string{"email": "alice@example.com", "phone_number": "+15555550100"}
	users = append(users, upgradeUsers("other-pool")[:2]...)
	for _, u := range users {
		if err := insertV2(ctx, pool, u); err != nil {
			t.Fatalf("insert %s as 0002 did: %v", u.Sub, err)
		}
	}
	if _, err := pool.Exec(ctx, `INSERT INTO groups (pool_id, name, description, role_arn, precedence, version)
		VALUES ('old-pool', 'admins', '', '', 0, 1)`); err != nil {
		t.Fatalf("insert group as 0002 did: %v", err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO group_members (pool_id, group_name, sub)
		VALUES ('old-pool', 'admins', 'sub-plain'), ('old-pool', 'admins', 'sub-escapes')`); err != nil {
		t.Fatalf("insert memberships as 0002 did: %v", err)
	}
	var filenode0 uint32
	if err := pool.QueryRow(ctx, `SELECT pg_relation_filenode('users')`).Scan(&filenode0); err != nil {
		t.Fatalf("read users filenode: %v", err)
	}

	s, err := New(ctx, pool)
	if err != nil {
		t.Fatalf("New on a 0002 schema: %v", err)
	}
	wantLatestSchema(t, pool, ms)

	t.Run("the migration adds the mfa column without rewriting users", func(t *testing.T) {
		var filenode uint32
		if err := pool.QueryRow(ctx, `SELECT pg_relation_filenode('users')`).Scan(&filenode); err != nil {
			t.Fatalf("read users filenode: %v", err)
		}
		if filenode != filenode0 {
			t.Errorf("users filenode %d after the migration, was %d: the table was rewritten", filenode, filenode0)
		}
	})

	for _, u := range users {
		t.Run(u.PoolID+"/"+u.Sub+" reads back as stored, with the zero MFA", func(t *testing.T) {
			got, err := s.GetUser(ctx, u.PoolID, u.Sub)
			if err != nil {
				t.Fatalf("GetUser: %v", err)
			}
			if want := normUser(u); !reflect.DeepEqual(got, want) {
				t.Errorf("GetUser:\n got %+v\nwant %+v", got, want)
			}
		})
	}

	t.Run("ListUsers and ListUsersInGroup read the upgraded users with the zero MFA", func(t *testing.T) {
		all, err := s.ListUsers(ctx, "old-pool", store.UserQuery{Limit: 100})
		if err != nil {
			t.Fatalf("ListUsers: %v", err)
		}
		members, err := s.ListUsersInGroup(ctx, "old-pool", "admins", "", 100)
		if err != nil {
			t.Fatalf("ListUsersInGroup: %v", err)
		}
		if len(all) != len(upgradeUsers("old-pool")) || len(members) != 2 {
			t.Fatalf("ListUsers gave %d users, ListUsersInGroup %d; want %d and 2", len(all), len(members), len(upgradeUsers("old-pool")))
		}
		for _, u := range append(all, members...) {
			if !reflect.DeepEqual(u.MFA, store.MFA{}) {
				t.Errorf("%s has MFA %+v, want the zero MFA", u.Sub, u.MFA)
			}
		}
	})

	t.Run("an upgraded user takes MFA state, compare-and-swapped on its old version", func(t *testing.T) {
		u, err := s.GetUser(ctx, "old-pool", "sub-plain")
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		u.MFA = store.MFA{TOTPSecret: []byte{0, 1, 0xff}, TOTPVerified: true, TOTPEnabled: true, TOTPLastStep: 59_000_001,
			Preferred: "SOFTWARE_TOKEN_MFA", RecoveryCodes: [][]byte{[]byte("h1"), []byte("h2")}}
		updated, err := s.UpdateUser(ctx, u)
		if err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		if updated.Version != 4 {
			t.Errorf("Version %d after the update, want 4", updated.Version)
		}
		if _, err := s.UpdateUser(ctx, u); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a second update from the same read: %v, want ErrConflict", err)
		}
		got, err := s.GetUser(ctx, "old-pool", "sub-plain")
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		if !reflect.DeepEqual(got, updated) {
			t.Errorf("GetUser:\n got %+v\nwant %+v", got, updated)
		}
	})

	t.Run("an upgraded user's devices go when it is deleted", func(t *testing.T) {
		d := store.Device{PoolID: "old-pool", Subject: "sub-disabled", Key: "old-pool_dev1", Name: "laptop"}
		if err := s.PutDevice(ctx, d); err != nil {
			t.Fatalf("PutDevice: %v", err)
		}
		if err := s.DeleteUser(ctx, "old-pool", "sub-disabled"); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM devices WHERE pool_id = 'old-pool' AND subject = 'sub-disabled'`).Scan(&n); err != nil {
			t.Fatalf("count devices: %v", err)
		}
		if n != 0 {
			t.Errorf("%d devices left after DeleteUser, want 0", n)
		}
	})

	t.Run("a user inserted as 0002 did after the upgrade reads with the zero MFA", func(t *testing.T) {
		// An instance of the previous build still running during a rolling
		// upgrade names no mfa column.
		late := upgradeUsers("late-pool")[0]
		if err := insertV2(ctx, pool, late); err != nil {
			t.Fatalf("insert as 0002 did: %v", err)
		}
		got, err := s.GetUser(ctx, "late-pool", late.Sub)
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		if !reflect.DeepEqual(got, normUser(late)) {
			t.Errorf("GetUser:\n got %+v\nwant %+v", got, normUser(late))
		}
	})
}

// Upgrading a database migrated by 0003, with expired sessions, codes and
// idle lockout keys in it, swaps the sessions' expiry index for per-pool
// ones, and Cleanup then removes what that schema stored.
func TestUpgradeFromTheThirdSchema(t *testing.T) {
	ctx := t.Context()
	pool, ms := schemaAt(t, 3)
	now := time.Date(2031, time.March, 14, 15, 0, 0, 0, time.UTC)
	old, recent, later := now.Add(-2*time.Hour), now.Add(-time.Minute), now.Add(time.Minute)
	if err := insertV2(ctx, pool, upgradeUsers("old-pool")[0]); err != nil {
		t.Fatalf("insert user as 0003 did: %v", err)
	}
	for _, q := range []struct {
		query string
		args  []any
	}{
		{`INSERT INTO auth_sessions (pool_id, id, subject, client_id, challenge, expires_at)
			VALUES ('old-pool', 'expired', 'sub-plain', 'c', 'SMS_MFA', $1), ('old-pool', 'live', 'sub-plain', 'c', 'SMS_MFA', $2)`,
			[]any{old, later}},
		{`INSERT INTO codes (pool_id, subject, purpose, hash, value, attempts, expires_at)
			VALUES ('old-pool', 'sub-plain', 'signup', '\x01', '', 0, $1), ('old-pool', 'sub-plain', 'forgot_password', '\x02', '', 0, $2)`,
			[]any{old, later}},
		{`INSERT INTO lockouts (pool_id, key, failures, last_attempt, locked_until)
			VALUES ('old-pool', 'unknown:idle', 2, $1, $1), ('old-pool', 'recent', 2, $2, $2), ('old-pool', 'hard', 100, $1, $1)`,
			[]any{old, recent}},
	} {
		if _, err := pool.Exec(ctx, q.query, q.args...); err != nil {
			t.Fatalf("write as 0003 did: %v", err)
		}
	}

	s, err := New(ctx, pool)
	if err != nil {
		t.Fatalf("New on a 0003 schema: %v", err)
	}
	wantLatestSchema(t, pool, ms)
	rows, err := pool.Query(ctx, `SELECT indexname FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename IN ('auth_sessions', 'codes', 'lockouts') ORDER BY indexname`)
	if err != nil {
		t.Fatalf("read indexes: %v", err)
	}
	indexes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("read indexes: %v", err)
	}
	want := []string{"auth_sessions_pkey", "auth_sessions_pool_expires_idx", "auth_sessions_subject_idx",
		"codes_pkey", "codes_pool_expires_idx", "lockouts_pkey", "lockouts_pool_locked_until_idx"}
	if !slices.Equal(indexes, want) {
		t.Errorf("indexes after the upgrade:\n got %q\nwant %q", indexes, want)
	}

	n, err := s.Cleanup(ctx, "old-pool", store.CleanupParams{Now: now, IdleBefore: now.Add(-time.Hour), KeepFailures: 100, Limit: 10})
	if err != nil || n != 3 {
		t.Fatalf("Cleanup = %d, %v; want 3 records removed", n, err)
	}
	for _, q := range []struct{ query, want string }{
		{`SELECT string_agg(id, ',' ORDER BY id) FROM auth_sessions`, "live"},
		{`SELECT string_agg(purpose, ',' ORDER BY purpose) FROM codes`, "forgot_password"},
		{`SELECT string_agg(key, ',' ORDER BY key) FROM lockouts`, "hard,recent"},
	} {
		var got string
		if err := pool.QueryRow(ctx, q.query).Scan(&got); err != nil {
			t.Fatalf("%s: %v", q.query, err)
		}
		if got != q.want {
			t.Errorf("%s = %q, want %q", q.query, got, q.want)
		}
	}
}
