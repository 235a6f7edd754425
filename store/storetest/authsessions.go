package storetest

import (
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// putSession stores a session for sub that expires three minutes after
// epoch, and returns it.
func putSession(t *testing.T, st store.Store, pool, sub string) store.AuthSession {
	t.Helper()
	as := store.AuthSession{
		PoolID:    pool,
		ID:        randomID(t, "as-"),
		Subject:   sub,
		ClientID:  "client-1",
		Challenge: "PASSWORD_VERIFIER",
		Data:      []byte{0, 'x', 0xff},
		ExpiresAt: at(3 * time.Minute).In(elsewhere),
		CreatedAt: at(0),
	}
	wantOK(t, "PutAuthSession", st.PutAuthSession(t.Context(), as))
	return as
}

var authSessionTests = []conformanceTest{
	{"a session round trips and is consumed once", testAuthSessionConsumedOnce},
	{"a session with empty data round trips", testAuthSessionEmptyData},
	{"an unknown session is not found", testAuthSessionUnknown},
	{"a session expires at its ExpiresAt", testAuthSessionExpiry},
	{"a duplicate id is an ExistsError naming id and changes nothing", testAuthSessionDuplicateID},
	{"data handed in shares no memory with the store", testAuthSessionDataCopied},
	{"malformed sessions are invalid", testAuthSessionMalformed},
	{"a session presented by another client is not consumed", testAuthSessionOtherClient},
}

func testAuthSessionOtherClient(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	as := putSession(t, st, pool, createSubject(t, st, pool))
	for _, other := range []string{"client-2", "", "CLIENT-1"} {
		_, err := st.ConsumeAuthSession(ctx, pool, as.ID, other, at(0))
		wantErr(t, "ConsumeAuthSession by client "+other, err, store.ErrNotFound)
	}
	got, err := st.ConsumeAuthSession(ctx, pool, as.ID, as.ClientID, at(0))
	wantOK(t, "ConsumeAuthSession by its client", err)
	wantSame(t, "ConsumeAuthSession result", got, as, normSession)
}

func testAuthSessionConsumedOnce(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	as := putSession(t, st, pool, createSubject(t, st, pool))
	got, err := st.ConsumeAuthSession(ctx, pool, as.ID, as.ClientID, at(time.Minute))
	wantOK(t, "ConsumeAuthSession", err)
	wantSame(t, "ConsumeAuthSession result", got, as, normSession)
	_, err = st.ConsumeAuthSession(ctx, pool, as.ID, as.ClientID, at(time.Minute))
	wantErr(t, "second ConsumeAuthSession", err, store.ErrNotFound)
}

func testAuthSessionEmptyData(t *testing.T, st store.Store, pool string) {
	as := store.AuthSession{PoolID: pool, ID: randomID(t, "as-"), Subject: createSubject(t, st, pool), ExpiresAt: at(time.Minute)}
	wantOK(t, "PutAuthSession", st.PutAuthSession(t.Context(), as))
	got, err := st.ConsumeAuthSession(t.Context(), pool, as.ID, as.ClientID, at(0))
	wantOK(t, "ConsumeAuthSession", err)
	wantSame(t, "ConsumeAuthSession result", got, as, normSession)
}

func testAuthSessionUnknown(t *testing.T, st store.Store, pool string) {
	_, err := st.ConsumeAuthSession(t.Context(), pool, "no-such-session", "client-1", at(0))
	wantErr(t, "ConsumeAuthSession", err, store.ErrNotFound)
}

func testAuthSessionExpiry(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	sub := createSubject(t, st, pool)
	live := putSession(t, st, pool, sub)
	_, err := st.ConsumeAuthSession(ctx, pool, live.ID, live.ClientID, at(3*time.Minute-time.Microsecond).In(elsewhere))
	wantOK(t, "ConsumeAuthSession a microsecond before expiry", err)
	dead := putSession(t, st, pool, sub)
	_, err = st.ConsumeAuthSession(ctx, pool, dead.ID, dead.ClientID, at(3*time.Minute))
	wantErr(t, "ConsumeAuthSession at expiry", err, store.ErrNotFound)
	_, err = st.ConsumeAuthSession(ctx, pool, dead.ID, dead.ClientID, at(0))
	wantErr(t, "ConsumeAuthSession of an expired session before expiry", err, store.ErrNotFound)
}

func testAuthSessionDuplicateID(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	as := putSession(t, st, pool, createSubject(t, st, pool))
	dup := as
	dup.Data = []byte("other")
	dup.Challenge = "SMS_MFA"
	wantExists(t, "second PutAuthSession", st.PutAuthSession(ctx, dup), "id")
	got, err := st.ConsumeAuthSession(ctx, pool, as.ID, as.ClientID, at(0))
	wantOK(t, "ConsumeAuthSession", err)
	wantSame(t, "ConsumeAuthSession result", got, as, normSession)
}

func testAuthSessionDataCopied(t *testing.T, st store.Store, pool string) {
	as := putSession(t, st, pool, createSubject(t, st, pool))
	want := as
	want.Data = append([]byte{}, as.Data...)
	as.Data[0] = 'X'
	got, err := st.ConsumeAuthSession(t.Context(), pool, as.ID, as.ClientID, at(0))
	wantOK(t, "ConsumeAuthSession", err)
	wantSame(t, "ConsumeAuthSession result", got, want, normSession)
}

func testAuthSessionMalformed(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	for _, tc := range []struct {
		name   string
		modify func(*store.AuthSession)
	}{
		{"pool id missing", func(as *store.AuthSession) { as.PoolID = "" }},
		{"id missing", func(as *store.AuthSession) { as.ID = "" }},
		{"expiry missing", func(as *store.AuthSession) { as.ExpiresAt = time.Time{} }},
	} {
		as := store.AuthSession{PoolID: pool, ID: randomID(t, "as-"), Subject: sub, ExpiresAt: at(time.Minute)}
		tc.modify(&as)
		wantErr(t, "PutAuthSession with "+tc.name, st.PutAuthSession(t.Context(), as), store.ErrInvalid)
	}
}
