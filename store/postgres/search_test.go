package postgres_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/postgres"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
)

func subsOf(us []store.User) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Sub)
	}
	return out
}

// createSearchUsers stores one user per sub with attribute attr set to
// the value given, and returns the pool.
func createSearchUsers(t *testing.T, s *postgres.Store, attr string, values map[string]string) string {
	t.Helper()
	pool := randomHex(t, "pool-", 8)
	for sub, v := range values {
		u := store.User{PoolID: pool, Sub: sub, Username: sub, UsernameKey: sub, Status: store.StatusConfirmed,
			Enabled: true, Attributes: map[string]string{attr: v}}
		if _, err := s.CreateUser(t.Context(), u); err != nil {
			t.Fatalf("CreateUser(%s): %v", sub, err)
		}
	}
	return pool
}

// pageThrough lists q a page of size at a time, each page after the last
// user of the one before, and returns the subs in order.
func pageThrough(t *testing.T, s *postgres.Store, pool, attr string, q store.UserQuery, size int) []string {
	t.Helper()
	q.Limit = size
	var out []string
	for range 100 {
		page, err := s.ListUsers(t.Context(), pool, q)
		if err != nil {
			t.Fatalf("ListUsers: %v", err)
		}
		out = append(out, subsOf(page)...)
		if len(page) < size {
			return out
		}
		last := page[len(page)-1]
		q.AfterKey, _ = store.SearchKey(last, attr)
		q.AfterSub = last.Sub
	}
	t.Fatal("ListUsers pages do not end")
	return nil
}

// Keys longer than an index entry may hold are indexed by their first
// bytes; they must still be found, ordered and paged by all of them.
func TestListUsersLongKeys(t *testing.T) {
	s, err := postgres.New(t.Context(), testPool(t, postgrestest.DSN(t)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	base := strings.Repeat("n", 1100)
	head := strings.Repeat("n", 1024)
	pool := createSearchUsers(t, s, store.SearchName, map[string]string{
		"s1": base + "b",
		"s2": base + "a",
		"s0": base + "a",
		"s9": head,
		"s5": "n",
		"s3": "o",
		"s7": strings.Repeat("ü", 3000), // 6000 bytes: too long for any index entry
	})
	tests := []struct {
		name string
		q    store.UserQuery
		want []string
	}{
		{"a prefix lists short and long keys in byte order", store.UserQuery{Value: "n", Prefix: true}, []string{"s5", "s9", "s0", "s2", "s1"}},
		{"an exact long key finds the users holding it, by sub", store.UserQuery{Value: base + "a"}, []string{"s0", "s2"}},
		{"a long prefix finds the longer keys only", store.UserQuery{Value: base, Prefix: true}, []string{"s0", "s2", "s1"}},
		{"a prefix as long as an index entry finds that key and the longer ones", store.UserQuery{Value: head, Prefix: true}, []string{"s9", "s0", "s2", "s1"}},
		{"an exact key as long as an index entry finds only it", store.UserQuery{Value: head}, []string{"s9"}},
		{"a key too long for any index entry is found", store.UserQuery{Value: "ü", Prefix: true}, []string{"s7"}},
		{"an empty prefix lists every key", store.UserQuery{Prefix: true}, []string{"s5", "s9", "s0", "s2", "s1", "s3", "s7"}},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 2, 1000} {
			t.Run(tt.name+" in pages of "+strconv.Itoa(size), func(t *testing.T) {
				tt.q.Attribute = store.SearchName
				if got := pageThrough(t, s, pool, store.SearchName, tt.q, size); !slices.Equal(got, tt.want) {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			})
		}
	}

	t.Run("a long key changed by an update is found under its new value only", func(t *testing.T) {
		u, err := s.GetUser(t.Context(), pool, "s1")
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		u.Attributes = map[string]string{store.SearchName: base + "c"}
		if _, err := s.UpdateUser(t.Context(), u); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		for value, want := range map[string][]string{base + "b": {}, base + "c": {"s1"}} {
			got, err := s.ListUsers(t.Context(), pool, store.UserQuery{Attribute: store.SearchName, Value: value, Limit: 10})
			if err != nil {
				t.Fatalf("ListUsers: %v", err)
			}
			if !slices.Equal(subsOf(got), want) {
				t.Errorf("ListUsers(%.8q…) = %q, want %q", value[len(value)-1:], subsOf(got), want)
			}
		}
	})
}

// Values, prefixes and cursors are compared as bytes even where
// PostgreSQL text cannot hold them: a NUL byte, invalid UTF-8, a lone
// leading byte of a character.
func TestBoundsTextCannotHold(t *testing.T) {
	s, err := postgres.New(t.Context(), testPool(t, postgrestest.DSN(t)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	pool := createSearchUsers(t, s, store.SearchEmail, map[string]string{"s-a": "é@x", "s-b": "e@x", "s-c": "f@x"})
	search := func(q store.UserQuery) store.UserQuery {
		q.Attribute, q.Limit = store.SearchEmail, 10
		return q
	}
	tests := []struct {
		name string
		q    store.UserQuery
		want []string
	}{
		{"a prefix of a character's leading byte finds the keys starting with it", search(store.UserQuery{Value: "\xc3", Prefix: true}), []string{"s-a"}},
		{"an exact value of invalid UTF-8 finds nothing", search(store.UserQuery{Value: "\xc3"}), []string{}},
		{"an exact value with a NUL byte finds nothing", search(store.UserQuery{Value: "e@x\x00"}), []string{}},
		{"a prefix of 0xFF bytes finds nothing", search(store.UserQuery{Value: "\xff\xff", Prefix: true}), []string{}},
		{"a cursor key of invalid UTF-8 starts after it bytewise", search(store.UserQuery{Prefix: true, AfterKey: "e\xff"}), []string{"s-c", "s-a"}},
		{"a cursor sub of invalid UTF-8 starts after it bytewise", search(store.UserQuery{Prefix: true, AfterKey: "e@x", AfterSub: "s-b\xff"}), []string{"s-c", "s-a"}},
		{"a cursor sub extended by a NUL byte starts after it", search(store.UserQuery{Prefix: true, AfterKey: "e@x", AfterSub: "s-a\x00"}), []string{"s-b", "s-c", "s-a"}},
		{"a cursor sub of invalid UTF-8 pages the unfiltered list bytewise", store.UserQuery{AfterSub: "s-a\xff", Limit: 10}, []string{"s-b", "s-c"}},
		{"a cursor sub with a NUL byte pages the unfiltered list", store.UserQuery{AfterSub: "s-b\x00", Limit: 10}, []string{"s-c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListUsers(t.Context(), pool, tt.q)
			if err != nil {
				t.Fatalf("ListUsers: %v", err)
			}
			if !slices.Equal(subsOf(got), tt.want) {
				t.Errorf("ListUsers = %q, want %q", subsOf(got), tt.want)
			}
		})
	}

	t.Run("a pool ID text cannot hold lists nothing", func(t *testing.T) {
		got, err := s.ListUsers(t.Context(), "\xff", store.UserQuery{Limit: 10})
		if err != nil || len(got) != 0 {
			t.Errorf("ListUsers = %q, %v; want nothing", subsOf(got), err)
		}
	})

	t.Run("group cursors compare bytewise", func(t *testing.T) {
		for _, name := range []string{"b", "ba", "c"} {
			if _, err := s.CreateGroup(t.Context(), store.Group{PoolID: pool, Name: name}); err != nil {
				t.Fatalf("CreateGroup(%s): %v", name, err)
			}
		}
		gs, err := s.ListGroups(t.Context(), pool, "b\xff", 10)
		if err != nil || len(gs) != 1 || gs[0].Name != "c" {
			t.Errorf("ListGroups after b\\xff = %v, %v; want [c]", gs, err)
		}
		for _, sub := range []string{"s-a", "s-b"} {
			if err := s.AddUserToGroup(t.Context(), pool, sub, "b"); err != nil {
				t.Fatalf("AddUserToGroup: %v", err)
			}
		}
		us, err := s.ListUsersInGroup(t.Context(), pool, "b", "s-a\x00", 10)
		if err != nil || !slices.Equal(subsOf(us), []string{"s-b"}) {
			t.Errorf("ListUsersInGroup after s-a\\x00 = %q, %v; want [s-b]", subsOf(us), err)
		}
	})

	lookups := []struct {
		name string
		call func() error
	}{
		{"a group name of invalid UTF-8 is not found", func() error { _, err := s.GetGroup(t.Context(), pool, "\xff"); return err }},
		{"a membership in a group named with a NUL byte is not found", func() error { return s.AddUserToGroup(t.Context(), pool, "s-a", "b\x00") }},
		{"members of a group named with a NUL byte are not found", func() error {
			_, err := s.ListUsersInGroup(t.Context(), pool, "\x00", "", 10)
			return err
		}},
		{"a resource server identifier with a NUL byte is not found", func() error {
			_, err := s.GetResourceServer(t.Context(), pool, "api\x00")
			return err
		}},
		{"an update of a resource server identified with invalid UTF-8 is not found", func() error {
			_, err := s.UpdateResourceServer(t.Context(), store.ResourceServer{PoolID: pool, Identifier: "\xff", Version: 1})
			return err
		}},
	}
	for _, tt := range lookups {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
		})
	}

	writes := []struct {
		name string
		call func() error
	}{
		{"a group description of invalid UTF-8 is invalid", func() error {
			_, err := s.CreateGroup(t.Context(), store.Group{PoolID: pool, Name: "g", Description: "\xff"})
			return err
		}},
		{"a group name with a NUL byte is invalid", func() error {
			_, err := s.CreateGroup(t.Context(), store.Group{PoolID: pool, Name: "g\x00"})
			return err
		}},
		{"a scope description of invalid UTF-8 is invalid, not silently replaced", func() error {
			_, err := s.CreateResourceServer(t.Context(), store.ResourceServer{PoolID: pool, Identifier: "api",
				Scopes: []store.ResourceScope{{Name: "read", Description: "\xff"}}})
			return err
		}},
		{"a scope name with a NUL byte is invalid", func() error {
			_, err := s.CreateResourceServer(t.Context(), store.ResourceServer{PoolID: pool, Identifier: "api",
				Scopes: []store.ResourceScope{{Name: "re\x00ad"}}})
			return err
		}},
	}
	for _, tt := range writes {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}
