package storetest

import (
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// putCode stores a code of the purpose for sub that expires an hour after
// epoch, and returns it.
func putCode(t *testing.T, st store.Store, pool, sub, purpose string) store.Code {
	t.Helper()
	c := store.Code{
		PoolID:    pool,
		Subject:   sub,
		Purpose:   purpose,
		Hash:      randomHash(t),
		Value:     "alice@example.com",
		ExpiresAt: at(time.Hour).In(elsewhere),
		CreatedAt: at(0),
	}
	wantOK(t, "PutCode", st.PutCode(t.Context(), c))
	return c
}

var codeTests = []conformanceTest{
	{"the right hash returns the code once", testCodeConsumedOnce},
	{"an unknown code is not found", testCodeUnknown},
	{"a wrong hash is a mismatch and counts an attempt", testCodeWrongHashCounted},
	{"a prefix, an extension or an empty hash is a mismatch", testCodeNearMissHashes},
	{"the code is deleted when attempts reach the maximum", testCodeMaxAttempts},
	{"putting a code replaces the old one and resets attempts", testCodePutReplaces},
	{"a code expires at its ExpiresAt and is deleted", testCodeExpiry},
	{"codes are kept apart by subject and purpose", testCodeKeptApart},
	{"the hash handed in shares no memory with the store", testCodeHashCopied},
	{"malformed codes are invalid", testCodeMalformed},
}

func testCodeConsumedOnce(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	c := putCode(t, st, pool, createSubject(t, st, pool), "verify:email")
	got, err := st.ConsumeCode(ctx, pool, c.Subject, c.Purpose, c.Hash, at(time.Minute), 3)
	wantOK(t, "ConsumeCode", err)
	wantSame(t, "ConsumeCode result", got, c, normCode)
	_, err = st.ConsumeCode(ctx, pool, c.Subject, c.Purpose, c.Hash, at(time.Minute), 3)
	wantErr(t, "second ConsumeCode", err, store.ErrNotFound)
}

func testCodeUnknown(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	_, err := st.ConsumeCode(t.Context(), pool, sub, "signup", randomHash(t), at(0), 3)
	wantErr(t, "ConsumeCode", err, store.ErrNotFound)
}

func testCodeWrongHashCounted(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	c := putCode(t, st, pool, createSubject(t, st, pool), "signup")
	for range 2 {
		_, err := st.ConsumeCode(ctx, pool, c.Subject, c.Purpose, randomHash(t), at(time.Minute), 3)
		wantErr(t, "ConsumeCode with a wrong hash", err, store.ErrCodeMismatch)
	}
	got, err := st.ConsumeCode(ctx, pool, c.Subject, c.Purpose, c.Hash, at(time.Minute), 3)
	wantOK(t, "ConsumeCode with the right hash after two misses", err)
	if got.Attempts != 2 {
		t.Errorf("Attempts = %d, want 2", got.Attempts)
	}
}

func testCodeNearMissHashes(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	c := putCode(t, st, pool, createSubject(t, st, pool), "signup")
	for name, h := range map[string][]byte{
		"prefix":    c.Hash[:len(c.Hash)-1],
		"extension": append(append([]byte{}, c.Hash...), 0),
		"empty":     nil,
	} {
		_, err := st.ConsumeCode(ctx, pool, c.Subject, c.Purpose, h, at(0), 10)
		wantErr(t, "ConsumeCode with "+name, err, store.ErrCodeMismatch)
	}
	_, err := st.ConsumeCode(ctx, pool, c.Subject, c.Purpose, c.Hash, at(0), 10)
	wantOK(t, "ConsumeCode with the right hash", err)
}

func testCodeMaxAttempts(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	c := putCode(t, st, pool, createSubject(t, st, pool), "forgot_password")
	for range 3 {
		_, err := st.ConsumeCode(ctx, pool, c.Subject, c.Purpose, randomHash(t), at(0), 3)
		wantErr(t, "ConsumeCode with a wrong hash", err, store.ErrCodeMismatch)
	}
	_, err := st.ConsumeCode(ctx, pool, c.Subject, c.Purpose, c.Hash, at(0), 3)
	wantErr(t, "ConsumeCode with the right hash after three misses", err, store.ErrNotFound)
}

func testCodePutReplaces(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	sub := createSubject(t, st, pool)
	old := putCode(t, st, pool, sub, "signup")
	for range 2 {
		_, err := st.ConsumeCode(ctx, pool, sub, "signup", randomHash(t), at(0), 3)
		wantErr(t, "ConsumeCode with a wrong hash", err, store.ErrCodeMismatch)
	}
	c := putCode(t, st, pool, sub, "signup")
	c.Value = "replacement"
	wantOK(t, "PutCode", st.PutCode(ctx, c))
	for range 2 {
		_, err := st.ConsumeCode(ctx, pool, sub, "signup", old.Hash, at(0), 3)
		wantErr(t, "ConsumeCode with the replaced hash", err, store.ErrCodeMismatch)
	}
	got, err := st.ConsumeCode(ctx, pool, sub, "signup", c.Hash, at(0), 3)
	wantOK(t, "ConsumeCode with the new hash", err)
	c.Attempts = 2
	wantSame(t, "ConsumeCode result", got, c, normCode)
}

func testCodeExpiry(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	sub := createSubject(t, st, pool)
	live := putCode(t, st, pool, sub, "signup")
	_, err := st.ConsumeCode(ctx, pool, sub, "signup", live.Hash, at(time.Hour-time.Microsecond).In(elsewhere), 3)
	wantOK(t, "ConsumeCode a microsecond before expiry", err)

	dead := putCode(t, st, pool, sub, "signup")
	_, err = st.ConsumeCode(ctx, pool, sub, "signup", dead.Hash, at(time.Hour), 3)
	wantErr(t, "ConsumeCode at expiry", err, store.ErrNotFound)
	_, err = st.ConsumeCode(ctx, pool, sub, "signup", dead.Hash, at(0), 3)
	wantErr(t, "ConsumeCode before expiry after the expired one was deleted", err, store.ErrNotFound)

	late := putCode(t, st, pool, sub, "signup")
	_, err = st.ConsumeCode(ctx, pool, sub, "signup", randomHash(t), at(2*time.Hour), 3)
	wantErr(t, "ConsumeCode of an expired code with a wrong hash", err, store.ErrNotFound)
	_, err = st.ConsumeCode(ctx, pool, sub, "signup", late.Hash, at(0), 3)
	wantErr(t, "ConsumeCode after the expired one was deleted", err, store.ErrNotFound)
}

func testCodeKeptApart(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	alice, bob := createSubject(t, st, pool), createSubject(t, st, pool)
	aliceSignup := putCode(t, st, pool, alice, "signup")
	aliceReset := putCode(t, st, pool, alice, "forgot_password")
	bobSignup := putCode(t, st, pool, bob, "signup")

	_, err := st.ConsumeCode(ctx, pool, alice, "verify:email", aliceSignup.Hash, at(0), 3)
	wantErr(t, "ConsumeCode with another purpose", err, store.ErrNotFound)
	_, err = st.ConsumeCode(ctx, pool, bob, "signup", aliceSignup.Hash, at(0), 1)
	wantErr(t, "ConsumeCode of bob with alice's hash", err, store.ErrCodeMismatch)
	for _, c := range []store.Code{aliceSignup, aliceReset} {
		got, err := st.ConsumeCode(ctx, pool, c.Subject, c.Purpose, c.Hash, at(0), 3)
		wantOK(t, "ConsumeCode "+c.Purpose, err)
		wantSame(t, "ConsumeCode "+c.Purpose, got, c, normCode)
	}
	_, err = st.ConsumeCode(ctx, pool, bob, "signup", bobSignup.Hash, at(0), 3)
	wantErr(t, "ConsumeCode of bob's code deleted at max attempts", err, store.ErrNotFound)
}

func testCodeHashCopied(t *testing.T, st store.Store, pool string) {
	c := putCode(t, st, pool, createSubject(t, st, pool), "signup")
	want := append([]byte{}, c.Hash...)
	c.Hash[0] ^= 0xff
	_, err := st.ConsumeCode(t.Context(), pool, c.Subject, c.Purpose, want, at(0), 3)
	wantOK(t, "ConsumeCode with the original hash", err)
}

func testCodeMalformed(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	for _, tc := range []struct {
		name   string
		modify func(*store.Code)
	}{
		{"pool id missing", func(c *store.Code) { c.PoolID = "" }},
		{"subject missing", func(c *store.Code) { c.Subject = "" }},
		{"purpose missing", func(c *store.Code) { c.Purpose = "" }},
		{"hash missing", func(c *store.Code) { c.Hash = nil }},
		{"expiry missing", func(c *store.Code) { c.ExpiresAt = time.Time{} }},
	} {
		c := store.Code{PoolID: pool, Subject: sub, Purpose: "signup", Hash: randomHash(t), ExpiresAt: at(time.Hour)}
		tc.modify(&c)
		wantErr(t, "PutCode with "+tc.name, st.PutCode(t.Context(), c), store.ErrInvalid)
	}
}
