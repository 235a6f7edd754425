package postgres_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/postgres"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
)

// PostgreSQL text holds neither NUL bytes nor invalid UTF-8, and an index
// key has a size limit. Writes of such values are store.ErrInvalid;
// lookups by them find nothing.
func TestValuesPostgreSQLCannotHold(t *testing.T) {
	s, err := postgres.New(t.Context(), testPool(t, postgrestest.DSN(t)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	pool := randomHex(t, "pool-", 8)
	user := func(mod func(*store.User)) store.User {
		u := store.User{PoolID: pool, Sub: randomHex(t, "sub-", 8), Username: "u", UsernameKey: randomHex(t, "u-", 8)}
		mod(&u)
		return u
	}
	writes := []struct {
		name string
		u    store.User
	}{
		{"a NUL byte in a username is invalid", user(func(u *store.User) { u.Username = "a\x00b" })},
		{"invalid UTF-8 in a username key is invalid", user(func(u *store.User) { u.UsernameKey = "a\xffb" })},
		{"a NUL byte in an attribute value is invalid", user(func(u *store.User) { u.Attributes = map[string]string{"name": "a\x00"} })},
		{"invalid UTF-8 in an attribute value is invalid, not silently replaced", user(func(u *store.User) { u.Attributes = map[string]string{"name": "\xff"} })},
		{"a NUL byte in an alias is invalid", user(func(u *store.User) { u.Aliases = map[string]string{"email": "a\x00@example.com"} })},
		{"a username key too long to index is invalid", user(func(u *store.User) { u.UsernameKey = strings.Repeat("x", 1<<20) })},
		{"a NUL byte in the MFA device name is invalid", user(func(u *store.User) { u.MFA.TOTPDeviceName = "phone\x00" })},
		{"invalid UTF-8 in the MFA preference is invalid, not silently replaced", user(func(u *store.User) { u.MFA.Preferred = "SMS_MFA\xff" })},
	}
	for _, tt := range writes {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateUser(t.Context(), tt.u)
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("CreateUser: %v, want ErrInvalid", err)
			}
			if _, err := s.GetUser(t.Context(), pool, tt.u.Sub); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetUser after a refused create: %v, want ErrNotFound", err)
			}
		})
		// In a batch the user is refused alone: a value only the database
		// refuses sends the batch down the savepoint path.
		t.Run(tt.name+" in a batch", func(t *testing.T) {
			good := func() store.User { return user(func(u *store.User) { u.Aliases = map[string]string{"email": u.Sub} }) }
			batch := []store.User{good(), tt.u, good()}
			outcomes, err := s.CreateUsers(t.Context(), batch)
			if err != nil {
				t.Fatalf("CreateUsers: %v", err)
			}
			if outcomes[0] != nil || !errors.Is(outcomes[1], store.ErrInvalid) || outcomes[2] != nil {
				t.Fatalf("outcomes = %v, want nil, ErrInvalid, nil", outcomes)
			}
			for i, u := range batch {
				_, err := s.GetUser(t.Context(), pool, u.Sub)
				if want := i != 1; (err == nil) != want {
					t.Errorf("GetUser of user %d: %v", i, err)
				}
			}
		})
	}

	lookups := []struct {
		name string
		call func() error
	}{
		{"a username key with a NUL byte is not found", func() error {
			_, err := s.GetUserByUsername(t.Context(), pool, "a\x00")
			return err
		}},
		{"an alias with invalid UTF-8 is not found", func() error {
			_, err := s.GetUserByAlias(t.Context(), pool, "email", "\xff@example.com")
			return err
		}},
		{"a session ID with a NUL byte is not found", func() error {
			_, err := s.ConsumeAuthSession(t.Context(), pool, "\x00", "client", time.Now())
			return err
		}},
		{"a code subject with a NUL byte is not found", func() error {
			_, err := s.ConsumeCode(t.Context(), pool, "\x00", "signup", []byte("h"), time.Now(), 5)
			return err
		}},
		{"a client ID with a NUL byte is not found", func() error {
			_, err := s.GetClient(t.Context(), pool, "\x00")
			return err
		}},
	}
	for _, tt := range lookups {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestTimesPostgreSQLCannotHold(t *testing.T) {
	s, err := postgres.New(t.Context(), testPool(t, postgrestest.DSN(t)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	pool := randomHex(t, "pool-", 8)
	tests := []struct {
		name string
		at   time.Time
	}{
		{"a time past year 294275 is invalid, not wrapped around", time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"a time whose microseconds overflow int64 is invalid", time.Unix(1<<62, 0)},
		{"a time before year 1 is invalid", time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.PutAuthSession(t.Context(), store.AuthSession{PoolID: pool, ID: randomHex(t, "s-", 8), ExpiresAt: tt.at})
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("PutAuthSession: %v, want ErrInvalid", err)
			}
		})
	}
	t.Run("the far end of the range round-trips", func(t *testing.T) {
		end := time.Date(294275, 12, 31, 23, 59, 59, 999999000, time.UTC)
		id := randomHex(t, "s-", 8)
		if err := s.PutAuthSession(t.Context(), store.AuthSession{PoolID: pool, ID: id, ExpiresAt: end}); err != nil {
			t.Fatalf("PutAuthSession: %v", err)
		}
		got, err := s.ConsumeAuthSession(t.Context(), pool, id, "", time.Now())
		if err != nil {
			t.Fatalf("ConsumeAuthSession: %v", err)
		}
		if !got.ExpiresAt.Equal(end) {
			t.Errorf("ExpiresAt = %v, want %v", got.ExpiresAt, end)
		}
	})
}
