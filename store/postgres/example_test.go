package postgres_test

import (
	"context"
	"errors"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/postgres"
)

// ExampleOpen connects to a database, migrates it and stores a user. Any
// number of instances may do the same on one database at once.
func ExampleOpen() {
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	s, err := postgres.Open(ctx, os.Getenv("CUPOLA_POSTGRES_DSN"), postgres.WithLogger(logger))
	if errors.Is(err, postgres.ErrSchemaTooNew) {
		log.Fatal("the database was migrated by a newer Cupola: upgrade this one")
	}
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	now := time.Now()
	_, err = s.CreateUser(ctx, store.User{
		PoolID: "eu-west-1_example", Sub: "0b5c0c84-5c53-4c38-9f5e-2f7d6d1e5f10",
		Username: "Alice", UsernameKey: "alice", Status: store.StatusConfirmed, Enabled: true,
		Aliases:   map[string]string{"email": "alice@example.com"},
		CreatedAt: now, UpdatedAt: now,
	})
	var taken *store.ExistsError
	if errors.As(err, &taken) {
		log.Printf("%s is taken", taken.Key)
	}
}

// ExampleStore_ListUsers pages through the users whose email starts with
// a prefix, each page starting after the last user of the one before.
func ExampleStore_ListUsers() {
	ctx := context.Background()
	s, err := postgres.Open(ctx, os.Getenv("CUPOLA_POSTGRES_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	q := store.UserQuery{Attribute: store.SearchEmail, Value: "alice", Prefix: true, Limit: 60}
	for {
		page, err := s.ListUsers(ctx, "eu-west-1_example", q)
		if err != nil {
			log.Fatal(err)
		}
		for _, u := range page {
			log.Println(u.Username, u.Attributes["email"])
		}
		if len(page) < q.Limit {
			break
		}
		last := page[len(page)-1]
		q.AfterKey, _ = store.SearchKey(last, q.Attribute)
		q.AfterSub = last.Sub
	}
}
