package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/sqlite"
)

func ExampleOpen() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "cupola")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	s, err := sqlite.Open(ctx, filepath.Join(dir, "cupola.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	alice := store.User{PoolID: "pool-1", Sub: "3f0c…", Username: "Alice", UsernameKey: "alice",
		Aliases: map[string]string{"email": "alice@example.com"}}
	if _, err := s.CreateUser(ctx, alice); err != nil {
		fmt.Println(err)
		return
	}
	_, err = s.CreateUser(ctx, store.User{PoolID: "pool-1", Sub: "9a1d…", Username: "alice", UsernameKey: "alice"})
	fmt.Println(errors.Is(err, store.ErrExists))

	u, err := s.GetUserByAlias(ctx, "pool-1", "email", "alice@example.com")
	fmt.Println(u.Username, u.Version, err)
	// Output:
	// true
	// Alice 1 <nil>
}

func ExampleStore_ListUsers() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "cupola")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	s, err := sqlite.Open(ctx, filepath.Join(dir, "cupola.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	for _, name := range []string{"carol", "alice", "bob"} {
		if _, err := s.CreateUser(ctx, store.User{PoolID: "pool-1", Sub: "sub-" + name, Username: name, UsernameKey: name,
			Attributes: map[string]string{"email": name + "@example.com"}}); err != nil {
			fmt.Println(err)
			return
		}
	}
	// Two users a page, by email prefix, ordered by email.
	q := store.UserQuery{Attribute: store.SearchEmail, Value: "", Prefix: true, Limit: 2}
	for {
		page, err := s.ListUsers(ctx, "pool-1", q)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, u := range page {
			fmt.Println(u.Attributes["email"])
		}
		if len(page) < q.Limit {
			break
		}
		last := page[len(page)-1]
		q.AfterKey, q.AfterSub = last.Attributes["email"], last.Sub
	}
	// Output:
	// alice@example.com
	// bob@example.com
	// carol@example.com
}
