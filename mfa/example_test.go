package mfa_test

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/cupola-auth/cupola/mfa"
)

// Enrol an authenticator app, verify the first code, and see the same code refused as a replay.
func ExampleTOTP() {
	t, err := mfa.NewTOTP(mfa.TOTPConfig{
		Issuer: "Example Pool",
		Random: bytes.NewReader([]byte("12345678901234567890")), // fixed for the example; nil uses crypto/rand
	})
	if err != nil {
		panic(err)
	}
	enr, secret, err := t.Enroll("alice@example.com")
	if err != nil {
		panic(err)
	}
	fmt.Println(enr.URI)

	// The user scans enr.PNG and types the code the app shows.
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	code, _ := t.Code(secret, now)

	var lastStep int64 // stored with the user; 0 before the first use
	step, err := t.Verify(secret, code, now, lastStep)
	fmt.Println("first use:", step, err)
	lastStep = step // in a store: compare-and-swap from the old value

	_, err = t.Verify(secret, code, now.Add(10*time.Second), lastStep)
	fmt.Println("second use replayed:", errors.Is(err, mfa.ErrReplayed))
	// Output:
	// otpauth://totp/Example%20Pool:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example%20Pool&algorithm=SHA1&digits=6&period=30
	// first use: 58292640 <nil>
	// second use replayed: true
}

// Send a one-time code by email or SMS and check the answer against its stored hash.
func ExampleCheckOTP() {
	key := bytes.Repeat([]byte{0x42}, 32) // a server secret in practice
	code, err := mfa.NewOTP(nil)
	if err != nil {
		panic(err)
	}
	stored := mfa.HashOTP(key, "session-123|alice", code)
	fmt.Println(mfa.CheckOTP(key, "session-123|alice", code, stored))
	fmt.Println(mfa.CheckOTP(key, "session-123|bob", code, stored))
	// Output:
	// true
	// false
}
