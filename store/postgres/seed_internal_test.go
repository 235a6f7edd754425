package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
)

// seedDomains are the email domains seeded users are spread over.
var seedDomains = []string{"example.com", "example.org", "example.net", "mail.example"}

// seedUser is the i-th user seedUsers stores: user000123@<domain>. Every
// third has an authenticator app and recovery codes, so rows are as wide
// as a pool's with MFA in use.
func seedUser(poolID string, i int) store.User {
	name := fmt.Sprintf("user%06d", i)
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var mfa store.MFA
	if i%3 == 0 {
		mfa = store.MFA{
			TOTPSecret: []byte(fmt.Sprintf("sealed-totp-secret-%06d", i)), TOTPVerified: true, TOTPEnabled: true,
			TOTPDeviceName: "phone", TOTPLastStep: 63_000_000 + int64(i), Preferred: "SOFTWARE_TOKEN_MFA",
			RecoveryCodes: [][]byte{[]byte(fmt.Sprintf("code-hash-a-%06d", i)), []byte(fmt.Sprintf("code-hash-b-%06d", i))},
		}
	}
	return store.User{
		PoolID:      poolID,
		Sub:         fmt.Sprintf("%08x-5eed-4000-8000-%012x", uint32(i*2654435761), i),
		Username:    name,
		UsernameKey: name,
		Status:      store.StatusConfirmed,
		Enabled:     i%10 != 0,
		Attributes: map[string]string{
			"email":          name + "@" + seedDomains[i%len(seedDomains)],
			"email_verified": "true",
			"name":           fmt.Sprintf("User %d", i),
		},
		Password:  store.PasswordCredential{Hash: "$argon2id$seed"},
		MFA:       mfa,
		Version:   1,
		CreatedAt: at,
		UpdatedAt: at,
	}
}

// seedUsers stores users seedUser(poolID, 0…n-1) with COPY, MFA documents
// and user_search rows included, much faster than n CreateUser calls, then vacuums and
// analyzes the tables.
func seedUsers(ctx context.Context, pool *pgxpool.Pool, poolID string, n int) error {
	users := make([][]any, 0, n)
	var search [][]any
	for i := range n {
		u := seedUser(poolID, i)
		attrs, err := json.Marshal(u.Attributes)
		if err != nil {
			return err
		}
		mfa, err := mfaJSON(u.MFA)
		if err != nil {
			return err
		}
		users = append(users, []any{u.PoolID, u.Sub, u.Username, u.UsernameKey, string(u.Status), u.Enabled,
			string(attrs), u.Password.Hash, "", "", false, mfa, u.Version, u.CreatedAt, u.UpdatedAt})
		names, keys := searchRows(u)
		for j, attr := range names {
			search = append(search, []any{u.PoolID, u.Sub, attr, keys[j]})
		}
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after Commit
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"users"}, []string{"pool_id", "sub", "username", "username_key",
		"status", "enabled", "attributes", "password_hash", "srp_salt", "srp_verifier", "password_temporary",
		"mfa", "version", "created_at", "updated_at"}, pgx.CopyFromRows(users)); err != nil {
		return fmt.Errorf("copy users: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"user_search"}, []string{"pool_id", "sub", "attr", "key"},
		pgx.CopyFromRows(search)); err != nil {
		return fmt.Errorf("copy user_search: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	// As autovacuum would: statistics for the planner, and a visibility
	// map for index-only scans.
	for _, table := range []string{"users", "user_search"} {
		if _, err := pool.Exec(ctx, "VACUUM (ANALYZE) "+table); err != nil {
			return err
		}
	}
	return nil
}

// seededStore returns a Store on a fresh schema holding n seeded users of
// poolID, and the pool under it.
func seededStore(tb testing.TB, poolID string, n int) (*Store, *pgxpool.Pool) {
	tb.Helper()
	dsn := postgrestest.FreshSchemaDSN(tb)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("pool: %v", err)
	}
	tb.Cleanup(pool.Close)
	s, err := New(context.Background(), pool)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	if err := seedUsers(context.Background(), pool, poolID, n); err != nil {
		tb.Fatalf("seed %d users: %v", n, err)
	}
	return s, pool
}
