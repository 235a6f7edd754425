package memory_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
)

func Example() {
	ctx := context.Background()
	s := memory.New()
	defer s.Close()

	alice := store.User{PoolID: "pool-1", Sub: "7d0c…-a", Username: "Alice", UsernameKey: "alice"}
	u, err := s.CreateUser(ctx, alice)
	fmt.Println(u.Version, err)

	_, err = s.CreateUser(ctx, store.User{PoolID: "pool-1", Sub: "7d0c…-b", Username: "ALICE", UsernameKey: "alice"})
	var exists *store.ExistsError
	fmt.Println(errors.As(err, &exists), exists.Key)

	u.Attributes = map[string]string{"name": "Alice"}
	u, err = s.UpdateUser(ctx, u)
	fmt.Println(u.Version, err)

	stale := u
	stale.Version = 1
	_, err = s.UpdateUser(ctx, stale)
	fmt.Println(errors.Is(err, store.ErrConflict))
	// Output:
	// 1 <nil>
	// true username
	// 2 <nil>
	// true
}
