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
	{"a redeemed session leaves the next one in its place", testAuthSessionRedeem},
	{"a redemption that cannot store the next session changes nothing", testAuthSessionRedeemRefused},
	{"an expired or unknown session is not redeemed", testAuthSessionRedeemGone},
}

// guardOf is the session that takes as's place when it is redeemed.
func guardOf(t *testing.T, as store.AuthSession) store.AuthSession {
	return store.AuthSession{PoolID: as.PoolID, ID: randomID(t, "used-"), Subject: as.Subject, ClientID: as.ClientID,
		Challenge: "USED", Data: []byte("family"), ExpiresAt: at(time.Hour).In(elsewhere), CreatedAt: at(time.Minute)}
}

func testAuthSessionRedeem(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	as := putSession(t, st, pool, createSubject(t, st, pool))
	next := guardOf(t, as)
	got, err := st.RedeemAuthSession(ctx, pool, as.ID, as.ClientID, at(time.Minute), next)
	wantOK(t, "RedeemAuthSession", err)
	wantSame(t, "RedeemAuthSession result", got, as, normSession)
	_, err = st.ConsumeAuthSession(ctx, pool, as.ID, as.ClientID, at(time.Minute))
	wantErr(t, "ConsumeAuthSession of the redeemed session", err, store.ErrNotFound)
	_, err = st.RedeemAuthSession(ctx, pool, as.ID, as.ClientID, at(time.Minute), guardOf(t, as))
	wantErr(t, "a second RedeemAuthSession", err, store.ErrNotFound)
	// The next session is there, and can itself be redeemed back.
	back, err := st.RedeemAuthSession(ctx, pool, next.ID, next.ClientID, at(2*time.Minute), as)
	wantOK(t, "RedeemAuthSession of the next session", err)
	wantSame(t, "the next session", back, next, normSession)
	got, err = st.ConsumeAuthSession(ctx, pool, as.ID, as.ClientID, at(2*time.Minute))
	wantOK(t, "ConsumeAuthSession of the session put back", err)
	wantSame(t, "the session put back", got, as, normSession)
}

func testAuthSessionRedeemRefused(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	sub := createSubject(t, st, pool)
	as, taken := putSession(t, st, pool, sub), putSession(t, st, pool, sub)
	next := guardOf(t, as)
	next.ID = taken.ID
	_, err := st.RedeemAuthSession(ctx, pool, as.ID, as.ClientID, at(0), next)
	wantExists(t, "RedeemAuthSession onto a taken id", err, "id")
	for _, bad := range []func(*store.AuthSession){
		func(n *store.AuthSession) { n.ID = "" },
		func(n *store.AuthSession) { n.ID = as.ID },
		func(n *store.AuthSession) { n.PoolID = pool + "-other" },
		func(n *store.AuthSession) { n.ExpiresAt = time.Time{} },
	} {
		next := guardOf(t, as)
		bad(&next)
		_, err := st.RedeemAuthSession(ctx, pool, as.ID, as.ClientID, at(0), next)
		wantErr(t, "RedeemAuthSession with a malformed next session", err, store.ErrInvalid)
	}
	_, err = st.RedeemAuthSession(ctx, pool, as.ID, "client-2", at(0), guardOf(t, as))
	wantErr(t, "RedeemAuthSession by another client", err, store.ErrNotFound)
	for _, s := range []store.AuthSession{as, taken} {
		got, err := st.ConsumeAuthSession(ctx, pool, s.ID, s.ClientID, at(0))
		wantOK(t, "ConsumeAuthSession after refused redemptions", err)
		wantSame(t, "the session", got, s, normSession)
	}
}

func testAuthSessionRedeemGone(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	_, err := st.RedeemAuthSession(ctx, pool, "no-such-session", "client-1", at(0), guardOf(t, store.AuthSession{PoolID: pool, ClientID: "client-1"}))
	wantErr(t, "RedeemAuthSession of an unknown session", err, store.ErrNotFound)
	dead := putSession(t, st, pool, createSubject(t, st, pool))
	next := guardOf(t, dead)
	_, err = st.RedeemAuthSession(ctx, pool, dead.ID, dead.ClientID, at(3*time.Minute), next)
	wantErr(t, "RedeemAuthSession at expiry", err, store.ErrNotFound)
	_, err = st.ConsumeAuthSession(ctx, pool, next.ID, next.ClientID, at(0))
	wantErr(t, "the next session of an expired one", err, store.ErrNotFound)
	_, err = st.ConsumeAuthSession(ctx, pool, dead.ID, dead.ClientID, at(0))
	wantErr(t, "the expired session after its redemption", err, store.ErrNotFound)
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
