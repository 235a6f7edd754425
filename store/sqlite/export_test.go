package sqlite

import (
	"context"
	"fmt"

	"github.com/cupola-auth/cupola/store"
)

// SeedUsers is seedUsers for the external tests and benchmarks.
func SeedUsers(ctx context.Context, s *Store, pool string, n, domains int) error {
	return seedUsers(ctx, s, pool, n, domains)
}

// seedBatch is how many users seedUsers writes per transaction.
const seedBatch = 1000

// seedUsers stores n confirmed users in pool through the writer, many per
// transaction, with the same insert (search keys included) as CreateUser:
// sub-000123, username user000123, email user000123@ one of domains
// example domains. It is how tests build pools too large to create one
// user at a time.
func seedUsers(ctx context.Context, s *Store, pool string, n, domains int) error {
	domains = max(domains, 1)
	for start := 0; start < n; start += seedBatch {
		err := s.writeTx(ctx, func(ctx context.Context, tx *wtx) error {
			for i := start; i < min(start+seedBatch, n); i++ {
				name := fmt.Sprintf("user%06d", i)
				email := fmt.Sprintf("%s@example%d.com", name, i%domains)
				u, docs, err := encodeUser(store.User{PoolID: pool, Sub: fmt.Sprintf("sub-%06d", i), Username: name, UsernameKey: name,
					Status: store.StatusConfirmed, Enabled: true, Version: 1,
					Attributes: map[string]string{"email": email, "email_verified": "true", "given_name": "Given", "family_name": "Family"},
					Aliases:    map[string]string{"email": email}})
				if err != nil {
					return err
				}
				if err := insertUser(ctx, tx, u, docs); err != nil {
					return fmt.Errorf("user %d: %w", i, err)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seed users: %w", err)
		}
	}
	return nil
}
