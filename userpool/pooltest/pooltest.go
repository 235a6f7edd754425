// Package pooltest helps a library user's own tests run whole user-pool
// flows in microseconds: a fake clock to move time past a code's expiry
// or a token's lifetime, and password-hash parameters cheap enough for
// tests. Never use either in production.
//
//	clock := pooltest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
//	pool, err := userpool.New(ctx, userpool.Config{
//		ID: "test", Issuer: "https://auth.test/test", Secret: secret,
//		Clock: clock.Now, Hashing: pooltest.FastHashing(),
//	}, memory.New())
//	…
//	clock.Advance(time.Hour) // the sign-up code has expired
package pooltest

import "github.com/cupola-auth/cupola/userpool"

// FastHashing is argon2id with 64 KiB and one pass: thousands of hashes a
// second instead of tens, so tests that sign in often stay fast. It
// protects nothing; production pools keep the default.
func FastHashing() userpool.HashingParams {
	return userpool.HashingParams{MemoryKiB: 64, Iterations: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
}
