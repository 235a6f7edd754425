package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// embeddedUpTo is the embedded migrations up to version n and their Go
// steps: a database as the release that stopped at n left it.
func embeddedUpTo(t *testing.T, n int) (fs.FS, map[int]migrationStep) {
	t.Helper()
	ms, err := loadMigrations(migrationsFS)
	if err != nil {
		t.Fatal(err)
	}
	if n > len(ms) {
		t.Fatalf("no migration %d", n)
	}
	fsys := fstest.MapFS{}
	for _, m := range ms[:n] {
		fsys["migrations/"+m.name] = &fstest.MapFile{Data: []byte(m.sql)}
	}
	steps := map[int]migrationStep{}
	for v, step := range migrationSteps() {
		if v <= n {
			steps[v] = step
		}
	}
	return fsys, steps
}

func TestUpgradeFrom0002ReadsStoredUsersWithZeroMFA(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "cupola.db")
	db := rawDB(t, path)
	fsys, steps := embeddedUpTo(t, 2)
	if err := migrate(ctx, db, fsys, steps, discard); err != nil {
		t.Fatalf("migrate to 0002: %v", err)
	}
	// Users, a group and a membership written with the 0002 columns.
	created := time.Date(2030, time.January, 2, 3, 4, 5, 6000, time.UTC)
	var want []store.User
	for i := range 3 {
		u := store.User{PoolID: "p", Sub: fmt.Sprintf("sub-%d", i), Username: fmt.Sprintf("User%d", i),
			UsernameKey: fmt.Sprintf("user%d", i), Status: store.StatusConfirmed, Enabled: true,
			Attributes: map[string]string{"email": fmt.Sprintf("u%d@example.com", i)},
			Aliases:    map[string]string{"email": fmt.Sprintf("u%d@example.com", i)},
			Password:   store.PasswordCredential{Hash: "$argon2id$x"}, Version: 3, CreatedAt: created, UpdatedAt: created}
		u, docs, err := encodeUser(u)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO users (pool_id, sub, username, username_key, status, enabled,
			attributes, aliases, password_hash, srp_salt, srp_verifier, password_temporary, password_expires_at,
			password_changed_at, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, '', '', 0, NULL, NULL, ?, ?, ?)`,
			u.PoolID, u.Sub, u.Username, u.UsernameKey, string(u.Status), docs.attrs, docs.aliases,
			u.Password.Hash, u.Version, toMicros(u.CreatedAt), toMicros(u.UpdatedAt)); err != nil {
			t.Fatalf("insert user at 0002: %v", err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO user_aliases (pool_id, kind, value, sub) VALUES (?, 'email', ?, ?)`,
			u.PoolID, u.Aliases["email"], u.Sub); err != nil {
			t.Fatal(err)
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := insertSearch(ctx, tx, u); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		want = append(want, u)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO groups (pool_id, name, description, role_arn, precedence, version)
		VALUES ('p', 'admins', '', '', 0, 1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO group_members (pool_id, group_name, sub) VALUES ('p', 'admins', 'sub-1')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open (upgrade): %v", err)
	}
	defer s.Close()

	reads := []struct {
		name string
		read func() ([]store.User, error)
		want []store.User
	}{
		{"GetUser reads an old user with zero MFA", func() ([]store.User, error) {
			u, err := s.GetUser(ctx, "p", "sub-0")
			return []store.User{u}, err
		}, want[:1]},
		{"GetUserByUsername reads an old user with zero MFA", func() ([]store.User, error) {
			u, err := s.GetUserByUsername(ctx, "p", "user1")
			return []store.User{u}, err
		}, want[1:2]},
		{"GetUserByAlias reads an old user with zero MFA", func() ([]store.User, error) {
			u, err := s.GetUserByAlias(ctx, "p", "email", "u2@example.com")
			return []store.User{u}, err
		}, want[2:]},
		{"ListUsers reads old users with zero MFA", func() ([]store.User, error) {
			return s.ListUsers(ctx, "p", store.UserQuery{Limit: 10})
		}, want},
		{"ListUsers by email reads old users with zero MFA", func() ([]store.User, error) {
			return s.ListUsers(ctx, "p", store.UserQuery{Attribute: store.SearchEmail, Value: "u", Prefix: true, Limit: 10})
		}, want},
		{"ListUsersInGroup reads old members with zero MFA", func() ([]store.User, error) {
			return s.ListUsersInGroup(ctx, "p", "admins", "", 10)
		}, want[1:2]},
	}
	for _, tt := range reads {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.read()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}

	t.Run("an old user takes MFA state and devices after the upgrade", func(t *testing.T) {
		u := want[0]
		u.MFA = store.MFA{TOTPSecret: []byte{0, 1, 2, 0xff}, TOTPVerified: true, TOTPLastStep: 1 << 40,
			TOTPEnabled: true, Preferred: "SOFTWARE_TOKEN_MFA", RecoveryCodes: [][]byte{{1}, {2, 3}}}
		updated, err := s.UpdateUser(ctx, u)
		if err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		if updated.Version != u.Version+1 || !reflect.DeepEqual(updated.MFA, u.MFA) {
			t.Fatalf("UpdateUser returned version %d, MFA %+v; want %d, %+v", updated.Version, updated.MFA, u.Version+1, u.MFA)
		}
		got, err := s.GetUser(ctx, "p", u.Sub)
		if err != nil || !reflect.DeepEqual(got, updated) {
			t.Fatalf("GetUser after update = %+v, %v; want %+v", got, err, updated)
		}
		if err := s.PutDevice(ctx, store.Device{PoolID: "p", Subject: u.Sub, Key: "dev-1"}); err != nil {
			t.Fatalf("PutDevice: %v", err)
		}
		if err := s.DeleteUser(ctx, "p", u.Sub); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		var n int
		if err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM devices`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("devices after DeleteUser: %d rows, %v; want none", n, err)
		}
	})
}

func TestTheMFAColumn(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "cupola.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mfaColumn := func(t *testing.T, sub string) string {
		t.Helper()
		var v string
		if err := s.reader.QueryRowContext(ctx, `SELECT mfa FROM users WHERE pool_id = 'p' AND sub = ?`, sub).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for i, tt := range []struct {
		name       string
		mfa        store.MFA
		wantColumn string
	}{
		{"the zero MFA is stored as the empty string", store.MFA{}, ""},
		{"empty recovery codes and secret are the zero MFA", store.MFA{RecoveryCodes: [][]byte{}, TOTPSecret: []byte{}}, ""},
		{"an MFA state is stored as its JSON document", store.MFA{SMSEnabled: true, Preferred: "SMS_MFA"},
			`{"sms_enabled":true,"preferred":"SMS_MFA"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sub := fmt.Sprintf("sub-%d", i)
			if _, err := s.CreateUser(ctx, store.User{PoolID: "p", Sub: sub, UsernameKey: sub, MFA: tt.mfa}); err != nil {
				t.Fatal(err)
			}
			if got := mfaColumn(t, sub); got != tt.wantColumn {
				t.Fatalf("mfa column = %q, want %q", got, tt.wantColumn)
			}
		})
	}
	t.Run("a corrupt document is an error, not a zero MFA", func(t *testing.T) {
		if _, err := s.writer.ExecContext(ctx, `UPDATE users SET mfa = '{"totp_secret":' WHERE pool_id = 'p' AND sub = 'sub-0'`); err != nil {
			t.Fatal(err)
		}
		_, err := s.GetUser(ctx, "p", "sub-0")
		if err == nil || !strings.Contains(err.Error(), "decode mfa") || errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetUser: %v, want a decode mfa error", err)
		}
	})
}

func TestListDevicesIsAnsweredFromThePrimaryKey(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "cupola.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	plan := queryPlan(t, s.reader.DB, `SELECT `+deviceColumns+` FROM devices
		WHERE pool_id = ? AND subject = ? AND key > ? ORDER BY key LIMIT ?`, []any{"p", "s", "", 10})
	if len(plan) == 0 {
		t.Fatal("empty plan")
	}
	for _, step := range plan {
		if !strings.HasPrefix(step, "SEARCH devices USING PRIMARY KEY") || strings.Contains(step, "TEMP B-TREE") {
			t.Errorf("plan step %q is not a primary-key search; plan: %q", step, plan)
		}
	}
}
