package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/sqlite"
)

func TestOpenRefusesPathsThatAreNotFiles(t *testing.T) {
	for _, tt := range []struct {
		name, path string
		want       error
	}{
		{"an empty path is refused", "", nil},
		{"the in-memory database is refused", ":memory:", sqlite.ErrInMemory},
		{"an in-memory uri is refused", "file::memory:?cache=shared", sqlite.ErrInMemory},
		{"a uri is refused", "file:x.db?mode=ro", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sqlite.Open(t.Context(), tt.path)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", tt.path)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Open(%q): %v, want %v", tt.path, err, tt.want)
			}
		})
	}
}

func TestOpenTakesPathsWithURIMetacharactersLiterally(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "we?ird #dir %41")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "cupola.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if _, err := s.CreateUser(t.Context(), store.User{PoolID: "p", Sub: "s", Username: "u", UsernameKey: "u"}); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file not at the literal path: %v", err)
	}
}

func TestCommittedWritesSurviveReopening(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "cupola.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2030, 1, 2, 3, 4, 5, 6000, time.FixedZone("X", 3600))
	in := store.User{PoolID: "p", Sub: "s", Username: "Alice", UsernameKey: "alice", Status: store.StatusConfirmed,
		Enabled: true, Attributes: map[string]string{"email": "a@example.com"}, Aliases: map[string]string{"email": "a@example.com"},
		CreatedAt: created, UpdatedAt: created}
	if _, err := s.CreateUser(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	got, err := s.GetUserByAlias(ctx, "p", "email", "a@example.com")
	if err != nil {
		t.Fatalf("GetUserByAlias after reopen: %v", err)
	}
	if got.Username != "Alice" || got.Attributes["email"] != "a@example.com" || got.Version != 1 {
		t.Errorf("after reopen got %+v", got)
	}
	if !got.CreatedAt.Equal(created) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v in UTC", got.CreatedAt, created)
	}
}

func TestUniqueKeysAreReportedByName(t *testing.T) {
	ctx := t.Context()
	s, _ := openTemp(t)
	exp := epoch.Add(time.Hour)
	alice := store.User{PoolID: "p", Sub: "sub-a", Username: "alice", UsernameKey: "alice",
		Aliases: map[string]string{"email": "a@example.com", "phone_number": "+1555"}}
	bob := store.User{PoolID: "p", Sub: "sub-b", Username: "bob", UsernameKey: "bob"}
	for _, u := range []store.User{alice, bob} {
		if _, err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateFamily(ctx, store.RefreshFamily{PoolID: "p", ID: "f", Subject: "sub-a", ExpiresAt: exp}, []byte("t1")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateClient(ctx, store.Client{PoolID: "p", ID: "c"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutAuthSession(ctx, store.AuthSession{PoolID: "p", ID: "a", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	bobV1, _ := s.GetUser(ctx, "p", "sub-b")

	for _, tt := range []struct {
		name string
		do   func() error
		key  string
	}{
		{"a second user with the same sub is refused as sub", func() error {
			_, err := s.CreateUser(ctx, store.User{PoolID: "p", Sub: "sub-a", Username: "x", UsernameKey: "x"})
			return err
		}, "sub"},
		{"a taken username is refused as username", func() error {
			_, err := s.CreateUser(ctx, store.User{PoolID: "p", Sub: "sub-c", Username: "Alice", UsernameKey: "alice"})
			return err
		}, "username"},
		{"a taken alias is refused by its kind", func() error {
			_, err := s.CreateUser(ctx, store.User{PoolID: "p", Sub: "sub-c", Username: "c", UsernameKey: "c",
				Aliases: map[string]string{"phone_number": "+1555"}})
			return err
		}, "phone_number"},
		{"an update to a taken username is refused as username", func() error {
			u := bobV1
			u.UsernameKey = "alice"
			_, err := s.UpdateUser(ctx, u)
			return err
		}, "username"},
		{"an update to a taken alias is refused by its kind", func() error {
			u := bobV1
			u.Aliases = map[string]string{"email": "a@example.com"}
			_, err := s.UpdateUser(ctx, u)
			return err
		}, "email"},
		{"a taken client id is refused as id", func() error {
			_, err := s.CreateClient(ctx, store.Client{PoolID: "p", ID: "c"})
			return err
		}, "id"},
		{"a taken auth session id is refused as id", func() error {
			return s.PutAuthSession(ctx, store.AuthSession{PoolID: "p", ID: "a", ExpiresAt: exp})
		}, "id"},
		{"a taken family id is refused as id", func() error {
			return s.CreateFamily(ctx, store.RefreshFamily{PoolID: "p", ID: "f", ExpiresAt: exp}, []byte("t2"))
		}, "id"},
		{"a taken token hash is refused as token", func() error {
			return s.CreateFamily(ctx, store.RefreshFamily{PoolID: "p", ID: "g", ExpiresAt: exp}, []byte("t1"))
		}, "token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			var ee *store.ExistsError
			if !errors.As(err, &ee) || ee.Key != tt.key || !errors.Is(err, store.ErrExists) {
				t.Fatalf("err = %v, want *ExistsError{%q}", err, tt.key)
			}
		})
	}
	// The refused update changed nothing, aliases included.
	if got, err := s.GetUser(ctx, "p", "sub-b"); err != nil || got.Version != 1 || got.Aliases != nil {
		t.Errorf("bob after refused updates = %+v, %v", got, err)
	}
	if got, err := s.GetUserByAlias(ctx, "p", "email", "a@example.com"); err != nil || got.Sub != "sub-a" {
		t.Errorf("alias owner after refused update = %q, %v", got.Sub, err)
	}
}

func TestACancelledContextStopsAWrite(t *testing.T) {
	s, _ := openTemp(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.CreateUser(ctx, store.User{PoolID: "p", Sub: "s", Username: "u", UsernameKey: "u"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateUser with a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := s.GetUser(t.Context(), "p", "s"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUser after the cancelled create: %v, want ErrNotFound", err)
	}
}

func TestCloseTwiceIsHarmlessAndUseAfterCloseFails(t *testing.T) {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "cupola.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.GetUser(t.Context(), "p", "s"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUser after Close: %v, want a closed-database error", err)
	}
}
